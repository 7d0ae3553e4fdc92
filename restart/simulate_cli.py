"""``restart-tentacle simulate``: the same restart as ``run``, against the embedded simulator.

The library side is :func:`restart.simulate.simulate`; this module reads the flags and
prints the timeline, the report and the simulator's truth. The simulated server listens
nowhere, so no task link is printed: there is no web portal to open.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text

from restart.cli import (
    CliContext,
    Command,
    add_output_arguments,
    add_policy_arguments,
    given_policy_flags,
    mask_keys,
    policy_from_args,
    print_error,
    print_summary,
    progress_printer,
    seed_number,
)
from restart.errors import ConfigurationError, NotFoundError
from restart.exitcodes import ExitCode, describe
from restart.report import Progress
from restart.simulate import (
    DRIVERS,
    SimulationRun,
    find_machine,
    load_simulation,
    machine_list,
    simulate,
)
from restart.simulate_fleet import client_ok, simulate_rollout

if TYPE_CHECKING:
    from octosim.simulation import Simulation

__all__ = ["SIMULATE_COMMAND"]

_SEED_LABEL = (
    "BASELINE: the seed script (restart.seedport), ported line for line; not the restart "
    "client. It takes a successful restart task as proof of a restart."
)
# Timeline colours by journal kind (octosim.journal.Kind values); rich drops them when the
# output is not a terminal, so piped output stays plain. None is dim: it must stay readable
# on a dark terminal.
_KIND_STYLES = {
    "request": "",
    "task": "cyan",
    "script": "blue",
    "service": "magenta",
    "health": "green",
    "fault": "bold red",
    "note": "italic",
    "deadlock": "bold yellow",  # the task cap full of tasks waiting on each other
}


def _configure(parser: argparse.ArgumentParser) -> None:
    world = parser.add_argument_group("simulation")
    world.add_argument(
        "--scenario",
        required=True,
        metavar="NAME|PATH",
        help="a preset (default, named-instance, never-returns, flaky-network, ...) or a "
        "scenario .toml file (docs/scenarios.md)",
    )
    world.add_argument("--seed", type=seed_number, default=0, help="the simulation's seed [0]")
    world.add_argument(
        "--machine",
        metavar="ID|NAME",
        help="the machine: an id (Machines-1) or a name [the scenario's first machine]",
    )
    world.add_argument(
        "--driver",
        choices=DRIVERS,
        default="sync",
        help="sync: httpx.Client; async: httpx.AsyncClient; direct: no HTTP [sync]",
    )
    world.add_argument(
        "--seed-script",
        action="store_true",
        help="run the seed script's port (a BASELINE, not the client) instead of the client",
    )
    world.add_argument(
        "--rollout",
        action="store_true",
        help="run the scenario's [rollout] (its deployments or restarts, many clients on "
        "one clock) to its horizon instead of one restart; print each client's verdict",
    )
    world.add_argument(
        "--instance",
        help="restart only this named Tentacle instance (default: every instance)",
    )
    add_policy_arguments(parser)
    output = add_output_arguments(parser)
    output.add_argument(
        "--timeline",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="print the simulator's timeline [on]",
    )


def _handle(args: argparse.Namespace, ctx: CliContext) -> int:
    """Run ``simulate`` and return the exit code (as ``run``'s: the report's).

    Raises ConfigurationError (exit 2) for a bad scenario or policy, and NotFoundError
    (exit 6) for a machine the seed script cannot find; ``main`` prints them.
    """
    flags = given_policy_flags(args)
    if args.rollout:
        return _handle_rollout(args, ctx)
    if args.seed_script and flags:
        raise ConfigurationError(
            f"{', '.join(flags)}: the seed script has fixed timings and restarts every "
            "named instance; policy flags do not apply to --seed-script"
        )
    policy = None if args.seed_script else policy_from_args(args)
    sim = load_simulation(args.scenario, args.seed)
    if args.machine is not None and find_machine(sim, args.machine) is None:
        # Said before any run: the client's own advice (--space, OCTOPUS_SPACE) is for
        # `run`; here the scenario is the whole world.
        raise NotFoundError(
            f"scenario {args.scenario!r} has no machine {args.machine!r}; machines: "
            f"{machine_list(sim)} (pass one of them to --machine)"
        )
    progress = progress_printer(args, ctx, sim.clock.now(), links=False)
    if args.seed_script and not args.quiet:
        progress = _labelled(progress, ctx)
    result = simulate(
        args.scenario,
        seed=args.seed,
        machine=args.machine,
        policy=policy,
        driver=args.driver,
        seed_script=args.seed_script,
        on_event=progress,
        sim=sim,
    )
    if args.json:
        ctx.stdout.write(mask_keys(json.dumps(_document(result), indent=2)) + "\n")
    else:
        _print_human(result, args, ctx)
    if result.report.error is not None:
        print_error(ctx, result.report.error.message)
    return result.exit_code


def _handle_rollout(args: argparse.Namespace, ctx: CliContext) -> int:
    """Run the scenario's rollout; return its exit code (:attr:`RolloutRun.exit_code`)."""
    for flag, given in (("--machine", args.machine is not None),
                        ("--seed-script", args.seed_script), ("--instance", args.instance)):
        if given:
            raise ConfigurationError(
                f"{flag} is for one restart; with --rollout the scenario's [rollout] says "
                "who restarts what (docs/scenarios.md, \"Fleets\")")
    run = simulate_rollout(args.scenario, seed=args.seed, policy=policy_from_args(args))
    if args.json:
        ctx.stdout.write(mask_keys(json.dumps(run.to_dict(), indent=2)) + "\n")
        return int(run.exit_code)
    out = ctx.out
    title = f"Rollout: scenario {args.scenario}, seed {args.seed}, {len(run.results)} clients"
    out.print(Text(title, style="bold"), soft_wrap=True)
    if args.timeline:
        _print_timeline(run.sim, ctx)
    out.print(Text(f"Clients at {run.sim.clock.now():g}s (the horizon)", style="bold"))
    for result in run.results:
        style = "green" if client_ok(result) else "bold red"
        out.print(Text(f"  {result.name}: {result.verdict}", style=style), soft_wrap=True)
    if run.deadlock is not None:
        out.print(Text(run.deadlock, style="bold yellow"), soft_wrap=True)
    return int(run.exit_code)


def _print_timeline(sim: Simulation, ctx: CliContext) -> None:
    ctx.out.print(Text(f"Timeline ({len(sim.journal)} entries, virtual seconds)", style="italic"))
    for entry in sim.journal:
        line = Text(f"[{entry.t:9.3f}s] ")
        line.append(f"{entry.kind.value:<8} ", style=_KIND_STYLES.get(entry.kind.value, ""))
        line.append(entry.text)
        ctx.out.print(line, soft_wrap=True)


def _document(result: SimulationRun) -> dict[str, object]:
    document = result.to_dict()
    # Links into the simulated server's web portal lead nowhere: say so with null.
    for key, link in (("tasks", "web_link"), ("log", "link")):
        rows = document.get(key)
        for row in rows if isinstance(rows, list) else []:
            row[link] = None
    return document


def _labelled(progress: Callable[[Progress], None], ctx: CliContext) -> Callable[[Progress], None]:
    # The label goes out with the first line the seed script writes, so a run that never
    # starts (a bad machine) is not labelled as if it had.
    labelled = False

    def first_labelled(line: Progress) -> None:
        nonlocal labelled
        if not labelled:
            labelled = True
            ctx.err.print(Text(_SEED_LABEL, style="bold yellow"), soft_wrap=True)
        progress(line)

    return first_labelled


def _print_human(result: SimulationRun, args: argparse.Namespace, ctx: CliContext) -> None:
    out = ctx.out
    sim, report = result.sim, result.report
    from octosim.scenario import Scenario  # restart imports octosim only to simulate

    scenario = Scenario.load(result.scenario)
    description = scenario.description
    title = f"Simulation: scenario {result.scenario}, seed {result.seed}, {result.driver} driver"
    out.print(Text(title, style="bold"), soft_wrap=True)
    if description:
        out.print(Text(f"  {description}", style="italic"), soft_wrap=True)
    if scenario.rollout is not None:
        out.print(Text("  This scenario describes a rollout; this is one restart alone. Add "
                       "--rollout to run the rollout.", style="italic"), soft_wrap=True)
    if args.timeline:
        _print_timeline(sim, ctx)
    if report.procedure == "seed":
        out.print(Text(_SEED_LABEL, style="bold yellow"), soft_wrap=True)
    print_summary(report, ctx, links=False)
    truth = result.truth
    if truth is None:
        out.print(
            Text(
                f"Simulator truth: no machine {args.machine!r} in the scenario "
                f"(machines: {machine_list(sim)})",
                style="bold",
            ),
            soft_wrap=True,
        )
        return
    out.print(
        Text(
            truth.describe(report.started), style="bold green" if truth.restarted else "bold yellow"
        ),
        soft_wrap=True,
    )
    if result.false_success:
        who = "seed script" if report.procedure == "seed" else "client"
        out.print(
            Text(
                f"FALSE SUCCESS: the {who} reported '{report.outcome.value}', but no "
                "Tentacle process restarted.",
                style="bold red",
            ),
            soft_wrap=True,
        )


SIMULATE_COMMAND = Command(
    help="run the client (or the seed script) against the embedded simulator",
    configure=_configure,
    handler=_handle,
    description=(
        "Run the same restart as `run` against an in-process octosim simulation of a "
        "scenario (a preset name or a .toml file) in virtual time, then print the "
        "simulator's timeline and what really happened to the Tentacle. Exit codes as "
        "`run`'s. With --rollout, run the scenario's whole rollout instead and print each "
        "client's verdict (exit 0: all ended well; 4: one still going at the horizon; 1: "
        "one ended badly)."
    ),
    exit_codes=describe(tuple(ExitCode)),
)
