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

Bisection assumes more time never hurts (a larger value succeeds whenever a smaller one
does). It holds for these knobs in the simulator up to run-to-run noise; with few runs per
candidate a value near the threshold may come out one grid step off either way.
"""

from __future__ import annotations

import dataclasses
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
    def limiting(self) -> str | None:
        """The reachable scenario that needs the largest value (the first on a tie)."""
        reachable = [n for n in self.needs if n.value is not None]
        if not reachable:
            return None
        return max(reachable, key=lambda n: n.value or 0.0).scenario

    def to_dict(self) -> dict[str, object]:
        """Return it as JSON-ready data."""
        return {
            "knob": self.knob,
            "current": self.current,
            "value": self.value,
            "deadline": self.deadline,
            "limiting": self.limiting,
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
    changes: dict[str, float] = {knob: value, "deadline": deadline}
    return dataclasses.replace(policy, **changes)


@dataclass
class _Search:
    """Bisection state for one (knob, scenario): ``grid[hi]`` is known to pass (once
    ``top_known``), ``grid[lo]`` to fail (``lo == -1``: nothing below is known)."""

    knob: str
    scenario: int
    grid: tuple[float, ...]
    lo: int
    hi: int
    top_known: bool
    tried: dict[float, float]
    unreachable: bool = False

    @property
    def done(self) -> bool:
        return self.unreachable or (self.top_known and self.hi - self.lo <= 1)

    def next_value(self) -> float:
        return self.grid[self.hi if not self.top_known else (self.lo + self.hi) // 2]

    def record(self, value: float, rate: float, target: float) -> None:
        self.tried[value] = rate
        index = self.grid.index(value)
        if not self.top_known:
            self.top_known = True
            self.unreachable = rate < target
        elif rate >= target:
            self.hi = index
        else:
            self.lo = index


def recommend(
    policy: RestartPolicy,
    scenarios: Sequence[str],
    current_rates: Sequence[float],
    target: float,
    runs_per_candidate: int,
    measure: Measure,
    knobs: Sequence[str] = tuple(GRIDS),
) -> Recommendation:
    """Search each knob for each scenario (see the module docstring).

    ``current_rates[i]``: scenario ``i``'s success rate at the policy's own values on the
    same seeds ``measure`` uses (it saves one candidate per search). Every round of the
    searches, across knobs and scenarios, goes to ``measure`` as one batch so a pool stays
    busy. Returns the Recommendation.
    """
    searches: list[_Search] = []
    for knob in knobs:
        current = float(getattr(policy, knob))
        grid = tuple(sorted({float(v) for v in GRIDS[knob]} | {current}))
        at = grid.index(current)
        for i, rate in enumerate(current_rates):
            passes = rate >= target
            # Failing at the top of the grid already: nothing larger is on offer.
            at_top = at == len(grid) - 1
            searches.append(
                _Search(knob, i, grid, lo=-1 if passes else at,
                        hi=at if passes else len(grid) - 1, top_known=passes or at_top,
                        tried={current: rate}, unreachable=not passes and at_top)
            )
    while True:
        pending = [s for s in searches if not s.done]
        if not pending:
            break
        asks = [(s, s.next_value()) for s in pending]
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
            None if s.unreachable else s.grid[s.hi],
            tuple(sorted(s.tried.items())),
        )
        for s in searches
        if s.knob == knob
    )
    values = [n.value for n in needs if n.value is not None]
    value = max(values) if values else None
    deadline = None if value is None else candidate_policy(policy, knob, value).deadline
    return KnobRecommendation(knob, float(getattr(policy, knob)), value, deadline, needs)
