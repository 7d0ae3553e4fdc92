"""The live server hands the API exactly what the httpx transport does, over a real socket:
path, query, headers and body; HEAD, oversized bodies and ``Expect: 100-continue``."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import httpx
import pytest

from octosim.api.messages import ApiRequest, ApiResponse
from octosim.server import LiveServer, SimulatorApp
from octosim.simulation import ServerOptions, Simulation
from octosim.transport import to_api_request

ServerFactory = Callable[..., LiveServer]  # the ``serve`` fixture (conftest.py)


def spy_on(sim: Simulation) -> list[ApiRequest]:
    """Record every ApiRequest the simulation is asked to handle."""
    seen: list[ApiRequest] = []
    handle = sim.parts.handler

    def recording(request: ApiRequest) -> ApiResponse:
        seen.append(request)
        return handle(request)

    sim.parts.handler = recording
    return seen


@pytest.fixture(scope="module")
def spied() -> Iterator[tuple[LiveServer, list[ApiRequest]]]:
    """One server for all the parity cases (each clears the record first)."""
    sim = Simulation()
    seen = spy_on(sim)
    with LiveServer(sim) as server:
        yield server, seen


@pytest.mark.parametrize("target", [
    "/api/tasks?ids=ServerTasks-1&ids=ServerTasks-2&take=5",  # repeated keys, in order
    "/api/tasks?ids=ServerTasks-1%2CServerTasks-2&skip=0",  # an encoded comma
    "/api/tasks?partialName=a+b%26c%3Dd&description=&verbose",  # + , & and = , blanks
    "/api/tasks?partialName=caf%C3%A9&Take=1",  # UTF-8, any-case names kept as sent
    "/api/tasks?partialName=%E2%9C%93%20ok&apikey=x",
    "/api/machines/Machines%2D1",  # a percent-encoded path is decoded ...
    "/api/tasks/a%2525b",  # ... once: %2525 is %25, not %
    "/API//Tasks/",
])
def test_the_api_sees_what_the_httpx_transport_would_hand_it(
    spied: tuple[LiveServer, list[ApiRequest]], target: str,
) -> None:
    server, seen = spied
    seen.clear()
    headers = [(b"X-Octopus-ApiKey", server.api_key.encode()), (b"X-Repeated", b"one"),
               (b"X-Repeated", b"two"), (b"X-Text", "caf\u00e9".encode())]
    url = server.url + target
    with httpx.Client() as client:
        client.get(url, headers=headers)
    (live,) = seen
    expected = to_api_request(httpx.Request("GET", url, headers=headers))
    assert (live.method, live.path, live.query, live.body) == (
        expected.method, expected.path, expected.query, expected.body)
    for name in ("x-octopus-apikey", "x-repeated", "x-text"):
        assert live.header(name) == expected.header(name), name
    assert live.header("x-repeated") == "one, two"


def test_a_body_arrives_whole_whether_sent_at_once_or_chunked(serve: ServerFactory) -> None:
    sim = Simulation()
    seen = spy_on(sim)
    server = serve(sim)
    body = b'{"Name": "Upgrade", "Arguments": {"MachineIds": ["Machines-1"]}}'
    key = {"X-Octopus-ApiKey": server.api_key, "Content-Type": "application/json"}

    def chunks() -> object:
        yield from (body[i:i + 7] for i in range(0, len(body), 7))

    with httpx.Client(base_url=server.url, headers=key) as client:
        assert client.post("/api/tasks", content=body).status_code == 201
        assert client.post("/api/tasks", content=chunks()).status_code == 201  # type: ignore[arg-type]
    assert [r.body for r in seen] == [body, body]


def test_a_body_over_the_limit_reaches_the_api_whole_and_gets_its_400(
    serve: ServerFactory,
) -> None:
    sim = Simulation(options=ServerOptions(max_body_bytes=1000))
    seen = spy_on(sim)
    server = serve(sim)
    big = b'{"Name": "Upgrade", "Description": "' + b"x" * 4000 + b'"}'
    with httpx.Client(base_url=server.url, headers={"X-Octopus-ApiKey": server.api_key,
                                                    "Content-Type": "application/json"}) as c:
        response = c.post("/api/tasks", content=big)
        chunked = c.post("/api/tasks", content=iter([big[:1500], big[1500:]]))
    for answer in (response, chunked):
        assert answer.status_code == 400
        assert answer.json()["Errors"] == [
            f"The request body is {len(big)} bytes; this server accepts at most 1000 "
            "(ServerOptions.max_body_bytes)."
        ]
    assert [len(r.body) for r in seen] == [len(big), len(big)]  # never cut to look valid


def test_a_body_over_the_servers_ceiling_is_refused_with_413(serve: ServerFactory) -> None:
    sim = Simulation(options=ServerOptions(max_body_bytes=1000))
    seen = spy_on(sim)
    server = serve(sim)
    server.app.body_ceiling = 4000  # 64 MiB normally; smaller here to keep the test quick
    with httpx.Client(base_url=server.url, headers={"X-Octopus-ApiKey": server.api_key}) as c:
        response = c.post("/api/tasks", content=b"x" * 5000)
        assert response.status_code == 413
        assert response.headers["connection"] == "close"
        assert response.json()["ErrorMessage"] == "The request body is too large."
        assert c.get("/api/tasks").status_code == 200  # served on, on a new connection
    assert [r.method for r in seen] == ["GET"]  # the refused request never reached the API


def test_head_is_answered_as_through_the_transport_without_a_body(
    serve: ServerFactory,
) -> None:
    sim = Simulation()
    server = serve(sim)
    key = {"X-Octopus-ApiKey": server.api_key}
    with httpx.Client(base_url=server.url, headers=key) as live, \
            sim.client(headers=key) as mocked:
        over_http = live.head("/api/machines")
        direct = mocked.head("/api/machines")
    assert over_http.status_code == direct.status_code == 405
    assert over_http.headers["allow"] == direct.headers["allow"] == "GET"
    assert over_http.content == b""
    assert int(over_http.headers["content-length"]) == len(direct.content)


def test_expect_100_continue_is_answered_before_the_body_is_sent(
    serve: ServerFactory,
) -> None:
    """.NET (Windows PowerShell's Invoke-RestMethod) sends ``Expect: 100-continue`` on a POST
    and waits for the interim answer before sending the body."""
    server = serve()
    body = b'{"Name":"Upgrade","Arguments":{"MachineIds":["Machines-1"]}}'
    head = (
        f"POST /api/tasks HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        f"X-Octopus-ApiKey: {server.api_key}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\nConnection: Keep-Alive\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(head)
        interim = sock.recv(4096)
        assert interim.startswith(b"HTTP/1.1 100 Continue\r\n")
        sock.sendall(body)
        answer = b""
        while b"\r\n\r\n" not in answer:
            answer += sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 201 Created\r\n")


def test_the_clock_catches_up_with_scaled_real_time_before_each_request() -> None:
    real = [100.0]
    sim = Simulation()
    app = SimulatorApp(sim, rate=60, real=lambda: real[0])
    fired: list[float] = []
    sim.clock.call_at(90, lambda: fired.append(sim.clock.now()))
    real[0] += 1.0  # one real second
    app.catch_up()
    assert sim.clock.now() == 60 and fired == []
    real[0] += 1.0
    app.catch_up()
    assert sim.clock.now() == 120 and fired == [90]  # due events ran on the way
    app.anchor()  # the server (re)starting: time spent until now does not count again
    real[0] += 0.5
    app.catch_up()
    assert sim.clock.now() == 150


def test_time_before_the_server_starts_does_not_count() -> None:
    real = [0.0]
    sim = Simulation()
    server = LiveServer(sim, rate=1000)
    server.app.clock.real = lambda: real[0]
    server.app.anchor()
    real[0] = 10.0  # ten real seconds pass before serving starts ...
    with server, httpx.Client(headers={"X-Octopus-ApiKey": server.api_key}) as client:
        client.get(server.url + "/api")
    assert sim.clock.now() == 0  # ... and are not 10,000 virtual seconds


@pytest.mark.parametrize("rate", [0, -1, float("nan"), float("inf")])
def test_a_rate_that_is_not_a_positive_number_is_refused(rate: float) -> None:
    with pytest.raises(ValueError, match="rate must be a positive number"):
        SimulatorApp(Simulation(), rate=rate)


def test_ipv6_loopback_is_served(serve: ServerFactory) -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")
    server = serve(host="::1")
    assert server.url == f"http://[::1]:{server.port}"
    assert httpx.get(server.url + "/api").json()["Application"] == "Octopus Deploy"


def test_localhost_is_served_on_ipv4(serve: ServerFactory) -> None:
    server = serve(host="localhost")
    assert server.url == f"http://localhost:{server.port}"
    with socket.create_connection(("127.0.0.1", server.port), timeout=5):
        pass  # 127.0.0.1 answers: what every client tries first for "localhost"
