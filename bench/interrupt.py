"""Running a benchmark script so that Ctrl-C ends it with one line, not a traceback.

The scripts' own ``with`` blocks and ``finally`` clauses (servers, temporary files) run as
the interrupt unwinds through them; only then is it caught here. A restart run that Ctrl-C
interrupts returns its report instead of raising (restart's own contract: it cleans up
first), so the scripts check reports with :func:`require_ok`, which turns that report back
into the interrupt.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import NoReturn

from restart import RestartReport

__all__ = ["require_ok", "run_main"]


def require_ok(report: RestartReport) -> None:
    """Raise KeyboardInterrupt if Ctrl-C interrupted the run ``report`` is of; otherwise
    assert it succeeded (a benchmark times successful runs only)."""
    if report.interrupted:
        raise KeyboardInterrupt
    assert report.ok, report.reason


def run_main(main: Callable[[], object]) -> NoReturn:
    """Run ``main()`` and exit with its status: 0, or 130 after Ctrl-C (as a shell reports
    SIGINT), having said that the run was interrupted and printed no verdict, or 141 when
    its output's reader closed the pipe (``| head``)."""
    try:
        main()
    except KeyboardInterrupt:
        print("interrupted: the run stopped before its results (nothing was left running)",
              file=sys.stderr)
        sys.exit(130)
    except BrokenPipeError:
        # The reader went away (`| head`): what is left to print goes nowhere, and Python
        # must not complain about it at exit either (the recipe of Python's signal docs).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(141)  # as a shell reports SIGPIPE
    sys.exit(0)
