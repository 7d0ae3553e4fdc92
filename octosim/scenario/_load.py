"""Background load: generic tasks that keep a server's execution slots busy.

``[server.background_load]`` queues ``count`` tasks at time 0; each runs for a drawn
``duration`` and, while the clock is before ``repeat_until``, is replaced when it finishes.
It stands in for the real server's own work (retention, health checks of other machines)
that competes with a client's tasks for the task cap.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from octosim.model.agents import draw
from octosim.model.engine import TaskEngine
from octosim.model.executors import TaskRun
from octosim.model.tasks import ActivityStatus
from octosim.model.world import World
from octosim.scenario.schema import BackgroundLoad

__all__ = ["start_background_load"]


@dataclass
class _BackgroundExecutor:
    """Stands in for real server work that keeps execution slots busy."""

    name: str
    load: BackgroundLoad
    description: str = "Background load"

    def validate(self, arguments: Mapping[str, Any], space_id: str, world: World
                 ) -> dict[str, Any]:
        return dict(arguments)

    def start(self, run: TaskRun) -> None:
        step = run.task.log.child(run.task.description, started=run.clock.now())

        def done() -> None:
            step.finish(run.clock.now(), ActivityStatus.Success)
            run.succeed()
            # Replace it after it frees its slot, so a task queued meanwhile goes first.
            if run.clock.now() < self.load.repeat_until:
                run.engine.create(run.task.space_id, self.name, {},
                                  description=run.task.description)

        run.call_later(draw(run.rng, self.load.duration), done)


def start_background_load(engine: TaskEngine, load: BackgroundLoad) -> None:
    """Register ``load``'s task type with ``engine`` and queue its tasks in the default
    space (nothing at all when its count is 0, so no executor shows up)."""
    if load.count == 0:
        return
    engine.register(_BackgroundExecutor(load.task, load))
    space_id = engine.world.default_space.id
    for i in range(load.count):
        engine.create(space_id, load.task, {}, description=f"Background load {i + 1}")
