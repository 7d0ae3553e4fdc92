"""Who created a deployment or runbook run: ``DeployedBy``/``DeployedById`` on its resource and
``Octopus.Deployment.CreatedBy.*`` in its variables, from the user behind the request's key."""

from __future__ import annotations

from octosim.model.deploy_tasks import queue_deployment
from octosim.model.deployment_rules import create_deployment, create_release
from octosim.model.projects import SCRIPT_BODY, TARGET_ROLES, DeploymentAction, DeploymentStep
from octosim.scenario.schema import AgentSpec, Scenario
from octosim.simulation import Simulation

SAY = ("Write-Host 'by #{Octopus.Deployment.CreatedBy.Username} "
       "(#{Octopus.Deployment.CreatedBy.Id}, #{Octopus.Deployment.CreatedBy.DisplayName}, "
       "#{Octopus.Deployment.CreatedBy.EmailAddress})'")


def _sim() -> Simulation:
    scenario = Scenario(name="created-by", environments=("Production",),
                        agents=(AgentSpec(name="web-01", roles=("web",)),))
    sim = Simulation.from_scenario(scenario, seed=3)
    store = sim.deployments
    project = store.add_project(sim.world.default_space.id, "Shop")
    store.set_process(project.deployment_process_id, [DeploymentStep(
        "Say", [DeploymentAction("Say", properties={SCRIPT_BODY: SAY})], {TARGET_ROLES: "web"})])
    return sim


def _said(sim: Simulation, task_id: str) -> list[str]:
    task = sim.engine.get(task_id)
    assert task is not None
    while not task.is_completed:
        when = sim.clock.next_event_time()
        assert when is not None
        sim.clock.advance_to(when)
    assert task.state == "Success", task.error_message
    return [e.message for node in task.log.walk() for e in node.log
            if e.message.startswith("by ")]


def test_the_user_behind_the_key_created_the_deployment() -> None:
    sim = _sim()
    deployer = sim.world.add_user("dana", display_name="Dana Deployer")
    key = sim.world.add_api_key(deployer.id).key
    with sim.client(api_key=key) as client:
        command = {"spaceName": "Default", "ProjectName": "Shop", "ReleaseVersion": "1.0.0"}
        assert client.post("/api/Spaces-1/releases/create/v1", json=command).status_code == 200
        deployed = client.post("/api/Spaces-1/deployments/create/untenanted/v1",
                               json={**command, "EnvironmentNames": ["Production"]})
        assert deployed.status_code == 200, deployed.text
        [entry] = deployed.json()["DeploymentServerTasks"]
        resource = client.get(f"/api/Spaces-1/deployments/{entry['DeploymentId']}").json()
    assert (resource["DeployedBy"], resource["DeployedById"]) == ("dana", deployer.id)
    assert _said(sim, entry["ServerTaskId"]) == [
        f"by dana ({deployer.id}, Dana Deployer, dana@example.com)"]


def test_the_classic_route_records_its_user_too() -> None:
    sim = _sim()
    with sim.client() as client:
        release = client.post("/api/Spaces-1/releases", json={
            "ProjectId": "Projects-1", "Version": "1.0.0"}).json()
        created = client.post("/api/Spaces-1/deployments", json={
            "ReleaseId": release["Id"], "EnvironmentId": "Environments-1"})
        assert created.status_code == 201, created.text
    admin = sim.world.api_keys[sim.api_key].user_id
    assert created.json()["DeployedById"] == admin
    assert created.json()["DeployedBy"] == sim.world.users[admin].username


def test_a_deployment_made_through_the_model_has_no_creator() -> None:
    sim = _sim()
    store = sim.deployments
    release = create_release(store, "Projects-1", version="1.0.0")
    deployment = create_deployment(store, release.id, "Production")
    task = queue_deployment(sim.engine, store, deployment.id)
    # No user: the variables are not set, so their tokens stay as written (Octostache's way).
    assert _said(sim, task.id) == [
        "by #{Octopus.Deployment.CreatedBy.Username} (#{Octopus.Deployment.CreatedBy.Id}, "
        "#{Octopus.Deployment.CreatedBy.DisplayName}, "
        "#{Octopus.Deployment.CreatedBy.EmailAddress})"]


def test_a_runbook_run_records_its_user() -> None:
    sim = _sim()
    store = sim.deployments
    runbook = store.add_runbook("Projects-1", "Restart")
    store.set_process(runbook.runbook_process_id, [DeploymentStep(
        "Say", [DeploymentAction("Say", properties={SCRIPT_BODY: "Write-Host 'hi'"})],
        {TARGET_ROLES: "web"})])
    with sim.client() as client:
        snapshot = client.post("/api/Spaces-1/projects/Projects-1/runbookSnapshots",
                               params={"publish": "true"},
                               json={"ProjectId": "Projects-1", "RunbookId": runbook.id})
        assert snapshot.status_code == 201, snapshot.text
        ran = client.post("/api/Spaces-1/runbook-runs/create/v1", json={
            "spaceName": "Default", "ProjectName": "Shop", "RunbookName": "Restart",
            "EnvironmentNames": ["Production"]})
        assert ran.status_code == 200, ran.text
        [entry] = ran.json()["RunbookRunServerTasks"]
        resource = client.get(f"/api/Spaces-1/runbookRuns/{entry['RunbookRunId']}").json()
        listed = client.get("/api/Spaces-1/runbookRuns").json()["Items"]
    admin = sim.world.api_keys[sim.api_key].user_id
    assert resource["DeployedById"] == admin == listed[0]["DeployedById"]
    assert resource["DeployedBy"] == sim.world.users[admin].username
