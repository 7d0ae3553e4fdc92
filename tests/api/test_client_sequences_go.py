"""The Go CLI's request sequences that tests/api/deploy/test_deploy_classic_clients.py leaves
out (octopus-deployments.md §1.4, §1.9): ``task wait`` paging through the ``Tasks`` link
until ``Page.Next`` is absent, its failure test (``IsCompleted && !FinishedSuccessfully``)
and ``--progress`` reading the unscoped details; ``release deploy --tenant-tag`` in the Go
client's camelCase, which deploys to the tagged tenants connected to the project."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from deploy_world import hello_step

from octosim.model.projects import RUN_ON_SERVER, SCRIPT_BODY, DeploymentAction, DeploymentStep
from octosim.simulation import Simulation

#: ``MarshalJSON`` puts the space id in ``spaceIdOrName`` (§1.4).
GO_SPACE = {"spaceIdOrName": "Spaces-1", "spaceId": "Spaces-1"}


@pytest.fixture
def sim() -> Simulation:
    sim = Simulation(seed=6)
    store = sim.deployments
    project = store.add_project("Spaces-1", "CaC Project")
    store.set_process(project.deployment_process_id, [hello_step()])
    return sim


@pytest.fixture
def client(sim: Simulation) -> httpx.Client:
    return sim.client()


def tasks_link(client: httpx.Client) -> str:
    """The space root's ``Tasks`` link, its template stripped (the Go client expands it)."""
    return str(client.get("/api/Spaces-1").json()["Links"]["Tasks"].split("{")[0])


def get_all(client: httpx.Client, ids: list[str]) -> list[dict[str, Any]]:
    """``Tasks.Get({IDs})`` with ``GetAllPages``: follow ``Links["Page.Next"]`` until absent."""
    page = client.get(tasks_link(client), params={"ids": ",".join(ids)}).json()
    items = list(page["Items"])
    while "Page.Next" in page["Links"]:
        page = client.get(page["Links"]["Page.Next"]).json()
        items += page["Items"]
    return items


def deploy(client: httpx.Client, **fields: Any) -> list[str]:
    """``release deploy`` to Development (untenanted unless tenants or tags are given)."""
    kind = "tenanted" if "tenantTags" in fields or "tenants" in fields else "untenanted"
    where = ({"environmentName": "Development"} if kind == "tenanted"
             else {"environmentNames": ["Development"]})
    answer = client.post(f"/api/Spaces-1/deployments/create/{kind}/v1", json={
        **GO_SPACE, "projectName": "CaC Project", "releaseVersion": "1.0",
        "forcePackageDownload": False, "useGuidedFailure": None, **where, **fields})
    assert answer.status_code == 200, answer.text
    return [e["ServerTaskId"] for e in answer.json()["DeploymentServerTasks"]]


def test_task_wait_pages_through_every_id(sim: Simulation, client: httpx.Client) -> None:
    client.post("/api/Spaces-1/releases/create/v1",
                json={**GO_SPACE, "projectName": "CaC Project", "releaseVersion": "1.0"})
    ids = deploy(client)
    for _ in range(34):  # more than one page of ids
        created = client.post("/api/Spaces-1/tasks", json={"Name": "Retention"})
        ids.append(created.json()["Id"])
    first = get_all(client, ids)
    assert sorted(t["Id"] for t in first) == sorted(ids)  # else "no server tasks found"
    pending = set(ids)
    for _ in range(60):  # --poll-interval 10 s, --timeout 600 s
        if not pending:
            break
        sim.clock.sleep(10)
        pending = {t["Id"] for t in get_all(client, sorted(pending)) if not t["IsCompleted"]}
    assert not pending, "timeout while waiting for pending tasks"
    failed = [t["Id"] for t in get_all(client, ids) if not t["FinishedSuccessfully"]]
    assert failed == []


def test_task_wait_reports_a_failed_deployment(sim: Simulation, client: httpx.Client) -> None:
    store = sim.deployments
    project = store.project("Spaces-1", "CaC Project")
    fails = DeploymentAction("Fail", properties={RUN_ON_SERVER: "true", SCRIPT_BODY: "exit 3"})
    store.set_process(project.deployment_process_id, [DeploymentStep("Fail", [fails])])
    client.post("/api/Spaces-1/releases/create/v1",
                json={**GO_SPACE, "projectName": "CaC Project", "releaseVersion": "1.0"})
    [task_id] = deploy(client)
    sim.clock.sleep(120)
    [task] = get_all(client, [task_id])
    # "one or more deployment tasks failed: <ids>"
    assert (task["IsCompleted"], task["FinishedSuccessfully"], task["State"]) == (
        True, False, "Failed")
    assert task["ErrorMessage"]


def test_task_wait_progress_reads_the_finished_children(sim: Simulation,
                                                        client: httpx.Client) -> None:
    client.post("/api/Spaces-1/releases/create/v1",
                json={**GO_SPACE, "projectName": "CaC Project", "releaseVersion": "1.0"})
    [task_id] = deploy(client)
    sim.clock.sleep(120)
    details = client.get(f"/api/tasks/{task_id}/details")  # unscoped, as --progress reads it
    assert details.status_code == 200, details.text
    [root] = details.json()["ActivityLogs"]
    finished = [(c["Name"], c["Status"]) for c in root["Children"] if c["Ended"]]
    assert finished and all(status == "Success" for _, status in finished)
    assert any("Say hello" in name for name, _ in finished)


def test_release_deploy_by_tenant_tag(sim: Simulation, client: httpx.Client) -> None:
    store = sim.deployments
    project = store.project("Spaces-1", "CaC Project")
    other = store.add_project("Spaces-1", "Elsewhere")
    store.add_tenant("Spaces-1", "West One", {project.id: ["Environments-1"]},
                     tenant_tags=["Region/West"])
    store.add_tenant("Spaces-1", "West Two", {other.id: ["Environments-1"]},
                     tenant_tags=["Region/West"])
    store.add_tenant("Spaces-1", "East", {project.id: ["Environments-1"]},
                     tenant_tags=["Region/East"])
    client.post("/api/Spaces-1/releases/create/v1",
                json={**GO_SPACE, "projectName": "CaC Project", "releaseVersion": "1.0"})
    [task_id] = deploy(client, tenants=[], tenantTags=["region/west"])
    task = client.get(f"/api/tasks/{task_id}").json()
    deployment = client.get(
        f"/api/Spaces-1/deployments/{task['Arguments']['DeploymentId']}").json()
    assert deployment["TenantId"] == store.tenant("Spaces-1", "West One").id
    both = deploy(client, tenants=["East"], tenantTags=["Region/West"])
    assert len(both) == 2
