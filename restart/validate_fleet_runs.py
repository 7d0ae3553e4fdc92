"""One fleet validation run: a scenario's whole ``[rollout]`` in one simulation, and the truth.

:func:`run_fleet` builds :meth:`restart.fleet.Fleet.from_scenario` for one seed, runs it to
the rollout's horizon and measures it into a :class:`FleetRow`, small and picklable
because rows cross process boundaries (a whole simulation would not):

- per machine the rollout restarts (:func:`fleet_machines`): did the client, the recipe or
  the deployment step *say* it restarted, and did it *really* (a new process of the
  instance, Running and healthy at the horizon, read from the model through
  :class:`~octosim.model.truth.TentacleTruth`)? Said and did: verified. Said but did not:
  a false success;
- when the whole rollout ended (the last client's or deployment's end), or None when
  something was still going at the horizon (a hang);
- how long the server's tasks waited Queued (total and longest);
- whether the server was left deadlocked (a deadlock in force, or one in the history that
  nothing ever broke) and its one-line summary.

What a deployment step said is read from the restart step's own output variable
``Outcome`` (:mod:`restart.step_actions`), by wrapping the registered action: the step
runs unchanged, and the wrapper notes the output when (if) the step ends.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any, NamedTuple

from restart.report import Outcome
from restart.step_actions import ACTION_TYPE

if TYPE_CHECKING:
    from octosim.model.step_actions import StepContext
    from octosim.model.truth import TentacleTruth
    from octosim.scenario import Scenario
    from octosim.simulation import Simulation
    from restart.fleet import ClientResult
    from restart.policy import RestartPolicy
    from restart.validate_runs import Chunk

__all__ = [
    "CLAIMED",
    "FALSE_SUCCESS",
    "NOTHING",
    "UNCLAIMED",
    "VERIFIED",
    "FleetRow",
    "fleet_machines",
    "run_fleet",
    "run_fleet_chunk",
]

#: What happened to one machine in one run, as one small int (rows stay plain tuples).
#: Neither said nor did restart.
NOTHING = 0
#: Said restarted, and the model agrees.
VERIFIED = 1
#: Said restarted, but the model says it did not (or it is down or unhealthy at the end).
FALSE_SUCCESS = 2
#: Really restarted, but nobody said so (the client gave up too early, or never got to say).
UNCLAIMED = 3
#: The codes in which something said "restarted".
CLAIMED = frozenset({VERIFIED, FALSE_SUCCESS})

_HEALTHY = frozenset({"Healthy", "HasWarnings"})  # as restart.validate_runs judges one run


class FleetRow(NamedTuple):
    """One run of a rollout. ``run``: the run's place in its group (seed = base seed + run);
    ``machines``: a code per machine of :func:`fleet_machines`, in its order (``VERIFIED``,
    ``FALSE_SUCCESS``, ``UNCLAIMED``, ``NOTHING``); ``ended``: virtual time the last client
    or deployment ended (None: something still going at the horizon); ``hung``: clients and
    deployments still going at the horizon; ``queued_total`` / ``queued_longest``: seconds
    the server's tasks spent Queued, summed and the longest one; ``tasks``: tasks created;
    ``deadlock``: the one-line summary of a deadlock left standing ("" for none)."""

    run: int
    machines: tuple[int, ...]
    ended: float | None
    hung: int
    queued_total: float
    queued_longest: float
    tasks: int
    deadlock: str


def fleet_machines(scenario: Scenario) -> tuple[str, ...]:
    """The names of the machines ``scenario``'s rollout restarts, in the scenario's order:
    for ``[rollout.restarts]`` the agents it chooses; for deployments each agent in a
    deployed environment with a role of a step that runs ``Octosim.RestartTentacle``.
    Raises ValueError for a scenario without a rollout."""
    rollout = scenario.rollout
    if rollout is None:
        raise ValueError(f"scenario {scenario.name!r} has no [rollout] to validate as a fleet")
    agents = scenario.all_agents()
    if rollout.restarts is not None:
        return tuple(dict.fromkeys(rollout.restarts.chosen(agents)))
    first_env = scenario.environments[0] if scenario.environments else None
    projects = {p.name.lower(): p for p in scenario.projects}
    wanted: set[tuple[str, str]] = set()  # (environment, role), lower case
    for deployment in rollout.deployments:
        project = projects.get(deployment.project.lower())
        if project is None:
            continue
        for step in project.steps:
            if any(a.action_type.lower() == ACTION_TYPE.lower() for a in step.actions):
                wanted.update((deployment.environment.lower(), r.lower()) for r in step.roles)
    return tuple(
        a.name for a in agents
        if any(((a.environment_name or first_env or "").lower(), r.lower()) in wanted
               for r in a.roles)
    )


def run_fleet_chunk(chunk: Chunk) -> tuple[int, list[FleetRow]]:
    """Run every run of ``chunk`` (its scenario's rollout, seeds ``base_seed + i``); return
    ``(chunk.key, rows)``. Top-level so a process pool or a Dask cluster can call it
    (:meth:`restart.validate_exec.Runner.map`)."""
    machines = fleet_machines(chunk.scenario)
    return chunk.key, [
        run_fleet(chunk.scenario, chunk.policy, chunk.base_seed + i, index=i,
                  machines=machines)
        for i in range(chunk.start, chunk.start + chunk.count)
    ]


def run_fleet(
    scenario: Scenario,
    policy: RestartPolicy,
    seed: int,
    *,
    index: int = 0,
    machines: tuple[str, ...] | None = None,
) -> FleetRow:
    """Run ``scenario``'s rollout with ``seed`` to its horizon; return its row. ``policy``:
    the policy of restart clients the rollout starts itself (a deployment step reads its
    own from the project's variables: :mod:`restart.validate_fleet_knobs`). A pure function
    of its arguments.

    Raises RuntimeError naming the scenario and seed if the run raises (a bug: rerun that
    seed alone with this function to see it).
    """
    from octosim.model.truth import TentacleTruth
    from restart.fleet import Fleet

    names = machines if machines is not None else fleet_machines(scenario)
    try:
        fleet = Fleet.from_scenario(scenario, seed=seed, policy=policy)
        sim = fleet.sim
        said = _watch_steps(sim)
        by_name = {m.name: m for m in sim.world.machines.values()}
        truths = [TentacleTruth(by_name[n], sim.clock) for n in names]
        results = fleet.run()
        for truth in truths:
            truth.close()
        if scenario.rollout is not None and scenario.rollout.restarts is not None:
            said = _said_by_clients(results, scenario, said)
        codes = tuple(_code(name in said, _really(truth, policy))
                      for name, truth in zip(names, truths, strict=True))
    except Exception as exc:
        raise RuntimeError(
            f"fleet validation run {index} of scenario {scenario.name!r} with seed {seed} "
            f"raised {type(exc).__name__}: {exc}; this is a bug, reproduce it with "
            f"restart.validate_fleet_runs.run_fleet(scenario, policy, {seed})"
        ) from exc
    hung = sum(not r.finished for r in results)
    ended = None if hung else max((r.ended or 0.0 for r in results), default=0.0)
    total, longest = _queued(sim)
    return FleetRow(index, codes, ended, hung, total, longest, len(sim.engine.tasks),
                    _deadlock(sim))


def _watch_steps(sim: Simulation) -> set[str]:
    # The names of the targets whose restart step said "restarted", filled in as steps end.
    said: set[str] = set()
    actions = sim.deploy.actions
    step = actions.get(ACTION_TYPE)
    if step is None:  # pragma: no cover - Fleet installs it
        return said

    def watched(ctx: StepContext) -> Generator[Any, Any, str | None]:
        flow = step(ctx)
        result: str | None = (yield from flow) if isinstance(flow, Generator) else flow
        if ctx.target is not None:
            outcome = ctx.outputs.for_machine(ctx.target.name).get(
                f"Octopus.Action[{ctx.action_name}].Output.Outcome")
            if outcome == Outcome.RESTARTED.value:
                said.add(ctx.target.name)
        return result

    actions.register(ACTION_TYPE, watched)
    return said


def _said_by_clients(results: list[ClientResult], scenario: Scenario,
                     said: set[str]) -> set[str]:
    # Fleet.from_scenario adds one client per chosen agent, in the order chosen.
    restarts = scenario.rollout.restarts if scenario.rollout else None
    chosen = restarts.chosen(scenario.all_agents()) if restarts else []
    claimed = set(said)
    for name, result in zip(chosen, results, strict=True):
        if result.report is not None and result.report.outcome is Outcome.RESTARTED:
            claimed.add(name)
    return claimed


def _really(truth: TentacleTruth, policy: RestartPolicy) -> bool:
    # The instance the restart was for: the policy's named one if the machine has it.
    service = truth.service_of(policy.instance) or truth.service
    return (bool(truth.restarts(service)) and truth.state(service).value == "Running"
            and truth.machine.health_status.value in _HEALTHY)


def _code(claimed: bool, really: bool) -> int:
    if claimed:
        return VERIFIED if really else FALSE_SUCCESS
    return UNCLAIMED if really else NOTHING


def _queued(sim: Simulation) -> tuple[float, float]:
    # Queued from creation (or its QueueTime, if later) to its start, its end without one
    # (cancelled or timed out while Queued), or the horizon if still Queued.
    now = sim.clock.now()
    total = longest = 0.0
    for task in sim.engine.tasks.values():
        left = task.start_time
        if left is None:
            left = task.completed_time if task.completed_time is not None else now
        waited = max(0.0, left - max(task.created, task.queue_time))
        total += waited
        longest = max(longest, waited)
    return total, longest


def _deadlock(sim: Simulation) -> str:
    standing = sim.deadlock or next(
        (b for b in sim.engine.deadlocks.history if b.is_deadlock and b.ended is None), None)
    return "" if standing is None else standing.summary()
