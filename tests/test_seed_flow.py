"""A request-for-request replay of the seed script (shared/seed/restart-tentacle.ps1).

Against ``default`` (the default instance, ``OctopusDeploy Tentacle``) the seed's
``Get-Service 'OctopusDeploy Tentacle:*'`` matches nothing: the restart never happens, yet
the flow ends in a passing health check, so the seed reports success. Against
``named-instance`` the same requests really restart the Tentacle and the witness changes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from octosim.journal import Kind
from octosim.model.adhoc import AdHocScriptExecutor
from octosim.model.invariants import check_invariants
from octosim.model.scripts import SEED_SCRIPT_BODY, WitnessProbe
from octosim.scenario import presets
from octosim.simulation import Simulation

SPACE = "Spaces-1"
MACHINE = "Machines-1"
ENVIRONMENT = "Environments-1"
#: A witness probe: what a restart client might run to read the Tentacle's start time.
PROBE = "(Get-Process Tentacle).StartTime.ToString('o')"


@dataclass
class SeedRun:
    """What the seed script saw and did."""

    requests: list[tuple[str, str]] = field(default_factory=list)
    restart_task: dict[str, Any] = field(default_factory=dict)
    health_tasks: list[dict[str, Any]] = field(default_factory=list)
    output: list[str] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        return self.output[-1] == "Tentacle is communicating again."


def run_seed(sim: Simulation) -> SeedRun:
    """Replay restart-tentacle.ps1 with the simulation's clock standing in for Start-Sleep."""
    run = SeedRun()
    headers = {"X-Octopus-ApiKey": sim.api_key or ""}
    client = sim.client(event_hooks={"request": [
        lambda request: run.requests.append((request.method, request.url.path))
    ]})
    clock = sim.clock

    def get(task_id: str) -> dict[str, Any]:
        # Invoke-RestMethod -Method "GET" ... -ContentType "application/json"
        response = client.get(f"/api/tasks/{task_id}",
                              headers={**headers, "Content-Type": "application/json"})
        response.raise_for_status()
        return dict(response.json())

    script_task_body = json.dumps({
        "Name": "AdHocScript",
        "Description": f"Restarting Tentacle on web-01 - {MACHINE}",
        "SpaceId": SPACE,
        "Arguments": {"MachineIds": [MACHINE], "TargetType": "Machines",
                      "Syntax": "Powershell", "ScriptBody": SEED_SCRIPT_BODY},
    })
    response = client.post("/api/tasks", content=script_task_body,
                           headers={**headers, "Content-Type": "application/json"})
    assert response.status_code == 201, response.text
    task = get(response.json()["Id"])
    run.output.append("Restart initiated")
    while task["IsCompleted"] is False:
        clock.sleep(5)
        task = get(task["Id"])
    run.restart_task = task
    if task["State"] != "Success":
        run.output.append("Restart Tentacle Failed")
        return run
    run.output.append("Restart executed")
    clock.sleep(30)

    health_body = json.dumps({
        "Name": "Health",
        "Description": f"Health check for web-01 - {MACHINE}",
        "SpaceId": SPACE,
        "Arguments": {"Timeout": "00:01:00", "MachineTimeout": "00:01:00",
                      "EnvironmentId": ENVIRONMENT, "MachineIds": [MACHINE]},
    })
    started = clock.now()
    while True:
        # Invoke-RestMethod -Method "Post" without -ContentType: PowerShell declares the
        # JSON string as a form.
        response = client.post(
            f"/api/{SPACE}/tasks", content=health_body,
            headers={**headers, "Content-Type": "application/x-www-form-urlencoded"},
        )
        assert response.status_code == 201, response.text
        task = dict(response.json())
        while task["IsCompleted"] is False:
            clock.sleep(5)
            task = get(task["Id"])
        run.health_tasks.append(task)
        if task["State"] == "Success":
            break
        if clock.now() - started >= 180:
            break
    run.output.append("Tentacle is communicating again." if task["State"] == "Success"
                      else "Tentacle is not communicating again after restart.")
    return run


def probe_witness(sim: Simulation) -> str:
    """Run a witness probe as an AdHocScript and read its one Info line from the details."""
    executor = sim.engine.executors["AdHocScript"]
    assert isinstance(executor, AdHocScriptExecutor)
    executor.interpreter.register(
        lambda body, syntax: (WitnessProbe("powershell", body),) if body == PROBE else None,
        first=True,
    )
    with sim.client() as client:
        created = client.post("/api/tasks", json={
            "Name": "AdHocScript", "SpaceId": SPACE,
            "Arguments": {"MachineIds": [MACHINE], "ScriptBody": PROBE},
        })
        assert created.status_code == 201, created.text
        sim.clock.sleep(5)
        details = client.get(f"/api/tasks/{created.json()['Id']}/details").json()
    assert details["Task"]["State"] == "Success"
    (target,) = details["ActivityLogs"][0]["Children"]
    lines = [e["MessageText"] for e in target["LogElements"] if e["Category"] == "Info"]
    assert len(lines) == 1, lines
    return str(lines[0])


def test_against_the_default_instance_nothing_restarts_but_the_flow_passes() -> None:
    sim = Simulation.from_scenario("default", seed=1)
    before = probe_witness(sim)
    assert before == "2024-01-14T09:00:17.2050000+00:00"
    first = len(sim.engine.tasks) + 1

    run = run_seed(sim)

    assert run.succeeded, run.output
    assert run.requests == [
        ("POST", "/api/tasks"),
        ("GET", f"/api/tasks/ServerTasks-{first}"),
        ("GET", f"/api/tasks/ServerTasks-{first}"),
        ("POST", f"/api/{SPACE}/tasks"),
        ("GET", f"/api/tasks/ServerTasks-{first + 1}"),
    ]
    assert run.restart_task["State"] == "Success"
    assert [t["State"] for t in run.health_tasks] == ["Success"]
    assert probe_witness(sim) == before  # the restart never happened
    agent = sim.world.machines[MACHINE].agent
    assert agent is not None and agent.instance.starts == 0
    assert not sim.journal.entries(kind=Kind.Service)
    assert (
        f"ServerTasks-{first} on web-01: detached restart: 'OctopusDeploy Tentacle:*' "
        "matches no service; nothing restarts"
    ) in [e.text for e in sim.journal]
    # The log says why: nothing matched the wildcard.
    with sim.client() as client:
        details = client.get(f"/api/tasks/ServerTasks-{first}/details",
                             params={"verbose": "true"}).json()
    messages = [e["MessageText"] for child in details["ActivityLogs"][0]["Children"]
                for e in child["LogElements"]]
    assert any("no service on web-01 matches 'OctopusDeploy Tentacle:*'" in m for m in messages)
    assert sim.world.machines[MACHINE].health_status.value == "Healthy"


def test_against_a_named_instance_the_restart_happens_and_the_witness_changes() -> None:
    sim = Simulation.from_scenario("named-instance", seed=1)
    before = probe_witness(sim)

    run = run_seed(sim)

    assert run.succeeded, run.output
    after = probe_witness(sim)
    assert after != before and after.startswith("2024-01-15T09:00:")
    agent = sim.world.machines[MACHINE].agent
    assert agent is not None and agent.instance.starts == 1
    changes = [e.text.split("' ", 1)[1] for e in sim.journal.entries(kind=Kind.Service)
               if "→" in e.text]
    assert changes == [
        "Running → StopPending", "StopPending → Stopped", "Stopped → StartPending",
        f"StartPending → Running (new process started {after})",
    ]


def test_the_seed_flow_journal_reads_as_a_timeline() -> None:
    sim = Simulation.from_scenario("named-instance", seed=1)
    run_seed(sim)
    timeline = sim.journal.timeline(kinds={Kind.Task, Kind.Script, Kind.Service, Kind.Health})
    print(timeline)  # shown with -s: the timeline a person reads
    lines = timeline.splitlines()

    def at(fragment: str) -> int:
        index = next((i for i, line in enumerate(lines) if fragment in line), None)
        assert index is not None, f"{fragment!r} not in the timeline:\n{timeline}"
        return index

    order = [
        at("ServerTasks-1 AdHocScript 'Restarting Tentacle on web-01 - Machines-1' created"),
        at("ServerTasks-1 Queued → Executing"),
        at("ServerTasks-1 script read as: DetachedRestart"),
        at("detached restart of 'OctopusDeploy Tentacle: Web'"),
        at("ServerTasks-1 Executing → Success"),
        at("service 'OctopusDeploy Tentacle: Web' Running → StopPending"),
        at("service 'OctopusDeploy Tentacle: Web' StopPending → Stopped"),
        at("service 'OctopusDeploy Tentacle: Web' StartPending → Running"),
        at("ServerTasks-2 Health 'Health check for web-01 - Machines-1' created"),
        at("ServerTasks-2: web-01 HealthStatus Unknown → Healthy (health check succeeded)"),
        at("ServerTasks-2 Executing → Success"),
    ]
    assert order == sorted(order)


@pytest.mark.parametrize("preset", ["never-returns", "slow-windows"])
def test_the_seed_flow_against_presets_where_the_tentacle_is_late_or_gone(preset: str) -> None:
    sim = Simulation.from_scenario(preset, seed=3)
    run = run_seed(sim)
    agent = sim.world.machines[MACHINE].agent
    assert agent is not None
    if preset == "never-returns":
        assert not run.succeeded and not agent.is_up
        assert {t["State"] for t in run.health_tasks} == {"Failed"}
        assert sim.world.machines[MACHINE].health_status.value == "Unavailable"
    else:
        # Slow, but back inside the seed's 3-minute loop.
        assert run.succeeded and agent.instance.starts == 1


def test_the_seed_flow_replays_identically_for_a_seed() -> None:
    def timeline(seed: int) -> str:
        sim = Simulation.from_scenario("named-instance", seed=seed)
        run_seed(sim)
        return sim.timeline()

    assert timeline(5) == timeline(5)
    assert timeline(5) != timeline(6)


@settings(max_examples=40, deadline=None)
@given(preset=st.sampled_from([p for p in presets() if p != "flaky-network"]),
       seed=st.integers(0, 2**32 - 1))
def test_the_seed_flow_always_ends_and_keeps_the_invariants(preset: str, seed: int) -> None:
    sim = Simulation.from_scenario(preset, seed=seed)
    run = run_seed(sim)
    check_invariants(sim.engine, sim.world, sim.clock, sim.journal)
    # The seed reports success exactly when its last health check passed...
    assert run.succeeded == (bool(run.health_tasks) and run.health_tasks[-1]["State"] == "Success")
    # ...which, against the default instance, says nothing about a restart.
    agent = sim.world.machines[MACHINE].agent
    assert agent is not None
    if preset in ("default", "linux"):
        assert agent.instance.starts == 0
    # Bounded: the restart task (queued up to 90 s on busy-server, then a 5 s poll), the
    # 30 s wait, the 180 s loop, and one last health task (queued up to 90 s, Timeout 60 s,
    # a 5 s poll).
    assert sim.clock.now() <= (90 + 5) + 30 + 180 + (90 + 60 + 5)
