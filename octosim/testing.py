"""Assertions for tests of code that talks to a simulation.

Each reads the simulation's own records (its tasks and its request log,
:mod:`octosim.requestlog`) and fails with a message that says what was left and what to
do, so a test states its intent in one line::

    from octosim.testing import assert_no_task_left

    def test_my_tool_cleans_up(octopus):
        my_tool.restart(octopus.base_url, octopus.api_key)
        assert_no_task_left(octopus)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from octosim.model.states import TaskState

if TYPE_CHECKING:
    from octosim.requestlog import Client
    from octosim.simulation import Simulation

__all__ = ["assert_no_task_left", "tasks_created"]

_UNFINISHED = (TaskState.Queued, TaskState.Executing)


def tasks_created(sim: Simulation, *, by: Client | None = None) -> list[str]:
    """Return the ids of the tasks the test's HTTP requests created (a 201 from a POST),
    oldest first; ``by`` keeps only those one client library created. Tasks the simulation
    makes itself (a scenario's background load) are not among them."""
    ids = [r.created for r in sim.requests if r.created is not None
           and (by is None or r.client == by)]
    return [i for i in ids if i in sim.engine.tasks]


def assert_no_task_left(sim: Simulation, *, created_by: Client | None = None) -> None:
    """Fail if a task the test created over HTTP (through the ``created_by`` client library
    only, when given) is still Queued or Executing.

    Cancelling counts as cleaned up: the client asked, and the server finishes it.
    Raises AssertionError listing each task left, its state and name.
    """
    __tracebackhide__ = True
    left = [sim.engine.tasks[i] for i in tasks_created(sim, by=created_by)
            if sim.engine.tasks[i].state in _UNFINISHED]
    if not left:
        return
    who = f"through {created_by}" if created_by else "over HTTP"
    lines = "\n".join(f"  {t.id} ({t.name}) is {t.state.value}" for t in left)
    raise AssertionError(
        f"the test created {len(left)} task(s) {who} that are still running at "
        f"{sim.clock.now():g}s (virtual):\n{lines}\nThe code under test should wait for "
        "them to finish or cancel them (POST /api/tasks/<id>/cancel); the timeline above "
        "shows what they were doing."
    )
