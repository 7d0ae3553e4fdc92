"""``restart-tentacle``: restart a Tentacle from the command line.

Subcommands are registered in :data:`COMMANDS` (name -> :class:`Command`); ``run`` talks to
a real Octopus server, ``simulate`` (:mod:`restart.simulate`) runs the same client against
the embedded octosim simulator. More subcommands plug in the same way:
``COMMANDS["validate"] = Command(help=..., configure=..., handler=...)``, reusing
:func:`add_policy_arguments`, :func:`policy_from_args`, :func:`add_output_arguments`,
:func:`progress_printer` and :func:`print_summary` so every command reads and prints alike.

Exit codes are :class:`restart.exitcodes.ExitCode` (one table, documented there and in
``docs/restart.md``): 0 restarted, 1 failed, 2 usage, 3 not restarted, 4 timed out,
5 authentication, 6 not found, 130 interrupted.

The API key comes from ``OCTOPUS_API_KEY`` (preferred: flags show up in shell history and
process lists) or ``--api-key``. It is never printed, not even in ``--json`` output.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

import httpx
from rich.console import Console
from rich.table import Table
from rich.text import Text

from restart.client import octopus_client
from restart.drivers.sync import run_sync
from restart.errors import ConfigurationError, RestartError
from restart.exitcodes import ExitCode
from restart.policy import RestartPolicy
from restart.report import Outcome, Progress, RestartReport
from restart.target import AgentOS, RestartTarget

__all__ = [
    "COMMANDS",
    "CliContext",
    "ClientFactory",
    "Command",
    "add_output_arguments",
    "add_policy_arguments",
    "build_parser",
    "given_policy_flags",
    "main",
    "policy_from_args",
    "policy_overrides",
    "print_summary",
    "progress_printer",
]

ClientFactory = Callable[[str, str, RestartPolicy], httpx.Client]

_MACHINE_ID = "Machines-"
# The drivers also log each progress line to the "restart" logger. The CLI prints them
# itself, so without a handler of its own logging's last-resort handler would print every
# warning a second time, unformatted, on stderr. A user's own logging setup still applies.
_QUIET_LOGS = logging.NullHandler()
_STYLES = {
    "warning": "yellow",
    "error": "red",
    "highlight": "bold cyan",
    "info": "",
}
_OUTCOME_STYLES = {
    Outcome.RESTARTED: "bold green",
    Outcome.NOT_RESTARTED: "bold yellow",
    Outcome.TIMED_OUT: "bold yellow",
    Outcome.FAILED: "bold red",
}
# flag -> RestartPolicy field; only flags given on the command line override the defaults.
_POLICY_FLAGS = {
    "deadline": "deadline",
    "poll_interval": "poll_interval",
    "script_delay": "script_delay",
    "wait": "post_restart_wait",
    "health_window": "health_window",
    "health_timeout": "health_task_timeout",
    "machine_timeout": "health_machine_timeout",
    "stable_checks": "stable_checks",
    "request_timeout": "request_timeout",
    "max_attempts": "max_attempts",
    "instance": "instance",
}


@dataclass
class CliContext:
    """Everything a subcommand may touch besides its arguments: seams for tests."""

    env: Mapping[str, str]
    client_factory: ClientFactory
    clock: Callable[[], float]
    sleep: Callable[[float], None]
    stdout: TextIO
    out: Console
    err: Console


@dataclass(frozen=True)
class Command:
    """A subcommand: ``configure`` adds its arguments, ``handler`` runs it and returns the
    exit code."""

    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    handler: Callable[[argparse.Namespace, CliContext], int]
    description: str = field(default="")


def _default_client(url: str, api_key: str, policy: RestartPolicy) -> httpx.Client:
    return octopus_client(url, api_key, timeout=policy.request_timeout)


# -- simulate (restart.simulate) ------------------------------------------------------------
# Imported on use: restart.simulate imports this module's helpers (a cycle at import time
# otherwise), and only `simulate` needs octosim at all.
def _configure_simulate(parser: argparse.ArgumentParser) -> None:
    from restart.simulate import configure

    configure(parser)


def _simulate(args: argparse.Namespace, ctx: CliContext) -> int:
    from restart.simulate import handle

    return handle(args, ctx)


# -- run ------------------------------------------------------------------------------------
def _configure_run(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "machine",
        help="the machine: an id (Machines-12) or a name (anything else, or with --name)",
    )
    parser.add_argument("--name", action="store_true", help="treat MACHINE as a name")
    server = parser.add_argument_group("server (flags override the environment)")
    server.add_argument("--url", help="Octopus server URL [OCTOPUS_URL]")
    server.add_argument(
        "--api-key",
        help="API key [OCTOPUS_API_KEY, preferred: flags leak into shell history]",
    )
    server.add_argument("--space", help="space id [OCTOPUS_SPACE, default Spaces-1]")
    agent = parser.add_argument_group("agent")
    agent.add_argument(
        "--os",
        choices=[o.value for o in AgentOS],
        help="the Tentacle's OS, when Octopus cannot tell",
    )
    agent.add_argument(
        "--instance",
        help="restart only this named Tentacle instance (default: every instance)",
    )
    add_policy_arguments(parser)
    add_output_arguments(parser)


# -- helpers shared by the subcommands ---------------------------------------------------------
def add_policy_arguments(parser: argparse.ArgumentParser) -> None:
    """Add one flag per timing knob of :class:`RestartPolicy` (all optional: a flag left out
    keeps the policy's default, so the defaults live in one place). ``--instance`` is not
    among them: each command puts it in its own group."""
    timing = parser.add_argument_group("policy (seconds; defaults are the seed script's)")
    d = RestartPolicy()
    timing.add_argument("--deadline", type=float, help=f"overall deadline [{d.deadline:g}]")
    timing.add_argument(
        "--poll-interval", type=float, help=f"task polling interval [{d.poll_interval:g}]"
    )
    timing.add_argument(
        "--script-delay", type=int, help=f"delay before the restart [{d.script_delay}]"
    )
    timing.add_argument(
        "--wait", type=float, help=f"wait after the restart task [{d.post_restart_wait:g}]"
    )
    timing.add_argument(
        "--health-window", type=float, help=f"time to come back healthy [{d.health_window:g}]"
    )
    timing.add_argument(
        "--health-timeout", type=float, help=f"health task Timeout [{d.health_task_timeout:g}]"
    )
    timing.add_argument(
        "--machine-timeout",
        type=float,
        help=f"health task MachineTimeout [{d.health_machine_timeout:g}]",
    )
    timing.add_argument(
        "--stable-checks", type=int, help=f"consecutive healthy checks [{d.stable_checks}]"
    )
    timing.add_argument(
        "--request-timeout", type=float, help=f"per HTTP request [{d.request_timeout:g}]"
    )
    timing.add_argument("--max-attempts", type=int, help=f"tries per request [{d.max_attempts}]")


def add_output_arguments(parser: argparse.ArgumentParser) -> argparse._ArgumentGroup:
    """Add ``--json`` and ``--quiet``; return the group so a command can add its own."""
    output = parser.add_argument_group("output")
    output.add_argument("--json", action="store_true", help="print the report as JSON")
    output.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    return output


def policy_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """Return the policy fields set on the command line (flag given -> field value)."""
    return {
        field_name: getattr(args, flag)
        for flag, field_name in _POLICY_FLAGS.items()
        if getattr(args, flag, None) is not None
    }


def given_policy_flags(args: argparse.Namespace) -> list[str]:
    """Return the policy flags given on the command line, spelled as typed (``--deadline``)."""
    return [
        "--" + flag.replace("_", "-")
        for flag in _POLICY_FLAGS
        if getattr(args, flag, None) is not None
    ]


def policy_from_args(args: argparse.Namespace) -> RestartPolicy:
    """Return the policy the flags describe. Raises ConfigurationError naming a bad field."""
    return RestartPolicy(**policy_overrides(args))


def progress_printer(
    args: argparse.Namespace, ctx: CliContext, started: float
) -> Callable[[Progress], None]:
    """Return the ``on_event`` callback that prints progress lines to stderr, stamped with
    seconds since ``started`` on the run's clock (nothing with ``--quiet``)."""

    def progress(line: Progress) -> None:
        if getattr(args, "quiet", False):
            return
        if line.level == "verbose" and not getattr(args, "verbose", False):
            return
        text = Text(f"[{line.at - started:6.1f}s] ", style="dim")
        text.append(line.text, style=_STYLES.get(line.level, ""))
        if line.link:
            text.append(" ")
            text.append(line.link, style=f"link {line.link}")
        ctx.err.print(text, soft_wrap=True)

    return progress


def _run(args: argparse.Namespace, ctx: CliContext) -> int:
    url = args.url or ctx.env.get("OCTOPUS_URL")
    api_key = args.api_key or ctx.env.get("OCTOPUS_API_KEY")
    space = args.space or ctx.env.get("OCTOPUS_SPACE") or "Spaces-1"
    if not url:
        raise ConfigurationError("no Octopus URL: pass --url or set OCTOPUS_URL")
    if not api_key:
        raise ConfigurationError(
            "no API key: set OCTOPUS_API_KEY (preferred: it keeps the key out of shell "
            "history and process lists) or pass --api-key"
        )
    policy = policy_from_args(args)
    by_name = args.name or not args.machine.startswith(_MACHINE_ID)
    target = RestartTarget(
        space_id=space,
        machine_id=None if by_name else args.machine,
        machine_name=args.machine if by_name else None,
        os=AgentOS(args.os) if args.os else None,
    )
    progress = progress_printer(args, ctx, ctx.clock())
    with ctx.client_factory(url, api_key, policy) as client:
        report = run_sync(
            client, target, policy, clock=ctx.clock, sleep=ctx.sleep, on_event=progress
        )
    _show(report, args, ctx)
    return int(report.exit_code)


def _show(report: RestartReport, args: argparse.Namespace, ctx: CliContext) -> None:
    if args.json:
        ctx.stdout.write(json.dumps(report.to_dict(), indent=2) + "\n")
        return
    print_summary(report, ctx)


def print_summary(report: RestartReport, ctx: CliContext) -> None:
    """Print the human summary of ``report`` to stdout: phases, tasks with links, outcome,
    request and retry counts."""
    out = ctx.out
    if report.phases:
        phases = Table("phase", "started", "ended", "seconds", title="Phases", title_justify="left")
        for p in report.phases:
            t0, t1 = p.started - report.started, p.ended - report.started
            phases.add_row(p.name, f"{t0:.1f}", f"{t1:.1f}", f"{t1 - t0:.1f}")
        out.print(phases)
    if report.tasks:
        # Plain lines, not a table: links must stay whole to be clicked or copied.
        out.print(Text("Tasks", style="italic"))
        for t in report.tasks:
            line = Text(f"  {t.id:<16} {t.kind:<8} {t.state or '?':<10} ")
            line.append(t.web_link, style=f"link {t.web_link}")
            out.print(line, soft_wrap=True)
    summary = Text()
    summary.append(report.outcome.value, style=_OUTCOME_STYLES[report.outcome])
    summary.append(f" after {report.duration:.1f}s: {report.reason}")
    summary.append(f"\n{report.requests} requests, {report.retries} retries", style="dim")
    out.print(summary, soft_wrap=True)


COMMANDS: dict[str, Command] = {
    "run": Command(
        help="restart a Tentacle through a real Octopus server",
        configure=_configure_run,
        handler=_run,
        description=(
            "Restart the Tentacle of one machine and verify it: its start time must change "
            "and a health check afterwards must pass. Exit codes: 0 restarted, 1 failed, "
            "2 usage, 3 not restarted, 4 timed out, 5 authentication, 6 not found, "
            "130 interrupted."
        ),
    ),
    "simulate": Command(
        help="run the client (or the seed script) against the embedded simulator",
        configure=_configure_simulate,
        handler=_simulate,
        description=(
            "Run the same restart as `run` against an in-process octosim simulation of a "
            "scenario (a preset name or a .toml file) in virtual time, then print the "
            "simulator's timeline and what really happened to the Tentacle. Exit codes as "
            "`run`: 0 restarted, 1 failed, 2 usage, 3 not restarted, 4 timed out, "
            "5 authentication, 6 not found."
        ),
    ),
}

# validate's CLI module builds on this one's helpers, so it is imported once they exist.
from restart.validate import VALIDATE_COMMAND  # noqa: E402

COMMANDS["validate"] = VALIDATE_COMMAND


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="restart-tentacle",
        description="Restart an Octopus Tentacle safely, and prove it restarted.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, command in COMMANDS.items():
        child = sub.add_parser(
            name, help=command.help, description=command.description or command.help
        )
        command.configure(child)
        child.set_defaults(handler=command.handler)
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    client_factory: ClientFactory | None = None,
    env: Mapping[str, str] | None = None,
    clock: Callable[[], float] | None = None,
    sleep: Callable[[float], None] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run the CLI and return its exit code (:class:`~restart.exitcodes.ExitCode`).

    Every keyword is a seam for tests: ``client_factory(url, api_key, policy)`` builds the
    httpx client, ``env`` replaces ``os.environ``, ``clock``/``sleep`` replace
    ``time.monotonic``/``time.sleep``, ``stdout``/``stderr`` the streams. Never raises for
    expected failures; they become exit codes and a message on stderr.
    """
    logging.getLogger("restart").addHandler(_QUIET_LOGS)  # once: same handler each call
    out_stream = stdout if stdout is not None else sys.stdout
    err_stream = stderr if stderr is not None else sys.stderr
    err = Console(file=err_stream, highlight=False, soft_wrap=True)
    parser = build_parser()
    try:
        # argparse writes --help and usage errors to sys.stdout/sys.stderr itself.
        with contextlib.redirect_stdout(out_stream), contextlib.redirect_stderr(err_stream):
            args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse: --help (0) or a usage error (2)
        return int(exit_.code or 0) if isinstance(exit_.code, int | None) else ExitCode.USAGE
    ctx = CliContext(
        env=env if env is not None else os.environ,
        client_factory=client_factory or _default_client,
        clock=clock or time.monotonic,
        sleep=sleep or time.sleep,
        stdout=out_stream,
        out=Console(file=out_stream, highlight=False, soft_wrap=True),
        err=err,
    )
    try:
        handler: Callable[[argparse.Namespace, CliContext], int] = args.handler
        return handler(args, ctx)
    except RestartError as exc:
        if getattr(args, "json", False):
            document: dict[str, Any] = (
                exc.report.to_dict()
                if exc.report is not None
                else {
                    "outcome": Outcome.FAILED.value,
                    "reason": exc.message,
                    "exit_code": int(exc.exit_code),
                    "error": {
                        "type": type(exc).__name__,
                        "message": exc.message,
                        "exit_code": int(exc.exit_code),
                    },
                }
            )
            out_stream.write(json.dumps(document, indent=2) + "\n")
        err.print(Text(f"error: {exc.message}", style="bold red"), soft_wrap=True)
        return int(exc.exit_code)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
