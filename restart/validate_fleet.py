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
from pathlib import Path
from typing import TYPE_CHECKING

from restart.policy import RestartPolicy
from restart.validate_exec import Group, ProgressCallback, Runner, default_workers
from restart.validate_fleet_knobs import with_policy
from restart.validate_fleet_recommend import FleetRecommendation, recommend_fleet
from restart.validate_fleet_runs import fleet_machines, run_fleet_chunk
from restart.validate_fleet_stats import (
    FleetSummary,
    FleetVerdict,
    MachineResult,
    judge,
    summarise_fleet,
)

if TYPE_CHECKING:
    from octosim.scenario import Scenario

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


