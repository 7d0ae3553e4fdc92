"""Fleets of deployments whose step waits on a child task: the task-cap deadlock's cast.

The step is an octosim-only Python step action, :class:`WaitsOnChild`: it prepares for a
while (so every deployment of a fleet holds its slot before any child is queued), queues an
``AdHocScript`` for its target on behalf of its task, as a script calling the API would,
and polls it until it ends, as the Library's "Run Octopus Deploy Runbook" template does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from octosim.model.executors import Delay, Flow
from octosim.model.states import TaskState
from octosim.model.step_actions import StepContext
from octosim.model.tasks import Task
from octosim.simulation import Simulation
from tests.model.deploy.deploy_sim import deploy, deploy_sim, project_with, python_step

__all__ = ["ACTION", "WaitsOnChild", "fleet", "structurally_deadlocked"]

ACTION = "Octosim.WaitsOnChild"


@dataclass(frozen=True)
class WaitsOnChild:
    """Prepare for ``prepare`` seconds, queue a child AdHocScript for the target (timing
    out ``expiry`` seconds later if still Queued, when given), poll it every ``poll``
    seconds until it ends; give up (fail the step) after ``give_up_after`` seconds of
    waiting, when given. Succeeds when the child did."""

    prepare: float = 10.0
    poll: float = 5.0
    expiry: float | None = None
    give_up_after: float | None = None

    def __call__(self, ctx: StepContext) -> Flow:
        yield Delay(self.prepare)
        assert ctx.target is not None
        now = ctx.run.clock.now()
        child = ctx.queue_task(
            "AdHocScript", {"ScriptBody": "Write-Host 'child'", "MachineIds": [ctx.target.id]},
            description=f"Child of {ctx.run.task.id}",
            queue_time_expiry=None if self.expiry is None else now + self.expiry,
        )
        waited = 0.0
        while not child.is_completed:
            if self.give_up_after is not None and waited >= self.give_up_after:
                return f"{child.id} still {child.state} after {waited:g}s: gave up"
            yield Delay(self.poll)
            waited += self.poll
        return None if child.finished_successfully else f"{child.id} ended {child.state}"


def fleet(
    cap: int, actions: Sequence[WaitsOnChild], *, seed: int = 0,
) -> tuple[Simulation, list[Task]]:
    """Return a simulation with task cap ``cap`` and one deployment queued per action (each
    of its own project, so no concurrency tag holds one back), at virtual time 0."""
    sim = deploy_sim(1, seed=seed)
    sim.engine.task_cap = cap
    tasks = []
    for n, action in enumerate(actions, 1):
        action_type = f"{ACTION}{n}"
        sim.deploy.actions.register(action_type, action)
        project = project_with(sim, [python_step("Wait", action_type)], name=f"Project {n}")
        tasks.append(deploy(sim, project))
    return sim, tasks


def structurally_deadlocked(sim: Simulation) -> bool:
    """The condition, judged from the tasks alone (an oracle apart from model/deadlock.py)
    for fleets whose only children are Deploy → AdHocScript: as many tasks execute as the
    cap allows, and each is a deployment with a Queued child that has no QueueTimeExpiry."""
    running = [t for t in sim.engine.tasks.values() if t.is_running]
    if len(running) < sim.engine.task_cap:
        return False
    for task in running:
        if task.state is not TaskState.Executing or task.name != "Deploy":
            return False
        if not any(child.state is TaskState.Queued and child.queue_time_expiry is None
                   for child in sim.engine.children_of(task)):
            return False
    return True
