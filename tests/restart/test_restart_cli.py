"""``restart-tentacle run``: exit codes, output, --json, environment, bad input."""

from __future__ import annotations

import io
import json
from typing import Any

import httpx
import pytest

from restart.client import octopus_client
from restart.commands import COMMANDS, main
from restart.exitcodes import ExitCode


class Cli:
    """Runs ``main`` against the fake Octopus with captured streams and the fake clock."""

    def __init__(self, octopus: Any, clock: Any, kit: Any) -> None:
        self.octopus, self.clock, self.kit = octopus, clock, kit
        self.env = {"OCTOPUS_URL": kit.BASE_URL, "OCTOPUS_API_KEY": kit.API_KEY}
        self.urls: list[str] = []

    def factory(self, url: str, api_key: str, policy: Any) -> httpx.Client:
        self.urls.append(url)
        handler = self.kit.http_handler(self.octopus)
        return octopus_client(url, api_key, transport=httpx.MockTransport(handler))

    def __call__(self, *argv: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        code = main(
            list(argv),
            client_factory=self.factory,
            env=self.env if env is None else env,
            clock=self.clock.now,
            sleep=self.clock.sleep,
            stdout=out,
            stderr=err,
        )
        return code, out.getvalue(), err.getvalue()


@pytest.fixture
def cli(octopus: Any, clock: Any, kit: Any) -> Cli:
    return Cli(octopus, clock, kit)


def test_run_restarts_with_progress_and_summary(cli: Cli) -> None:
    code, out, err = cli("run", "Machines-1")

    assert code == ExitCode.RESTARTED == 0
    assert "Restart Tentacle Task: ServerTasks-2" in err
    assert "http://octopus.test/app#/Spaces-1/tasks/ServerTasks-2" in err
    assert "Waiting for restart task to finish..." in err
    assert "restarted after" in out
    assert "ServerTasks-4" in out  # the task table
    assert cli.octopus.paths()[1] == "/api/Spaces-1/machines/Machines-1"


def test_json_report(cli: Cli) -> None:
    code, out, _ = cli("run", "web-01", "--json", "--quiet")

    assert code == 0
    document = json.loads(out)
    assert document["outcome"] == "restarted" and document["exit_code"] == 0
    assert document["machine_id"] == "Machines-1"
    assert [t["kind"] for t in document["tasks"]] == ["probe", "restart", "probe", "health"]
    assert document["tasks"][1]["web_link"].startswith("http://octopus.test/app#/")
    assert document["witness_before"] != document["witness_after"]
    assert cli.octopus.requests[1][1].params == (("name", "web-01"),)


def test_quiet_prints_no_progress(cli: Cli) -> None:
    code, _, err = cli("run", "Machines-1", "-q")
    assert code == 0 and err == ""


def test_flags_override_the_environment(cli: Cli) -> None:
    env = {
        "OCTOPUS_URL": "http://wrong.test",
        "OCTOPUS_API_KEY": "API-WRONG",
        "OCTOPUS_SPACE": "Spaces-9",
    }
    code, _, _ = cli(
        "run", "Machines-1", "--url", "http://octopus.test/", "--space", "Spaces-1",
        "--api-key", cli.kit.API_KEY, env=env,
    )  # fmt: skip
    assert code == 0
    assert cli.urls == ["http://octopus.test/"]


def test_space_from_the_environment(cli: Cli) -> None:
    code, _, err = cli("run", "Machines-1", env={**cli.env, "OCTOPUS_SPACE": "Spaces-9"})
    assert code == ExitCode.NOT_FOUND == 6
    assert "Spaces-9 does not exist" in err


def test_name_flag_forces_a_name(cli: Cli) -> None:
    code, _, _ = cli("run", "Machines-1", "--name")
    assert code == ExitCode.NOT_FOUND  # no machine is *named* Machines-1
    assert cli.octopus.requests[1][1].params == (("name", "Machines-1"),)


def test_missing_key_says_where_to_put_it(cli: Cli) -> None:
    code, out, err = cli("run", "Machines-1", env={"OCTOPUS_URL": cli.kit.BASE_URL})
    assert code == ExitCode.USAGE == 2
    assert "OCTOPUS_API_KEY" in err and out == ""
    assert cli.octopus.requests == []


def test_missing_url(cli: Cli) -> None:
    code, _, err = cli("run", "Machines-1", env={"OCTOPUS_API_KEY": cli.kit.API_KEY})
    assert code == 2 and "OCTOPUS_URL" in err


def test_wrong_key_exits_authentication(cli: Cli) -> None:
    code, _, err = cli("run", "Machines-1", env={**cli.env, "OCTOPUS_API_KEY": "API-WRONG"})
    assert code == ExitCode.AUTHENTICATION == 5
    assert "Octopus refused the API key" in err


def test_errors_in_json(cli: Cli) -> None:
    code, out, _ = cli("run", "Machines-9", "--json", env=cli.env)
    document = json.loads(out)
    assert code == 6 and document["exit_code"] == 6
    assert document["outcome"] == "failed"
    assert document["error"]["type"] == "NotFoundError"


def test_usage_error_in_json(cli: Cli) -> None:
    code, out, _ = cli("run", "Machines-1", "--json", env={})
    assert code == 2
    assert json.loads(out)["error"]["type"] == "ConfigurationError"


def test_not_restarted_exit_code(cli: Cli) -> None:
    cli.octopus.restart_works = False
    code, out, _ = cli("run", "Machines-1")
    assert code == ExitCode.NOT_RESTARTED == 3
    assert "not_restarted" in out


def test_timed_out_exit_code(cli: Cli) -> None:
    cli.octopus.durations["Health"] = 1e6
    code, out, _ = cli("run", "Machines-1", "--deadline", "120", "--json", "-q")
    assert code == ExitCode.TIMED_OUT == 4
    document = json.loads(out)
    assert document["outcome"] == "timed_out"
    assert document["duration"] <= 120


def test_policy_flags_reach_the_run(cli: Cli) -> None:
    code, _, _ = cli(
        "run", "Machines-1", "--poll-interval", "7", "--wait", "12", "--stable-checks", "2",
        "--health-timeout", "45", "--machine-timeout", "20", "--instance", "Blue", "-q",
    )  # fmt: skip
    assert code == 3  # the fake's default instance is not "Blue": nothing restarts
    assert 12 in cli.clock.slept and 7 in cli.clock.slept
    restart = cli.octopus.created("AdHocScript")[1]
    assert "OctopusDeploy Tentacle: Blue" in restart.arguments["ScriptBody"]


def test_os_flag(cli: Cli) -> None:
    cli.octopus.machine["OperatingSystem"] = cli.octopus.machine["ShellName"] = "?"
    assert cli("run", "Machines-1", "-q")[0] == 2
    assert cli("run", "Machines-1", "-q", "--os", "windows")[0] == 0


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["run"],
        ["run", "Machines-1", "--deadline", "soon"],
        ["run", "Machines-1", "--os", "bsd"],
        ["frobnicate"],
    ],
)
def test_bad_command_lines_are_usage_errors(cli: Cli, argv: list[str]) -> None:
    code, _, err = cli(*argv)
    assert code == 2
    assert "usage:" in err


def test_invalid_policy_values_are_usage_errors(cli: Cli) -> None:
    code, _, err = cli("run", "Machines-1", "--stable-checks", "0")
    assert code == 2 and "--stable-checks: must be a whole number >= 1, got 0" in err
    assert cli.octopus.requests == []


def test_help_exits_zero(cli: Cli) -> None:
    code, out, _ = cli("run", "--help")
    assert code == 0 and "OCTOPUS_API_KEY" in out


def test_bad_url(cli: Cli) -> None:
    code, _, err = cli("run", "Machines-1", env={**cli.env, "OCTOPUS_URL": "octopus.test"})
    assert code == 2 and "not an absolute http(s) URL" in err


def test_ctrl_c_exit_code(cli: Cli) -> None:
    def sleep(seconds: float) -> None:
        raise KeyboardInterrupt

    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["run", "Machines-1"], client_factory=cli.factory, env=cli.env, clock=cli.clock.now,
        sleep=sleep, stdout=out, stderr=err,
    )  # fmt: skip
    assert code == ExitCode.INTERRUPTED == 130
    assert "interrupted" in out.getvalue()
    assert cli.octopus.paths("POST")[-1].endswith("/cancel")


def test_subcommands_are_pluggable(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    from restart.cli import Command

    def configure(parser: Any) -> None:
        parser.add_argument("--n", type=int, default=1)

    monkeypatch.setitem(
        COMMANDS, "simulate",
        Command("simulate", configure, lambda args, ctx: args.n + 40, "a test", "0 fine"),
    )
    assert cli("simulate", "--n", "2")[0] == 42


def test_machine_as_a_flag(cli: Cli) -> None:
    # README's form: --machine must not be taken as an abbreviation of --machine-timeout.
    code, _, _ = cli("run", "--machine", "web-01", "-q")
    assert code == ExitCode.RESTARTED
    assert cli.octopus.requests[1][1].params == (("name", "web-01"),)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "Machines-1", "--machine-t", "5"], "unrecognized arguments: --machine-t"),
        (["run", "Machines-1", "--dead", "5"], "unrecognized arguments: --dead"),
        (["run", "a", "--machine", "b"], "not allowed with argument MACHINE"),
        (["run"], "one of the arguments MACHINE --machine is required"),
    ],
)
def test_no_abbreviations_and_one_machine(cli: Cli, argv: list[str], message: str) -> None:
    code, _, err = cli(*argv)
    assert code == ExitCode.USAGE and message in err
    assert cli.octopus.requests == []


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "Machines-1", "--os", "API-ABCDEFGHIJKLMNOPQRSTUVWX12"],
        ["run", "Machines-1", "API-ABCDEFGHIJKLMNOPQRSTUVWX12"],
        ["run", "Machines-1", "--deadline", "API-ABCDEFGHIJKLMNOPQRSTUVWX12"],
        ["run", "Machines-1", "--url", "API-ABCDEFGHIJKLMNOPQRSTUVWX12"],
    ],
)
def test_a_key_typed_in_the_wrong_place_is_never_echoed(cli: Cli, argv: list[str]) -> None:
    code, out, err = cli(*argv)
    assert code != 0
    assert "ABCDEFGHIJKLMNOPQRSTUVWX12" not in err + out
    assert "API-********" in err


def test_version(cli: Cli) -> None:
    code, out, _ = cli("--version")
    assert code == 0 and out.startswith("restart-tentacle ")


def test_help_lists_every_exit_code(cli: Cli) -> None:
    code, out, _ = cli("run", "--help")
    text = " ".join(out.split())
    assert code == 0
    for number in (0, 1, 2, 3, 4, 5, 6, 130, 143):
        assert f"{number} " in text.split("exit codes:")[1]
    assert "143 terminated (SIGTERM)" in text


def test_an_error_is_printed_once_on_stderr(cli: Cli) -> None:
    code, out, err = cli("run", "Machines-9")
    assert code == ExitCode.NOT_FOUND
    message = "Machines-9"
    # The outcome line states it; no second "error:" line repeats it.
    assert "error:" not in err or err.count(message) == 1
    assert "error:" not in out


def test_verbose_shows_debug_lines_and_quiet_hides_everything() -> None:
    import argparse

    from rich.console import Console

    from restart.cli import CliContext, progress_printer
    from restart.report import Progress

    def printed(**flags: bool) -> str:
        err = io.StringIO()
        ctx = CliContext({}, lambda *a: httpx.Client(), lambda: 0.0, lambda s: None,
                         io.StringIO(), Console(file=io.StringIO()), Console(file=err))
        show = progress_printer(argparse.Namespace(**flags), ctx, 0.0)
        show(Progress(1.0, "debug", "GET /api/tasks/ServerTasks-1: 503, retry 1 in 2 s"))
        show(Progress(2.0, "info", "Restart executed"))
        return err.getvalue()

    assert "retry 1" not in printed(verbose=False, quiet=False)
    assert "Restart executed" in printed(verbose=False, quiet=False)
    assert "retry 1" in printed(verbose=True, quiet=False)
    assert printed(verbose=False, quiet=True) == ""
