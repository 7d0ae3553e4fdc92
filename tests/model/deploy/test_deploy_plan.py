"""Step planning: order, StartWithPrevious groups, targets by role, skips, windows, conditions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from octosim.model.deployment_rules import create_release, plan_deployment
from octosim.model.deployment_store import DeploymentStore
from octosim.model.projects import DeploymentProcess, StartTrigger, StepCondition
from octosim.model.step_plan import (
    RUN_CONDITIONS,
    PlannedTarget,
    RollingWindow,
    StepPlacement,
    plan_steps,
    should_run,
)
from octosim.model.tenants import MachineTenancy, TenantedDeploymentParticipation
from tests.model.deploy.builders import fresh_store, script_step

DEV, TEST = "Environments-1", "Environments-2"


def with_fleet(store: DeploymentStore, web: int = 3, db: int = 1) -> None:
    for n in range(web):
        store.world.add_machine("Spaces-1", f"web-{n + 2:02}", [DEV], roles=["web-server"])
    for n in range(db):
        store.world.add_machine("Spaces-1", f"db-{n + 1:02}", [DEV], roles=["db"])
    store.world.add_machine("Spaces-1", "test-web", [TEST], roles=["web-server"])


def process(*steps: object) -> DeploymentProcess:
    return DeploymentProcess("deploymentprocess-Projects-1", "Spaces-1", "Projects-1",
                             list(steps))  # type: ignore[arg-type]


def test_steps_run_in_order_on_the_targets_of_their_roles_in_the_environment(
    store: DeploymentStore,
) -> None:
    with_fleet(store)
    plan = plan_steps(process(
        script_step("Install", roles="web-server"),
        script_step("Migrate", roles="DB"),
        script_step("Notify", on_server=True),
    ), DEV, "Channels-1", store.world.machines.values())
    assert [s.node_name for s in plan.steps] == [
        "Step 1: Install", "Step 2: Migrate", "Step 3: Notify"]
    install, migrate, notify = plan.steps
    assert [t.machine_name for t in install.targets] == ["web-01", "web-02", "web-03", "web-04"]
    assert install.placement is StepPlacement.Target
    assert [t.node_name for t in migrate.targets] == ["db-01"]
    assert notify.placement is StepPlacement.Worker and len(notify.targets) == 1
    assert len(plan.groups) == 3 and plan.has_targets


def test_start_with_previous_joins_the_previous_group(store: DeploymentStore) -> None:
    plan = plan_steps(process(
        script_step("A", on_server=True),
        script_step("B", on_server=True, start_trigger=StartTrigger.StartWithPrevious),
        script_step("C", on_server=True),
        script_step("D", on_server=True, start_trigger=StartTrigger.StartWithPrevious),
    ), DEV, "Channels-1", store.world.machines.values())
    assert [[s.name for s in g] for g in plan.groups] == [["A", "B"], ["C", "D"]]


def test_a_step_whose_role_has_no_machine_is_skipped_with_octopus_s_message(
    store: DeploymentStore,
) -> None:
    plan = plan_steps(process(script_step("Run a script on server", roles="app-server")),
                      DEV, "Channels-1", store.world.machines.values())
    [step] = plan.steps
    assert step.is_skipped and not plan.has_targets
    assert step.skipped_reason == (
        "Skipping this step as no machines were found in the role: app-server")


def test_on_behalf_of_steps_run_once_per_target_on_a_worker(store: DeploymentStore) -> None:
    with_fleet(store, web=1, db=0)
    plan = plan_steps(process(script_step("Restart", roles="web-server", on_server=True)),
                      DEV, "Channels-1", store.world.machines.values(), worker_name="worker-1")
    [step] = plan.steps
    assert step.placement is StepPlacement.WorkerOnBehalf
    assert [t.node_name for t in step.targets] == [
        "worker-1 on behalf of web-01", "worker-1 on behalf of web-02"]


def test_a_step_whose_actions_differ_in_run_on_server_runs_each_where_it_says(
    store: DeploymentStore,
) -> None:
    with_fleet(store, web=1, db=0)
    step = script_step("Rolling", roles="web-server", on_server=True)
    step.actions.append(script_step("Deploy", roles="web-server").actions[0])
    plan = plan_steps(process(step), DEV, "Channels-1", store.world.machines.values(),
                      worker_name="worker-1")
    [planned] = plan.steps
    assert planned.placement is StepPlacement.TargetAndWorker
    assert [t.node_name for t in planned.targets] == ["web-01", "web-02"]
    assert [planned.runs_on_worker(a) for a in planned.actions] == [True, False]


def test_run_on_server_is_case_insensitive(store: DeploymentStore) -> None:
    step = script_step("S", roles="web-server")
    step.actions[0].properties["Octopus.Action.RunOnServer"] = "True"
    assert step.actions[0].runs_on_server
    step.actions[0].properties["Octopus.Action.RunOnServer"] = "FALSE"
    assert not step.actions[0].runs_on_server


def test_filters_disabled_excluded_specific_and_skipped_actions(store: DeploymentStore) -> None:
    with_fleet(store, web=2, db=0)
    store.world.machines["Machines-2"].is_disabled = True
    only_test = script_step("Only in test", on_server=True)
    only_test.actions[0].environments = [TEST]
    skipped = script_step("Skipped", on_server=True)
    plan = plan_steps(process(script_step("Web", roles="web-server"), only_test, skipped),
                      DEV, "Channels-1", store.world.machines.values(),
                      excluded_machine_ids=["Machines-3"], skip_actions=["Skipped"])
    assert [s.name for s in plan.steps] == ["Web"]
    assert [t.machine_id for t in plan.steps[0].targets] == ["Machines-1"]
    plan = plan_steps(process(script_step("Web", roles="web-server")), DEV, "Channels-1",
                      store.world.machines.values(), specific_machine_ids=["Machines-3"])
    assert [t.machine_id for t in plan.steps[0].targets] == ["Machines-3"]


def test_tenanted_deployments_use_only_machines_serving_the_tenant() -> None:
    store = fresh_store()
    store.world.add_machine("Spaces-1", "acme-web", [DEV], roles=["web-server"])
    project = store.add_project("Spaces-1", "App")
    tenant = store.add_tenant("Spaces-1", "Acme", {project.id: [DEV]}, tenant_tags=["tier/gold"])
    store.set_machine_tenancy("Machines-2", MachineTenancy(
        TenantedDeploymentParticipation.Tenanted, (), ("tier/gold",)))
    store.set_process(project.deployment_process_id, [script_step("Web", roles="web-server")])
    release = create_release(store, project.id)
    tenanted = plan_deployment(store, release, DEV, tenant.id)
    untenanted = plan_deployment(store, release, DEV)
    assert [t.machine_name for t in tenanted.steps[0].targets] == ["acme-web"]
    assert [t.machine_name for t in untenanted.steps[0].targets] == ["web-01"]


def test_max_parallelism_defaults_to_10_and_refuses_nonsense() -> None:
    step = script_step("S")
    assert step.max_parallelism == 10
    step.properties["Octopus.Action.MaxParallelism"] = "2"
    assert step.max_parallelism == 2
    step.properties["Octopus.Action.MaxParallelism"] = "zero"
    with pytest.raises(ValueError, match="positive whole number, not 'zero'"):
        _ = step.max_parallelism


def test_the_run_condition_table() -> None:
    assert {(c.value, failed) for (c, failed), runs in RUN_CONDITIONS.items() if runs} == {
        ("Success", False), ("Failure", True), ("Always", False), ("Always", True)}
    assert should_run(StepCondition.Variable, True, expression_holds=True)
    assert not should_run(StepCondition.Variable, False, expression_holds=False)


def _targets(n: int) -> list[PlannedTarget]:
    return [PlannedTarget(f"Machines-{i}", f"m{i}", f"m{i}") for i in range(n)]


@given(n=st.integers(0, 40), window=st.integers(1, 12), data=st.data())
def test_a_rolling_window_never_runs_more_than_max_parallelism(
    n: int, window: int, data: st.DataObject
) -> None:
    rolling = RollingWindow(_targets(n), window)
    started = rolling.start()
    assert len(started) == min(n, window)
    while rolling.running:
        assert len(rolling.running) <= window
        done = data.draw(st.sampled_from(rolling.running))
        started += rolling.finished(done)
    assert rolling.is_complete and len(rolling.done) == n
    assert [t.machine_id for t in started] == [t.machine_id for t in _targets(n)]


def test_a_rolling_window_refuses_a_target_that_is_not_running() -> None:
    rolling = RollingWindow(_targets(3), 1)
    rolling.start()
    with pytest.raises(ValueError, match="'m2' is not running"):
        rolling.finished(_targets(3)[2])
    with pytest.raises(ValueError, match="at least 1"):
        RollingWindow([], 0)


@given(conditions=st.lists(st.sampled_from(list(RUN_CONDITIONS.keys())), min_size=1,
                           max_size=8).map(lambda pairs: [c for c, _ in pairs]),
       outcomes=st.lists(st.booleans(), min_size=8, max_size=8))
def test_after_a_failure_only_failure_and_always_steps_run(
    conditions: list[StepCondition], outcomes: list[bool]
) -> None:
    failed = False
    for condition, fails in zip(conditions, outcomes, strict=False):
        runs = should_run(condition, failed)
        if failed:
            assert runs == (condition in (StepCondition.Failure, StepCondition.Always))
        if runs and fails:
            failed = True


def test_the_same_window_bounds_the_steps_of_a_group(store: DeploymentStore) -> None:
    steps = [script_step(f"S{n}", on_server=True, start_trigger=StartTrigger.StartWithPrevious)
             for n in range(12)]
    [group] = plan_steps(process(*steps), DEV, "Channels-1", store.world.machines.values()).groups
    window = RollingWindow(list(group), 10)
    assert [s.name for s in window.start()] == [f"S{n}" for n in range(10)]
    assert [s.name for s in window.finished(group[3])] == ["S10"]
