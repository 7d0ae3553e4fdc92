"""``restart-tentacle simulate --rollout``: a scenario's rollout from the command line.

Runs go through :func:`restart.commands.main` with captured streams and a real clock that
fails the test if touched: a rollout runs in virtual time only.
"""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path

from octosim.scenario import Scenario, VariableSpec
from restart.commands import main
from restart.exitcodes import ExitCode


def _no_real_clock() -> float:
    raise AssertionError("simulate --rollout read the real clock")


def _no_real_sleep(seconds: float) -> None:
    raise AssertionError(f"simulate --rollout slept {seconds} s in real time")


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["simulate", *argv], env={}, clock=_no_real_clock, sleep=_no_real_sleep,
                stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _variant(tmp_path: Path, method: str, task_cap: int = 5) -> str:
    scenario = Scenario.load("task-cap-deadlock")
    scenario = dataclasses.replace(
        scenario, server=dataclasses.replace(scenario.server, task_cap=task_cap),
        projects=tuple(dataclasses.replace(p, variables=(VariableSpec("RestartMethod", method),))
                       for p in scenario.projects))
    path = tmp_path / f"{method}-{task_cap}.toml"
    path.write_text(scenario.to_toml())
    return str(path)


def test_the_deadlock_preset_prints_the_timeline_each_verdict_and_the_deadlock() -> None:
    code, out, _ = cli("--scenario", "task-cap-deadlock", "--rollout")
    assert code == ExitCode.TIMED_OUT  # the deployments still hang at the horizon
    assert "Rollout: scenario task-cap-deadlock, seed 0, 5 clients" in out
    assert "[   35.000s] deadlock task cap 5 full: ServerTasks-1 Deploy" in out
    assert "Clients at 3600s (the horizon)" in out
    assert "  deploy Service 1 to Production: ServerTasks-1 still Executing" in out
    assert out.rstrip().splitlines()[-1].startswith("deadlock since 35.000s, task cap 5 full:")


def test_the_json_document_holds_each_client_and_the_deadlock() -> None:
    code, out, _ = cli("--scenario", "task-cap-deadlock", "--rollout", "--json", "-q")
    document = json.loads(out)
    assert code == document["exit_code"] == ExitCode.TIMED_OUT
    assert document["horizon"] == 3600.0
    assert [c["finished"] for c in document["clients"]] == [False] * 5
    assert document["deadlock"].startswith("deadlock since 35.000s")
    assert any(e["kind"] == "deadlock" for e in document["timeline"])


def test_the_client_in_the_steps_ends_every_deployment_failed(tmp_path: Path) -> None:
    code, out, _ = cli("--scenario", _variant(tmp_path, "Client"), "--rollout", "--no-timeline")
    assert code == ExitCode.FAILED
    assert out.count("ended Failed") == 5 and "deadlock since" not in out
    assert "Timeline" not in out


def test_a_rollout_that_finishes_exits_0(tmp_path: Path) -> None:
    code, out, _ = cli("--scenario", _variant(tmp_path, "Client", task_cap=6), "--rollout",
                       "--no-timeline")
    assert code == ExitCode.RESTARTED, out
    assert out.count("ended Success") == 5


def test_one_restart_on_a_rollout_scenario_points_to_rollout() -> None:
    code, out, _ = cli("--scenario", "task-cap-deadlock", "--no-timeline", "-q")
    assert code == ExitCode.RESTARTED  # svc1-01 alone on an idle server
    assert "Add --rollout to run the rollout." in out


def test_rollout_refuses_one_restarts_flags_and_scenarios_without_a_rollout() -> None:
    code, _, err = cli("--scenario", "default", "--rollout")
    assert code == ExitCode.USAGE and "describes no rollout" in err
    code, _, err = cli("--scenario", "task-cap-deadlock", "--rollout", "--machine", "svc1-01")
    assert code == ExitCode.USAGE and "--machine is for one restart" in err
