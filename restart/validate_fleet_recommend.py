"""What to change so a rollout reaches the target: a small grid of settings, each run for real.

Nothing about a rollout predicts another setting's result the way one restart's *reach*
predicts a shorter health window (restart.validate_recommend): a larger cap or a smaller
rolling window changes which task waits for which. So every setting tried is checked with
real runs (the same seeds as each other), one knob at a time, from the cheapest change to
the dearest:

1. the restart policy of the steps and clients (free): a longer health window, a longer
   deadline (each moving the deadline as validate's recommendation does); skipped when
   every restart is the recipe's, which has no policy;
2. the deployments' MaxParallelism (costs rollout time);
3. the server's task cap (costs server capacity: a license tier, CPU and memory).

The first family with a setting that passes stops the search; within it, the smallest
change that passes is recommended. When none passes the result says why in words: a
deadlock at every setting, false successes at every setting (the recipe believes what it
sees: no setting helps), or the rate still short.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from restart.policy import PolicyError, RestartPolicy
from restart.step_actions import ACTION_TYPE, METHOD_VARIABLE
from restart.validate_exec import Group, Runner
from restart.validate_fleet_knobs import with_max_parallelism, with_policy, with_task_cap
from restart.validate_fleet_runs import fleet_machines, run_fleet_chunk
from restart.validate_fleet_stats import FleetSummary, FleetVerdict, judge, summarise_fleet

if TYPE_CHECKING:
    from octosim.scenario import Scenario

__all__ = ["FleetRecommendation", "Trial", "recommend_fleet"]

#: Health windows tried (seconds), the ones above the policy's.
WINDOWS = (300.0, 600.0)
#: Deadline increases tried (seconds added).
DEADLINE_STEPS = (300.0, 900.0)
#: Rolling windows tried (MaxParallelism).
PARALLELISM = (1, 2, 5)
#: Task caps tried, as multiples of the current one (and one more than it).
CAP_FACTORS = (2, 4)


@dataclass(frozen=True)
class Trial:
    """One setting tried: what changed (``knob``, ``value``, ``how``: how to set it),
    and what its real runs found."""

    knob: str
    value: float
    how: str
    verdict: str
    rate: float
    deadlocks: int
    false_successes: int
    rollout_p95: float | None

    def to_dict(self) -> dict[str, object]:
        """Return the trial as JSON-ready data."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class FleetRecommendation:
    """The search's answer: ``chosen`` (the trial to follow, or None) and ``advice`` (one
    paragraph, also when nothing passes); ``trials`` every setting tried, in order;
    ``runs``: real runs per setting."""

    chosen: Trial | None
    advice: str
    trials: tuple[Trial, ...]
    runs: int

    def to_dict(self) -> dict[str, object]:
        """Return the recommendation as JSON-ready data."""
        return {"chosen": None if self.chosen is None else self.chosen.to_dict(),
                "advice": self.advice, "runs": self.runs,
                "trials": [t.to_dict() for t in self.trials]}


#: One candidate: (knob, value, how to set it, the scenario and policy to run).
_Candidate = tuple[str, float, str, "Scenario", RestartPolicy]


def recommend_fleet(
    runner: Runner, scenario: Scenario, policy: RestartPolicy, target: float, seed: int,
    check_runs: int,
) -> tuple[FleetRecommendation, int]:
    """Search the grid (see the module docstring) with ``check_runs`` real runs per
    setting, seeds ``seed + i``; return the recommendation and the runs it made."""
    machines = fleet_machines(scenario)
    trials: list[Trial] = []
    executed = 0
    for family in _families(scenario, policy):
        candidates = family()
        if not candidates:
            continue
        groups = [Group("client", with_policy(sc, p), p, seed, check_runs)
                  for _, _, _, sc, p in candidates]
        executed += check_runs * len(groups)
        batch = runner.map(run_fleet_chunk, groups, "recommendation")
        passed: Trial | None = None
        for (knob, value, how, _, _), rows in zip(candidates, batch, strict=True):
            summary = summarise_fleet(rows, machines, seed)
            trial = _trial(knob, value, how, judge(summary, target), summary)
            trials.append(trial)
            if passed is None and trial.verdict == "pass":
                passed = trial
        if passed is not None:
            advice = (f"{passed.how}: {passed.rate:.1%} of restarts verified in "
                      f"{check_runs} real runs, no deadlock, no false success.")
            return FleetRecommendation(passed, advice, tuple(trials), check_runs), executed
    return FleetRecommendation(None, _why_none(trials, target), tuple(trials),
                               check_runs), executed


def _trial(knob: str, value: float, how: str, verdict: FleetVerdict,
           summary: FleetSummary) -> Trial:
    return Trial(knob, value, how, verdict.value, summary.rate, summary.deadlocks,
                 summary.false_successes,
                 None if summary.rollout is None else summary.rollout.p95)


def _families(scenario: Scenario,
              policy: RestartPolicy) -> list[Callable[[], list[_Candidate]]]:
    def policies() -> list[_Candidate]:
        found: list[_Candidate] = []
        if _recipe_only(scenario):
            return found  # the recipe has no policy: its 180 s window is written in it
        for window in WINDOWS:
            if window > policy.health_window:
                moved = _policy(policy, health_window=window,
                                deadline=policy.deadline + window - policy.health_window)
                if moved is not None:
                    found.append(("health_window", window,
                                  f"--health-window {window:g} --deadline {moved.deadline:g}",
                                  scenario, moved))
        for step in DEADLINE_STEPS:
            longer = _policy(policy, deadline=policy.deadline + step)
            if longer is not None:
                found.append(("deadline", longer.deadline, f"--deadline {longer.deadline:g}",
                              scenario, longer))
        return found

    def parallelism() -> list[_Candidate]:
        rollout = scenario.rollout
        if rollout is None or not rollout.deployments:
            return []
        return [("max_parallelism", n,
                 f"max_parallelism = {n} in [rollout]",
                 with_max_parallelism(scenario, n), policy)
                for n in PARALLELISM if n != rollout.max_parallelism]

    def caps() -> list[_Candidate]:
        cap = scenario.server.task_cap
        values = sorted({cap + 1, *(cap * f for f in CAP_FACTORS)})
        return [("task_cap", c, f"task_cap = {c} in [server]",
                 with_task_cap(scenario, c), policy) for c in values]

    return [policies, parallelism, caps]


def _recipe_only(scenario: Scenario) -> bool:
    # Every restart in the rollout is the recipe's: arrivals by "Recipe", or every project
    # with a restart step setting RestartMethod = Recipe (the step's default is Client).
    rollout = scenario.rollout
    if rollout is not None and rollout.restarts is not None:
        return rollout.restarts.method.lower() == "recipe"
    restarting = [p for p in scenario.projects if any(
        a.action_type.lower() == ACTION_TYPE.lower() for step in p.steps for a in step.actions)]
    return bool(restarting) and all(
        any(v.name.lower() == METHOD_VARIABLE.lower() and v.value.strip().lower() == "recipe"
            and not (v.environments or v.roles or v.machines or v.tenants)
            for v in p.variables)
        for p in restarting)


def _policy(policy: RestartPolicy, **changes: float) -> RestartPolicy | None:
    try:
        return dataclasses.replace(policy, **changes)  # type: ignore[arg-type]
    except PolicyError:
        return None  # a combination the policy refuses is simply not a candidate


def _why_none(trials: list[Trial], target: float) -> str:
    if not trials:
        return "nothing to try: this rollout has no setting the search changes"
    short = f"No setting tried reaches {target:.1%}."
    deadlocked = [t.how for t in trials if t.deadlocks]
    unsafe = [t.how for t in trials if t.false_successes]
    parts = []
    if deadlocked:
        parts.append(
            f"A deadlock at {_which(deadlocked, trials)}: raise the task cap above the number "
            "of deployments that run at once (each needs a free slot for its child tasks), "
            "run fewer deployments at once, or restart the Tentacles with a client that "
            "gives up by its deadline and dates its tasks' QueueTimeExpiry (the restart "
            "client, RestartMethod = Client).")
    if unsafe:
        parts.append(
            f"False successes at {_which(unsafe, trials)}: whatever restarts these Tentacles "
            "says it did when it did not (the recipe takes a successful task as proof); no "
            "timeout or capacity fixes that: use the restart client (RestartMethod = Client).")
    if len(set(deadlocked) | set(unsafe)) < len(trials):
        best = max(trials, key=lambda t: t.rate)
        parts.append(f"The best was {best.how} at {best.rate:.1%} ({best.verdict}).")
    return " ".join([short, *parts])


def _which(hows: list[str], trials: list[Trial]) -> str:
    return "every setting tried" if len(hows) == len(trials) else ", ".join(hows)
