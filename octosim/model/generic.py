"""The stand-in executor for task types the simulator does not model (Upgrade, Backup...)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from octosim.model.executors import Delay, Flow, TaskRun
from octosim.model.targets import machine_ids_argument
from octosim.model.tasks import ActivityStatus, LogCategory

if TYPE_CHECKING:
    from octosim.model.world import World

__all__ = ["GENERIC_TASK_TYPES", "GenericExecutor"]

#: Task types a fresh server accepts that the simulator only stands in for.
GENERIC_TASK_TYPES = ("Upgrade", "UpdateCalamari", "Retention", "Backup")


@dataclass
class GenericExecutor:
    """Runs for ``duration`` seconds (± ``jitter``), then succeeds, or fails with
    probability ``failure_rate``. Stands in for task types the simulator does not model."""

    name: str
    description: str = ""
    duration: float = 10.0
    jitter: float = 0.0
    failure_rate: float = 0.0

    def validate(
        self, arguments: Mapping[str, Any], space_id: str, world: World
    ) -> dict[str, Any]:
        """Return the arguments unchanged, checking ``MachineIds`` if present."""
        args = dict(arguments)
        if "MachineIds" in args:
            args["MachineIds"] = machine_ids_argument(args, space_id, world, required=False)
        return args

    def execute(self, run: TaskRun) -> Flow:
        """Log, wait the drawn duration, then end the task."""
        jitter = run.rng.uniform(-self.jitter, self.jitter) if self.jitter else 0.0
        duration = self.duration + jitter
        fails = self.failure_rate > 0 and run.rng.random() < self.failure_rate
        step = run.task.log.child(self.description or self.name, started=run.clock.now())
        run.step = step
        run.log(f"Running {self.name}")
        yield Delay(max(0.0, duration))
        if fails:
            run.log(f"{self.name} failed", LogCategory.Error)
            step.finish(run.clock.now(), ActivityStatus.Failed)
            return f"The {self.name} task failed."
        step.finish(run.clock.now(), ActivityStatus.Success)
        return None
