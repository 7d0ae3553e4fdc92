"""The request sequences ``nox -s interop`` sends with the real @octopusdeploy/api-client 3.11
(interop/ts_client.mjs), replayed in-process so CI covers them without node: the client's
own integration-test set-up in a new space (octopus-deployments.md §6.1, last paragraph),
a tenant created over REST and a tenanted deployment, a runbook set up through the
project-scoped routes and run, and environments found by name (``environments/v2``).
Each request is the one the client sends, each answer read as the client reads it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from octosim.api.spaces import TASK_QUEUE_RUNNING
from octosim.model.deploy_errors import PROBLEM_WITH_REQUEST
from octosim.simulation import Simulation

#: What ``doCommand`` adds to every executions-API body once the space name is resolved.
SPACE = {"spaceId": "Spaces-1", "spaceIdOrName": "Default", "spaceName": "Default"}


def server_step(name: str) -> dict[str, Any]:
    """The step of deploymentRepository.test.js: PowerShell, run on the server."""
    return {
        "Id": "", "Name": name, "Condition": "Success", "PackageRequirement": "LetOctopusDecide",
        "StartTrigger": "StartAfterPrevious", "Properties": {},
        "Actions": [{
            "Id": "", "Name": "Run a Script", "ActionType": "Octopus.Script", "Notes": None,
            "IsDisabled": False, "CanBeUsedForProjectVersioning": False, "IsRequired": False,
            "WorkerPoolId": None, "Container": {"Image": None, "FeedId": None},
            "WorkerPoolVariable": "", "Environments": [], "ExcludedEnvironments": [],
            "Channels": [], "TenantTags": [], "Packages": [], "Condition": "Success",
            "Properties": {"Octopus.Action.RunOnServer": "true",
                           "Octopus.Action.Script.ScriptSource": "Inline",
                           "Octopus.Action.Script.Syntax": "PowerShell",
                           "Octopus.Action.Script.ScriptBody": "Write-Host 'hello'"},
        }],
    }


@pytest.fixture
def sim() -> Simulation:
    return Simulation(seed=5)


@pytest.fixture
def client(sim: Simulation) -> httpx.Client:
    return sim.client()


def resolve_space(client: httpx.Client, name: str) -> str:
    """spaceResolver: ``GET /api/spaces?partialName=…&skip=0&take=2147483647``, exact name."""
    page = client.get("/api/spaces",
                      params={"partialName": name, "skip": 0, "take": 2147483647}).json()
    [space_id] = [s["Id"] for s in page["Items"] if s["Name"] == name]
    return str(space_id)


def create_project(client: httpx.Client, base: str, name: str,
                   step: dict[str, Any]) -> dict[str, Any]:
    """``createProject``: first group and lifecycle, POST the project, PUT its process."""
    group = client.get(f"{base}/projectgroups", params={"take": 1}).json()["Items"][0]
    cycle = client.get(f"{base}/lifecycles", params={"take": 1}).json()["Items"][0]
    created = client.post(f"{base}/projects", json={
        "LifecycleId": cycle["Id"], "Name": name, "ProjectGroupId": group["Id"]})
    assert created.status_code == 201, created.text
    project: dict[str, Any] = created.json()
    process = client.get(f"{base}/projects/{project['Id']}/deploymentprocesses").json()
    process["Steps"] = [step]
    updated = client.put(f"{base}/projects/{project['Id']}/deploymentprocesses", json=process)
    assert updated.status_code == 200, updated.text
    return project


def wait(sim: Simulation, client: httpx.Client, base: str, ids: list[str]) -> list[dict[str, Any]]:
    """ServerTaskWaiter: poll the ids (take=300), sleep after every poll, until all done."""
    for _ in range(100):
        page = client.get(f"{base}/tasks",
                          params={"skip": 0, "take": 300, "ids": ",".join(ids)}).json()
        assert {t["Id"] for t in page["Items"]} == set(ids)  # else: "Unknown task Id(s)"
        sim.clock.sleep(1)
        if all(t["IsCompleted"] for t in page["Items"]):
            return list(page["Items"])
    raise AssertionError("tasks never completed")


# -- the client's own integration-test path ---------------------------------------------------
def test_set_up_deploy_and_delete_a_new_space(sim: Simulation, client: httpx.Client) -> None:
    user = client.get("/api/users/me").json()
    created = client.post("/api/spaces", json={
        "Name": "0f1e2d3c-4b5a-6978-8", "SpaceManagersTeams": [],
        "SpaceManagersTeamMembers": [user["Id"]], "IsDefault": False})
    assert created.status_code == 201, created.text
    space = created.json()
    assert (space["Id"], space["SpaceManagersTeamMembers"], space["TaskQueueStopped"]) == (
        "Spaces-2", [user["Id"]], False)
    space_id = resolve_space(client, space["Name"])
    base = f"/api/{space_id}"
    # A fresh space has the defaults the client's tests take with list({take: 1}).
    project = create_project(client, base, "d41d8cd9-8f00-b204", server_step("Say hello"))
    assert project["SpaceId"] == space_id
    env = client.post(f"{base}/environments", json={"Name": "e3b0c442-98fc-1c14"})
    assert env.status_code == 201 and env.json()["SpaceId"] == space_id, env.text
    names = {"spaceId": space_id, "spaceIdOrName": space["Name"], "spaceName": space["Name"]}
    release = client.post(f"{base}/releases/create/v1",
                          json={**names, "ProjectName": project["Name"]}).json()
    assert release["ReleaseVersion"] == "0.0.1"
    deployed = client.post(f"{base}/deployments/create/untenanted/v1", json={
        **names, "ProjectName": project["Name"], "ReleaseVersion": "0.0.1",
        "EnvironmentNames": [env.json()["Name"]]}).json()
    ids = [t["DeploymentId"] for t in deployed["DeploymentServerTasks"]]
    listed = client.get(f"{base}/deployments", params={"ids": ",".join(ids)}).json()
    assert len(listed["Items"]) == 1
    tasks = [t["ServerTaskId"] for t in deployed["DeploymentServerTasks"]]
    [done] = wait(sim, client, base, tasks)
    assert done["State"] == "Success"
    # afterEach: stop the space's task queue (a PUT of the resource as read), delete it.
    space["TaskQueueStopped"] = True
    stopped = client.put(f"/api/spaces/{space_id}", json=space)
    assert stopped.status_code == 200 and stopped.json()["TaskQueueStopped"] is True
    deleted = client.delete(f"/api/spaces/{space_id}")
    assert deleted.status_code == 200, deleted.text
    assert client.get("/api/spaces", params={"partialName": space["Name"]}).json()[
        "TotalResults"] == 0
    assert client.get(base).status_code == 404
    assert project["Id"] not in sim.deployments.projects
    assert env.json()["Id"] not in sim.world.environments


def test_a_stopped_task_queue_starts_nothing_until_restarted(sim: Simulation,
                                                            client: httpx.Client) -> None:
    create_project(client, "/api/Spaces-1", "Held", server_step("Say hello"))
    client.post("/api/Spaces-1/releases/create/v1", json={**SPACE, "ProjectName": "Held"})
    space = client.get("/api/spaces/Spaces-1").json()
    space["TaskQueueStopped"] = True
    assert client.put("/api/spaces/Spaces-1", json=space).status_code == 200
    [entry] = client.post("/api/Spaces-1/deployments/create/untenanted/v1", json={
        **SPACE, "ProjectName": "Held", "ReleaseVersion": "0.0.1",
        "EnvironmentNames": ["Development"]}).json()["DeploymentServerTasks"]
    sim.clock.sleep(300)
    task = client.get(f"/api/tasks/{entry['ServerTaskId']}").json()
    assert (task["State"], task["HasBeenPickedUpByProcessor"]) == ("Queued", False)
    space["TaskQueueStopped"] = False
    assert client.put("/api/spaces/Spaces-1", json=space).status_code == 200
    [done] = wait(sim, client, "/api/Spaces-1", [entry["ServerTaskId"]])
    assert done["State"] == "Success"


def _refusal(response: httpx.Response) -> str:
    assert response.status_code == 400, response.text
    assert response.json()["ErrorMessage"] == PROBLEM_WITH_REQUEST
    [line] = response.json()["Errors"]
    return str(line)


def test_space_deletion_refusals(sim: Simulation, client: httpx.Client) -> None:
    space = client.post("/api/spaces", json={"Name": "Scratch"}).json()
    running = _refusal(client.delete(f"/api/spaces/{space['Id']}"))
    assert running == TASK_QUEUE_RUNNING.format(name="Scratch")
    create_project(client, f"/api/{space['Id']}", "Slow", server_step("Say hello"))
    client.post(f"/api/{space['Id']}/environments", json={"Name": "Dev"})
    client.post(f"/api/{space['Id']}/releases/create/v1", json={"ProjectName": "Slow"})
    client.post(f"/api/{space['Id']}/deployments/create/untenanted/v1", json={
        "ProjectName": "Slow", "ReleaseVersion": "0.0.1", "EnvironmentNames": ["Dev"]})
    space["TaskQueueStopped"] = True
    client.put(f"/api/spaces/{space['Id']}", json=space)
    unfinished = _refusal(client.delete(f"/api/spaces/{space['Id']}"))
    assert "still has unfinished tasks (ServerTasks-1)" in unfinished
    default = client.get("/api/spaces/Spaces-1").json()
    client.put("/api/spaces/Spaces-1", json={**default, "TaskQueueStopped": True})
    assert "default space" in _refusal(client.delete("/api/spaces/Spaces-1"))
    taken = _refusal(client.post("/api/spaces", json={"Name": "scratch"}))
    assert "already exists" in taken
    nobody = _refusal(client.post("/api/spaces", json={
        "Name": "Other", "SpaceManagersTeamMembers": ["Users-99"]}))
    assert "Users-99" in nobody


# -- tenants, runbooks and environments in the Default space ----------------------------------
def test_tenant_created_over_rest_then_a_tenanted_deployment(sim: Simulation,
                                                             client: httpx.Client) -> None:
    project = create_project(client, "/api/Spaces-1", "Tenanted", server_step("Say hello"))
    env = next(e for e in client.get("/api/Spaces-1/environments").json()["Items"]
               if e["Name"] == "Development")
    created = client.post("/api/Spaces-1/tenants", json={
        "Name": "Tenant A", "TenantTags": [], "ProjectEnvironments": {project["Id"]: [env["Id"]]},
        "spaceId": "Spaces-1"})
    assert created.status_code == 201, created.text
    tenant = created.json()
    assert tenant["ProjectEnvironments"] == {project["Id"]: [env["Id"]]}
    release = client.post("/api/Spaces-1/releases/create/v1",
                          json={**SPACE, "ProjectName": "Tenanted"}).json()
    deployed = client.post("/api/Spaces-1/deployments/create/tenanted/v1", json={
        **SPACE, "ProjectName": "Tenanted", "ReleaseVersion": release["ReleaseVersion"],
        "EnvironmentName": "Development", "Tenants": ["Tenant A"], "TenantTags": []})
    assert deployed.status_code == 200, deployed.text
    [entry] = deployed.json()["DeploymentServerTasks"]
    [listed] = client.get("/api/Spaces-1/deployments",
                          params={"take": 1, "ids": entry["DeploymentId"]}).json()["Items"]
    assert listed["TenantId"] == tenant["Id"]
    [done] = wait(sim, client, "/api/Spaces-1", [entry["ServerTaskId"]])
    assert done["State"] == "Success"


def test_tenant_refusals(client: httpx.Client) -> None:
    project = create_project(client, "/api/Spaces-1", "P", server_step("Say hello"))
    assert "Projects-99" in _refusal(client.post("/api/Spaces-1/tenants", json={
        "Name": "T", "ProjectEnvironments": {"Projects-99": ["Environments-1"]}}))
    assert "'Environments-99'" in _refusal(client.post("/api/Spaces-1/tenants", json={
        "Name": "T", "ProjectEnvironments": {project["Id"]: ["Environments-99"]}}))
    assert "array of environment ids" in _refusal(client.post("/api/Spaces-1/tenants", json={
        "Name": "T", "ProjectEnvironments": {project["Id"]: "Environments-1"}}))
    assert "Name is required" in _refusal(client.post("/api/Spaces-1/tenants", json={}))


def test_runbook_set_up_through_the_project_routes_and_run(sim: Simulation,
                                                           client: httpx.Client) -> None:
    project = create_project(client, "/api/Spaces-1", "Ops", server_step("Deploy"))
    pid = project["Id"]
    runbook = client.post(f"/api/Spaces-1/projects/{pid}/runbooks", json={
        "Name": "Restart", "ProjectId": pid, "Description": "", "MultiTenancyMode": "Untenanted",
        "EnvironmentScope": "All", "DefaultGuidedFailureMode": "EnvironmentDefault",
        "RunRetentionPolicy": {"QuantityToKeep": 100, "ShouldKeepForever": False}}).json()
    path = f"/api/Spaces-1/projects/{pid}/runbookProcesses/{runbook['RunbookProcessId']}"
    process = client.get(path).json()
    assert (process["RunbookId"], process["Steps"]) == (runbook["Id"], [])
    process["Steps"] = [server_step("Restart the app")]
    updated = client.put(path, json=process)
    assert updated.status_code == 200 and updated.json()["Version"] == process["Version"] + 1
    snapshot = client.post(f"/api/Spaces-1/projects/{pid}/runbookSnapshots",
                           params={"publish": "true"},
                           json={"ProjectId": pid, "RunbookId": runbook["Id"],
                                 "Name": "Snapshot 1"})
    assert snapshot.status_code == 201, snapshot.text
    # A later edit changes the process, never the snapshot that runs.
    process = client.get(path).json()
    process["Steps"] = []
    client.put(path, json=process)
    ran = client.post("/api/Spaces-1/runbook-runs/create/v1", json={
        **SPACE, "ProjectName": "Ops", "RunbookName": "Restart",
        "EnvironmentNames": ["Development"]}).json()
    [entry] = ran["RunbookRunServerTasks"]
    [run] = client.get("/api/Spaces-1/runbookRuns",
                       params={"take": 1, "ids": entry["RunbookRunId"]}).json()["Items"]
    assert run["RunbookSnapshotId"] == snapshot.json()["Id"]
    [done] = wait(sim, client, "/api/Spaces-1", [entry["ServerTaskId"]])
    assert (done["Name"], done["State"]) == ("RunbookRun", "Success")
    other = create_project(client, "/api/Spaces-1", "Other", server_step("Deploy"))
    elsewhere = f"/api/Spaces-1/projects/{other['Id']}/runbookProcesses/"
    assert client.get(elsewhere + runbook["RunbookProcessId"]).status_code == 404


def test_environments_found_by_name(client: httpx.Client) -> None:
    created = client.post("/api/Spaces-1/environments", json={"Name": "Blue Green"}).json()
    # getEnvironmentByName: v2, partialName, take 100, then a case-insensitive exact match.
    page = client.get("/api/Spaces-1/environments/v2",
                      params={"partialName": "BLUE GREEN", "take": 100, "skip": 0}).json()
    [found] = [e for e in page["Items"] if e["Name"].lower() == "blue green"]
    assert (found["Id"], found["Slug"], found["Type"]) == (created["Id"], "blue-green", "Static")
    ephemeral = client.get("/api/Spaces-1/environments/v2", params={"type": "Ephemeral"}).json()
    assert ephemeral["Items"] == []
    by_id = client.get(f"/api/Spaces-1/environments/{created['Id']}").json()
    assert by_id["Name"] == "Blue Green"


# -- ServerTaskWaiter's edges and the GitHub actions built on the client ----------------------
def test_waiter_sees_an_unknown_id_missing_and_cancels_on_timeout(sim: Simulation,
                                                                  client: httpx.Client) -> None:
    project = create_project(client, "/api/Spaces-1", "Slow", server_step("Say hello"))
    process = client.get(f"/api/Spaces-1/projects/{project['Id']}/deploymentprocesses").json()
    process["Steps"][0]["Actions"][0]["Properties"]["Octopus.Action.Script.ScriptBody"] = (
        "Start-Sleep -Seconds 600")
    client.put(f"/api/Spaces-1/projects/{project['Id']}/deploymentprocesses", json=process)
    client.post("/api/Spaces-1/releases/create/v1", json={**SPACE, "ProjectName": "Slow"})
    [entry] = client.post("/api/Spaces-1/deployments/create/untenanted/v1", json={
        **SPACE, "ProjectName": "Slow", "ReleaseVersion": "0.0.1",
        "EnvironmentNames": ["Development"]}).json()["DeploymentServerTasks"]
    task_id = entry["ServerTaskId"]
    # An id the server does not know is simply absent: the client throws "Unknown task Id(s)".
    page = client.get("/api/Spaces-1/tasks",
                      params={"skip": 0, "take": 300, "ids": f"{task_id},ServerTasks-999"})
    assert [t["Id"] for t in page.json()["Items"]] == [task_id]
    for _ in range(3):  # a 3-second timeout with 1-second polls
        sim.clock.sleep(1)
        assert not client.get(f"/api/Spaces-1/tasks/{task_id}").json()["IsCompleted"]
    cancelled = client.post(f"/api/tasks/{task_id}/cancel", json={})  # cancelOnTimeout
    assert cancelled.status_code == 200 and cancelled.json()["State"] == "Cancelling"
    sim.clock.sleep(10)
    assert client.get(f"/api/tasks/{task_id}").json()["State"] == "Canceled"


def test_deploy_release_action_names_each_tasks_environment(sim: Simulation,
                                                            client: httpx.Client) -> None:
    create_project(client, "/api/Spaces-1", "Action", server_step("Say hello"))
    client.post("/api/Spaces-1/releases/create/v1", json={**SPACE, "ProjectName": "Action"})
    deployed = client.post("/api/Spaces-1/deployments/create/untenanted/v1", json={
        **SPACE, "ProjectName": "Action", "ReleaseVersion": "0.0.1",
        "EnvironmentNames": ["Development"], "UseGuidedFailure": False, "Variables": {}}).json()
    entries = deployed["DeploymentServerTasks"]
    deployments = client.get("/api/Spaces-1/deployments", params={
        "take": len(entries), "ids": ",".join(e["DeploymentId"] for e in entries)}).json()
    env_ids = [d["EnvironmentId"] for d in deployments["Items"]]
    # environments/v2 first; a 404 or empty Items would send it to environments?ids=.
    envs = client.get("/api/Spaces-1/environments/v2", params={
        "ids": ",".join(env_ids), "skip": 0, "take": len(env_ids)}).json()["Items"]
    names = {e["Id"]: e["Name"] for e in envs}
    server_tasks = [{"serverTaskId": d["TaskId"], "environmentName": names[d["EnvironmentId"]]}
                    for d in deployments["Items"]]
    assert server_tasks == [{"serverTaskId": entries[0]["ServerTaskId"],
                             "environmentName": "Development"}]


def test_a_deleted_spaces_tasks_go_with_it(sim: Simulation, client: httpx.Client) -> None:
    space = client.post("/api/spaces", json={"Name": "Brief"}).json()
    base = f"/api/{space['Id']}"
    create_project(client, base, "Once", server_step("Say hello"))
    client.post(f"{base}/environments", json={"Name": "Dev"})
    client.post(f"{base}/releases/create/v1", json={"ProjectName": "Once"})
    [entry] = client.post(f"{base}/deployments/create/untenanted/v1", json={
        "ProjectName": "Once", "ReleaseVersion": "0.0.1",
        "EnvironmentNames": ["Dev"]}).json()["DeploymentServerTasks"]
    kept = client.post("/api/Spaces-1/tasks", json={"Name": "Retention"}).json()["Id"]
    wait(sim, client, base, [entry["ServerTaskId"]])
    client.put(f"/api/spaces/{space['Id']}", json={**space, "TaskQueueStopped": True})
    assert client.delete(f"/api/spaces/{space['Id']}").status_code == 200
    assert client.get(f"/api/tasks/{entry['ServerTaskId']}").status_code == 404
    listed = client.get("/api/tasks").json()["Items"]
    assert [t["Id"] for t in listed] == [kept]
