"""The fault plan over a real socket: what each fault looks like to a client on the wire.

Latencies and read-timeout silences are real waits of ``virtual seconds / rate``; the
rates here keep each under a quarter of a second.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import httpx
import pytest

from octosim.faults import FaultKind, FaultRule
from octosim.journal import Kind
from octosim.server import LiveServer
from octosim.simulation import ServerOptions, Simulation

ServerFactory = Callable[..., LiveServer]  # the ``serve`` fixture (conftest.py)

#: How early asyncio may end a real wait (its clock resolution, with room to spare).
EARLY = 0.005
CREATE = {"Name": "Upgrade", "Arguments": {"MachineIds": ["Machines-1"]}}


def client_for(server: LiveServer, **kwargs: object) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers={"X-Octopus-ApiKey": server.api_key},
                        **kwargs)  # type: ignore[arg-type]


def faults(sim: Simulation) -> list[str]:
    return [e.text for e in sim.journal.entries(kind=Kind.Fault)]


def test_a_503_rule_answers_503_with_retry_after_and_processes_nothing(
    serve: ServerFactory,
) -> None:
    sim = Simulation()
    sim.faults.add(FaultRule(FaultKind.Status, status=503, retry_after=7.2, route="^/api/tasks$",
                             method="POST"))
    server = serve(sim)
    with client_for(server) as client:
        response = client.post("/api/tasks", json=CREATE)
        assert response.status_code == 503
        assert response.headers["retry-after"] == "8"  # whole seconds, rounded up
        assert response.headers["content-type"] == "application/json; charset=utf-8"
        assert response.json()["ErrorMessage"].startswith("The Octopus Server is unavailable")
        assert client.get("/api/tasks").json()["TotalResults"] == 0  # not processed
    assert faults(sim) == ["POST /api/tasks: answered 503 (injected, not processed)"]


def test_a_connect_error_rule_drops_the_connection_without_processing(
    serve: ServerFactory, caplog: pytest.LogCaptureFixture,
) -> None:
    sim = Simulation()
    sim.faults.add(FaultRule(FaultKind.ConnectError, route="^/api/tasks$", method="POST"))
    server = serve(sim)
    with caplog.at_level(logging.WARNING), client_for(server) as client:
        with pytest.raises(httpx.TransportError):
            client.post("/api/tasks", json=CREATE)
        # The server carries on: the next request (on a new connection) is answered.
        assert client.get("/api/tasks").json()["TotalResults"] == 0
    assert faults(sim) == [
        "POST /api/tasks: connection dropped (injected ConnectError, not processed)"
    ]
    # An intended fault is not a server error: uvicorn logged nothing about it.
    assert [r.getMessage() for r in caplog.records if r.name.startswith("uvicorn")] == []


def test_a_read_timeout_rule_processes_the_request_then_loses_the_answer(
    serve: ServerFactory,
) -> None:
    # Silent for default_read_timeout / rate = 20 / 100 = 0.2 real seconds, then dropped.
    sim = Simulation(options=ServerOptions(default_read_timeout=20))
    rule = sim.faults.add(FaultRule(FaultKind.ReadTimeout, route="^/api/tasks$", method="POST"))
    server = serve(sim, rate=100)
    impatient = client_for(server, timeout=httpx.Timeout(5, read=0.05))
    with impatient, pytest.raises(httpx.ReadTimeout):  # its own timeout: shorter than the silence
        impatient.post("/api/tasks", json=CREATE)
    with client_for(server, timeout=5) as patient:
        started = time.monotonic()
        with pytest.raises(httpx.TransportError) as raised:  # waited out: then dropped
            patient.post("/api/tasks", json=CREATE)
        assert not isinstance(raised.value, httpx.TimeoutException)
        assert time.monotonic() - started >= 0.2 - EARLY
        sim.faults.rules.remove(rule)
        # Both were processed: the ambiguous case a client must survive.
        assert patient.get("/api/tasks").json()["TotalResults"] == 2
    assert faults(sim) == [
        "POST /api/tasks: answer lost (injected ReadTimeout: silent for 20s, then dropped; "
        "processed)"
    ] * 2


def test_latency_is_a_real_wait_of_latency_over_rate_then_the_request_is_processed(
    serve: ServerFactory,
) -> None:
    sim = Simulation()
    sim.faults.add(FaultRule(FaultKind.Latency, latency=20, route="^/api/tasks$", method="POST"))
    sim.faults.add(FaultRule(FaultKind.Latency, latency=20, route="/machines"))
    sim.faults.add(FaultRule(FaultKind.Status, status=502, route="/machines"))
    server = serve(sim, rate=100)  # 20 virtual seconds = 0.2 real seconds
    with client_for(server, timeout=5) as client:
        started = time.monotonic()
        created = client.post("/api/tasks", json=CREATE)
        assert created.status_code == 201
        assert time.monotonic() - started >= 0.2 - EARLY
        started = time.monotonic()
        assert client.get("/api/machines").status_code == 502  # after the latency too
        assert time.monotonic() - started >= 0.2 - EARLY
    (noted,) = [e for e in sim.journal.entries(kind=Kind.Fault)
                if e.text == "POST /api/tasks: latency 20s"]
    (handled,) = [e for e in sim.journal.entries(kind=Kind.Request)
                  if e.text == "POST /api/tasks → 201"]
    # Processed once the latency had passed (less a hair: asyncio may wake a timer up to
    # its clock resolution early).
    assert handled.t >= noted.t + 20 - EARLY * 100
    assert "GET /api/machines: answered 502 (injected, not processed)" in faults(sim)
