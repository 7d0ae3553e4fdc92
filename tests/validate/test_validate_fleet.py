"""``restart-tentacle validate`` for fleets (issue 18): a whole rollout per seed, judged.

A small rolling deployment (six Tentacles) end to end; the same result for one worker and
two; the ``task-cap-deadlock`` preset's deadlock found, with the seed that reproduces it;
the recipe's false successes counted on default-instance Tentacles (and not on named ones,
whose service its pattern does match); the recommendation checked with real runs; the
command line. Few runs each: the numbers are exact, seed by seed, not statistics.
"""

from __future__ import annotations

import dataclasses
import io
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from octosim.scenario import (
    AgentGroupSpec,
    RestartArrivalsSpec,
    RolloutDeploymentSpec,
    RolloutSpec,
    Scenario,
    VariableSpec,
)
from restart import commands as cli
from restart.policy import RestartPolicy
from restart.validate_exec import InlineExecutor
from restart.validate_fleet import FleetValidation, FleetVerdict, fleet_scenario, validate_fleet
from restart.validate_fleet_knobs import policy_variables, with_policy
from restart.validate_fleet_runs import (
    FALSE_SUCCESS,
    VERIFIED,
    fleet_machines,
    run_fleet,
)
from restart.validate_fleet_view import render_fleet

PRESET = "task-cap-deadlock"


def _method(scenario: Scenario, method: str) -> Scenario:
    return dataclasses.replace(scenario, projects=tuple(
        dataclasses.replace(p, variables=(VariableSpec("RestartMethod", method),))
        for p in scenario.projects))


def _rolling(count: int = 6, method: str = "Client", named: float = 0.0) -> Scenario:
    """One deployment of 'Service 1' restarting ``count`` Tentacles, two at a time."""
    preset = Scenario.load(PRESET)
    group = AgentGroupSpec(name="web-{n:02}", count=count, environment_name="Production",
                           roles=("svc-1",), named_instances=named,
                           start_seconds=(5.0, 120.0))  # slow starts: timings vary by seed
    return _method(dataclasses.replace(
        preset, name="rolling", agent_groups=(group,), projects=preset.projects[:1],
        rollout=RolloutSpec(deployments=(RolloutDeploymentSpec("Service 1", "Production"),),
                            max_parallelism=2, horizon=1800)), method)


def _with_cap(scenario: Scenario, cap: int) -> Scenario:
    return dataclasses.replace(scenario, server=dataclasses.replace(scenario.server,
                                                                    task_cap=cap))


def test_a_rolling_deployment_of_six_tentacles_end_to_end() -> None:
    result = validate_fleet(_rolling(), runs=3, workers=1, recommend_knobs=False)
    s = result.summary
    assert result.verdict is FleetVerdict.PASS and result.passed
    assert [m.name for m in s.machines] == [f"web-{n:02}" for n in range(1, 7)]
    assert (s.restarts, s.verified, s.false_successes) == (18, 18, 0)
    assert all(m.verified == 3 and m.interval[1] == 1.0 for m in s.machines)
    assert s.finished == 3 and s.rollout is not None and s.deadlocks == 0
    # Three windows of two restarts, each a few minutes: the whole rollout takes a while.
    assert 100 < s.rollout.p50 <= s.rollout.max < 1800
    assert s.queued_longest.max <= s.queued_total.max
    assert result.runs_executed == 3 and result.recommendation is None
    assert "✔ The rollout holds: 100.0% of 18 restarts verified" in _text(result)


def test_the_result_is_the_same_for_one_worker_two_and_any_executor() -> None:
    scenario = _rolling(4)
    one = validate_fleet(scenario, runs=4, seed=11, workers=1, recommend_knobs=False)
    two = validate_fleet(scenario, runs=4, seed=11, workers=2, recommend_knobs=False)
    inline = validate_fleet(scenario, runs=4, seed=11, workers=3, executor=InlineExecutor(),
                            recommend_knobs=False)
    with ThreadPoolExecutor(2) as pool:
        threads = validate_fleet(scenario, runs=4, seed=11, workers=2, executor=pool,
                                 recommend_knobs=False)
    assert one == two == inline == threads and two.workers == 2
    # The seed matters (so the comparison above could fail): other seeds, other timings.
    other = validate_fleet(scenario, runs=4, seed=12, workers=1, recommend_knobs=False)
    assert other.summary.rollout != one.summary.rollout


def test_the_deadlock_preset_reports_the_deadlock_and_the_seed_that_reproduces_it() -> None:
    result = validate_fleet(PRESET, runs=2, seed=5, workers=1, recommend_knobs=False)
    s = result.summary
    assert result.verdict is FleetVerdict.DEADLOCK and not result.passed
    assert (s.deadlocks, s.deadlock_seed, s.finished, s.hung_seeds) == (2, 5, 0, (5, 6))
    assert s.deadlock.startswith("deadlock since ") and "task cap 5 full" in s.deadlock
    assert s.verified == 0 and s.false_successes == 0  # the recipes never got to say
    # Every child waited Queued from its creation to the horizon.
    assert s.queued_longest.max > 3500
    # The seed reproduces it alone.
    assert run_fleet(Scenario.load(PRESET), RestartPolicy(), 5).deadlock == s.deadlock
    text = _text(result)
    assert "✘ DEADLOCK" in text and "2 of 2 runs left the server deadlocked (first at seed" \
        " 5)" in text


def test_the_recipes_false_successes_are_counted_on_default_instance_tentacles() -> None:
    # One slot more than deployments: every recipe finishes, and believes it restarted.
    scenario = _with_cap(Scenario.load(PRESET), 6)
    result = validate_fleet(scenario, runs=2, workers=1, recommend_knobs=False)
    s = result.summary
    assert result.verdict is FleetVerdict.FALSE_SUCCESS
    assert (s.false_successes, s.verified, s.restarts) == (20, 0, 20)
    assert s.false_success_rate == 1.0 and s.false_success_seeds == (0, 1)
    assert all(m.false_successes == 2 for m in s.machines)
    assert "20 restarts were reported done although the Tentacle did not restart" in (
        _text(result))
    # On named instances the recipe's pattern matches: the same recipe verifies.
    named = validate_fleet(_rolling(4, "Recipe", named=1.0), runs=2, workers=1,
                           recommend_knobs=False)
    assert named.verdict is FleetVerdict.PASS and named.summary.verified == 8


@pytest.mark.parametrize(("method", "code", "verdict"), [
    ("Recipe", FALSE_SUCCESS, FleetVerdict.FALSE_SUCCESS), ("Client", VERIFIED,
                                                            FleetVerdict.PASS)])
def test_restarts_arriving_from_outside_are_judged_by_each_clients_report(
        method: str, code: int, verdict: FleetVerdict) -> None:
    scenario = dataclasses.replace(
        Scenario.load(PRESET),
        rollout=RolloutSpec(restarts=RestartArrivalsSpec(role="svc-2", method=method,
                                                         interval=15), horizon=900))
    assert fleet_machines(scenario) == ("svc2-01", "svc2-02")
    assert run_fleet(scenario, RestartPolicy(), 0).machines == (code, code)
    assert validate_fleet(scenario, runs=2, workers=1,
                          recommend_knobs=False).verdict is verdict


def test_the_recommendation_finds_the_cheapest_setting_that_passes_with_real_runs() -> None:
    # The client in every step: stalls end by its deadline, but every deployment fails.
    scenario = _method(Scenario.load(PRESET), "Client")
    result = validate_fleet(scenario, runs=2, workers=1, recommend_runs=1)
    assert result.verdict is FleetVerdict.BELOW_TARGET
    rec = result.recommendation
    assert rec is not None and rec.chosen is not None
    # No timeout helps a full cap; one slot more than the deployments does.
    assert rec.chosen.knob == "task_cap" and rec.chosen.value == 6
    assert rec.chosen.verdict == "pass" and rec.chosen.rate == 1.0
    assert next(t for t in rec.trials if t.verdict == "pass") is rec.chosen
    # Policies and rolling windows first (all tried, none passes), then the caps: the
    # family of the first setting that passes is the last one tried.
    assert {t.knob for t in rec.trials} == {"health_window", "deadline", "max_parallelism",
                                            "task_cap"}
    assert all(t.verdict != "pass" for t in rec.trials if t.knob != "task_cap")
    assert result.runs_executed == 2 + len(rec.trials)
    assert "Recommended: task_cap = 6 in [server]" in _text(result)


def test_the_recommendation_says_clearly_when_no_setting_helps() -> None:
    result = validate_fleet(PRESET, runs=1, workers=1, recommend_runs=1)
    rec = result.recommendation
    assert rec is not None and rec.chosen is None
    # The recipe has no policy to tune: only the rolling window and the cap are tried.
    assert [(t.knob, t.value) for t in rec.trials] == [
        ("max_parallelism", 2), ("max_parallelism", 5), ("task_cap", 6), ("task_cap", 10),
        ("task_cap", 20)]
    assert rec.advice.startswith("No setting tried reaches 99.0%. A deadlock at ")
    assert "raise the task cap above the number of deployments" in rec.advice
    assert "False successes at task_cap = 6 in [server]" in rec.advice
    assert "RestartMethod = Client" in rec.advice


def test_the_policy_reaches_the_deployments_restart_steps_as_variables() -> None:
    policy = RestartPolicy(health_window=240, deadline=390)
    assert policy_variables(policy) == {"RestartTentacle.HealthWindow": "240",
                                        "RestartTentacle.Deadline": "390"}
    scenario = with_policy(_rolling(2), policy)
    names = {v.name: v.value for v in scenario.projects[0].variables}
    assert names["RestartTentacle.HealthWindow"] == "240"
    assert names["RestartMethod"] == "Client"  # the project's own variables stay
    assert with_policy(_rolling(2), RestartPolicy()) == _rolling(2)
    # The steps follow it: with a post-restart wait past the deadline no step verifies a
    # restart, where the default policy verifies both.
    default = validate_fleet(_rolling(2), runs=1, workers=1, recommend_knobs=False)
    patient = RestartPolicy(post_restart_wait=1000)
    waited = validate_fleet(_rolling(2), patient, runs=1, workers=1, recommend_knobs=False)
    assert (default.summary.verified, waited.summary.verified) == (2, 0)
    assert waited.verdict is FleetVerdict.BELOW_TARGET


def test_bad_fleet_input_is_refused_saying_what_to_do() -> None:
    with pytest.raises(ValueError, match="validate it on its own"):
        fleet_scenario([Scenario.load(PRESET), Scenario.load("default")])
    assert fleet_scenario([Scenario.load("default")]) is None
    nothing = dataclasses.replace(_rolling(2), projects=())
    with pytest.raises(ValueError, match="restarts no Tentacle"):
        validate_fleet(nothing, runs=1, workers=1)
    with pytest.raises(ValueError, match="runs and recommend_runs must be at least 1"):
        validate_fleet(_rolling(2), runs=0)


# -- the command line ---------------------------------------------------------------------------
def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["validate", "--workers", "1", *argv], stdout=out, stderr=err, env={})
    return code, out.getvalue(), err.getvalue()


def test_the_command_detects_a_rollout_and_prints_the_fleet_verdict() -> None:
    code, out, _ = _run("--scenario", PRESET, "--runs", "1", "--no-recommend")
    assert code == 1
    assert "Rollout: task-cap-deadlock: 10 Tentacles restarted per run, 1 runs" in out
    assert "✘ DEADLOCK" in out and "First deadlock (seed 0): deadlock since" in out
    code, out, err = _run("--scenario", PRESET, "--runs", "1", "--no-recommend", "--json",
                          "--seed", "3")
    document = json.loads(out)
    assert code == 1 and err == ""
    assert document["fleet"] is True and document["verdict"] == "deadlock"
    assert document["summary"]["deadlock_seed"] == 3
    assert document["verdict_text"].startswith("✘ The rollout does not hold")


def test_a_rollout_that_holds_exits_0(tmp_path: Path) -> None:
    # The rolling deployment as a file a user would write.
    path = tmp_path / "rolling.toml"
    path.write_text(_rolling(3).to_toml())
    code, out, _ = _run("--scenario", str(path), "--runs", "2", "--deadline", "400")
    assert code == 0, out
    assert "✔ The rollout holds" in out and "--deadline 400" in out


@pytest.mark.parametrize("flags", [("--machine", "svc1-01"), ("--compare-seed-script",),
                                   ("--scenario", "default")])
def test_lone_restart_flags_with_a_rollout_exit_2(flags: tuple[str, ...]) -> None:
    code, out, err = _run("--scenario", PRESET, *flags)
    assert code == 2 and out == ""
    assert "drop" in err or "validate it on its own" in err


def _text(result: FleetValidation) -> str:
    from rich.console import Console

    buffer = io.StringIO()
    Console(file=buffer, width=2000, color_system=None).print(render_fleet(result))  # no wrap
    return buffer.getvalue()


def test_plot_draws_the_worst_runs_task_slots(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="the plot extra is not installed")
    picture = tmp_path / "slots.svg"
    code, _, err = _run("--scenario", PRESET, "--runs", "2", "--no-recommend", "--seed", "4",
                        "--plot", str(picture))
    assert code == 1  # the deadlock's verdict, not the picture's
    assert f"slot timeline of seed 4 (deadlock) written to {picture}" in err
    text = picture.read_text()
    assert text.startswith("<?xml") and "deadlock" in text
    chosen = tmp_path / "chosen.png"
    _, _, err = _run("--scenario", PRESET, "--runs", "1", "--no-recommend", "--plot",
                     str(chosen), "--plot-seed", "9")
    assert "slot timeline of seed 9 (chosen)" in err and chosen.stat().st_size > 1000


def test_plot_with_a_rollout_refuses_a_picture_it_cannot_draw(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="the plot extra is not installed")
    code, out, err = _run("--scenario", PRESET, "--plot", str(tmp_path / "slots.gif"))
    assert code == 2 and out == "" and "--plot" in err
