"""The Tentacle's script mutex, ``RunningScript``: a reader–writer lock per target.

octopus-deployments.md §2.7 (CONFIRMED from Tentacle's ``ScriptIsolationMutex``): a script
that takes ``FullIsolation`` (a deployment step, an ad-hoc script) holds the write lock, so no
other script runs on that target at the same time; a ``NoIsolation`` script (a health check)
takes the read lock, so it waits for a writer, **while its task keeps its slot**. Waiters are
served first come, first served. While it waits, the waiting task's log carries Tentacle's own
messages.

A flow takes the lock with ``lease = yield TakeScriptMutex(machine, isolation, element)``
and gives it back with ``lease.release()``. A lease is also given back when its task ends or
is cancelled, so a flow stopped mid-step (a timeout, a cancel) never leaves a target locked.
``OctopusBypassDeploymentMutex`` is the deployment's business: it asks for ``NoIsolation``.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from octosim.journal import Kind
from octosim.model.executors import Resume, TaskHost, TaskRun
from octosim.model.states import TaskState
from octosim.model.tasks import ActivityElement, LogCategory

if TYPE_CHECKING:
    from octosim.model.world import Machine

__all__ = [
    "MUTEX_NAME",
    "ScriptIsolation",
    "ScriptLease",
    "ScriptMutex",
    "TakeScriptMutex",
    "mutex_for",
]

#: Tentacle's default mutex name (``ExecuteScriptCommandBuilder``).
MUTEX_NAME = "RunningScript"
_SAME_TIME = "no other Octopus scripts are executing on this target at the same time."


class ScriptIsolation(StrEnum):
    """How a script shares its target: Tentacle's ``ScriptIsolationLevel``."""

    FullIsolation = "FullIsolation"  # the write lock
    NoIsolation = "NoIsolation"  # the read lock


@dataclass(eq=False)
class ScriptLease:
    """One task's hold (or place in line) on one target's mutex."""

    mutex: ScriptMutex
    task_id: str
    isolation: ScriptIsolation
    granted: Callable[[ScriptLease], None] = field(repr=False)
    held: bool = False

    def release(self) -> None:
        """Give the lock back (or leave the line); idempotent."""
        self.mutex.leave(self)


class ScriptMutex:
    """The ``RunningScript`` lock of one target."""

    def __init__(self, machine_name: str) -> None:
        self.machine_name = machine_name
        self.holders: list[ScriptLease] = []
        self.waiting: list[ScriptLease] = []

    @property
    def writers(self) -> int:
        """How many FullIsolation scripts hold the lock (never more than one)."""
        return sum(1 for h in self.holders if h.isolation is ScriptIsolation.FullIsolation)

    def _compatible(self, lease: ScriptLease) -> bool:
        if lease.isolation is ScriptIsolation.FullIsolation:
            return not self.holders
        return self.writers == 0

    def join(self, lease: ScriptLease) -> bool:
        """Queue ``lease``; grant it at once if nobody is ahead and it fits. Return held."""
        if not self.waiting and self._compatible(lease):
            lease.held = True
            self.holders.append(lease)
            return True
        self.waiting.append(lease)
        return False

    def leave(self, lease: ScriptLease) -> None:
        """Drop ``lease`` (held or waiting) and grant whoever may go next, in order."""
        if lease in self.waiting:
            self.waiting.remove(lease)
        elif lease in self.holders:
            self.holders.remove(lease)
            lease.held = False
        else:
            return
        while self.waiting and self._compatible(self.waiting[0]):
            nxt = self.waiting.pop(0)
            nxt.held = True
            self.holders.append(nxt)
            nxt.granted(nxt)

    def waiting_message(self, lease: ScriptLease) -> str:
        """Return Tentacle's line for ``lease`` waiting behind the current holders."""
        ids = list(dict.fromkeys(h.task_id for h in self.holders))
        if len(ids) == 1:
            whose = "that" if self.writers else "this"
            return (f"Waiting for the script in task {ids[0]} to finish as {whose} script "
                    f"requires that {_SAME_TIME}")
        listed = ", ".join(ids or [h.task_id for h in self.waiting if h is not lease])
        return (f"Waiting on scripts in tasks {listed} to finish. This script requires that "
                f"{_SAME_TIME}")


_MUTEXES: weakref.WeakKeyDictionary[TaskHost, dict[str, ScriptMutex]] = (
    weakref.WeakKeyDictionary()
)


def mutex_for(engine: TaskHost, machine: Machine) -> ScriptMutex:
    """Return ``machine``'s mutex on the server run by ``engine`` (made on first use)."""
    # get, not setdefault: a WeakKeyDictionary's setdefault makes a weak reference with a
    # callback (and here a new dict) on every call, found or not.
    mutexes = _MUTEXES.get(engine)
    if mutexes is None:
        mutexes = _MUTEXES[engine] = {}
    mutex = mutexes.get(machine.id)
    if mutex is None:
        mutex = mutexes[machine.id] = ScriptMutex(machine.name)
    return mutex


class TakeScriptMutex:
    """A wait: take ``machine``'s script mutex with ``isolation``; resumes with the
    :class:`ScriptLease` once it is held, having logged Tentacle's waiting line to
    ``element`` if it had to wait."""

    def __init__(
        self, machine: Machine, isolation: ScriptIsolation, element: ActivityElement
    ) -> None:
        self.machine = machine
        self.isolation = isolation
        self.element = element

    def begin(self, run: TaskRun, resume: Resume) -> Callable[[], None]:
        """Join the line; resume when the lock is granted."""
        mutex = mutex_for(run.engine, self.machine)
        lease = ScriptLease(mutex, run.task.id, self.isolation, granted=resume)
        # A flow stopped while holding or waiting (timeout, cancel) leaves no lock behind.
        run.on_end(lease.release)
        run.on_cancel(lease.release)
        if mutex.join(lease):
            resume(lease)
            return _nothing
        message = mutex.waiting_message(lease)
        run.log(message, LogCategory.Info, self.element)
        run.note(Kind.Script, f"{run.task.id} on {self.machine.name}: {message}")

        began = run.clock.now()

        def stop() -> None:
            # Stopped while still in line: cancelled, or its task gave up (a health check's
            # Timeout). Tentacle says which, and who still holds the lock.
            if not lease.held and mutex.holders:
                holder = mutex.holders[0].task_id
                if run.task.state is TaskState.Cancelling:
                    why = "was canceled before it could start"
                else:
                    minutes = format((run.clock.now() - began) / 60, ".3g")
                    why = f"waited more than {minutes} minutes and timed out"
                run.log(f"This task {why}. Task {holder} is still running.",
                        LogCategory.Info, self.element)
            lease.release()

        return stop


def _nothing() -> None:
    """The lock was granted at once: nothing to stop."""
