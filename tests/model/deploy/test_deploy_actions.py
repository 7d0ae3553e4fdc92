"""The actions of one step: where each runs (``Octopus.Action.RunOnServer`` is per action,
§2.5), its run ``Condition`` (§2.4), and action types the simulator does not model."""

from __future__ import annotations

import pytest

from octosim.model.executors import Delay, Flow
from octosim.model.process_runner import (
    ACTION_SKIPPED_AFTER_FAILURE,
    ACTION_SKIPPED_BY_VARIABLE,
    not_modelled_action,
)
from octosim.model.projects import ActionCondition, DeploymentAction, DeploymentStep, StepCondition
from octosim.model.script_mutex import mutex_for
from octosim.model.states import TaskState
from octosim.model.step_actions import StepContext
from octosim.model.tasks import ActivityElement, ActivityStatus
from octosim.model.variables import Variable, VariableScope
from tests.model.deploy.deploy_sim import deploy, deploy_sim, names, project_with


def script(name: str, body: str, *, on_server: bool, **fields: object) -> DeploymentAction:
    """Return a PowerShell script action, on a worker when ``on_server``."""
    action = DeploymentAction(name, properties={
        "Octopus.Action.RunOnServer": "true" if on_server else "false",
        "Octopus.Action.Script.ScriptBody": body,
    })
    for key, value in fields.items():
        setattr(action, key, value)
    return action


def messages(element: ActivityElement) -> list[str]:
    """Return every log line under ``element``, in tree order."""
    return [entry.message for node in element.walk() for entry in node.log]


def test_run_on_server_is_per_action_in_a_rolling_step() -> None:
    """[take out of the load balancer from a worker, deploy on the target]: the first
    action runs on a worker on behalf of each target, the second on the target itself,
    under FullIsolation (the target's mutex has a writer while it runs)."""
    sim = deploy_sim(2)
    step = DeploymentStep("Rolling", [
        script("LB out", "Write-Host out #{Octopus.Machine.Name}", on_server=True),
        script("Deploy", "Write-Host deployed #{Octopus.Machine.Name}", on_server=False),
    ], {"Octopus.Action.TargetRoles": "app", "Octopus.Action.MaxParallelism": "1"})
    task = deploy(sim, project_with(sim, [step]))
    app = {m.name: m for m in sim.world.machines.values()}
    writers = {name: 0 for name in ("app-01", "app-02")}
    for tick in range(400):
        sim.clock.advance_to(tick / 4)
        for name in writers:
            writers[name] = max(writers[name], mutex_for(sim.engine, app[name]).writers)
    assert task.state is TaskState.Success
    [step_node] = task.log.children
    assert names(step_node) == ["app-01", "app-02"]
    for target in step_node.children:
        assert names(target) == ["LB out", "Deploy"]
        out, deployed = target.children
        assert "Executing LB out (type Octopus.Script) on Worker-1" in messages(out)
        assert f"out {target.name}" in messages(out)
        assert f"Executing Deploy (type Octopus.Script) on {target.name}" in messages(deployed)
        assert f"deployed {target.name}" in messages(deployed)
    assert writers == {"app-01": 1, "app-02": 1}


class Recorder:
    """Python actions ``Test.Ok`` and ``Test.Fail`` that record (action, target, the
    deployment error they saw) as they run."""

    def __init__(self) -> None:
        self.ran: list[tuple[str, str, str]] = []

    def ok(self, ctx: StepContext) -> Flow:
        assert ctx.target is not None
        self.ran.append((ctx.variables["Octopus.Action.Name"], ctx.target.name,
                         ctx.variables.get("Octopus.Deployment.Error", "")))
        yield Delay(1)
        return None

    def fail(self, ctx: StepContext) -> Flow:
        yield from self.ok(ctx)
        return "It broke."


def python(name: str, action_type: str, condition: ActionCondition = ActionCondition.Success,
           expression: str | None = None) -> DeploymentAction:
    """Return a Python action on the target, with its run condition."""
    properties = {"Octopus.Action.RunOnServer": "false"}
    if expression is not None:
        properties["Octopus.Action.ConditionVariableExpression"] = expression
    return DeploymentAction(name, action_type=action_type, properties=properties,
                            condition=condition)


def run_step(actions: list[DeploymentAction], variables: list[Variable] | None = None,
             ) -> tuple[Recorder, ActivityElement, TaskState]:
    """Deploy one step of ``actions`` to app-01 and app-02; return what ran, the step's
    node and the task's state."""
    sim = deploy_sim(2)
    recorder = Recorder()
    sim.deploy.actions.register("Test.Ok", recorder.ok)
    sim.deploy.actions.register("Test.Fail", recorder.fail)
    step = DeploymentStep("Step", actions, {"Octopus.Action.TargetRoles": "app"})
    task = deploy(sim, project_with(sim, [step], variables or []))
    sim.clock.advance_to(100)
    [step_node] = task.log.children
    return recorder, step_node, task.state


def test_a_variable_condition_skips_the_action_where_it_is_false() -> None:
    """The expression is evaluated with each target's variables."""
    recorder, step, state = run_step(
        [python("First", "Test.Ok"),
         python("Only here", "Test.Ok", ActionCondition.Variable, "#{RunHere}")],
        [Variable("RunHere", "False"),
         Variable("RunHere", "True", scope=VariableScope(machine=("Machines-3",)))])
    assert state is TaskState.Success
    app_01 = next(m for m in step.children if m.name == "app-01")
    assert app_01.children[1].log[0].message == ACTION_SKIPPED_BY_VARIABLE
    assert app_01.children[1].status is ActivityStatus.Skipped
    assert sorted(recorder.ran) == [("First", "app-01", ""), ("First", "app-02", ""),
                                    ("Only here", "app-02", "")]


def test_a_one_action_step_skipped_by_its_condition_marks_the_target_skipped() -> None:
    recorder, step, state = run_step(
        [python("Never", "Test.Ok", ActionCondition.Variable, "#{Nope}")],
        [Variable("Nope", "0")])
    assert state is TaskState.Success and recorder.ran == []
    assert [(t.status, t.log[0].message) for t in step.children] == [
        (ActivityStatus.Skipped, ACTION_SKIPPED_BY_VARIABLE)] * 2


def test_after_a_failed_action_success_actions_are_skipped_and_variable_ones_run() -> None:
    """A cleanup action with a Variable condition still runs after the failure, and sees
    it as Octopus.Deployment.Error."""
    recorder, step, state = run_step(
        [python("Break", "Test.Fail"), python("Then", "Test.Ok"),
         python("Cleanup", "Test.Ok", ActionCondition.Variable, "True")])
    assert state is TaskState.Failed
    assert sorted(recorder.ran) == [
        ("Break", "app-01", ""), ("Break", "app-02", ""),
        ("Cleanup", "app-01", "It broke."), ("Cleanup", "app-02", "It broke.")]
    for target in step.children:
        assert target.status is ActivityStatus.Failed
        _, then, cleanup = target.children
        assert (then.status, then.log[0].message) == (
            ActivityStatus.Skipped, ACTION_SKIPPED_AFTER_FAILURE)
        assert cleanup.status is ActivityStatus.Success
    assert step.status is ActivityStatus.Failed


def test_a_step_s_variable_condition_sees_the_deployment_error() -> None:
    """``#{Octopus.Deployment.Error}`` in a step's run condition is the first failure's
    reason, as a target's scripts see it. (The failure's reason here reads ``False``, so
    the step is skipped exactly when the expression saw it: unresolved, the token would stay
    as written and count as true.)"""
    sim = deploy_sim(1)
    recorder = Recorder()

    def fail(ctx: StepContext) -> Flow:
        yield Delay(1)
        return "False"

    sim.deploy.actions.register("Test.Fail", fail)
    sim.deploy.actions.register("Test.Ok", recorder.ok)
    condition = {"Octopus.Action.TargetRoles": "app",
                 "Octopus.Step.ConditionVariableExpression": "#{Octopus.Deployment.Error}"}
    project = project_with(sim, [
        DeploymentStep("Break", [python("Break", "Test.Fail")],
                       {"Octopus.Action.TargetRoles": "app"}),
        DeploymentStep("Notify", [python("Notify", "Test.Ok")], condition,
                       condition=StepCondition.Variable),
    ])
    task = deploy(sim, project)
    sim.clock.advance_to(100)
    notify = task.log.children[1]
    assert notify.status is ActivityStatus.Skipped and recorder.ran == []


@pytest.mark.parametrize(("action_type", "properties", "what"), [
    ("Octopus.Manual", {"Octopus.Action.Manual.Instructions": "Approve it"}, ""),
    ("Octopus.TentaclePackage", {"Octopus.Action.Package.PackageId": "App"}, ""),
    ("octopus.kubernetesdeployrawyaml", {}, ""),
    ("Octopus.Script", {"Octopus.Action.Script.ScriptSource": "Package"},
     " with Octopus.Action.Script.ScriptSource 'Package' (a script from a package)"),
])
def test_a_built_in_action_type_the_simulator_does_not_model_fails_loudly(
    action_type: str, properties: dict[str, str], what: str,
) -> None:
    sim = deploy_sim(1)
    action = DeploymentAction("Act", action_type=action_type,
                              properties={"Octopus.Action.RunOnServer": "true", **properties})
    task = deploy(sim, project_with(sim, [DeploymentStep("Act", [action], {})]))
    sim.clock.advance_to(100)
    reason = not_modelled_action(action_type, "Act", what)
    assert task.state is TaskState.Failed
    assert reason in messages(task.log)
    assert "Octopus.Script actions with an inline script body" in reason


@pytest.mark.parametrize("source", ["", "Inline", "inline"])
def test_an_inline_script_still_runs(source: str) -> None:
    sim = deploy_sim(1)
    action = script("Say", "Write-Host said", on_server=True)
    if source:
        action.properties["Octopus.Action.Script.ScriptSource"] = source
    task = deploy(sim, project_with(sim, [DeploymentStep("Say", [action], {})]))
    sim.clock.advance_to(100)
    assert task.state is TaskState.Success and "said" in messages(task.log)
