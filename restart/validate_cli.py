"""``restart-tentacle validate``: the command line on top of :func:`restart.validate.validate`.

Exit codes: 0 every scenario passed (the target met where success is possible, no false
success, every run by its deadline; impossible scenarios failed cleanly), or the rollout of
a fleet scenario did (:mod:`restart.validate_fleet`); 1 some scenario (or the rollout) did
not; 2 bad input (``restart.exitcodes.ExitCode.USAGE``), with a message saying what
to do; 130 interrupted (Ctrl-C); 143 terminated (SIGTERM). Output: tables and a verdict on
stdout (or ``--json``), the progress bar on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
from concurrent.futures import Executor
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from restart.cli import (
    CliContext,
    Command,
    add_output_arguments,
    add_policy_arguments,
    policy_from_args,
    print_error,
    seed_number,
)
from restart.errors import ConfigurationError
from restart.exitcodes import ExitCode, describe
from restart.policy import RestartPolicy
from restart.validate import (
    DEFAULT_RECOMMEND_RUNS,
    DEFAULT_RUNS,
    DEFAULT_TARGET,
    ValidationResult,
    load_scenarios,
    subjects,
    validate,
)
from restart.validate_fleet import (
    DEFAULT_FLEET_RECOMMEND_RUNS,
    DEFAULT_FLEET_RUNS,
    FleetValidation,
    fleet_scenario,
    validate_fleet,
)

if TYPE_CHECKING:
    from octosim.scenario import Scenario

__all__ = ["EXIT_FAILED", "EXIT_PASSED", "EXIT_USAGE", "VALIDATE_COMMAND"]

EXIT_PASSED = 0
EXIT_FAILED = 1
EXIT_USAGE = int(ExitCode.USAGE)


class _Usage(Exception):
    """Bad input: the message says what to do instead."""


def _configure(parser: argparse.ArgumentParser) -> None:
    what = parser.add_argument_group("what to run")
    what.add_argument(
        "--scenario", action="append", dest="scenarios", metavar="NAME|PATH",
        help="a preset name or a scenario .toml file; repeat for several [every restart "
             "preset: those that declare no project]",
    )
    what.add_argument("--runs", type=int, default=None,
                      help=f"runs per scenario [{DEFAULT_RUNS}; a rollout: "
                           f"{DEFAULT_FLEET_RUNS}]")
    what.add_argument("--seed", type=seed_number, default=0,
                      help="seed of run 0; run i uses seed+i [0]")
    what.add_argument("--workers", type=int, default=None,
                      help="processes to use [every CPU]; 1 runs in this process")
    what.add_argument("--dask", metavar="SCHEDULER",
                      help="run on the Dask cluster whose scheduler is at this address "
                           "(tcp://host:8786); needs the dask extra")
    what.add_argument("--compare-seed-script", action="store_true",
                      help="also run the seed script's algorithm on the same seeds")
    what.add_argument("--machine", action="append", dest="machines", metavar="NAME",
                      help="restart only this machine of each scenario; repeat for several "
                           "[every machine, each judged on its own]")
    what.add_argument("--instance", help="restart only this named Tentacle instance")
    judge = parser.add_argument_group("judging")
    judge.add_argument("--target", type=float, default=DEFAULT_TARGET,
                       help=f"success rate each scenario must reach, in (0, 1] "
                            f"[{DEFAULT_TARGET:g}]")
    judge.add_argument("--no-recommend", action="store_true",
                       help="skip the search for the smallest health window and wait")
    judge.add_argument("--recommend-runs", type=int, default=None,
                       help=f"real runs that check each recommended value, at most --runs "
                            f"[{DEFAULT_RECOMMEND_RUNS}; a rollout: "
                            f"{DEFAULT_FLEET_RECOMMEND_RUNS}]")
    # The same policy flags as `restart-tentacle run`, so a policy validated here is
    # pasted there unchanged.
    add_policy_arguments(parser)
    output = add_output_arguments(parser)
    output.add_argument("--plot", metavar="FILE.png",
                        help="draw run durations against the deadline (needs the plot "
                             "extra); for a rollout, the worst run's task slots (PNG or SVG)")
    output.add_argument("--plot-seed", type=int, metavar="N",
                        help="with --plot for a rollout: draw the run of this seed instead "
                             "of the worst")


def _policy(args: argparse.Namespace) -> RestartPolicy:
    try:
        return policy_from_args(args)
    except ConfigurationError as exc:
        raise _Usage(exc.message) from None


def _check_plot_path(path: str) -> None:
    # Checked before any run: minutes of simulation must not end in "cannot write".
    target = Path(path)
    folder = target.parent
    if target.is_dir():
        raise _Usage(f"--plot {path}: is a directory; give a file name such as runs.png")
    if not folder.is_dir():
        raise _Usage(f"--plot {path}: the folder {str(folder)!r} does not exist; create it "
                     "or choose another path")
    if not os.access(folder, os.W_OK):
        raise _Usage(f"--plot {path}: the folder {str(folder)!r} is not writable; choose "
                     "another path")


def _check(args: argparse.Namespace) -> None:
    if args.runs is not None and args.runs < 1:
        raise _Usage(f"--runs must be at least 1, got {args.runs}")
    if args.recommend_runs is not None and args.recommend_runs < 1:
        raise _Usage(f"--recommend-runs must be at least 1, got {args.recommend_runs}")
    if args.workers is not None and args.workers < 1:
        raise _Usage(f"--workers must be at least 1 (leave it out to use every CPU), "
                     f"got {args.workers}")
    if args.dask is not None and args.workers is not None:
        raise _Usage("--workers and --dask: choose one (with --dask the runs use every "
                     "thread of the cluster's workers)")
    if not 0.0 < args.target <= 1.0:
        raise _Usage(f"--target is a success rate in (0, 1], e.g. 0.99 for 99%, "
                     f"got {args.target:g}")
    if args.plot:
        from restart.validate_plot import PlotUnavailable, check_plot_available

        try:
            check_plot_available()
        except PlotUnavailable as exc:
            raise _Usage(str(exc)) from None
        _check_plot_path(args.plot)


def _handler(args: argparse.Namespace, ctx: CliContext) -> int:
    from octosim.scenario import ScenarioError

    try:
        _check(args)
        policy = _policy(args)
        # The same scenario named twice is run once: counting it twice would weigh it double.
        named = list(dict.fromkeys(args.scenarios)) if args.scenarios else None
        scenarios = load_scenarios(named)
        fleet = fleet_scenario(scenarios)  # a [rollout]: the fleet's verdict (issue 18)
        if fleet is None:
            subjects(scenarios, args.machines)  # a machine no scenario has: say so first
        else:
            _check_fleet(args)
        _fill_defaults(args, fleet=fleet is not None)
    except _Usage as exc:
        return _usage(ctx, str(exc))
    except (ScenarioError, ValueError) as exc:
        return _usage(ctx, str(exc))
    with ExitStack() as stack:
        try:
            executor, workers = _executor(args, stack)
        except _Usage as exc:
            return _usage(ctx, str(exc))
        try:
            with _ProgressBar(ctx, enabled=not args.quiet) as bar:
                if fleet is not None:
                    fleet_result = validate_fleet(
                        fleet, policy, runs=args.runs, seed=args.seed, workers=workers,
                        progress=bar.update, target=args.target,
                        recommend_knobs=not args.no_recommend,
                        recommend_runs=args.recommend_runs, executor=executor)
                else:
                    result = validate(
                        policy, scenarios, runs=args.runs, seed=args.seed, workers=workers,
                        compare_seed_script=args.compare_seed_script, progress=bar.update,
                        target=args.target, recommend_knobs=not args.no_recommend,
                        recommend_runs=args.recommend_runs, machines=args.machines,
                        executor=executor,
                    )
        except KeyboardInterrupt:
            # Simulated runs leave nothing behind to clean up: stop, say so, no verdict.
            ctx.err.print(Text("interrupted: no verdict", style="bold red"))
            return int(ExitCode.INTERRUPTED)
    if fleet is not None:
        code = _show_fleet(fleet_result, args, ctx)
        if args.plot:
            return _plot_fleet(fleet, policy, fleet_result, args, ctx) or code
        return code
    _show(result, args, ctx)
    if args.plot:
        from restart.validate_plot import plot

        try:
            plot(result, args.plot)
        except OSError as exc:
            # The result is already printed: only the picture is lost.
            return _usage(ctx, f"cannot write the plot to {args.plot}: {exc.strerror}")
        ctx.err.print(f"plot written to {args.plot}")
    return EXIT_PASSED if result.passed else EXIT_FAILED


def _executor(args: argparse.Namespace, stack: ExitStack) -> tuple[Executor | None, int | None]:
    """The executor and width for the runs: a Dask cluster's with ``--dask`` (connected
    here, before the progress bar, closed when ``stack`` closes), else None and
    ``--workers``. Raises _Usage when Dask is missing or its scheduler does not answer."""
    if args.dask is None:
        return None, args.workers
    from restart.validate_dask import DaskUnavailable, dask_executor

    try:
        return stack.enter_context(dask_executor(args.dask))
    except DaskUnavailable as exc:
        raise _Usage(str(exc)) from None


def _check_fleet(args: argparse.Namespace) -> None:
    # What only a lone restart has: refused before any run, saying why.
    for given, flag in ((args.compare_seed_script, "--compare-seed-script"),
                        (args.machines, "--machine")):
        if given:
            raise _Usage(f"{flag} is for lone restarts; a rollout's scenario restarts the "
                         "machines its [rollout] chooses, by the method its projects set "
                         f"(docs/validate.md, \"Fleets\"): drop {flag}")
    if args.plot:
        from restart.slot_timeline_plot import check_target

        try:
            check_target(args.plot)
        except ValueError as exc:  # UnknownFormat, a folder that cannot take it
            raise _Usage(f"--plot {args.plot}: {exc}") from None


def _fill_defaults(args: argparse.Namespace, *, fleet: bool) -> None:
    # A rollout run restarts many Tentacles and may poll for an hour of virtual time, so
    # fewer runs by default already judge more restarts than validate's 1000 lone ones.
    if args.runs is None:
        args.runs = DEFAULT_FLEET_RUNS if fleet else DEFAULT_RUNS
    if args.recommend_runs is None:
        args.recommend_runs = DEFAULT_FLEET_RECOMMEND_RUNS if fleet else DEFAULT_RECOMMEND_RUNS


def _show_fleet(result: FleetValidation, args: argparse.Namespace, ctx: CliContext) -> int:
    from restart.validate_fleet_view import fleet_verdict_text, render_fleet

    if args.json:
        document: dict[str, Any] = result.to_dict()
        document["verdict_text"] = fleet_verdict_text(result)
        ctx.stdout.write(json.dumps(document, indent=2) + "\n")
    else:
        ctx.out.print(render_fleet(result))
    return EXIT_PASSED if result.passed else EXIT_FAILED


def _plot_fleet(scenario: Scenario, policy: RestartPolicy, result: FleetValidation,
                args: argparse.Namespace, ctx: CliContext) -> int:
    """Draw the worst (or ``--plot-seed``'s) run; return 0, or the usage code when the
    picture cannot be written (the verdict is already printed: only the picture is lost)."""
    from restart.validate_fleet_plot import plot_fleet_run, worst_run

    seed, why = ((args.plot_seed, "chosen") if args.plot_seed is not None
                 else worst_run(result))
    try:
        plot_fleet_run(scenario, policy, seed, args.plot, outcome=f"seed {seed}: {why}")
    except OSError as exc:
        return _usage(ctx, f"cannot write the plot to {args.plot}: {exc.strerror}")
    ctx.err.print(f"slot timeline of seed {seed} ({why}) written to {args.plot}")
    return 0


def _show(result: ValidationResult, args: argparse.Namespace, ctx: CliContext) -> None:
    from restart.validate_view import render, verdict_text

    if args.json:
        document: dict[str, Any] = result.to_dict()
        document["verdict"] = verdict_text(result)
        ctx.stdout.write(json.dumps(document, indent=2) + "\n")
    else:
        ctx.out.print(render(result))


def _usage(ctx: CliContext, message: str) -> int:
    print_error(ctx, message)
    return EXIT_USAGE


class _ProgressBar:
    """A rich progress bar on stderr, one line per stage, advanced per finished chunk, with
    the time left at the rate so far. Shown only when stderr is a terminal: a log file or
    a pipe gets no bar (and no half-drawn lines).

    Refreshed by hand, not by rich's timer thread: the process pool forks its workers
    after the bar starts, and forking a process that runs other threads can deadlock.
    """

    def __init__(self, ctx: CliContext, *, enabled: bool) -> None:
        self._progress = Progress(
            "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), "ETA", TimeRemainingColumn(), console=ctx.err,
            auto_refresh=False, transient=False,
            disable=not (enabled and ctx.err.is_terminal),
        )
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> _ProgressBar:
        self._progress.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._progress.refresh()
        self._progress.stop()

    def update(self, stage: str, done: int, total: int) -> None:
        task = self._tasks.get(stage)
        if task is None:
            task = self._tasks[stage] = self._progress.add_task(stage, total=total)
        self._progress.update(task, completed=done, total=total)
        self._progress.refresh()


VALIDATE_COMMAND = Command(
    help="run a restart policy many times in the simulator and judge it",
    configure=_configure,
    handler=_handler,
    description=(
        "Run the restart client (with the policy given by the flags) many times against "
        "simulated Octopus servers -- by default every shipped scenario, 1000 runs each, "
        "on every CPU -- and check each report against what really happened. Prints the "
        "success rate, false successes (success reported but no restart), durations and "
        "failure reasons per scenario, the smallest health window and post-restart wait "
        "that reach --target, and a verdict. Given a scenario with a [rollout] (e.g. "
        "task-cap-deadlock), it runs the whole rollout per seed and judges it instead: "
        "verified restarts per machine, false successes, rollout time, Queued waits, "
        "deadlocks, and the settings that reach --target."
    ),
    exit_codes=describe(
        (ExitCode(0), ExitCode(1), ExitCode.USAGE, ExitCode.INTERRUPTED, ExitCode.TERMINATED),
        {ExitCode(0): "every scenario (or the rollout) passed",
         ExitCode(1): "some scenario (or the rollout) did not"},
    ),
)
