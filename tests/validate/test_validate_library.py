"""validate(): determinism, the truth behind false successes, impossible scenarios, JSON."""

from __future__ import annotations

import json

import pytest

from octosim.clock import VirtualClock
from octosim.scenario import Scenario, ScenarioError
from restart.policy import RestartPolicy
from restart.report import Outcome
from restart.validate import Verdict, impossible_reason, validate
from restart.validate_stats import Durations, RunRecord, summarise


def test_same_arguments_give_the_same_result() -> None:
    first = validate(scenarios=["watchdog"], runs=20, seed=11, workers=1, recommend_knobs=False)
    again = validate(scenarios=["watchdog"], runs=20, seed=11, workers=1, recommend_knobs=False)
    other = validate(scenarios=["watchdog"], runs=20, seed=12, workers=1, recommend_knobs=False)

    assert first == again
    assert [r.seed for r in first.scenarios[0].runs] == list(range(11, 31))
    assert first.scenarios[0].runs != other.scenarios[0].runs


def test_the_seed_script_falsely_succeeds_on_default_and_the_client_never_does() -> None:
    result = validate(scenarios=["default"], runs=20, workers=1, compare_seed_script=True,
                      recommend_knobs=False)
    s = result.scenarios[0]

    assert s.seed_script is not None
    # The seed's 'OctopusDeploy Tentacle:*' matches no default instance: nothing restarts,
    # yet the restart task and the health check succeed.
    assert s.seed_script.false_successes == 20 and s.seed_script.successes == 0
    assert all(r.reported_success and not r.restarted for r in s.seed_runs)
    assert s.client.false_successes == 0 and s.client.successes == 20
    assert all(r.restarted and r.up and r.healthy for r in s.runs)
    assert s.verdict is Verdict.PASS and result.passed  # the seed does not fail the policy


def test_never_returns_is_judged_by_giving_up_in_time() -> None:
    result = validate(scenarios=["never-returns"], runs=20, workers=1, recommend_knobs=False)
    s = result.scenarios[0]

    assert s.impossible is not None and "fail_to_start_rate" in s.impossible
    assert s.client.successes == 0 and s.client.false_successes == 0
    assert s.client.all_within_deadline and s.client.durations.max <= 330
    assert s.verdict is Verdict.CORRECTLY_FAILS and result.passed
    assert all(r.outcome is not Outcome.RESTARTED and not r.up for r in s.runs)


def test_a_short_health_window_misses_the_target_and_the_recommendation_is_sane() -> None:
    policy = RestartPolicy(health_window=30, post_restart_wait=30)
    result = validate(policy, ["slow-windows"], runs=40, workers=1, recommend_runs=20)
    s = result.scenarios[0]
    assert s.verdict is Verdict.BELOW_TARGET and not result.passed
    assert result.recommendation is not None

    window, wait = result.recommendation.knobs
    assert window.knob == "health_window"
    assert window.value is not None and 30 < window.value < 900
    assert window.deadline == policy.deadline + window.value - 30  # the slack is kept
    need = window.needs[0]
    predicted = dict(need.predicted)
    assert predicted[window.value] >= 0.99
    assert all(rate < 0.99 for value, rate in predicted.items() if value < window.value)
    rates = [rate for _, rate in need.predicted]
    assert rates == sorted(rates)  # more time never makes it worse
    # The prediction was checked by real runs of the recommended value (20 of them).
    measured = {value: (rate, runs) for value, rate, runs in need.measured}
    assert measured[window.value][1] == 20
    assert measured[30] == (s.client.success_rate, 40)
    # The same runs say how much longer a wait would have to be instead.
    assert wait.value is not None and wait.value > 30
    assert result.runs_executed > 40


def test_impossible_scenarios_are_left_out_of_the_recommendation() -> None:
    result = validate(scenarios=["never-returns", "named-instance"], runs=10, workers=1,
                      recommend_runs=10)
    assert result.recommendation is not None
    for knob in result.recommendation.knobs:
        assert [n.scenario for n in knob.needs] == ["named-instance"]


def test_no_recommendation_when_nothing_can_succeed() -> None:
    result = validate(scenarios=["never-returns"], runs=5, workers=1)
    assert result.recommendation is None and result.runs_executed == 5


def test_json_shape() -> None:
    result = validate(scenarios=["named-instance"], runs=10, workers=1,
                      compare_seed_script=True, recommend_runs=10)
    document = json.loads(json.dumps(result.to_dict()))

    assert document["passed"] is True and document["runs"] == 10
    assert document["policy"]["deadline"] == 330
    scenario = document["scenarios"][0]
    assert scenario["name"] == "named-instance" and scenario["verdict"] == "pass"
    client = scenario["client"]
    assert set(client) >= {"runs", "success_rate", "false_successes", "durations", "reasons",
                           "within_deadline", "outcomes"}
    assert set(client["durations"]) == {"p50", "p95", "p99", "max"}
    assert scenario["seed_script"]["runs"] == 10
    knobs = document["recommendation"]["knobs"]
    assert [k["knob"] for k in knobs] == ["health_window", "post_restart_wait"]
    assert "runs" not in scenario
    with_runs = result.to_dict(include_runs=True)["scenarios"]
    assert len(with_runs[0]["runs"]) == 10  # type: ignore[index]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"runs": 0}, "runs must be at least 1"),
        ({"target": 0.0}, "target is a success rate"),
        ({"target": 1.5}, "target is a success rate"),
        ({"workers": 0}, "workers must be at least 1"),
        ({"recommend_runs": 0}, "recommend_runs must be at least 1"),
    ],
)
def test_bad_arguments_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate(scenarios=["default"], **kwargs)  # type: ignore[arg-type]


def test_an_unknown_scenario_is_a_scenario_error() -> None:
    with pytest.raises(ScenarioError, match="no preset named 'nope'"):
        validate(scenarios=["nope"], runs=1, workers=1)


def test_impossible_reason() -> None:
    assert impossible_reason(Scenario.load("never-returns")) is not None
    assert impossible_reason(Scenario.load("watchdog")) is None  # half the starts work
    assert impossible_reason(Scenario.load("default")) is None


def _run(seed: int, outcome: Outcome, restarted: bool, up: bool = True,
         duration: float = 10.0, reason: str = "") -> RunRecord:
    return RunRecord(seed, seed, outcome, duration, reason, restarted, up, True)


def test_false_successes_are_counted_apart_from_successes() -> None:
    runs = [
        _run(0, Outcome.RESTARTED, restarted=True),
        _run(1, Outcome.RESTARTED, restarted=False),  # said so, did not happen
        _run(2, Outcome.RESTARTED, restarted=True, up=False),  # restarted, down at the end
        _run(3, Outcome.TIMED_OUT, restarted=True, duration=400, reason="timed out after 400 s"),
        _run(4, Outcome.NOT_RESTARTED, restarted=False, reason="timed out after 12 s"),
    ]
    summary = summarise(runs, deadline=330)

    assert summary.successes == 1 and summary.false_successes == 2
    assert summary.reported_successes == 3 and summary.unverified == 1
    assert summary.within_deadline == 4 and not summary.all_within_deadline
    assert summary.false_success_seeds == (1, 2) and summary.late_seeds == (3,)
    assert dict(summary.reasons) == {
        "timed out after 12–400 s": 2,
        "reported success, but the Tentacle did not really restart": 2,
    }


def test_durations_use_the_nearest_rank() -> None:
    d = Durations.of([float(v) for v in range(1, 101)])
    assert (d.p50, d.p95, d.p99, d.max) == (50, 95, 99, 100)
    assert Durations.of([]) == Durations(0, 0, 0, 0)
    assert Durations.of([7.0]).p50 == 7.0


def test_grouped_reasons_keep_their_numbers() -> None:
    from restart.validate_stats import group_text

    same = "only 0 of 2 consecutive health checks succeeded within the 180 s health window"
    assert group_text([same, same]) == same
    assert group_text([
        "no time left for a 5 s poll of ServerTasks-7 after 320.5 s",
        "no time left for a 5 s poll of ServerTasks-9 after 318 s",
    ]) == "no time left for a 5 s poll of ServerTasks-N after 318–320.5 s"


def test_reasons_whose_numbers_do_not_line_up_are_shown_as_grouped() -> None:
    from restart.validate_stats import group_text, normalise_reason

    first = "the restart task ServerTasks-12 was lost at 2024-05-01T10:00:00Z"
    second = "the restart task ServerTasks-3 was lost at 2024-05-01T12:00:07+02:00"
    assert normalise_reason(first) == normalise_reason(second)
    assert group_text([first, second]) == "the restart task ServerTasks-N was lost at TIME"


@pytest.mark.parametrize("compare_seed_script", [False, True])
def test_ctrl_c_stops_the_validation(monkeypatch: pytest.MonkeyPatch,
                                     compare_seed_script: bool) -> None:
    # Ctrl-C landing in a run's sleep reaches the driver, which cleans up and answers with
    # an interrupted report; the validation must stop there, not count a failed run.
    calls = 0
    real_sleep = VirtualClock.sleep

    def sleep(self: VirtualClock, seconds: float) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise KeyboardInterrupt
        real_sleep(self, seconds)

    monkeypatch.setattr(VirtualClock, "sleep", sleep)
    with pytest.raises(KeyboardInterrupt):
        validate(scenarios=["default"], runs=5, workers=1, recommend_knobs=False,
                 compare_seed_script=compare_seed_script)
    assert calls == 3
