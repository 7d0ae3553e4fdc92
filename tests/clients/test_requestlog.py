"""The request log and the test helpers read what clients did to a simulation."""

from __future__ import annotations

import httpx
import pytest
import requests

from octosim.simulation import Simulation
from octosim.testing import assert_no_task_left, tasks_created


def test_the_log_names_each_client_and_filters(octopus: Simulation) -> None:
    headers = {"X-Octopus-ApiKey": octopus.api_key}
    with octopus.client() as client:
        client.post("/api/tasks", json={"Name": "Retention"})
    requests.get(f"{octopus.base_url}/api/tasks/ServerTasks-1", headers=headers)
    httpx.get(f"{octopus.base_url}/api", headers=headers)
    log = octopus.requests
    assert [(r.client, r.method, r.status, r.created) for r in log] == [
        ("httpx", "POST", 201, "ServerTasks-1"), ("requests", "GET", 200, None),
        ("httpx", "GET", 200, None)]
    assert log.of(client="requests") == [log[1]]
    assert log.of(method="post", path="/api/tasks", status=201) == [log[0]]
    assert str(log[1]).endswith("requests GET http://octopus.invalid/api/tasks/ServerTasks-1 → 200")


def test_last_says_what_to_check_when_nothing_was_sent() -> None:
    with pytest.raises(AssertionError, match="base_url"):
        Simulation().requests.last()


def test_assert_no_task_left_names_running_tasks_and_passes_once_they_finish(
    octopus: Simulation,
) -> None:
    headers = {"X-Octopus-ApiKey": octopus.api_key}
    requests.post(f"{octopus.base_url}/api/tasks", json={"Name": "Retention"}, headers=headers)
    with octopus.client() as client:
        client.post("/api/tasks", json={"Name": "Backup"})
    assert tasks_created(octopus) == ["ServerTasks-1", "ServerTasks-2"]
    assert tasks_created(octopus, by="httpx") == ["ServerTasks-2"]
    with pytest.raises(AssertionError, match=r"ServerTasks-1 \(Retention\) is Executing"):
        assert_no_task_left(octopus, created_by="requests")
    octopus.clock.sleep(3600)
    assert_no_task_left(octopus)


def test_httpx_to_another_host_says_what_to_do_too(octopus: Simulation) -> None:
    with pytest.raises(AssertionError, match=r"not mocked!.*was not sent.*octopus\.base_url"):
        httpx.get("http://api.example.com/")


def test_the_log_read_between_requests_keeps_its_entries_and_order(octopus: Simulation) -> None:
    # Entries are built when the log is read: a read in the middle must not reorder, lose or
    # rebuild what was read before, and the URL is a str whichever seam recorded it.
    with octopus.client() as client:
        client.get("/api/tasks?take=1")
        first = octopus.requests[0]
        requests.get(f"{octopus.base_url}/api", headers={"X-Octopus-ApiKey": octopus.api_key})
        client.get("/api")
    log = octopus.requests
    assert log[0] is first
    assert [(r.client, r.url) for r in log] == [
        ("httpx", "http://octopus.invalid/api/tasks?take=1"),
        ("requests", "http://octopus.invalid/api"), ("httpx", "http://octopus.invalid/api")]
    assert all(type(r.url) is str for r in log)
    assert len(log) == 3 and log.last() is log[2]
