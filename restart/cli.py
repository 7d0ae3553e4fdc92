"""The shared toolkit of the ``restart-tentacle`` commands: parser helpers, output, exit
codes, signals.

Each command is its own module (:mod:`restart.run_cli`, :mod:`restart.simulate_cli`,
:mod:`restart.validate_cli`) built from these helpers, so every command reads and prints
alike; :mod:`restart.commands` lists them and holds ``main``. Commands import this module,
never the other way round.

The API key comes from ``OCTOPUS_API_KEY`` (preferred: flags show up in shell history and
process lists) or ``--api-key``. It is never printed: anything shaped like an Octopus API
key is masked in every error the CLI prints, argparse's own included.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import re
import signal
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from types import FrameType
from typing import TextIO

import httpx
from rich.console import Console
from rich.table import Table
from rich.text import Text

from octosim.cli import seed_number
from restart.exitcodes import ExitCode
from restart.policy import KNOBS, PolicyError, RestartPolicy
from restart.report import Outcome, Progress, RestartReport

__all__ = [
    "CliContext",
    "ClientFactory",
    "Command",
    "SignalWatch",
    "Terminated",
    "add_output_arguments",
    "add_policy_arguments",
    "default_streams",
    "given_policy_flags",
    "mask_keys",
    "new_parser",
    "parse",
    "policy_from_args",
    "print_error",
    "print_summary",
    "progress_printer",
    "quiet_library_logs",
    "seed_number",
    "sigterm_as_interrupt",
    "version_text",
]

ClientFactory = Callable[[str, str, RestartPolicy], httpx.Client]

# Anything shaped like an Octopus API key ("API-" and 20 or more letters and digits).
_API_KEY = re.compile(r"API-[A-Za-z0-9]{20,}", re.IGNORECASE)
_MASK = "API-********"
_STYLES = {"warning": "yellow", "error": "red", "highlight": "bold cyan", "info": ""}
_OUTCOME_STYLES = {
    Outcome.RESTARTED: "bold green",
    Outcome.NOT_RESTARTED: "bold yellow",
    Outcome.TIMED_OUT: "bold yellow",
    Outcome.FAILED: "bold red",
}
# How a policy error names each knob on the command line: its flag, or in words for the
# knobs no flag sets (a derived limit is explained by the flags that cause it).
_SPELLED = {k.name: k.flag or f"the {k.label}" for k in KNOBS} | {"instance": "--instance"}
# Progress levels shown only with -v/--verbose: the procedure's requests and retries.
_VERBOSE_LEVELS = frozenset({"debug"})


@dataclass
class CliContext:
    """Everything a command may touch besides its arguments: seams for tests.

    ``shown`` collects the progress lines printed so far, so an error that a progress line
    already stated is not printed a second time.
    """

    env: Mapping[str, str]
    client_factory: ClientFactory
    clock: Callable[[], float]
    sleep: Callable[[float], None]
    stdout: TextIO
    out: Console
    err: Console
    shown: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Command:
    """A command: ``configure`` adds its arguments, ``handler`` runs it and returns the
    exit code. ``exit_codes`` (:func:`restart.exitcodes.describe`'s words) ends ``--help``."""

    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    handler: Callable[[argparse.Namespace, CliContext], int]
    description: str
    exit_codes: str


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: handled as Ctrl-C (cleanup first), then the process exits 143."""


@dataclass
class SignalWatch:
    """What :func:`sigterm_as_interrupt` saw: a run turns the interrupt into its report, so
    the CLI learns from here that it was SIGTERM and not Ctrl-C."""

    terminated: bool = False


def version_text() -> str:
    """``restart-tentacle X.Y.Z`` for ``--version``."""
    try:
        number = version("octosim")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree
        number = "unknown"
    return f"restart-tentacle {number}"


def new_parser(prog: str, **kwargs: object) -> argparse.ArgumentParser:
    """An argparse parser that never abbreviates flags: a prefix such as ``--machine``
    must not silently mean ``--machine-timeout``."""
    return argparse.ArgumentParser(prog=prog, allow_abbrev=False, **kwargs)  # type: ignore[arg-type]


def mask_keys(text: str) -> str:
    """``text`` with everything shaped like an Octopus API key replaced by a mask."""
    return _API_KEY.sub(_MASK, text)


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[SignalWatch]:
    """While inside, SIGTERM raises :class:`Terminated` (a KeyboardInterrupt), so the
    cleanup Ctrl-C gets (cancel what the run created) also runs when CI, ``timeout`` or a
    container stop ends the process. Does nothing outside the main thread."""
    watch = SignalWatch()
    previous = signal.getsignal(signal.SIGTERM)

    def terminate(signum: int, frame: FrameType | None) -> None:
        watch.terminated = True
        raise Terminated

    try:
        signal.signal(signal.SIGTERM, terminate)
    except ValueError:  # not the main thread: leave signals alone
        yield watch
        return
    try:
        yield watch
    finally:
        signal.signal(signal.SIGTERM, previous)


def parse(
    parser: argparse.ArgumentParser, argv: list[str] | None, out: TextIO, err: TextIO
) -> argparse.Namespace | int:
    """Parse ``argv``; return the namespace, or the exit code of ``--help``/``--version``
    (0) or a usage error (2). argparse's error text is masked for API keys: a key typed by
    mistake as a positional or a URL is echoed by it."""
    captured = io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(captured):
            return parser.parse_args(argv)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else int(ExitCode.USAGE)
    finally:
        err.write(mask_keys(captured.getvalue()))


# -- policy flags ---------------------------------------------------------------------------
def _knob_type(parse: Callable[[str], float | int]) -> Callable[[str], float | int]:
    def read(text: str) -> float | int:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return read


def add_policy_arguments(parser: argparse.ArgumentParser) -> None:
    """Add one flag per knob of :data:`restart.policy.KNOBS` that has one (all optional: a
    flag left out keeps the policy's default, so the defaults live in one place).
    ``--instance`` is not among them: each command puts it in its own group."""
    timing = parser.add_argument_group("policy (defaults are the seed script's)")
    defaults = RestartPolicy()
    for k in KNOBS:
        if k.flag is None:
            continue
        unit = " s" if k.unit == "seconds" else ""
        timing.add_argument(
            k.flag,
            dest=k.name,
            type=_knob_type(k.parse),
            metavar="N",
            help=f"{k.help} [{getattr(defaults, k.name):g}{unit}]",
        )


def given_policy_flags(args: argparse.Namespace) -> list[str]:
    """The policy flags given on the command line, spelled as typed (``--deadline``)."""
    flags = [k.flag for k in KNOBS if k.flag and getattr(args, k.name, None) is not None]
    if getattr(args, "instance", None) is not None:
        flags.append("--instance")
    return flags


def policy_from_args(args: argparse.Namespace) -> RestartPolicy:
    """The policy the flags describe. Raises PolicyError whose message names the flags."""
    overrides = {
        k.name: getattr(args, k.name)
        for k in KNOBS
        if k.flag and getattr(args, k.name, None) is not None
    }
    if getattr(args, "instance", None) is not None:
        overrides["instance"] = args.instance
    try:
        return RestartPolicy(**overrides)
    except PolicyError as exc:
        raise PolicyError(exc.spelled(_SPELLED).replace("{", "{{").replace("}", "}}"),
                          exc.knobs) from None


# -- output ---------------------------------------------------------------------------------
def add_output_arguments(parser: argparse.ArgumentParser) -> argparse._ArgumentGroup:
    """Add ``--json``, ``--quiet`` and ``--verbose``; return the group for a command's own."""
    output = parser.add_argument_group("output")
    output.add_argument("--json", action="store_true", help="print the report as JSON")
    noise = output.add_mutually_exclusive_group()
    noise.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    noise.add_argument(
        "--verbose", "-v", action="store_true",
        help="also print each request and retry, with the reason",
    )
    return output


def progress_printer(
    args: argparse.Namespace, ctx: CliContext, started: float, *, links: bool = True
) -> Callable[[Progress], None]:
    """The ``on_event`` callback that prints progress lines to stderr, stamped with seconds
    since ``started`` on the run's clock (nothing with ``--quiet``; the ``debug`` lines,
    each request and retry, only with ``--verbose``). ``links=False`` leaves out task links
    (a simulated server has no web portal to open)."""

    def progress(line: Progress) -> None:
        if getattr(args, "quiet", False):
            return
        if line.level in _VERBOSE_LEVELS and not getattr(args, "verbose", False):
            return
        text = Text(f"[{line.at - started:6.1f}s] ")
        text.append(mask_keys(line.text), style=_STYLES.get(line.level, ""))
        if line.link and links:
            text.append(" ")
            text.append(line.link, style=f"link {line.link}")
        ctx.shown.append(line.text)
        ctx.err.print(text, soft_wrap=True)

    return progress


def print_error(ctx: CliContext, message: str) -> None:
    """Print ``error: message`` on stderr, masked, unless a progress line already said it."""
    if any(message in line for line in ctx.shown):
        return
    ctx.err.print(Text(f"error: {mask_keys(message)}", style="bold red"), soft_wrap=True)


def print_summary(report: RestartReport, ctx: CliContext, *, links: bool = True) -> None:
    """Print the human summary of ``report`` to stdout: phases, tasks (with links unless
    ``links=False``), outcome, request and retry counts."""
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
            if links:
                line.append(t.web_link, style=f"link {t.web_link}")
            out.print(line, soft_wrap=True)
    summary = Text()
    summary.append(report.outcome.value, style=_OUTCOME_STYLES[report.outcome])
    summary.append(f" after {report.duration:.1f}s: {mask_keys(report.reason)}")
    summary.append(f"\n{report.requests} requests, {report.retries} retries")
    out.print(summary, soft_wrap=True)


def quiet_library_logs() -> None:
    """The drivers also log each progress line to the ``restart`` logger. The CLI prints
    them itself, so without a handler of its own logging's last-resort handler would print
    every warning a second time, unformatted, on stderr. A user's own logging still applies.
    """
    logger = logging.getLogger("restart")
    if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
        logger.addHandler(logging.NullHandler())


def default_streams(stdout: TextIO | None, stderr: TextIO | None) -> tuple[TextIO, TextIO]:
    """The streams to use: the given ones, else the process's."""
    return (stdout if stdout is not None else sys.stdout,
            stderr if stderr is not None else sys.stderr)
