"""One validation run: a restart (or the seed script) in a fresh simulation, and the truth.

The client's report says what the client *believes*; the simulation knows what *happened*.
After each run the Tentacle service is read straight from the model: did a new process of
the restarted instance start during the run, is it Running now, and does Octopus consider
the machine healthy? A report of success that the model contradicts is a false success.

Runs are executed in chunks (:class:`Chunk`, :func:`run_chunk`) and come back as compact
tuples (:data:`Row`), because chunks cross process boundaries and a whole
:class:`~restart.report.RestartReport` per run (timeline, log, tasks) would cost more to
pickle than the run itself.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from restart.drivers.direct import drive_direct, run_direct
from restart.policy import RestartPolicy
from restart.report import Outcome, RestartReport
from restart.seedport import SeedScript, SeedVariables
from restart.target import RestartTarget

if TYPE_CHECKING:
    from octosim.model.truth import TentacleTruth
    from octosim.model.world import Machine
    from octosim.scenario import Scenario
    from octosim.simulation import Simulation

__all__ = ["MACHINE_ID", "OUTCOMES", "Chunk", "Procedure", "Row", "reach", "run_chunk", "run_one"]

#: The machine a run restarts when none is named: the scenario's first ``[[agents]]`` entry.
MACHINE_ID = "Machines-1"

#: Which restart algorithm a run drives: this client, or the seed script's port.
Procedure = Literal["client", "seed"]

#: Outcomes by position: a Row carries the index, not the enum, to stay a plain tuple.
OUTCOMES: tuple[Outcome, ...] = tuple(Outcome)

#: One run, compactly: ``(index, outcome index in OUTCOMES, duration in virtual seconds,
#: reason ("" for a reported success: it is boilerplate), truth: restarted, up, healthy,
#: reach)``. ``reach``: for a client run that reported success, seconds from the start of
#: the post-restart wait to the creation of the last task it needed (see :func:`reach`);
#: None otherwise.
Row = tuple[int, int, float, str, bool, bool, bool, float | None]

_HEALTHY = frozenset({"Healthy", "HasWarnings"})  # HasWarnings: reachable, still usable


@dataclass(frozen=True)
class Chunk:
    """Runs ``start .. start+count-1`` of one group; run ``i`` uses seed ``base_seed + i``.

    ``key`` is the caller's name for the group (a scenario and a policy), handed back with
    the rows so results can be gathered in any order.
    """

    key: int
    procedure: Procedure
    scenario: Scenario
    policy: RestartPolicy
    base_seed: int
    start: int
    count: int
    machine: str | None = None


def run_chunk(chunk: Chunk) -> tuple[int, list[Row]]:
    """Run every run of ``chunk`` in order; return ``(chunk.key, rows)``.

    Top-level and argument-picklable so a process pool can call it. Raises RuntimeError
    naming the scenario and seed if a run raises (a bug in the client or the simulator:
    rerun that seed alone to see it).
    """
    rows = [
        run_one(chunk.procedure, chunk.scenario, chunk.policy, chunk.base_seed + i, index=i,
                machine=chunk.machine)
        for i in range(chunk.start, chunk.start + chunk.count)
    ]
    return chunk.key, rows


def run_one(
    procedure: Procedure,
    scenario: Scenario,
    policy: RestartPolicy,
    seed: int,
    *,
    index: int = 0,
    machine: str | None = None,
) -> Row:
    """Run one restart of the machine named ``machine`` (default: the scenario's first)
    with ``seed``; return its Row.

    The simulation is built from ``seed`` and the client's jitter/token source is
    ``random.Random(seed)``, so a run is a pure function of its arguments.
    """
    from octosim.model.truth import TentacleTruth
    from octosim.simulation import Simulation

    try:
        sim = Simulation.from_scenario(scenario, seed=seed)
        found = _named(sim, machine)
        with TentacleTruth(found, sim.clock) as truth:
            service = _restarted_service(truth, policy if procedure == "client" else None)
            report = _drive(procedure, sim, found, policy, seed)
        if report.interrupted:
            # Nothing in a validation run interrupts it: this was Ctrl-C, which the driver
            # answers with a report once it has cleaned up. The validation stops, unjudged.
            raise KeyboardInterrupt
    except Exception as exc:
        raise RuntimeError(
            f"validation run {index} ({procedure}) of scenario {scenario.name!r} with seed "
            f"{seed} raised {type(exc).__name__}: {exc}; this is a bug, reproduce it with "
            f"restart.validate_runs.run_one({procedure!r}, scenario, policy, {seed})"
        ) from exc
    outcome = report.outcome
    return (
        index,
        OUTCOMES.index(outcome),
        report.duration,
        "" if outcome is Outcome.RESTARTED else report.reason,
        bool(truth.restarts(service)),
        truth.state(service).value == "Running",
        found.health_status.value in _HEALTHY,
        reach(report) if procedure == "client" else None,
    )


def reach(report: RestartReport) -> float | None:
    """Return how far into "wait + health window" a successful client run had to go.

    Seconds from the start of the post-restart wait to the creation of the last task the
    run created (the health check that completed the verdict). The procedure starts a new
    probe or check only while ``now < wait end + health_window``, so this run would also
    have succeeded with any ``post_restart_wait + health_window`` above it (the run is the
    same up to that point). The creation time is read after the POST answered, a little
    after the decision to create, so the estimate errs on the long side. None unless the
    run reported success.
    """
    if report.outcome is not Outcome.RESTARTED or not report.tasks:
        return None
    wait = next((p for p in report.phases if p.name == "wait"), None)
    if wait is None:
        return None
    return max(t.created for t in report.tasks) - wait.started


def _drive(
    procedure: Procedure, sim: Simulation, machine: Machine, policy: RestartPolicy, seed: int
) -> RestartReport:
    if procedure == "client":
        target = RestartTarget(machine.space_id, machine_id=machine.id)
        return run_direct(sim, target, policy, rng=random.Random(seed), raise_errors=False)
    variables = SeedVariables(
        server_url=sim.base_url,
        space_id=machine.space_id,
        machine_id=machine.id,
        machine_name=machine.name,
        environment_id=machine.environment_ids[0] if machine.environment_ids else None,
    )
    return drive_direct(sim, SeedScript(variables), raise_errors=False)


def _named(sim: Simulation, name: str | None) -> Machine:
    if name is None:
        return sim.world.machines[MACHINE_ID]
    for machine in sim.world.machines.values():
        if machine.name == name:
            return machine
    raise ValueError(f"the scenario has no machine named {name!r}")


def _restarted_service(truth: TentacleTruth, policy: RestartPolicy | None) -> str:
    # The truth is judged on the instance the run was asked to restart: the policy's named
    # instance if it has one (and it exists), else the instance registered as the machine.
    named = truth.service_of(policy.instance) if policy is not None else None
    return named if named is not None else truth.service
