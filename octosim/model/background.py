"""Background load: server work that keeps execution slots busy (``[server.background_load]``).

A real server runs retention, backups and deployments beside the task a client created, and
those hold slots of the task cap. :func:`start_background_load` queues ``count`` such tasks
at once; each runs for a drawn ``duration``, and one that finishes while the clock is before
``repeat_until`` is replaced by a new one, queued behind whatever arrived meanwhile.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from octosim.model.durations import Span, draw, span
from octosim.model.executors import Delay, Flow, TaskRun
from octosim.model.tasks import ActivityStatus

if TYPE_CHECKING:
    from octosim.model.engine import TaskEngine
    from octosim.model.world import World

__all__ = ["BackgroundExecutor", "start_background_load"]


@dataclass
class BackgroundExecutor:
    """Runs tasks of type ``name`` that stand in for real server work: each takes a
    ``duration`` drawn from the span, and is replaced when it ends before ``repeat_until``
    (virtual seconds) by a new one created on ``engine``."""

    name: str
    engine: TaskEngine
    duration: Span
    repeat_until: float
    description: str = "Background load"

    def validate(
        self, arguments: Mapping[str, Any], space_id: str, world: World
    ) -> dict[str, Any]:
        """Accept any arguments (background tasks are created by the simulator itself)."""
        return dict(arguments)

    def execute(self, run: TaskRun) -> Flow:
        """Hold a slot for the drawn duration, then succeed."""
        step = run.task.log.child(run.task.description, started=run.clock.now())
        # The replacement is created once this task has freed its slot, so that a task
        # queued meanwhile goes first.
        run.on_end(lambda: self._replace(run))
        yield Delay(draw(run.stream("background"), self.duration))
        step.finish(run.clock.now(), ActivityStatus.Success)
        return None

    def _replace(self, run: TaskRun) -> None:
        if run.clock.now() < self.repeat_until:
            self.engine.create(run.task.space_id, self.name, {},
                               description=run.task.description)


def start_background_load(
    engine: TaskEngine,
    space_id: str,
    *,
    task: str,
    count: int,
    duration: Span,
    repeat_until: float,
) -> None:
    """Register a :class:`BackgroundExecutor` for task type ``task`` on ``engine`` and queue
    ``count`` tasks of it in ``space_id`` (``Background load 1``, ``2``...). Nothing is
    registered when ``count`` is 0. Raises ValueError for a negative count or a bad span.
    """
    if count < 0:
        raise ValueError(f"background load count must be >= 0, not {count}")
    if count == 0:
        return
    engine.register(BackgroundExecutor(task, engine, span(duration), repeat_until))
    for i in range(count):
        engine.create(space_id, task, {}, description=f"Background load {i + 1}")
