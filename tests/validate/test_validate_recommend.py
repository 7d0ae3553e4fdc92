"""The recommendation search, against made-up success curves (no simulation)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from restart.policy import RestartPolicy
from restart.validate_recommend import GRIDS, candidate_policy, recommend

POLICY = RestartPolicy()  # health_window 180, post_restart_wait 30, deadline 330


class Curve:
    """A fake `measure`: success rate as a function of (scenario, policy); records asks."""

    def __init__(self, rate: Callable[[int, RestartPolicy], float]) -> None:
        self.rate = rate
        self.asks: list[tuple[int, float, float]] = []
        self.rounds = 0

    def __call__(self, asks: Sequence[tuple[int, RestartPolicy]]) -> list[float]:
        self.rounds += 1
        self.asks.extend((i, p.health_window, p.post_restart_wait) for i, p in asks)
        return [self.rate(i, p) for i, p in asks]


def step(threshold: float) -> Callable[[int, RestartPolicy], float]:
    """Success once wait + window reaches `threshold`."""
    return lambda _, p: 1.0 if p.post_restart_wait + p.health_window >= threshold else 0.5


def test_bisection_finds_the_smallest_grid_value_on_each_knob() -> None:
    curve = Curve(step(120))  # needs window >= 90 (with wait 30), wait >= 0 (with 180)
    rec = recommend(POLICY, ["s"], [1.0], 0.99, 50, curve)

    window, wait = rec.knobs
    assert (window.knob, window.value, window.deadline) == ("health_window", 90, 240)
    assert (wait.knob, wait.value, wait.deadline) == ("post_restart_wait", 0, 300)
    assert window.limiting == ("s",) and wait.limiting == ()  # 0 is the floor: nothing limits
    tried = dict(window.needs[0].tried)
    assert tried[90] == 1.0 and tried[60] == 0.5
    # log2 of the grid below 180, not the whole grid.
    assert len(curve.asks) <= 8 and curve.rounds <= 4


def test_a_value_above_the_current_one_is_found_when_the_current_one_misses() -> None:
    curve = Curve(step(400))
    rec = recommend(POLICY, ["slow"], [0.5], 0.99, 50, curve)
    window, wait = rec.knobs
    assert window.value == 450 and window.deadline == 600
    assert wait.value == 300  # 300 + 180 >= 400; 180 + 180 is not


def test_unreachable_when_even_the_largest_value_misses() -> None:
    curve = Curve(lambda i, p: 0.9 if i == 1 else 1.0)  # scenario 1 never gets there
    rec = recommend(POLICY, ["fine", "stuck"], [1.0, 0.9], 0.99, 50, curve)
    for knob in rec.knobs:
        assert knob.unreachable == ("stuck",)
        assert knob.value == min(GRIDS[knob.knob])  # what the reachable scenario needs
        stuck = knob.needs[1]
        assert stuck.value is None and max(GRIDS[knob.knob]) in dict(stuck.tried)


def test_hints_settle_a_search_in_one_round() -> None:
    curve = Curve(step(120))
    # Runs that needed up to 100 s after the wait began: window > 100 - 30 -> 90.
    reach = [[100.0, 40.0, 100.0, 60.0]]
    rec = recommend(POLICY, ["s"], [1.0], 0.99, 4, curve, reach=reach)
    assert rec.knobs[0].value == 90
    window_asks = sorted(w for _, w, wait in curve.asks if wait == 30)
    assert window_asks == [60, 90]  # the guess and the value below it, nothing else


def test_a_wrong_hint_only_costs_a_round() -> None:
    curve = Curve(step(120))
    rec = recommend(POLICY, ["s"], [1.0], 0.99, 2, curve, reach=[[10.0, 10.0]])
    assert rec.knobs[0].value == 90


def test_noise_resolves_towards_the_larger_value() -> None:
    # Passes at 60, misses at 90, passes from 120 on: the answer stays above every miss.
    table = {15: 0.0, 30: 0.0, 45: 0.0, 60: 1.0, 90: 0.0}
    curve = Curve(lambda _, p: table.get(int(p.health_window), 1.0))
    # The hint (100 s of reach, 30 s of wait) makes the first round try 60 and 90.
    rec = recommend(POLICY, ["noisy"], [1.0], 0.99, 1, curve, knobs=["health_window"],
                    reach=[[100.0]])
    tried = dict(rec.knobs[0].needs[0].tried)
    assert tried[60] == 1.0 and tried[90] == 0.0
    assert rec.knobs[0].value == 120


def test_candidate_policy_moves_the_deadline_with_the_knob() -> None:
    assert candidate_policy(POLICY, "health_window", 60).deadline == 210
    assert candidate_policy(POLICY, "post_restart_wait", 0).deadline == 300
    tight = RestartPolicy(deadline=40, health_window=20, cleanup_allowance=10)
    assert candidate_policy(tight, "health_window", 0.5).deadline == 20.5
    assert candidate_policy(RestartPolicy(deadline=15, health_window=20),
                            "health_window", 1).deadline == 11  # never below the cleanup
