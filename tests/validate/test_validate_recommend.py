"""The recommendation: predictions from each run's reach, checked by real runs (no
simulation here: runs are made up)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from restart.policy import RestartPolicy
from restart.report import Outcome
from restart.validate_recommend import GRIDS, candidate_policy, predicted_rate, recommend
from restart.validate_stats import RunRecord

POLICY = RestartPolicy()  # health_window 180, post_restart_wait 30, deadline 330
Made = Callable[[int, RestartPolicy, int], RunRecord]


def run(seed: int, reach: float | None) -> RunRecord:
    """A run that succeeded with this reach, or (None) did not succeed."""
    ok = reach is not None
    outcome = Outcome.RESTARTED if ok else Outcome.TIMED_OUT
    return RunRecord(seed, seed, outcome, 1.0, "" if ok else "timed out", ok, ok, ok, reach)


def by_reach(needs: Sequence[float]) -> Made:
    """Run `seed` of scenario `i` needs wait + window > needs[seed] (the model is exact)."""

    def make(i: int, policy: RestartPolicy, seed: int) -> RunRecord:
        budget = policy.post_restart_wait + policy.health_window
        need = needs[seed]
        return run(seed, need if need < budget else None)

    return make


class Fake:
    """A fake `measure` that makes runs with `make` and records what it was asked."""

    def __init__(self, make: Made) -> None:
        self.make = make
        self.asks: list[tuple[int, float, float, int]] = []

    def runs(self, i: int, policy: RestartPolicy, n: int) -> tuple[RunRecord, ...]:
        return tuple(self.make(i, policy, seed) for seed in range(n))

    def __call__(
        self, asks: Sequence[tuple[int, RestartPolicy]], n: int
    ) -> list[tuple[RunRecord, ...]]:
        self.asks.extend((i, p.health_window, p.post_restart_wait, n) for i, p in asks)
        return [self.runs(i, p, n) for i, p in asks]


def test_shrinking_is_predicted_from_the_validation_runs_and_checked_once() -> None:
    fake = Fake(by_reach([100.0] * 20))  # every run needs wait + window > 100
    own = fake.runs(0, POLICY, 20)
    rec = recommend(POLICY, ["s"], [own], 0.99, fake, check_runs=5)

    window, wait = rec.knobs
    assert (window.knob, window.value, window.deadline) == ("health_window", 90, 240)
    assert (wait.knob, wait.value, wait.deadline) == ("post_restart_wait", 0, 300)
    assert window.limiting == ("s",) and wait.limiting == ()  # 0 is the floor
    assert sorted(fake.asks) == [(0, 90, 30, 5), (0, 180, 0, 5)]  # one check per knob
    predicted = dict(window.needs[0].predicted)
    assert predicted[60] == 0.0 and predicted[90] == 1.0 and 240 not in predicted
    assert rec.runs == 20 and rec.check_runs == 5


def test_a_scenario_below_target_gets_one_wide_batch_that_predicts_both_knobs() -> None:
    needs = [400.0] * 19 + [50.0]  # 19 of 20 need a budget above 400
    fake = Fake(by_reach(needs))
    own = fake.runs(0, POLICY, 20)
    rec = recommend(POLICY, ["slow"], [own], 0.99, fake, check_runs=4)

    window, wait = rec.knobs
    assert window.value == 450 and window.deadline == 600  # 30 + 450 > 400
    assert wait.value == 300  # 300 + 180 > 400; 180 + 180 is not
    wide = [a for a in fake.asks if a[1] == 900]
    assert wide == [(0, 900, 30, 20)]  # the full run count, once
    assert (900.0, 1.0, 20) in window.needs[0].measured


def test_unreachable_when_even_the_widest_runs_miss() -> None:
    fake = Fake(lambda i, p, seed: run(seed, 10.0 if i == 0 or seed % 2 else None))
    runs = [fake.runs(0, POLICY, 10), fake.runs(1, POLICY, 10)]
    rec = recommend(POLICY, ["fine", "stuck"], runs, 0.99, fake, check_runs=10)
    for knob in rec.knobs:
        assert knob.unreachable == ("stuck",)
        assert knob.value == min(GRIDS[knob.knob])  # what the reachable scenario needs
        assert knob.needs[1].value is None


def test_a_prediction_that_does_not_hold_moves_the_value_up() -> None:
    # Reach says 100 s is enough, but a window below 120 s really fails every run.
    def make(i: int, policy: RestartPolicy, seed: int) -> RunRecord:
        return run(seed, 100.0 if policy.health_window >= 120 else None)

    fake = Fake(make)
    own = fake.runs(0, POLICY, 10)
    rec = recommend(POLICY, ["liar"], [own], 0.99, fake, check_runs=3,
                    knobs=["health_window"])
    window = rec.knobs[0]
    assert window.value == 120
    measured = {v: r for v, r, _ in window.needs[0].measured}
    assert measured[90] == 0.0 and measured[120] == 1.0


def test_a_measured_pass_wins_over_a_short_prediction() -> None:
    # Successes whose reach is past the budget (the reach lags the decision): predicted
    # 0, measured 100%. The policy's own value is then the answer, not "unreachable".
    fake = Fake(lambda i, p, seed: run(seed, 215.0))
    own = fake.runs(0, POLICY, 10)
    rec = recommend(POLICY, ["laggy"], [own], 0.99, fake, check_runs=3)
    assert [k.value for k in rec.knobs] == [180, 30]
    assert fake.asks == []


def test_predicted_rate_counts_verified_successes_under_the_budget() -> None:
    runs = [run(0, 10.0), run(1, 50.0), run(2, None), run(3, 49.9)]
    false = RunRecord(4, 4, Outcome.RESTARTED, 1.0, "", False, True, True, 1.0)
    assert predicted_rate(runs, 50.0) == 0.5
    assert predicted_rate([*runs, false], 1000.0) == 0.6  # a false success never counts
    assert predicted_rate([], 10.0) == 0.0


def test_candidate_policy_moves_the_deadline_with_the_knob() -> None:
    assert candidate_policy(POLICY, "health_window", 60).deadline == 210
    assert candidate_policy(POLICY, "post_restart_wait", 0).deadline == 300
    tight = RestartPolicy(deadline=40, health_window=20, cleanup_allowance=10)
    assert candidate_policy(tight, "health_window", 0.5).deadline == 20.5
    assert candidate_policy(RestartPolicy(deadline=15, health_window=20),
                            "health_window", 1).deadline == 11  # never below the cleanup
