"""The Faker provider's values have the shapes real Octopus servers use."""

from __future__ import annotations

import re

import pytest
from faker import Faker

from octosim.faker_provider import OctopusProvider


@pytest.fixture
def fake() -> Faker:
    f = Faker()
    f.add_provider(OctopusProvider)
    f.seed_instance(1234)
    return f


@pytest.mark.parametrize(
    ("method", "pattern"),
    [
        ("octopus_space_id", r"Spaces-\d+"),
        ("octopus_environment_id", r"Environments-\d+"),
        ("octopus_machine_id", r"Machines-\d+"),
        ("octopus_task_id", r"ServerTasks-\d+"),
        ("octopus_machine_name", r"[a-z]+-\d\d"),
        ("octopus_api_key", r"API-[A-Z0-9]{27}"),
        ("octopus_thumbprint", r"[0-9A-F]{40}"),
        ("octopus_tentacle_uri", r"https://[a-z]+-\d\d\.example\.internal:10933/"),
        ("octopus_role", r"[a-z-]+"),
        ("octopus_project_id", r"Projects-\d+"),
        ("octopus_project_group_id", r"ProjectGroups-\d+"),
        ("octopus_channel_id", r"Channels-\d+"),
        ("octopus_lifecycle_id", r"Lifecycles-\d+"),
        ("octopus_release_id", r"Releases-\d+"),
        ("octopus_deployment_id", r"Deployments-\d+"),
        ("octopus_runbook_id", r"Runbooks-\d+"),
        ("octopus_runbook_run_id", r"RunbookRuns-\d+"),
        ("octopus_tenant_id", r"Tenants-\d+"),
        ("octopus_project_name", r"[A-Z][a-z]+( [A-Z][A-Za-z]*)+"),
        ("octopus_project_slug", r"[a-z]+(-[a-z]+)+"),
        # The default version template's shape: LastMajor.LastMinor.NextPatch.
        ("octopus_release_version", r"\d\.\d{1,2}\.[1-9]\d?"),
    ],
)
def test_shapes(fake: Faker, method: str, pattern: str) -> None:
    for _ in range(50):
        assert re.fullmatch(pattern, getattr(fake, method)()), method


def test_polling_uri_and_roles(fake: Faker) -> None:
    assert re.fullmatch(r"poll://[a-z]{20}/", fake.octopus_tentacle_uri(polling=True))
    roles = fake.octopus_roles(3)
    assert len(set(roles)) == 3


def test_step_variables_cover_what_the_seed_reads(fake: Faker) -> None:
    seed_reads = {
        "Octopus.Machine.Id", "Octopus.Machine.Name", "Octopus.Environment.Id",
        "Octopus.Space.Id", "Octopus.Web.BaseUrl", "Octopus.Action.TargetRoles",
        "Octopus.Action.RunOnServer",
    }
    on_behalf = fake.octopus_step_variables()
    assert seed_reads <= on_behalf.keys()
    assert on_behalf["Octopus.Action.TargetRoles"]
    assert on_behalf["Octopus.Action.RunOnServer"] == "true"
    local = fake.octopus_step_variables(run_on_server=False)
    assert local["Octopus.Action.TargetRoles"] == ""
    assert local["Octopus.Action.RunOnServer"] == "false"


def _seeded(seed: int) -> Faker:
    f = Faker()
    f.add_provider(OctopusProvider)
    f.seed_instance(seed)
    return f


def test_same_seed_same_values() -> None:
    a, b = _seeded(7), _seeded(7)
    assert [a.octopus_api_key() for _ in range(3)] == [b.octopus_api_key() for _ in range(3)]


@pytest.mark.parametrize("method", [
    "octopus_project_id", "octopus_release_id", "octopus_deployment_id", "octopus_runbook_id",
    "octopus_tenant_id", "octopus_channel_id", "octopus_lifecycle_id", "octopus_project_name",
    "octopus_project_slug", "octopus_release_version", "octopus_deployment_variables",
])
def test_deployment_values_repeat_with_their_seed_and_differ_without(method: str) -> None:
    def draws(seed: int) -> list[object]:
        fake = _seeded(seed)
        return [getattr(fake, method)() for _ in range(20)]

    assert draws(11) == draws(11)
    assert draws(11) != draws(12)


def test_a_slug_is_the_one_octosim_serves_for_the_project(fake: Faker) -> None:
    from octosim.scenario import ProjectSpec, Scenario
    from octosim.simulation import Simulation

    names = list(dict.fromkeys(fake.octopus_project_name() for _ in range(5)))
    sim = Simulation.from_scenario(Scenario(projects=tuple(ProjectSpec(n) for n in names)))
    with sim.client() as client:
        for name in names:
            slug = fake.octopus_project_slug(name)
            served = client.get(f"/api/Spaces-1/projects/{slug}")
            assert served.status_code == 200, served.text
            assert (served.json()["Name"], served.json()["Slug"]) == (name, slug)
    assert fake.octopus_project_slug("My  App (v2)!") == "my-app-v2"


def test_release_versions_follow_the_default_template(fake: Faker) -> None:
    from octosim.model.releases import parse_version

    assert fake.octopus_release_version([]) == "0.0.1"
    assert fake.octopus_release_version(["1.2.3", "1.10.0", "1.9.9"]) == "1.10.1"
    for _ in range(50):
        version = parse_version(fake.octopus_release_version())
        assert version.is_release and version.patch >= 1 and version.build == 0


def test_deployment_variables_agree_with_each_other(fake: Faker) -> None:
    variables = fake.octopus_deployment_variables(environment="Production",
                                                  server_url="http://127.0.0.1:8065/")
    project, version = variables["Octopus.Project.Name"], variables["Octopus.Release.Number"]
    space, deployment = variables["Octopus.Space.Id"], variables["Octopus.Deployment.Id"]
    assert variables["Octopus.Environment.Name"] == "Production"
    assert variables["Octopus.Deployment.Name"] == "Deploy to Production"
    assert variables["Octopus.Task.Name"] == f"Deploy {project} release {version} to Production"
    assert variables["Octopus.Task.Argument[DeploymentId]"] == deployment
    assert variables["Octopus.Web.BaseUrl"] == "http://127.0.0.1:8065"
    assert variables["Octopus.Web.DeploymentLink"] == f"/app#/{space}/deployments/{deployment}"
    assert variables["Octopus.Web.ReleaseLink"].endswith(variables["Octopus.Release.Id"])
    assert variables["Octopus.Web.ProjectLink"].endswith(variables["Octopus.Project.Id"])
    for name, pattern in [("Octopus.Project.Id", r"Projects-\d+"),
                          ("Octopus.Release.Id", r"Releases-\d+"),
                          ("Octopus.Deployment.Id", r"Deployments-\d+"),
                          ("Octopus.Environment.Id", r"Environments-\d+"),
                          ("Octopus.Task.Id", r"ServerTasks-\d+")]:
        assert re.fullmatch(pattern, variables[name]), name


def test_deployment_variables_name_what_a_real_deployment_sees(fake: Faker) -> None:
    # The same keys, in the same shapes, as the variables octosim gives a deployment's steps.
    from octosim.model.deploy_tasks import queue_deployment
    from octosim.model.deployment_rules import create_deployment, create_release
    from octosim.model.system_variables import TaskInfo, deployment_variables
    from octosim.simulation import Simulation

    sim = Simulation.from_scenario("seed-deployment")
    store = sim.deployments
    release = create_release(store, store.project("Spaces-1", "Java App").id)
    made = create_deployment(store, release.id, "Production")
    task = queue_deployment(sim.engine, store, made.id)
    real = deployment_variables(store, made, TaskInfo(task.id, task.description))
    drawn = fake.octopus_deployment_variables(environment="Production")
    for name, value in drawn.items():
        assert name in real, name
        shape = re.sub(r"\d+", "N", value)
        if name not in ("Octopus.Project.Name", "Octopus.Web.BaseUrl", "Octopus.Task.Name"):
            assert re.sub(r"\d+", "N", real[name]) == shape, (name, real[name], value)


def test_step_variables_for_a_simulation_name_what_it_has(fake: Faker) -> None:
    from octosim.simulation import Simulation

    sim = Simulation.from_scenario("linux", seed=3)
    for _ in range(20):
        variables = fake.octopus_step_variables_for(sim)
        machine = sim.world.machines[variables["Octopus.Machine.Id"]]
        assert variables["Octopus.Machine.Name"] == machine.name
        assert variables["Octopus.Environment.Id"] in machine.environment_ids
        environment = sim.world.environments[variables["Octopus.Environment.Id"]]
        assert variables["Octopus.Environment.Name"] == environment.name
        assert variables["Octopus.Space.Id"] == machine.space_id in sim.world.spaces
        assert variables["Octopus.Action.TargetRoles"] == ",".join(machine.roles)
        assert variables["Octopus.Web.BaseUrl"] == sim.base_url
    chosen = sorted(sim.world.machines)[-1]
    assert fake.octopus_step_variables_for(sim, machine_id=chosen)["Octopus.Machine.Id"] == chosen
    with pytest.raises(ValueError, match="has no machine 'Machines-999'; it has Machines-1"):
        fake.octopus_step_variables_for(sim, machine_id="Machines-999")


@pytest.mark.parametrize("count", [-1, 100])
def test_roles_refuse_a_count_they_cannot_draw(fake: Faker, count: int) -> None:
    with pytest.raises(ValueError, match=rf"count must be from 0 to \d+ .*got {count}"):
        fake.octopus_roles(count)
