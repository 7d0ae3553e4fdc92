"""Guided-failure interruptions over REST: listed, read and answered Retry / Fail / Ignore
through ``sim.client()``; the task's ``HasPendingInterruptions`` and the task list filter
follow them; other spaces do not see them."""

from __future__ import annotations

import pytest
from swagger import assert_valid

from octosim.model.executors import Delay, Flow
from octosim.model.states import TaskState
from octosim.model.step_actions import StepContext
from octosim.model.tasks import Task
from octosim.simulation import Simulation
from tests.model.deploy.builders import script_step
from tests.model.deploy.deploy_sim import deploy, deploy_sim, project_with, python_step


def guided_sim() -> tuple[Simulation, Task, list[float]]:
    """A guided-failure deployment whose first step fails once, waiting for an answer."""
    sim = deploy_sim(1)
    attempts: list[float] = []

    def flaky(ctx: StepContext) -> Flow:
        attempts.append(ctx.run.clock.now())
        yield Delay(5)
        return "Exit code 1" if len(attempts) <= 1 else None

    sim.deploy.actions.register("Test.Flaky", flaky)
    project = project_with(sim, [python_step("Flaky", "Test.Flaky"),
                                 script_step("After", roles="app")])
    task = deploy(sim, project, use_guided_failure=True)
    sim.clock.advance_to(20)
    return sim, task, attempts


@pytest.mark.parametrize(("body", "state", "attempts_made"), [
    ({"Result": "Retry", "Notes": "flaky disk"}, TaskState.Success, 2),
    ({"Form": {"Values": {"Result": "Ignore", "Instructions": None}}}, TaskState.Success, 1),
    ({"Result": "fail"}, TaskState.Failed, 1),
    ({"result": "Fail", "notes": "keys in any case"}, TaskState.Failed, 1),
    ({"form": {"values": {"result": "Ignore"}}}, TaskState.Success, 1),
])
def test_an_operator_answers_over_http(body: dict[str, object], state: TaskState,
                                       attempts_made: int) -> None:
    sim, task, attempts = guided_sim()
    with sim.client() as c:
        listed = c.get("/api/Spaces-1/interruptions",
                       params={"regarding": task.id, "pendingOnly": "true"}).json()
        assert_valid(listed, "InterruptionResourceCollection")
        [item] = listed["Items"]
        assert item["IsPending"] and item["TaskId"] == task.id and item["Form"]["Values"] == {}
        assert c.get(f"/api/tasks/{task.id}").json()["HasPendingInterruptions"] is True
        waiting = c.get("/api/tasks", params={"hasPendingInterruptions": "true"}).json()
        assert [t["Id"] for t in waiting["Items"]] == [task.id]

        r = c.post(f"/api/interruptions/{item['Id']}/submit", json=body)
        assert r.status_code == 200, r.text
        answered = r.json()
        assert_valid(answered, "InterruptionResource")
        assert not answered["IsPending"]
        sent = next((v for k, v in body.items() if k.lower() == "result"), "Ignore")
        assert answered["Form"]["Values"]["Result"].lower() == str(sent).lower()
        assert c.get(f"/api/tasks/{task.id}").json()["HasPendingInterruptions"] is False
        assert c.get("/api/tasks", params={"hasPendingInterruptions": "true"}).json()[
            "Items"] == []
        assert c.get("/api/interruptions", params={"pendingOnly": "true"}).json()["Items"] == []
        again = c.post(f"/api/interruptions/{item['Id']}/submit", json={"Result": "Retry"})
        assert again.status_code == 400 and "already been submitted" in again.text
    sim.clock.advance_to(1000)
    assert task.state is state and len(attempts) == attempts_made


def test_by_id_and_regarding_the_deployment() -> None:
    sim, task, _ = guided_sim()
    [pending] = sim.deploy.interruptions.pending(task.id)
    deployment_id = str(task.arguments["DeploymentId"])
    with sim.client() as c:
        for form in ("/api", "/api/Spaces-1", "/api/spaces/Spaces-1"):
            one = c.get(f"{form}/interruptions/{pending.id}")
            assert one.status_code == 200, one.text
            assert_valid(one.json(), "InterruptionResource")
            assert deployment_id in one.json()["RelatedDocumentIds"]
        listed = c.get("/api/interruptions", params={"regarding": deployment_id}).json()
        assert [i["Id"] for i in listed["Items"]] == [pending.id]
        assert c.get("/api/interruptions", params={"regarding": "ServerTasks-999"}).json()[
            "Items"] == []


def test_another_space_does_not_see_them() -> None:
    sim, task, _ = guided_sim()
    sim.world.add_space("Second")
    [pending] = sim.deploy.interruptions.pending(task.id)
    with sim.client() as c:
        assert c.get("/api/Spaces-2/interruptions").json()["Items"] == []
        assert c.get(f"/api/Spaces-2/interruptions/{pending.id}").status_code == 404
        r = c.post(f"/api/Spaces-2/interruptions/{pending.id}/submit", json={"Result": "Fail"})
        assert r.status_code == 404
    assert pending.is_pending


def test_unknown_ids_and_bad_answers() -> None:
    sim, task, _ = guided_sim()
    [pending] = sim.deploy.interruptions.pending(task.id)
    url = f"/api/interruptions/{pending.id}/submit"
    with sim.client() as c:
        assert c.get("/api/interruptions/Interruptions-999").status_code == 404
        missing = c.post("/api/interruptions/Interruptions-999/submit", json={"Result": "Fail"})
        assert missing.status_code == 404
        for body in ({"Result": "Exclude"}, {}, {"Result": 3}, {"Notes": "no result"}):
            r = c.post(url, json=body)
            assert r.status_code == 400, (body, r.text)
        assert "Retry, Fail, Ignore" in c.post(url, json={"Result": "Exclude"}).text
        assert c.post(url).status_code == 400
    assert pending.is_pending and task.state is TaskState.Executing
