"""The simulator's invariants under everything at once (DESIGN.md §3).

A Hypothesis state machine drives a whole simulation through its HTTP surface (so the
transport's faults are in play) and through the model: health checks and ad-hoc scripts
(detached restarts, self-restarts, probes), agents restarted, stopped and started behind the
server's back, health flapping, faults injected and cleared, the task cap changed, tasks
cancelled, and virtual time advanced. After every step :func:`check_invariants` must hold,
and no answer may be a 5xx the fault plan did not ask for. A failure prints the seed,
the steps, and the end of the timeline.
"""

from __future__ import annotations

import httpx
from hypothesis import note
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from octosim.faults import FaultKind, FaultRule
from octosim.model.health import HealthExecutor, HealthSettings
from octosim.model.invariants import check_invariants
from octosim.simulation import Simulation
from restart.scripts import probe_script, restart_script
from restart.target import AgentOS

PRESETS = ["default", "named-instance", "linux", "polling", "watchdog", "slow-windows"]


def _script(kind: str, os_family: str) -> tuple[str, str]:
    """Return (Syntax, ScriptBody) of one kind of script for an agent's OS."""
    windows = os_family == "Windows"
    agent_os = AgentOS.WINDOWS if windows else AgentOS.LINUX
    if kind == "detached":
        return restart_script(agent_os, delay=3)
    if kind == "probe":
        return probe_script(agent_os)
    if kind == "self-restart":
        if windows:
            return "PowerShell", "Restart-Service 'OctopusDeploy Tentacle*' -Force"
        return "Bash", "systemctl restart Tentacle.service"
    return ("PowerShell", "Write-Host 'hello'") if windows else ("Bash", "echo hello")


class SimulatorMachine(RuleBasedStateMachine):
    sim: Simulation

    @initialize(preset=st.sampled_from(PRESETS), seed=st.integers(0, 2**32 - 1))
    def build(self, preset: str, seed: int) -> None:
        note(f"scenario {preset!r}, seed {seed}")
        self.sim = Simulation.from_scenario(preset, seed=seed)
        self.client = self.sim.client(timeout=30)
        self.machine = next(iter(self.sim.world.machines.values()))
        self.status_faults = False

    def teardown(self) -> None:
        if hasattr(self, "client"):
            self.client.close()

    def _post(self, body: dict[str, object]) -> httpx.Response | None:
        try:
            response = self.client.post("/api/Spaces-1/tasks", json=body)
        except (httpx.ConnectError, httpx.ReadTimeout) as exc:
            note(f"POST lost to an injected fault: {exc}")
            return None
        self._check_status(response)
        return response

    def _check_status(self, response: httpx.Response) -> None:
        if response.status_code >= 500:
            assert self.status_faults, f"unexpected {response.status_code}: {response.text}"

    @precondition(lambda self: hasattr(self, "sim"))
    @rule(timeout=st.sampled_from(["00:01:00", "0:00:30", "00:05:00"]))
    def health_check(self, timeout: str) -> None:
        self._post({"Name": "Health", "Description": "check", "Arguments": {
            "MachineIds": [self.machine.id], "Timeout": timeout, "MachineTimeout": timeout}})

    @precondition(lambda self: hasattr(self, "sim"))
    @rule(kind=st.sampled_from(["detached", "self-restart", "probe", "plain"]))
    def script(self, kind: str) -> None:
        syntax, body = _script(kind, self.machine.os_family)
        self._post({"Name": "AdHocScript", "Description": kind, "Arguments": {
            "MachineIds": [self.machine.id], "TargetType": "Machines", "Syntax": syntax,
            "ScriptBody": body}})

    @precondition(lambda self: hasattr(self, "sim"))
    @rule(how=st.sampled_from(["restart", "stop", "start"]))
    def agent_behind_the_servers_back(self, how: str) -> None:
        agent = self.machine.agent
        assert agent is not None
        services = list(agent.services.values())
        getattr(agent, how)(services)

    @precondition(lambda self: hasattr(self, "sim"))
    @rule(activation=st.sampled_from([0.0, 1.0]), failure=st.floats(0, 1))
    def flap_health(self, activation: float, failure: float) -> None:
        executor = self.sim.engine.executors["Health"]
        assert isinstance(executor, HealthExecutor)
        executor.settings = HealthSettings(
            flaky_activation_rate=activation, flaky_failure_rate=failure
        )
        executor.flaky_active = None  # drawn again at the next check

    @precondition(lambda self: hasattr(self, "sim"))
    @rule(kind=st.sampled_from(list(FaultKind)), rate=st.floats(0, 1),
          status=st.sampled_from([429, 500, 502, 503, 504]), latency=st.floats(0, 60))
    def inject_fault(self, kind: FaultKind, rate: float, status: int, latency: float) -> None:
        self.sim.faults.add(FaultRule(kind, rate=rate, status=status, latency=latency,
                                      retry_after=5 if status in (429, 503) else None))
        self.status_faults |= kind is FaultKind.Status

    @precondition(lambda self: hasattr(self, "sim"))
    @rule()
    def clear_faults(self) -> None:
        self.sim.faults.rules.clear()
        self.status_faults = False

    @precondition(lambda self: hasattr(self, "sim"))
    @rule(seconds=st.floats(0, 90))
    def advance(self, seconds: float) -> None:
        self.sim.clock.sleep(seconds)

    @precondition(lambda self: hasattr(self, "sim") and bool(self.sim.engine.tasks))
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        task_id = data.draw(st.sampled_from(sorted(self.sim.engine.tasks)))
        try:
            response = self.client.post(f"/api/tasks/{task_id}/cancel", json={})
        except (httpx.ConnectError, httpx.ReadTimeout):
            return
        self._check_status(response)

    @precondition(lambda self: hasattr(self, "sim"))
    @rule(cap=st.integers(1, 6))
    def change_cap(self, cap: int) -> None:
        self.sim.engine.task_cap = cap

    @invariant()
    def simulator_invariants_hold(self) -> None:
        if hasattr(self, "sim"):
            check_invariants(self.sim.engine, self.sim.world, self.sim.clock, self.sim.journal)

    @invariant()
    def health_status_is_the_last_checks_outcome(self) -> None:
        if not hasattr(self, "sim"):
            return
        agent = self.machine.agent
        assert agent is not None
        if agent.last_health is None:
            assert self.machine.last_checked is None
        else:
            when, status = agent.last_health
            assert (self.machine.last_checked, self.machine.health_status) == (when, status)


TestSimulatorMachine = SimulatorMachine.TestCase
