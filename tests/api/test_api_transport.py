"""The transport: httpx sync/async, base-URL prefixes, respx mounting, and every fault kind in
virtual time."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import httpx
import pytest
import respx
from hypothesis import given
from hypothesis import strategies as st

from octosim.api.messages import ApiRequest
from octosim.delivery import Processing, decide
from octosim.faults import FaultKind, FaultPlan, FaultRule
from octosim.journal import Kind
from octosim.simulation import ServerOptions, Simulation
from octosim.transport import to_api_request

CREATE = {"Name": "Upgrade"}


def faults(sim: Simulation) -> list[str]:
    return [e.text for e in sim.journal.entries(kind=Kind.Fault)]


def test_requests_take_no_virtual_time(sim: Simulation, client: httpx.Client) -> None:
    for _ in range(50):
        assert client.get("/api/Spaces-1/tasks").status_code == 200
    assert sim.clock.now() == 0.0


def test_async_client(sim: Simulation) -> None:
    async def run() -> list[int]:
        async with sim.async_client() as client:
            created = await client.post("/api/tasks", json=CREATE)
            got = await client.get(f"/api/tasks/{created.json()['Id']}")
            missing = await client.get("/api/tasks/ServerTasks-9")
            return [created.status_code, got.status_code, missing.status_code]

    assert asyncio.run(run()) == [201, 200, 404]


def test_path_is_percent_decoded(client: httpx.Client) -> None:
    client.post("/api/tasks", json=CREATE)
    assert client.get("/api/Spaces-1/tasks/ServerTasks%2D1").json()["Id"] == "ServerTasks-1"


@pytest.mark.parametrize(
    "headers",
    [
        [("X-Octopus-ApiKey", "API-X"), ("Accept", "a"), ("accept", "b")],
        [("X-Note", "caf\u00e9".encode()), ("X-Other", b"plain")],  # UTF-8: httpx decodes as such
        [("X-Latin", b"\xa0\xff")],  # not UTF-8: httpx falls back to ISO-8859-1
    ],
)
def test_request_headers_reach_the_routes_as_httpx_reads_them(
    headers: list[tuple[str, str | bytes]],
) -> None:
    request = httpx.Request("GET", "http://127.0.0.1:8065/api", headers=cast(Any, headers))
    assert to_api_request(request).headers == dict(request.headers.items())


@given(
    headers=st.lists(
        st.tuples(
            st.sampled_from(["X-Octopus-ApiKey", "x-octopus-apikey", "Accept", "X-Note", "Ü"]),
            st.one_of(st.text(max_size=8), st.binary(max_size=8)),
        ),
        max_size=6,
    ),
    asked=st.sampled_from(["x-octopus-apikey", "accept", "x-note", "ü", "X-Note", "absent"]),
)
def test_each_header_lookup_reads_as_httpx_reads_it(
    headers: list[tuple[str, str | bytes]], asked: str
) -> None:
    # Headers are decoded on lookup, ASCII ones on a fast road: any mix of repeated names,
    # UTF-8, Latin-1 and raw bytes must still read exactly as httpx.Headers reads it.
    try:
        request = httpx.Request("GET", "http://127.0.0.1:8065/api", headers=cast(Any, headers))
    except (UnicodeEncodeError, ValueError):
        return  # not a header httpx lets anyone send
    expected = dict(request.headers.items())
    seen = to_api_request(request).headers
    assert seen.get(asked) == expected.get(asked)
    assert (asked in seen) == (asked in expected)
    assert dict(seen) == expected


def test_headers_reach_the_api_as_a_plain_mapping_of_lower_case_names() -> None:
    # Built with httpx's public API only: repeated names read as one ", "-joined value.
    headers = httpx.Headers([("X-Octopus-ApiKey", "API-X"), ("Accept", "a"), ("accept", "b")])
    seen = to_api_request(httpx.Request("GET", "http://127.0.0.1:8065/api", headers=headers))
    assert seen.headers == {"host": "127.0.0.1:8065", "x-octopus-apikey": "API-X", "accept": "a, b"}


def test_repeated_headers_and_queries_read_the_same_and_headers_are_read_only() -> None:
    # Both are memoised and shared between requests: each request must still read as httpx
    # reads it, and no handler may change what the next request sees.
    long_value = "x" * 600  # past the query memo's limit: parsed every time
    for query in ("ids=ServerTasks-1&take=300", f"name=a+b%21&partialName={long_value}"):
        for _ in range(2):
            request = httpx.Request("GET", f"http://127.0.0.1:8065/api/tasks?{query}",
                                    headers={"X-Octopus-ApiKey": "API-X", "Accept": "a"})
            seen = to_api_request(request)
            assert seen.query == tuple(httpx.QueryParams(query).multi_items())
            assert dict(seen.headers) == dict(request.headers.items())
    with pytest.raises(TypeError):
        cast(Any, seen.headers)["accept"] = "b"


def test_base_url_path_prefix_is_stripped() -> None:
    sim = Simulation(options=ServerOptions(base_url="http://octopus.example:8080/octopus/"))
    with sim.client() as client:
        assert client.get("/api").status_code == 200
        assert client.post("/api/Spaces-1/tasks", json=CREATE).status_code == 201
    assert "GET /api → 200" in sim.timeline()


def test_response_headers_and_body(client: httpx.Client) -> None:
    response = client.get("/api/tasks/ServerTasks-1")
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.json()["ErrorMessage"] == "The resource 'ServerTasks-1' was not found."
    assert response.request.url.path == "/api/tasks/ServerTasks-1"


# -- faults -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("status", "retry_after", "header"),
                         [(503, 5, "5"), (429, 1.5, "2"), (500, None, None), (503, None, None)])
def test_status_fault_is_answered_without_processing(
    sim: Simulation, client: httpx.Client, status: int, retry_after: float | None,
    header: str | None,
) -> None:
    sim.faults.add(FaultRule(FaultKind.Status, status=status, retry_after=retry_after))
    response = client.post("/api/tasks", json=CREATE)
    assert response.status_code == status
    assert response.headers.get("retry-after") == header
    body = response.json()
    assert body["ErrorMessage"] and body["Errors"] == []
    assert sim.engine.tasks == {}  # not processed
    assert faults(sim) == [f"POST /api/tasks: answered {status} (injected, not processed)"]


def test_connect_error_is_raised_unprocessed(sim: Simulation, client: httpx.Client) -> None:
    sim.faults.add(FaultRule(FaultKind.ConnectError))
    with pytest.raises(httpx.ConnectError) as caught:
        client.post("/api/tasks", json=CREATE)
    assert caught.value.request.url.path == "/api/tasks"
    assert sim.engine.tasks == {}
    assert sim.clock.now() == 0.0
    assert "connection refused" in faults(sim)[0]


def test_read_timeout_is_processed_and_waits_the_timeout(sim: Simulation) -> None:
    sim.faults.add(FaultRule(FaultKind.ReadTimeout, method="POST"))
    with sim.client(timeout=7.0) as client:
        with pytest.raises(httpx.ReadTimeout) as caught:
            client.post("/api/tasks", json=CREATE)
        assert caught.value.request.method == "POST"
        assert list(sim.engine.tasks) == ["ServerTasks-1"]  # the ambiguous case: it happened
        assert sim.clock.now() == 7.0
        assert client.get("/api/tasks/ServerTasks-1").status_code == 200  # GETs unaffected
    assert "POST /api/tasks → 201" in sim.timeline()


def test_read_timeout_without_a_client_timeout_uses_the_default() -> None:
    sim = Simulation(options=ServerOptions(default_read_timeout=12.5))
    sim.faults.add(FaultRule(FaultKind.ReadTimeout))
    with sim.client(timeout=None) as client, pytest.raises(httpx.ReadTimeout):
        client.get("/api")
    assert sim.clock.now() == 12.5


def test_latency_advances_the_virtual_clock(sim: Simulation, client: httpx.Client) -> None:
    sim.faults.add(FaultRule(FaultKind.Latency, latency=2.0))
    sim.faults.add(FaultRule(FaultKind.Latency, latency=0.5, route=r"/tasks"))
    assert client.get("/api").status_code == 200
    assert sim.clock.now() == 2.0
    assert client.post("/api/tasks", json=CREATE).json()["QueueTime"].endswith("04.500+00:00")
    assert sim.clock.now() == 4.5
    assert faults(sim) == ["GET /api: latency 2s", "POST /api/tasks: latency 2.5s"]


def test_latency_beyond_the_read_timeout(sim: Simulation) -> None:
    sim.faults.add(FaultRule(FaultKind.Latency, latency=10.0, method="POST"))
    with sim.client(timeout=4.0) as client:
        with pytest.raises(httpx.ReadTimeout):
            client.post("/api/tasks", json=CREATE)
        assert sim.clock.now() == 4.0
        assert sim.engine.tasks == {}  # the server has not got to it yet ...
        sim.clock.sleep(6.0)
        assert list(sim.engine.tasks) == ["ServerTasks-1"]  # ... and then it has
    assert "exceeds the read timeout 4s" in faults(sim)[0]


def test_latency_with_a_status_fault(sim: Simulation, client: httpx.Client) -> None:
    sim.faults.add(FaultRule(FaultKind.Latency, latency=1.0))
    sim.faults.add(FaultRule(FaultKind.Status, status=502))
    assert client.get("/api").status_code == 502
    assert sim.clock.now() == 1.0


def test_fault_windows_and_routes(sim: Simulation, client: httpx.Client) -> None:
    sim.faults.add(FaultRule(FaultKind.Status, status=503, window=(10.0, 20.0),
                             route=r"^/api/tasks"))
    assert client.post("/api/tasks", json=CREATE).status_code == 201
    sim.clock.advance_to(10.0)
    assert client.post("/api/tasks", json=CREATE).status_code == 503
    assert client.get("/api").status_code == 200
    sim.clock.advance_to(20.0)
    assert client.post("/api/tasks", json=CREATE).status_code == 201


def test_async_client_sees_faults(sim: Simulation) -> None:
    sim.faults.add(FaultRule(FaultKind.ConnectError, rate=1.0, method="GET"))

    async def run() -> None:
        async with sim.async_client() as client:
            assert (await client.post("/api/tasks", json=CREATE)).status_code == 201
            with pytest.raises(httpx.ConnectError):
                await client.get("/api")

    asyncio.run(run())


# -- respx -----------------------------------------------------------------------------------
def test_mount_coexists_with_the_tests_own_routes(sim: Simulation) -> None:
    with respx.mock(assert_all_called=False) as router:
        other = router.get("https://other.example/thing").respond(200, json={"other": True})
        custom = router.get(f"{sim.base_url}/api/custom").respond(201, json={"mine": True})
        mounted = sim.mount(router)
        key = {"X-Octopus-ApiKey": sim.api_key or ""}
        assert httpx.get("https://other.example/thing").json() == {"other": True}
        assert httpx.get(f"{sim.base_url}/api/custom", headers=key).status_code == 201
        created = httpx.post(f"{sim.base_url}/api/tasks", json=CREATE, headers=key)
        assert created.status_code == 201
        assert httpx.get(f"{sim.base_url}/api/tasks/ServerTasks-1", headers=key).status_code == 200
        assert other.call_count == custom.call_count == 1
        assert mounted.call_count == 2
    # a request to another port of the same host is not the simulation's
    assert not mounted.pattern.match(httpx.Request("GET", "http://127.0.0.1:80650/api"))


def test_mount_on_the_global_router(sim: Simulation) -> None:
    with respx.mock:
        sim.mount()
        response = httpx.get(f"{sim.base_url}/api/users/me",
                             headers={"X-Octopus-ApiKey": sim.api_key or ""})
        assert response.json()["Username"] == "admin"
    assert not respx.mock.routes  # respx rolls its routes back on exit


def test_mount_serves_async_clients_and_faults(sim: Simulation) -> None:
    sim.faults.add(FaultRule(FaultKind.Status, status=503, retry_after=3, method="DELETE"))

    async def run() -> tuple[int, int, str | None]:
        async with httpx.AsyncClient(base_url=sim.base_url,
                                     headers={"X-Octopus-ApiKey": sim.api_key or ""}) as client:
            ok = await client.post("/api/tasks", json=CREATE)
            busy = await client.delete("/api/tasks/ServerTasks-1")
            return ok.status_code, busy.status_code, busy.headers.get("retry-after")

    with respx.mock(assert_all_called=False) as router:
        sim.mount(router)
        assert asyncio.run(run()) == (201, 503, "3")


def test_mount_raises_transport_errors_with_the_request(sim: Simulation) -> None:
    sim.faults.add(FaultRule(FaultKind.ConnectError))
    with respx.mock(assert_all_called=False) as router:
        sim.mount(router)
        with pytest.raises(httpx.ConnectError) as caught:
            httpx.get(f"{sim.base_url}/api")
        assert caught.value.request.url.path == "/api"


# -- the fault decision, apart from any edge ------------------------------------------------
@pytest.mark.parametrize(("rules", "read_timeout", "expected"), [
    ([], 30.0, (Processing.Now, None, None, None)),
    ([FaultRule(FaultKind.ConnectError)], 30.0, (Processing.Never, None, None, "connect")),
    ([FaultRule(FaultKind.ReadTimeout)], 4.0, (Processing.Now, 4.0, None, "timeout")),
    ([FaultRule(FaultKind.ReadTimeout)], None, (Processing.Now, 30.0, None, "timeout")),
    ([FaultRule(FaultKind.Latency, latency=5)], 30.0, (Processing.AfterWait, 5.0, None, None)),
    ([FaultRule(FaultKind.Latency, latency=5)], 2.0, (Processing.Later, 2.0, None, "timeout")),
    ([FaultRule(FaultKind.Latency, latency=5), FaultRule(FaultKind.Status, status=503)], None,
     (Processing.Never, 5.0, 503, None)),
])
def test_the_fault_decision_says_what_happens_and_does_nothing(
    rules: list[FaultRule], read_timeout: float | None,
    expected: tuple[Processing, float | None, int | None, str | None],
) -> None:
    sim = Simulation()
    for rule in rules:
        sim.faults.add(rule)
    before = len(sim.journal.entries())
    fate = decide(sim.parts, ApiRequest("POST", "/api/tasks"), read_timeout)
    status = fate.status_rule.status if fate.status_rule is not None else None
    lost = fate.lost.kind if fate.lost is not None else None
    assert (fate.processing, fate.wait, status, lost) == expected
    # Sans-IO: no time passed, nothing was handled or journaled.
    assert sim.clock.now() == 0 and len(sim.journal.entries()) == before
    assert sim.engine.tasks == {}


def test_a_new_fault_plan_reaches_transports_already_handed_out(sim: Simulation) -> None:
    with sim.client() as client:
        sim.faults = FaultPlan([FaultRule(FaultKind.Status, status=502)])
        assert client.get("/api").status_code == 502
