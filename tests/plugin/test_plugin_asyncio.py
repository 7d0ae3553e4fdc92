"""asyncio in virtual time through the fixtures: octopus_loop, pytest-asyncio's
event_loop_policy, anyio's loop_factory; and one simulation behind two doors."""

from __future__ import annotations

import pytest

ASYNCIO_INI = """
[pytest]
asyncio_default_fixture_loop_scope = function
"""


def test_octopus_loop_interleaves_concurrent_pollers(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import asyncio

        def test_pollers(octopus, octopus_loop):
            seen = []

            async def poller(name, every, times):
                for _ in range(times):
                    seen.append((octopus_loop.time(), name))
                    await asyncio.sleep(every)

            async def both():
                await asyncio.gather(poller("a", 5, 3), poller("b", 3, 4))
                octopus_loop.call_later(7, seen.append, (octopus.clock.now() + 7, "later"))
                await asyncio.sleep(8)

            octopus_loop.run_until_complete(both())
            assert seen == [(0, "a"), (0, "b"), (3, "b"), (5, "a"), (6, "b"), (9, "b"),
                            (10, "a"), (22, "later")]
            assert octopus.clock.now() == 23  # gather ends with a's last sleep, at 15
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_pytest_asyncio_runs_on_the_simulation_clock(pytester: pytest.Pytester) -> None:
    pytester.makeini(ASYNCIO_INI)
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture
        def event_loop_policy(octopus_loop_policy):
            return octopus_loop_policy
        """
    )
    pytester.makepyfile(
        """
        import asyncio
        import time

        import pytest

        @pytest.mark.asyncio
        async def test_wait_for_times_out_in_virtual_time(octopus, octopus_async_client):
            started = time.perf_counter()
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(asyncio.sleep(3600), timeout=90)
            assert octopus.clock.now() == 90
            answer = await octopus_async_client.get("/api/Spaces-1/machines")
            assert answer.status_code == 200
            assert time.perf_counter() - started < 5  # not 90 real seconds

        @pytest.mark.asyncio
        async def test_asyncio_timeout(octopus):
            async with asyncio.timeout(30):
                await asyncio.sleep(29)
            assert octopus.clock.now() == 29
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_anyio_runs_on_the_simulation_clock(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import pytest
        from octosim.aio import loop_factory

        @pytest.fixture
        def anyio_backend(octopus):
            return "asyncio", {"loop_factory": loop_factory(octopus.clock)}
        """
    )
    pytester.makepyfile(
        """
        import anyio
        import pytest

        @pytest.mark.anyio
        async def test_anyio_sleep(octopus):
            with anyio.move_on_after(10):
                await anyio.sleep(60)
            assert octopus.clock.now() == 10
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_octopus_time_and_octopus_server_share_one_clock(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import time

        import httpx

        def test_two_doors(octopus_time, octopus_server):
            assert octopus_server.sim is octopus_time
            key = {"X-Octopus-ApiKey": octopus_time.api_key}
            created = httpx.post(f"{octopus_server.url}/api/tasks", json={"Name": "Retention"},
                                 headers=key)
            task = created.json()["Id"]
            time.sleep(30)  # virtual: the served simulation moves on at once
            live = httpx.get(f"{octopus_server.url}/api/tasks/{task}", headers=key)
            assert live.json()["State"] == "Success"
            assert octopus_time.clock.now() >= 30
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_two_clocks_by_mistake_fail_naming_the_fixtures(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from octosim.timepatch import virtual_time

        def test_two_clocks(octopus_time, octopus_factory):
            other = octopus_factory()
            with virtual_time(other.clock):
                pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*virtual time already runs on another simulation's clock "
                                 "(started by octopus_time)*octopus_time, octopus_loop and "
                                 "octopus_server all share*"])


def test_a_loop_with_no_timer_waits_for_real_io_from_a_thread() -> None:
    import asyncio
    import threading

    from octosim.aio import VirtualTimeLoop
    from octosim.clock import VirtualClock

    clock = VirtualClock()
    loop = VirtualTimeLoop(clock)

    async def wait_for_the_thread() -> str:
        done: asyncio.Future[str] = loop.create_future()
        threading.Thread(target=lambda: loop.call_soon_threadsafe(done.set_result, "ok")).start()
        return await done

    try:
        assert loop.run_until_complete(wait_for_the_thread()) == "ok"
    finally:
        loop.close()
    assert clock.now() == 0  # nothing to jump to: the loop waited for the thread's wake-up
