"""The task-cap deadlock: the cap full of tasks that each wait on a task that cannot start.

Octopus exempts only its built-in *Deploy a Release* step from the task cap; a child task a
deployment's own script queues through the API (an ``AdHocScript``, a ``Health`` check,
another deployment) gets no exemption (octopus-deployments.md §2.7). With the cap full of
parents that each wait on a Queued child, no child can start and no parent can finish:
every task stays where it is until a waiting party gives up, or a child's
``QueueTimeExpiry`` ends its wait. Octopus itself never notices; the simulator does.

**The structural condition** (:func:`find_deadlock`), judged on the engine's parentage (who
queued a task on whose behalf, :meth:`~octosim.model.engine.TaskEngine.on_behalf_of`):

- every slot of the cap is held (as many tasks hold one as the cap allows, or more after
  the cap was lowered);
- every slot holder is Executing (a Cancelling one frees its slot by itself) and is
  *blocked*: it waits on an unfinished child that is blocked in turn, a Queued one (it
  cannot start: the cap is full) or an Executing one that is itself blocked;
- a task is taken to wait on **every** task queued on its behalf that has not finished
  (the way a script that queues a child polls it until it ends). A child queued and
  forgotten makes a false report: the limits are in docs/fleets.md.

When it holds, the blockage lasts until the earliest moment something inside the server
frees a slot holder: the ``QueueTimeExpiry`` of a Queued child it waits on. With none, it
is a **deadlock** (:attr:`Deadlock.frees_at` None): only a party outside the server (a
client's deadline, a person cancelling, a raised cap) ends it. With one, it is a **stall**
that ends by itself.

:class:`DeadlockWatch` checks the condition once per virtual instant in which a task's
state changed (the engine tells it; the check runs after the instant's synchronous work,
when every flow has reached its next ``yield``), journals a ``deadlock`` entry when a
blockage forms and another when it ends (after how long: a stall, not a deadlock), and
keeps every one in :attr:`DeadlockWatch.history`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import NamedTuple, Protocol

from octosim.clock import ScheduledCall, VirtualClock
from octosim.journal import Journal, Kind
from octosim.model.states import TaskState
from octosim.model.tasks import Task

__all__ = [
    "Deadlock",
    "DeadlockWatch",
    "SlotHolder",
    "TaskRef",
    "TaskTree",
    "find_deadlock",
]


class TaskRef(NamedTuple):
    """A task as it stood when a blockage was seen: id, task type and state."""

    id: str
    name: str
    state: TaskState

    @classmethod
    def of(cls, task: Task) -> TaskRef:
        """Return the reference to ``task`` as it stands now."""
        return cls(task.id, task.name, task.state)

    def __str__(self) -> str:
        return f"{self.id} {self.name} ({self.state})"


class SlotHolder(NamedTuple):
    """A task holding a slot of the cap, and the blocked children it waits on."""

    task: TaskRef
    description: str
    waits_on: tuple[TaskRef, ...]

    def __str__(self) -> str:
        waited = ", ".join(str(child) for child in self.waits_on)
        return f"{self.task.id} {self.task.name} {self.description!r} waits on {waited}"

    @property
    def short(self) -> str:
        """``ServerTasks-1 waits on ServerTasks-6 (Queued)``: ids and states only."""
        waited = ", ".join(f"{child.id} ({child.state})" for child in self.waits_on)
        return f"{self.task.id} waits on {waited}"


@dataclass(frozen=True)
class Deadlock:
    """One blockage of the task cap: when it began, the cap, who held each slot and what
    each waited on; ``frees_at``: the earliest QueueTimeExpiry that ends it (None: a
    deadlock, nothing inside the server ends it); ``ended`` and ``broken_by`` once over."""

    began: float
    cap: int
    holders: tuple[SlotHolder, ...]
    frees_at: float | None = None
    ended: float | None = None
    broken_by: str = ""

    @property
    def is_deadlock(self) -> bool:
        """True when no QueueTimeExpiry would end it (only someone giving up can)."""
        return self.frees_at is None

    @property
    def cycle(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """(slot holder id, ids of the tasks it waits on), one pair per slot."""
        return tuple((h.task.id, tuple(c.id for c in h.waits_on)) for h in self.holders)

    @property
    def task_ids(self) -> frozenset[str]:
        """The slot holders' ids: a blockage is the same one while they are."""
        return frozenset(h.task.id for h in self.holders)

    def describe(self) -> str:
        """One line: the cap, each slot holder and what it waits on, what would end it."""
        held = "; ".join(str(holder) for holder in self.holders)
        return f"task cap {self.cap} full: {held}; {self._outlook()}"

    def summary(self) -> str:
        """One short line for a failure report: since when, the cap, who waits on whom."""
        what = "deadlock" if self.frees_at is None else "stall"
        held = "; ".join(holder.short for holder in self.holders)
        return f"{what} since {self.began:.3f}s, task cap {self.cap} full: {held}; " \
               f"{self._outlook()}"

    def _outlook(self) -> str:
        if self.frees_at is None:
            return ("no QueueTimeExpiry frees a slot: deadlocked until a waiting party gives "
                    "up or the cap is raised")
        return f"stalled until a QueueTimeExpiry at {self.frees_at:.3f}s"


class TaskTree(Protocol):
    """What the watch needs of the engine (a :class:`~octosim.model.engine.TaskEngine`)."""

    @property
    def clock(self) -> VirtualClock: ...

    @property
    def journal(self) -> Journal: ...

    @property
    def task_cap(self) -> int: ...

    def get(self, task_id: str) -> Task | None: ...

    def running(self) -> list[Task]: ...

    def unfinished_children_of(self, task: Task) -> list[Task]: ...


def find_deadlock(
    running: Iterable[Task], cap: int, children_of: Callable[[Task], Iterable[Task]],
    now: float,
) -> Deadlock | None:
    """Return the blockage the structural condition (module docstring) finds, begun
    ``now``; or None when some slot is free or some slot holder can move on by itself."""
    holders = list(running)
    if len(holders) < cap:
        return None
    for task in holders:  # the usual answer, found before any bookkeeping: someone works
        if task.state is not TaskState.Executing or all(
                child.is_completed for child in children_of(task)):
            return None
    # Until when each task stays blocked: a Queued task until its QueueTimeExpiry (the cap
    # is full, so nothing else starts it), an Executing one until the last child it waits
    # on unblocks; 0 means it is not blocked at all (working, or already over).
    memo: dict[str, float] = {}

    def blocked_until(task: Task) -> float:
        known = memo.get(task.id)
        if known is not None:
            return known
        memo[task.id] = 0.0  # a parentage loop (cannot happen: a child is newer) ends here
        if task.state is TaskState.Queued:
            expiry = task.queue_time_expiry
            until = math.inf if expiry is None else expiry
        elif task.state is TaskState.Executing:
            # It waits for every unfinished child: blocked until the last one is free.
            waits = [blocked_until(child) for child in children_of(task)
                     if not child.is_completed]
            until = max(waits, default=0.0)
        else:
            until = 0.0
        memo[task.id] = until
        return until

    found: list[SlotHolder] = []
    frees_at = math.inf
    for task in holders:
        if task.state is not TaskState.Executing:
            return None
        until = blocked_until(task)
        if until <= now:
            return None
        frees_at = min(frees_at, until)
        waited = tuple(TaskRef.of(child) for child in children_of(task)
                       if not child.is_completed)
        found.append(SlotHolder(TaskRef.of(task), task.description, waited))
    return Deadlock(now, cap, tuple(found), None if math.isinf(frees_at) else frees_at)


class DeadlockWatch:
    """Watches one engine for task-cap blockages; journals each as it forms and ends.

    :meth:`changed` is called by the engine on every task state change; :attr:`current` is
    the blockage in force (a deadlock or a stall), :attr:`deadlock` only a deadlock,
    :attr:`history` every blockage seen, the ended ones with ``ended`` and ``broken_by``.
    Each answers after running a check still pending (:meth:`settle`).
    """

    def __init__(self, tree: TaskTree) -> None:
        self._tree = tree
        self._due: ScheduledCall | None = None
        self._current: Deadlock | None = None
        self._history: list[Deadlock] = []

    @property
    def current(self) -> Deadlock | None:
        """The blockage in force now, deadlock or stall (a pending check runs first)."""
        self.settle()
        return self._current

    @property
    def deadlock(self) -> Deadlock | None:
        """The deadlock in force now (a pending check runs first), or None."""
        current = self.current
        return current if current is not None and current.is_deadlock else None

    @property
    def history(self) -> list[Deadlock]:
        """Every blockage seen, oldest first (a copy; a pending check runs first)."""
        self.settle()
        return list(self._history)

    def changed(self) -> None:
        """Note that a task's state changed: check once this instant's work is done."""
        if self._due is None:
            clock = self._tree.clock
            self._due = clock.call_at(clock.now(), self.check)

    def settle(self) -> None:
        """Run a pending check now (a query between an engine call and the clock's next
        advance sees the state that call left)."""
        if self._due is not None:
            self.check()

    def check(self) -> None:
        """Judge the condition now; journal a blockage that formed or ended."""
        if self._due is not None:
            self._due.cancel()
            self._due = None
        tree = self._tree
        now = tree.clock.now()
        # Only the open children matter, and a deployment over a fleet has finished many.
        found = find_deadlock(tree.running(), tree.task_cap, tree.unfinished_children_of, now)
        current = self._current
        if current is not None and (found is None or found.task_ids != current.task_ids
                                    or found.frees_at != current.frees_at):
            self._end(current, now)
            current = None
        if found is not None and current is None:
            self._current = found
            self._history.append(found)
            tree.journal.record(now, Kind.Deadlock, found.describe(),
                                found.holders[0].task.id)

    def _end(self, blockage: Deadlock, now: float) -> None:
        reason = self._why_over(blockage)
        ended = replace(blockage, ended=now, broken_by=reason)
        self._history[-1] = ended  # the blockage in force is always the newest
        self._current = None
        what = "deadlock" if blockage.is_deadlock else "stall"
        verdict = " (a stall, not a deadlock)" if blockage.is_deadlock else ""
        self._tree.journal.record(
            now, Kind.Deadlock,
            f"{what} of task cap {blockage.cap} since {blockage.began:.3f}s broken after "
            f"{now - blockage.began:.3f}s{verdict}: {reason}",
            blockage.holders[0].task.id,
        )

    def _why_over(self, blockage: Deadlock) -> str:
        """What changed since ``blockage`` formed: slot holders that moved on, children
        that ended, a raised cap."""
        tree = self._tree
        changes: list[str] = []
        for holder in blockage.holders:
            for ref in (holder.task, *holder.waits_on):
                task = tree.get(ref.id)
                if task is not None and task.state is not ref.state:
                    why = " (QueueTimeExpiry)" if task.state is TaskState.TimedOut else ""
                    changes.append(f"{ref.id} {ref.state} → {task.state}{why}")
        if tree.task_cap > blockage.cap:
            changes.append(f"task cap raised to {tree.task_cap}")
        return ", ".join(changes) or "the tasks waited on changed"
