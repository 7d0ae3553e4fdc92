"""The TS api-client 3.11's exact request sequences (octopus-deployments.md §1.2, §6.1):
its own set-up path, create release → deploy (untenanted and tenanted) → wait, and a
runbook run, each request as the real client sends it, each answer read as it reads it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from octosim.model.deploy_errors import NO_PUBLISHED_SNAPSHOT, PROBLEM_WITH_REQUEST, RELEASE_EXISTS
from octosim.simulation import Simulation

SPACE = {"spaceId": "Spaces-1", "spaceIdOrName": "Default", "spaceName": "Default"}
SCRIPT_STEP = {
    "Name": "Say hello", "Condition": "Success", "PackageRequirement": "LetOctopusDecide",
    "StartTrigger": "StartAfterPrevious", "Properties": {},
    "Actions": [{
        "Name": "Run a Script", "ActionType": "Octopus.Script",
        "Properties": {"Octopus.Action.RunOnServer": "true",
                       "Octopus.Action.Script.ScriptSource": "Inline",
                       "Octopus.Action.Script.Syntax": "PowerShell",
                       "Octopus.Action.Script.ScriptBody": "Write-Host 'hello'"},
        "Environments": [], "ExcludedEnvironments": [], "Channels": [], "TenantTags": [],
        "Packages": [],
    }],
}


def _semver(text: str) -> tuple[int, ...]:
    parts = text.split(".")
    assert len(parts) == 3 and all(p.isdigit() for p in parts), text  # semver.lt would throw
    return tuple(int(p) for p in parts)


def set_up(client: httpx.Client) -> dict[str, Any]:
    """The TS client's own integration-test set-up (§6.1, last paragraph): a project with a
    script step, an environment, a runbook with a published snapshot, a connected tenant."""
    group = client.get("/api/Spaces-1/projectgroups", params={"take": 1}).json()["Items"][0]
    cycle = client.get("/api/Spaces-1/lifecycles", params={"take": 1}).json()["Items"][0]
    assert (group["Name"], cycle["Name"]) == ("Default Project Group", "Default Lifecycle")
    created = client.post("/api/Spaces-1/projects", json={
        "Name": "Probe Project", "ProjectGroupId": group["Id"], "LifecycleId": cycle["Id"]})
    assert created.status_code == 201, created.text
    project = created.json()
    process = client.get(f"/api/Spaces-1/projects/{project['Id']}/deploymentprocesses").json()
    assert (process["Id"], process["Steps"]) == (f"deploymentprocess-{project['Id']}", [])
    process["Steps"] = [SCRIPT_STEP]
    updated = client.put(f"/api/Spaces-1/projects/{project['Id']}/deploymentprocesses",
                         json=process)
    assert updated.status_code == 200 and updated.json()["Version"] == process["Version"] + 1
    env = client.post("/api/Spaces-1/environments", json={"Name": "Probe Env"})
    assert env.status_code == 201, env.text
    runbook = client.post(f"/api/Spaces-1/projects/{project['Id']}/runbooks",
                          json={"Name": "Restart", "ProjectId": project["Id"]})
    assert runbook.status_code == 201, runbook.text
    rb_process = client.get(runbook.json()["Links"]["RunbookProcess"]).json()
    rb_process["Steps"] = [SCRIPT_STEP]
    assert client.put(rb_process["Links"]["Self"], json=rb_process).status_code == 200
    snapshot = client.post(
        f"/api/Spaces-1/projects/{project['Id']}/runbookSnapshots", params={"publish": "true"},
        json={"ProjectId": project["Id"], "RunbookId": runbook.json()["Id"],
              "Name": "Snapshot 1", "Notes": ""})
    assert snapshot.status_code == 201, snapshot.text
    return {"project": project, "env": env.json(), "runbook": runbook.json(),
            "snapshot": snapshot.json()}


@pytest.fixture
def sim() -> Simulation:
    return Simulation(seed=2)


@pytest.fixture
def client(sim: Simulation) -> httpx.Client:
    return sim.client()


def wait(sim: Simulation, client: httpx.Client, ids: list[str]) -> list[dict[str, Any]]:
    """ServerTaskWaiter: poll the ids (take=300), sleep after every poll, until all done."""
    for _ in range(100):
        page = client.get("/api/Spaces-1/tasks",
                          params={"skip": 0, "take": 300, "ids": ",".join(ids)}).json()
        assert {t["Id"] for t in page["Items"]} == set(ids)  # else: "Unknown task Id(s)"
        sim.clock.sleep(1)
        if all(t["IsCompleted"] for t in page["Items"]):
            return list(page["Items"])
    raise AssertionError("tasks never completed")


def test_root_version_lets_the_ts_client_use_the_executions_api(client: httpx.Client) -> None:
    root = client.get("/api").json()
    assert _semver(root["Version"]) >= (2022, 3, 5512)
    assert root["InstallationId"]
    spaces = client.get("/api/spaces",
                        params={"partialName": "Default", "skip": 0, "take": 2147483647}).json()
    assert [s["Id"] for s in spaces["Items"] if s["Name"] == "Default"] == ["Spaces-1"]


def test_create_release_deploy_and_wait(sim: Simulation, client: httpx.Client) -> None:
    made = set_up(client)
    released = client.post("/api/Spaces-1/releases/create/v1",
                           json={**SPACE, "ProjectName": "Probe Project"})
    assert released.status_code == 200, released.text
    assert released.json() == {"ReleaseId": "Releases-1", "ReleaseVersion": "0.0.1"}
    release = client.get("/api/Spaces-1/releases/Releases-1").json()
    assert (release["Version"], release["ProjectId"]) == ("0.0.1", made["project"]["Id"])
    deployed = client.post("/api/Spaces-1/deployments/create/untenanted/v1", json={
        **SPACE, "ProjectName": "Probe Project", "ReleaseVersion": "0.0.1",
        "EnvironmentNames": ["Development"]})
    assert deployed.status_code == 200, deployed.text
    [entry] = deployed.json()["DeploymentServerTasks"]
    listed = client.get("/api/Spaces-1/deployments",
                        params={"take": 1, "ids": entry["DeploymentId"]}).json()["Items"]
    assert [(d["Id"], d["TaskId"], d["EnvironmentId"]) for d in listed] == [
        (entry["DeploymentId"], entry["ServerTaskId"], "Environments-1")]
    task = client.get(f"/api/Spaces-1/tasks/{entry['ServerTaskId']}").json()
    assert (task["Name"], task["Arguments"], task["SpaceId"]) == (
        "Deploy", {"DeploymentId": entry["DeploymentId"]}, "Spaces-1")
    assert task["Description"] == "Deploy Probe Project release 0.0.1 to Development"
    [done] = wait(sim, client, [entry["ServerTaskId"]])
    assert done["State"] == "Success"
    details = client.get(f"/api/Spaces-1/tasks/{entry['ServerTaskId']}/details").json()
    assert details["ActivityLogs"]


def test_deploy_to_several_environments_one_task_each(sim: Simulation,
                                                      client: httpx.Client) -> None:
    set_up(client)
    client.post("/api/Spaces-1/releases/create/v1", json={**SPACE, "ProjectName": "Probe Project"})
    first = client.post("/api/Spaces-1/deployments/create/untenanted/v1", json={
        **SPACE, "ProjectName": "Probe Project", "ReleaseVersion": "0.0.1",
        "EnvironmentNames": ["Development"]}).json()["DeploymentServerTasks"]
    wait(sim, client, [e["ServerTaskId"] for e in first])
    both = client.post("/api/Spaces-1/deployments/create/untenanted/v1", json={
        **SPACE, "ProjectName": "Probe Project", "ReleaseVersion": "0.0.1",
        "EnvironmentNames": ["development", "Environments-2"]}).json()
    assert [e["DeploymentId"] for e in both["DeploymentServerTasks"]] == [
        "Deployments-2", "Deployments-3"]


def test_tenanted_deployment(sim: Simulation, client: httpx.Client) -> None:
    made = set_up(client)
    sim.deployments.add_tenant("Spaces-1", "Tenant A",
                               {made["project"]["Id"]: ["Environments-1"]})
    client.post("/api/Spaces-1/releases/create/v1", json={**SPACE, "ProjectName": "Probe Project"})
    deployed = client.post("/api/Spaces-1/deployments/create/tenanted/v1", json={
        **SPACE, "ProjectName": "Probe Project", "ReleaseVersion": "0.0.1",
        "EnvironmentName": "Development", "Tenants": ["Tenant A"], "TenantTags": []})
    assert deployed.status_code == 200, deployed.text
    [entry] = deployed.json()["DeploymentServerTasks"]
    deployment = client.get(f"/api/Spaces-1/deployments/{entry['DeploymentId']}").json()
    assert deployment["TenantId"] == "Tenants-1"
    tasks = client.get("/api/Spaces-1/tasks", params={"tenant": "Tenants-1"}).json()["Items"]
    assert [t["Id"] for t in tasks] == [entry["ServerTaskId"]]


def test_runbook_run(sim: Simulation, client: httpx.Client) -> None:
    made = set_up(client)
    ran = client.post("/api/Spaces-1/runbook-runs/create/v1", json={
        **SPACE, "ProjectName": "Probe Project", "RunbookName": "Restart",
        "EnvironmentNames": ["Development"]})
    assert ran.status_code == 200, ran.text
    [entry] = ran.json()["RunbookRunServerTasks"]
    runs = client.get("/api/Spaces-1/runbookRuns",
                      params={"take": 1, "ids": entry["RunbookRunId"]}).json()["Items"]
    assert [(r["TaskId"], r["EnvironmentId"], r["RunbookSnapshotId"]) for r in runs] == [
        (entry["ServerTaskId"], "Environments-1", made["snapshot"]["Id"])]
    task = client.get(f"/api/tasks/{entry['ServerTaskId']}").json()
    assert (task["Name"], task["Arguments"]) == ("RunbookRun",
                                                 {"RunbookRunId": entry["RunbookRunId"]})
    by_runbook = client.get("/api/Spaces-1/tasks",
                            params={"runbook": made["runbook"]["Id"]}).json()["Items"]
    assert [t["Id"] for t in by_runbook] == [entry["ServerTaskId"]]
    [done] = wait(sim, client, [entry["ServerTaskId"]])
    assert done["IsCompleted"]


def _error(response: httpx.Response, status: int) -> list[str]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["ErrorMessage"] == PROBLEM_WITH_REQUEST or status == 404
    return list(body["Errors"])


def test_errors_as_the_client_shows_them(client: httpx.Client, sim: Simulation) -> None:
    made = set_up(client)
    body = {**SPACE, "ProjectName": "Probe Project", "ReleaseVersion": "1.2.3"}
    assert client.post("/api/Spaces-1/releases/create/v1", json=body).status_code == 200
    again = client.post("/api/Spaces-1/releases/create/v1", json=body)
    assert _error(again, 400) == [RELEASE_EXISTS.format(version="1.2.3")]
    same = client.post("/api/Spaces-1/releases/create/v1",
                       json={**body, "IgnoreIfAlreadyExists": True})
    assert same.json() == {"ReleaseId": "Releases-1", "ReleaseVersion": "1.2.3"}
    nowhere = client.post("/api/Spaces-1/deployments/create/untenanted/v1", json={
        **body, "EnvironmentNames": ["Development", "Nowhere"]})
    assert _error(nowhere, 400) == ["Unable to locate deployment environment(s) named 'Nowhere'"]
    unknown = client.post("/api/Spaces-1/releases/create/v1",
                          json={**SPACE, "ProjectName": "No Such Project"})
    assert unknown.status_code == 404
    assert unknown.json()["ErrorMessage"] == "The resource 'No Such Project' was not found."
    sim.deployments.runbooks[made["runbook"]["Id"]].published_runbook_snapshot_id = None
    unpublished = client.post("/api/Spaces-1/runbook-runs/create/v1", json={
        **SPACE, "ProjectName": "Probe Project", "RunbookName": "Restart",
        "EnvironmentNames": ["Development"]})
    assert _error(unpublished, 400) == [NO_PUBLISHED_SNAPSHOT]


def test_deploy_is_not_queueable_as_a_task(client: httpx.Client) -> None:
    refused = client.post("/api/Spaces-1/tasks",
                          json={"Name": "Deploy", "Arguments": {"DeploymentId": "Deployments-1"}})
    assert refused.status_code == 400
    assert "cannot be queued directly" in refused.json()["Errors"][0]
