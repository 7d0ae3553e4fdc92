"""Step retries (``Octopus.Action.AutoRetry.*``) and execution timeouts
(``Octopus.Action.ExecutionTimeout.Minutes``): octopus-deployments.md §2.6,
docs/deployment-tasks.md."""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from octosim.model.deploy_choices import DEFAULT_CHOICES, DeploymentChoices
from octosim.model.deploy_errors import DeploymentModelError
from octosim.model.executors import Delay, Flow
from octosim.model.interruptions import GuidedFailureAnswer
from octosim.model.process_runner import FAILED_MESSAGE
from octosim.model.projects import DeploymentStep
from octosim.model.script_mutex import mutex_for
from octosim.model.states import TaskState
from octosim.model.step_actions import StepContext
from octosim.model.tasks import ActivityElement, Task
from octosim.model.variables import Variable
from octosim.simulation import Simulation
from tests.model.deploy.builders import script_step
from tests.model.deploy.deploy_sim import (
    FAST,
    deploy,
    deploy_sim,
    project_with,
    python_step,
    register_flaky,
)

RETRIES = "Octopus.Action.AutoRetry.MaximumCount"
BACKOFF = "Octopus.Action.AutoRetry.MinimumBackoff"
TIMEOUT = "Octopus.Action.ExecutionTimeout.Minutes"


def lines(task: Task) -> list[str]:
    return [e.message for node in task.log.walk() for e in node.log]


def with_properties(step: DeploymentStep, **properties: str) -> DeploymentStep:
    step.actions[0].properties.update(
        {{"retries": RETRIES, "backoff": BACKOFF, "timeout": TIMEOUT}[key]: value
         for key, value in properties.items()})
    return step


def flaky_deployment(failures: int, *, guided: bool = False,
                     choices: DeploymentChoices = DEFAULT_CHOICES,
                     **properties: str) -> tuple[Simulation, Task, list[float]]:
    """A deployment to app-01 whose first step, a 5 s Python action, fails ``failures``
    times, then succeeds; a second step follows. Returns the start time of every attempt."""
    sim = deploy_sim(1)
    sim.deployments.choices = choices
    attempts = register_flaky(sim, failures)
    project = project_with(sim, [
        with_properties(python_step("Flaky", "Test.Flaky"), **properties),
        script_step("After", roles="app"),
    ])
    return sim, deploy(sim, project, use_guided_failure=guided), attempts


@pytest.mark.parametrize(("failures", "state", "runs"), [
    (0, TaskState.Success, 1),
    (1, TaskState.Success, 2),
    (2, TaskState.Success, 3),
    (3, TaskState.Failed, 3),  # three attempts in all
])
def test_a_failed_action_runs_again_up_to_its_retry_count(
    failures: int, state: TaskState, runs: int,
) -> None:
    sim, task, attempts = flaky_deployment(failures, retries="3")
    sim.clock.advance_to(1000)
    assert task.state is state and len(attempts) == runs
    # Each retry 15 s (the backoff) after the 5 s run that failed.
    first = attempts[0]
    assert [t - first for t in attempts] == [0, 20, 40][:runs]
    retried = [line for line in lines(task) if line.startswith("Retrying")]
    assert retried == [f"Retrying Flaky on app-01 in 15 seconds (retry {n} of 2)"
                       for n in range(1, runs)]
    after = task.log.children[1]
    assert (after.status.value == "Success") is (state is TaskState.Success)
    if state is TaskState.Failed:
        assert task.error_message == FAILED_MESSAGE


def test_the_backoff_and_the_reading_of_the_count_are_configurable() -> None:
    choices = DeploymentChoices(retry_count_includes_first_run=False, first_retry_waits=False)
    sim, task, attempts = flaky_deployment(2, retries="2", backoff="60", choices=choices)
    sim.clock.advance_to(1000)
    assert task.state is TaskState.Success  # two retries after the first run
    assert [t - attempts[0] for t in attempts] == [0, 5, 70]  # the first retry at once


def test_a_count_of_one_is_the_first_run_alone() -> None:
    sim, task, attempts = flaky_deployment(1, retries="1")
    sim.clock.advance_to(1000)
    assert task.state is TaskState.Failed and len(attempts) == 1


def failing_script(guided: bool = False) -> tuple[Simulation, Task, ActivityElement]:
    """A deployment of a script that fails after 10 s on app-01, three attempts allowed;
    returns the target's node once the first run failed (a script's run closes its node)."""
    sim = deploy_sim(1)
    step = script_step("Fails", "Start-Sleep -Seconds 10\nexit 1", roles="app")
    task = deploy(sim, project_with(sim, [with_properties(step, retries="3")]),
                  use_guided_failure=guided)
    sim.clock.advance_to(16)  # 10 s and the script's overhead
    [target] = task.log.children[0].children
    return sim, task, target


def test_a_retried_target_is_running_again_until_its_last_run_ends() -> None:
    sim, task, target = failing_script()
    assert (target.status.value, target.ended) == ("Running", None)  # in the backoff
    sim.clock.advance_to(1000)
    assert task.state is TaskState.Failed and target.status.value == "Failed"
    assert len([line for line in lines(task) if line.startswith("Retrying")]) == 2


def test_a_guided_retry_runs_the_target_again() -> None:
    sim, task, target = failing_script(guided=True)
    sim.clock.advance_to(100)  # its three runs failed
    board = sim.deploy.interruptions
    [pending] = board.pending(task.id)
    assert target.status.value == "Failed"  # while the operator decides
    board.submit(pending.id, GuidedFailureAnswer.Retry.value, now=sim.clock.now())
    assert (target.status.value, target.ended) == ("Running", None)


def test_without_retries_a_failed_action_runs_once() -> None:
    sim, task, attempts = flaky_deployment(1)
    sim.clock.advance_to(1000)
    assert task.state is TaskState.Failed and len(attempts) == 1
    assert not [line for line in lines(task) if line.startswith("Retrying")]


def test_guided_failure_asks_once_the_retries_are_spent_and_retry_runs_them_again() -> None:
    sim, task, attempts = flaky_deployment(3, guided=True, retries="2")
    sim.clock.advance_to(100)
    board = sim.deploy.interruptions
    [pending] = board.pending(task.id)
    assert len(attempts) == 2 and task.state is TaskState.Executing
    board.submit(pending.id, GuidedFailureAnswer.Retry.value, now=sim.clock.now())
    sim.clock.advance_to(1000)
    # Retry: the action again (fails), then its one retry (succeeds).
    assert len(attempts) == 4 and task.state is TaskState.Success


# -- execution timeouts ---------------------------------------------------------------------
def sleeping_deployment(minutes: str, seconds: int = 600, **properties: str,
                        ) -> tuple[Simulation, Task]:
    sim = deploy_sim(1)
    step = script_step("Install", f"Start-Sleep -Seconds {seconds}\nWrite-Host 'installed'",
                       roles="app")
    project = project_with(sim, [with_properties(step, timeout=minutes, **properties)])
    return sim, deploy(sim, project)


def test_an_action_past_its_execution_timeout_fails_and_frees_its_target() -> None:
    sim, task = sleeping_deployment("2")
    sim.clock.advance_to(100)
    assert task.state is TaskState.Executing
    sim.clock.advance_to(10_000)
    assert task.state is TaskState.Failed and task.error_message == FAILED_MESSAGE
    assert task.completed_time is not None and 120 <= task.completed_time < 130
    text = lines(task)
    assert ("Install on app-01 did not finish within its execution timeout of 2 minute(s) "
            "and was cancelled") in text
    assert "installed" not in text  # the script was cancelled where it slept
    [target] = task.log.children[0].children
    assert target.status.value == "Failed"
    app = sim.world.machines["Machines-2"]
    assert not mutex_for(sim.engine, app).holders  # the script mutex was given back
    script = sim.engine.create("Spaces-1", "AdHocScript", {
        "ScriptBody": "Write-Host 'x'", "MachineIds": [app.id]})
    sim.clock.advance_to(sim.clock.now() + 60)
    assert script.state is TaskState.Success


def test_a_timed_out_target_gives_back_its_mutex_before_its_retry() -> None:
    sim, task = sleeping_deployment("1", retries="2")
    sim.clock.advance_to(61)  # timed out at 60 s; the retry waits until 75 s
    assert task.state is TaskState.Executing
    mutex = mutex_for(sim.engine, sim.world.machines["Machines-2"])
    assert not mutex.holders and not mutex.waiting
    sim.clock.advance_to(10_000)
    assert not [line for line in lines(task) if line.startswith("Waiting for the script")]


def test_a_run_ending_at_the_very_instant_of_its_limit_succeeds() -> None:
    # 55 s asleep and the agent's 5 s of overhead: the script ends at 60 s exactly.
    sim, task = sleeping_deployment("1", seconds=55)
    sim.clock.advance_to(10_000)
    assert task.state is TaskState.Success and "installed" in lines(task)


def test_a_timed_out_target_is_failed_while_guided_failure_asks() -> None:
    sim = deploy_sim(1)
    step = script_step("Install", "Start-Sleep -Seconds 600", roles="app")
    task = deploy(sim, project_with(sim, [with_properties(step, timeout="1")]),
                  use_guided_failure=True)
    sim.clock.advance_to(100)
    assert sim.deploy.interruptions.pending(task.id)
    [target] = task.log.children[0].children
    assert (target.status.value, target.ended) == ("Failed", 60)


def test_the_timeout_may_be_a_variable() -> None:
    # The execution timeouts announcement: "through the Octopus variable:
    # Octopus.Action[stepName].ExecutionTimeout.Minutes".
    sim = deploy_sim(1)
    step = script_step("Install", "Start-Sleep -Seconds 600\nWrite-Host 'installed'",
                       roles="app")
    task = deploy(sim, project_with(sim, [step], [
        Variable("Octopus.Action[Install].ExecutionTimeout.Minutes", "2")]))
    sim.clock.advance_to(10_000)
    assert task.state is TaskState.Failed and task.completed_time == 120


@pytest.mark.parametrize(("value", "state", "line"), [
    ("2", TaskState.Failed, "Install on app-01 did not finish within its execution timeout "
                            "of 2 minute(s) and was cancelled"),
    ("soon", TaskState.Failed, "action 'Install': Octopus.Action.ExecutionTimeout.Minutes must "
                               "be a whole number from 0 to 2,147,483,647, not 'soon'"),
])
def test_a_property_bound_to_a_variable_is_read_when_the_action_runs(
    value: str, state: TaskState, line: str,
) -> None:
    sim = deploy_sim(1)
    step = script_step("Install", "Start-Sleep -Seconds 600", roles="app")
    project = project_with(sim, [with_properties(step, timeout="#{Minutes}")],
                           [Variable("Minutes", value)])  # saved: read only when it runs
    task = deploy(sim, project)
    sim.clock.advance_to(10_000)
    assert task.state is state and line in lines(task)


def test_an_action_within_its_timeout_is_untouched() -> None:
    sim, task = sleeping_deployment("11")
    sim.clock.advance_to(10_000)
    assert task.state is TaskState.Success and "installed" in lines(task)


def test_each_retry_has_the_whole_timeout() -> None:
    sim, task = sleeping_deployment("1", retries="2")
    sim.clock.advance_to(10_000)
    assert task.state is TaskState.Failed
    timed_out = [line for line in lines(task) if "execution timeout" in line]
    assert len(timed_out) == 2
    # 60 s, the 15 s backoff, 60 s again.
    assert task.completed_time is not None and 135 <= task.completed_time < 150


def test_the_timeout_counts_the_wait_for_the_script_mutex() -> None:
    sim = deploy_sim(1, timing=dataclasses.replace(FAST, script_seconds=(600, 600)))
    holder = sim.engine.create("Spaces-1", "AdHocScript", {
        "ScriptBody": "Write-Host 'long'", "MachineIds": ["Machines-2"]})
    sim.clock.advance_to(10)
    project = project_with(sim, [with_properties(script_step("Quick", roles="app"),
                                                 timeout="1")])
    task = deploy(sim, project)
    sim.clock.advance_to(200)
    assert task.state is TaskState.Failed
    text = lines(task)
    assert any(line.startswith("This task waited more than 1 minutes and timed out. Task "
                               f"{holder.id} is still running.") for line in text)
    assert "Quick on app-01 did not finish within its execution timeout of 1 minute(s) and " \
           "was cancelled" in text
    mutex = mutex_for(sim.engine, sim.world.machines["Machines-2"])
    assert [lease.task_id for lease in mutex.holders] == [holder.id] and not mutex.waiting


def test_a_python_action_past_its_timeout_is_closed() -> None:
    sim = deploy_sim(1)
    closed: list[float] = []

    def hangs(ctx: StepContext) -> Flow:
        try:
            yield Delay(3600)
        finally:
            closed.append(ctx.run.clock.now())
        return None

    sim.deploy.actions.register("Test.Hangs", hangs)
    project = project_with(sim, [with_properties(python_step("Hang", "Test.Hangs"),
                                                 timeout="5")])
    task = deploy(sim, project)
    sim.clock.advance_to(1000)
    assert task.state is TaskState.Failed and len(closed) == 1 and 300 <= closed[0] < 310


def test_a_python_action_that_will_not_stop_fails_its_step_not_the_simulation() -> None:
    sim = deploy_sim(1)

    def stubborn(ctx: StepContext) -> Flow:
        try:
            yield Delay(3600)
        finally:
            yield Delay(1)  # a generator may not wait once it is closed: RuntimeError
        return None

    sim.deploy.actions.register("Test.Stubborn", stubborn)
    project = project_with(sim, [with_properties(python_step("Stubborn", "Test.Stubborn"),
                                                 timeout="1")])
    task = deploy(sim, project)
    sim.clock.advance_to(1000)
    assert task.state is TaskState.Failed and task.completed_time == 60
    text = lines(task)
    timed_out = text.index("Stubborn on app-01 did not finish within its execution timeout of "
                           "1 minute(s) and was cancelled")
    assert text[timed_out + 1] == ("The Python action 'Test.Stubborn' raised RuntimeError: "
                                   "generator ignored GeneratorExit")


# -- malformed properties -------------------------------------------------------------------
@pytest.mark.parametrize(("key", "value"), [
    ("retries", "three"), ("retries", "-1"), ("backoff", "1.5"), ("timeout", "-5"),
    ("timeout", "٣"),  # a digit, but not one Octopus reads
    ("timeout", "2147483648"), ("backoff", "9" * 400),  # beyond an Int32
])
def test_a_malformed_retry_or_timeout_property_is_refused_when_the_process_is_saved(
    key: str, value: str,
) -> None:
    sim = deploy_sim(1)
    step = with_properties(script_step("Bad", roles="app"), **{key: value})
    project = sim.deployments.add_project("Spaces-1", "Shop")
    refusal = rf"action 'Bad': .* must be a whole number from 0 to 2,147,483,647, not '{value}'"
    with pytest.raises(DeploymentModelError, match=refusal):
        sim.deployments.set_process(project.deployment_process_id, [step])


def test_a_property_spoiled_after_saving_fails_the_action_saying_why() -> None:
    sim = deploy_sim(1)
    project = project_with(sim, [script_step("Spoiled", roles="app")])
    # Changed in place after set_process checked it: the run still says what is wrong.
    process = sim.deployments.process_of(project.id)
    process.steps[0].actions[0].properties[RETRIES] = "lots"
    task = deploy(sim, project)
    sim.clock.advance_to(1000)
    assert task.state is TaskState.Failed
    assert ("action 'Spoiled': Octopus.Action.AutoRetry.MaximumCount must be a whole number "
            "from 0 to 2,147,483,647, not 'lots'") in lines(task)


def test_the_api_refuses_a_malformed_retry_count() -> None:
    sim = Simulation(seed=0)
    sim.deployments.add_project("Spaces-1", "Shop")
    with sim.client() as client:
        answer = client.put("/api/Spaces-1/deploymentprocesses/deploymentprocess-Projects-1",
                            json={"Steps": [{"Name": "A", "Actions": [{
                                "Name": "A", "ActionType": "Octopus.Script",
                                "Properties": {RETRIES: "3x"}}]}]})
    assert answer.status_code == httpx.codes.BAD_REQUEST
    assert answer.json()["Errors"] == [
        f"action 'A': {RETRIES} must be a whole number from 0 to 2,147,483,647, not '3x'"]
