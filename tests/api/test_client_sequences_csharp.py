"""The C# client's create-then-GET-Self on every create route, the links its repositories
follow, and ``Tasks.WaitForCompletion`` polling each task's ``Links.Self`` every 4 s
(octopus-deployments.md §1.5). tests/api/deploy/test_deploy_classic_clients.py replays its
release → deploy and runbook-run sequences; this covers the rest of §1.5."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from deploy_world import hello_step

from octosim.simulation import Simulation


@pytest.fixture
def sim() -> Simulation:
    sim = Simulation(seed=7)
    store = sim.deployments
    project = store.add_project("Spaces-1", "Web")
    store.set_process(project.deployment_process_id, [hello_step()])
    runbook = store.add_runbook(project.id, "Restart")
    store.set_process(runbook.process.id, [hello_step()])
    return sim


@pytest.fixture
def client(sim: Simulation) -> httpx.Client:
    return sim.client()


def create(client: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """``Client.Create``: POST, then GET the answer's ``Links.Self`` and return that."""
    posted = client.post(path, json=body)
    assert posted.status_code == 201, (path, posted.text)
    self_link = posted.json()["Links"]["Self"]
    again = client.get(self_link)
    assert again.status_code == 200, (self_link, again.text)
    assert again.json()["Id"] == posted.json()["Id"], self_link
    return dict(again.json())


def test_every_create_route_answers_a_resource_whose_self_reads_back(
        client: httpx.Client) -> None:
    space = create(client, "/api/spaces", {"Name": "Staging"})
    create(client, "/api/Spaces-1/environments", {"Name": "Canary"})
    project = create(client, "/api/Spaces-1/projects", {
        "Name": "Api", "ProjectGroupId": "ProjectGroups-1", "LifecycleId": "Lifecycles-1"})
    create(client, f"/api/{space['Id']}/projects", {"Name": "Api"})  # same name, other space
    create(client, "/api/Spaces-1/tenants", {
        "Name": "Acme", "ProjectEnvironments": {project["Id"]: ["Environments-1"]}})
    release = create(client, "/api/Spaces-1/releases", {
        "ProjectId": "Projects-1", "ChannelId": "Channels-1", "Version": "1.0.0",
        "SelectedPackages": []})
    create(client, "/api/Spaces-1/deployments",
           {"ReleaseId": release["Id"], "EnvironmentId": "Environments-1"})
    runbook = create(client, "/api/Spaces-1/runbooks", {"ProjectId": "Projects-1", "Name": "Purge"})
    create(client, f"/api/Spaces-1/projects/{project['Id']}/runbooks", {"Name": "Warm"})
    snapshot = create(client, "/api/Spaces-1/runbookSnapshots?publish=true",
                      {"RunbookId": "Runbooks-1"})
    create(client, "/api/Spaces-1/runbookRuns", {
        "RunbookId": "Runbooks-1", "EnvironmentId": "Environments-1",
        "RunbookSnapshotId": snapshot["Id"]})
    create(client, "/api/Spaces-1/tasks", {"Name": "Retention"})
    assert runbook["ProjectId"] == "Projects-1"


def test_the_links_the_repositories_follow(sim: Simulation, client: httpx.Client) -> None:
    release = client.post("/api/Spaces-1/releases",
                          json={"ProjectId": "Projects-1", "Version": "1.0.0"}).json()
    deployment = client.post("/api/Spaces-1/deployments", json={
        "ReleaseId": release["Id"], "EnvironmentId": "Environments-1"}).json()
    client.post("/api/Spaces-1/runbookSnapshots?publish=true", json={"RunbookId": "Runbooks-1"})
    [run] = client.post("/api/Spaces-1/runbooks/Runbooks-1/run",
                        json={"EnvironmentId": "Environments-1"}).json()
    project = client.get("/api/Spaces-1/projects/Projects-1").json()
    runbook = client.get("/api/Spaces-1/runbooks/Runbooks-1").json()
    task = client.get(deployment["Links"]["Task"]).json()
    expected = {
        "Release": (release, ["Deployments", "DeploymentTemplate", "Artifacts",
                              "SnapshotVariables"]),
        "Deployment": (deployment, ["Task"]),
        "Project": (project, ["Releases", "Channels", "Runbooks", "RunbookSnapshots",
                              "Progression", "Triggers"]),
        "Runbook": (runbook, ["CreateRunbookRun", "RunbookRunTemplate",
                              "RunbookSnapshotTemplate", "RunbookRunPreview"]),
        "RunbookRun": (run, ["Task"]),
        "Task": (task, ["Self", "Cancel", "Details", "Raw", "Rerun", "State", "QueuedBehind"]),
    }
    for kind, (resource, names) in expected.items():
        missing = [n for n in names if n not in resource["Links"]]
        assert not missing, (kind, missing)
    # GetReleaseByVersion: the project's Releases template with {version}.
    by_version = project["Links"]["Releases"].split("{")[0] + "/1.0.0"
    assert client.get(by_version).json()["Id"] == release["Id"]
    for link in ("Deployments", "DeploymentTemplate"):
        answer = client.get(release["Links"][link].split("{")[0])
        assert answer.status_code == 200, (link, answer.text)


def test_wait_for_completion_polls_each_tasks_self(sim: Simulation,
                                                   client: httpx.Client) -> None:
    release = client.post("/api/Spaces-1/releases",
                          json={"ProjectId": "Projects-1", "Version": "1.0.0"}).json()
    deployment = client.post("/api/Spaces-1/deployments", json={
        "ReleaseId": release["Id"], "EnvironmentId": "Environments-1"}).json()
    task = client.get(deployment["Links"]["Task"]).json()
    polls = 0
    while not task["IsCompleted"]:  # no deadline (timeoutAfterMinutes = 0)
        assert polls < 100, task["State"]
        sim.clock.sleep(4)
        task = client.get(task["Links"]["Self"]).json()
        polls += 1
    assert task["State"] == "Success" and polls >= 1
