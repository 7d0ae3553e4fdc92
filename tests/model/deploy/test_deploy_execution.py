"""Deploy and RunbookRun tasks running steps on Tentacles and workers: the log tree, rolling
windows, run conditions, concurrency tags, the script mutex, guided failure, Python actions."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from octosim.model.deploy_tasks import queue_deployment, queue_runbook_run
from octosim.model.deployment_rules import (
    create_deployment,
    create_release,
    create_runbook_run,
    publish_runbook_snapshot,
)
from octosim.model.engine import EngineError
from octosim.model.executors import Delay, Flow
from octosim.model.process_runner import (
    FAILED_MESSAGE,
    GUIDED_FAILURE_OFF,
    SKIPPED_AFTER_FAILURE,
    SUCCEEDED_LINE,
)
from octosim.model.projects import StartTrigger, StepCondition
from octosim.model.states import TaskState
from octosim.model.step_actions import StepContext
from octosim.model.tasks import ActivityStatus
from octosim.model.tenants import MachineTenancy, TenantedDeploymentParticipation
from octosim.model.variables import Variable, VariableScope
from octosim.simulation import Simulation
from tests.model.deploy.builders import script_step
from tests.model.deploy.deploy_sim import deploy, deploy_sim, names, project_with, python_step


class Gauge:
    """A Python action that works for ``seconds`` and records how many ran at once."""

    def __init__(
        self, seconds: float = 10.0,
        fail_on: Callable[[StepContext], bool] = lambda ctx: False,
    ) -> None:
        self.seconds = seconds
        self.fail_on = fail_on
        self.running = 0
        self.most = 0
        self.calls: list[StepContext] = []

    def __call__(self, ctx: StepContext) -> Flow:
        self.calls.append(ctx)
        self.running += 1
        self.most = max(self.most, self.running)
        yield Delay(self.seconds)
        self.running -= 1
        return "It broke." if self.fail_on(ctx) else None


def lines(element: object) -> list[str]:
    return [entry.message for entry in element.log]  # type: ignore[attr-defined]


def test_three_steps_on_three_targets_with_a_window_of_two() -> None:
    sim = deploy_sim(3)
    gauge = Gauge()
    sim.deploy.actions.register("Test.Gauge", gauge)
    project = project_with(sim, [
        script_step("Install", "Write-Host 'installing'", roles="app"),
        python_step("Migrate", "Test.Gauge", properties={
            "Octopus.Action.TargetRoles": "app", "Octopus.Action.MaxParallelism": "2"}),
        script_step("Verify", "Write-Host 'ok'", roles="app"),
    ])
    task = deploy(sim, project)
    sim.clock.advance_to(300)
    assert task.state is TaskState.Success, task.error_message
    assert task.description == "Deploy Shop release 0.0.1 to Development"
    assert task.arguments == {"DeploymentId": "Deployments-1"}
    assert gauge.most == 2 and len(gauge.calls) == 3
    assert names(task.log) == ["Step 1: Install", "Step 2: Migrate", "Step 3: Verify"]
    for step in task.log.children:
        assert names(step) == ["app-01", "app-02", "app-03"]
        assert step.status is ActivityStatus.Success
    assert GUIDED_FAILURE_OFF in lines(task.log) and SUCCEEDED_LINE in lines(task.log)
    assert not task.can_rerun
    with pytest.raises(EngineError):
        sim.engine.rerun(task)
    assert sim.deployments.deployments["Deployments-1"].succeeded is True
    assert sim.deployments.deployments["Deployments-1"].task_id == task.id


def test_a_failure_skips_success_steps_and_runs_always_steps() -> None:
    sim = deploy_sim(2)
    sim.deploy.actions.register("Test.Break", Gauge(fail_on=lambda c: c.machine.name == "app-02"))
    project = project_with(sim, [
        python_step("Break", "Test.Break"),
        script_step("Next", roles="app"),
        script_step("Cleanup", roles="app", condition=StepCondition.Always),
        script_step("Report", roles="app", condition=StepCondition.Failure),
    ])
    task = deploy(sim, project)
    sim.clock.advance_to(300)
    assert task.state is TaskState.Failed
    assert task.error_message == FAILED_MESSAGE
    statuses = [step.status for step in task.log.children]
    assert statuses == [ActivityStatus.Failed, ActivityStatus.Skipped,
                        ActivityStatus.Success, ActivityStatus.Success]
    assert lines(task.log.children[1]) == [SKIPPED_AFTER_FAILURE]
    assert [c.status for c in task.log.children[0].children] == [
        ActivityStatus.Success, ActivityStatus.Failed]
    assert sim.deployments.deployments["Deployments-1"].succeeded is False


def test_steps_after_a_failure_see_the_deployment_error() -> None:
    sim = deploy_sim(1)
    sim.deploy.actions.register("Test.Break", Gauge(fail_on=lambda c: True))
    report = Gauge(seconds=1)
    sim.deploy.actions.register("Test.Report", report)
    project = project_with(sim, [
        python_step("Break", "Test.Break"),
        python_step("Report", "Test.Report", condition=StepCondition.Failure),
    ])
    deploy(sim, project)
    sim.clock.advance_to(100)
    [ctx] = report.calls
    assert ctx.variables["Octopus.Deployment.Error"] == "It broke."


def test_a_step_whose_role_matches_nothing_is_skipped_with_octopus_line() -> None:
    sim = deploy_sim(1)
    project = project_with(sim, [script_step("Web", roles="nowhere"),
                                 script_step("App", roles="app")])
    task = deploy(sim, project)
    sim.clock.advance_to(100)
    assert task.state is TaskState.Success
    assert lines(task.log.children[0]) == [
        "Skipping this step as no machines were found in the role: nowhere"]


def test_start_with_previous_runs_steps_side_by_side() -> None:
    sim = deploy_sim(1)
    gauge = Gauge(seconds=20)
    sim.deploy.actions.register("Test.Gauge", gauge)
    project = project_with(sim, [
        python_step("A", "Test.Gauge"),
        python_step("B", "Test.Gauge", start_trigger=StartTrigger.StartWithPrevious),
    ])
    task = deploy(sim, project)
    sim.clock.advance_to(100)
    assert task.state is TaskState.Success
    assert gauge.most == 2


def test_scripts_see_substituted_variables_and_logs_mask_sensitive_ones() -> None:
    sim = deploy_sim(2)
    project = project_with(sim, [script_step("Say", "Write-Host '#{Greeting} #{Password}'",
                                             roles="app")], [
        Variable("Greeting", "hello"),
        Variable("Greeting", "bonjour", scope=VariableScope(machine=("Machines-3",))),
        Variable("Password", "s3cret!", is_sensitive=True),
    ])
    task = deploy(sim, project)
    sim.clock.advance_to(100)
    text = {node.name: " ".join(lines(node)) for node in task.log.children[0].children}
    assert "hello ********" in text["app-01"]
    assert "bonjour ********" in text["app-02"]
    assert all("s3cret!" not in e.message for node in task.log.walk() for e in node.log)


def test_the_journal_masks_a_sensitive_machine_variable_with_backslashes() -> None:
    sim = deploy_sim(1)
    body = "[Environment]::SetEnvironmentVariable('APP_KEY', '#{Key}', 'Machine')"
    project = project_with(sim, [script_step("Set", body, roles="app")],
                           [Variable("Key", r"C:\Secrets\k3y", is_sensitive=True)])
    deploy(sim, project)
    sim.clock.advance_to(100)
    timeline = sim.timeline()
    assert "machine environment variable APP_KEY set to '********'" in timeline
    assert "k3y" not in timeline


def test_on_behalf_steps_run_on_a_worker_with_the_targets_variables() -> None:
    sim = deploy_sim(2)
    gauge = Gauge(seconds=1)
    sim.deploy.actions.register("Test.Gauge", gauge)
    project = project_with(sim, [python_step("Restart", "Test.Gauge", on_server=True)])
    task = deploy(sim, project)
    sim.clock.advance_to(100)
    assert task.state is TaskState.Success
    assert names(task.log.children[0]) == ["Worker-1 on behalf of app-01",
                                           "Worker-1 on behalf of app-02"]
    assert [c.machine.name for c in gauge.calls] == ["Worker-1", "Worker-1"]
    assert [c.variables["Octopus.Machine.Name"] for c in gauge.calls] == ["app-01", "app-02"]
    assert gauge.calls[0].variables["Octopus.WorkerPool.Name"] == "Default Worker Pool"
    assert "Worker-1" not in {m.name for m in sim.world.machines.values()}


def test_output_variables_reach_later_steps() -> None:
    sim = deploy_sim(1)

    def produce(ctx: StepContext) -> Flow:
        ctx.set_output("Port", "8080")
        yield Delay(1)

    seen: list[str] = []

    def consume(ctx: StepContext) -> Flow:
        seen.append(ctx.variables["Octopus.Action[Produce].Output.Port"])
        yield Delay(1)

    sim.deploy.actions.register("Test.Produce", produce)
    sim.deploy.actions.register("Test.Consume", consume)
    project = project_with(sim, [python_step("Produce", "Test.Produce"),
                                 python_step("Consume", "Test.Consume")])
    deploy(sim, project)
    sim.clock.advance_to(100)
    assert seen == ["8080"]


def test_deployments_of_one_project_to_one_environment_never_run_together() -> None:
    sim = deploy_sim(1)
    sim.deploy.actions.register("Test.Gauge", Gauge(seconds=30))
    project = project_with(sim, [python_step("Work", "Test.Gauge")])
    first = deploy(sim, project)
    second = deploy(sim, project)
    other = deploy(sim, project_with(sim, [python_step("Work", "Test.Gauge")], name="Other"))
    assert (first.state, second.state, other.state) == (
        TaskState.Executing, TaskState.Queued, TaskState.Executing)
    assert sim.engine.executing == 2  # the waiting one holds no slot
    sim.clock.advance_to(31)
    assert first.state is TaskState.Success and second.state is TaskState.Executing
    sim.clock.advance_to(100)
    assert second.state is TaskState.Success


def test_runbook_runs_execute_their_snapshot() -> None:
    sim = deploy_sim(1)
    store = sim.deployments
    project = project_with(sim, [])
    runbook = store.add_runbook(project.id, "Restore")
    store.set_process(runbook.process.id, [script_step("Restore", roles="app")])
    publish_runbook_snapshot(store, runbook.id, name="Snapshot 1")
    run = create_runbook_run(store, runbook.id, "Development")
    task = queue_runbook_run(sim.engine, store, run.id)
    sim.clock.advance_to(100)
    assert task.name == "RunbookRun" and task.arguments == {"RunbookRunId": run.id}
    assert task.state is TaskState.Success
    assert names(task.log) == ["Step 1: Restore"]
    assert run.task_id == task.id and not task.can_rerun


def test_deploy_tasks_are_not_queueable_by_users() -> None:
    sim = Simulation()
    for name in ("Deploy", "RunbookRun"):
        assert sim.engine.executors[name].queueable_by_users is False  # type: ignore[attr-defined]
    assert getattr(sim.engine.executors["Health"], "queueable_by_users", True)


def test_run_at_and_no_run_after_become_queue_time_and_expiry() -> None:
    sim = deploy_sim(1)
    project = project_with(sim, [script_step("Work", roles="app")])
    later = deploy(sim, project, queue_time=50.0)
    expired = deploy(sim, project_with(sim, [script_step("Work", roles="app")], name="B"),
                     queue_time=500.0, queue_time_expiry=100.0)
    assert later.queue_time == 50.0 and later.state is TaskState.Queued
    sim.clock.advance_to(51)
    assert later.state is TaskState.Executing
    sim.clock.advance_to(101)
    assert expired.state is TaskState.TimedOut


def test_any_task_can_carry_a_concurrency_tag_and_a_rerun_keeps_it() -> None:
    sim = Simulation()
    first = sim.engine.create("Spaces-1", "Backup", {}, concurrency_tag="nightly")
    second = sim.engine.create("Spaces-1", "Backup", {}, concurrency_tag="nightly")
    untagged = sim.engine.create("Spaces-1", "Backup", {})
    assert (first.state, second.state, untagged.state) == (
        TaskState.Executing, TaskState.Queued, TaskState.Executing)
    sim.clock.advance_to(10_000)
    assert second.state is TaskState.Success
    assert sim.engine.concurrency_tag_of(sim.engine.rerun(first)) == "nightly"


def test_a_worker_step_without_roles_runs_once_on_a_worker() -> None:
    sim = deploy_sim(2)
    gauge = Gauge(seconds=1)
    sim.deploy.actions.register("Test.Gauge", gauge)
    task = deploy(sim, project_with(sim, [python_step("Notify", "Test.Gauge", roles="",
                                                      on_server=True)]))
    sim.clock.advance_to(100)
    assert task.state is TaskState.Success
    assert names(task.log.children[0]) == ["Worker-1"]
    assert [c.target for c in gauge.calls] == [None]


def test_a_variable_run_condition_reads_its_expression() -> None:
    sim = deploy_sim(1)
    gauge = Gauge(seconds=1)
    sim.deploy.actions.register("Test.Gauge", gauge)
    expression = {"Octopus.Action.TargetRoles": "app",
                  "Octopus.Step.ConditionVariableExpression": "#{RunIt}"}
    project = project_with(sim, [
        python_step("Yes", "Test.Gauge", condition=StepCondition.Variable,
                    properties=dict(expression)),
        python_step("No", "Test.Gauge", condition=StepCondition.Variable,
                    properties={**expression, "Octopus.Step.ConditionVariableExpression":
                                "#{SkipIt}"}),
    ], [Variable("RunIt", "True"), Variable("SkipIt", "False")])
    task = deploy(sim, project)
    sim.clock.advance_to(100)
    assert [s.status for s in task.log.children] == [ActivityStatus.Success,
                                                     ActivityStatus.Skipped]
    assert lines(task.log.children[1]) == [
        "This step was skipped because its run condition evaluated to false."]
    assert len(gauge.calls) == 1


def test_tenanted_deployments_run_per_tenant_side_by_side() -> None:
    sim = deploy_sim(1)
    store = sim.deployments
    sim.deploy.actions.register("Test.Gauge", Gauge(seconds=30))
    project = project_with(sim, [python_step("Work", "Test.Gauge")])
    env_id = next(e.id for e in sim.world.environments.values() if e.name == "Development")
    acme = store.add_tenant("Spaces-1", "Acme", {project.id: [env_id]})
    globex = store.add_tenant("Spaces-1", "Globex", {project.id: [env_id]})
    store.set_machine_tenancy("Machines-2", MachineTenancy(
        TenantedDeploymentParticipation.TenantedOrUntenanted, (acme.id, globex.id)))
    first = deploy(sim, project, tenant_id="Acme")
    second = deploy(sim, project, tenant_id="Globex")
    third = deploy(sim, project, tenant_id="Acme")
    assert first.description == "Deploy Shop release 0.0.1 to Development for Acme"
    assert sim.engine.concurrency_tag_of(first) == f"{acme.id}/{project.id}/{env_id}"
    assert (first.state, second.state, third.state) == (
        TaskState.Executing, TaskState.Executing, TaskState.Queued)
    sim.clock.advance_to(200)
    assert third.state is TaskState.Success


def test_a_project_s_concurrency_tag_variable_is_its_deploy_task_s_tag() -> None:
    sim = deploy_sim(1)
    sim.deploy.actions.register("Test.Gauge", Gauge(seconds=30))
    env_id = next(e.id for e in sim.world.environments.values() if e.name == "Development")
    lane = [Variable("octopus.task.concurrencytag", "lane-#{Lane}"), Variable("Lane", "a")]
    elsewhere = Variable("Octopus.Task.ConcurrencyTag", "lane-a",
                         scope=VariableScope(environment=("Environments-99",)))
    first = deploy(sim, project_with(sim, [python_step("Work", "Test.Gauge")], lane, "A"))
    second = deploy(sim, project_with(sim, [python_step("Work", "Test.Gauge")], lane, "B"))
    other = project_with(sim, [python_step("Work", "Test.Gauge")], [elsewhere], "C")
    third = deploy(sim, other)
    assert sim.engine.concurrency_tag_of(first) == "lane-a"
    assert sim.engine.concurrency_tag_of(third) == f"{other.id}/{env_id}"
    for task in (first, second, third):  # what the deployment carries is what the task got
        deployment = sim.deployments.deployments[task.arguments["DeploymentId"]]
        assert deployment.concurrency_tag == sim.engine.concurrency_tag_of(task)
    assert (first.state, second.state, third.state) == (
        TaskState.Executing, TaskState.Queued, TaskState.Executing)


def test_a_deployment_built_without_its_tag_gets_the_release_s_tag_when_queued() -> None:
    # create_deployment works the tag out; a Deployment made by hand carries none, and its
    # task and its variables must still have the tag the release's variables give.
    sim = deploy_sim(1)
    seen: list[str] = []

    def record(ctx: StepContext) -> Flow:
        seen.append(ctx.variables["Octopus.Task.ConcurrencyTag"])
        yield Delay(1)

    sim.deploy.actions.register("Test.Record", record)
    lane = [Variable("Octopus.Task.ConcurrencyTag", "lane-#{Lane}"), Variable("Lane", "b")]
    project = project_with(sim, [python_step("Work", "Test.Record")], lane)
    store = sim.deployments
    release = create_release(store, project.id)
    deployment = create_deployment(store, release.id, "Development")
    deployment.concurrency_tag = ""
    task = queue_deployment(sim.engine, store, deployment.id)
    sim.clock.advance_to(60)
    assert sim.engine.concurrency_tag_of(task) == "lane-b"
    assert seen == ["lane-b"] and task.state is TaskState.Success


def test_a_python_action_that_raises_or_is_no_generator_fails_its_step() -> None:
    sim = deploy_sim(1)

    def raises(ctx: StepContext) -> Flow:
        yield Delay(1)
        raise KeyError("JAVA_HOME")

    def plain(ctx: StepContext) -> None:
        ctx.log("no yield here")

    sim.deploy.actions.register("Test.Raises", raises)
    sim.deploy.actions.register("Test.Plain", plain)  # type: ignore[arg-type]
    project = project_with(sim, [python_step("Raises", "Test.Raises"),
                                 python_step("Plain", "Test.Plain",
                                             condition=StepCondition.Always)])
    task = deploy(sim, project)
    sim.clock.advance_to(100)
    assert task.state is TaskState.Failed
    raised, plain_step = (" ".join(lines(s.children[0])) for s in task.log.children)
    assert "raised KeyError: 'JAVA_HOME'" in raised
    assert "write it as a generator function" in plain_step


def test_set_octopus_variable_in_a_script_reaches_later_steps_masked_if_sensitive() -> None:
    sim = deploy_sim(2)
    produce = script_step("Produce", 'Set-OctopusVariable -name "Port" -value "8080"\n'
                          'Set-OctopusVariable -name "Token" -value "s3cr3t" -sensitive',
                          roles="app")
    consume = script_step("Consume", 'Write-Host "port #{Octopus.Action[Produce].Output.Port}"'
                          '\nWrite-Host "token #{Octopus.Action[Produce].Output.Token}"',
                          roles="app")
    task = deploy(sim, project_with(sim, [produce, consume]))
    sim.clock.advance_to(300)
    assert task.state is TaskState.Success, task.error_message
    step = task.log.children[1]
    lines = [line.message for e in step.walk() for line in e.log]
    assert lines.count("port 8080") == 2  # each target reads its own (the same) value
    assert lines.count("token ********") == 2 and not any("s3cr3t" in m for m in lines)


@pytest.mark.parametrize(("syntax", "body"), [
    ("PowerShell", "Write-Host \"dir $($OctopusParameters['Install.Dir'])\""),
    # Calamari's bootstrap declares $InstallDir for it (PowerShellBootstrapper's
    # DeclareLocalVariables)
    ("PowerShell", 'Write-Host "dir $InstallDir"'),
    ("Bash", 'DIR=$(get_octopusvariable "Install.Dir"); echo "dir $DIR"'),
])
def test_a_step_script_reads_its_variables_at_run_time(syntax: str, body: str) -> None:
    sim = deploy_sim(1)
    step = script_step("Read", body, roles="app")
    step.actions[0].properties["Octopus.Action.Script.Syntax"] = syntax
    task = deploy(sim, project_with(sim, [step], [Variable("Install.Dir", "/opt/app")]))
    sim.clock.advance_to(300)
    assert task.state is TaskState.Success, task.error_message
    lines = [line.message for e in task.log.children[0].walk() for line in e.log]
    assert "dir /opt/app" in lines


def test_a_script_runs_with_the_real_sensitive_value_and_logs_it_masked() -> None:
    sim = deploy_sim(1)
    body = ('if ("#{Password}" -eq "hunter2") { Write-Host "right: #{Password}" }\n'
            "else { Fail-Step 'the script saw the mask' }")
    task = deploy(sim, project_with(sim, [script_step("Check", body, roles="app")],
                                    [Variable("Password", "hunter2", is_sensitive=True)]))
    sim.clock.advance_to(300)
    assert task.state is TaskState.Success, task.error_message
    lines = [line.message for e in task.log.walk() for line in e.log]
    assert "right: ********" in lines
    assert not any("hunter2" in m for m in lines) and "hunter2" not in sim.timeline()


@pytest.mark.parametrize(("syntax", "value"), [
    ("PowerShell", "BEGIN-x1\r\nsecret-x2\nEND-x3"),
    ("Bash", "BEGIN-x1\nsecret-x2\nEND-x3"),
])
def test_a_sensitive_value_printed_across_lines_is_masked_as_one_line(
    syntax: str, value: str
) -> None:
    # Calamari reads the output a line at a time, so a value holding a line break reaches
    # the log split; Octopus writes the lines holding it as one, the first masked, and drops
    # the rest of them (the "." after it too: test_deploy_masking).
    sim = deploy_sim(1)
    body = ('Write-Host "key: $($OctopusParameters[\'Cert\'])."' if syntax == "PowerShell"
            else 'echo "key: $(get_octopusvariable \'Cert\')."')
    step = script_step("Print", body, roles="app")
    step.actions[0].properties["Octopus.Action.Script.Syntax"] = syntax
    task = deploy(sim, project_with(sim, [step], [
        Variable("Cert", value, is_sensitive=True)]))
    sim.clock.advance_to(300)
    assert task.state is TaskState.Success, task.error_message
    lines = [line.message for e in task.log.walk() for line in e.log]
    assert "key: ********" in lines and "********." not in lines and "." not in lines
    assert not any(part in m for m in lines for part in ("x1", "x2", "x3"))


def test_a_script_sees_the_machines_the_deployment_runs_on() -> None:
    sim = deploy_sim(2)
    project = project_with(sim, [script_step(
        "Say", "Write-Host 'on #{Octopus.Deployment.Machines}'", roles="app")])
    task = deploy(sim, project)
    sim.clock.advance_to(100)
    targets = [m.id for m in sim.world.machines.values() if "app" in m.roles]
    assert len(targets) == 2
    for node in task.log.children[0].children:
        assert f"on {','.join(targets)}" in lines(node)
