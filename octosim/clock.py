"""The virtual clock shared by the simulated server and the client under test.

Modelled on trio's ``MockClock`` and Twisted's ``task.Clock``: time stands still until
someone sleeps, and sleeping runs every event that falls due, in time order, ties in the
order they were scheduled. A restart that takes four minutes in production therefore runs
in microseconds, and the same schedule always runs the same way.

The live server (``octosim serve``) uses the same clock, paced by real time
(:class:`PacedClock`, after trio's ``MockClock(rate=...)``): before each request it is caught
up to where real time says it should be. Since the simulation is only ever observed through
requests, running due events lazily is indistinguishable from running them on a timer, and
needs no background thread.
"""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

__all__ = [
    "DEFAULT_EPOCH", "MAX_EVENTS_PER_INSTANT", "REAL_MONOTONIC", "ClockError", "PacedClock",
    "ScheduledCall", "VirtualClock",
]

#: The wall-clock instant at virtual time 0. Fixed, so journals and JSON timestamps are
#: byte-for-byte reproducible; a real-looking date keeps clients that parse dates happy.
DEFAULT_EPOCH = datetime(2024, 1, 15, 9, 0, 0, tzinfo=UTC)


#: The real monotonic clock, captured when octosim is imported. Code that patches
#: ``time.monotonic`` for a test (octosim.timepatch, time-machine, freezegun) replaces the
#: module attribute later; whatever reads this keeps real time (the live server does).
REAL_MONOTONIC: Callable[[], float] = time.monotonic

#: How many events may run at one virtual instant before the clock gives up. Real
#: schedules run a handful per instant (a task and the script effects it sets off); only a
#: callback that reschedules itself with no delay gets near this, and it would otherwise
#: never let time move again. High enough that no real scenario meets it (a whole
#: background load queued at once included), low enough to give up within seconds.
MAX_EVENTS_PER_INSTANT = 100_000


class ClockError(ValueError):
    """A request the clock cannot honour: a negative, NaN or infinite duration or time, or
    an instant that never ends (more than ``max_events_per_instant`` events at one time)."""


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
    ``max_events_per_instant``: see :data:`MAX_EVENTS_PER_INSTANT`.
    """

    def __init__(self, epoch: datetime = DEFAULT_EPOCH, *,
                 max_events_per_instant: int = MAX_EVENTS_PER_INSTANT) -> None:
        if epoch.tzinfo is None:
            raise ClockError("epoch must be timezone-aware, e.g. datetime(..., tzinfo=UTC)")
        if max_events_per_instant < 1:
            raise ClockError(f"max_events_per_instant must be at least 1, not "
                             f"{max_events_per_instant!r}")
        self.epoch = epoch
        self.max_events_per_instant = max_events_per_instant
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
        events in time order; events they schedule at or before ``when`` run too.

        Raises ClockError when more than ``max_events_per_instant`` events run at one
        virtual time (something keeps rescheduling itself with no delay), naming the
        callback that went over; time stays at that instant.
        """
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
            limit = self.max_events_per_instant
            instant, ran = self._now, 0
            while heap and heap[0][0] <= when:
                t, _, call = heapq.heappop(heap)
                if call.cancelled:
                    continue
                if t > instant:
                    instant, ran = t, 0
                ran += 1
                if ran > limit:
                    raise ClockError(
                        f"more than {limit} events at virtual time {instant:g}: "
                        f"{_describe(call.callback)} keeps rescheduling itself with no delay, "
                        "so time can never move on (a zero duration or interval in the "
                        "scenario?)"
                    )
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


class PacedClock:
    """A :class:`VirtualClock` paced by real time: ``rate`` virtual seconds pass per real
    second (trio's ``MockClock(rate=...)``), counted from :meth:`anchor`.

    Nothing runs on a timer: :meth:`catch_up` advances the virtual clock to where real time
    says it should be, running what fell due; call it before observing the simulation.
    ``real`` is the real clock (:data:`REAL_MONOTONIC`, so patched time never paces it;
    replaceable so tests need no real waiting).

    Raises ClockError for a rate that is not a positive, finite number.
    """

    def __init__(self, clock: VirtualClock, *, rate: float = 1.0,
                 real: Callable[[], float] = REAL_MONOTONIC) -> None:
        if not (rate > 0 and math.isfinite(rate)):
            raise ClockError(f"rate must be a positive number of virtual seconds per real "
                             f"second, not {rate!r}")
        self.clock = clock
        self.real = real
        self._rate = float(rate)
        self._real_base = 0.0
        self._virtual_base = 0.0
        self.anchor()

    @property
    def rate(self) -> float:
        """Virtual seconds per real second. Setting it keeps the time reached so far."""
        return self._rate

    @rate.setter
    def rate(self, rate: float) -> None:
        if not (rate > 0 and math.isfinite(rate)):
            raise ClockError(f"rate must be a positive number of virtual seconds per real "
                             f"second, not {rate!r}")
        self.catch_up()
        self.anchor()
        self._rate = float(rate)

    def anchor(self) -> None:
        """Follow real time from now on, from the current virtual time: real time that
        passed before (a server starting) does not count."""
        self._real_base = self.real()
        self._virtual_base = self.clock.now()

    def virtual_now(self) -> float:
        """Return the virtual time real time says it is (without running anything)."""
        return self._virtual_base + (self.real() - self._real_base) * self._rate

    def catch_up(self) -> None:
        """Advance the virtual clock to :meth:`virtual_now`, running every event due by
        then. Raises ClockError as :meth:`VirtualClock.advance_to` does."""
        self.clock.advance_to(self.virtual_now())

    def real_seconds(self, virtual: float) -> float:
        """Return how many real seconds ``virtual`` seconds take at this rate."""
        return virtual / self._rate

    def __repr__(self) -> str:
        return f"PacedClock(rate={self._rate:g}, clock={self.clock!r})"


def _describe(callback: object, depth: int = 0) -> str:
    # A qualname says where the callback was written ("HealthExecutor.start.<locals>.tick");
    # a partial or a callable object has none, and its repr is the best we have. A wrapper
    # closure (a task's guard around its own callback) names little: name what it wraps too.
    name = getattr(callback, "__qualname__", None)
    if not isinstance(name, str):
        return repr(callback)
    module = getattr(callback, "__module__", None)
    text = f"{module}.{name}" if isinstance(module, str) else name
    wrapped = getattr(callback, "__wrapped__", None)
    if wrapped is None:
        cells = getattr(callback, "__closure__", None) or ()
        wrapped = next((cell.cell_contents for cell in cells
                        if _is_function(_cell_value(cell))), None)
    if wrapped is not None and wrapped is not callback and depth == 0:
        text += f" (wrapping {_describe(wrapped, depth + 1)})"
    return text


def _cell_value(cell: object) -> object:
    try:
        return getattr(cell, "cell_contents", None)
    except ValueError:  # an empty cell
        return None


def _is_function(value: object) -> bool:
    # Functions, bound methods and partials, not the objects a closure also captures
    # (a task run, a clock) that merely happen to be callable.
    return hasattr(value, "__code__") or hasattr(value, "__func__") or hasattr(value, "func")


def _check_duration(seconds: float, what: str) -> None:
    if not math.isfinite(seconds) or seconds < 0:
        raise ClockError(
            f"{what} of {seconds!r} seconds is not allowed: use a finite number >= 0"
        )
