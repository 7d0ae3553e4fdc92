"""The deployment store: a fresh space's defaults, what a project comes with, ids, lookups."""

from __future__ import annotations

import pytest

from octosim.model.deploy_errors import DeploymentModelError
from octosim.model.deployment_store import DeploymentStore
from octosim.model.tenants import MachineTenancy, TenantedDeploymentParticipation
from tests.model.deploy.builders import script_step


def test_a_fresh_space_has_the_default_project_group_and_lifecycle(store: DeploymentStore) -> None:
    assert [(g.id, g.name) for g in store.project_groups.values()] == [
        ("ProjectGroups-1", "Default Project Group")]
    assert [(lc.id, lc.name, lc.phases) for lc in store.lifecycles.values()] == [
        ("Lifecycles-1", "Default Lifecycle", [])]


def test_a_space_added_later_is_opened_once(store: DeploymentStore) -> None:
    space = store.world.add_space("Second")
    store.open_space(space.id)
    store.open_space(space.id)
    assert [g.name for g in store.project_groups.values() if g.space_id == space.id] == [
        "Default Project Group"]
    with pytest.raises(KeyError):
        store.open_space("Spaces-99")


def test_a_project_comes_with_its_process_variable_set_and_default_channel(
    store: DeploymentStore,
) -> None:
    project = store.add_project("Spaces-1", "My App")
    assert project.id == "Projects-1"
    assert project.deployment_process_id == "deploymentprocess-Projects-1"
    assert project.variable_set_id == "variableset-Projects-1"
    assert project.deployment_settings_id == "deploymentsettings-Projects-1"
    assert (project.project_group_id, project.lifecycle_id) == ("ProjectGroups-1", "Lifecycles-1")
    assert store.process_of(project.id).steps == []
    assert store.variables_of(project.id).variables == []
    [channel] = store.channels_of(project.id)
    assert (channel.id, channel.name, channel.is_default, channel.lifecycle_id) == (
        "Channels-1", "Default", True, None)


def test_ids_are_numbered_per_kind_across_spaces(store: DeploymentStore) -> None:
    other = store.world.add_space("Second")
    store.open_space(other.id)
    first = store.add_project("Spaces-1", "A")
    second = store.add_project(other.id, "A")
    assert (first.id, second.id) == ("Projects-1", "Projects-2")
    assert store.project_groups[second.project_group_id].id == "ProjectGroups-2"


def test_projects_are_found_by_id_slug_or_name_and_an_unknown_one_is_a_404(
    store: DeploymentStore,
) -> None:
    project = store.add_project("Spaces-1", "My App")
    for key in ("Projects-1", "my-app", "My App", "my app"):
        assert store.project("Spaces-1", key) is project
    with pytest.raises(DeploymentModelError) as caught:
        store.project("Spaces-1", "Nope")
    assert caught.value.status_code == 404
    assert caught.value.errors == ("The resource 'Nope' was not found.",)


def test_a_project_s_exact_name_wins_over_another_s_slug(store: DeploymentStore) -> None:
    spaced = store.add_project("Spaces-1", "Web App")  # slug web-app
    dashed = store.add_project("Spaces-1", "Web-App")
    assert store.project("Spaces-1", "Web-App") is dashed
    assert store.project("Spaces-1", "web app") is spaced


def test_duplicate_names_are_refused_per_space(store: DeploymentStore) -> None:
    store.add_project("Spaces-1", "App")
    with pytest.raises(DeploymentModelError, match="already exists"):
        store.add_project("Spaces-1", "app")
    with pytest.raises(DeploymentModelError, match="cannot be named"):
        store.add_project("Spaces-1", "  ")


def test_environment_names_resolve_by_name_or_id_and_unknown_ones_are_listed(
    store: DeploymentStore,
) -> None:
    found = store.environments("Spaces-1", ["Test", "Environments-1", "production"])
    assert [e.name for e in found] == ["Test", "Development", "Production"]
    with pytest.raises(DeploymentModelError) as caught:
        store.environments("Spaces-1", ["Staging"])
    assert str(caught.value) == (
        "There was a problem with your request.\n"
        "Unable to locate deployment environment(s) named 'Staging'")


def test_a_new_default_channel_replaces_the_old_default(store: DeploymentStore) -> None:
    project = store.add_project("Spaces-1", "App")
    hotfix = store.add_channel(project.id, "Hotfix", is_default=True)
    assert [c.name for c in store.channels_of(project.id) if c.is_default] == ["Hotfix"]
    assert store.channel(project.id, "hotfix") is hotfix
    with pytest.raises(DeploymentModelError, match="already exists"):
        store.add_channel(project.id, "HOTFIX")


def test_set_process_gives_steps_and_actions_ids_and_bumps_the_version(
    store: DeploymentStore,
) -> None:
    project = store.add_project("Spaces-1", "App")
    process = store.set_process(project.deployment_process_id, [script_step("One")])
    assert process.version == 1
    step = process.steps[0]
    assert len(step.id) == 36 and len(step.actions[0].id) == 36
    assert step.id != step.actions[0].id
    bad = script_step("Bad")
    bad.properties["Octopus.Action.MaxParallelism"] = "-1"
    with pytest.raises(DeploymentModelError, match="must be a positive whole number, not '-1'"):
        store.set_process(project.deployment_process_id, [bad])
    assert store.process_of(project.id).version == 1


def test_machine_tenancy_defaults_to_untenanted(store: DeploymentStore) -> None:
    assert store.tenancy_of("Machines-1").participation is (
        TenantedDeploymentParticipation.Untenanted)
    store.set_machine_tenancy("Machines-1", MachineTenancy(
        TenantedDeploymentParticipation.Tenanted, ("Tenants-1",)))
    assert store.tenancy_of("Machines-1").tenant_ids == ("Tenants-1",)
    with pytest.raises(KeyError):
        store.set_machine_tenancy("Machines-9", MachineTenancy())
