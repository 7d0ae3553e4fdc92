"""The shipped presets tell the recipe's story as the Python-built world does
(tests/e2e/test_seed_deployment.py), and with the task cap at 1 they show the task-cap
deadlock: the deployment holds the only slot while its restart step waits on tasks queued
behind it (docs/fleets.md)."""

from __future__ import annotations

import pytest

from octosim.model.states import TaskState
from octosim.model.tasks import ActivityStatus
from tests.e2e.seed_deployment_world import JAVA_HOME, deploy, from_preset


@pytest.mark.parametrize(("preset", "method", "state"), [
    ("seed-deployment", None, TaskState.Failed),        # the preset's own: the recipe
    ("seed-deployment", "Client", TaskState.Success),
    ("seed-deployment-linux", "Client", TaskState.Success),  # its units read /etc/environment
])
def test_the_presets_tell_the_story(preset: str, method: str | None, state: TaskState) -> None:
    world = from_preset(preset, method)
    task = deploy(world)
    assert task.state is state, task.error_message
    check = next(e for e in task.log.children if e.name.endswith(": Check Java"))
    lines = [line.message for e in check.walk() for line in e.log]
    if state is TaskState.Success:
        assert lines.count(f"JAVA_HOME is {JAVA_HOME[world.os]}") == 2
    else:
        assert check.status is ActivityStatus.Failed
        assert lines.count("JAVA_HOME is not set") == 2


def test_the_recipe_deadlocks_a_full_cap_until_the_horizon() -> None:
    world = from_preset("seed-deployment")
    sim = world.sim
    sim.engine.task_cap = 1
    task = deploy(world, until=6 * 3600.0)
    assert task.state is TaskState.Executing  # it polls its queued task for ever
    deadlock = sim.deadlock
    assert deadlock is not None and deadlock.cap == 1 and deadlock.frees_at is None
    [holder] = deadlock.holders
    assert holder.task.id == task.id
    assert {ref.state for ref in holder.waits_on} == {TaskState.Queued}
    assert "deadlock task cap 1 full" in sim.timeline()


def test_the_client_ends_by_its_deadline_naming_the_queue_and_cleans_up() -> None:
    world = from_preset("seed-deployment", "Client")
    sim = world.sim
    sim.engine.task_cap = 1
    task = deploy(world, until=6 * 3600.0)
    assert task.state is TaskState.Failed
    children = sim.engine.children_of(task)
    assert children and all(child.state is TaskState.Canceled for child in children)
    assert sim.deadlock is None  # a stall the client broke, not a deadlock
    [stall] = sim.engine.deadlocks.history
    assert stall.ended is not None and stall.frees_at is not None
    restart = next(e for e in task.log.children if e.name.endswith(": Restart Tentacle"))
    errors = [line.message for e in restart.walk() for line in e.log]
    assert any("stayed Queued behind 1 running task(s): the task cap is full" in m
               for m in errors), errors
