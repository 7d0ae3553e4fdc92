"""The classic deployment routes' own rules: lookups by id or slug, the lifecycle preview,
variables with scopes and masked sensitive values, body keys in any case, and the 400s
that say what is wrong."""

from __future__ import annotations

import httpx
import pytest
from deploy_world import deployments_in

from octosim.model.deploy_errors import INVALID_VERSION
from octosim.model.deployment_rules import publish_runbook_snapshot
from octosim.model.lifecycles import Phase
from octosim.model.projects import SCRIPT_BODY, TARGET_ROLES, DeploymentAction, DeploymentStep
from octosim.model.runbooks import EnvironmentScope, GuidedFailureMode
from octosim.model.states import TaskState
from octosim.simulation import Simulation


@pytest.fixture
def sim() -> Simulation:
    sim = Simulation(seed=5)
    deployments_in(sim, "Spaces-1", "Environments-1")
    return sim


@pytest.fixture
def client(sim: Simulation) -> httpx.Client:
    return sim.client()


def test_project_by_id_or_slug_not_by_name(client: httpx.Client) -> None:
    assert client.get("/api/Spaces-1/projects/Projects-1").json()["Name"] == "Web"
    assert client.get("/api/Spaces-1/projects/web").json()["Id"] == "Projects-1"
    missing = client.get("/api/Spaces-1/projects/Web%20App")
    assert missing.status_code == 404
    assert missing.json()["ErrorMessage"] == "The resource 'Web App' was not found."
    assert client.get("/api/Spaces-1/projects", params={"name": "web"}).json()[
        "TotalResults"] == 1


def test_lifecycle_preview_fills_the_implicit_phases(sim: Simulation,
                                                     client: httpx.Client) -> None:
    default = client.get("/api/Spaces-1/lifecycles/Lifecycles-1/preview").json()
    assert [p["Name"] for p in default["Phases"]] == ["Development", "Test", "Production"]
    assert client.get("/api/Spaces-1/lifecycles/Lifecycles-1").json()["Phases"] == []
    cycle = sim.deployments.add_lifecycle("Spaces-1", "Two", [
        Phase("First", ["Environments-1"]), Phase("Rest")])
    preview = client.get(f"/api/Spaces-1/lifecycles/{cycle.id}/preview").json()
    assert [(p["Name"], p["AutomaticDeploymentTargets"]) for p in preview["Phases"]] == [
        ("First", ["Environments-1"]), ("Rest", ["Environments-2", "Environments-3"])]


def test_variables_round_trip_with_scopes_and_masked_secrets(client: httpx.Client) -> None:
    url = "/api/Spaces-1/variables/variableset-Projects-1"
    put = client.put(url, json={"variables": [
        {"name": "JAVA_HOME", "value": "/opt/java", "scope": {"environment": ["Environments-1"],
                                                              "role": ["web"]}},
        {"Name": "Password", "Value": "hunter2", "IsSensitive": True}]})
    assert put.status_code == 200, put.text
    got = client.get(url).json()
    assert got["Version"] == 1
    java, secret = got["Variables"]
    assert java["Scope"] == {"Environment": ["Environments-1"], "Role": ["web"]}
    assert (secret["Value"], secret["IsSensitive"]) == (None, True)
    assert [e["Name"] for e in got["ScopeValues"]["Environments"]] == [
        "Development", "Test", "Production"]
    again = client.put(url, json=got)  # the secret sent back as null keeps its value
    assert again.status_code == 200
    assert client.get(url).json()["Version"] == 2


def test_a_variable_scope_or_value_the_simulator_cannot_keep_is_refused(
    client: httpx.Client,
) -> None:
    # Found by review: a TenantTag scope was dropped (the value then applied everywhere) and
    # an object Value was stored as its Python repr.
    url = "/api/Spaces-1/variables/variableset-Projects-1"
    before = client.get(url).json()
    scoped = client.put(url, json={"Variables": [
        {"Name": "Conn", "Value": "gold", "Scope": {"TenantTag": ["Tier/Gold"]}}]})
    assert scoped.status_code == 400
    assert scoped.json()["Errors"] == ["Variables: 'Conn' is scoped by TenantTag; the simulator "
                                       "scopes values by Environment, Role, Machine, Channel, "
                                       "Tenant, Action, ProcessOwner only."]
    shaped = client.put(url, json={"Variables": [{"Name": "Conn", "Value": {"a": 1}}]})
    assert shaped.status_code == 400 and "must be a string, not an object" in shaped.text
    assert client.get(url).json() == before  # nothing was lost
    typed = client.put(url, json={"Variables": [{"Name": "On", "Value": True,
                                                 "Scope": {"TenantTag": [], "User": None}},
                                                {"Name": "Port", "Value": 8080}]})
    assert [v["Value"] for v in typed.json()["Variables"]] == ["True", "8080"]


def test_sensitive_value_is_kept_in_the_model(sim: Simulation, client: httpx.Client) -> None:
    url = "/api/Spaces-1/variables/variableset-Projects-1"
    client.put(url, json={"Variables": [{"Name": "P", "Value": "s3cret", "IsSensitive": True}]})
    client.put(url, json=client.get(url).json())
    [variable] = sim.deployments.variable_sets["variableset-Projects-1"].variables
    assert variable.value == "s3cret"


def test_bad_bodies_say_what_is_wrong(client: httpx.Client) -> None:
    no_project = client.post("/api/Spaces-1/releases", json={"Version": "1.0.0"})
    assert no_project.json()["Errors"] == ["No project ID was specified."]
    bad_version = client.post("/api/Spaces-1/releases",
                              json={"ProjectId": "Projects-1", "Version": "one"})
    assert bad_version.status_code == 400
    assert bad_version.json()["Errors"] == [INVALID_VERSION.format(version="one")]
    no_version = client.post("/api/Spaces-1/releases", json={"ProjectId": "Projects-1"})
    assert "NextVersionIncrement" in no_version.json()["Errors"][0]
    bad_step = client.put("/api/Spaces-1/deploymentprocesses/deploymentprocess-Projects-1",
                          json={"Steps": [{"Name": "A", "Condition": "Sometimes"}]})
    assert bad_step.status_code == 400
    assert "Steps[A].Condition: 'Sometimes' is not one of" in bad_step.json()["Errors"][0]
    typed = client.post("/api/Spaces-1/deployments/create/untenanted/v1", json={
        "ProjectName": "Web", "ReleaseVersion": "0.0.1", "EnvironmentNames": "Development",
        "useGuidedFailure": "maybe"})
    assert typed.json()["Errors"] == ["UseGuidedFailure: expected true or false, got a string."]
    missing = client.post("/api/Spaces-1/deployments", json={})
    assert missing.json()["Errors"] == ['ReleaseId is required, e.g. "Releases-1".',
                                        'EnvironmentId is required, e.g. "Environments-1".']
    assert client.get("/api/Spaces-1/deploymentprocesses/nope").json()["ErrorMessage"] == (
        "The deployment process ID specified doesn't exist")


def test_lifecycle_refuses_a_later_environment_first(client: httpx.Client) -> None:
    refused = client.post("/api/Spaces-1/deployments",
                          json={"ReleaseId": "Releases-1", "EnvironmentId": "Environments-3"})
    assert refused.status_code == 400
    assert refused.json()["Errors"][0].startswith("The release has not been deployed")


def test_deployments_filter_by_task_state(sim: Simulation, client: httpx.Client) -> None:
    assert client.get("/api/Spaces-1/deployments",
                      params={"taskState": "Executing"}).json()["TotalResults"] == 1
    sim.clock.sleep(60)
    assert client.get("/api/Spaces-1/deployments",
                      params={"taskState": "Success"}).json()["TotalResults"] == 1
    assert client.get("/api/Spaces-1/deployments",
                      params={"taskState": "Whenever"}).status_code == 400


def test_failure_encountered_follows_how_a_runbook_run_ended(sim: Simulation,
                                                            client: httpx.Client) -> None:
    # Found by tests/properties/test_props_deployments.py: a failed run said False.
    runbook = sim.deployments.runbooks["Runbooks-1"]
    runbook.process.steps[0].actions[0].properties[SCRIPT_BODY] = "exit 3"
    publish_runbook_snapshot(sim.deployments, runbook.id)
    [ran] = client.post("/api/Spaces-1/runbooks/Runbooks-1/run",
                        json={"EnvironmentId": "Environments-1"}).json()
    assert ran["FailureEncountered"] is False  # not ended yet
    sim.clock.sleep(60)
    assert sim.engine.tasks[ran["TaskId"]].state is TaskState.Failed
    assert client.get(ran["Links"]["Self"]).json()["FailureEncountered"] is True
    first = client.get("/api/Spaces-1/runbookRuns/RunbookRuns-1").json()
    assert (first["FailureEncountered"], sim.engine.tasks[first["TaskId"]].state) == (
        False, TaskState.Success)


def test_tenant_tags_choose_the_tenants(client: httpx.Client) -> None:
    deployed = client.post("/api/Spaces-1/deployments/create/tenanted/v1", json={
        "ProjectName": "Web", "ReleaseVersion": "0.0.1", "EnvironmentName": "Development",
        "TenantTags": ["tier/gold"]})
    assert deployed.status_code == 200, deployed.text
    assert len(deployed.json()["DeploymentServerTasks"]) == 1
    none = client.post("/api/Spaces-1/deployments/create/tenanted/v1", json={
        "ProjectName": "Web", "ReleaseVersion": "0.0.1", "EnvironmentName": "Development"})
    assert none.status_code == 400
    untagged = client.post("/api/Spaces-1/deployments/create/tenanted/v1", json={
        "ProjectName": "Web", "ReleaseVersion": "0.0.1", "EnvironmentName": "Development",
        "TenantTags": ["tier/silver"]})
    assert untagged.status_code == 400
    assert untagged.json()["Errors"] == ["No tenant connected to the project Web in Development "
                                         "has any of the tenant tags tier/silver."]


def test_space_from_the_body_in_the_unscoped_form(sim: Simulation, client: httpx.Client) -> None:
    second = sim.world.add_space("Second")
    env = sim.world.add_environment(second.id, "Dev")
    deployments_in(sim, second.id, env.id)
    by_name = client.post("/api/releases/create/v1",
                          json={"spaceIdOrName": "Second", "ProjectName": "Web"})
    assert by_name.status_code == 200, by_name.text
    release = sim.deployments.releases[by_name.json()["ReleaseId"]]
    assert release.space_id == second.id
    wrong = client.post("/api/releases/create/v1",
                        json={"spaceIdOrName": "Third", "ProjectName": "Web"})
    assert wrong.status_code == 400


def test_environment_create_refuses_a_duplicate(client: httpx.Client) -> None:
    assert client.post("/api/Spaces-1/environments", json={"Name": "QA"}).status_code == 201
    again = client.post("/api/Spaces-1/environments", json={"name": "qa"})
    assert again.status_code == 400
    assert client.post("/api/Spaces-1/environments", json={}).status_code == 400


CREATES = [
    ("/api/Spaces-1/projects", {"Name": "New"}),
    ("/api/Spaces-1/environments", {"Name": "Staging"}),
    ("/api/Spaces-1/releases", {"ProjectId": "Projects-1", "Version": "2.0.0"}),
    ("/api/Spaces-1/deployments", {"ReleaseId": "Releases-1", "EnvironmentId": "Environments-1"}),
    ("/api/Spaces-1/projects/Projects-1/runbooks", {"Name": "Other"}),
    ("/api/Spaces-1/runbookSnapshots", {"RunbookId": "Runbooks-1"}),
    ("/api/Spaces-1/runbookRuns", {"RunbookId": "Runbooks-1", "EnvironmentId": "Environments-1"}),
    ("/api/Spaces-1/runbooks/Runbooks-1/run", {"EnvironmentId": "Environments-1"}),
]


@pytest.mark.parametrize(("url", "body"), CREATES)
def test_every_create_is_201_and_its_self_link_reads_it_back(
    client: httpx.Client, url: str, body: dict[str, object]
) -> None:
    created = client.post(url, json=body)
    assert created.status_code == 201, created.text
    data = created.json()
    for resource in data if isinstance(data, list) else [data]:
        assert client.get(resource["Links"]["Self"]).json() == resource


def test_variable_scopes_reach_the_model(sim: Simulation, client: httpx.Client) -> None:
    client.put("/api/Spaces-1/variables/variableset-Projects-1", json={"Variables": [
        {"Name": "Url", "Value": "x", "Scope": {"Machine": ["Machines-1"], "Tenant": ["Tenants-1"],
                                                "Channel": ["Channels-1"]}}]})
    [variable] = sim.deployments.variable_sets["variableset-Projects-1"].variables
    assert (variable.scope.machine, variable.scope.tenant, variable.scope.channel) == (
        ("Machines-1",), ("Tenants-1",), ("Channels-1",))


def test_a_refused_environment_leaves_nothing_started(sim: Simulation,
                                                      client: httpx.Client) -> None:
    # Development is allowed, Production is not yet: the whole command is refused, and the
    # Development deployment it named is not started behind the client's back.
    before = (set(sim.deployments.deployments), set(sim.engine.tasks))
    refused = client.post("/api/Spaces-1/deployments/create/untenanted/v1", json={
        "ProjectName": "Web", "ReleaseVersion": "0.0.1",
        "EnvironmentNames": ["Development", "Production"]})
    assert refused.status_code == 400
    assert refused.json()["Errors"][0].startswith("The release has not been deployed")
    assert (set(sim.deployments.deployments), set(sim.engine.tasks)) == before
    sim.deployments.add_tenant("Spaces-1", "Globex", {})  # connected to nothing
    refused = client.post("/api/Spaces-1/deployments/create/tenanted/v1", json={
        "ProjectName": "Web", "ReleaseVersion": "0.0.1", "EnvironmentName": "Development",
        "Tenants": ["Acme", "Globex"]})
    assert refused.status_code == 400, refused.text
    assert (set(sim.deployments.deployments), set(sim.engine.tasks)) == before


def test_a_refused_runbook_environment_leaves_nothing_started(sim: Simulation,
                                                              client: httpx.Client) -> None:
    runbook = sim.deployments.runbooks["Runbooks-1"]
    runbook.environment_scope = EnvironmentScope.Specified
    runbook.environments = ["Environments-1"]
    before = (set(sim.deployments.runbook_runs), set(sim.engine.tasks))
    refused = client.post("/api/Spaces-1/runbook-runs/create/v1", json={
        "ProjectName": "Web", "RunbookName": "Restart",
        "EnvironmentNames": ["Development", "Production"]})
    assert refused.status_code == 400, refused.text
    assert (set(sim.deployments.runbook_runs), set(sim.engine.tasks)) == before
    allowed = client.post("/api/Spaces-1/runbook-runs/create/v1", json={
        "ProjectName": "Web", "RunbookName": "Restart", "EnvironmentNames": ["Development"]})
    assert allowed.status_code == 200, allowed.text


def test_the_classic_run_route_is_all_or_nothing_and_runs_each_tenant_once(
    sim: Simulation, client: httpx.Client
) -> None:
    runbook = sim.deployments.runbooks["Runbooks-1"]
    runbook.environment_scope = EnvironmentScope.Specified
    runbook.environments = ["Environments-1"]
    before = (set(sim.deployments.runbook_runs), set(sim.engine.tasks))
    refused = client.post("/api/Spaces-1/runbooks/Runbooks-1/run",
                          json={"EnvironmentIds": ["Environments-1", "Environments-2"]})
    assert refused.status_code == 400, refused.text
    assert (set(sim.deployments.runbook_runs), set(sim.engine.tasks)) == before
    ran = client.post("/api/Spaces-1/runbooks/Runbooks-1/run", json={
        "EnvironmentId": "Environments-1", "TenantIds": ["Tenants-1", "Acme"]})
    assert ran.status_code == 201, ran.text
    assert [r["TenantId"] for r in ran.json()] == ["Tenants-1"]


def test_a_runbook_runs_for_a_tenant_only_where_it_is_connected(client: httpx.Client) -> None:
    client.post("/api/Spaces-1/tenants", json={"Name": "Gamma", "ProjectEnvironments": {}})
    refused = client.post("/api/Spaces-1/runbook-runs/create/v1", json={
        "ProjectName": "Web", "RunbookName": "Restart", "EnvironmentNames": ["Development"],
        "Tenants": ["Gamma"]})
    assert refused.status_code == 400, refused.text
    assert "Gamma" in refused.json()["Errors"][0]


def test_the_classic_run_route_chooses_tenants_by_tag(client: httpx.Client) -> None:
    ran = client.post("/api/Spaces-1/runbooks/Runbooks-1/run", json={
        "EnvironmentId": "Environments-1", "TenantTagNames": ["tier/gold"]})
    assert ran.status_code == 201, ran.text
    assert [r["TenantId"] for r in ran.json()] == ["Tenants-1"]


def test_a_runbook_s_environments_are_checked_and_kept_as_ids(client: httpx.Client) -> None:
    created = client.post("/api/Spaces-1/projects/Projects-1/runbooks", json={
        "Name": "Scoped", "EnvironmentScope": "specified",
        "Environments": ["Development", "Environments-2"], "DefaultGuidedFailureMode": "on"})
    assert created.status_code == 201, created.text
    runbook = created.json()
    assert runbook["Environments"] == ["Environments-1", "Environments-2"]
    assert runbook["DefaultGuidedFailureMode"] == "On"
    unknown = client.post("/api/Spaces-1/projects/Projects-1/runbooks", json={
        "Name": "Nowhere", "EnvironmentScope": "Specified", "Environments": ["Environments-99"]})
    assert unknown.status_code == 400
    assert "Environments-99" in unknown.json()["Errors"][0]
    unscoped = client.post("/api/Spaces-1/projects/Projects-1/runbooks", json={
        "Name": "Unscoped", "Environments": ["Development"]})
    assert unscoped.status_code == 400 and "Specified" in unscoped.json()["Errors"][0]
    bad_mode = client.post("/api/Spaces-1/projects/Projects-1/runbooks", json={
        "Name": "Moody", "DefaultGuidedFailureMode": "Sometimes"})
    assert bad_mode.status_code == 400
    assert bad_mode.json()["Errors"][0].startswith("DefaultGuidedFailureMode: 'Sometimes'")


def test_a_project_s_runbook_snapshots_by_its_link_and_by_name(client: httpx.Client) -> None:
    project = client.get("/api/Spaces-1/projects/Projects-1").json()
    listed = client.get(project["Links"]["RunbookSnapshots"].split("{")[0])
    assert listed.status_code == 200, listed.text
    [snapshot] = listed.json()["Items"]
    by_name = client.get(f"/api/Spaces-1/projects/Projects-1/runbookSnapshots/{snapshot['Name']}")
    assert by_name.json()["Id"] == snapshot["Id"]
    missing = client.get("/api/Spaces-1/projects/Projects-1/runbookSnapshots/Nope")
    assert missing.status_code == 404
    for route in ("/api/Spaces-1/projects/Projects-1/runbookSnapshots",
                  "/api/Spaces-1/runbooks/Runbooks-1/runbookSnapshots"):
        for search, found in ((snapshot["Name"][-4:].lower(), 1), ("zzz-none", 0)):
            assert client.get(route, params={"searchByName": search}).json()[
                "TotalResults"] == found


def test_a_runbook_run_preview_names_what_would_run_where(sim: Simulation,
                                                          client: httpx.Client) -> None:
    # The Library's "Run Octopus Deploy Runbook" reads it before it runs the runbook.
    preview = client.get("/api/Spaces-1/runbooks/Runbooks-1/runbookRuns/preview/Environments-1")
    assert preview.status_code == 200, preview.text
    [step] = preview.json()["StepsToExecute"]
    assert (step["ActionName"], step["ActionNumber"], step["HasNoApplicableMachines"]) == (
        "Say hello", "1", False)
    assert preview.json()["Form"] == {"Values": {}, "Elements": []}
    assert preview.json()["UseGuidedFailureModeByDefault"] is False
    runbook = sim.deployments.runbooks["Runbooks-1"]
    sim.deployments.set_process(runbook.process.id, [DeploymentStep(
        "On the web", [DeploymentAction("Say", properties={SCRIPT_BODY: "Write-Host hi"})],
        {TARGET_ROLES: "web-server"})])
    publish_runbook_snapshot(sim.deployments, runbook.id)
    [step] = client.get("/api/Spaces-1/runbooks/Runbooks-1/runbookRuns/preview/Development"
                        ).json()["StepsToExecute"]
    assert (step["Roles"], step["MachineNames"]) == (["web-server"], ["web-01"])
    runbook.published_runbook_snapshot_id = None
    unpublished = client.get(
        "/api/Spaces-1/runbooks/Runbooks-1/runbookRuns/preview/Environments-1/Tenants-1")
    assert unpublished.status_code == 400
    assert unpublished.json()["Errors"] == ["Runbook has no published snapshot."]


def test_classic_creates_refuse_machine_ids_that_are_not_targets_here(
    sim: Simulation, client: httpx.Client
) -> None:
    before = set(sim.deployments.deployments)
    refused = client.post("/api/Spaces-1/deployments", json={
        "ReleaseId": "Releases-1", "EnvironmentId": "Environments-1",
        "SpecificMachineIds": ["Machines-99"]})
    assert refused.status_code == 400
    assert refused.json()["Errors"] == [
        "SpecificMachineIds: no deployment target has the id Machines-99."]
    assert set(sim.deployments.deployments) == before
    ran = client.post("/api/Spaces-1/runbooks/Runbooks-1/run", json={
        "EnvironmentId": "Environments-1", "ExcludedMachineIds": ["web-01"]})
    assert ran.status_code == 400  # a name is not an id


def test_a_project_created_over_rest_keeps_its_settings(sim: Simulation,
                                                        client: httpx.Client) -> None:
    created = client.post("/api/Spaces-1/projects", json={
        "Name": "Settled", "IsDisabled": True,
        "VersioningStrategy": {"Template": "1.#{Octopus.Version.NextMinor}.0"},
        "ProjectConnectivityPolicy": {"AllowDeploymentsToNoTargets": True}})
    assert created.status_code == 201, created.text
    project = created.json()
    assert project["IsDisabled"] is True
    assert project["VersioningStrategy"]["Template"] == "1.#{Octopus.Version.NextMinor}.0"
    assert project["ProjectConnectivityPolicy"]["AllowDeploymentsToNoTargets"] is True
    before = set(sim.deployments.projects)
    wrong = client.post("/api/Spaces-1/projects", json={
        "Name": "Wrong", "ProjectConnectivityPolicy": {"AllowDeploymentsToNoTargets": "maybe"}})
    assert wrong.status_code == 400
    assert set(sim.deployments.projects) == before


def test_a_project_s_deployment_settings_link_resolves(client: httpx.Client) -> None:
    project = client.get("/api/Spaces-1/projects/Projects-1").json()
    settings = client.get(project["Links"]["DeploymentSettings"])
    assert settings.status_code == 200, settings.text
    assert (settings.json()["Id"], settings.json()["ProjectId"]) == (
        "deploymentsettings-Projects-1", "Projects-1")
    newer = client.get("/api/Spaces-1/projects/web/deploymentsettings").json()
    assert newer == settings.json()
    assert client.get("/api/Spaces-1/deploymentsettings/Projects-1").status_code == 404
    assert project["Links"]["Channels"] == (
        "/api/Spaces-1/projects/Projects-1/channels{/id}{?skip,take,partialName}")


def test_a_tag_runs_each_tenant_only_where_it_is_connected(sim: Simulation,
                                                           client: httpx.Client) -> None:
    # Found by review: a tag over two environments ran each tagged tenant in both, and the
    # all-or-nothing check then refused the whole command.
    store = sim.deployments
    store.add_tenant("Spaces-1", "TestOnly", {"Projects-1": ["Environments-2"]},
                     tenant_tags=["Tier/Gold"])
    for route, body in (
        ("/api/Spaces-1/runbook-runs/create/v1", {
            "ProjectName": "Web", "RunbookName": "Restart", "TenantTags": ["tier/gold"],
            "EnvironmentNames": ["Development", "Test"]}),
        ("/api/Spaces-1/runbooks/Runbooks-1/run", {
            "EnvironmentIds": ["Environments-1", "Environments-2"],
            "TenantTagNames": ["tier/gold"]}),
    ):
        ran = client.post(route, json=body)
        assert ran.status_code in (200, 201), ran.text
    pairs = [(r.environment_id, r.tenant_id) for r in store.runbook_runs.values()][-4:]
    assert pairs == [("Environments-1", "Tenants-1"), ("Environments-2", "Tenants-2")] * 2


def test_tags_that_select_no_tenant_run_nothing(sim: Simulation, client: httpx.Client) -> None:
    before = set(sim.deployments.runbook_runs)
    for route, body in (
        ("/api/Spaces-1/runbook-runs/create/v1", {
            "ProjectName": "Web", "RunbookName": "Restart", "TenantTags": ["nope/nothing"],
            "EnvironmentNames": ["Development"]}),
        ("/api/Spaces-1/runbooks/Runbooks-1/run", {
            "EnvironmentId": "Environments-1", "TenantTagNames": ["nope/nothing"]}),
    ):
        refused = client.post(route, json=body)
        assert refused.status_code == 400, refused.text
        assert refused.json()["Errors"] == ["No tenant connected to the project Web in "
                                            "Development has any of the tenant tags "
                                            "nope/nothing."]
    assert set(sim.deployments.runbook_runs) == before


def test_a_runbook_run_preview_is_refused_where_the_run_would_be(
    sim: Simulation, client: httpx.Client
) -> None:
    runbook = sim.deployments.runbooks["Runbooks-1"]
    runbook.environment_scope = EnvironmentScope.Specified
    runbook.environments = ["Environments-3"]
    runbook.default_guided_failure_mode = GuidedFailureMode.On
    preview = "/api/Spaces-1/runbooks/Runbooks-1/runbookRuns/preview"
    assert client.get(f"{preview}/Development").status_code == 400
    assert client.get(f"{preview}/Production").json()["UseGuidedFailureModeByDefault"] is True
    sim.deployments.add_tenant("Spaces-1", "Nowhere", {})
    refused = client.get(f"{preview}/Production/Nowhere")
    assert refused.status_code == 400 and "Nowhere" in refused.json()["Errors"][0]
    sim.deployments.set_process(runbook.process.id, [DeploymentStep("Two", [
        DeploymentAction("First", properties={SCRIPT_BODY: "Write-Host 1"}, is_disabled=True),
        DeploymentAction("Second", properties={SCRIPT_BODY: "Write-Host 2"})],
        {TARGET_ROLES: "web-server"})])
    publish_runbook_snapshot(sim.deployments, runbook.id)
    [step] = client.get(f"{preview}/Production").json()["StepsToExecute"]
    assert (step["ActionName"], step["ActionNumber"]) == ("Second", "1.2")
