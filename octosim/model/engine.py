"""The task engine: creation, the queue with its task cap, execution, cancel, rerun, set-state.

Every state change goes through :meth:`TaskEngine._move`, which checks it against the tables
in :mod:`octosim.model.states` and journals it. Tasks are stored by id (O(1) get, and listing
by ``ids=`` costs nothing per task stored); the queue is FIFO among tasks whose QueueTime
has come and whose concurrency tag (if any) no executing task holds. A task still queued at
its QueueTimeExpiry times out (TimedOut) without starting, even when that moment had already
passed as it was created.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, NamedTuple, cast

from octosim.clock import VirtualClock
from octosim.journal import Journal, Kind
from octosim.model.callbacks import CallbackAdapter, CallbackExecutor
from octosim.model.deadlock import Deadlock, DeadlockWatch
from octosim.model.executors import ArgumentError, Executor, TaskRun, drive
from octosim.model.randomness import Streams
from octosim.model.states import (
    SET_STATE_TARGETS,
    SET_STATE_TRANSITIONS,
    TASK_TRANSITIONS,
    TaskState,
    check,
)
from octosim.model.tasks import ActivityStatus, LogCategory, Task
from octosim.model.world import World

__all__ = ["DEFAULT_TASK_CAP", "CapChange", "EngineError", "TaskEngine", "UnknownTaskType"]

#: Octopus runs 5 tasks at once per node by default (the "task cap").
DEFAULT_TASK_CAP = 5
SERVER_NODE = "OCTOPUS-SIM-01"


#: The activity log's status for a task that ends in each state (Failed for the rest).
_LOG_STATUS = {
    TaskState.Success: ActivityStatus.Success,
    TaskState.Canceled: ActivityStatus.Canceled,
}


class CapChange(NamedTuple):
    """The task cap in force from virtual time ``at`` on."""

    at: float
    cap: int


class EngineError(ValueError):
    """A request the engine refuses, with the message the API returns as a 400."""


class UnknownTaskType(EngineError):
    """A create request naming a task type no executor is registered for."""


class TaskEngine:
    """Owns every task of one simulated server.

    Executors are registered on it (:meth:`register`) and driven by it: each task's flow
    (:mod:`octosim.model.executors`) runs while the task is Executing.

    ``cancel_delay``: seconds a task spends in Cancelling before it is Canceled (real
    servers take a moment to stop the work; 0 is allowed but skips nothing: the task still
    passes through Cancelling).
    """

    def __init__(
        self,
        clock: VirtualClock,
        journal: Journal,
        world: World,
        streams: Streams,
        *,
        task_cap: int = DEFAULT_TASK_CAP,
        cancel_delay: float = 2.0,
    ) -> None:
        self.clock = clock
        self.journal = journal
        self.world = world
        #: The seed's random streams, one per purpose (:mod:`octosim.model.randomness`).
        self.streams = streams
        self.cancel_delay = cancel_delay
        self._task_cap = task_cap
        #: (virtual time, cap) for the initial cap and every change: lets invariant checks
        #: judge each task's start against the cap in force at that instant.
        self.cap_history: list[CapChange] = [CapChange(clock.now(), task_cap)]
        self.tasks: dict[str, Task] = {}
        self.executors: dict[str, Executor] = {}
        self._queue: deque[Task] = deque()
        self._runs: dict[str, TaskRun] = {}
        self._by_machine: dict[str, list[str]] = {}
        #: Task id → concurrency tag, for tasks created with one (octopus-deployments.md
        #: §2.2): a queued task waits while another with its tag holds a slot.
        self._tags: dict[str, str] = {}
        self._next_number = 0
        #: Parentage (docs/fleets.md): child task id → the task it was queued on behalf of,
        #: and each parent's children in creation order. Internal: Octopus shows neither.
        self._parents: dict[str, str] = {}
        self._children: dict[str, list[str]] = {}
        #: Each parent's children not completed yet, oldest first: what the deadlock watch
        #: reads on every state change, so it must not walk a long-finished fleet's children.
        self._unfinished: dict[str, dict[str, None]] = {}
        self._behalf: list[Task] = []
        #: Task-cap deadlocks and stalls (octosim.model.deadlock); watched only once some
        #: task has a parent, so a simulation without parentage pays nothing.
        self.deadlocks = DeadlockWatch(self)

    # -- configuration ----------------------------------------------------------------------
    def register(self, executor: Executor | CallbackExecutor) -> None:
        """Add or replace the executor for ``executor.name``. A new engine has none: the
        simulator's own are registered by :func:`~octosim.model.install.install_tentacles`.
        An executor written before flows (``start(run)``) is wrapped in a CallbackAdapter."""
        if not hasattr(executor, "execute"):
            executor = CallbackAdapter(executor)
        self.executors[executor.name] = cast(Executor, executor)

    @property
    def task_cap(self) -> int:
        """How many tasks may execute at once."""
        return self._task_cap

    @task_cap.setter
    def task_cap(self, value: int) -> None:
        if value < 1:
            raise EngineError(f"task cap must be at least 1, not {value}")
        self._task_cap = value
        self.cap_history.append(CapChange(self.clock.now(), value))
        self._pump()  # a raised cap may let queued tasks start now
        if self._parents:  # a lowered cap may close a deadlock, a raised one end it
            self.deadlocks.changed()

    # -- queries ----------------------------------------------------------------------------
    def get(self, task_id: str) -> Task | None:
        """Return the task with this id, or None."""
        return self.tasks.get(task_id)

    def newest_first(self) -> Iterator[Task]:
        """Yield every task, newest first (the order Octopus lists them in)."""
        return reversed(self.tasks.values())

    def active_newest_first(self) -> list[Task]:
        """Return every Queued, Executing or Cancelling task, newest first: what the list
        filter ``active`` keeps, found without walking the finished ones (a client polling
        the queue inside a fleet of thousands of finished tasks)."""
        active = [*self._queue, *(run.task for run in self._runs.values())]
        active.sort(key=lambda task: task.number, reverse=True)
        return active

    def for_machine(self, machine_id: str) -> list[Task]:
        """Return the tasks that targeted ``machine_id``, newest first."""
        return [self.tasks[i] for i in reversed(self._by_machine.get(machine_id, []))]

    def concurrency_tag_of(self, task: Task) -> str | None:
        """Return the concurrency tag ``task`` was created with, or None."""
        return self._tags.get(task.id)

    @property
    def executing(self) -> int:
        """Tasks holding an execution slot (Executing or Cancelling)."""
        return len(self._runs)

    def running(self) -> list[Task]:
        """Return the tasks holding an execution slot, in the order they started."""
        return [run.task for run in self._runs.values()]

    # -- parentage --------------------------------------------------------------------------
    @contextmanager
    def on_behalf_of(self, task: Task) -> Iterator[Task]:
        """Tasks created inside this block are queued on behalf of ``task``: its children.

        Whoever delivers a request from inside a running task's flow (a step that calls the
        API) wraps the delivery in it, so the engine knows the parent waits on what the
        request queues: the task-cap deadlock (octosim.model.deadlock) is judged on it.
        Blocks nest; a task that starts inside one acts on its own behalf.
        """
        self._behalf.append(task)
        try:
            yield task
        finally:
            self._behalf.pop()

    def parent_of(self, task: Task) -> Task | None:
        """Return the task ``task`` was queued on behalf of, or None."""
        parent = self._parents.get(task.id)
        return self.tasks[parent] if parent is not None else None

    def children_of(self, task: Task) -> list[Task]:
        """Return the tasks queued on behalf of ``task``, oldest first."""
        return [self.tasks[i] for i in self._children.get(task.id, ())]

    def unfinished_children_of(self, task: Task) -> list[Task]:
        """Return the tasks queued on behalf of ``task`` that have not completed, oldest
        first (as many as are open, however many it queued before)."""
        return [self.tasks[i] for i in self._unfinished.get(task.id, ())]

    @property
    def deadlock(self) -> Deadlock | None:
        """The task-cap deadlock in force now, or None (docs/fleets.md)."""
        return self.deadlocks.deadlock

    def queued_ahead_of(self, task: Task) -> list[Task]:
        """Return the tasks queued ahead of ``task`` (empty unless it is Queued)."""
        if task.state is not TaskState.Queued:
            return []
        ahead = []
        for other in self._queue:
            if other is task:
                break
            ahead.append(other)
        return ahead

    # -- commands ---------------------------------------------------------------------------
    def create(
        self,
        space_id: str,
        name: str,
        arguments: Mapping[str, Any],
        *,
        description: str | None = None,
        queue_time: float | None = None,
        queue_time_expiry: float | None = None,
        rerun_of: str | None = None,
        concurrency_tag: str | None = None,
    ) -> Task:
        """Create and queue a task; return it (possibly already Executing).

        ``concurrency_tag``: while a task with the same tag executes, this one stays Queued
        without holding a slot. Raises UnknownTaskType or ArgumentError (both → 400 in the
        API).
        """
        executor = self.executors.get(name)
        if executor is None:
            known = ", ".join(sorted(self.executors))
            raise UnknownTaskType(
                f"The task type {name!r} is not supported by this server. Task types: {known}"
            )
        args = executor.validate(arguments, space_id, self.world)
        now = self.clock.now()
        self._next_number += 1
        task = Task(
            id=f"ServerTasks-{self._next_number}",
            space_id=space_id,
            name=name,
            description=description or executor.description or name,
            arguments=args,
            queue_time=max(now, queue_time) if queue_time is not None else now,
            queue_time_expiry=queue_time_expiry,
            created=now,
            machine_ids=tuple(args.get("MachineIds") or ()),
            rerun_of=rerun_of,
            rerunnable=getattr(executor, "rerunnable", True),
        )
        self.tasks[task.id] = task
        if self._behalf:
            parent = self._behalf[-1]
            self._parents[task.id] = parent.id
            self._children.setdefault(parent.id, []).append(task.id)
            self._unfinished.setdefault(parent.id, {})[task.id] = None
        if concurrency_tag is not None:
            self._tags[task.id] = concurrency_tag
        for machine_id in task.machine_ids:
            self._by_machine.setdefault(machine_id, []).append(task.id)
        task.log.write(now, f"Task {task.id} queued: {task.description}", LogCategory.Verbose)
        self.journal.record(
            now, Kind.Task, f"{task.id} {name} {task.description!r} created (Queued)", task.id
        )
        self._queue.append(task)
        if task.queue_time > now:
            self.clock.call_at(task.queue_time, self._pump)
        if queue_time_expiry is not None and queue_time_expiry <= now:
            # Already past: a task still queued at its QueueTimeExpiry times out, and this
            # one is queued at that moment (it must not start first and run after it).
            self._expire(task)
        elif queue_time_expiry is not None:
            self.clock.call_at(queue_time_expiry, lambda: self._expire(task))
        if self._parents:  # a child queued behind a full cap may close a deadlock
            self.deadlocks.changed()
        self._pump()
        return task

    def cancel(self, task: Task) -> Task:
        """Cancel ``task``: a queued one at once, an executing one via Cancelling.
        Cancelling a task that is already cancelling or completed changes nothing."""
        if task.state is TaskState.Queued:
            self._queue.remove(task)
            self._finish(task, TaskState.Canceled, "The task was canceled.")
        elif task.state is TaskState.Executing:
            self._move(task, TaskState.Cancelling)
            task.log.write(self.clock.now(), "Cancellation requested", LogCategory.Warning)
            self._runs[task.id].cancelled()
            self.clock.call_later(self.cancel_delay, lambda: self._cancelled(task))
        return task

    def rerun(self, task: Task) -> Task:
        """Queue a new task with the same type, description and arguments; return it.
        Raises EngineError unless ``task`` has completed."""
        if not task.can_rerun:
            raise EngineError("This task cannot be re-run.")
        return self.create(
            task.space_id, task.name, task.arguments, description=task.description,
            rerun_of=task.id, concurrency_tag=self._tags.get(task.id),
        )

    def set_state(self, task: Task, state: str, reason: str) -> Task:
        """Change a completed task's state by hand (Canceled, Failed or Success); return it.
        Raises EngineError with Octopus's wording when the change is not allowed."""
        if not reason.strip():
            raise EngineError("No reason was provided.")
        try:
            new = TaskState(state)
        except ValueError:
            new = None
        if new not in SET_STATE_TARGETS:
            raise EngineError(
                "The task can not be put into the state.  "
                "Valid states are: Canceled, Failed, Success."
            )
        assert new is not None
        if task.state is new:
            raise EngineError("The task is already in the state.")
        if task.state not in SET_STATE_TRANSITIONS:
            raise EngineError(
                "The task state can not be changed to the selected state.  It can only be "
                "changed out of the states: Canceled, Failed, Success."
            )
        check(SET_STATE_TRANSITIONS, task.state, new, f"{task.id} set-state")
        old = task.state
        task.state = new
        task.touch()
        now = self.clock.now()
        task.last_updated_time = now
        task.error_message = "" if new is TaskState.Success else f"State changed by hand: {reason}"
        task.log.write(
            now, f"Task state changed from {old} to {new}: {reason}", LogCategory.Warning
        )
        self.journal.record(now, Kind.Task, f"{task.id} {old} → {new} (set by hand: {reason})",
                            task.id)
        return task

    # -- called by executors ----------------------------------------------------------------
    def complete(self, task: Task, *, succeeded: bool, error_message: str = "") -> None:
        """End an executing task in Success or Failed (executors call this via TaskRun)."""
        if succeeded:
            self._finish(task, TaskState.Success, "")
        else:
            self._finish(task, TaskState.Failed, error_message or "The task failed.")

    # -- internals --------------------------------------------------------------------------
    def _move(self, task: Task, new: TaskState) -> None:
        old = task.state
        check(TASK_TRANSITIONS, old, new, task.id)
        task.state = new
        # One touch covers the fields _start and _finish set right after: nothing renders
        # a task in the middle of an engine step.
        task.touch()
        now = task.last_updated_time = self.clock.now()
        self.journal.record(now, Kind.Task, f"{task.id} {old} → {new}", task.id)
        if self._parents:
            self.deadlocks.changed()

    def _finish(self, task: Task, state: TaskState, error_message: str) -> None:
        self._move(task, state)
        now = self.clock.now()
        task.completed_time = now
        task.error_message = error_message
        status = _LOG_STATUS.get(state, ActivityStatus.Failed)
        if error_message:
            task.log.write(now, error_message, LogCategory.Error if state is TaskState.Failed
                           else LogCategory.Warning)
        task.log.finish(now, status)
        parent = self._parents.get(task.id)
        if parent is not None:
            del self._unfinished[parent][task.id]
        if self._runs.pop(task.id, None) is not None and self._queue:
            self._pump()  # a slot came free

    def _cancelled(self, task: Task) -> None:
        if task.state is TaskState.Cancelling:
            self._finish(task, TaskState.Canceled, "The task was canceled.")

    def _expire(self, task: Task) -> None:
        if task.state is TaskState.Queued:
            self._queue.remove(task)
            self._finish(
                task, TaskState.TimedOut,
                "The task was not started before its QueueTimeExpiry and has timed out.",
            )

    def forget_space(self, space_id: str) -> list[str]:
        """Delete the finished tasks of ``space_id`` (the space is being deleted); return
        their ids. Raises EngineError if one is not finished yet."""
        gone = [t for t in self.tasks.values() if t.space_id == space_id]
        unfinished = [t.id for t in gone if not t.is_completed]
        if unfinished:
            raise EngineError(f"tasks of {space_id} are not finished: {', '.join(unfinished)}")
        ids = {t.id for t in gone}
        for task_id in ids:
            del self.tasks[task_id]
            self._tags.pop(task_id, None)
        for machine_id, task_ids in self._by_machine.items():
            self._by_machine[machine_id] = [i for i in task_ids if i not in ids]
        return sorted(ids, key=lambda i: int(i.rsplit("-", 1)[1]))

    def space_queue_changed(self) -> None:
        """Start what may start now that a space's task queue was restarted
        (``Space.task_queue_stopped`` set back to False)."""
        self._pump()

    def _pump(self) -> None:
        """Start queued tasks, oldest first, while slots are free, their QueueTime came,
        no executing task holds their concurrency tag and their space's task queue is not
        stopped (a stopped queue lets running tasks finish and starts none)."""
        now = self.clock.now()
        spaces = self.world.spaces
        while len(self._runs) < self._task_cap:
            held = {self._tags[i] for i in self._runs if i in self._tags}
            for task in self._queue:
                space = spaces.get(task.space_id)
                if (task.queue_time <= now and self._tags.get(task.id) not in held
                        and not (space is not None and space.task_queue_stopped)):
                    break
            else:
                return
            self._queue.remove(task)
            self._start(task)

    def _start(self, task: Task) -> None:
        self._move(task, TaskState.Executing)
        now = self.clock.now()
        task.start_time = now
        task.server_node = SERVER_NODE
        task.has_been_picked_up = True
        task.log.started = now
        task.log.status = ActivityStatus.Running
        run = TaskRun(self, task)
        self._runs[task.id] = run
        behalf, self._behalf = self._behalf, []  # it acts on its own behalf, not its creator's
        try:
            drive(run, self.executors[task.name].execute(run))
        except ArgumentError as exc:  # arguments that only fail at run time (a machine gone)
            run.fail("; ".join(exc.problems))
        finally:
            self._behalf = behalf
