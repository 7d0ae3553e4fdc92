"""``restart-tentacle validate``: exit codes, output, --json, --plot, bad input."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from restart import commands as cli


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["validate", "--workers", "1", *argv], stdout=out, stderr=err, env={})
    return code, out.getvalue(), err.getvalue()


def test_a_policy_that_holds_exits_0_with_a_verdict() -> None:
    code, out, _ = run("--scenario", "named-instance", "--scenario", "never-returns",
                       "--runs", "20", "--recommend-runs", "10")
    assert code == 0
    assert "named-instance" in out and "✔ pass" in out and "✔ gives up" in out
    assert "✔ Your timeouts hold: 100.0% of restarts were verified within the 330 s" in out
    assert "never-returns: success is impossible there" in out
    assert "the client correctly gave up by its 330 s deadline every time" in out
    assert "never reported a restart that did not happen" in out


def test_a_policy_that_misses_the_target_exits_1_and_says_what_to_raise() -> None:
    code, out, _ = run("--scenario", "slow-windows", "--health-window", "30", "--runs", "20",
                       "--recommend-runs", "20")
    assert code == 1
    assert "✘ Your timeouts are too short" in out and "slow-windows" in out
    assert "Raise the health window to" in out and "--health-window" in out
    assert "or, instead, the post-restart wait to" in out


def test_the_seed_scripts_false_successes_show_up_beside_the_client() -> None:
    code, out, _ = run("--scenario", "default", "--runs", "10", "--compare-seed-script",
                       "--no-recommend")
    assert code == 0  # the seed script is a baseline: it does not fail the policy
    assert "The seed script on the same seeds" in out
    assert "reported success although the Tentacle did not restart in default (10/10 runs)" \
        in out


def test_json_output() -> None:
    code, out, err = run("--scenario", "default", "--runs", "10", "--json", "--no-recommend",
                         "--compare-seed-script")
    assert code == 0
    document = json.loads(out)
    assert document["passed"] is True and document["recommendation"] is None
    assert document["verdict"].startswith("✔ Your timeouts hold")
    assert document["scenarios"][0]["seed_script"]["false_successes"] == 10
    assert err == ""  # the progress bar goes to a terminal's stderr only, never into the JSON


class _Terminal(io.StringIO):
    """A stderr that says it is a terminal, as an interactive shell's is."""

    def isatty(self) -> bool:
        return True


def _on_a_terminal(*argv: str) -> tuple[int, str]:
    err = _Terminal()
    code = cli.main(["validate", "--workers", "1", *argv], stdout=io.StringIO(), stderr=err,
                    env={})
    return code, err.getvalue()


def test_a_terminal_shows_a_progress_bar_with_the_time_left() -> None:
    code, err = _on_a_terminal("--scenario", "default", "--runs", "30", "--no-recommend")
    assert code == 0
    assert "client" in err and "30/30" in err and "ETA" in err
    assert "0:00:00" in err  # elapsed, and the time left at the end


def test_quiet_hides_the_progress_bar() -> None:
    code, err = _on_a_terminal("--scenario", "default", "--runs", "5", "--no-recommend", "-q")
    assert code == 0 and err == ""


def test_no_progress_bar_when_stderr_is_not_a_terminal() -> None:
    _, _, err = run("--scenario", "default", "--runs", "5", "--no-recommend")
    assert err == ""


def test_policy_flags_are_the_ones_run_takes() -> None:
    code, out, _ = run("--scenario", "default", "--runs", "5", "--no-recommend", "--json",
                       "--deadline", "400", "--wait", "10", "--stable-checks", "2")
    policy = json.loads(out)["policy"]
    assert code == 0
    assert (policy["deadline"], policy["post_restart_wait"], policy["stable_checks"]) == (
        400, 10, 2)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--runs", "0"], "--runs must be at least 1"),
        (["--seed", "-1"], "--seed: expected a whole number >= 0, got -1"),
        (["--target", "0"], "--target is a success rate in (0, 1]"),
        (["--target", "1.5"], "--target is a success rate in (0, 1]"),
        (["--recommend-runs", "0"], "--recommend-runs must be at least 1"),
        (["--scenario", "nope"], "there is no preset named 'nope'"),
        (["--scenario", "missing/world.toml"], "cannot read it"),
        (["--deadline", "5"], "--deadline must be more than 10 seconds: the cleanup "
                              "allowance at its end is reserved"),
    ],
)
def test_bad_input_exits_2_with_what_to_do(argv: list[str], message: str) -> None:
    code, out, err = run(*argv)
    assert code == 2
    assert message in err and out == ""


def test_workers_below_1_is_bad_input() -> None:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["validate", "--workers", "0"], stdout=out, stderr=err, env={})
    assert code == 2 and "--workers must be at least 1" in err.getvalue()


def test_plot_without_matplotlib_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if not installed
    code, _, err = run("--scenario", "default", "--runs", "5", "--plot", "x.png")
    assert code == 2
    assert "pip install 'octosim[plot]'" in err


def test_plot_writes_a_png(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    target = tmp_path / "durations.png"
    code, _, err = run("--scenario", "default", "--scenario", "never-returns", "--runs", "10",
                       "--no-recommend", "--compare-seed-script", "--plot", str(target))
    assert code == 0
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"plot written to {target}" in err


def test_ctrl_c_exits_130_without_a_verdict(monkeypatch: pytest.MonkeyPatch) -> None:
    import restart.validate_cli as validate_cli

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(validate_cli, "validate", interrupted)
    code, out, err = run("--scenario", "default", "--runs", "5")
    assert code == 130 and out == "" and "interrupted: no verdict" in err


def test_an_unwritable_plot_path_is_refused_before_any_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("matplotlib")
    import restart.validate_cli as validate_cli

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("validate ran although the plot could not be written")

    monkeypatch.setattr(validate_cli, "validate", never)
    code, out, err = run("--scenario", "default", "--plot", "/nonexistent/dir/x.png")
    assert code == 2 and out == ""
    assert "--plot /nonexistent/dir/x.png: the folder '/nonexistent/dir' does not exist" in err


def test_a_plot_that_fails_late_still_prints_the_result(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pytest.importorskip("matplotlib")
    import restart.validate_plot as validate_plot

    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(validate_plot, "plot", full_disk)
    code, out, err = run("--scenario", "default", "--runs", "5", "--no-recommend",
                         "--plot", str(tmp_path / "x.png"))
    assert code == 2
    assert "Verdict" in out or "verdict" in out.lower()
    assert "cannot write the plot" in err and "No space left on device" in err


def test_a_scenario_named_twice_is_run_once() -> None:
    code, out, _ = run("--scenario", "default", "--scenario", "default", "--runs", "5",
                       "--no-recommend", "--json", "-q")
    document = json.loads(out)
    assert code == 0
    assert [s["name"] for s in document["scenarios"]] == ["default"]
    assert document["runs_executed"] == 5


TWO_MACHINES = """
name = "two-web-servers"

[[agents]]
name = "web-01"
instances = ["Web"]

[[agents]]
name = "web-02"
fail_to_start_rate = 1.0
"""


def test_every_machine_of_a_scenario_is_validated_and_named(tmp_path: Path) -> None:
    world = tmp_path / "two.toml"
    world.write_text(TWO_MACHINES, encoding="utf-8")
    code, out, _ = run("--scenario", str(world), "--runs", "5", "--no-recommend", "--json")
    document = json.loads(out)
    rows = {s["title"]: s for s in document["scenarios"]}
    assert set(rows) == {"two-web-servers/web-01", "two-web-servers/web-02"}
    # web-02 never starts again: only restarting it shows that (issue 15 #9).
    assert rows["two-web-servers/web-02"]["machines"] == ["web-02"]
    assert rows["two-web-servers/web-02"]["client"]["successes"] == 0
    assert rows["two-web-servers/web-02"]["impossible"] is not None
    assert rows["two-web-servers/web-01"]["client"]["successes"] == 5
    assert code == 0


def test_machine_chooses_which_to_restart(tmp_path: Path) -> None:
    world = tmp_path / "two.toml"
    world.write_text(TWO_MACHINES, encoding="utf-8")
    code, out, _ = run("--scenario", str(world), "--machine", "WEB-02", "--runs", "5",
                       "--no-recommend", "--json")
    document = json.loads(out)
    assert [s["machines"] for s in document["scenarios"]] == [["web-02"]]
    code, out, err = run("--scenario", str(world), "--machine", "db-01", "--runs", "5")
    assert code == 2 and out == ""
    assert "scenario 'two-web-servers' has none of the machines db-01; its machines: " \
           "web-01, web-02" in err


def test_the_plot_tells_not_restarted_from_timed_out() -> None:
    from restart.report import Outcome
    from restart.validate_plot import _colour
    from restart.validate_stats import RunRecord

    def record(outcome: Outcome) -> RunRecord:
        return RunRecord(0, 0, outcome, 10.0, "why", False, True, True, None)

    colours = {_colour(record(o)) for o in (Outcome.NOT_RESTARTED, Outcome.TIMED_OUT,
                                            Outcome.FAILED)}
    assert len(colours) == 3
