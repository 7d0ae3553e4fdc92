"""Run code that calls ``time.sleep`` / ``time.monotonic`` / ``time.time`` in virtual time.

For scripts not written to take a clock: inside :func:`virtual_time`, the ``time`` module's
functions read and advance a simulation's :class:`~octosim.clock.VirtualClock`, so a script
that sleeps 30 seconds between polls runs instantly and sees the simulated server move on.

It patches attributes of the ``time`` module, so it reaches code that calls ``time.sleep(...)``
but not code that did ``from time import sleep`` before the patch (that name is bound to
the real function); pass such modules in ``also`` to patch their names too.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from types import ModuleType
from unittest import mock

from octosim.clock import VirtualClock

__all__ = ["virtual_time"]

#: The monotonic and perf counters start here rather than at 0, as real ones do not start
#: at 0 either: code that treats 0 as "unset" keeps working.
_COUNTER_BASE = 1_000.0


@contextmanager
def virtual_time(
    clock: VirtualClock, *, also: tuple[ModuleType, ...] = ()
) -> Iterator[VirtualClock]:
    """Patch ``time.sleep``, ``time.monotonic``, ``time.perf_counter``, ``time.time`` (and
    their ``_ns`` forms) to use ``clock`` for the duration of the ``with`` block; yield the
    clock. ``time.sleep`` advances the clock (running due simulation events); the readers
    never move it. ``also``: modules whose own ``sleep``/``monotonic``/``time`` names (from
    ``from time import ...``) should be patched as well.

    Raises ClockError from ``time.sleep`` for a negative, NaN or infinite duration (the
    real one raises ValueError for negatives; ClockError is a ValueError).
    """

    def sleep(seconds: float) -> None:
        clock.sleep(seconds)

    def counter() -> float:
        return _COUNTER_BASE + clock.now()

    def counter_ns() -> int:
        return int(counter() * 1e9)

    def wall() -> float:
        return clock.wall().timestamp()

    def wall_ns() -> int:
        return int(wall() * 1e9)

    replacements = {
        "sleep": sleep,
        "monotonic": counter,
        "monotonic_ns": counter_ns,
        "perf_counter": counter,
        "perf_counter_ns": counter_ns,
        "time": wall,
        "time_ns": wall_ns,
    }
    real = {name: getattr(time, name) for name in replacements}
    with ExitStack() as stack:
        for name, fake in replacements.items():
            stack.enter_context(mock.patch.object(time, name, fake))
        for module in also:
            # Only names bound to the real time functions: a module's own ``sleep`` helper
            # that merely shares the name is left alone.
            for name, fake in replacements.items():
                if getattr(module, name, None) is real[name]:
                    stack.enter_context(mock.patch.object(module, name, fake))
        yield clock
