"""virtual_time(): code calling time.* directly runs on the simulation's clock."""

from __future__ import annotations

import importlib
import os
import sys
import textwrap
import threading
import time
import types
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from octosim.clock import DEFAULT_EPOCH, ClockError, VirtualClock
from octosim.timepatch import VirtualTimeError, virtual_time


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


def _user_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str,
                 source: str) -> types.ModuleType:
    """Import ``source`` as a module of the user's own code (a file outside site-packages)."""
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, name, raising=False)
    return importlib.import_module(name)


def test_a_datetime_deadline_is_honoured_in_virtual_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = _user_module(tmp_path, monkeypatch, "deadline_script", """
        import time
        from datetime import date, datetime, timedelta, timezone

        def wait(poll):
            deadline = datetime.now() + timedelta(seconds=3)
            polls = 0
            while datetime.now() < deadline:
                polls += 1
                poll()
                time.sleep(1)
            return polls

        def stamps():
            return datetime.now(timezone.utc), datetime.utcnow(), date.today()
    """)
    clock = VirtualClock()
    with virtual_time(clock):
        assert script.wait(lambda: None) == 3  # not thousands: the deadline moved on
        aware, naive_utc, today = script.stamps()
    assert clock.now() == 3
    assert aware == DEFAULT_EPOCH + timedelta(seconds=3)
    assert naive_utc == (DEFAULT_EPOCH + timedelta(seconds=3)).replace(tzinfo=None)
    assert today == DEFAULT_EPOCH.date()
    assert datetime.now(UTC) > DEFAULT_EPOCH + timedelta(days=365)  # real again


def test_from_time_import_sleep_and_default_arguments_are_honoured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = _user_module(tmp_path, monkeypatch, "sleepy_script", """
        import time
        from time import monotonic, sleep

        def imported():
            sleep(30)
            return monotonic()

        def defaulted(pause=time.sleep, *, now=time.perf_counter):
            pause(20)
            return now()

        class Poller:
            def wait(self, pause=time.sleep):
                pause(10)
    """)
    clock = VirtualClock()
    started = time.perf_counter()
    with virtual_time(clock):
        assert script.imported() == pytest.approx(1000 + 30)
        assert script.defaulted() == pytest.approx(1000 + 50)
        script.Poller().wait()
    assert clock.now() == 60
    assert time.perf_counter() - started < 5  # not 60 real seconds
    # Restored: the script's names and defaults are the real functions again.
    assert script.sleep is time.sleep and script.monotonic is time.monotonic
    assert script.defaulted.__defaults__ == (time.sleep,)
    assert script.defaulted.__kwdefaults__ == {"now": time.perf_counter}


def test_a_thread_the_test_starts_keeps_real_time() -> None:
    clock = VirtualClock()
    seen: dict[str, float] = {}

    def other_thread() -> None:
        start = time.monotonic()
        time.sleep(0.01)  # a real sleep: the virtual clock does not move
        seen.update(elapsed=time.monotonic() - start, wall=time.time(),
                    now=datetime.now(UTC).timestamp())

    with virtual_time(clock):
        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join(timeout=5)
        assert time.time() == DEFAULT_EPOCH.timestamp()  # the test's thread: virtual
    assert not worker.is_alive()
    assert clock.now() == 0
    assert 0.005 < seen["elapsed"] < 5
    real_now = datetime.now(UTC).timestamp()
    assert abs(seen["wall"] - real_now) < 60 and abs(seen["now"] - real_now) < 60


def test_a_live_server_stops_at_once_after_a_request_made_in_virtual_time() -> None:
    # The old hang: uvicorn's loop read the patched time.monotonic and its shutdown waited
    # on a clock that never moved.
    import httpx

    from octosim.server import LiveServer
    from octosim.simulation import Simulation

    served = Simulation()
    server = LiveServer(served).start()  # as octopus_server is, before octopus_time
    with virtual_time(VirtualClock()):
        thread = next(t for t in threading.enumerate() if t.name == f"octosim-serve-{server.port}")
        answer = httpx.get(f"{server.url}/api/Spaces-1/machines",
                           headers={"X-Octopus-ApiKey": served.api_key})
        started = os.times().elapsed  # real time: the test's own clocks are virtual here
        server.stop()
        took = os.times().elapsed - started
    assert answer.status_code == 200
    assert took < 1.0
    assert not thread.is_alive()


def test_two_clocks_at_once_fail_naming_the_fixtures() -> None:
    with virtual_time(VirtualClock(), owner="octopus_time"), pytest.raises(
        VirtualTimeError, match=r"another simulation's clock \(started by octopus_time\)"
    ), virtual_time(VirtualClock()):
        pass
    clock = VirtualClock()
    with virtual_time(clock), virtual_time(clock):  # the same clock twice is harmless
        time.sleep(1)
    assert clock.now() == 1


def test_a_plain_asyncio_loop_keeps_real_time_instead_of_hanging() -> None:
    import asyncio

    clock = VirtualClock()
    with virtual_time(clock):
        # Its timers are real: with the frozen virtual clock it would wait forever.
        asyncio.run(asyncio.wait_for(asyncio.sleep(0.01), timeout=5))
        assert time.monotonic() == 1000.0  # the test's own reads are still virtual
    assert clock.now() == 0
