"""Run a script that reads the clock its own way in a simulation's virtual time.

Inside :func:`virtual_time`, for the thread that entered it and no other, every clock a
script reads is the simulation's :class:`~octosim.clock.VirtualClock`:

- the wall clock: ``time.time`` / ``time_ns``, ``datetime.now`` / ``utcnow``,
  ``date.today`` (and ``time.gmtime`` / ``localtime`` / ``strftime`` of "now");
- the counters: ``time.monotonic``, ``perf_counter`` and their ``_ns`` forms;
- ``time.sleep``, which advances the clock and runs the simulation's due events.

It reaches references taken before the block: ``from time import sleep`` and default
arguments such as ``def wait(sleep=time.sleep)``. Other threads (a live server's event loop,
a thread the test starts) keep reading real time, so a server stopped after a request made
in virtual time stops at once. In the test's thread, installed libraries see virtual time
through ``time.monotonic()``-style calls and the wall clock, but names they imported keep
the real functions (pytest's durations, for one). A plain asyncio loop keeps real time, as
its timers would never fall due on a clock that only sleeping moves (:mod:`octosim.aio`
runs asyncio in virtual time).

Why time-machine for the wall clock, and not freezegun (both researched):

- time-machine swaps the C implementations of the wall-clock functions, so every
  reference sees the change, however it was taken (aliases, default arguments, closures),
  and starting it costs nothing. freezegun scans every loaded module to replace attributes
  (missing default arguments and closures), and replaces ``datetime.datetime`` with a
  subclass, which changes the class a script sees.
- freezegun fakes ``monotonic`` and ``perf_counter``; time-machine does not. Neither patches
  ``sleep``.
- Neither can be limited to threads: freezegun's ``ignore`` matches module names on the
  call stack; time-machine asks its traveller object (``Traveller.time_ns``) for every read
  from any thread. That one method is where this module answers per thread, so the wall
  clock needs no code of our own beyond it.

The counters and ``sleep`` are what no library patches per thread, so they are rebound
here: the ``time`` module's attributes, the names user modules bound to the real functions,
and the default arguments of those modules' functions and methods. "User modules" are the
ones outside the standard library and installed packages (and outside octosim): the
project's own code and tests. For a script installed as a package, pass its module in
``also``.
"""

from __future__ import annotations

import sys
import sysconfig
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from types import FunctionType, ModuleType
from typing import Any

from octosim.clock import ClockError, VirtualClock

__all__ = ["VirtualTimeError", "virtual_time"]

#: The monotonic and perf counters start here rather than at 0, as real ones do not start
#: at 0 either: code that treats 0 as "unset" keeps working.
_COUNTER_BASE = 1_000.0

#: The real functions, captured at import (before any patch can be active).
_REAL: dict[str, Callable[..., Any]] = {
    name: getattr(time, name)
    for name in ("sleep", "monotonic", "monotonic_ns", "perf_counter", "perf_counter_ns")
}

#: Directories of code that is not the user's: the standard library and installed packages.
_NOT_USER = tuple(
    {sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")}
)


class VirtualTimeError(ClockError):
    """Virtual time asked of two clocks at once, or from two threads at once."""


@dataclass
class _Active:
    clock: VirtualClock
    thread: int
    owner: str


#: The virtual_time blocks entered and not yet left, innermost last.
_active: list[_Active] = []


@contextmanager
def virtual_time(
    clock: VirtualClock, *, also: tuple[ModuleType, ...] = (),
    lock: threading.Lock | None = None, owner: str = "virtual_time()",
) -> Iterator[VirtualClock]:
    """Run every clock the calling thread reads on ``clock`` for the ``with`` block; yield
    the clock. Sleeping advances it (running due simulation events); reading never moves it.

    ``also``: installed modules whose names bound to the real functions (``from time import
    sleep``) should be rebound too; the user's own modules are found without it. ``lock``:
    held while a sleep advances the clock, for a simulation a live server serves at the
    same time (the server's ``app.lock``). ``owner``: how errors name this block.

    Raises VirtualTimeError if virtual time is already running on another clock, or in
    another thread. ``time.sleep`` raises ClockError (a ValueError, like the real one's)
    for a negative, NaN or infinite duration.
    """
    __tracebackhide__ = True
    thread = threading.get_ident()
    if _active:
        running = _active[-1]
        if running.clock is not clock:
            raise VirtualTimeError(
                f"{owner}: virtual time already runs on another simulation's clock "
                f"(started by {running.owner}); one test reads one clock. Use the clock of "
                "the simulation the test talks to: octopus_time, octopus_loop and "
                "octopus_server all share the octopus fixture's simulation."
            )
        if running.thread != thread:
            raise VirtualTimeError(
                f"{owner}: virtual time already runs in another thread (started by "
                f"{running.owner}); only one thread's time can be virtual at once."
            )
    fakes = _fakes(clock, thread, lock)
    with ExitStack() as stack:
        stack.enter_context(_wall_clock(clock, thread))
        for name, fake in fakes.items():
            stack.callback(setattr, time, name, getattr(time, name))
            setattr(time, name, fake)
        for module in (*_user_modules(), *also):
            _rebind(module, fakes, stack)
        _active.append(_Active(clock, thread, owner))
        stack.callback(_active.pop)
        yield clock


def _fakes(clock: VirtualClock, thread: int,
           lock: threading.Lock | None) -> dict[str, Callable[..., Any]]:
    """Return the stand-ins for the real functions: virtual in ``thread``, real elsewhere."""
    real = _REAL
    get_ident = threading.get_ident

    def sleep(seconds: float) -> None:
        if get_ident() != thread:
            real["sleep"](seconds)
        elif lock is None:
            clock.sleep(seconds)
        else:
            with lock:
                clock.sleep(seconds)

    def counter(name: str) -> Callable[[], float]:
        def read() -> float:
            # A plain asyncio loop in the test's thread would wait in real time for timers
            # that virtual time, standing still, never brings due: a hang. It keeps real
            # time; octosim.aio's loop is the one that runs asyncio in virtual time.
            if get_ident() != thread or sys._getframe(1).f_globals.get("__name__") == (
                    "asyncio.base_events"):
                return float(real[name]())
            return _COUNTER_BASE + clock.now()

        return read

    def counter_ns(name: str) -> Callable[[], int]:
        def read() -> int:
            if get_ident() == thread:
                return int((_COUNTER_BASE + clock.now()) * 1e9)
            return int(real[name]())

        return read

    return {
        "sleep": sleep,
        "monotonic": counter("monotonic"), "monotonic_ns": counter_ns("monotonic_ns"),
        "perf_counter": counter("perf_counter"),
        "perf_counter_ns": counter_ns("perf_counter_ns"),
    }


@contextmanager
def _wall_clock(clock: VirtualClock, thread: int) -> Iterator[None]:
    import _time_machine
    import time_machine

    # A float destination: a timezone-aware one would make time-machine set TZ for the
    # whole process.
    travel = time_machine.travel(clock.wall().timestamp(), tick=False)
    traveller = travel.start()
    original_ns: Callable[[], int] = _time_machine.original_time_ns

    def time_ns() -> int:
        if threading.get_ident() != thread:
            return original_ns()
        return round(clock.wall().timestamp() * 1e6) * 1000

    traveller.time_ns = time_ns  # type: ignore[method-assign]
    try:
        yield
    finally:
        travel.stop()


def _user_modules() -> list[ModuleType]:
    """Return the loaded modules that are the user's own code (see the module docstring)."""
    return [module for name, module in list(sys.modules.items()) if _is_user(name, module)]


#: Where each loaded module's code lives does not change: decide once per module object.
_USER: dict[int, tuple[ModuleType, bool]] = {}


def _is_user(name: str, module: ModuleType) -> bool:
    known = _USER.get(id(module))
    if known is not None and known[0] is module:
        return known[1]
    path = getattr(module, "__file__", None)
    user = bool(path) and name.partition(".")[0] != "octosim" and not str(path).startswith(
        _NOT_USER)
    _USER[id(module)] = (module, user)
    return user


def _rebind(module: ModuleType, fakes: dict[str, Callable[..., Any]],
            stack: ExitStack) -> None:
    """Point ``module``'s names and default arguments that hold a real function at its fake,
    registering the undo on ``stack``."""
    swap = {id(real): fakes[name] for name, real in _REAL.items()}
    namespace = vars(module)
    functions: list[FunctionType] = []
    for name, value in list(namespace.items()):
        if id(value) in swap:  # the real functions live forever: their ids are theirs
            stack.callback(namespace.__setitem__, name, value)
            namespace[name] = swap[id(value)]
        elif isinstance(value, FunctionType) and value.__module__ == module.__name__:
            functions.append(value)
        elif isinstance(value, type) and value.__module__ == module.__name__:
            functions.extend(v for v in vars(value).values() if isinstance(v, FunctionType))
    for function in functions:
        defaults = function.__defaults__
        if defaults and any(id(d) in swap for d in defaults):
            stack.callback(setattr, function, "__defaults__", defaults)
            function.__defaults__ = tuple(swap.get(id(d), d) for d in defaults)
        kwdefaults = function.__kwdefaults__
        if kwdefaults and any(id(d) in swap for d in kwdefaults.values()):
            stack.callback(setattr, function, "__kwdefaults__", kwdefaults)
            function.__kwdefaults__ = {k: swap.get(id(d), d) for k, d in kwdefaults.items()}
