"""Validate a rollout by Monte Carlo: many seeds of a fleet scenario, judged against the truth.

``restart-tentacle validate --scenario task-cap-deadlock`` answers what ``validate`` answers
for one Tentacle, for a whole rollout (issue 18): each run is the scenario's ``[rollout]``
(deployments whose steps restart Tentacles, or restarts arriving over time) in one
simulation, run to its horizon (:mod:`restart.validate_fleet_runs`); runs go in chunks
through the same :class:`~restart.validate_exec.Runner` as ``validate``'s, so the result is
the same for any worker count and any executor. :func:`validate_fleet` adds them up:

- per machine and overall, the share of restarts *verified* (said and really done), with
  95% Wilson intervals;
- how long the whole rollout took (p50/p95/max of the runs that finished) and how many
  runs hung to the horizon;
- how long tasks waited Queued (the longest wait in a run, and all waits of a run summed);
- deadlocks left standing, with the first seed that reproduces one and its one-line summary;
- false successes: a restart said done that the model says did not happen.

and judges it (:class:`FleetVerdict`); :mod:`restart.validate_fleet_recommend` then looks for
the cheapest settings that reach the target.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from restart.policy import RestartPolicy
from restart.validate_exec import Group, ProgressCallback, Runner, default_workers
from restart.validate_fleet_knobs import with_policy
from restart.validate_fleet_runs import (
    FALSE_SUCCESS,
    UNCLAIMED,
    VERIFIED,
    FleetRow,
    fleet_machines,
    run_fleet_chunk,
)
from restart.validate_stats import Durations, wilson_interval

if TYPE_CHECKING:
    from octosim.scenario import Scenario
    from restart.validate_fleet_recommend import FleetRecommendation

__all__ = [
    "DEFAULT_FLEET_RECOMMEND_RUNS",
    "DEFAULT_FLEET_RUNS",
    "FleetSummary",
    "FleetValidation",
    "FleetVerdict",
    "MachineResult",
    "fleet_scenario",
    "judge",
    "summarise_fleet",
    "validate_fleet",
]

#: Runs of a rollout by default: each restarts many Tentacles, so 100 runs of a 10-machine
#: rollout already judge 1000 restarts.
DEFAULT_FLEET_RUNS = 100
#: Real runs that check each setting the recommendation tries: a rollout run restarts
#: many Tentacles, so fewer runs than validate's 200 already judge many restarts.
DEFAULT_FLEET_RECOMMEND_RUNS = 50
# Seeds kept for replay: enough to reproduce, few enough for the JSON.
_SEEDS_KEPT = 10


class FleetVerdict(StrEnum):
    """How a rollout did, worst first.

    - ``false-success``: a restart was said done that did not happen (the recipe's story).
    - ``deadlock``: some run left the server deadlocked (the task cap full of tasks that
      wait on Queued children).
    - ``hangs``: some run was still going at the horizon, without a deadlock.
    - ``below-target``: safe and finished, but too few restarts were verified.
    - ``pass``: the verified share reached the target, no false success, every run finished.
    """

    FALSE_SUCCESS = "false-success"
    DEADLOCK = "deadlock"
    HANGS = "hangs"
    BELOW_TARGET = "below-target"
    PASS = "pass"

    @property
    def passed(self) -> bool:
        """True for the verdict that meets the bar."""
        return self is FleetVerdict.PASS


@dataclass(frozen=True)
class MachineResult:
    """One machine over every run: restarts verified, false successes, and restarts that
    happened although nothing said so (``unclaimed``: a missed success, not a danger)."""

    name: str
    runs: int
    verified: int
    false_successes: int
    unclaimed: int

    @property
    def rate(self) -> float:
        """Verified / runs (0 with no runs)."""
        return self.verified / self.runs if self.runs else 0.0

    @property
    def interval(self) -> tuple[float, float]:
        """The 95% Wilson interval of :attr:`rate`."""
        return wilson_interval(self.verified, self.runs)

    def to_dict(self) -> dict[str, object]:
        """Return the machine's result as JSON-ready data."""
        return {"name": self.name, "runs": self.runs, "verified": self.verified,
                "rate": self.rate, "interval": list(self.interval),
                "false_successes": self.false_successes, "unclaimed": self.unclaimed}


@dataclass(frozen=True)
class FleetSummary:
    """Every run of one rollout, added up (see the module docstring).

    ``restarts``: runs × machines, what the overall rate is out of. ``rollout``: durations
    of the runs that finished (None if none did); ``finished``: how many did.
    ``queued_longest`` / ``queued_total``: per run, the longest time one task waited Queued
    and all of its tasks' waits summed. ``deadlocks``: runs that left one standing;
    ``deadlock_seed`` / ``deadlock``: the first such run's seed and its summary line.
    """

    runs: int
    machines: tuple[MachineResult, ...]
    verified: int
    restarts: int
    false_successes: int
    finished: int
    rollout: Durations | None
    queued_longest: Durations
    queued_total: Durations
    deadlocks: int
    deadlock_seed: int | None = None
    deadlock: str = ""
    false_success_seeds: tuple[int, ...] = ()
    hung_seeds: tuple[int, ...] = ()

    @property
    def rate(self) -> float:
        """Verified restarts / restarts (0 with none)."""
        return self.verified / self.restarts if self.restarts else 0.0

    @property
    def interval(self) -> tuple[float, float]:
        """The 95% Wilson interval of :attr:`rate`, counting each restart as one trial
        (restarts of one run share a server, so it is somewhat narrower than it should be;
        the per-machine intervals have no such caveat)."""
        return wilson_interval(self.verified, self.restarts)

    @property
    def false_success_rate(self) -> float:
        """False successes / restarts (0 with none)."""
        return self.false_successes / self.restarts if self.restarts else 0.0

    @property
    def hung(self) -> int:
        """Runs still going at the horizon."""
        return self.runs - self.finished

    def to_dict(self) -> dict[str, object]:
        """Return the summary as JSON-ready data."""
        return {
            "runs": self.runs,
            "restarts": self.restarts,
            "verified": self.verified,
            "rate": self.rate,
            "interval": list(self.interval),
            "false_successes": self.false_successes,
            "false_success_rate": self.false_success_rate,
            "false_success_seeds": list(self.false_success_seeds),
            "finished": self.finished,
            "hung": self.hung,
            "hung_seeds": list(self.hung_seeds),
            "rollout_seconds": None if self.rollout is None else _pmx(self.rollout),
            "queued_longest_seconds": _pmx(self.queued_longest),
            "queued_total_seconds": _pmx(self.queued_total),
            "deadlocks": self.deadlocks,
            "deadlock_seed": self.deadlock_seed,
            "deadlock": self.deadlock or None,
            "machines": [m.to_dict() for m in self.machines],
        }


def _pmx(durations: Durations) -> dict[str, float]:
    return {"p50": durations.p50, "p95": durations.p95, "max": durations.max}


@dataclass(frozen=True)
class FleetValidation:
    """Everything :func:`validate_fleet` found. ``wall_seconds`` and ``workers`` say how it
    ran, not what it found, and are left out of equality."""

    scenario: str
    policy: RestartPolicy
    target: float
    runs: int
    seed: int
    summary: FleetSummary
    verdict: FleetVerdict
    recommendation: FleetRecommendation | None
    runs_executed: int
    wall_seconds: float = field(default=0.0, compare=False)
    workers: int = field(default=1, compare=False)

    @property
    def passed(self) -> bool:
        """The verdict is ``pass``."""
        return self.verdict.passed

    def to_dict(self) -> dict[str, object]:
        """Return the result as JSON-ready data (the CLI's ``--json``)."""
        return {
            "fleet": True,
            "scenario": self.scenario,
            "passed": self.passed,
            "verdict": self.verdict.value,
            "target": self.target,
            "runs": self.runs,
            "seed": self.seed,
            "policy": dataclasses.asdict(self.policy),
            "summary": self.summary.to_dict(),
            "recommendation": None if self.recommendation is None
            else self.recommendation.to_dict(),
            "runs_executed": self.runs_executed,
            "wall_seconds": self.wall_seconds,
            "workers": self.workers,
        }


def fleet_scenario(scenarios: Sequence[Scenario]) -> Scenario | None:
    """Return the one fleet scenario (with a ``[rollout]``) of ``scenarios``, or None when
    none has one. Raises ValueError when a fleet comes with other scenarios: a rollout's
    verdict and a lone restart's are different questions, asked one at a time."""
    fleets = [s for s in scenarios if s.rollout is not None]
    if not fleets:
        return None
    if len(scenarios) > 1:
        raise ValueError(
            f"{fleets[0].name!r} describes a rollout: validate it on its own (one --scenario); "
            "validate other scenarios, or another rollout, in a separate command")
    return fleets[0]


def validate_fleet(
    scenario: Scenario | str | Path,
    policy: RestartPolicy | None = None,
    runs: int = DEFAULT_FLEET_RUNS,
    seed: int = 0,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
    *,
    target: float = 0.99,
    recommend_knobs: bool = True,
    recommend_runs: int = DEFAULT_FLEET_RECOMMEND_RUNS,
    executor: Executor | None = None,
) -> FleetValidation:
    """Run ``scenario``'s rollout (a Scenario, a preset name or a ``.toml`` path) ``runs``
    times (seeds ``seed + i``) and judge it.

    ``policy``: the restart client's, for restarts the rollout starts from outside and
    (as ``RestartTentacle.<Knob>`` variables) for its deployments' restart steps.
    ``workers`` / ``executor`` / ``progress`` as for :func:`restart.validate.validate`
    (stages ``fleet`` and ``recommendation``); neither changes the result.
    ``recommend_knobs``: when the verdict is not ``pass``, look for settings that reach
    ``target`` (:mod:`restart.validate_fleet_recommend`), each checked with
    ``recommend_runs`` real runs (at most ``runs``).

    Raises ValueError for ``runs``/``recommend_runs``/``workers`` < 1, a target outside
    (0, 1] or a rollout that restarts no Tentacle; ScenarioError for a scenario that cannot
    be read; RuntimeError (naming the seed) if a run crashes.
    """
    from octosim.scenario import Scenario

    policy = policy if policy is not None else RestartPolicy()
    if not isinstance(scenario, Scenario):
        scenario = Scenario.load(scenario)
    if runs < 1 or recommend_runs < 1:
        raise ValueError(f"runs and recommend_runs must be at least 1, got {runs} and "
                         f"{recommend_runs}")
    if not 0.0 < target <= 1.0:
        raise ValueError(f"target is a share in (0, 1], e.g. 0.99 for 99%, got {target!r}")
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be at least 1 (or None for every CPU), got {workers}")
    machines = fleet_machines(scenario)
    if not machines:
        raise ValueError(
            f"the rollout of {scenario.name!r} restarts no Tentacle: give its projects a step "
            "with action_type = \"Octosim.RestartTentacle\" on a role some agents have, or "
            "use [rollout.restarts]")
    workers = workers if workers is not None else default_workers()
    started = time.perf_counter()
    with Runner(workers, progress, executor=executor) as runner:
        [rows] = runner.map(run_fleet_chunk, [_group(scenario, policy, seed, runs)], "fleet")
        summary = summarise_fleet(rows, machines, seed)
        verdict = judge(summary, target)
        executed = runs
        recommendation = None
        if recommend_knobs and not verdict.passed:
            from restart.validate_fleet_recommend import recommend_fleet

            recommendation, extra = recommend_fleet(
                runner, scenario, policy, target, seed, min(runs, recommend_runs))
            executed += extra
    return FleetValidation(
        scenario=scenario.name, policy=policy, target=target, runs=runs, seed=seed,
        summary=summary, verdict=verdict, recommendation=recommendation,
        runs_executed=executed, wall_seconds=time.perf_counter() - started, workers=workers)


def _group(scenario: Scenario, policy: RestartPolicy, seed: int, runs: int) -> Group:
    # The policy goes into the deployments' variables once, here, not in every run.
    return Group("client", with_policy(scenario, policy), policy, seed, runs)


def judge(summary: FleetSummary, target: float) -> FleetVerdict:
    """The verdict of ``summary`` against ``target`` (worst first: see FleetVerdict)."""
    if summary.false_successes:
        return FleetVerdict.FALSE_SUCCESS
    if summary.deadlocks:
        return FleetVerdict.DEADLOCK
    if summary.hung:
        return FleetVerdict.HANGS
    return FleetVerdict.PASS if summary.rate >= target else FleetVerdict.BELOW_TARGET


def summarise_fleet(rows: Sequence[FleetRow], machines: Sequence[str],
                    base_seed: int) -> FleetSummary:
    """Add up ``rows`` (in index order) of a rollout restarting ``machines``."""
    per_machine = [
        MachineResult(name, len(rows),
                      sum(r.machines[i] == VERIFIED for r in rows),
                      sum(r.machines[i] == FALSE_SUCCESS for r in rows),
                      sum(r.machines[i] == UNCLAIMED for r in rows))
        for i, name in enumerate(machines)
    ]
    ended = [r.ended for r in rows if r.ended is not None]
    deadlocked = [r for r in rows if r.deadlock]
    first = deadlocked[0] if deadlocked else None
    return FleetSummary(
        runs=len(rows),
        machines=tuple(per_machine),
        verified=sum(m.verified for m in per_machine),
        restarts=len(rows) * len(machines),
        false_successes=sum(m.false_successes for m in per_machine),
        finished=len(ended),
        rollout=Durations.of(ended) if ended else None,
        queued_longest=Durations.of([r.queued_longest for r in rows]),
        queued_total=Durations.of([r.queued_total for r in rows]),
        deadlocks=len(deadlocked),
        deadlock_seed=None if first is None else base_seed + first.run,
        deadlock="" if first is None else first.deadlock,
        false_success_seeds=tuple(base_seed + r.run for r in rows
                                  if FALSE_SUCCESS in r.machines)[:_SEEDS_KEPT],
        hung_seeds=tuple(base_seed + r.run for r in rows if r.ended is None)[:_SEEDS_KEPT],
    )
