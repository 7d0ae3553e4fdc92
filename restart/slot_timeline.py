"""A finished simulation as a timeline of the server's task slots (issue 18, docs/fleets.md).

People read a queue from a picture, not from a table: this module turns a simulation into
what that picture shows, as plain data (no matplotlib; :mod:`restart.slot_timeline_plot`
draws it):

- every task: when it was queued (its ``QueueTime``), when it started, when it ended, its
  type, description and the task it was queued on behalf of;
- which **slot** each task held while it ran (Executing, then Cancelling). Octopus numbers
  no slots, so they are reconstructed: each task takes the lowest slot free when it
  started, so at any moment no more slots are held than tasks ran;
- every wait in the queue (QueueTime to StartTime, or to whatever ended the wait);
- the task cap over time, and every deadlock or stall the engine saw.

The engine records each task's times but not the order of events within one virtual
instant, so within an instant the slots of the tasks that ended are given back first, then
tasks that started and ended in that same instant take one and give it back, then the rest
start in creation order. The engine never ran more tasks than the cap at any point of an
instant, so neither does this order.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from octosim.model.deadlock import Deadlock
from octosim.model.engine import CapChange
from octosim.model.states import TaskState
from octosim.model.tasks import Task

if TYPE_CHECKING:
    from octosim.simulation import Simulation

__all__ = [
    "Blockage",
    "CapSpan",
    "QueuedSpan",
    "SlotTimeline",
    "TaskKind",
    "TaskSpan",
    "assign_slots",
    "slot_timeline",
]


class TaskKind(StrEnum):
    """The kinds of task a slot timeline tells apart (by colour): Octopus's task type names,
    and Other for the rest (Retention, Upgrade, background load, ...)."""

    Deploy = "Deploy"
    RunbookRun = "RunbookRun"
    AdHocScript = "AdHocScript"
    Health = "Health"
    Other = "Other"

    @classmethod
    def of(cls, name: str) -> TaskKind:
        """The kind of a task whose type (``Name``) is ``name``."""
        try:
            return cls(name)
        except ValueError:
            return cls.Other


@dataclass(frozen=True)
class TaskSpan:
    """One task over the simulation: virtual times, and the slot it held while it ran.

    ``queued`` is its QueueTime (the moment it could start; a task created with a later
    QueueTime waits for nothing before it). ``started`` is None for a task that never ran;
    ``ended`` None for one still active at the end. ``slot`` (0 is the first) is None
    exactly when ``started`` is.
    """

    id: str
    name: str
    description: str
    kind: TaskKind
    parent: str | None
    queued: float
    started: float | None
    ended: float | None
    state: TaskState
    slot: int | None

    def held(self, end: float) -> tuple[float, float] | None:
        """(from, to) in which it held its slot, a timeline ending at ``end``; None if it
        never ran. A task still running holds it to the end."""
        if self.started is None:
            return None
        return self.started, self.ended if self.ended is not None else end


@dataclass(frozen=True)
class QueuedSpan:
    """A task's wait in the queue: from its QueueTime to ``ended``, when it ``then``
    started, or reached another state (Canceled, TimedOut at its QueueTimeExpiry), or
    was still Queued when the timeline ends."""

    task: str
    kind: TaskKind
    began: float
    ended: float
    then: str

    @property
    def seconds(self) -> float:
        """How long it waited."""
        return self.ended - self.began


@dataclass(frozen=True)
class CapSpan:
    """The task cap ``cap`` in force from ``began`` to ``ended``."""

    began: float
    ended: float
    cap: int


@dataclass(frozen=True)
class Blockage:
    """A deadlock or stall of the task cap (:class:`octosim.model.deadlock.Deadlock`) as the
    timeline shows it: when it began and ended (None: still in force at the end), the cap,
    the slot holders and what each waited on, and the engine's one-line summary."""

    began: float
    ended: float | None
    cap: int
    is_deadlock: bool
    holders: tuple[str, ...]
    waits_on: tuple[tuple[str, ...], ...]
    frees_at: float | None
    broken_by: str
    summary: str

    @classmethod
    def of(cls, deadlock: Deadlock) -> Blockage:
        """The blockage ``deadlock`` describes."""
        return cls(
            began=deadlock.began,
            ended=deadlock.ended,
            cap=deadlock.cap,
            is_deadlock=deadlock.is_deadlock,
            holders=tuple(holder for holder, _ in deadlock.cycle),
            waits_on=tuple(waited for _, waited in deadlock.cycle),
            frees_at=deadlock.frees_at,
            broken_by=deadlock.broken_by,
            summary=deadlock.summary(),
        )

    @property
    def what(self) -> str:
        """``deadlock`` or ``stall`` (one that a QueueTimeExpiry ends by itself)."""
        return "deadlock" if self.is_deadlock else "stall"


@dataclass(frozen=True)
class SlotTimeline:
    """A simulation's task slots from ``start`` to ``end`` (virtual seconds).

    ``slots``: rows to draw, the highest cap in force or the most tasks that held a slot at
    once, whichever is more (more only after the cap was lowered under running tasks).
    ``scenario``, ``seed`` and ``outcome`` name the run in a picture's title.
    """

    scenario: str | None
    seed: int
    outcome: str | None
    start: float
    end: float
    slots: int
    tasks: tuple[TaskSpan, ...]
    queued: tuple[QueuedSpan, ...]
    caps: tuple[CapSpan, ...]
    blockages: tuple[Blockage, ...]

    @property
    def title(self) -> str:
        """``scenario · seed N · outcome``."""
        parts = [self.scenario or "simulation", f"seed {self.seed}"]
        if self.outcome:
            parts.append(self.outcome)
        return " · ".join(parts)

    @property
    def cap_changes(self) -> bool:
        """True when the cap was not the same all along."""
        return len({span.cap for span in self.caps}) > 1

    def ran(self) -> list[TaskSpan]:
        """The tasks that held a slot, in the order they started."""
        return sorted((t for t in self.tasks if t.started is not None),
                      key=lambda t: (t.started, _number(t.id)))

    def holding(self, t: float) -> list[TaskSpan]:
        """The tasks holding a slot at instant ``t``: started at or before it, not yet ended
        (one that ended at ``t`` has given its slot back)."""
        held = []
        for task in self.tasks:
            span = task.held(self.end)
            if span is not None and span[0] <= t < span[1]:
                held.append(task)
        return held

    def cap_at(self, t: float) -> int:
        """The task cap in force at ``t``."""
        cap = self.caps[0].cap
        for span in self.caps:
            if span.began <= t:
                cap = span.cap
        return cap

    def blockage_at(self, t: float) -> Blockage | None:
        """The deadlock or stall in force at ``t``, or None."""
        for blockage in self.blockages:
            ended = blockage.ended if blockage.ended is not None else math.inf
            if blockage.began <= t < ended:
                return blockage
        return None


def slot_timeline(sim: Simulation, *, scenario: str | None = None,
                  outcome: str | None = None) -> SlotTimeline:
    """Return the slot timeline of ``sim`` from its start to its clock's present.

    ``scenario`` and ``outcome`` (what the run came to, e.g. ``timed_out`` or ``deadlock``)
    go into the title with ``sim.seed``. Reads the engine only; changes nothing (a
    deadlock check still pending runs, as any query of ``engine.deadlocks`` does).
    """
    engine = sim.engine
    end = sim.clock.now()
    caps = _cap_spans(engine.cap_history, end)
    start = min(caps[0].began, end)
    tasks = list(engine.tasks.values())
    slots, used = assign_slots(tasks)
    spans = tuple(
        TaskSpan(
            id=task.id,
            name=task.name,
            description=task.description,
            kind=TaskKind.of(task.name),
            parent=parent.id if (parent := engine.parent_of(task)) is not None else None,
            queued=task.queue_time,
            started=task.start_time,
            ended=task.completed_time,
            state=task.state,
            slot=slots.get(task.id),
        )
        for task in tasks
    )
    return SlotTimeline(
        scenario=scenario,
        seed=sim.seed,
        outcome=outcome,
        start=start,
        end=end,
        slots=max(used, max(span.cap for span in caps)),
        tasks=spans,
        queued=tuple(_waits(spans, end)),
        caps=caps,
        blockages=tuple(Blockage.of(d) for d in engine.deadlocks.history),
    )


def assign_slots(tasks: Iterable[Task]) -> tuple[dict[str, int], int]:
    """Return each task that ran → the lowest slot (0 first) free when it started, and how
    many slots were ever used. The order within an instant is the module docstring's."""

    def until(task: Task) -> float:
        # A task still running holds its slot past any instant the timeline has.
        return task.completed_time if task.completed_time is not None else math.inf

    ran = [t for t in tasks if t.start_time is not None]
    ran.sort(key=lambda t: (t.start_time, until(t) != t.start_time, t.number))
    held: list[tuple[float, int]] = []  # (until when, slot), soonest first
    free: list[int] = []  # slots given back, lowest first
    used = 0
    slots: dict[str, int] = {}
    for task in ran:
        started = task.start_time
        assert started is not None  # filtered above; says so to mypy
        while held and held[0][0] <= started:
            heapq.heappush(free, heapq.heappop(held)[1])
        if free:
            slot = heapq.heappop(free)
        else:
            slot, used = used, used + 1
        slots[task.id] = slot
        heapq.heappush(held, (until(task), slot))
    return slots, used


def _waits(tasks: Iterable[TaskSpan], end: float) -> Iterable[QueuedSpan]:
    """Every wait in the queue that lasted some time, in order of QueueTime."""
    found = []
    for task in tasks:
        if task.started is not None:
            ended, then = task.started, "started"
        elif task.ended is not None:
            ended, then = task.ended, str(task.state)
        else:
            ended, then = end, f"still {task.state}"
        if ended > task.queued:
            found.append(QueuedSpan(task.id, task.kind, task.queued, ended, then))
    found.sort(key=lambda wait: (wait.began, _number(wait.task)))
    return found


def _cap_spans(history: Sequence[CapChange], end: float) -> tuple[CapSpan, ...]:
    """The cap's history as spans; of several changes at one instant only the last counts
    (a test that lowers the cap right after building a simulation ran with that cap)."""
    changes: list[CapChange] = []
    for change in history:
        if changes and changes[-1].at == change.at:
            changes.pop()
        if not changes or changes[-1].cap != change.cap:
            changes.append(change)
    bounds = [c.at for c in changes[1:]] + [max(end, changes[-1].at)]
    return tuple(CapSpan(c.at, until, c.cap) for c, until in zip(changes, bounds, strict=True))


def _number(task_id: str) -> int:
    return int(task_id.rsplit("-", 1)[1])
