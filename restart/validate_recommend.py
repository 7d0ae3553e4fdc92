"""The smallest health window and post-restart wait that reach a target success rate.

Method (``docs/validate.md``): each knob is searched on its own, the other held at the
policy's value, on a fixed grid of readable values (plus the policy's own value). For each
scenario, a bisection over the grid finds the smallest value whose success rate reaches
the target on the *same seeds* each time (runs ``0 .. n-1``), so candidates differ only in
the knob. The deadline moves with the knob (``deadline + (value - current)``): the slack
after the window (the last health check's Timeout, one poll, the cleanup allowance) is the
same for every candidate, so a shorter window also means a shorter run, and a longer one
is not cut off by the old deadline. The recommended value is the largest of the
per-scenario answers: the smallest value that works in every scenario where one works.

The first round is steered by the validation runs themselves: a successful run shows how
far into "wait + window" it had to go (:func:`~restart.validate_runs.reach`), so the value
the target share of runs stays within is a good first guess; the guess and the grid value
below it are measured first, which usually settles the search in one round.

Bisection assumes more time never hurts (a larger value succeeds whenever a smaller one
does). It holds for these knobs in the simulator up to run-to-run noise; with few runs per
candidate a value near the threshold may come out one grid step off either way.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from restart.policy import RestartPolicy

__all__ = [
    "GRIDS",
    "KnobRecommendation",
    "Measure",
    "Recommendation",
    "ScenarioNeed",
    "candidate_policy",
    "recommend",
]

#: Candidate values (seconds) per knob; the policy's own value is added to its grid.
#: Spaced like a person would choose them, denser where the defaults sit.
GRIDS: dict[str, tuple[float, ...]] = {
    "health_window": (15, 30, 45, 60, 90, 120, 150, 180, 240, 300, 450, 600, 900),
    "post_restart_wait": (0, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300),
}

#: ``measure([(scenario index, policy), ...])`` -> the verified success rate of each, on
#: the same seeds every time.
Measure = Callable[[Sequence[tuple[int, RestartPolicy]]], list[float]]


@dataclass(frozen=True)
class ScenarioNeed:
    """What one scenario needs: the smallest grid value reaching the target (None: not
    even the largest), and every (value, success rate) tried, by value."""

    scenario: str
    value: float | None
    tried: tuple[tuple[float, float], ...]

    def to_dict(self) -> dict[str, object]:
        """Return it as JSON-ready data."""
        return {
            "scenario": self.scenario,
            "value": self.value,
            "tried": [{"value": v, "success_rate": r} for v, r in self.tried],
        }


@dataclass(frozen=True)
class KnobRecommendation:
    """The recommendation for one knob.

    ``value``: the smallest grid value that reaches the target in every scenario listed in
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
        """The reachable scenarios that need ``value``, unless every scenario is content
        with the smallest value tried (then nothing limits it)."""
        values = [n.value for n in self.needs if n.value is not None]
        if not values or max(values) <= min(min(GRIDS[self.knob]), self.current):
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
    """Both knobs' recommendations; ``runs_per_candidate`` runs were drawn per candidate."""

    target: float
    runs_per_candidate: int
    knobs: tuple[KnobRecommendation, ...]

    def to_dict(self) -> dict[str, object]:
        """Return it as JSON-ready data."""
        return {
            "target": self.target,
            "runs_per_candidate": self.runs_per_candidate,
            "knobs": [k.to_dict() for k in self.knobs],
        }


def candidate_policy(policy: RestartPolicy, knob: str, value: float) -> RestartPolicy:
    """Return ``policy`` with ``knob`` set to ``value`` and the deadline moved by as much.

    The deadline never drops to the cleanup allowance (the policy would be invalid): it
    keeps at least one second of work time.
    """
    current = float(getattr(policy, knob))
    deadline = max(policy.deadline + (value - current), policy.cleanup_allowance + 1.0)
    if knob == "health_window":
        return dataclasses.replace(policy, health_window=value, deadline=deadline)
    if knob == "post_restart_wait":
        return dataclasses.replace(policy, post_restart_wait=value, deadline=deadline)
    raise ValueError(f"unknown knob {knob!r}; knobs: {', '.join(GRIDS)}")


@dataclass
class _Search:
    """Bisection for one (knob, scenario) over ``grid`` indices.

    ``lo``: the largest index known to miss the target (-1: none). ``hi``: the smallest
    index known to reach it, above ``lo`` (None: none known yet). Nothing strictly between
    them has been tried, so every ask is new. A result that contradicts monotonicity (a
    miss at or above ``hi``, a pass at or below ``lo``) is resolved towards the larger
    value: the answer always lies above every value seen to miss.
    """

    knob: str
    scenario: int
    grid: tuple[float, ...]
    hint: int | None
    lo: int = -1
    hi: int | None = None
    tried: dict[float, float] = dataclasses.field(default_factory=dict)

    @property
    def unreachable(self) -> bool:
        return self.lo == len(self.grid) - 1

    @property
    def done(self) -> bool:
        return self.unreachable or (self.hi is not None and self.hi - self.lo <= 1)

    def asks(self) -> list[float]:
        hint, self.hint = self.hint, None  # the hint steers the first round only
        if hint is not None:
            upper = len(self.grid) if self.hi is None else self.hi
            picks = [i for i in (hint - 1, hint) if self.lo < i < upper]
            if picks:
                return [self.grid[i] for i in picks]
        if self.hi is None:
            return [self.grid[-1]]
        return [self.grid[(self.lo + self.hi) // 2]]

    def record(self, value: float, rate: float, target: float) -> None:
        self.tried[value] = rate
        index = self.grid.index(value)
        if rate >= target:
            if index > self.lo and (self.hi is None or index < self.hi):
                self.hi = index
        else:
            self.lo = max(self.lo, index)
            if self.hi is not None and self.hi <= self.lo:
                self.hi = None


def _hint(grid: tuple[float, ...], needed: float) -> int | None:
    # The smallest grid index whose value is above `needed` (None: above the whole grid).
    for i, value in enumerate(grid):
        if value > needed:
            return i
    return None


def _quantile_reach(reach: Sequence[float | None], target: float) -> float | None:
    # The reach that a share `target` of the runs stays within (None: not that many
    # runs succeeded, so the runs say nothing about how much time would be enough).
    if not reach:
        return None
    ordered = sorted(math.inf if r is None else r for r in reach)
    value = ordered[max(0, math.ceil(target * len(ordered)) - 1)]
    return None if math.isinf(value) else value


def recommend(
    policy: RestartPolicy,
    scenarios: Sequence[str],
    current_rates: Sequence[float],
    target: float,
    runs_per_candidate: int,
    measure: Measure,
    knobs: Sequence[str] = tuple(GRIDS),
    reach: Sequence[Sequence[float | None]] | None = None,
) -> Recommendation:
    """Search each knob for each scenario (see the module docstring).

    ``current_rates[i]``: scenario ``i``'s success rate at the policy's own values on the
    same seeds ``measure`` uses (it saves one candidate per search). ``reach[i]``: those
    runs' :func:`~restart.validate_runs.reach` values; when given, the first round tries
    the value they predict and the one below it, which usually settles a search at once
    (the prediction only steers the search: every answer is measured). Every round, across
    knobs and scenarios, goes to ``measure`` as one batch so a pool stays busy. Returns the
    Recommendation.
    """
    searches: list[_Search] = []
    for knob in knobs:
        current = float(getattr(policy, knob))
        grid = tuple(sorted({float(v) for v in GRIDS[knob]} | {current}))
        # Success needs reach < post_restart_wait + health_window: the other knob is held.
        other = policy.health_window if knob == "post_restart_wait" else policy.post_restart_wait
        for i, rate in enumerate(current_rates):
            q = _quantile_reach(reach[i], target) if reach is not None else None
            search = _Search(knob, i, grid, hint=None if q is None else _hint(grid, q - other))
            search.record(current, rate, target)
            searches.append(search)
    while True:
        pending = [s for s in searches if not s.done]
        if not pending:
            break
        asks = [(s, v) for s in pending for v in s.asks()]
        rates = measure([(s.scenario, candidate_policy(policy, s.knob, v)) for s, v in asks])
        for (search, value), rate in zip(asks, rates, strict=True):
            search.record(value, rate, target)
    return Recommendation(
        target=target,
        runs_per_candidate=runs_per_candidate,
        knobs=tuple(_knob_result(policy, knob, scenarios, searches) for knob in knobs),
    )


def _knob_result(
    policy: RestartPolicy, knob: str, scenarios: Sequence[str], searches: list[_Search]
) -> KnobRecommendation:
    needs = tuple(
        ScenarioNeed(
            scenarios[s.scenario],
            None if s.unreachable or s.hi is None else s.grid[s.hi],
            tuple(sorted(s.tried.items())),
        )
        for s in searches
        if s.knob == knob
    )
    values = [n.value for n in needs if n.value is not None]
    value = max(values) if values else None
    deadline = None if value is None else candidate_policy(policy, knob, value).deadline
    return KnobRecommendation(knob, float(getattr(policy, knob)), value, deadline, needs)
