"""Task executors: what a task of each type does while it is Executing. Pluggable.

An executor validates a create request's ``Arguments`` (returning them normalised, or raising
:class:`ArgumentError` with every problem) and, once the engine starts the task, schedules
its work on the clock through a :class:`TaskRun`, which ends the task with ``succeed`` or
``fail``. Everything an executor schedules through its run is cancelled for it when the task
is cancelled, so executors never need their own cancellation bookkeeping.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from octosim.clock import ScheduledCall, VirtualClock
from octosim.journal import Journal, Kind
from octosim.model.states import TaskState
from octosim.model.tasks import ActivityElement, ActivityStatus, LogCategory, Task

if TYPE_CHECKING:
    from octosim.model.engine import TaskEngine
    from octosim.model.world import World

__all__ = [
    "ArgumentError",
    "Executor",
    "GenericExecutor",
    "TaskRun",
    "machine_ids_argument",
]


class ArgumentError(ValueError):
    """A create request whose ``Arguments`` are wrong; ``problems`` lists each one."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class Executor(Protocol):
    """What a task type does. ``name`` is the task type (``Health``, ``AdHocScript``)."""

    name: str
    description: str  # default Description of a task created without one

    def validate(
        self, arguments: Mapping[str, Any], space_id: str, world: World
    ) -> dict[str, Any]:
        """Return ``arguments`` normalised (echoed back by the API); raise ArgumentError."""
        ...

    def start(self, run: TaskRun) -> None:
        """Begin executing ``run.task``; end it later with ``run.succeed()``/``run.fail()``."""
        ...


class TaskRun:
    """One execution of one task: the executor's handle on time, randomness and the log."""

    def __init__(self, engine: TaskEngine, task: Task) -> None:
        self.engine = engine
        self.task = task
        self._calls: list[ScheduledCall] = []
        self._cancel_hooks: list[Callable[[], None]] = []
        self.step: ActivityElement = task.log
        # Plain attributes, not properties: executors read them on every step.
        #: The simulation's clock.
        self.clock: VirtualClock = engine.clock
        #: The simulation's one seeded random source.
        self.rng: random.Random = engine.rng
        #: The world the task runs in.
        self.world: World = engine.world
        #: The simulation's journal.
        self.journal: Journal = engine.journal

    @property
    def finished(self) -> bool:
        """True once the task has left Executing (completed or being cancelled)."""
        return self.task.state is not TaskState.Executing

    def call_later(self, delay: float, callback: Callable[[], object]) -> ScheduledCall:
        """Schedule ``callback`` in ``delay`` seconds, unless the task is cancelled first."""
        def guarded() -> None:
            if not self.finished:
                callback()
        call = self.clock.call_later(max(0.0, delay), guarded)
        self._calls.append(call)
        return call

    def on_cancel(self, hook: Callable[[], None]) -> None:
        """Run ``hook`` if the task is cancelled while executing."""
        self._cancel_hooks.append(hook)

    def log(self, message: str, category: LogCategory = LogCategory.Info,
            element: ActivityElement | None = None) -> None:
        """Write a line to the task's activity log (the current step unless ``element``)."""
        (element or self.step).write(self.clock.now(), message, category)

    def note(self, kind: Kind, text: str, subject: str | None = None) -> None:
        """Record ``text`` in the journal at the current virtual time."""
        self.journal.record(self.clock.now(), kind, text, subject or self.task.id)

    def succeed(self) -> None:
        """End the task in Success (no-op if it already left Executing)."""
        if not self.finished:
            self.engine.complete(self.task, succeeded=True)

    def fail(self, error_message: str) -> None:
        """End the task in Failed with ``error_message`` (no-op if it already left Executing)."""
        if not self.finished:
            self.engine.complete(self.task, succeeded=False, error_message=error_message)

    def cancelled(self) -> None:
        """Called by the engine on cancel: drop pending work and run the cancel hooks."""
        for call in self._calls:
            call.cancel()
        for hook in self._cancel_hooks:
            hook()


def machine_ids_argument(
    arguments: Mapping[str, Any], space_id: str, world: World, *, required: bool
) -> list[str]:
    """Return the ``MachineIds`` argument as a list of known machine ids in ``space_id``.

    Accepts a list or a comma-separated string. Raises ArgumentError naming unknown ids,
    or if ``required`` and none were given.
    """
    raw = arguments.get("MachineIds")
    if raw is None or raw == "":
        ids: list[str] = []
    elif isinstance(raw, str):
        ids = [part.strip() for part in raw.split(",") if part.strip()]
    elif isinstance(raw, list) and all(isinstance(x, str) for x in raw):
        ids = list(raw)
    else:
        raise ArgumentError(["MachineIds must be a list of machine ids, e.g. [\"Machines-1\"]"])
    machines = world.machines
    unknown = [i for i in ids if (m := machines.get(i)) is None or m.space_id != space_id]
    if unknown:
        raise ArgumentError(
            [f"Machine(s) {', '.join(unknown)} do not exist in space {space_id}"]
        )
    if required and not ids:
        raise ArgumentError(["MachineIds: at least one machine id is required"])
    return ids


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

    def start(self, run: TaskRun) -> None:
        """Log, then end the task after the drawn duration."""
        jitter = run.rng.uniform(-self.jitter, self.jitter) if self.jitter else 0.0
        duration = self.duration + jitter
        fails = self.failure_rate > 0 and run.rng.random() < self.failure_rate
        step = run.task.log.child(self.description or self.name, started=run.clock.now())
        run.step = step
        run.log(f"Running {self.name}")

        def done() -> None:
            if fails:
                run.log(f"{self.name} failed", LogCategory.Error)
                step.finish(run.clock.now(), ActivityStatus.Failed)
                run.fail(f"The {self.name} task failed.")
            else:
                step.finish(run.clock.now(), ActivityStatus.Success)
                run.succeed()

        run.call_later(max(0.0, duration), done)
