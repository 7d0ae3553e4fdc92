"""asyncio in virtual time: an event loop whose clock is a simulation's and which jumps
over idle time, as trio's ``MockClock(autojump_threshold=0)`` and looptime do.

:class:`VirtualTimeLoop` reads the time from a :class:`~octosim.clock.VirtualClock`. When
every task waits for a timer and no I/O is ready, it does not wait for real: it advances
the clock to the earliest timer (running the simulation's events due by then) and goes on.
``asyncio.sleep``, ``wait_for``, ``asyncio.timeout`` and ``call_later`` therefore run in
virtual time, and concurrent tasks interleave exactly as they would for real, in the order
of their virtual deadlines. I/O that is ready is always served first; a loop with no timer
at all waits for real I/O (a thread calling ``call_soon_threadsafe``) as usual.

Why not looptime (researched): looptime keeps its own loop time, separate from any
simulation's clock, and patches loops through its pytest plugin; the simulation's events
would still have to be run by hand at each step. Here the loop's clock *is* the
simulation's, so one clock moves both the server and the client, and the loop is a small
subclass overriding ``time()`` and the selector's wait.

Work handed to threads (``asyncio.to_thread``) runs in real time while the loop may jump
past its timers: await it before sleeping if a test depends on the order.
"""

from __future__ import annotations

import asyncio
import selectors
import threading
from collections.abc import Callable

from octosim.clock import VirtualClock

__all__ = ["VirtualTimeLoop", "VirtualTimePolicy", "loop_factory"]


class _JumpingSelector(selectors.DefaultSelector):
    """A selector that, instead of blocking until a timer is due, advances the clock."""

    def __init__(self, clock: VirtualClock, lock: threading.Lock | None) -> None:
        super().__init__()
        self._clock = clock
        self._lock = lock

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        ready = super().select(0)
        if ready or (timeout is not None and timeout <= 0):
            return ready
        if timeout is None:  # no timer at all: only I/O (another thread) can wake the loop
            return super().select(None)
        if self._lock is None:
            self._clock.sleep(timeout)
        else:
            with self._lock:
                self._clock.sleep(timeout)
        return []


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An asyncio loop on ``clock``'s virtual time (see the module docstring).

    ``lock``: held while the loop advances the clock, for a simulation a live server serves
    at the same time (its ``app.lock``).
    """

    def __init__(self, clock: VirtualClock, *, lock: threading.Lock | None = None) -> None:
        super().__init__(_JumpingSelector(clock, lock))
        self.clock = clock
        # Timers are compared with the clock exactly: virtual time has no jitter to absorb.
        self._clock_resolution = 1e-9

    def time(self) -> float:
        """Return the simulation's virtual time, in seconds."""
        return self.clock.now()


def loop_factory(clock: VirtualClock, *,
                 lock: threading.Lock | None = None) -> Callable[[], VirtualTimeLoop]:
    """Return a function making :class:`VirtualTimeLoop` s on ``clock``: for
    ``asyncio.Runner(loop_factory=...)`` and anyio's ``loop_factory`` backend option."""

    def make() -> VirtualTimeLoop:
        return VirtualTimeLoop(clock, lock=lock)

    return make


class VirtualTimePolicy(asyncio.DefaultEventLoopPolicy):
    """An event loop policy whose new loops run on ``clock``: for pytest-asyncio's
    ``event_loop_policy`` fixture."""

    def __init__(self, clock: VirtualClock, *, lock: threading.Lock | None = None) -> None:
        super().__init__()
        self._make = loop_factory(clock, lock=lock)

    def new_event_loop(self) -> asyncio.AbstractEventLoop:
        """Return a new :class:`VirtualTimeLoop` on the policy's clock."""
        return self._make()


