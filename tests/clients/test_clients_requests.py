"""``requests`` reaches the ``octopus`` fixture's simulation with no adapter code: auth,
faults (requests' own exceptions), the client's timeout in virtual time, the request log,
a test's own ``responses`` mocks beside it, and no escape to the network."""

from __future__ import annotations

import pytest
import requests
import responses
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from octosim.faults import FaultKind, FaultRule
from octosim.simulation import Simulation

CREATE = {"Name": "Retention"}


def session(sim: Simulation) -> requests.Session:
    s = requests.Session()
    s.headers["X-Octopus-ApiKey"] = sim.api_key
    return s


def test_a_script_of_plain_requests_calls_talks_to_the_simulation(octopus: Simulation) -> None:
    headers = {"X-Octopus-ApiKey": octopus.api_key}
    created = requests.post(f"{octopus.base_url}/api/tasks", json=CREATE, headers=headers)
    assert created.status_code == 201
    assert created.headers["Content-Type"].startswith("application/json")
    task = requests.get(f"{octopus.base_url}/api/tasks/{created.json()['Id']}",
                        headers=headers, params={"x": "1"}).json()
    assert task["State"] == "Executing"
    assert [(r.method, r.path, r.status, r.client) for r in octopus.requests] == [
        ("POST", "/api/tasks", 201, "requests"), ("GET", "/api/tasks/ServerTasks-1", 200,
                                                  "requests")]
    assert octopus.requests[1].url.endswith("?x=1")
    assert "GET /api/tasks/ServerTasks-1?x=1 → 200" in octopus.timeline()


def test_a_wrong_key_gets_the_servers_401(octopus: Simulation) -> None:
    answer = requests.get(f"{octopus.base_url}/api/tasks",
                          headers={"X-Octopus-ApiKey": "API-WRONG0000000000000000000"})
    assert answer.status_code == 401
    assert "ErrorMessage" in answer.json()


def test_a_status_fault_is_answered(octopus: Simulation) -> None:
    octopus.faults.add(FaultRule(FaultKind.Status, status=503, retry_after=5))
    answer = session(octopus).post(f"{octopus.base_url}/api/tasks", json=CREATE)
    assert (answer.status_code, answer.headers["Retry-After"]) == (503, "5")
    assert octopus.engine.tasks == {}


def test_a_connect_fault_raises_requests_connection_error(octopus: Simulation) -> None:
    octopus.faults.add(FaultRule(FaultKind.ConnectError))
    with pytest.raises(requests.ConnectionError, match="injected connection error"):
        session(octopus).post(f"{octopus.base_url}/api/tasks", json=CREATE)
    assert octopus.engine.tasks == {}
    assert octopus.requests.last().lost == "connect"


def test_a_read_timeout_fault_waits_the_clients_own_timeout_in_virtual_time(
    octopus: Simulation,
) -> None:
    octopus.faults.add(FaultRule(FaultKind.ReadTimeout, method="POST"))
    with pytest.raises(requests.ReadTimeout):
        session(octopus).post(f"{octopus.base_url}/api/tasks", json=CREATE, timeout=(3, 7.5))
    assert octopus.clock.now() == 7.5
    assert list(octopus.engine.tasks) == ["ServerTasks-1"]  # processed; only the answer lost
    logged = octopus.requests.last()
    assert (logged.status, logged.lost, logged.elapsed) == (None, "timeout", 7.5)


def test_latency_beyond_the_timeout_is_a_read_timeout(octopus: Simulation) -> None:
    octopus.faults.add(FaultRule(FaultKind.Latency, latency=20))
    with pytest.raises(requests.ReadTimeout):
        session(octopus).get(f"{octopus.base_url}/api", timeout=5)
    assert octopus.clock.now() == 5
    assert session(octopus).get(f"{octopus.base_url}/api", timeout=None).status_code == 200


def test_a_mounted_retry_policy_retries_as_urllib3_does(octopus_time: Simulation) -> None:
    # Refused until 1 s: urllib3 retries at once, then backs off 2 s (time.sleep, virtual
    # under octopus_time), and the third attempt is answered.
    octopus_time.faults.add(FaultRule(FaultKind.ConnectError, window=(0, 1)))
    s = session(octopus_time)
    s.mount("http://", HTTPAdapter(max_retries=Retry(total=3, backoff_factor=1)))
    assert s.get(f"{octopus_time.base_url}/api").status_code == 200
    assert [(r.t, r.lost) for r in octopus_time.requests] == [
        (0, "connect"), (0, "connect"), (2, None)]


def test_a_request_to_another_host_never_leaves_the_machine(octopus: Simulation) -> None:
    with pytest.raises(requests.ConnectionError, match=r"was not sent.*octopus\.base_url"):
        requests.get("http://octopus.example.com/api", timeout=1)
    assert len(octopus.requests) == 0


@responses.activate
def test_the_tests_own_responses_routes_work_beside_the_simulation(octopus: Simulation) -> None:
    responses.get("https://hooks.example.com/notify", json={"ok": True})
    responses.get(f"{octopus.base_url}/api/maintenance", json={"faked": True})
    assert requests.get("https://hooks.example.com/notify").json() == {"ok": True}
    # A path of the simulation faked by the test wins, as with respx; the rest pass through.
    assert requests.get(f"{octopus.base_url}/api/maintenance").json() == {"faked": True}
    assert session(octopus).post(f"{octopus.base_url}/api/tasks", json=CREATE).status_code == 201
    # responses keeps its strictness for everything else, and its call list to itself.
    with pytest.raises(requests.ConnectionError, match="Connection refused by Responses"):
        requests.get("https://elsewhere.example.com/")
    assert [c.request.url for c in responses.calls][:2] == [
        "https://hooks.example.com/notify", f"{octopus.base_url}/api/maintenance"]
    assert [r.path for r in octopus.requests] == ["/api/tasks"]


def test_two_simulations_entered_at_once_each_answer_at_their_own_base_url(
    octopus: Simulation, octopus_factory: object,
) -> None:
    other = Simulation(options=type(octopus.options)(base_url="https://other.invalid:8443/octo"))
    with other:
        assert session(other).get(f"{other.base_url}/api/tasks").status_code == 200
        assert session(octopus).get(f"{octopus.base_url}/api/tasks").status_code == 200
    assert [r.url for r in other.requests] == ["https://other.invalid:8443/octo/api/tasks"]
    assert len(octopus.requests) == 1


def test_nothing_is_patched_outside_a_simulation() -> None:
    with pytest.raises(requests.ConnectionError) as caught:
        requests.get("http://octopus.invalid/api", timeout=1)
    assert "octosim" not in str(caught.value)  # the real resolver said no


def test_a_configured_proxy_does_not_hide_the_simulation(octopus: Simulation) -> None:
    proxies = {"http": "http://proxy.example.com:3128", "https": "http://proxy.example.com:3128"}
    answer = session(octopus).get(f"{octopus.base_url}/api/tasks", proxies=proxies)
    assert answer.status_code == 200
    assert octopus.requests.last().url == f"{octopus.base_url}/api/tasks"
