"""The project variable ``Octopus.Action.MaxParallelism`` (§2.4): it caps both the steps of a
``StartWithPrevious`` group running at once and the targets per step; a step's own property
wins for that step's targets."""

from __future__ import annotations

from octosim.model.executors import Delay, Flow
from octosim.model.projects import StartTrigger
from octosim.model.states import TaskState
from octosim.model.step_actions import StepContext
from octosim.model.tasks import Task
from octosim.model.variables import Variable, VariableScope
from tests.model.deploy.deploy_sim import deploy, deploy_sim, project_with, python_step


class Gauge:
    """A Python action that works 10 s and records how many ran at once, and the
    ``Octopus.Action.MaxParallelism`` each saw."""

    def __init__(self) -> None:
        self.running = 0
        self.most = 0
        self.seen: list[str] = []

    def __call__(self, ctx: StepContext) -> Flow:
        self.seen.append(ctx.variables["Octopus.Action.MaxParallelism"])
        self.running += 1
        self.most = max(self.most, self.running)
        yield Delay(10)
        self.running -= 1
        return None


def run(variables: list[Variable], *, steps: int = 1, window: str | None = None,
        ) -> tuple[Task, Gauge]:
    """Deploy Gauge: one step on the three targets (its own window ``window``), or
    ``steps`` worker steps started together."""
    sim = deploy_sim(3)
    gauge = Gauge()
    sim.deploy.actions.register("Test.Gauge", gauge)
    if steps == 1:
        step = python_step("S", "Test.Gauge")
        if window is not None:
            step.properties["Octopus.Action.MaxParallelism"] = window
        process = [step]
    else:
        process = [python_step(f"S{n}", "Test.Gauge", roles="",
                               start_trigger=StartTrigger.StartWithPrevious)
                   for n in range(1, steps + 1)]
    task = deploy(sim, project_with(sim, process, variables))
    sim.clock.advance_to(200)
    return task, gauge


def test_the_project_variable_caps_the_targets_of_a_step() -> None:
    task, gauge = run([Variable("Octopus.Action.MaxParallelism", "1")])
    assert task.state is TaskState.Success
    assert gauge.most == 1 and gauge.seen == ["1", "1", "1"]


def test_the_project_variable_caps_the_steps_running_together() -> None:
    task, gauge = run([Variable("Octopus.Action.MaxParallelism", "2")], steps=3)
    assert task.state is TaskState.Success
    assert len(gauge.seen) == 3 and gauge.most == 2


def test_a_step_s_own_window_wins_for_its_targets() -> None:
    task, gauge = run([Variable("Octopus.Action.MaxParallelism", "1")], window="2")
    assert task.state is TaskState.Success
    assert gauge.most == 2 and gauge.seen == ["2", "2", "2"]


def test_a_value_scoped_to_another_environment_does_not_apply() -> None:
    task, gauge = run([Variable("Octopus.Action.MaxParallelism", "1",
                                scope=VariableScope(environment=("Environments-99",)))])
    assert task.state is TaskState.Success
    assert gauge.most == 3 and gauge.seen == ["10", "10", "10"]


def test_a_value_may_refer_to_another_variable() -> None:
    task, gauge = run([Variable("Octopus.Action.MaxParallelism", "#{Window}"),
                       Variable("Window", "2")])
    assert task.state is TaskState.Success and gauge.most == 2


def test_a_value_that_is_no_positive_whole_number_fails_the_task() -> None:
    task, gauge = run([Variable("Octopus.Action.MaxParallelism", "zero")])
    assert task.state is TaskState.Failed and gauge.seen == []
    assert task.error_message == ("The project variable Octopus.Action.MaxParallelism must be "
                                  "a positive whole number, not 'zero'")
