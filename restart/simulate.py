"""``restart-tentacle simulate``: the same restart as ``run``, against the embedded simulator.

The client (or, with ``--seed-script``, the seed script's port, as a baseline) runs against
an in-process :class:`octosim.simulation.Simulation` of a scenario, in the simulation's
virtual time: a five-minute restart takes milliseconds and a seed replays exactly. Then the
simulator's timeline is printed, and the **simulator's truth**: whether the Tentacle process
really restarted, read from the model rather than from anything the client was told. That
is how a user sees the seed script's false success on the ``default`` preset.

:func:`simulate` is the library entry point (the CLI, :mod:`restart.simulate_cli`, and
the end-to-end tests use it). octosim is imported only when a simulation is built, so
``restart`` itself does not depend on it.
"""

from __future__ import annotations

import asyncio
import functools
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from restart.drivers.async_ import async_transport, run_async
from restart.drivers.direct import drive_direct, run_direct
from restart.drivers.loop import adrive
from restart.drivers.sync import run_sync
from restart.errors import ConfigurationError, NotFoundError, RestartError
from restart.policy import RestartPolicy
from restart.report import Progress, RestartReport
from restart.seedport import SeedScript, SeedVariables, run_seed_script
from restart.target import RestartTarget

if TYPE_CHECKING:
    from octosim.journal import Entry
    from octosim.model.world import Machine
    from octosim.simulation import Simulation

__all__ = [
    "DRIVERS",
    "Driver",
    "ServiceRestart",
    "SimulationRun",
    "Truth",
    "TruthRecorder",
    "find_machine",
    "load_simulation",
    "machine_list",
    "simulate",
]

Driver = Literal["sync", "async", "direct"]
#: The edges a simulated run can go through: ``sync`` (``httpx.Client`` over
#: ``sim.client()``), ``async`` (``httpx.AsyncClient`` over ``sim.async_client()``) and
#: ``direct`` (no HTTP at all: requests go straight to the simulation's routes).
DRIVERS: tuple[Driver, ...] = ("sync", "async", "direct")

_MACHINE_ID = "Machines-"  # as `run`: anything else is a name
# -- the simulator's truth --------------------------------------------------------------------
@dataclass(frozen=True)
class ServiceRestart:
    """A new Tentacle process, as the model saw it: launched at ``launched`` (the new
    witness), ``Running`` from ``running`` (virtual seconds)."""

    service: str
    launched: float
    running: float


@dataclass(frozen=True)
class Truth:
    """What really happened to the machine's Tentacle during the run, from the model.

    ``restarted``: the registered instance's process start time (the witness) changed.
    ``restarts`` lists every new process of that instance; ``other_restarts`` those of the
    machine's other instances. ``went_down`` is when the instance first left ``Running``.
    """

    machine_id: str
    machine_name: str
    service: str
    restarted: bool
    witness_before: str
    witness_after: str
    state: str
    restarts: tuple[ServiceRestart, ...] = ()
    other_restarts: tuple[ServiceRestart, ...] = ()
    failed_starts: int = 0
    went_down: float | None = None

    def describe(self, started: float = 0.0) -> str:
        """One sentence for the summary; times are seconds since ``started``."""
        service = f"service {self.service!r}"
        if self.restarted and self.restarts:
            first = self.restarts[0]
            again = "" if len(self.restarts) == 1 else f"; {len(self.restarts)} new processes"
            return (
                f"Simulator truth: the Tentacle process restarted at "
                f"{first.launched - started:.1f} s ({service} running again at "
                f"{first.running - started:.1f} s{again})."
            )
        if self.restarted:  # a new witness without a recorded start: recorder not active
            return f"Simulator truth: the Tentacle process restarted ({service})."
        if self.went_down is None:
            why = f"{service} kept the process started {self.witness_before}"
        else:
            failed = (
                f", {self.failed_starts} failed start{'s' if self.failed_starts != 1 else ''}"
                if self.failed_starts
                else ""
            )
            why = (
                f"{service} went down at {self.went_down - started:.1f} s and is "
                f"{self.state}{failed}"
            )
        others = ""
        if self.other_restarts:
            names = sorted({r.service for r in self.other_restarts})
            others = f"; other instances restarted: {', '.join(names)}"
        return f"Simulator truth: the Tentacle did NOT restart ({why}{others})."

    def to_dict(self) -> dict[str, object]:
        """JSON-ready data (times in virtual seconds)."""

        def rows(restarts: tuple[ServiceRestart, ...]) -> list[dict[str, object]]:
            return [
                {"service": r.service, "launched": r.launched, "running": r.running}
                for r in restarts
            ]

        return {
            "machine_id": self.machine_id,
            "machine_name": self.machine_name,
            "service": self.service,
            "restarted": self.restarted,
            "witness_before": self.witness_before,
            "witness_after": self.witness_after,
            "state": self.state,
            "went_down": self.went_down,
            "failed_starts": self.failed_starts,
            "restarts": rows(self.restarts),
            "other_restarts": rows(self.other_restarts),
        }


class TruthRecorder:
    """Watches one machine's Tentacle services during a run (``with`` block) and then
    tells what really happened (:meth:`truth`), through the model's public truth API
    (:class:`octosim.model.truth.TentacleTruth`), never the HTTP API."""

    def __init__(self, sim: Simulation, machine: Machine) -> None:
        from octosim.model.truth import TentacleTruth

        self._machine = machine
        self._watch = TentacleTruth(machine, sim.clock)  # raises ValueError without an agent

    def __enter__(self) -> TruthRecorder:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._watch.close()

    def truth(self) -> Truth:
        """What happened so far."""
        watch = self._watch
        service = watch.service

        every = [ServiceRestart(r.service, r.launched, r.running) for r in watch.restarts()]
        return Truth(
            machine_id=self._machine.id,
            machine_name=self._machine.name,
            service=service,
            restarted=watch.restarted,
            witness_before=watch.witness_text(watch.witness_before),
            witness_after=watch.witness_text(watch.witness),
            state=str(watch.state()),
            restarts=tuple(r for r in every if r.service == service),
            other_restarts=tuple(r for r in every if r.service != service),
            failed_starts=watch.failed_starts(),
            went_down=watch.went_down,
        )


# -- one simulated run ------------------------------------------------------------------------
@dataclass(frozen=True)
class SimulationRun:
    """The result of :func:`simulate`: the report, the model's truth, and the simulation
    itself (for its timeline and model). ``truth`` is None when the machine asked for is
    not in the scenario (the client then reports NotFound, as against a real server)."""

    scenario: str
    seed: int
    driver: Driver
    report: RestartReport
    truth: Truth | None
    sim: Simulation = field(repr=False)

    @property
    def false_success(self) -> bool:
        """True when the run reported ``restarted`` but the Tentacle did not restart."""
        return self.report.ok and self.truth is not None and not self.truth.restarted

    @property
    def virtual_seconds(self) -> float:
        """The simulation's clock when the run returned."""
        return self.sim.clock.now()

    @property
    def exit_code(self) -> int:
        """The CLI exit code: exactly as ``run`` (the report's)."""
        return int(self.report.exit_code)

    def to_dict(self) -> dict[str, object]:
        """The ``--json`` document: the report's fields plus ``scenario``, ``seed``,
        ``driver``, ``virtual_seconds``, ``truth``, ``false_success`` and ``timeline``
        (the journal's entries as ``{t, kind, text, subject}``)."""
        document = self.report.to_dict()
        document.update(
            scenario=self.scenario,
            seed=self.seed,
            driver=self.driver,
            virtual_seconds=self.virtual_seconds,
            truth=None if self.truth is None else self.truth.to_dict(),
            false_success=self.false_success,
            timeline=[_entry_dict(e) for e in self.sim.journal],
        )
        return document


def _entry_dict(entry: Entry) -> dict[str, object]:
    return {"t": entry.t, "kind": entry.kind.value, "text": entry.text, "subject": entry.subject}


def load_simulation(scenario: str, seed: int = 0) -> Simulation:
    """Return a fresh simulation of ``scenario`` (a preset name or a ``.toml`` path).

    Raises ConfigurationError (exit code 2) for an unknown preset (the message lists them),
    an unreadable file, or a scenario with problems (each named by its field).
    """
    from octosim.scenario import Scenario, ScenarioError
    from octosim.simulation import Simulation

    try:
        return Simulation.from_scenario(Scenario.load(scenario), seed=seed)
    except ScenarioError as exc:
        raise ConfigurationError(str(exc)) from None


def find_machine(sim: Simulation, machine: str | None) -> Machine | None:
    """The scenario's machine ``machine`` (an id, or a name matched as the client matches
    it), its first machine for None; None when there is no such machine."""
    machines = list(sim.world.machines.values())
    if machine is None:
        return machines[0] if machines else None
    if machine.startswith(_MACHINE_ID):
        return sim.world.machines.get(machine)
    # As the client matches names: exactly first, then ignoring case.
    exact = [m for m in machines if m.name == machine]
    loose = [m for m in machines if m.name.lower() == machine.lower()]
    return (exact + loose)[0] if exact or loose else None


def machine_list(sim: Simulation) -> str:
    """The scenario's machines as ``Machines-1 (web-01), ...`` for messages."""
    return ", ".join(f"{m.id} ({m.name})" for m in sim.world.machines.values()) or "none"


def simulate(
    scenario: str,
    *,
    seed: int = 0,
    machine: str | None = None,
    policy: RestartPolicy | None = None,
    driver: Driver = "sync",
    seed_script: bool = False,
    on_event: Callable[[Progress], None] | None = None,
    sim: Simulation | None = None,
) -> SimulationRun:
    """Run one restart against a simulation of ``scenario`` and return what happened.

    ``machine``: an id (``Machines-N``) or a name; default the scenario's first machine.
    ``driver``: see :data:`DRIVERS`; every driver uses the simulation's virtual clock.
    ``seed_script``: run the seed port (baseline) instead of the client; ``policy`` must
    then be None (the seed's timings are fixed). The client's random source (backoff
    jitter, run token) is seeded with ``seed`` too, so a scenario and seed replay exactly.
    ``sim``: an already built simulation to use instead of building one.

    The typed errors that end a run (NotFound, Authentication, Server) do not propagate:
    the report carries them (``report.error``, ``report.exit_code``). Raises
    ConfigurationError for a bad scenario, policy or driver; NotFoundError when the seed
    script is asked for a machine the scenario lacks (it cannot look machines up).
    """
    if driver not in DRIVERS:
        raise ConfigurationError(f"unknown driver {driver!r}; drivers: {', '.join(DRIVERS)}")
    if seed_script and policy is not None:
        raise ConfigurationError(
            "the seed script has fixed timings and restarts every named instance: policy "
            "settings (and --instance) do not apply to --seed-script"
        )
    sim = sim if sim is not None else load_simulation(scenario, seed)
    found = find_machine(sim, machine)
    if seed_script and found is None:
        raise NotFoundError(
            f"scenario {scenario!r} has no machine {machine!r}; machines: {machine_list(sim)}"
        )
    run = functools.partial(
        _drive, sim, found, machine, policy, driver, seed_script, seed, on_event
    )
    if found is None or found.agent is None:
        return SimulationRun(scenario, seed, driver, run(), None, sim)
    with TruthRecorder(sim, found) as recorder:
        report = run()
    return SimulationRun(scenario, seed, driver, report, recorder.truth(), sim)


def _drive(
    sim: Simulation,
    found: Machine | None,
    machine: str | None,
    policy: RestartPolicy | None,
    driver: Driver,
    seed_script: bool,
    seed: int,
    on_event: Callable[[Progress], None] | None,
) -> RestartReport:
    clock, sleep = sim.clock.now, sim.clock.sleep
    if seed_script:
        assert found is not None
        variables = SeedVariables(
            server_url=sim.base_url,
            space_id=found.space_id,
            machine_id=found.id,
            machine_name=found.name,
            environment_id=found.environment_ids[0] if found.environment_ids else None,
        )
        if driver == "sync":
            with sim.client() as client:
                return run_seed_script(
                    client, variables, clock=clock, sleep=sleep, on_event=on_event,
                    wall_clock=sim.clock.wall,
                )
        script = SeedScript(variables, on_progress=on_event, wall_clock=sim.clock.wall)
        if driver == "direct":
            return drive_direct(sim, script, raise_errors=False)
        return asyncio.run(_seed_async(sim, script))
    target = _target(found, machine)
    # Seeded like the simulation: the run token and backoff jitter replay with the seed.
    rng = random.Random(seed)
    try:
        if driver == "sync":
            with sim.client() as client:
                return run_sync(
                    client, target, policy, clock=clock, sleep=sleep, rng=rng, on_event=on_event,
                    wall_clock=sim.clock.wall,
                )
        if driver == "async":
            return asyncio.run(_client_async(sim, target, policy, rng, on_event))
        return run_direct(sim, target, policy, rng=rng, on_event=on_event)
    except RestartError as exc:
        if exc.report is None:  # raised before the run began (a bad target): not ours
            raise
        return exc.report  # its .error is exc: exit code and message survive


def _target(found: Machine | None, machine: str | None) -> RestartTarget:
    if machine is None and found is not None:
        return RestartTarget(found.space_id, machine_id=found.id)
    if machine is None:
        raise ConfigurationError("the scenario has no machines: give it an [[agents]] table")
    space = found.space_id if found is not None else "Spaces-1"
    if machine.startswith(_MACHINE_ID):
        return RestartTarget(space, machine_id=machine)
    return RestartTarget(space, machine_name=machine)


def _async_sleep(sim: Simulation) -> Callable[[float], Awaitable[None]]:
    async def sleep(seconds: float) -> None:
        sim.clock.sleep(seconds)  # virtual: advances the simulation, not the wall clock
        await asyncio.sleep(0)  # still a checkpoint, as a real sleep is

    return sleep


async def _client_async(
    sim: Simulation,
    target: RestartTarget,
    policy: RestartPolicy | None,
    rng: random.Random,
    on_event: Callable[[Progress], None] | None,
) -> RestartReport:
    async with sim.async_client() as client:
        return await run_async(
            client,
            target,
            policy,
            clock=sim.clock.now,
            sleep=_async_sleep(sim),
            rng=rng,
            on_event=on_event,
            wall_clock=sim.clock.wall,
        )


async def _seed_async(sim: Simulation, script: SeedScript) -> RestartReport:
    async with sim.async_client() as client:
        return await adrive(
            script,
            async_transport(client),
            clock=sim.clock.now,
            sleep=_async_sleep(sim),
            raise_errors=False,
        )
