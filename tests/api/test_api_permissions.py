"""Every GET route with a permission refuses a caller missing that one permission, in the
unscoped and the space-scoped form: a route that authorizes itself must check its own
permission, not only the permission of what it looks up first (review found two that did
not)."""

from __future__ import annotations

import re

import pytest
from deploy_world import deployments_in

from octosim.api.router import Route
from octosim.model.deploy_tasks import queue_deployment
from octosim.model.deployment_rules import create_deployment, create_release
from octosim.model.projects import RUN_ON_SERVER, SCRIPT_BODY, DeploymentAction, DeploymentStep
from octosim.model.world import ALL_PERMISSIONS, Permission
from octosim.simulation import Simulation


def _world() -> tuple[Simulation, dict[str, str]]:
    """deployments_in's world, plus a guided-failure deployment waiting on an interruption."""
    sim = Simulation(seed=3)
    ids = deployments_in(sim, "Spaces-1", "Environments-1")
    store = sim.deployments
    failing = store.add_project("Spaces-1", "Failing")
    store.set_process(failing.deployment_process_id, [DeploymentStep("Fail", [DeploymentAction(
        "Fail", properties={RUN_ON_SERVER: "true", SCRIPT_BODY: "exit 1"})])])
    deployment = create_deployment(store, create_release(store, failing.id).id,
                                   "Environments-1", use_guided_failure=True)
    task = queue_deployment(sim.engine, store, deployment.id)
    sim.clock.sleep(60)
    [interruption] = sim.deploy.interruptions.pending(task.id)
    ids["/api/interruptions"] = interruption.id
    return sim, ids


def _get_routes() -> list[Route]:
    sim, _ = _world()
    return [r for r in sim.api.router.routes
            if r.method == "GET" and r.permission is not None and "{" in r.pattern]


def _path(pattern: str, ids: dict[str, str], sim: Simulation) -> str:
    """``pattern`` with its parameters filled from the world: ``{id}`` by the collection
    before it, the others by name."""
    collection = re.match(r"(/api/[^/]+)/\{id\}", pattern)
    assert collection is not None, pattern
    by_collection = {**ids, "/api/tasks": ids["tasks"].split(",")[0],
                     "/api/machines": next(iter(sim.world.machines)),
                     "/api/environments": "Environments-1",
                     "/api/deploymentsettings": f"deploymentsettings-{ids['/api/projects']}"}
    runbook = sim.deployments.runbooks[ids["/api/runbooks"]]
    snapshot = sim.deployments.runbook_snapshots[ids["/api/runbookSnapshots"]]
    return (pattern.replace("{id}", by_collection[collection[1]])
            .replace("{version}", ids["version"])
            .replace("{processId}", runbook.process.id)
            .replace("{name}", snapshot.name)
            .replace("{environment}", "Environments-1")
            .replace("{tenant}", ids["/api/tenants"]))


@pytest.mark.parametrize("route", _get_routes(), ids=lambda r: r.pattern)
@pytest.mark.parametrize("scoped", [False, True], ids=["unscoped", "scoped"])
def test_a_get_route_refuses_a_caller_without_its_permission(route: Route, scoped: bool) -> None:
    sim, ids = _world()
    assert route.permission is not None
    path = _path(route.pattern, ids, sim)
    if scoped:
        path = path.replace("/api/", "/api/Spaces-1/", 1)
    everything = sim.world.add_user("everything")
    lacking = sim.world.add_user("lacking", system_permissions=ALL_PERMISSIONS - {
        route.permission})
    with sim.client() as client:
        allowed = client.get(path, headers={
            "X-Octopus-ApiKey": sim.world.add_api_key(everything.id).key})
        assert allowed.status_code == 200, (path, allowed.text)
        refused = client.get(path, headers={
            "X-Octopus-ApiKey": sim.world.add_api_key(lacking.id).key})
    assert refused.status_code == 403, (path, refused.status_code, refused.text)
    assert refused.json()["ErrorMessage"].endswith(
        f"Missing permission: {route.permission.value}")


def test_putting_a_project_s_process_needs_process_edit() -> None:
    sim, ids = _world()
    viewer = sim.world.add_user("viewer", system_permissions=ALL_PERMISSIONS - {
        Permission.ProcessEdit})
    with sim.client(api_key=sim.world.add_api_key(viewer.id).key) as client:
        process = client.get(f"/api/projects/{ids['/api/projects']}/deploymentprocesses").json()
        refused = client.put(f"/api/projects/{ids['/api/projects']}/deploymentprocesses",
                             json=process)
    assert refused.status_code == 403, refused.text
    assert refused.json()["ErrorMessage"].endswith("Missing permission: ProcessEdit")
