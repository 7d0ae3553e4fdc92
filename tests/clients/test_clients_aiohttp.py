"""aiohttp reaches the ``octopus`` fixture's simulation: auth, faults as aiohttp raises
them, its timeout in virtual time, a test's own ``aioresponses`` beside it, no escape."""

from __future__ import annotations

from typing import Any

import pytest

from octosim.faults import FaultKind, FaultRule
from octosim.simulation import Simulation

aiohttp = pytest.importorskip("aiohttp")
aioresponses = pytest.importorskip("aioresponses").aioresponses

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # aiohttp runs on asyncio only


def session(sim: Simulation, **kwargs: object) -> Any:
    return aiohttp.ClientSession(headers={"X-Octopus-ApiKey": sim.api_key}, **kwargs)


async def test_a_session_creates_and_reads_a_task(octopus: Simulation) -> None:
    async with session(octopus, base_url=octopus.base_url) as s:
        created = await s.post("/api/tasks", json={"Name": "Retention"})
        assert created.status == 201
        async with s.get(f"/api/tasks/{(await created.json())['Id']}") as got:
            assert (await got.json())["State"] == "Executing"
    assert [(r.method, r.status, r.client) for r in octopus.requests] == [
        ("POST", 201, "aiohttp"), ("GET", 200, "aiohttp")]


async def test_a_wrong_key_gets_401_and_raise_for_status_raises(octopus: Simulation) -> None:
    async with aiohttp.ClientSession(headers={"X-Octopus-ApiKey": "API-NOPE"}) as s:
        assert (await s.get(f"{octopus.base_url}/api/tasks")).status == 401
        with pytest.raises(aiohttp.ClientResponseError):
            await s.get(f"{octopus.base_url}/api/tasks", raise_for_status=True)


async def test_a_status_fault_is_answered(octopus: Simulation) -> None:
    octopus.faults.add(FaultRule(FaultKind.Status, status=503, retry_after=2))
    async with session(octopus) as s:
        answer = await s.get(f"{octopus.base_url}/api")
        assert (answer.status, answer.headers["Retry-After"]) == (503, "2")


async def test_a_connect_fault_raises_client_connector_error(octopus: Simulation) -> None:
    octopus.faults.add(FaultRule(FaultKind.ConnectError))
    async with session(octopus) as s:
        with pytest.raises(aiohttp.ClientConnectorError, match="injected connection error"):
            await s.post(f"{octopus.base_url}/api/tasks", json={"Name": "Retention"})
    assert octopus.engine.tasks == {}


async def test_a_read_timeout_fault_waits_the_sessions_timeout_in_virtual_time(
    octopus: Simulation,
) -> None:
    octopus.faults.add(FaultRule(FaultKind.ReadTimeout))
    async with session(octopus, timeout=aiohttp.ClientTimeout(total=60, sock_read=9)) as s:
        with pytest.raises(aiohttp.ServerTimeoutError):
            await s.get(f"{octopus.base_url}/api")
        assert octopus.clock.now() == 9
        with pytest.raises(TimeoutError):  # a ServerTimeoutError is an asyncio.TimeoutError
            await s.get(f"{octopus.base_url}/api", timeout=aiohttp.ClientTimeout(total=2))
    assert octopus.clock.now() == 11


async def test_another_host_is_refused_with_what_to_do(octopus: Simulation) -> None:
    async with aiohttp.ClientSession() as s:
        with pytest.raises(aiohttp.ClientConnectorError, match="was not sent"):
            await s.get("http://api.example.com/")


async def test_the_tests_own_aioresponses_routes_work_beside_the_simulation(
    octopus: Simulation,
) -> None:
    with aioresponses() as mocked:
        mocked.get("https://hooks.example.com/notify", payload={"ok": True})
        async with session(octopus) as s:
            assert await (await s.get("https://hooks.example.com/notify")).json() == {"ok": True}
            assert (await s.get(f"{octopus.base_url}/api/tasks")).status == 200
            with pytest.raises(aiohttp.ClientConnectionError, match="Connection refused"):
                await s.get("https://elsewhere.example.com/")  # its strictness holds
    assert [r.path for r in octopus.requests] == ["/api/tasks"]


async def test_without_aioresponses_nothing_is_served_and_nothing_leaves(
    octopus: Simulation,
) -> None:
    from octosim import intercept
    from octosim.intercept import aiohttp_guard

    with aiohttp_guard.patched():  # what _install enters when aioresponses is missing
        async with session(octopus) as s:
            with pytest.raises(aiohttp.ClientConnectorError, match="pip install aioresponses"):
                await s.get(f"{octopus.base_url}/api")
            with pytest.raises(aiohttp.ClientConnectorError, match="was not sent"):
                await s.get("http://api.example.com/")
    assert intercept.mounted()[0].parts is octopus.parts
