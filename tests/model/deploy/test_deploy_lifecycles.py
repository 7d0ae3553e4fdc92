"""Lifecycles and deployment creation: progression, the refusals and their exact texts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from octosim.model.deploy_errors import HELP_TEXT, DeploymentModelError
from octosim.model.deployment_rules import (
    allowed_environment_ids,
    create_deployment,
    create_release,
    no_targets_error,
    plan_deployment,
    record_deployment_outcome,
)
from octosim.model.deployment_store import DeploymentStore
from octosim.model.lifecycles import Lifecycle, Phase, allowed_environments, effective_phases
from octosim.model.releases import Release
from tests.model.deploy.builders import script_step

DEV, TEST, PROD = "Environments-1", "Environments-2", "Environments-3"
ENVS = [(DEV, 0), (TEST, 1), (PROD, 2)]


def released(store: DeploymentStore, lifecycle: str | None = None) -> Release:
    project = store.add_project("Spaces-1", "App", lifecycle=lifecycle)
    store.set_process(project.deployment_process_id, [script_step("Hello", on_server=True)])
    return create_release(store, project.id)


def test_no_phases_means_one_phase_per_environment_in_sort_order() -> None:
    lifecycle = Lifecycle("Lifecycles-1", "Spaces-1", "Default Lifecycle")
    assert [p.environment_ids for p in effective_phases(lifecycle, reversed(ENVS))] == [
        (DEV,), (TEST,), (PROD,)]
    assert allowed_environments(lifecycle, ENVS, set()) == [DEV]
    assert allowed_environments(lifecycle, ENVS, {DEV}) == [DEV, TEST]
    assert allowed_environments(lifecycle, ENVS, {DEV, TEST}) == [DEV, TEST, PROD]


def test_a_phase_without_environments_takes_every_one_not_named_earlier() -> None:
    lifecycle = Lifecycle("Lifecycles-2", "Spaces-1", "L", [
        Phase("Prod first", [PROD]), Phase("The rest")])
    assert [p.environment_ids for p in effective_phases(lifecycle, ENVS)] == [
        (PROD,), (DEV, TEST)]


def test_optional_phases_and_minimum_counts_gate_promotion() -> None:
    lifecycle = Lifecycle("Lifecycles-2", "Spaces-1", "L", [
        Phase("Dev", [DEV], is_optional_phase=True),
        Phase("QA", [TEST], [PROD], minimum_environments_before_promotion=1),
        Phase("Never", []),
    ])
    assert allowed_environments(lifecycle, ENVS, set()) == [DEV, TEST, PROD]
    lifecycle.phases[1].minimum_environments_before_promotion = 0
    lifecycle.phases[2] = Phase("Last", [PROD])
    lifecycle.phases[1] = Phase("QA", [TEST])
    assert allowed_environments(lifecycle, ENVS, set()) == [DEV, TEST]
    assert allowed_environments(lifecycle, ENVS, {TEST}) == [DEV, TEST, PROD]


def test_a_release_goes_to_the_next_environment_only_after_success(
    store: DeploymentStore,
) -> None:
    release = released(store)
    assert allowed_environment_ids(store, release) == [DEV]
    with pytest.raises(DeploymentModelError) as caught:
        create_deployment(store, release.id, TEST)
    assert caught.value.errors == (
        "The release has not been deployed to the required environments before it can be "
        "promoted to this environment. Check the lifecycle associated with this project's "
        "deployment process.", HELP_TEXT)
    deployment = create_deployment(store, release.id, DEV, now=5.0)
    assert (deployment.id, deployment.name, deployment.task_id) == (
        "Deployments-1", "Deploy to Development", None)
    assert allowed_environment_ids(store, release) == [DEV]
    record_deployment_outcome(store, deployment.id, False)
    assert allowed_environment_ids(store, release) == [DEV]
    record_deployment_outcome(store, deployment.id, True)
    assert allowed_environment_ids(store, release) == [DEV, TEST]
    assert create_deployment(store, release.id, TEST).environment_id == TEST


def test_an_environment_outside_the_lifecycle_is_refused(store: DeploymentStore) -> None:
    store.add_lifecycle("Spaces-1", "Prod only", [Phase("Prod", [PROD])])
    release = released(store, lifecycle="Prod only")
    with pytest.raises(DeploymentModelError) as caught:
        create_deployment(store, release.id, DEV)
    assert caught.value.errors[0].startswith(
        "Release '0.0.1' of project 'App' cannot be deployed to environment 'Development'")


def test_a_process_with_no_step_for_the_environment_is_refused_with_octopus_s_text(
    store: DeploymentStore,
) -> None:
    project = store.add_project("Spaces-1", "Kraken")
    step = script_step("Only in prod", on_server=True)
    step.actions[0].environments = [PROD]
    store.set_process(project.deployment_process_id, [step])
    release = create_release(store, project.id)
    with pytest.raises(DeploymentModelError) as caught:
        create_deployment(store, release.id, DEV)
    assert caught.value.errors == (
        "There are no steps to run when deploying releases of Kraken in the Default channel "
        "to the Development environment.  This can happen if your deployment process is "
        "empty, or review the filters applied to the steps in your deployment process.",
        HELP_TEXT)


def test_deployment_fields_are_set_and_unknown_ones_refused(store: DeploymentStore) -> None:
    release = released(store)
    deployment = create_deployment(store, release.id, DEV, specific_machine_ids=["Machines-1"],
                                   queue_time=30.0)
    assert deployment.specific_machine_ids == ["Machines-1"] and deployment.queue_time == 30.0
    with pytest.raises(AttributeError, match="no settable field 'bogus'"):
        create_deployment(store, release.id, DEV, bogus=1)
    with pytest.raises(AttributeError, match="no settable field 'concurrency_tag'"):
        create_deployment(store, release.id, DEV, concurrency_tag="mine")


def test_a_tenant_must_be_connected_to_the_project_in_the_environment(
    store: DeploymentStore,
) -> None:
    release = released(store)
    tenant = store.add_tenant("Spaces-1", "Acme", {release.project_id: [TEST]})
    with pytest.raises(DeploymentModelError, match="'Acme' is not connected"):
        create_deployment(store, release.id, DEV, tenant_id=tenant.id)
    store.tenants[tenant.id].project_environments[release.project_id].append(DEV)
    assert create_deployment(store, release.id, DEV, tenant_id=tenant.id).tenant_id == tenant.id


_phase = st.builds(
    Phase, st.just("p"), st.lists(st.sampled_from([DEV, TEST, PROD]), max_size=2, unique=True),
    st.just([]), st.integers(0, 2), st.booleans())


@given(phases=st.lists(_phase, max_size=4),
       succeeded=st.lists(st.sampled_from([DEV, TEST, PROD]), max_size=3))
def test_more_successes_never_allow_fewer_environments(
    phases: list[Phase], succeeded: list[str]
) -> None:
    lifecycle = Lifecycle("Lifecycles-9", "Spaces-1", "L", phases)
    seen: set[str] = set()
    allowed = allowed_environments(lifecycle, ENVS, seen)
    for env in succeeded:
        seen.add(env)
        now = allowed_environments(lifecycle, ENVS, seen)
        assert set(allowed) <= set(now)
        assert now[: len(allowed)] == allowed
        allowed = now


def test_a_plan_where_every_step_is_skipped_fails_unless_the_project_allows_it(
    store: DeploymentStore,
) -> None:
    project = store.add_project("Spaces-1", "App")
    store.set_process(project.deployment_process_id, [
        script_step("Web", roles="web-server"), script_step("App", roles="app-server")])
    release = create_release(store, project.id)
    assert no_targets_error(store, project.id, plan_deployment(store, release, DEV)) is None
    empty = plan_deployment(store, release, TEST)
    assert no_targets_error(store, project.id, empty) == (
        "There must be at least one machine to deploy to in the environment.")
    project.allow_deployments_to_no_targets = True
    assert no_targets_error(store, project.id, empty) is None


def test_environments_and_tenants_may_be_named_and_unknown_ones_are_refused(
    store: DeploymentStore,
) -> None:
    release = released(store)
    assert create_deployment(store, release.id, "development").environment_id == DEV
    with pytest.raises(DeploymentModelError) as caught:
        create_deployment(store, release.id, "Staging")
    assert caught.value.errors == ("Unable to locate deployment environment(s) named 'Staging'",)
    with pytest.raises(DeploymentModelError) as unknown_tenant:
        create_deployment(store, release.id, DEV, tenant_id="Nobody")
    assert unknown_tenant.value.status_code == 404
