"""The live server's limits, over real sockets on 127.0.0.1: keep-alive, idle connections,
HTTP hygiene, Retry-After at a rate, a stuck simulation, and teardown under patched time.

Real waits here are the server's own timers (keep-alive, idle timeout), set to fractions of
a second.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable

import httpx
import pytest

from octosim.clock import REAL_MONOTONIC
from octosim.faults import FaultKind, FaultRule
from octosim.journal import Kind
from octosim.server import LiveServer
from octosim.simulation import Simulation
from octosim.timepatch import virtual_time

ServerFactory = Callable[..., LiveServer]  # the ``serve`` fixture (conftest.py)

_real_sleep = time.sleep  # captured before any test patches time


def connect(server: LiveServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=5)


def exchange(sock: socket.socket, request: bytes) -> bytes:
    """Send ``request`` and return one whole answer (headers and a Content-Length body)."""
    sock.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before an answer; got {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))
    while len(body) < length:
        body += sock.recv(65536)
    return head + b"\r\n\r\n" + body


def closed_within(sock: socket.socket, seconds: float) -> bool:
    """True if the server closes ``sock`` within ``seconds`` (reading what it sends)."""
    sock.settimeout(seconds)
    try:
        while sock.recv(65536):
            pass
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True
    return True


GET_API = b"GET /api HTTP/1.1\r\nHost: octosim\r\n\r\n"


# -- keep-alive -------------------------------------------------------------------------------
def test_the_default_keep_alive_is_kestrels_not_uvicorns() -> None:
    server = LiveServer(Simulation())
    assert server.keep_alive == 130.0
    assert server.config().timeout_keep_alive > 130  # uvicorn's own default is 5


def test_polls_at_exactly_the_keep_alive_interval_never_find_the_connection_closed(
    serve: ServerFactory,
) -> None:
    server = serve(keep_alive=0.25)
    with connect(server) as sock:
        for _ in range(5):
            assert exchange(sock, GET_API).startswith(b"HTTP/1.1 200 OK")
            # A poll loop sleeps the interval after handling an answer, so its next request
            # comes a little after exactly the keep-alive: the connection must still answer.
            _real_sleep(0.25 + 0.02)
        assert exchange(sock, GET_API).startswith(b"HTTP/1.1 200 OK")


def test_an_idle_kept_alive_connection_is_closed_after_the_keep_alive(
    serve: ServerFactory,
) -> None:
    server = serve(keep_alive=0.1)
    with connect(server) as sock:
        assert exchange(sock, GET_API).startswith(b"HTTP/1.1 200 OK")
        assert closed_within(sock, 3.0)


# -- idle (silent or half-sent) connections ---------------------------------------------------
@pytest.mark.parametrize("sent", [
    b"",  # connected, never said anything
    b"GET /api HTTP/1.1\r\nHost: oct",  # half the headers
    b"POST /api/tasks HTTP/1.1\r\nHost: octosim\r\nContent-Length: 100\r\n\r\n{\"Na",  # half a body
])
def test_a_connection_silent_in_the_middle_of_a_request_is_closed(
    serve: ServerFactory, sent: bytes,
) -> None:
    server = serve(idle_timeout=0.2)
    with connect(server) as sock:
        sock.sendall(sent)
        assert closed_within(sock, 3.0)
    assert "POST /api/tasks" not in server.sim.timeline()  # a half request is never served


def test_the_servers_own_wait_never_counts_as_the_client_being_silent(
    serve: ServerFactory,
) -> None:
    sim = Simulation()
    sim.faults.add(FaultRule(FaultKind.Latency, latency=60))  # 0.6 real seconds at rate 100
    server = serve(sim, rate=100, idle_timeout=0.2)
    with connect(server) as sock:
        assert exchange(sock, GET_API).startswith(b"HTTP/1.1 200 OK")


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf")])
def test_keep_alive_and_idle_timeout_must_be_positive_finite_seconds(bad: float) -> None:
    with pytest.raises(ValueError, match="keep_alive must be a positive, finite number"):
        LiveServer(Simulation(), keep_alive=bad)
    with pytest.raises(ValueError, match="idle_timeout must be a positive, finite number"):
        LiveServer(Simulation(), idle_timeout=bad)


# -- HTTP hygiene -----------------------------------------------------------------------------
def test_content_length_with_transfer_encoding_is_a_400_and_the_connection_closes(
    serve: ServerFactory,
) -> None:
    server = serve()
    smuggled = (b"POST /api/Spaces-1/tasks HTTP/1.1\r\nHost: octosim\r\n"
                b"X-Octopus-ApiKey: " + server.api_key.encode() + b"\r\n"
                b"Content-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + GET_API)
    with connect(server) as sock:
        answer = exchange(sock, smuggled)
        assert answer.startswith(b"HTTP/1.1 400 Bad Request")
        assert b"Content-Length and Transfer-Encoding" in answer
        assert closed_within(sock, 3.0)
    timeline = server.sim.timeline()
    assert "Spaces-1/tasks →" not in timeline and "GET /api →" not in timeline  # none served


def test_a_lower_case_method_is_not_get(serve: ServerFactory) -> None:
    server = serve()
    with connect(server) as sock:
        answer = exchange(sock, b"get /api HTTP/1.1\r\nHost: octosim\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 501 Not Implemented")
    assert b"case-sensitive" in answer
    assert "GET /api →" not in server.sim.timeline()


# -- Retry-After at a rate --------------------------------------------------------------------
def test_retry_after_is_scaled_by_the_rate_as_latency_is(serve: ServerFactory) -> None:
    sim = Simulation()
    sim.faults.add(FaultRule(FaultKind.Status, status=503, retry_after=30))
    server = serve(sim, rate=10)
    response = httpx.get(server.url + "/api", timeout=5)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "3"  # 30 virtual seconds are 3 real ones


# -- a simulation stuck at one instant --------------------------------------------------------
class Spinner:
    def __init__(self, sim: Simulation) -> None:
        self.sim = sim

    def __call__(self) -> None:
        self.sim.clock.call_later(0, self)


def test_a_stuck_simulation_is_answered_500_saying_why_and_the_server_goes_on(
    serve: ServerFactory,
) -> None:
    sim = Simulation()
    sim.clock.max_events_per_instant = 1000
    sim.clock.call_at(0, Spinner(sim))
    server = serve(sim)
    for _ in range(2):  # the second is answered at once, without running the loop again
        response = httpx.get(server.url + "/api", timeout=5)
        assert response.status_code == 500
        assert "Spinner" in response.json()["Errors"][0]
    notes = [e.text for e in sim.journal.entries(kind=Kind.Note)]
    assert any("stuck" in note for note in notes)


STUCK_SERVER = textwrap.dedent("""
    from octosim.server import LiveServer
    from octosim.simulation import Simulation

    sim = Simulation()
    def spin():
        sim.clock.call_later(0, spin)
    sim.clock.call_at(0.001, spin)
    server = LiveServer(sim)
    print("stopped by", server.run(on_ready=lambda: print(server.url, flush=True)))
""")


def test_a_served_stuck_simulation_still_stops_on_sigterm() -> None:
    process = subprocess.Popen([sys.executable, "-c", STUCK_SERVER], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        response = httpx.get(url + "/api", timeout=30)
        assert response.status_code == 500
        assert "keeps rescheduling itself" in response.json()["Errors"][0]
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=10)
        assert process.returncode == 0, err
        assert out.strip() == f"stopped by {int(signal.SIGTERM)}"
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


# -- teardown -------------------------------------------------------------------------------
def test_stop_after_requests_under_virtual_time_is_fast_and_leaves_no_thread() -> None:
    sim = Simulation()
    with virtual_time(sim.clock):
        server = LiveServer(sim).start()
        with httpx.Client(base_url=server.url, timeout=5) as client:
            for _ in range(3):
                assert client.get("/api").status_code == 200
                time.sleep(10_000)  # virtual: the patched clock races far ahead of the real one
        began = REAL_MONOTONIC()  # time.monotonic is the virtual clock here
        server.stop()
        took = REAL_MONOTONIC() - began
    assert took < 1.0
    assert not [t for t in threading.enumerate() if t.name.startswith("octosim-serve")]


def test_stop_while_a_fault_holds_a_connection_drops_it_at_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sim = Simulation()
    sim.faults.add(FaultRule(FaultKind.ReadTimeout))  # silent for 30 real seconds at rate 1
    server = LiveServer(sim).start()
    failures: list[BaseException] = []

    def client() -> None:
        try:
            httpx.get(server.url + "/api", timeout=60)
        except httpx.TransportError as exc:
            failures.append(exc)

    held = threading.Thread(target=client)
    held.start()
    while "answer lost" not in sim.timeline():
        _real_sleep(0.01)  # until the request is being held
    began = REAL_MONOTONIC()
    server.stop()
    assert REAL_MONOTONIC() - began < 1.0
    held.join(timeout=5)
    assert len(failures) == 1  # dropped: the server went away
    assert "Exception in ASGI application" not in caplog.text
