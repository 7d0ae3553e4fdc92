"""``restart-tentacle run``: restart a Tentacle through a real Octopus server."""

from __future__ import annotations

import argparse
import json

from restart.cli import (
    CliContext,
    Command,
    add_output_arguments,
    add_policy_arguments,
    mask_keys,
    policy_from_args,
    print_error,
    print_summary,
    progress_printer,
)
from restart.drivers.sync import run_sync
from restart.errors import ConfigurationError
from restart.exitcodes import ExitCode, describe
from restart.target import AgentOS, RestartTarget

__all__ = ["RUN_COMMAND"]

_MACHINE_ID = "Machines-"


def _configure(parser: argparse.ArgumentParser) -> None:
    # The machine as a positional or as --machine, as `simulate` takes it: one, not both.
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "machine",
        nargs="?",
        metavar="MACHINE",
        help="the machine: an id (Machines-12) or a name (anything else, or with --name)",
    )
    which.add_argument(
        "--machine", dest="machine_flag", metavar="ID|NAME", help="the machine, as a flag"
    )
    parser.add_argument("--name", action="store_true", help="treat MACHINE as a name")
    server = parser.add_argument_group("server (flags override the environment)")
    server.add_argument("--url", help="Octopus server URL [OCTOPUS_URL]")
    server.add_argument(
        "--api-key",
        help="API key [OCTOPUS_API_KEY, preferred: flags leak into shell history]",
    )
    server.add_argument(
        "--space", help="space id or name [OCTOPUS_SPACE, default Spaces-1]"
    )
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


def _handle(args: argparse.Namespace, ctx: CliContext) -> int:
    machine: str = args.machine if args.machine is not None else args.machine_flag
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
    by_name = args.name or not machine.startswith(_MACHINE_ID)
    target = RestartTarget(
        space_id=space,
        machine_id=None if by_name else machine,
        machine_name=machine if by_name else None,
        os=AgentOS(args.os) if args.os else None,
    )
    progress = progress_printer(args, ctx, ctx.clock())
    with ctx.client_factory(url, api_key, policy) as client:
        report = run_sync(
            client, target, policy, clock=ctx.clock, sleep=ctx.sleep, on_event=progress
        )
    if args.json:
        ctx.stdout.write(mask_keys(json.dumps(report.to_dict(), indent=2)) + "\n")
    else:
        print_summary(report, ctx)
    if report.error is not None:
        print_error(ctx, report.error.message)
    return int(report.exit_code)


RUN_COMMAND = Command(
    help="restart a Tentacle through a real Octopus server",
    configure=_configure,
    handler=_handle,
    description=(
        "Restart the Tentacle of one machine and verify it: its start time must change "
        "and a health check afterwards must pass. Ctrl-C or SIGTERM cancels the tasks the "
        "run created before it exits."
    ),
    exit_codes=describe(tuple(ExitCode)),
)
