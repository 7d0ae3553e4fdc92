"""The octosim fixtures (docs/pytest.md has a copy-paste example of each).

- ``octopus``: a ready :class:`~octosim.simulation.Simulation` (the configured scenario and
  seed) mounted for every httpx client in the test at its base URL.
- ``octopus_factory``: a :class:`~octosim.pytest.factory.SimulationFactory` making fresh
  simulations, one per Hypothesis example.
- ``octopus_client`` / ``octopus_async_client``: httpx clients bound to ``octopus``.
- ``octopus_clock``: the virtual clock of ``octopus``.
- ``octopus_time``: ``octopus``, with every clock the test's thread reads on its clock.
- ``octopus_loop`` / ``octopus_loop_policy``: asyncio on ``octopus``'s clock.
- ``octopus_server``: a live HTTP server on 127.0.0.1 and a free port. In a test that also
  uses ``octopus`` it serves that simulation: one simulation, two doors, one clock.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from octosim.pytest.factory import SimulationFactory

if TYPE_CHECKING:
    import threading

    import httpx

    from octosim.aio import VirtualTimeLoop, VirtualTimePolicy
    from octosim.clock import VirtualClock
    from octosim.server import LiveServer
    from octosim.simulation import Simulation

__all__ = [
    "octopus", "octopus_async_client", "octopus_client", "octopus_clock", "octopus_factory",
    "octopus_loop", "octopus_loop_policy", "octopus_server", "octopus_time",
]

#: The fixtures that hold one simulation for the whole test.
_PER_TEST_FIXTURES = (
    "octopus", "octopus_client", "octopus_async_client", "octopus_clock", "octopus_time",
    "octopus_loop", "octopus_loop_policy", "octopus_server",
)


def _refuse_inside_given(request: pytest.FixtureRequest, fixture: str) -> None:
    """Fail at once if ``request``'s test is a Hypothesis test: a per-test simulation would
    be shared by all its examples."""
    __tracebackhide__ = True
    if "hypothesis" not in sys.modules:
        return  # never imported: the test cannot be a @given test
    from hypothesis import is_hypothesis_test

    if not is_hypothesis_test(getattr(request, "function", None)):
        return
    used = [f for f in _PER_TEST_FIXTURES if f in request.fixturenames] or [fixture]
    name = getattr(request.node, "originalname", request.node.name)
    if fixture == "octopus_server":
        replacement = ("        with LiveServer(octopus_factory()) as server:  "
                       "# from octosim.server\n")
    else:
        replacement = "        with octopus_factory() as sim:  # mounted for the block\n"
    pytest.fail(
        f"{request.node.name} uses {', '.join(used)} inside @given. These fixtures are made "
        "once per test, so every Hypothesis example would share one simulation, its clock "
        "and its journal.\nMake a fresh one in each example with the octopus_factory "
        "fixture instead:\n\n"
        f"    @given(...)\n    def {name}(octopus_factory, ...):\n"
        + replacement + "            ...\n",
        pytrace=False,
    )


def _served_lock(request: pytest.FixtureRequest) -> threading.Lock | None:
    """Return the live server's lock when the test also serves ``octopus`` over HTTP:
    advancing the clock must not interleave with a request the server is handling."""
    if "octopus_server" not in request.fixturenames:
        return None
    server: LiveServer = request.getfixturevalue("octopus_server")
    return server.app.lock


@pytest.fixture(scope="session")
def octopus_factory(pytestconfig: pytest.Config) -> SimulationFactory:
    """A factory for fresh simulations: one per Hypothesis example, or several per test.

    Session-scoped because it holds no simulation: each call builds a new one with the
    settings of the test running at that moment (see :class:`SimulationFactory`).
    """
    return SimulationFactory(pytestconfig)


@pytest.fixture
def octopus(request: pytest.FixtureRequest,
            octopus_factory: SimulationFactory) -> Iterator[Simulation]:
    """A ready simulation, mounted for every httpx client in the test at its base URL.

    Fails at once inside ``@given`` (use ``octopus_factory``).
    """
    _refuse_inside_given(request, "octopus")
    with octopus_factory() as sim:
        yield sim


@pytest.fixture
def octopus_clock(octopus: Simulation) -> VirtualClock:
    """The virtual clock shared by ``octopus`` and the code under test."""
    return octopus.clock


@pytest.fixture
def octopus_time(request: pytest.FixtureRequest, octopus: Simulation) -> Iterator[Simulation]:
    """``octopus``, with every clock the test's thread reads on its virtual clock for the
    whole test: ``time.sleep``/``monotonic``/``perf_counter``/``time`` (and ``_ns``),
    ``datetime.now``/``utcnow``, ``date.today``, however the script imported them (see
    :func:`octosim.timepatch.virtual_time`). Other threads keep real time.

    With ``octopus_server`` in the same test the server serves ``octopus``, so the script
    and the server share this clock.
    """
    from octosim.timepatch import virtual_time

    with virtual_time(octopus.clock, lock=_served_lock(request), owner="octopus_time"):
        yield octopus


@pytest.fixture
def octopus_loop(request: pytest.FixtureRequest,
                 octopus: Simulation) -> Iterator[VirtualTimeLoop]:
    """An asyncio event loop on ``octopus``'s clock that jumps over idle time (see
    :mod:`octosim.aio`): ``octopus_loop.run_until_complete(main())`` in a plain test."""
    from octosim.aio import VirtualTimeLoop

    loop = VirtualTimeLoop(octopus.clock, lock=_served_lock(request))
    yield loop
    loop.close()


@pytest.fixture
def octopus_loop_policy(request: pytest.FixtureRequest,
                        octopus: Simulation) -> VirtualTimePolicy:
    """An event loop policy whose loops run on ``octopus``'s clock. Under pytest-asyncio,
    return it from an ``event_loop_policy`` fixture (docs/pytest.md, "asyncio")."""
    from octosim.aio import VirtualTimePolicy

    return VirtualTimePolicy(octopus.clock, lock=_served_lock(request))


@pytest.fixture
def octopus_client(octopus: Simulation) -> Iterator[httpx.Client]:
    """An ``httpx.Client`` bound to ``octopus`` with a valid API key."""
    with octopus.client() as client:
        yield client


@pytest.fixture
def octopus_async_client(octopus: Simulation) -> Iterator[httpx.AsyncClient]:
    """An ``httpx.AsyncClient`` bound to ``octopus`` with a valid API key.

    A plain (sync) fixture, so it works under any async test runner (anyio's
    ``@pytest.mark.anyio``, pytest-asyncio, pytest-trio) and needs no event loop of its own.
    """
    client = octopus.async_client()
    yield client
    _close_async_client(client)


def _close_async_client(client: httpx.AsyncClient) -> None:
    """Close ``client`` from synchronous code, inside or outside a running event loop.

    Raises RuntimeError if closing had to wait for I/O (a transport that is not the
    simulator's was mounted on the client).
    """
    # The simulator's transport holds no sockets, so aclose() never suspends: it runs to
    # the end on its first step. Stepping it by hand works under asyncio, trio or no loop,
    # where asyncio.run() would fail inside the test runner's running loop.
    closing = client.aclose()
    try:
        closing.send(None)
    except StopIteration:
        return
    closing.close()
    raise RuntimeError("octopus_async_client: closing the client waited for I/O; close it "
                       "yourself (async with octopus_async_client: ...) in the test")


@pytest.fixture
def octopus_server(request: pytest.FixtureRequest,
                   octopus_factory: SimulationFactory) -> Iterator[LiveServer]:
    """A live server on 127.0.0.1 and a free port; its ``url``, ``sim`` and
    ``sim.api_key`` are what a non-Python client needs. Safe under xdist.

    It serves ``octopus`` when the test uses it (directly or through ``octopus_time``,
    ``octopus_loop``, ``octopus_client`` ...): one simulation whether reached in-process or
    over HTTP, so every fixture reads one clock. Otherwise it serves a fresh simulation.
    Virtual time follows real time at the marker's ``rate`` (default 1), and also moves
    when the test sleeps in virtual time.
    """
    _refuse_inside_given(request, "octopus_server")
    from octosim.server import LiveServer

    uses_octopus = any(f in request.fixturenames for f in _PER_TEST_FIXTURES
                       if f != "octopus_server")
    sim = request.getfixturevalue("octopus") if uses_octopus else octopus_factory()
    rate = octopus_factory.settings.rate
    with LiveServer(sim, rate=rate) as server:
        yield server
