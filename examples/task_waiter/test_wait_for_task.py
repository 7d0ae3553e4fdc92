"""Testing wait_for_task.py offline, in virtual time: success, failure, a timeout, a 503
blip it must ride out, and a task that never completes (ten minutes of polling, instantly).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from wait_for_task import TaskWaitTimeout, main, wait_for_task

from octosim.faults import FaultKind, FaultRule
from octosim.journal import Kind
from octosim.model import GenericExecutor, TaskRun, World
from octosim.simulation import Simulation


@dataclass
class NeverEnding:
    """A task type whose tasks start and then never complete (a hung deployment)."""

    name: str = "Hang"
    description: str = "A task that never completes"

    def validate(self, arguments: Mapping[str, Any], space_id: str, world: World
                 ) -> dict[str, Any]:
        return dict(arguments)

    def start(self, run: TaskRun) -> None:
        run.log("Waiting for something that will never happen")


def queue(client: httpx.Client, name: str) -> str:
    created = client.post("/api/tasks", json={"Name": name})
    assert created.status_code == 201, created.text
    return str(created.json()["Id"])


def polls(sim: Simulation, task_id: str) -> int:
    return len([e for e in sim.journal.entries(kind=Kind.Request)
                if e.text.startswith(f"GET /api/tasks/{task_id} ")])


def test_a_task_that_succeeds(octopus_time: Simulation, octopus_client: httpx.Client) -> None:
    task_id = queue(octopus_client, "Retention")  # a generic task: 10 virtual seconds
    task = wait_for_task(octopus_client, task_id, interval=5)
    assert (task["State"], octopus_time.clock.now()) == ("Success", 10)
    assert polls(octopus_time, task_id) == 3  # at 0, 5 and 10 s


def test_a_task_that_fails(octopus_time: Simulation, octopus_client: httpx.Client) -> None:
    octopus_time.engine.register(GenericExecutor("Upgrade", duration=40, failure_rate=1.0))
    task = wait_for_task(octopus_client, queue(octopus_client, "Upgrade"))
    assert task["State"] == "Failed"
    assert task["ErrorMessage"] == "The Upgrade task failed."


def test_a_timeout_shorter_than_the_task(
    octopus_time: Simulation, octopus_client: httpx.Client
) -> None:
    octopus_time.engine.register(GenericExecutor("Backup", duration=3600))
    task_id = queue(octopus_client, "Backup")
    with pytest.raises(TaskWaitTimeout, match=f"{task_id} did not complete within 60 s "
                                              r"\(last seen: Executing\)"):
        wait_for_task(octopus_client, task_id, timeout=60, interval=7)
    assert octopus_time.clock.now() == 60  # the last wait is cut to the deadline


def test_a_503_blip_is_ridden_out(octopus_time: Simulation, octopus_client: httpx.Client) -> None:
    # For the first 12 virtual seconds, every poll gets a 503 asking to come back in 6 s.
    octopus_time.faults.add(FaultRule(FaultKind.Status, status=503, retry_after=6,
                                      route="^/api/tasks/ServerTasks-", window=(0, 12)))
    task_id = queue(octopus_client, "Retention")
    task = wait_for_task(octopus_client, task_id, interval=5)
    assert task["State"] == "Success"
    faults = [e.text for e in octopus_time.journal.entries(kind=Kind.Fault)]
    assert faults == [f"GET /api/tasks/{task_id}: answered 503 (injected, not processed)"] * 2
    assert octopus_time.clock.now() == 12  # Retry-After 6 honoured (not the 5 s interval)


def test_a_task_that_never_completes(
    octopus_time: Simulation, octopus_client: httpx.Client
) -> None:
    octopus_time.engine.register(NeverEnding())
    task_id = queue(octopus_client, "Hang")
    with pytest.raises(TaskWaitTimeout) as caught:
        wait_for_task(octopus_client, task_id, timeout=600, interval=5)
    assert caught.value.task is not None and caught.value.task["State"] == "Executing"
    assert octopus_time.clock.now() == 600
    assert polls(octopus_time, task_id) == 600 // 5 + 1


def test_a_task_that_does_not_exist_fails_at_once(
    octopus_time: Simulation, octopus_client: httpx.Client
) -> None:
    with pytest.raises(httpx.HTTPStatusError, match="404"):
        wait_for_task(octopus_client, "ServerTasks-999")
    assert octopus_time.clock.now() == 0


@pytest.mark.parametrize(("task", "code", "line"), [
    ("Retention", 0, "ServerTasks-1: Success"),
    ("Hang", 3, "ServerTasks-1 did not complete within 30 s (last seen: Executing)"),
])
def test_the_command_line(
    octopus_time: Simulation, octopus_client: httpx.Client, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], task: str, code: int, line: str,
) -> None:
    octopus_time.engine.register(NeverEnding())
    monkeypatch.setenv("OCTOPUS_URL", octopus_time.base_url)
    monkeypatch.setenv("OCTOPUS_API_KEY", octopus_time.api_key or "")
    task_id = queue(octopus_client, task)
    assert main([task_id, "--timeout", "30"]) == code
    assert capsys.readouterr().out.splitlines() == [line]
