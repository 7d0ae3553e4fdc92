"""``restart-tentacle``: the commands, and ``main``.

Each command is a module built on the toolkit in :mod:`restart.cli`: ``run``
(:mod:`restart.run_cli`) talks to a real Octopus server, ``simulate``
(:mod:`restart.simulate_cli`) runs the same client against the embedded simulator, and
``validate`` (:mod:`restart.validate_cli`) runs it many times and judges it. A new command
is one more module and one more entry in :data:`COMMANDS`.

Exit codes are :class:`restart.exitcodes.ExitCode` (one table, also in ``docs/restart.md``);
each command's ``--help`` ends with the ones it uses.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TextIO

import httpx
from rich.console import Console

from restart.cli import (
    CliContext,
    ClientFactory,
    Command,
    default_streams,
    mask_keys,
    new_parser,
    parse,
    print_error,
    quiet_library_logs,
    sigterm_as_interrupt,
    version_text,
)
from restart.client import octopus_client
from restart.errors import RestartError
from restart.exitcodes import ExitCode
from restart.policy import RestartPolicy
from restart.report import Outcome
from restart.run_cli import RUN_COMMAND
from restart.simulate_cli import SIMULATE_COMMAND
from restart.validate_cli import VALIDATE_COMMAND

__all__ = ["COMMANDS", "build_parser", "main"]

COMMANDS: dict[str, Command] = {
    "run": RUN_COMMAND,
    "simulate": SIMULATE_COMMAND,
    "validate": VALIDATE_COMMAND,
}


def _default_client(url: str, api_key: str, policy: RestartPolicy) -> httpx.Client:
    return octopus_client(url, api_key, timeout=policy.request_timeout)


def build_parser(commands: Mapping[str, Command] | None = None) -> argparse.ArgumentParser:
    """The argument parser with every command of ``commands`` (default :data:`COMMANDS`)."""
    parser = new_parser(
        "restart-tentacle",
        description="Restart an Octopus Tentacle safely, and prove it restarted.",
    )
    parser.add_argument("--version", action="version", version=version_text())
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, command in (commands or COMMANDS).items():
        child = sub.add_parser(
            name,
            help=command.help,
            description=command.description,
            epilog=f"exit codes: {command.exit_codes}",
            allow_abbrev=False,
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
    expected failures; they become exit codes and one message on stderr. SIGTERM is handled
    as Ctrl-C (the run cancels what it created), then the code is 143.
    """
    quiet_library_logs()
    out_stream, err_stream = default_streams(stdout, stderr)
    parsed = parse(build_parser(), None if argv is None else list(argv), out_stream, err_stream)
    if isinstance(parsed, int):
        return parsed
    ctx = CliContext(
        env=env if env is not None else os.environ,
        client_factory=client_factory or _default_client,
        clock=clock or time.monotonic,
        sleep=sleep or time.sleep,
        stdout=out_stream,
        out=Console(file=out_stream, highlight=False, soft_wrap=True),
        err=Console(file=err_stream, highlight=False, soft_wrap=True),
    )
    handler: Callable[[argparse.Namespace, CliContext], int] = parsed.handler
    with sigterm_as_interrupt() as signals:
        try:
            code = handler(parsed, ctx)
        except KeyboardInterrupt:
            # Outside a run (a run turns the first Ctrl-C into its report, after cleanup), or
            # a second Ctrl-C during the cleanup: stop at once.
            print_error(ctx, "interrupted")
            code = int(ExitCode.INTERRUPTED)
        except RestartError as exc:
            if getattr(parsed, "json", False):
                ctx.stdout.write(_error_json(exc) + "\n")
            print_error(ctx, exc.message)
            code = int(exc.exit_code)
    return int(ExitCode.TERMINATED) if signals.terminated else code


def _error_json(exc: RestartError) -> str:
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
    return mask_keys(json.dumps(document, indent=2))
