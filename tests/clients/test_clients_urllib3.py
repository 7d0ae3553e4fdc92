"""Raw urllib3 reaches the ``octopus`` fixture's simulation: auth, faults raised as urllib3
raises them (after its own retries), its timeout in virtual time, no escape."""

from __future__ import annotations

import json
import socket

import pytest
import urllib3
from urllib3.exceptions import MaxRetryError, NewConnectionError, ReadTimeoutError

from octosim.faults import FaultKind, FaultRule
from octosim.simulation import ServerOptions, Simulation


def pool(sim: Simulation, **kwargs: object) -> urllib3.PoolManager:
    return urllib3.PoolManager(headers={"X-Octopus-ApiKey": sim.api_key}, **kwargs)  # type: ignore[arg-type]


def test_urllib3_creates_and_reads_a_task(octopus: Simulation) -> None:
    http = pool(octopus)
    created = http.request("POST", f"{octopus.base_url}/api/tasks",
                           body=json.dumps({"Name": "Retention"}),
                           headers={"X-Octopus-ApiKey": octopus.api_key,
                                    "Content-Type": "application/json"})
    assert created.status == 201
    task = http.request("GET", f"{octopus.base_url}/api/tasks/{created.json()['Id']}").json()
    assert task["State"] == "Executing"
    assert {r.client for r in octopus.requests} == {"urllib3"}


def test_a_missing_key_gets_401(octopus: Simulation) -> None:
    assert urllib3.request("GET", f"{octopus.base_url}/api/tasks").status == 401


def test_a_status_fault_is_answered_then_retried_when_asked(octopus: Simulation) -> None:
    octopus.faults.add(FaultRule(FaultKind.Status, status=502, rate=1.0))
    assert pool(octopus).request("GET", f"{octopus.base_url}/api").status == 502
    with pytest.raises(MaxRetryError):
        pool(octopus).request("GET", f"{octopus.base_url}/api",
                              retries=urllib3.Retry(total=2, status_forcelist=[502]))
    assert len(octopus.requests) == 1 + 3


def test_a_connect_fault_is_a_new_connection_error_after_urllib3s_retries(
    octopus: Simulation,
) -> None:
    octopus.faults.add(FaultRule(FaultKind.ConnectError))
    with pytest.raises(MaxRetryError) as caught:
        pool(octopus).request("GET", f"{octopus.base_url}/api")
    assert isinstance(caught.value.reason, NewConnectionError)
    assert len(octopus.requests) == 4  # urllib3's default: three retries
    with pytest.raises(NewConnectionError):
        pool(octopus).request("GET", f"{octopus.base_url}/api", retries=False)


def test_a_read_timeout_fault_is_a_read_timeout_error_after_the_timeout(
    octopus: Simulation,
) -> None:
    octopus.faults.add(FaultRule(FaultKind.ReadTimeout))
    with pytest.raises(ReadTimeoutError):
        pool(octopus).request("GET", f"{octopus.base_url}/api", retries=False,
                              timeout=urllib3.Timeout(connect=1, read=4))
    assert octopus.clock.now() == 4


def test_another_host_is_refused_with_what_to_do(octopus: Simulation) -> None:
    with pytest.raises(NewConnectionError, match=r"was not sent.*octopus\.base_url"):
        urllib3.request("GET", "https://api.example.com/", retries=False)


def test_loopback_servers_are_reached_for_real(octopus: Simulation) -> None:
    with socket.socket() as probe:  # a port nothing listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(NewConnectionError) as caught:
        urllib3.request("GET", f"http://127.0.0.1:{port}/", retries=False)
    assert "octosim" not in str(caught.value)  # refused by the operating system


def test_a_simulation_may_answer_on_a_loopback_base_url() -> None:
    sim = Simulation(options=ServerOptions(base_url="http://127.0.0.1:8065/octopus"))
    with sim:
        answer = urllib3.request("GET", f"{sim.base_url}/api/tasks",
                                 headers={"X-Octopus-ApiKey": sim.api_key})
    assert answer.status == 200
    assert sim.requests.last().path == "/octopus/api/tasks"
