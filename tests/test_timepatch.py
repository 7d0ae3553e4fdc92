"""virtual_time(): code calling time.* directly runs on the simulation's clock."""

from __future__ import annotations

import time
import types

import pytest

from octosim.clock import DEFAULT_EPOCH, ClockError, VirtualClock
from octosim.timepatch import virtual_time


def test_sleep_advances_virtual_time_and_runs_events() -> None:
    clock = VirtualClock()
    fired: list[float] = []
    clock.call_later(30, lambda: fired.append(clock.now()))
    with virtual_time(clock):
        start = time.monotonic()
        time.sleep(45)
        assert time.monotonic() - start == pytest.approx(45)
        assert time.perf_counter() - start == pytest.approx(45)
        assert time.time() == pytest.approx(DEFAULT_EPOCH.timestamp() + 45)
        assert time.time_ns() // 10**9 == int(DEFAULT_EPOCH.timestamp() + 45)
    assert fired == [30.0]
    assert clock.now() == 45
    # restored: the real functions are back
    assert time.sleep.__module__ == "time" and time.monotonic.__module__ == "time"


def test_bad_sleep_raises_a_value_error_like_the_real_one() -> None:
    with virtual_time(VirtualClock()), pytest.raises(ValueError, match="finite number"):
        time.sleep(-1)
    assert issubclass(ClockError, ValueError)


def test_also_patches_names_imported_from_time() -> None:
    module = types.ModuleType("user_script")
    exec("from time import sleep, monotonic\ndef wait():\n    sleep(10)\n    return monotonic()",
         module.__dict__)
    module.sleep_helper = lambda: None  # type: ignore[attr-defined]
    clock = VirtualClock()
    with virtual_time(clock, also=(module,)):
        assert module.wait() == pytest.approx(1000.0 + 10)
    assert clock.now() == 10
    assert module.sleep is time.sleep  # restored to the real function
