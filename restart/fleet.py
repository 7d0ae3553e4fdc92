"""Fleets: any number of sans-IO clients against one simulation and one clock (issue 18).

Today each restart owns its simulation; a rollout does not. A :class:`Fleet` starts clients
in one :class:`~octosim.simulation.Simulation` at given virtual times and collects how each
ended::

    fleet = Fleet(sim)
    fleet.deploy("Service 1", "Production", at=0)
    fleet.restart("web-01", at=30)              # the restart client, from outside the server
    fleet.seed_recipe("web-02", at=30)          # the recipe's port, from outside
    fleet.client(my_generator(), at=60)         # a user's own client
    for result in fleet.run(until=3600):        # in the order the clients were added
        print(result.name, result.verdict)

Every client is a flow driven on the clock's own events (:func:`restart.flows.drive_on_clock`),
and every request goes through :meth:`restart.flows.SimulatedServer.exchange`, the fault
plan included, as the restart step action's do; nothing here delivers a request itself.
So clients interleave on one clock in a fixed order (the clock breaks ties by scheduling
order), and the same seed and the same clients give the same journal and the same results.

A user's client is a sans-IO procedure (``start`` / ``send`` / ``cancel``, like
:class:`~restart.procedure.RestartProcedure`), a generator that yields
:class:`~restart.protocol.Send` and :class:`~restart.protocol.Sleep` and is sent each one's
answer, or a coroutine written with :func:`send` and :func:`sleep`::

    async def ping() -> int:
        response = await send(Request("GET", "/api"))
        await sleep(5)
        return response.status

Deployments run their steps inside the server's tasks; the restart step action
(``Octosim.RestartTentacle``) is installed on the simulation if it is not already.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from octosim.model.deploy_errors import DeploymentModelError
from octosim.model.deploy_tasks import queue_deployment
from octosim.model.deployment_rules import create_deployment, create_release
from octosim.model.executors import Delay
from octosim.scenario import Scenario, ScenarioError
from octosim.simulation import Simulation
from restart.flows import DelayFlow, ProcedureRun, SimulatedServer, drive_on_clock
from restart.procedure import RestartProcedure
from restart.protocol import Event, Request, Response, Send, Sleep, TransportFailure
from restart.seedport import SeedScript, SeedVariables
from restart.step_actions import ACTION_TYPE
from restart.step_actions import install as install_step_actions
from restart.target import RestartTarget

if TYPE_CHECKING:
    from pathlib import Path

    from octosim.model.tasks import Task
    from octosim.model.world import Machine
    from restart.drivers.loop import Procedure
    from restart.policy import RestartPolicy
    from restart.report import RestartReport

__all__ = [
    "ClientKind",
    "ClientResult",
    "Fleet",
    "ProtocolClient",
    "send",
    "sleep",
]

#: What a client is: the restart client, the recipe's port, a deployment, or a user's own.
ClientKind: TypeAlias = Literal["restart", "recipe", "deployment", "client"]
#: A user's client: a generator or a coroutine that yields Send / Sleep and is sent each
#: one's answer (a Response or TransportFailure for a Send, None after a Sleep).
ProtocolClient: TypeAlias = (Generator[Send | Sleep, Event, Any]
                             | Coroutine[Send | Sleep, Event, Any])


class _Awaitable:
    # What ``await send(...)`` / ``await sleep(...)`` suspends a coroutine client with.
    def __init__(self, action: Send | Sleep) -> None:
        self.action = action

    def __await__(self) -> Generator[Send | Sleep, Event, Event]:
        return (yield self.action)


def send(request: Request, timeout: float | None = 30.0) -> Any:
    """In a coroutine client: ``response = await send(Request(...))`` delivers ``request``
    and answers the Response, or the TransportFailure of a lost answer."""
    return _Awaitable(Send(request, timeout))


def sleep(seconds: float) -> Any:
    """In a coroutine client: ``await sleep(5)`` waits five virtual seconds."""
    return _Awaitable(Sleep(seconds))


@dataclass(frozen=True)
class ClientResult:
    """How one client of a fleet ended, as :meth:`Fleet.run` found it.

    ``started`` / ``ended``: virtual times (None: not yet). ``report``: the verdict of a
    restart or recipe client (or of a user's procedure). ``task_id`` / ``task_state``: a
    deployment's task. ``value``: what a user's generator or coroutine returned. ``error``:
    the exception a client raised (``Type: message``), or why a deployment was refused.
    """

    name: str
    kind: ClientKind
    at: float
    started: float | None
    ended: float | None
    report: RestartReport | None = None
    task_id: str | None = None
    task_state: str | None = None
    value: Any = None
    error: str | None = None

    @property
    def finished(self) -> bool:
        """Whether the client came to an end (a deployment: its task completed)."""
        return self.ended is not None

    @property
    def verdict(self) -> str:
        """One line: how it ended, or that it is still going (a hang, at the horizon)."""
        if self.error is not None:
            return f"error: {self.error}"
        if self.kind == "deployment":
            done = "ended" if self.finished else "still"
            return f"{self.task_id} {done} {self.task_state}"
        if not self.finished:
            started = "not started" if self.started is None else f"started {self.started:g}s"
            return f"still running ({started}): it never ended"
        if self.report is not None:
            report = self.report
            return f"{report.outcome.value} (exit {int(report.exit_code)}): {report.reason}"
        return f"returned {self.value!r}"


class _Client:
    # One client's bookkeeping while the fleet runs.
    def __init__(self, name: str, kind: ClientKind, at: float) -> None:
        self.name, self.kind, self.at = name, kind, at
        self.started: float | None = None
        self.ended: float | None = None
        self.report: RestartReport | None = None
        self.task: Task | None = None
        self.value: Any = None
        self.error: str | None = None

    def result(self) -> ClientResult:
        task = self.task
        ended = self.ended
        if task is not None:
            ended = task.completed_time if task.is_completed else None
        return ClientResult(
            self.name, self.kind, self.at, self.started, ended, self.report,
            task.id if task else None, task.state.value if task else None, self.value,
            self.error)


class Fleet:
    """Clients started in one simulation at given virtual times; :meth:`run` runs them all.

    ``api_key``: the key every client's requests carry (default: the simulation's).
    """

    def __init__(self, sim: Simulation, *, api_key: str | None = None,
                 horizon: float | None = None) -> None:
        self.sim = sim
        self.server = SimulatedServer.of(sim, api_key)
        #: Where :meth:`run` stops when given no time (a scenario's ``rollout.horizon``).
        self.horizon = horizon
        self._clients: list[_Client] = []
        if sim.deploy.actions.get(ACTION_TYPE) is None:
            install_step_actions(sim)

    @classmethod
    def from_scenario(cls, scenario: Scenario | str | Path, *, seed: int = 0,
                      policy: RestartPolicy | None = None, **overrides: Any) -> Fleet:
        """The fleet a scenario's ``[rollout]`` describes, in a simulation built from the
        scenario (a preset name, a TOML path or a Scenario) for ``seed``; ``overrides``
        as for ``Simulation.from_scenario``. Restarts by the client use ``policy``.

        Raises ScenarioError for a bad scenario or one with no ``[rollout]``.
        """
        sc = scenario if isinstance(scenario, Scenario) else Scenario.load(scenario)
        rollout = sc.rollout
        if rollout is None:
            raise ScenarioError([
                "rollout: the scenario describes no rollout; add [[rollout.deployments]] or "
                "[rollout.restarts] (docs/scenarios.md, \"Fleets\"), or start clients "
                "yourself with Fleet(sim)"], sc.name)
        sim = Simulation.from_scenario(sc, seed=seed, **overrides)
        fleet = cls(sim, horizon=rollout.horizon)
        for deployment in rollout.deployments:
            fleet.deploy(deployment.project, deployment.environment, at=deployment.at,
                         tenant=deployment.tenant)
        restarts = rollout.restarts
        if restarts is not None:
            names = restarts.chosen(sc.all_agents())
            # Its own stream: random arrivals never shift the world's or a client's draws.
            times = restarts.times(len(names), sim.streams.stream("rollout", "arrivals"))
            for name, at in zip(names, times, strict=True):
                if restarts.method == "Recipe":
                    fleet.seed_recipe(name, at=at)
                else:
                    fleet.restart(name, policy, at=at)
        return fleet

    def __len__(self) -> int:
        return len(self._clients)

    # -- adding clients ----------------------------------------------------------------------
    def restart(self, target: RestartTarget | str, policy: RestartPolicy | None = None, *,
                at: float = 0.0, name: str | None = None) -> None:
        """Run the restart client against ``target`` (a RestartTarget, or a machine's name
        or id) from ``at``, with ``policy`` (default: the client's defaults)."""
        if isinstance(target, str):
            machine = self._machine(target)
            target = RestartTarget(machine.space_id, machine_id=machine.id,
                                   machine_name=machine.name)
        client = self._add(name or f"restart {target.label}", "restart", at)
        procedure = RestartProcedure(
            target, policy, rng=self._stream(client), web_base_url=self.sim.base_url,
            wall_clock=self.sim.clock.wall)
        self._start(client, lambda: self._procedure_flow(client, procedure))

    def seed_recipe(self, target: str, *, at: float = 0.0, name: str | None = None) -> None:
        """Run the recipe's port (BASELINE ONLY: :mod:`restart.seedport`) against the machine
        named (or with the id) ``target`` from ``at``."""
        machine = self._machine(target)
        client = self._add(name or f"recipe {machine.name}", "recipe", at)
        variables = SeedVariables(self.sim.base_url, machine.space_id, machine.id, machine.name,
                                  machine.environment_ids[0] if machine.environment_ids else None)
        script = SeedScript(variables, wall_clock=self.sim.clock.wall)
        self._start(client, lambda: self._procedure_flow(client, script))

    def deploy(self, project: str, environment: str, *, at: float = 0.0,
               tenant: str | None = None, name: str | None = None) -> None:
        """At ``at``, create a release of ``project`` (a name or id) and deploy it to
        ``environment`` (and ``tenant``): a Deploy task in the server's queue. A refusal
        (an unknown project, an environment its lifecycle does not allow) is the result's
        ``error``, in Octopus's words."""
        to = f" for {tenant}" if tenant else ""
        client = self._add(name or f"deploy {project} to {environment}{to}", "deployment", at)

        def queue() -> None:
            sim = self.sim
            client.started = sim.clock.now()
            store = sim.deployments
            try:
                found = store.project(sim.world.default_space.id, project)
                release = create_release(store, found.id, now=client.started)
                deployment = create_deployment(store, release.id, environment,
                                               tenant_id=tenant, now=client.started)
            except DeploymentModelError as refused:
                client.error = f"{refused}"
                client.ended = client.started
                return
            client.task = queue_deployment(sim.engine, store, deployment.id)

        self.sim.clock.call_at(at, queue)

    def client(self, client: Procedure | ProtocolClient, *, at: float = 0.0,
               name: str | None = None) -> None:
        """Run a user's own client from ``at``: a sans-IO procedure (``start`` / ``send`` /
        ``cancel``), or a generator or coroutine that yields Send / Sleep (see the module
        docstring). Raises TypeError for anything else."""
        added_name = name or f"client {len(self._clients) + 1}"
        if isinstance(client, Generator | Coroutine):
            protocol = client
            added = self._add(added_name, "client", at)
            self._start(added, lambda: self._protocol_flow(added, protocol))
        elif callable(getattr(client, "start", None)) and callable(getattr(client, "cancel",
                                                                           None)):
            procedure = client
            added = self._add(added_name, "client", at)
            self._start(added, lambda: self._procedure_flow(added, procedure))
        else:
            raise TypeError(
                "a fleet client is a procedure (start/send/cancel), or a generator or "
                f"coroutine yielding restart.protocol Send and Sleep, not {client!r}; "
                "pass the generator (my_client()), not its function (my_client)")

    # -- running -----------------------------------------------------------------------------
    def run(self, until: float | None = None) -> list[ClientResult]:
        """Advance the simulation to virtual time ``until`` (default: :attr:`horizon`);
        return each client's result, in the order the clients were added. A client still
        going then is reported so (``finished`` false). May be called again to go on.

        Raises ValueError when no time is given and the fleet has no horizon."""
        if until is None:
            if self.horizon is None:
                raise ValueError("run(until=SECONDS): give the virtual time to run to (this "
                                 "fleet has no horizon from a scenario)")
            until = self.horizon
        self.sim.clock.advance_to(until)
        return self.results()

    def results(self) -> list[ClientResult]:
        """Each client's result now, in the order the clients were added."""
        return [c.result() for c in self._clients]

    # -- the parts ---------------------------------------------------------------------------
    def _add(self, name: str, kind: ClientKind, at: float) -> _Client:
        if not at >= 0:  # also NaN
            raise ValueError(f"{name}: at={at!r}; give a virtual time >= 0 in seconds")
        client = _Client(name, kind, float(at))
        self._clients.append(client)
        return client

    def _stream(self, client: _Client) -> Any:
        # One stream per client, by its place in the fleet: a client added later never
        # shifts an earlier one's draws (run tokens, retry jitter).
        return self.sim.streams.stream("fleet", str(len(self._clients)), client.name)

    def _start(self, client: _Client, flow: Callable[[], DelayFlow[None]]) -> None:
        clock = self.sim.clock
        clock.call_at(client.at, lambda: drive_on_clock(flow(), clock))

    def _procedure_flow(self, client: _Client, procedure: Procedure) -> DelayFlow[None]:
        client.started = self.sim.clock.now()
        driven = ProcedureRun(procedure, self.server, self.sim.clock)
        try:
            client.report = yield from driven.flow()
        except Exception as exc:  # a user's procedure's bug is its result, not the fleet's
            client.error = f"{type(exc).__name__}: {exc}"
        client.ended = self.sim.clock.now()

    def _protocol_flow(self, client: _Client, protocol: ProtocolClient) -> DelayFlow[None]:
        client.started = self.sim.clock.now()
        event: Event = None
        try:
            while True:
                try:
                    action = protocol.send(event)
                except StopIteration as stop:
                    client.value = stop.value
                    break
                if isinstance(action, Send):
                    answer: Response | TransportFailure = yield from self.server.exchange(action)
                    event = answer
                elif isinstance(action, Sleep):
                    yield Delay(action.seconds)
                    event = None
                else:
                    protocol.close()
                    raise TypeError(f"a fleet client yields restart.protocol Send or Sleep, "
                                    f"not {action!r}")
        except Exception as exc:
            client.error = f"{type(exc).__name__}: {exc}"
        client.ended = self.sim.clock.now()

    def _machine(self, name_or_id: str) -> Machine:
        machines = self.sim.world.machines
        found = machines.get(name_or_id) or next(
            (m for m in machines.values() if m.name.lower() == name_or_id.lower()), None)
        if found is None:
            names = ", ".join(sorted(m.name for m in machines.values())[:10])
            raise LookupError(f"no machine named {name_or_id!r} in the simulation "
                              f"(machines: {names}{', …' if len(machines) > 10 else ''})")
        return found
