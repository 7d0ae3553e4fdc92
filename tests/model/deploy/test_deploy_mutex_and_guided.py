"""The Tentacle's RunningScript mutex between deployments and health checks, and guided
failure's interruptions answered Retry, Fail and Ignore."""

from __future__ import annotations

import dataclasses

import pytest

from octosim.model.interruptions import GuidedFailureAnswer
from octosim.model.process_runner import FAILED_MESSAGE
from octosim.model.script_mutex import ScriptIsolation, ScriptLease, ScriptMutex
from octosim.model.states import TaskState
from octosim.model.tasks import Task
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

WAITING = ("Waiting for the script in task ServerTasks-1 to finish as that script requires "
           "that no other Octopus scripts are executing on this target at the same time.")


def slow_sim(bypass: bool = False) -> tuple[Simulation, Task]:
    """A deployment whose one script runs for 60 s on app-01 (Machines-2)."""
    sim = deploy_sim(1, timing=dataclasses.replace(FAST, script_seconds=(60, 60)))
    variables = [Variable("OctopusBypassDeploymentMutex", "True")] if bypass else []
    project = project_with(sim, [script_step("Long", "Write-Host 'long'", roles="app")],
                           variables)
    return sim, deploy(sim, project)


def all_lines(task: Task) -> list[str]:
    return [e.message for node in task.log.walk() for e in node.log]


def test_a_health_check_waits_for_a_deployment_script_holding_its_slot() -> None:
    sim, deployment = slow_sim()
    sim.clock.advance_to(10)  # the deployment's script is running on app-01
    health = sim.engine.create("Spaces-1", "Health", {"MachineIds": ["Machines-2"]})
    sim.clock.advance_to(30)
    assert health.state is TaskState.Executing
    assert WAITING in all_lines(health)
    assert sim.engine.executing == 2  # the waiting health check keeps its slot
    sim.clock.advance_to(200)
    assert deployment.state is TaskState.Success
    assert health.state is TaskState.Success
    assert health.completed_time is not None and health.completed_time > 60


def test_bypassing_the_mutex_lets_the_health_check_through() -> None:
    sim, _deployment = slow_sim(bypass=True)
    sim.clock.advance_to(10)
    health = sim.engine.create("Spaces-1", "Health", {"MachineIds": ["Machines-2"]})
    sim.clock.advance_to(40)
    assert health.state is TaskState.Success
    assert WAITING not in all_lines(health)


def test_an_adhoc_script_waits_for_the_deployment_script() -> None:
    sim, deployment = slow_sim()
    sim.clock.advance_to(10)
    script = sim.engine.create("Spaces-1", "AdHocScript", {
        "ScriptBody": "Write-Host 'x'", "MachineIds": ["Machines-2"]})
    sim.clock.advance_to(50)
    assert script.state is TaskState.Executing and WAITING in all_lines(script)
    sim.clock.advance_to(200)
    assert script.state is TaskState.Success and deployment.state is TaskState.Success


def test_a_waiting_health_check_cancelled_says_who_still_runs() -> None:
    sim, deployment = slow_sim()
    sim.clock.advance_to(10)
    health = sim.engine.create("Spaces-1", "Health", {"MachineIds": ["Machines-2"]})
    sim.clock.advance_to(20)
    sim.engine.cancel(health)
    sim.clock.advance_to(30)
    assert health.state is TaskState.Canceled
    assert ("This task was canceled before it could start. Task ServerTasks-1 is still "
            "running.") in all_lines(health)
    sim.clock.advance_to(200)
    assert deployment.state is TaskState.Success


def test_a_health_check_that_times_out_waiting_says_so() -> None:
    sim, _deployment = slow_sim()
    sim.clock.advance_to(10)
    health = sim.engine.create("Spaces-1", "Health", {"MachineIds": ["Machines-2"],
                                                      "Timeout": "00:00:30"})
    sim.clock.advance_to(50)
    assert health.state is TaskState.Failed
    assert ("This task waited more than 0.5 minutes and timed out. Task ServerTasks-1 is still "
            "running.") in all_lines(health)


def test_cancelling_a_deployment_frees_its_target() -> None:
    sim, deployment = slow_sim()
    sim.clock.advance_to(10)
    health = sim.engine.create("Spaces-1", "Health", {"MachineIds": ["Machines-2"]})
    sim.clock.advance_to(15)
    sim.engine.cancel(deployment)
    sim.clock.advance_to(40)
    assert deployment.state is TaskState.Canceled
    assert health.state is TaskState.Success


def test_the_mutex_serves_readers_together_and_writers_alone_in_order() -> None:
    mutex = ScriptMutex("app-01")
    granted: list[str] = []

    def lease(task: str, isolation: ScriptIsolation) -> ScriptLease:
        made = ScriptLease(mutex, task, isolation, granted=lambda lease: granted.append(task))
        if mutex.join(made):
            granted.append(task)
        return made

    reader = lease("T1", ScriptIsolation.NoIsolation)
    writer = lease("T2", ScriptIsolation.FullIsolation)
    late_reader = lease("T3", ScriptIsolation.NoIsolation)
    assert granted == ["T1"]  # the late reader does not overtake the waiting writer
    assert mutex.waiting_message(writer).startswith("Waiting for the script in task T1 to "
                                                    "finish as this script requires")
    reader.release()
    assert granted == ["T1", "T2"]
    writer.release()
    assert granted == ["T1", "T2", "T3"]
    late_reader.release()
    assert not mutex.holders and not mutex.waiting


# -- guided failure -------------------------------------------------------------------------
def guided_sim(failures: int) -> tuple[Simulation, Task, list[float]]:
    """A deployment with guided failure whose first step fails ``failures`` times."""
    sim = deploy_sim(1)
    attempts = register_flaky(sim, failures)
    project = project_with(sim, [python_step("Flaky", "Test.Flaky"),
                                 script_step("After", roles="app")])
    task = deploy(sim, project, use_guided_failure=True)
    sim.clock.advance_to(20)
    return sim, task, attempts


@pytest.mark.parametrize(("answer", "state", "after_ran"), [
    ("Retry", TaskState.Success, True),
    ("Ignore", TaskState.Success, True),
    ("Fail", TaskState.Failed, False),
])
def test_guided_failure_waits_for_an_answer(answer: str, state: TaskState,
                                            after_ran: bool) -> None:
    sim, task, attempts = guided_sim(failures=1)
    board = sim.deploy.interruptions
    assert task.state is TaskState.Executing
    [pending] = board.pending(task.id)
    assert board.has_pending(task)
    sim.clock.advance_to(500)  # nobody answers: it waits
    assert task.state is TaskState.Executing and len(attempts) == 1
    board.submit(pending.id, answer.lower(), "looked at it", now=sim.clock.now())
    assert not board.has_pending(task)
    assert board.regarding(task.id) == [pending]
    assert pending.answer is GuidedFailureAnswer(answer) and pending.notes == "looked at it"
    sim.clock.advance_to(1000)
    assert task.state is state
    assert len(attempts) == (2 if answer == "Retry" else 1)
    step_2 = task.log.children[1]
    assert (step_2.status.value == "Success") is after_ran
    if state is TaskState.Failed:
        assert task.error_message == FAILED_MESSAGE


def test_answers_are_checked() -> None:
    sim, task, _attempts = guided_sim(failures=1)
    board = sim.deploy.interruptions
    [pending] = board.pending(task.id)
    with pytest.raises(ValueError, match="Retry, Fail, Ignore"):
        board.submit(pending.id, "Exclude")
    board.submit(pending.id, "Fail")
    with pytest.raises(ValueError, match="already been answered"):
        board.submit(pending.id, "Retry")


def test_cancelling_withdraws_the_interruption() -> None:
    sim, task, _attempts = guided_sim(failures=1)
    sim.engine.cancel(task)
    sim.clock.advance_to(100)
    assert task.state is TaskState.Canceled
    assert not sim.deploy.interruptions.pending()
