"""The virtual clock shared by the simulated server and the client under test.

Modelled on trio's ``MockClock`` and Twisted's ``task.Clock``: time stands still until
someone sleeps, and sleeping runs every event that falls due, in time order, ties in the
order they were scheduled. A restart that takes four minutes in production therefore runs
in microseconds, and the same schedule always runs the same way.

The live server (``octosim serve``) uses the same clock and *catches it up* to a scaled
real time before each request (:meth:`VirtualClock.advance_to`); since the simulation is only
ever observed through requests, running due events lazily is indistinguishable from running
them on a timer, and needs no background thread.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

__all__ = ["DEFAULT_EPOCH", "ClockError", "ScheduledCall", "VirtualClock"]

#: The wall-clock instant at virtual time 0. Fixed, so journals and JSON timestamps are
#: byte-for-byte reproducible; a real-looking date keeps clients that parse dates happy.
DEFAULT_EPOCH = datetime(2024, 1, 15, 9, 0, 0, tzinfo=UTC)


class ClockError(ValueError):
    """A request the clock cannot honour: a negative, NaN or infinite duration or time."""


@dataclass(eq=False, slots=True)
class ScheduledCall:
    """A handle on one scheduled callback; :meth:`cancel` it to stop it from running."""

    when: float
    callback: Callable[[], object]
    cancelled: bool = field(default=False)

    def cancel(self) -> None:
        """Stop the callback from running. Cancelling twice, or after it ran, is harmless."""
        self.cancelled = True


class VirtualClock:
    """Seconds since the simulation started, advanced only by :meth:`sleep` / :meth:`advance_to`.

    ``epoch`` maps virtual time to wall-clock time for JSON timestamps (:meth:`wall`).
    """

    def __init__(self, epoch: datetime = DEFAULT_EPOCH) -> None:
        if epoch.tzinfo is None:
            raise ClockError("epoch must be timezone-aware, e.g. datetime(..., tzinfo=UTC)")
        self.epoch = epoch
        self._now = 0.0
        self._seq = 0
        # (when, sequence, call): the sequence number keeps ties in scheduling order.
        self._heap: list[tuple[float, int, ScheduledCall]] = []
        self._running = False

    def now(self) -> float:
        """Return the current virtual time in seconds (starts at 0.0, never decreases)."""
        return self._now

    def wall(self, t: float | None = None) -> datetime:
        """Return the wall-clock datetime (UTC) of virtual time ``t`` (default: now)."""
        return self.epoch + timedelta(seconds=self._now if t is None else t)

    def call_at(self, when: float, callback: Callable[[], object]) -> ScheduledCall:
        """Schedule ``callback`` at virtual time ``when``; a time in the past runs at the next
        advance. Returns a handle that can cancel it. Raises ClockError for NaN/inf."""
        if not math.isfinite(when):
            raise ClockError(f"cannot schedule at {when!r}: the time must be a finite number")
        call = ScheduledCall(float(max(when, self._now)), callback)
        self._seq += 1
        heapq.heappush(self._heap, (call.when, self._seq, call))
        return call

    def call_later(self, delay: float, callback: Callable[[], object]) -> ScheduledCall:
        """Schedule ``callback`` ``delay`` seconds from now. Raises ClockError if the delay
        is negative, NaN or infinite."""
        _check_duration(delay, "delay")
        return self.call_at(self._now + delay, callback)

    def sleep(self, seconds: float) -> None:
        """Advance time by ``seconds``, running every event that falls due on the way.

        Raises ClockError for a negative, NaN or infinite duration.
        """
        _check_duration(seconds, "sleep")
        self.advance_to(self._now + seconds)

    def advance_to(self, when: float) -> None:
        """Advance to virtual time ``when`` (no-op if it is not later than now), running due
        events in time order; events they schedule at or before ``when`` run too."""
        if not math.isfinite(when):
            raise ClockError(f"cannot advance to {when!r}: the time must be a finite number")
        if self._running:
            # A callback that sleeps would re-enter the loop and run later events before
            # the current one finishes; time would appear to jump inside one event.
            raise ClockError("an event callback cannot sleep or advance the clock")
        when = float(max(when, self._now))
        self._running = True
        try:
            heap = self._heap
            while heap and heap[0][0] <= when:
                t, _, call = heapq.heappop(heap)
                if call.cancelled:
                    continue
                self._now = max(self._now, t)
                call.cancelled = True  # ran: a later cancel() is a harmless no-op
                call.callback()
            self._now = when
        finally:
            self._running = False

    def run_until_idle(self, limit: float = math.inf) -> None:
        """Run every scheduled event up to virtual time ``limit`` and stop at the last one.

        Unlike :meth:`advance_to`, time ends at the last event run, not at ``limit``.
        """
        while True:
            nxt = self.next_event_time()
            if nxt is None or nxt > limit:
                return
            self.advance_to(nxt)

    def next_event_time(self) -> float | None:
        """Return the time of the earliest pending event, or None when nothing is scheduled."""
        heap = self._heap
        while heap and heap[0][2].cancelled:
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    @property
    def pending(self) -> int:
        """The number of events still scheduled (cancelled ones excluded)."""
        return sum(1 for _, _, call in self._heap if not call.cancelled)

    def __repr__(self) -> str:
        return f"VirtualClock(now={self._now:.3f}, pending={self.pending})"


def _check_duration(seconds: float, what: str) -> None:
    if not math.isfinite(seconds) or seconds < 0:
        raise ClockError(
            f"{what} of {seconds!r} seconds is not allowed: use a finite number >= 0"
        )
