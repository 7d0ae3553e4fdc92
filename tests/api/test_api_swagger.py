"""Every covered route, at every URL form, answers JSON that Octopus's own Swagger 2021.2
spec accepts (through the real transport, so what is validated is the bytes a client gets)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from deploy_world import deployments_in
from swagger import assert_valid

from octosim.api.router import split_path
from octosim.model.deploy_tasks import queue_deployment
from octosim.model.deployment_rules import create_deployment, create_release
from octosim.model.executors import Delay, Flow
from octosim.model.step_actions import StepContext
from octosim.simulation import Simulation
from tests.model.deploy.deploy_sim import python_step

FORMS = ("/api", "/api/Spaces-1", "/api/spaces/Spaces-1")
_ID = re.compile(r"[A-Za-z]+-\d+")


def _world() -> tuple[Simulation, dict[str, str]]:
    """A simulation with a completed task, executing tasks and a queued one, and the
    deployment world of deploy_world (its Deploy task done), plus a project and a runbook
    whose processes are empty (Swagger 2021.2 describes step properties as objects; clients
    and servers send plain strings, so processes with steps are not validated)."""
    sim = Simulation(seed=3)
    built = deployments_in(sim, "Spaces-1", "Environments-1")
    ids: dict[str, str] = {
        "project": built["/api/projects"], "group": built["/api/projectgroups"],
        "channel": built["/api/channels"], "lifecycle": built["/api/lifecycles"],
        "tenant": built["/api/tenants"], "varset": built["/api/variables"],
        "release": built["/api/releases"], "deployment": built["/api/deployments"],
        "runbook": built["/api/runbooks"], "snapshot": built["/api/runbookSnapshots"],
        "run": built["/api/runbookRuns"], "version": built["version"],
        "snapshotname": sim.deployments.runbook_snapshots[built["/api/runbookSnapshots"]].name,
        "settings": f"deploymentsettings-{built['/api/projects']}",
    }
    _guided_failure(sim)
    empty = sim.deployments.add_project("Spaces-1", "Empty")
    ids["process"] = empty.deployment_process_id
    ids["rbprocess"] = sim.deployments.add_runbook(empty.id, "Idle").process.id
    ids["rbproject"] = empty.id
    sim.clock.sleep(60)  # the Deploy task ends
    with sim.client() as c:
        ids["done"] = c.post("/api/tasks", json={"Name": "Upgrade"}).json()["Id"]
        sim.clock.sleep(60)
        ids["failed"] = c.post("/api/tasks", json={"Name": "Upgrade"}).json()["Id"]
        sim.clock.sleep(60)
        for _ in range(sim.engine.task_cap):
            ids["running"] = c.post("/api/tasks", json={"Name": "Upgrade"}).json()["Id"]
        ids["queued"] = c.post("/api/tasks", json={"Name": "Upgrade"}).json()["Id"]
        sim.clock.sleep(3)
        # a task with a warning in its log, so every log field is exercised
        r = c.post(f"/api/tasks/{ids['failed']}/state", json={"State": "Failed", "Reason": "x"})
        assert r.status_code == 200, r.text
    machine = next(iter(sim.world.machines.values()))
    machine.last_checked = 1.0
    machine.connection_logs.append("Health check succeeded")
    ids["machine"] = machine.id
    ids["environment"] = machine.environment_ids[0]
    ids["user"] = next(iter(sim.world.users))
    [pending] = sim.deploy.interruptions.pending()
    ids["interruption"] = pending.id
    return sim, ids


def _guided_failure(sim: Simulation) -> None:
    """Queue a guided-failure deployment whose one step fails: it raises an interruption
    and waits for an answer (its task holds one of the task cap's slots)."""
    def fails(_ctx: StepContext) -> Flow:
        yield Delay(1)
        return "Exit code 1"

    store, now = sim.deployments, sim.clock.now()
    sim.deploy.actions.register("Test.Fails", fails)
    project = store.add_project("Spaces-1", "Guided")
    store.set_process(project.deployment_process_id,
                      [python_step("Fails", "Test.Fails", roles="", on_server=True)])
    release = create_release(store, project.id, now=now)
    deployment = create_deployment(store, release.id, "Environments-1", now=now,
                                   use_guided_failure=True)
    queue_deployment(sim.engine, store, deployment.id)


# The deployment areas. "" as the definition: JSON, on a route the 2021.2 spec does not have
# (the executions API, the project-scoped process), so there is nothing to validate against.
DEPLOYMENT_CASES: list[tuple[str, str, Any, int, str | None, bool]] = [
    ("GET", "{p}/projectgroups", None, 200, "ProjectGroupResourceCollection", False),
    ("GET", "{p}/projectgroups/{group}", None, 200, "ProjectGroupResource", False),
    ("GET", "{p}/projects", None, 200, "ProjectResourceCollection", False),
    ("POST", "{p}/projects", {"Name": "New"}, 201, "ProjectResource", False),
    ("GET", "{p}/projects/all", None, 200, "ProjectResource", True),
    ("GET", "{p}/projects/{project}", None, 200, "ProjectResource", False),
    ("GET", "{p}/projects/{project}/channels", None, 200, "ChannelResourceCollection", False),
    ("GET", "{p}/channels", None, 200, "ChannelResourceCollection", False),
    ("GET", "{p}/channels/{channel}", None, 200, "ChannelResource", False),
    ("GET", "{p}/lifecycles", None, 200, "LifecycleResourceCollection", False),
    ("GET", "{p}/lifecycles/{lifecycle}", None, 200, "LifecycleResource", False),
    ("GET", "{p}/lifecycles/{lifecycle}/preview", None, 200, "LifecycleResource", False),
    ("GET", "{p}/tenants", None, 200, "TenantResourceCollection", False),
    ("GET", "{p}/tenants/{tenant}", None, 200, "TenantResource", False),
    ("GET", "{p}/deploymentprocesses?ids={process}", None, 200,
     "DeploymentProcessResourceCollection", False),
    ("GET", "{p}/deploymentprocesses/{process}", None, 200, "DeploymentProcessResource", False),
    ("PUT", "{p}/deploymentprocesses/{process}", {"Version": 0, "Steps": []}, 200,
     "DeploymentProcessResource", False),
    ("GET", "{p}/deploymentprocesses/{process}/template", None, 200, "ReleaseTemplateResource",
     False),
    ("GET", "{p}/projects/{project}/deploymentprocesses", None, 200, "", False),
    ("PUT", "{p}/projects/{project}/deploymentprocesses", {"Steps": []}, 200, "", False),
    ("GET", "{p}/runbookProcesses?ids={rbprocess}", None, 200,
     "RunbookProcessResourceCollection", False),
    ("GET", "{p}/runbookProcesses/{rbprocess}", None, 200, "RunbookProcessResource", False),
    ("PUT", "{p}/runbookProcesses/{rbprocess}", {"Steps": []}, 200, "RunbookProcessResource",
     False),
    ("GET", "{p}/variables?ids={varset}", None, 200, "", False),
    ("GET", "{p}/variables/{varset}", None, 200, "VariableSetResource", False),
    # Swagger 2021.2 describes a variable's Type as an object; servers send "String".
    ("PUT", "{p}/variables/{varset}", {"Variables": []}, 200, "VariableSetResource", False),
    ("GET", "{p}/releases", None, 200, "ReleaseResourceCollection", False),
    ("POST", "{p}/releases", {"ProjectId": "Projects-1", "Version": "9.9.9"}, 201,
     "ReleaseResource", False),
    ("GET", "{p}/releases/{release}", None, 200, "ReleaseResource", False),
    ("GET", "{p}/releases/{release}/deployments", None, 200, "DeploymentResourceCollection",
     False),
    ("GET", "{p}/releases/{release}/deployments/template", None, 200,
     "DeploymentTemplateResource", False),
    ("GET", "{p}/projects/{project}/releases", None, 200, "ReleaseResourceCollection", False),
    ("GET", "{p}/projects/{project}/releases/{version}", None, 200, "ReleaseResource", False),
    ("GET", "{p}/deployments", None, 200, "DeploymentResourceCollection", False),
    ("POST", "{p}/deployments", {"ReleaseId": "Releases-1", "EnvironmentId": "Environments-2"},
     201, "DeploymentResource", False),
    ("GET", "{p}/deployments/{deployment}", None, 200, "DeploymentResource", False),
    ("GET", "{p}/runbooks", None, 200, "RunbookResourceCollection", False),
    ("POST", "{p}/runbooks", {"ProjectId": "Projects-1", "Name": "Other"}, 201,
     "RunbookResource", False),
    ("GET", "{p}/runbooks/{runbook}", None, 200, "RunbookResource", False),
    ("POST", "{p}/runbooks/{runbook}/run", {"EnvironmentIds": ["Environments-1"]}, 201,
     "RunbookRunResource", True),
    ("GET", "{p}/runbooks/{runbook}/runbookSnapshots", None, 200,
     "RunbookSnapshotResourceCollection", False),
    ("GET", "{p}/runbooks/{runbook}/runbookRuns/preview/{environment}", None, 200,
     "RunbookRunPreviewResource", False),
    ("GET", "{p}/runbooks/{runbook}/runbookRuns/preview/{environment}/{tenant}", None, 200,
     "RunbookRunPreviewResource", False),
    ("GET", "{p}/deploymentsettings/{settings}", None, 200,
     "DeploymentSettingsResource", False),
    ("GET", "{p}/projects/{project}/deploymentsettings", None, 200, "DeploymentSettingsResource",
     False),
    ("GET", "{p}/projects/{project}/runbooks", None, 200, "RunbookResourceCollection", False),
    ("POST", "{p}/projects/{project}/runbooks", {"Name": "Other"}, 201, "RunbookResource",
     False),
    ("GET", "{p}/projects/{project}/runbookSnapshots", None, 200,
     "RunbookSnapshotResourceCollection", False),
    ("GET", "{p}/projects/{project}/runbookSnapshots/{snapshotname}", None, 200,
     "RunbookSnapshotResource", False),
    ("POST", "{p}/projects/{project}/runbookSnapshots?publish=true",
     {"ProjectId": "Projects-1", "RunbookId": "Runbooks-1", "Name": "Snapshot 2"}, 201,
     "RunbookSnapshotResource", False),
    ("GET", "{p}/runbookSnapshots", None, 200, "RunbookSnapshotResourceCollection", False),
    ("POST", "{p}/runbookSnapshots", {"RunbookId": "Runbooks-1"}, 201,
     "RunbookSnapshotResource", False),
    ("GET", "{p}/runbookSnapshots/{snapshot}", None, 200, "RunbookSnapshotResource", False),
    ("GET", "{p}/runbookRuns", None, 200, "RunbookRunResourceCollection", False),
    ("POST", "{p}/runbookRuns", {"RunbookId": "Runbooks-1", "EnvironmentId": "Environments-1"},
     201, "RunbookRunResource", False),
    ("GET", "{p}/runbookRuns/{run}", None, 200, "RunbookRunResource", False),
    ("GET", "{p}/interruptions", None, 200, "InterruptionResourceCollection", False),
    ("GET", "{p}/interruptions?regarding={deployment}&pendingOnly=true", None, 200,
     "InterruptionResourceCollection", False),
    ("GET", "{p}/interruptions/{interruption}", None, 200, "InterruptionResource", False),
    ("POST", "{p}/interruptions/{interruption}/submit", {"Result": "Ignore"}, 200,
     "InterruptionResource", False),
    ("POST", "{p}/interruptions/{interruption}/submit", {"Result": "No"}, 400, "Error", False),
    ("POST", "{p}/environments", {"Name": "Staging"}, 201, "EnvironmentResource", False),
    ("GET", "{p}/environments/v2?partialName=dev", None, 200, "", False),
    ("POST", "{p}/tenants", {"Name": "Globex", "ProjectEnvironments": {}}, 201, "TenantResource",
     False),
    ("GET", "{p}/projects/{rbproject}/runbookProcesses/{rbprocess}", None, 200, "", False),
    ("PUT", "{p}/projects/{rbproject}/runbookProcesses/{rbprocess}", {"Steps": []}, 200, "",
     False),
    ("POST", "{p}/releases/create/v1", {"ProjectName": "Web"}, 200, "", False),
    ("POST", "{p}/deployments/create/untenanted/v1",
     {"projectName": "Web", "releaseVersion": "0.0.1", "environmentNames": ["Development"]},
     200, "", False),
    ("POST", "{p}/deployments/create/tenanted/v1",
     {"ProjectName": "Web", "ReleaseVersion": "0.0.1", "EnvironmentName": "Development",
      "Tenants": ["Acme"]}, 200, "", False),
    ("POST", "{p}/runbook-runs/create/v1",
     {"ProjectName": "Web", "RunbookName": "Restart", "EnvironmentNames": ["Development"]},
     200, "", False),
    ("GET", "{p}/projects/NoSuchProject", None, 404, "Error", False),
    ("POST", "{p}/releases", {"ProjectId": "Projects-1", "Version": "0.0.1"}, 400, "Error",
     False),
]

# (method, path template, json body, expected status, definition, is-array)
CONNECT: list[tuple[str, str, Any, int, str | None, bool]] = [
    ("GET", "/api", None, 200, "RootResource", False),
    ("GET", "/api/", None, 200, "RootResource", False),
    ("GET", "/api/Spaces-1", None, 200, "SpaceRootResource", False),
    ("GET", "/api/spaces", None, 200, "SpaceResourceCollection", False),
    ("GET", "/api/spaces/all", None, 200, "SpaceResource", True),
    ("GET", "/api/spaces/Spaces-1", None, 200, "SpaceResource", False),
    ("POST", "/api/spaces", {"Name": "Staging", "SpaceManagersTeamMembers": []}, 201,
     "SpaceResource", False),
    ("PUT", "/api/spaces/Spaces-1", {"Name": "Default", "TaskQueueStopped": True}, 200,
     "SpaceResource", False),
    ("DELETE", "/api/spaces/Spaces-1", None, 400, "Error", False),  # the default space
    ("GET", "/api/users/me", None, 200, "UserResource", False),
    ("GET", "/api/users/{user}/spaces", None, 200, "SpaceResource", True),
]
SCOPED: list[tuple[str, str, Any, int, str | None, bool]] = [
    ("GET", "{p}/tasks", None, 200, "TaskResourceCollection", False),
    ("GET", "{p}/tasks?take=2", None, 200, "TaskResourceCollection", False),
    ("POST", "{p}/tasks", {"Name": "Upgrade", "Description": "d"}, 201, "TaskResource", False),
    ("GET", "{p}/tasks/tasktypes", None, 200, "TaskTypeResource", True),
    ("GET", "{p}/tasks/{done}", None, 200, "TaskResource", False),
    ("GET", "{p}/tasks/{running}", None, 200, "TaskResource", False),
    ("GET", "{p}/tasks/{queued}", None, 200, "TaskResource", False),
    ("GET", "{p}/tasks/{done}/details", None, 200, "TaskDetailsResource", False),
    ("GET", "{p}/tasks/{failed}/details?verbose=true", None, 200, "TaskDetailsResource", False),
    ("GET", "{p}/tasks/{running}/details?tail=1", None, 200, "TaskDetailsResource", False),
    ("GET", "{p}/tasks/{done}/raw", None, 200, None, False),
    ("POST", "{p}/tasks/{running}/cancel", None, 200, "TaskResource", False),
    ("POST", "{p}/tasks/rerun/{done}", None, 200, "TaskResource", False),
    ("POST", "{p}/tasks/{done}/state", {"State": "Failed", "Reason": "r"}, 200, "TaskResource",
     False),
    ("GET", "{p}/tasks/{queued}/queued-behind", None, 200, "TaskResourceCollection", False),
    ("GET", "{p}/environments", None, 200, "EnvironmentResourceCollection", False),
    ("GET", "{p}/environments/all", None, 200, "EnvironmentResource", True),
    ("GET", "{p}/environments/{environment}", None, 200, "EnvironmentResource", False),
    ("GET", "{p}/machines", None, 200, "DeploymentTargetResourceCollection", False),
    ("GET", "{p}/machines/all", None, 200, "DeploymentTargetResource", True),
    ("GET", "{p}/machines/{machine}", None, 200, "DeploymentTargetResource", False),
    ("GET", "{p}/machines/{machine}/connection", None, 200, "MachineConnectionStatus", False),
    ("GET", "{p}/machines/{machine}/tasks", None, 200, "TaskResourceCollection", False),
    *DEPLOYMENT_CASES,
    # error bodies
    ("GET", "{p}/tasks/ServerTasks-999", None, 404, "Error", False),
    ("POST", "{p}/tasks", {"Name": "NoSuchType"}, 400, "Error", False),
]


Case = tuple[str, str, Any, int, str | None, bool]


def _cases() -> list[Case]:
    cases: list[Case] = list(CONNECT)
    for form in FORMS:
        cases += [(m, p.replace("{p}", form), b, s, d, a) for m, p, b, s, d, a in SCOPED]
    return cases


@pytest.mark.parametrize(("method", "path", "body", "status", "definition", "array"), _cases())
def test_route_answers_valid_swagger_json(
    method: str, path: str, body: Any, status: int, definition: str | None, array: bool
) -> None:
    sim, ids = _world()  # fresh per case: cancel/rerun/state change the world
    url = path.format(**ids)
    with sim.client() as client:
        response = client.request(method, url, json=body)
    assert response.status_code == status, response.text
    if definition is None:
        assert response.headers["content-type"].startswith("text/plain")
        return
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    if definition == "":
        return  # a route the 2021.2 spec does not have
    assert_valid(response.json(), definition, array=array, where=f"{method} {url}")


def test_walk_covers_every_registered_route() -> None:
    """The walk above names every route in the table, at every URL form it is served at."""
    sim = Simulation()
    walked = {
        (m, _shape(p.split("?")[0].format(**dict.fromkeys(_KEYS, "X"))))
        for m, p, *_ in _cases()
    }
    expected = set()
    for route in sim.api.router.routes:
        rest = route.pattern[len("/api"):]
        forms = FORMS if route.space_scoped else ("/api",)
        for form in forms:
            expected.add((route.method, _shape(form + rest if route.space_scoped else
                                               route.pattern)))
    assert expected <= walked, sorted(expected - walked)


_KEYS = ("done", "running", "queued", "failed", "machine", "environment", "user", "project",
         "group", "channel", "lifecycle", "tenant", "varset", "release", "deployment", "runbook",
         "snapshot", "snapshotname", "settings", "run", "version", "process", "rbprocess",
         "rbproject", "interruption")


def _shape(path: str) -> str:
    """A path with every id-like segment replaced by {}, for comparing to patterns."""
    out = []
    for segment in split_path(path):
        is_param = segment.startswith("{") or segment == "X" or _ID.fullmatch(segment)
        out.append("{}" if is_param else segment.lower())
    return "/" + "/".join(out)


def test_error_body_is_a_valid_swagger_error(client: httpx.Client) -> None:
    response = client.get("/api/nowhere")
    assert response.status_code == 404
    assert_valid(response.json(), "Error")


def test_validation_really_rejects_a_wrong_shape() -> None:
    with pytest.raises(AssertionError, match="State"):
        assert_valid({"Id": "ServerTasks-1", "State": "Sleeping"}, "TaskResource")
    with pytest.raises(AssertionError, match="Links"):
        assert_valid({"Id": "ServerTasks-1", "Links": {"Self": 3}}, "TaskResource")
