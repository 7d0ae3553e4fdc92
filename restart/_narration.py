"""What every restart procedure keeps while it runs: progress lines and timed phases.

The procedure and the seed port both narrate (the seed's Write-Host lines, the client's
progress) and both time their phases for the report; this base class is that bookkeeping,
once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from restart._stepper import GeneratorProcedure
from restart.report import Phase, Progress

__all__ = ["NarratedProcedure", "clause"]


def clause(message: str) -> str:
    """Return Octopus's ``message`` ready to sit inside one of our sentences: stripped, and
    without its own full stop (``ended Failed: No more retries will be attempted.`` would
    otherwise end in ``..``). An ellipsis is kept."""
    text = message.strip()
    if text.endswith(".") and not text.endswith("..."):
        text = text[:-1]
    return text


class NarratedProcedure(GeneratorProcedure):
    """A :class:`GeneratorProcedure` that records progress lines (passing each to
    ``on_progress``) and the phases it went through, on the driver's clock; ``wall_clock``
    (UTC, from the driver) dates the report."""

    def __init__(
        self,
        on_progress: Callable[[Progress], None] | None = None,
        wall_clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__()
        self._on_progress = on_progress
        self._wall_clock = wall_clock
        self._log: list[Progress] = []
        self._phases: list[Phase] = []
        self._phase_name: str | None = None
        self._phase_start = 0.0
        #: When the run began, on the driver's clock, and on the wall clock (None without
        #: one): both set by :meth:`_begin`, for the report.
        self._started = 0.0
        self._started_at: datetime | None = None

    def _begin(self) -> None:
        """Note now as the run's start. A body calls it first, before any action."""
        self._started = self.now
        self._started_at = self._wall_now()

    def _emit(self, text: str, level: str = "info", link: str | None = None) -> None:
        line = Progress(self.now, level, text, link)
        if level != "verbose":  # requests and retries: for -v, too many for the report
            self._log.append(line)
        if self._on_progress is not None:
            self._on_progress(line)

    def _wall_now(self) -> datetime | None:
        """The wall-clock moment now, from the driver's ``wall_clock`` (None without one).
        Read once per run, at the start: the report dates its times from it."""
        return self._wall_clock() if self._wall_clock is not None else None

    def _phase(self, name: str | None) -> None:
        """End the current phase (if any) now and begin ``name`` (None: begin nothing)."""
        if self._phase_name is not None:
            self._phases.append(Phase(self._phase_name, self._phase_start, self.now))
        self._phase_name, self._phase_start = name, self.now
