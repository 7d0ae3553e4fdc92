"""The smallest health window and post-restart wait that reach a target success rate.

Method (``docs/validate.md`` has the long form)
------------------------------------------------
The procedure starts a new start-time probe or health check only while ``now < end of
the post-restart wait + health_window``. A run that succeeded shows how far into "wait +
window" it had to go: its *reach* (:func:`restart.validate_runs.reach`). Up to that point
a run with a shorter window is the *same* run (same seed, same requests, same answers), so
it succeeds with any wait + window above its reach. The success rate of every smaller
value of either knob can therefore be *predicted* from runs already made:

- from the validation's own runs, for values up to the policy's (shrinking a knob);
- for a scenario that misses the target, from one extra batch with the health window at
  the top of its grid (900 s), which covers every larger value of both knobs.

Each knob is searched on its own, the other held at the policy's value. Per scenario the
answer is the smallest grid value whose predicted rate reaches the target (unreachable if
even the top misses); the recommendation is the largest answer, and the deadline moves
with the knob (``deadline + (value - current)``) so the slack after the window (the last
health check's Timeout, one poll, the cleanup allowance) stays as it was.

The prediction is then *checked*: the recommended value is run for real (``check_runs``
seeds, the same seeds) in every scenario that needs it. If those runs succeed less often
than predicted on the same seeds (the shortcut did not hold: e.g. a shorter wait changed
which requests were made), the value moves one grid step up and is checked again.

The reach is read when a task's creation was answered, a little after the decision to
create it (more so when requests are retried), so predictions err low: they never promise
more than a real run delivers on the window, and the check covers the wait.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from restart.policy import KNOBS, RestartPolicy
from restart.validate_stats import RunRecord

__all__ = [
    "GRIDS",
    "KnobRecommendation",
    "Measure",
    "Recommendation",
    "ScenarioNeed",
    "candidate_policy",
    "predicted_rate",
    "recommend",
]

#: Candidate values (seconds) per tuned knob, from the policy's knob table
#: (:data:`restart.policy.KNOBS`); the policy's own value is added to its grid.
GRIDS: dict[str, tuple[float, ...]] = {k.name: k.grid for k in KNOBS if k.tuned}

#: ``measure([(scenario index, policy), ...], runs)`` -> each one's runs, seeds
#: ``seed .. seed+runs-1`` (the same seeds as the validation).
Measure = Callable[[Sequence[tuple[int, RestartPolicy]], int], list[tuple[RunRecord, ...]]]


@dataclass(frozen=True)
class ScenarioNeed:
    """What one scenario needs of one knob.

    ``value``: the smallest grid value reaching the target (None: not even the largest).
    ``predicted``: (value, predicted success rate) for each grid value the runs cover.
    ``measured``: (value, success rate, runs) for each value really run.
    """

    scenario: str
    value: float | None
    predicted: tuple[tuple[float, float], ...]
    measured: tuple[tuple[float, float, int], ...]

    def to_dict(self) -> dict[str, object]:
        """Return it as JSON-ready data."""
        return {
            "scenario": self.scenario,
            "value": self.value,
            "predicted": [{"value": v, "success_rate": r} for v, r in self.predicted],
            "measured": [{"value": v, "success_rate": r, "runs": n}
                         for v, r, n in self.measured],
        }


@dataclass(frozen=True)
class KnobRecommendation:
    """The recommendation for one knob.

    ``value``: the smallest grid value that reaches the target in every scenario in
    ``needs`` where any value does (None if none does); ``deadline``: the deadline that
    goes with it. ``unreachable``: scenarios where not even the largest value does.
    """

    knob: str
    current: float
    value: float | None
    deadline: float | None
    needs: tuple[ScenarioNeed, ...]

    @property
    def unreachable(self) -> tuple[str, ...]:
        """Scenarios that miss the target even at the largest candidate."""
        return tuple(n.scenario for n in self.needs if n.value is None)

    @property
    def limiting(self) -> tuple[str, ...]:
        """The scenarios that need ``value``, unless it is the smallest value on offer
        (then nothing limits it)."""
        if self.value is None or self.value <= min(min(GRIDS[self.knob]), self.current):
            return ()
        return tuple(n.scenario for n in self.needs if n.value == self.value)

    def to_dict(self) -> dict[str, object]:
        """Return it as JSON-ready data."""
        return {
            "knob": self.knob,
            "current": self.current,
            "value": self.value,
            "deadline": self.deadline,
            "limiting": list(self.limiting),
            "unreachable": list(self.unreachable),
            "scenarios": [n.to_dict() for n in self.needs],
        }


@dataclass(frozen=True)
class Recommendation:
    """Both knobs' recommendations. Predictions came from ``runs`` runs per scenario; each
    recommended value was checked on ``check_runs`` real runs."""

    target: float
    runs: int
    check_runs: int
    knobs: tuple[KnobRecommendation, ...]

    def to_dict(self) -> dict[str, object]:
        """Return it as JSON-ready data."""
        return {
            "target": self.target,
            "runs": self.runs,
            "check_runs": self.check_runs,
            "knobs": [k.to_dict() for k in self.knobs],
        }


def candidate_policy(policy: RestartPolicy, knob: str, value: float) -> RestartPolicy:
    """Return ``policy`` with ``knob`` set to ``value`` and the deadline moved by as much.

    The deadline never drops to the cleanup allowance (the policy would be invalid): it
    keeps at least one second of work time. Raises ValueError for an unknown knob.
    """
    if knob not in GRIDS:
        raise ValueError(f"unknown knob {knob!r}; knobs: {', '.join(GRIDS)}")
    current = float(getattr(policy, knob))
    deadline = max(policy.deadline + (value - current), policy.cleanup_allowance + 1.0)
    changes: dict[str, object] = {knob: value, "deadline": deadline}
    return dataclasses.replace(policy, **changes)  # type: ignore[arg-type]


def predicted_rate(runs: Sequence[RunRecord], budget: float) -> float:
    """The share of ``runs`` that would succeed with ``wait + window = budget``: verified
    successes whose reach is below it (0 with no runs)."""
    if not runs:
        return 0.0
    hits = sum(r.verified_success and r.reach is not None and r.reach < budget for r in runs)
    return hits / len(runs)


@dataclass
class _Source:
    """Runs made with ``wait`` and ``window``: they predict any budget up to their own."""

    runs: tuple[RunRecord, ...]
    wait: float
    window: float

    @property
    def budget(self) -> float:
        return self.wait + self.window


@dataclass
class _Need:
    knob: str
    scenario: int
    grid: tuple[float, ...]
    other: float  # the other knob's value, held fixed
    source: _Source
    measured: dict[float, tuple[RestartPolicy, tuple[RunRecord, ...]]]
    value: float | None = None

    def predict(self, value: float, runs: Sequence[RunRecord] | None = None) -> float:
        return predicted_rate(self.source.runs if runs is None else runs, value + self.other)

    def covered(self) -> list[float]:
        return [v for v in self.grid if v + self.other <= self.source.budget + 1e-9]


def recommend(
    policy: RestartPolicy,
    scenarios: Sequence[str],
    runs: Sequence[tuple[RunRecord, ...]],
    target: float,
    measure: Measure,
    *,
    check_runs: int,
    knobs: Sequence[str] = tuple(GRIDS),
) -> Recommendation:
    """Recommend each knob (see the module docstring).

    ``runs[i]``: scenario ``i``'s validation runs at the policy's own values. ``measure``
    makes the extra runs: one batch at the top of the window grid for the scenarios that
    miss the target, then the checks (``check_runs`` runs each). Returns the
    Recommendation.
    """
    top = float(max(max(GRIDS["health_window"]), policy.health_window))
    wide = candidate_policy(policy, "health_window", top)
    total = len(runs[0]) if runs else 0
    failing = [i for i, r in enumerate(runs) if _rate(r) < target and top > policy.health_window]
    wide_runs = dict(zip(failing, measure([(i, wide) for i in failing], total), strict=True))

    needs: list[_Need] = []
    for knob in knobs:
        current = float(getattr(policy, knob))
        grid = tuple(sorted({float(v) for v in GRIDS[knob]} | {current}))
        other = policy.health_window if knob == "post_restart_wait" else policy.post_restart_wait
        for i, own in enumerate(runs):
            source = _Source(own, policy.post_restart_wait, policy.health_window)
            measured = {current: (policy, own)}
            if i in wide_runs:
                source = _Source(wide_runs[i], policy.post_restart_wait, top)
                if knob == "health_window":
                    measured[top] = (wide, wide_runs[i])
            need = _Need(knob, i, grid, other, source, measured)
            need.value = _smallest(need, current, target)
            needs.append(need)

    _check(policy, needs, knobs, measure, check_runs, target)
    return Recommendation(
        target=target,
        runs=total,
        check_runs=check_runs,
        knobs=tuple(_knob_result(policy, knob, scenarios, needs) for knob in knobs),
    )


def _rate(runs: Sequence[RunRecord]) -> float:
    return sum(r.verified_success for r in runs) / len(runs) if runs else 0.0


def _smallest(need: _Need, current: float, target: float) -> float | None:
    for value in need.covered():
        if need.predict(value) >= target:
            return value
    if _rate(need.measured[current][1]) >= target:
        # Measured to pass, predicted short: the reach lags the decision (retries).
        return current
    return None


def _check(
    policy: RestartPolicy,
    needs: list[_Need],
    knobs: Sequence[str],
    measure: Measure,
    check_runs: int,
    target: float,
) -> None:
    # Run each knob's recommendation where it is needed and not yet measured; step a
    # knob up one grid value whenever a check falls short of its prediction.
    while True:
        asks: list[tuple[_Need, float, RestartPolicy]] = []
        for knob in knobs:
            value = _overall(needs, knob)
            if value is None:
                continue
            for need in needs:
                if need.knob == knob and need.value == value and value not in need.measured:
                    asks.append((need, value, candidate_policy(policy, knob, value)))
        if not asks:
            return
        results = measure([(n.scenario, p) for n, _, p in asks], check_runs)
        for (need, value, candidate), got in zip(asks, results, strict=True):
            need.measured[value] = (candidate, got)
            seeds = need.source.runs[: len(got)]
            if _rate(got) + 1e-9 < need.predict(value, seeds):
                need.value = _next(need, value, target)


def _next(need: _Need, value: float, target: float) -> float | None:
    # The next grid value up that was measured, or is predicted, to reach the target.
    for candidate in need.grid:
        if candidate <= value:
            continue
        if candidate in need.measured:
            if _rate(need.measured[candidate][1]) >= target:
                return candidate
        elif candidate in need.covered() and need.predict(candidate) >= target:
            return candidate
    return None


def _overall(needs: list[_Need], knob: str) -> float | None:
    values = [n.value for n in needs if n.knob == knob and n.value is not None]
    return max(values) if values else None


def _knob_result(
    policy: RestartPolicy, knob: str, scenarios: Sequence[str], needs: list[_Need]
) -> KnobRecommendation:
    mine = [n for n in needs if n.knob == knob]
    value = _overall(needs, knob)
    deadline = None if value is None else candidate_policy(policy, knob, value).deadline
    return KnobRecommendation(
        knob,
        float(getattr(policy, knob)),
        value,
        deadline,
        tuple(
            ScenarioNeed(
                scenarios[n.scenario],
                n.value,
                tuple((v, n.predict(v)) for v in n.covered()),
                tuple(sorted((v, _rate(r), len(r)) for v, (_, r) in n.measured.items())),
            )
            for n in mine
        ),
    )
