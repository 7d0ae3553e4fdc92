"""The Go CLI's, the C# client's and npm ``octopus-deploy``'s exact request sequences
(octopus-deployments.md §1.4–§1.6), each answered as the doc says."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest
from deploy_world import hello_step

from octosim.model.deployment_rules import publish_runbook_snapshot
from octosim.model.projects import Project
from octosim.simulation import Simulation


@pytest.fixture
def sim() -> Simulation:
    sim = Simulation(seed=4)
    store = sim.deployments
    project = store.add_project("Spaces-1", "CaC Project")
    store.set_process(project.deployment_process_id, [hello_step()])
    runbook = store.add_runbook(project.id, "Restart")
    store.set_process(runbook.process.id, [hello_step()])
    return sim


@pytest.fixture
def client(sim: Simulation) -> httpx.Client:
    return sim.client()


def _project(sim: Simulation) -> Project:
    return sim.deployments.project("Spaces-1", "CaC Project")


def _go_project_lookup(client: httpx.Client, name: str) -> dict[str, object]:
    """GetByIdentifier: GET projects/{identifier}; on 404, ?partialName= and a name match."""
    direct = client.get(f"/api/Spaces-1/projects/{quote(name)}")
    assert direct.status_code == 404  # a name is not an id or slug
    page = client.get("/api/Spaces-1/projects", params={"partialName": name}).json()
    [found] = [p for p in page["Items"] if p["Name"].lower() == name.lower()]
    return dict(found)


# -- Go CLI ------------------------------------------------------------------------------------
def test_go_connect_finds_every_collection_link(client: httpx.Client) -> None:
    root = client.get("/api/").json()
    home = client.get("/api/Spaces-1").json()["Links"]
    for name in ("Projects", "Releases", "Channels", "Tasks", "Deployments",
                 "DeploymentProcesses", "Lifecycles", "Environments", "Runbooks",
                 "RunbookRuns", "RunbookSnapshots", "Variables"):
        assert home[name].startswith("/api/Spaces-1/"), name
        assert name in root["Links"]
    assert root["Links"]["Spaces"].startswith("/api/spaces")


def test_go_release_create(client: httpx.Client) -> None:
    project = _go_project_lookup(client, "CaC Project")
    created = client.post("/api/Spaces-1/releases/create/v1", json={
        "spaceIdOrName": "Spaces-1", "spaceId": "Spaces-1", "projectName": "CaC Project",
        "ignoreIfAlreadyExists": False, "ignoreChannelRules": False})
    assert created.status_code == 200, created.text
    release = client.get(f"/api/Spaces-1/releases/{created.json()['ReleaseId']}").json()
    channel = client.get(f"/api/Spaces-1/channels/{release['ChannelId']}").json()
    assert (release["ProjectId"], channel["Name"], channel["IsDefault"]) == (
        project["Id"], "Default", True)
    by_id = client.post("/api/Spaces-1/releases/create/v1", json={
        "spaceIdOrName": "Spaces-1", "projectName": project["Id"], "releaseVersion": "1.0",
        "channelName": channel["Id"]})
    assert by_id.json() == {"ReleaseId": "Releases-2", "ReleaseVersion": "1.0"}


def test_go_release_deploy_then_web_link(sim: Simulation, client: httpx.Client) -> None:
    client.post("/api/Spaces-1/releases/create/v1",
                json={"spaceIdOrName": "Spaces-1", "projectName": "CaC Project",
                      "releaseVersion": "1.0"})
    deployed = client.post("/api/Spaces-1/deployments/create/untenanted/v1", json={
        "spaceIdOrName": "Spaces-1", "spaceId": "Spaces-1", "projectName": "CaC Project",
        "releaseVersion": "1.0", "environmentNames": ["Development"],
        "forcePackageDownload": False, "useGuidedFailure": None,
        "forcePackageRedeployment": False, "updateVariableSnapshot": False})
    assert deployed.status_code == 200, deployed.text
    project = _go_project_lookup(client, "CaC Project")
    release = client.get(f"/api/Spaces-1/projects/{project['Id']}/releases/1.0")
    assert release.status_code == 200 and release.json()["Version"] == "1.0"
    assert client.get(f"/api/Spaces-1/projects/{project['Id']}/releases/9.9").status_code == 404


def test_go_runbook_run_and_task_wait(sim: Simulation, client: httpx.Client) -> None:
    publish_runbook_snapshot(sim.deployments, "Runbooks-1")
    ran = client.post("/api/Spaces-1/runbook-runs/create/v1", json={
        "spaceIdOrName": "Spaces-1", "spaceId": "Spaces-1", "projectName": "CaC Project",
        "runbookName": "Restart", "environmentNames": ["Development", "Test"]})
    assert ran.status_code == 200, ran.text
    ids = [e["ServerTaskId"] for e in ran.json()["RunbookRunServerTasks"]]
    assert len(ids) == 2
    tasks_link = client.get("/api/Spaces-1").json()["Links"]["Tasks"].split("{")[0]
    first = client.get(tasks_link, params={"ids": ",".join(ids)}).json()
    assert sorted(t["Id"] for t in first["Items"]) == sorted(ids)
    cancelled = client.post(f"/api/spaces/Spaces-1/tasks/{ids[1]}/cancel")
    assert cancelled.status_code == 200
    for _ in range(10):  # every 10 s until none is pending
        sim.clock.sleep(10)
        pending = [t for t in client.get(tasks_link, params={"ids": ",".join(ids)}).json()[
            "Items"] if not t["IsCompleted"]]
        if not pending:
            break
    states = {t["Id"]: t for t in client.get(tasks_link, params={"ids": ",".join(ids)}).json()[
        "Items"]}
    assert states[ids[0]]["FinishedSuccessfully"] and states[ids[1]]["State"] == "Canceled"
    assert client.get(f"/api/tasks/{ids[0]}/details").status_code == 200


# -- C# OctopusClients -------------------------------------------------------------------------
def test_csharp_create_then_get_self(sim: Simulation, client: httpx.Client) -> None:
    project = _project(sim)
    template = client.get(
        f"/api/Spaces-1/deploymentprocesses/{project.deployment_process_id}/template",
        params={"channel": "Channels-1"}).json()
    assert (template["NextVersionIncrement"], template["LastReleaseVersion"]) == ("0.0.1", None)
    created = client.post("/api/Spaces-1/releases", json={
        "ProjectId": project.id, "ChannelId": "Channels-1",
        "Version": template["NextVersionIncrement"], "SelectedPackages": []})
    assert created.status_code == 201, created.text
    release = client.get(created.json()["Links"]["Self"]).json()
    assert release == created.json()
    by_version = client.get(f"/api/Spaces-1/projects/{project.id}/releases/0.0.1").json()
    assert by_version["Id"] == release["Id"]
    deployment = client.post("/api/Spaces-1/deployments", json={
        "ReleaseId": release["Id"], "EnvironmentId": "Environments-1"})
    assert deployment.status_code == 201, deployment.text
    again = client.get(deployment.json()["Links"]["Self"]).json()
    task = client.get(again["Links"]["Task"]).json()
    assert (task["Name"], task["Arguments"]["DeploymentId"]) == ("Deploy", again["Id"])
    found = client.get("/api/Spaces-1/deployments", params={
        "projects": project.id, "environments": "Environments-1"}).json()["Items"]
    assert [d["Id"] for d in found] == [again["Id"]]
    of_release = client.get(release["Links"]["Deployments"].split("{")[0]).json()["Items"]
    assert [d["Id"] for d in of_release] == [again["Id"]]
    by_project = client.get("/api/Spaces-1/tasks", params={"project": project.id}).json()
    assert [t["Id"] for t in by_project["Items"]] == [task["Id"]]


def test_csharp_runbook_run_answers_an_array(sim: Simulation, client: httpx.Client) -> None:
    runbook = client.get("/api/Spaces-1/runbooks/Runbooks-1").json()
    refused = client.post(runbook["Links"]["CreateRunbookRun"],
                          json={"EnvironmentId": "Environments-1"})
    assert refused.status_code == 400
    assert refused.json()["Errors"] == ["Runbook has no published snapshot."]
    client.post("/api/Spaces-1/runbookSnapshots?publish=true", json={"RunbookId": runbook["Id"]})
    ran = client.post(runbook["Links"]["CreateRunbookRun"], json={
        "UseDefaultSnapshot": True, "RunbookId": runbook["Id"], "ProjectId": "Projects-1",
        "EnvironmentIds": ["Environments-1", "Environments-2"]})
    assert ran.status_code == 201, ran.text
    runs = ran.json()
    assert isinstance(runs, list) and len(runs) == 2
    for run in runs:
        assert client.get(run["Links"]["Self"]).json()["Id"] == run["Id"]
        assert client.get(run["Links"]["Task"]).json()["Name"] == "RunbookRun"


# -- npm octopus-deploy (camelCase, classic routes) --------------------------------------------
def test_octopus_deploy_release_create_and_deploy(sim: Simulation, client: httpx.Client) -> None:
    [space] = [s for s in client.get("/api/spaces/all").json() if s["Name"] == "Default"]
    base = f"/api/{space['Id']}"
    project = client.get(f"{base}/projects/cac-project").json()  # by slug
    process = client.get(f"{base}/deploymentProcesses/{project['DeploymentProcessId']}").json()
    packages = [{"stepName": action["Name"], "version": "1.0.0"}
                for step in process["Steps"] for action in step["Actions"]]
    created = client.post(f"{base}/releases", json={
        "projectId": project["Id"], "version": "1.0.0", "releaseNotes": "notes",
        "selectedPackages": packages})
    assert created.status_code == 201, created.text
    variables = client.get(f"{base}/variables/{project['VariableSetId']}").json()
    [env] = [e for e in variables["ScopeValues"]["Environments"] if e["Name"] == "Development"]
    deployed = client.post(f"{base}/deployments", json={
        "environmentId": env["Id"], "comments": "from npm", "releaseId": created.json()["Id"]})
    assert deployed.status_code == 201, deployed.text
    assert deployed.json()["Comments"] == "from npm"
    promoted = client.get(f"{base}/projects/{project['Id']}/releases/1.0.0").json()
    assert promoted["Id"] == created.json()["Id"]
