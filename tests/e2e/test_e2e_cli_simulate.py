"""``restart-tentacle simulate``: exit codes, output, ``--json``, determinism, bad input.

Every run goes through :func:`restart.commands.main` with captured streams. The real clock is
replaced by one that fails the test if touched: ``simulate`` must use only the
simulation's virtual clock.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from octosim.scenario import presets
from octosim.simulation import Simulation
from restart.commands import main
from restart.exitcodes import ExitCode


def no_real_clock() -> float:
    raise AssertionError("simulate read the real clock")


def no_real_sleep(seconds: float) -> None:
    raise AssertionError(f"simulate slept {seconds} s in real time")


def cli(*argv: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(
        list(argv),
        env={} if env is None else env,
        clock=no_real_clock,
        sleep=no_real_sleep,
        stdout=out,
        stderr=err,
    )
    return code, out.getvalue(), err.getvalue()


def cli_json(*argv: str) -> tuple[int, dict[str, Any]]:
    code, out, _ = cli("simulate", *argv, "--json", "-q")
    return code, json.loads(out)


# -- outcomes and exit codes ----------------------------------------------------------------
def test_default_restarts_with_progress_timeline_summary_and_truth() -> None:
    code, out, err = cli("simulate", "--scenario", "default")

    assert code == ExitCode.RESTARTED
    assert "Restart Tentacle Task: ServerTasks-2" in err  # progress, as `run` prints it
    # The simulated server has no web portal: no link that leads nowhere.
    assert "http://" not in err and "http://" not in out
    assert "Simulation: scenario default, seed 0, sync driver" in out
    assert "request  POST /api/Spaces-1/tasks → 201" in out  # the simulator's timeline
    assert "'OctopusDeploy Tentacle' Running → StopPending" in out
    assert "restarted after 50.0s" in out  # the summary
    assert "Simulator truth: the Tentacle process restarted at" in out
    assert "FALSE SUCCESS" not in out
    # The order the brief asks for: timeline, then summary, then the truth.
    assert out.index("Timeline") < out.index("Phases") < out.index("Simulator truth")
    assert "\x1b[" not in out + err  # not a terminal: plain text


def test_never_returns_times_out_with_a_non_zero_exit() -> None:
    code, document = cli_json("--scenario", "never-returns")
    assert code == ExitCode.TIMED_OUT
    assert document["outcome"] == "timed_out"
    assert document["duration"] <= document["deadline"]
    assert document["truth"]["restarted"] is False
    assert document["truth"]["state"] == "Stopped"
    assert document["truth"]["failed_starts"] >= 1


def test_flaky_network_still_restarts() -> None:
    code, document = cli_json("--scenario", "flaky-network", "--seed", "3")
    assert code == 0
    assert document["retries"] > 0
    assert any(e["kind"] == "fault" for e in document["timeline"])
    assert document["truth"]["restarted"] is True


def test_an_instance_that_does_not_exist_is_not_restarted() -> None:
    code, out, _ = cli("simulate", "--scenario", "default", "--instance", "Nope", "--no-timeline")
    assert code == ExitCode.NOT_RESTARTED
    assert "not_restarted" in out
    assert "Simulator truth: the Tentacle did NOT restart" in out


def test_a_failing_server_exits_failed(tmp_path: Path) -> None:
    scenario = tmp_path / "down.toml"
    scenario.write_text('name = "down"\n[[faults]]\nkind = "status"\nstatus = 500\n')
    code, document = cli_json("--scenario", str(scenario))
    assert code == ExitCode.FAILED
    assert document["error"]["type"] == "ServerError"
    assert document["scenario"] == str(scenario)


def test_unknown_machine_is_not_found_as_with_run() -> None:
    code, out, err = cli("simulate", "--scenario", "default", "--machine", "web-99")
    assert code == ExitCode.NOT_FOUND
    assert "has no machine 'web-99'" in err
    assert "machines: Machines-1 (web-01)" in err and out == ""
    code, _, err = cli("simulate", "--scenario", "default", "--machine", "web-99", "--seed-script")
    assert code == 6 and "machines: Machines-1 (web-01)" in err
    assert "BASELINE" not in err  # it never ran


@pytest.mark.parametrize("machine", ["Machines-1", "web-01", "WEB-01"])
def test_machine_by_id_or_name(machine: str) -> None:
    code, document = cli_json("--scenario", "default", "--machine", machine)
    assert code == 0
    assert document["machine_id"] == "Machines-1"
    assert document["truth"]["machine_name"] == "web-01"


# -- the seed script ------------------------------------------------------------------------
def test_seed_script_is_labelled_and_shows_its_false_success() -> None:
    code, out, err = cli("simulate", "--scenario", "default", "--seed-script")

    assert code == 0  # the seed believes it worked: exit codes are the report's, as `run`
    assert err.startswith("BASELINE: the seed script")
    assert "BASELINE: the seed script" in out
    assert "restarted after 40.0s: Tentacle is communicating again." in out
    assert "Simulator truth: the Tentacle did NOT restart" in out
    assert "FALSE SUCCESS: the seed script reported 'restarted'" in out


@pytest.mark.parametrize("driver", ["sync", "async", "direct"])
def test_seed_script_json_through_every_driver(driver: str) -> None:
    code, document = cli_json("--scenario", "default", "--seed-script", "--driver", driver)
    assert code == 0
    assert document["procedure"] == "seed"
    assert document["outcome"] == "restarted"
    assert document["truth"]["restarted"] is False
    assert document["truth"]["restarts"] == []
    assert document["false_success"] is True


def test_seed_script_refuses_policy_flags() -> None:
    code, _, err = cli(
        "simulate", "--scenario", "default", "--seed-script", "--deadline", "60",
        "--instance", "Web",
    )  # fmt: skip
    assert code == ExitCode.USAGE
    assert "--deadline, --instance" in err and "--seed-script" in err


# -- --json and determinism -----------------------------------------------------------------
def test_json_document() -> None:
    code, document = cli_json("--scenario", "named-instance", "--seed", "4")
    assert code == 0
    assert document["scenario"] == "named-instance" and document["seed"] == 4
    assert document["driver"] == "sync" and document["procedure"] == "restart"
    assert document["virtual_seconds"] >= document["duration"]
    assert document["false_success"] is False
    truth = document["truth"]
    assert truth["restarted"] is True and truth["service"] == "OctopusDeploy Tentacle: Web"
    assert truth["witness_before"] != truth["witness_after"]
    entry = document["timeline"][0]
    assert set(entry) == {"t", "kind", "text", "subject"}
    assert entry == {"t": 0.0, "kind": "request", "text": "GET /api → 200", "subject": ""}


@pytest.mark.parametrize("preset", ["default", "flaky-network", "watchdog"])
def test_same_seed_same_output(preset: str) -> None:
    first = cli("simulate", "--scenario", preset, "--seed", "7", "--json")
    second = cli("simulate", "--scenario", preset, "--seed", "7", "--json")
    assert first == second
    other = cli("simulate", "--scenario", preset, "--seed", "8", "--json")
    assert other[1] != first[1]


def test_every_driver_gives_the_same_document() -> None:
    documents = {
        driver: cli_json("--scenario", "flaky-network", "--seed", "1", "--driver", driver)[1]
        for driver in ("sync", "async", "direct")
    }
    for document in documents.values():
        document.pop("driver")
    assert documents["async"] == documents["sync"]
    assert documents["direct"] == documents["sync"]


@pytest.mark.parametrize("preset", presets())
def test_every_preset_runs(preset: str) -> None:
    code, document = cli_json("--scenario", preset, "--driver", "direct")
    assert code == document["exit_code"]
    assert code in (0, 4)  # restarted, or (never-returns, late watchdog) timed out
    if document["outcome"] == "restarted":
        assert document["truth"]["restarted"] is True


# -- output switches ------------------------------------------------------------------------
def test_no_timeline_and_quiet() -> None:
    code, out, err = cli("simulate", "--scenario", "default", "--no-timeline", "-q")
    assert code == 0 and err == ""
    assert "Timeline" not in out and "request  " not in out
    assert "Simulator truth" in out


def test_policy_flags_reach_the_client() -> None:
    code, document = cli_json(
        "--scenario", "slow-windows", "--deadline", "600", "--wait", "90", "--stable-checks", "2"
    )
    assert code == 0
    assert document["deadline"] == 600
    assert document["healthy_checks"] == 2
    wait = next(p for p in document["phases"] if p["name"] == "wait")
    assert wait["duration"] == 90


# -- environment and secrets ----------------------------------------------------------------
def test_simulate_ignores_the_octopus_environment() -> None:
    env = {
        "OCTOPUS_URL": "http://real-octopus.invalid",
        "OCTOPUS_API_KEY": "API-REALKEY000000000000000",
        "OCTOPUS_SPACE": "Spaces-9",
    }
    code, out, err = cli("simulate", "--scenario", "default", "--json", env=env)
    assert code == 0
    assert "real-octopus" not in out + err and "API-REALKEY" not in out + err
    assert json.loads(out)["space_id"] == "Spaces-1"


def test_the_simulators_key_is_never_printed() -> None:
    key = Simulation.from_scenario("flaky-network", seed=2).api_key
    assert key
    for extra in ([], ["--json"]):
        _, out, err = cli("simulate", "--scenario", "flaky-network", "--seed", "2", *extra)
        assert key not in out + err


# -- bad input --------------------------------------------------------------------------------
def test_unknown_scenario_names_the_presets() -> None:
    code, out, err = cli("simulate", "--scenario", "nope")
    assert code == ExitCode.USAGE
    assert "no preset named 'nope'" in err
    assert all(name in err for name in presets())
    assert out == ""


def test_unknown_scenario_in_json() -> None:
    code, out, _ = cli("simulate", "--scenario", "nope", "--json")
    assert code == 2
    document = json.loads(out)
    assert document["error"]["type"] == "ConfigurationError"
    assert "presets: busy-server" in document["error"]["message"]


def test_bad_scenario_file_names_each_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[agents]]\nstop_seconds = "fast"\nstop_secs = 1\n')
    code, _, err = cli("simulate", "--scenario", str(bad))
    assert code == 2
    assert "agents[0].stop_seconds: expected a number or [min, max]" in err
    assert "agents[0]: unknown key 'stop_secs'" in err


def test_missing_scenario_file(tmp_path: Path) -> None:
    code, _, err = cli("simulate", "--scenario", str(tmp_path / "missing.toml"))
    assert code == 2 and "cannot read it" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["simulate"], "--scenario"),
        (["simulate", "--scenario", "default", "--seed", "abc"], "whole number"),
        (["simulate", "--scenario", "default", "--seed", "-1"], "whole number"),
        (["simulate", "--scenario", "default", "--seed", "1.5"], "whole number"),
        (["simulate", "--scenario", "default", "--driver", "carrier-pigeon"], "--driver"),
        (["simulate", "--scenario", "default", "--deadline", "soon"], "--deadline"),
    ],
)
def test_bad_command_lines_are_usage_errors(argv: list[str], message: str) -> None:
    code, _, err = cli(*argv)
    assert code == ExitCode.USAGE
    assert "usage:" in err and message in err


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        # One wording, naming the flag as typed and the valid range (issue 15 #7).
        (["--stable-checks", "0"], "--stable-checks: must be a whole number >= 1, got 0"),
        (["--deadline", "-5"], "--deadline: must be a number of seconds > 0, got -5"),
        (["--deadline", "0"], "--deadline: must be a number of seconds > 0, got 0"),
        (["--wait", "-1"], "--wait: must be a number of seconds >= 0, got -1"),
        (["--health-window", "0"], "--health-window: must be a number of seconds > 0, got 0"),
        (["--deadline", "nan"], "--deadline: must be a number of seconds > 0, got nan"),
        (["--script-delay", "1.5"], "--script-delay: must be a whole number of seconds >= 0"),
        # A limit derived from a knob without a flag is explained by the flag that hits it.
        (["--deadline", "5"], "--deadline must be more than 10 seconds: the cleanup allowance "
                              "at its end is reserved for cancelling the run's tasks; got 5"),
        (["--machine-timeout", "90"], "--machine-timeout cannot exceed --health-timeout"),
        (["--instance", "a$b"], "--instance 'a$b' is not a usable Tentacle instance name"),
    ],
)
def test_invalid_policy_values_name_the_flag_and_the_range(
    flags: list[str], message: str
) -> None:
    code, out, err = cli("simulate", "--scenario", "default", *flags)
    assert code == 2 and message in err
    assert "RestartPolicy" not in err and "cleanup_allowance" not in err
    assert err.count("error") == 1 and out == ""


def test_help() -> None:
    code, out, _ = cli("simulate", "--help")
    assert code == 0
    assert "--seed-script" in out and "--no-timeline" in out and "--deadline" in out


def test_python_dash_m_entry_point() -> None:
    """The installed entry point end to end, in a real process (still virtual time)."""
    done = subprocess.run(
        [sys.executable, "-m", "restart", "simulate", "--scenario", "never-returns", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 4, done.stderr
    assert json.loads(done.stdout)["outcome"] == "timed_out"


def test_an_unknown_machine_names_the_scenario_s_machines_not_space_flags() -> None:
    code, _, err = cli("simulate", "--scenario", "default", "--machine", "nope")
    assert code == ExitCode.NOT_FOUND
    assert "scenario 'default' has no machine 'nope'; machines: Machines-1 (web-01)" in err
    # simulate takes no --space: advice about it would send the user nowhere (issue 15 #10).
    assert "--space" not in err and "OCTOPUS_SPACE" not in err
    assert err.count("error:") == 1


def test_json_task_links_are_null_as_nothing_serves_them() -> None:
    code, out, _ = cli("simulate", "--scenario", "default", "--json", "-q")
    document = json.loads(out)
    assert code == 0 and document["tasks"]
    assert {t["web_link"] for t in document["tasks"]} == {None}
