"""Server tasks and their activity logs (the domain objects; the engine moves them).

A task's ``IsCompleted`` and ``FinishedSuccessfully`` are derived from its state, never
stored apart, so they cannot disagree with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple

from octosim.model.states import TaskState

__all__ = [
    "ActivityElement",
    "ActivityStatus",
    "LogCategory",
    "LogElement",
    "Task",
]


class LogCategory(StrEnum):
    """A log line's category, as Octopus names them."""

    Trace = "Trace"
    Verbose = "Verbose"
    Info = "Info"
    Highlight = "Highlight"
    Wait = "Wait"
    Gap = "Gap"
    Alert = "Alert"
    Warning = "Warning"
    Error = "Error"
    Fatal = "Fatal"
    Planned = "Planned"
    Updated = "Updated"
    Finished = "Finished"
    Abandoned = "Abandoned"


class ActivityStatus(StrEnum):
    """An activity element's status."""

    Pending = "Pending"
    Running = "Running"
    Success = "Success"
    Failed = "Failed"
    Skipped = "Skipped"
    SuccessWithWarning = "SuccessWithWarning"
    Canceled = "Canceled"


class LogElement(NamedTuple):
    """One log line: its category, virtual time, text, number in the task's log and
    optional detail. Immutable."""

    category: LogCategory
    occurred_at: float
    message: str
    number: int
    detail: str | None = None


_ALERTS = frozenset({LogCategory.Warning, LogCategory.Error, LogCategory.Fatal})
# The states that by themselves make a task "has warnings or errors". A set, not
# ``TaskState.Failed`` and ``TaskState.TimedOut`` spelled out at each ask: on Python 3.11
# reading a member off its enum class goes through EnumType.__getattr__'s hook, and every
# render of every task asks.
_FAILED = frozenset({TaskState.Failed, TaskState.TimedOut})


class _LineCounter:
    """Numbers log lines across one task's whole tree (``value``) and counts the tree's
    Warning/Error/Fatal lines (``alerts``), so a tree without any (the usual case, asked on
    every render) answers ``has_warnings_or_errors`` without a walk. ``revision`` counts
    every change to the tree (a line, an element finished) and, once the tree is a task's
    log, every change to the task: it is :attr:`Task.revision`."""

    __slots__ = ("alerts", "revision", "value")

    def __init__(self) -> None:
        self.value = 0
        self.alerts = 0
        self.revision = 0


@dataclass
class ActivityElement:
    """A node of a task's activity log tree (the task, a step, a target)."""

    id: str
    name: str
    status: ActivityStatus = ActivityStatus.Pending
    started: float | None = None
    ended: float | None = None
    show_at_summary_level: bool = True
    children: list[ActivityElement] = field(default_factory=list)
    log: list[LogElement] = field(default_factory=list)
    progress_percentage: int = 0
    progress_message: str = ""
    # Shared by every node of one tree so log lines are numbered across the whole task.
    _numbers: _LineCounter = field(default_factory=_LineCounter, repr=False)

    def child(self, name: str, *, started: float | None = None) -> ActivityElement:
        """Add and return a child element (Running if ``started`` is given)."""
        node = ActivityElement(
            f"{self.id}/{len(self.children) + 1}", name, _numbers=self._numbers,
            status=ActivityStatus.Running if started is not None else ActivityStatus.Pending,
            started=started,
        )
        self.children.append(node)
        return node

    def write(
        self, t: float, message: str, category: LogCategory = LogCategory.Info,
        detail: str | None = None,
    ) -> LogElement:
        """Append a log line at virtual time ``t`` and return it."""
        numbers = self._numbers  # number the line across the tree, count it if an alert
        number = numbers.value
        numbers.value = number + 1
        numbers.revision += 1
        if category in _ALERTS:
            numbers.alerts += 1
        element = LogElement(category, t, message, number, detail)
        self.log.append(element)
        return element

    @property
    def version(self) -> int:
        """Lines written anywhere in this tree so far: O(1), changes on every write."""
        return self._numbers.value

    def reopen(self) -> None:
        """Run this element again (an action retried on its target): Running and not
        ended, its log kept."""
        self.status = ActivityStatus.Running
        self.ended = None
        self.progress_percentage = 0
        self._numbers.revision += 1

    def finish(self, t: float, status: ActivityStatus) -> None:
        """Close this element (and any child still open) with ``status`` at time ``t``."""
        for node in self.children:
            if node.ended is None:
                node.finish(t, status if node.status is ActivityStatus.Running else node.status)
        if self.started is None:
            self.started = t
        self.ended = t
        self.status = status
        self.progress_percentage = 100
        self._numbers.revision += 1

    def walk(self) -> list[ActivityElement]:
        """Return this element and all its descendants, depth first."""
        out = [self]
        for node in self.children:
            out.extend(node.walk())
        return out

    @property
    def has_warnings_or_errors(self) -> bool:
        """True if any line in this subtree is a Warning, Error or Fatal."""
        if not self._numbers.alerts:  # none anywhere in the whole tree
            return False
        return any(e.category in _ALERTS for node in self.walk() for e in node.log)


@dataclass
class Task:
    """A server task. Times are virtual seconds; the API layer renders them as dates.

    :attr:`revision` changes on every change to the task: the engine :meth:`touch`-es it
    whenever it changes the task (its state, times, error message), and every line written
    to its log or log element finished counts too. A cache of anything rendered from a
    task keys on it.
    """

    id: str
    space_id: str
    name: str
    description: str
    arguments: dict[str, Any]
    queue_time: float
    queue_time_expiry: float | None
    created: float
    state: TaskState = TaskState.Queued
    start_time: float | None = None
    completed_time: float | None = None
    last_updated_time: float = 0.0
    error_message: str = ""
    server_node: str | None = None
    has_been_picked_up: bool = False
    machine_ids: tuple[str, ...] = ()
    rerun_of: str | None = None
    #: False for task types Octopus never re-runs (Deploy, RunbookRun: ``CanRerun`` false).
    rerunnable: bool = True
    log: ActivityElement = field(init=False)

    def __post_init__(self) -> None:
        self.log = ActivityElement(self.id, self.description or self.name)
        self.last_updated_time = self.created

    def touch(self) -> None:
        """Record that this task changed: its :attr:`revision` moves on. The engine calls
        it on every change it makes (state, times, error message); log writes count by
        themselves. Code that sets a field of a task outside the engine calls it too."""
        self.log._numbers.revision += 1

    @property
    def revision(self) -> int:
        """A number that changes on every change to this task (fields, state, log)."""
        return self.log._numbers.revision

    @property
    def number(self) -> int:
        """The N of ``ServerTasks-N``: creation order, used for newest-first sorting."""
        return int(self.id.rsplit("-", 1)[1])

    @property
    def is_completed(self) -> bool:
        """Octopus's ``IsCompleted``: derived from the state, never stored."""
        return self.state.is_completed

    @property
    def finished_successfully(self) -> bool:
        """Octopus's ``FinishedSuccessfully``: the state is Success."""
        return self.state is TaskState.Success

    @property
    def is_active(self) -> bool:
        """The list filter ``active``: Queued, Executing or Cancelling."""
        return not self.state.is_completed

    @property
    def is_running(self) -> bool:
        """The list filter ``running``: Executing or Cancelling."""
        return self.state in (TaskState.Executing, TaskState.Cancelling)

    @property
    def can_rerun(self) -> bool:
        """A task can be re-run once it has completed, if its type may be re-run."""
        return self.rerunnable and self.state.is_completed

    @property
    def has_warnings_or_errors(self) -> bool:
        """True if the activity log holds a warning or error, or the task failed."""
        return self.state in _FAILED or self.log.has_warnings_or_errors
