"""Tasks as Octopus JSON: TaskResource, TaskDetailsResource (the activity log tree), the
raw log text and task types.

Pure functions of the domain objects and a :class:`~octosim.api.timefmt.Dates`; the values
are plain JSON-ready dicts, lists and scalars so the direct driver can read them unserialised.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from octosim.api.timefmt import Dates, duration_text
from octosim.model.executors import Executor
from octosim.model.states import COMPLETED, TaskState
from octosim.model.tasks import ActivityElement, ActivityStatus, LogCategory, LogElement, Task

__all__ = [
    "activity_node",
    "raw_log",
    "raw_log_size",
    "task_details",
    "task_fixed_fields",
    "task_links",
    "task_resource",
    "task_type_resource",
    "task_types",
]

#: What ``Completed`` says while a task is not complete (a date once it is).
_IN_PROGRESS = {
    TaskState.Queued: "Queued...",
    TaskState.Executing: "Executing...",
    TaskState.Cancelling: "Cancelling...",
}
#: Log categories hidden unless ``verbose=true`` (Trace is below Verbose, so it goes too).
_VERBOSE_ONLY = frozenset({LogCategory.Verbose, LogCategory.Trace})
#: Each state, status and category name as a plain str. A StrEnum member hashes and
#: compares as its value, so ``_TEXT[member]`` is one C lookup; ``member.value`` is a
#: Python-level property call on 3.11, a few of them on every rendered task.
_TEXT: dict[str, str] = {
    m.value: m.value for enum in (TaskState, ActivityStatus, LogCategory) for m in enum
}


def task_links(task: Task) -> dict[str, str]:
    """Return a task's ``Links``. Task links use the unscoped form, which finds a task in
    any space (task ids are unique across the server). The dict is shared between renders
    of the task (it never changes): treat it as read-only, like all rendered data."""
    return _task_links(task.id, task.space_id)


@lru_cache(maxsize=4096)
def _task_links(task_id: str, space_id: str) -> dict[str, str]:
    base = f"/api/tasks/{task_id}"
    return {
        "Self": base,
        "Web": f"/app#/{space_id}/tasks/{task_id}",
        "Raw": f"{base}/raw",
        "Rerun": f"/api/tasks/rerun/{task_id}",
        "Cancel": f"{base}/cancel",
        "State": f"{base}/state",
        "QueuedBehind": f"{base}/queued-behind{{?skip,take}}",
        "Details": f"{base}/details{{?verbose,tail,ranges}}",
        "Artifacts": f"/api/{space_id}/artifacts?regarding={task_id}",
        "Interruptions": f"/api/{space_id}/interruptions?regarding={task_id}",
    }


def task_resource(
    task: Task, dates: Dates, now: float, fixed: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Return ``task`` as a TaskResource at virtual time ``now`` (which the in-progress
    ``Duration`` is measured to). ``fixed``: :func:`task_fixed_fields` of this task, when
    the caller keeps it between renders."""
    state = task.state
    completed = task.completed_time
    # Duration counts from the start, or from the queue time while the task waits.
    since = task.start_time if task.start_time is not None else task.queue_time
    duration = max(0.0, (completed if completed is not None else now) - since)
    # A copy of the fields that never change, every key already in its place (so the JSON
    # keeps Octopus's field order), then the ones that do.
    data = (task_fixed_fields(task, dates) if fixed is None else fixed).copy()
    data["State"] = _TEXT[state]
    data["Completed"] = _IN_PROGRESS[state] if completed is None else dates.long(completed)
    data["StartTime"] = dates.iso_or_none(task.start_time)
    data["LastUpdatedTime"] = dates.iso(task.last_updated_time)
    data["CompletedTime"] = dates.iso_or_none(completed)
    data["ServerNode"] = task.server_node
    data["Duration"] = duration_text(duration)
    data["ErrorMessage"] = task.error_message
    data["HasBeenPickedUpByProcessor"] = task.has_been_picked_up
    # Task.is_completed, .can_rerun and .finished_successfully read off the state here,
    # without three property calls on every poll.
    data["IsCompleted"] = completed_state = state in COMPLETED
    data["FinishedSuccessfully"] = state is TaskState.Success
    data["CanRerun"] = completed_state
    data["HasWarningsOrErrors"] = task.has_warnings_or_errors
    return data


def task_fixed_fields(task: Task, dates: Dates) -> dict[str, Any]:
    """Return every TaskResource field in order, those that never change after creation
    set, the rest None (:func:`task_resource` fills them in on a copy)."""
    return {
        "Id": task.id,
        "SpaceId": task.space_id,
        "Name": task.name,
        "Description": task.description,
        "Arguments": task.arguments,
        "State": None,
        "Completed": None,
        "QueueTime": dates.iso(task.queue_time),
        "QueueTimeExpiry": dates.iso_or_none(task.queue_time_expiry),
        "StartTime": None,
        "LastUpdatedTime": None,
        "CompletedTime": None,
        "ServerNode": None,
        "Duration": None,
        "ErrorMessage": None,
        "HasBeenPickedUpByProcessor": None,
        "IsCompleted": None,
        "FinishedSuccessfully": None,
        "HasPendingInterruptions": False,
        "HasPendingPreconditions": False,
        "PendingInterruptionTypes": [],
        "CanRerun": None,
        "HasWarningsOrErrors": None,
        "ProjectId": None,
        "EstimatedRemainingQueueDurationSeconds": None,
        "Links": task_links(task),
    }


def _log_element(element: LogElement, dates: Dates) -> dict[str, Any]:
    out: dict[str, Any] = {
        "Category": _TEXT[element.category],
        "OccurredAt": dates.iso(element.occurred_at),
        "MessageText": element.message,
        "Number": element.number,
    }
    if element.detail is not None:
        out["Detail"] = element.detail
    return out


def activity_node(
    node: ActivityElement, dates: Dates, *, verbose: bool = False, tail: int | None = None
) -> dict[str, Any]:
    """Return an activity element and its subtree as an ActivityLogTreeNode.

    ``verbose`` False leaves out Verbose and Trace lines; ``tail`` keeps only each element's
    last N lines (after that filtering).
    """
    lines: list[LogElement] = (
        node.log if verbose else [e for e in node.log if e.category not in _VERBOSE_ONLY]
    )
    if tail is not None:
        lines = lines[-tail:] if tail else []
    return {
        "Id": node.id,
        "Name": node.name,
        "Started": dates.iso_or_none(node.started),
        "Ended": dates.iso_or_none(node.ended),
        "Status": _TEXT[node.status],
        "Children": [activity_node(c, dates, verbose=verbose, tail=tail) for c in node.children],
        "ShowAtSummaryLevel": node.show_at_summary_level,
        "LogElements": [_log_element(e, dates) for e in lines],
        "ProgressPercentage": node.progress_percentage,
        "ProgressMessage": node.progress_message,
    }


def raw_log(task: Task, dates: Dates) -> str:
    """Return the task's log as plain text, one line per log element in tree order:
    ``2024-01-15 09:00:17.205 +00:00  Info        Message``."""
    return "".join(
        f"{dates.raw(e.occurred_at)}  {e.category.value:<11} {e.message}\n"
        for node in task.log.walk()
        for e in node.log
    )


def raw_log_size(task: Task, dates: Dates) -> int:
    """Return ``len(raw_log(task, dates).encode())`` without building the text: details
    report the size on every fetch, and formatting every line just to count it was the
    costliest part of a details request."""
    size = 0
    for node in task.log.walk():
        for e in node.log:
            # "{raw date}  {category:<11} {message}\n": the raw date is the (memoised) ISO
            # date plus one character; dates and categories are ASCII.
            message = e.message
            chars = len(message) if message.isascii() else len(message.encode())
            size += len(dates.iso(e.occurred_at)) + max(11, len(e.category)) + chars + 5
    return size


def task_details(
    task: Task, dates: Dates, now: float, *, verbose: bool = False, tail: int | None = None,
    resource: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Return a TaskDetailsResource: the task, its progress and its activity log tree.
    ``resource``: the task's TaskResource at ``now`` when already rendered."""
    if task.is_completed:
        percentage = 100
    elif task.state is TaskState.Queued:
        percentage = 0
    else:
        percentage = task.log.progress_percentage
    return {
        "Id": task.id,
        "Task": task_resource(task, dates, now) if resource is None else resource,
        "Progress": {"ProgressPercentage": percentage, "EstimatedTimeRemaining": None},
        "PhysicalLogSize": raw_log_size(task, dates),
        "ActivityLogs": [activity_node(task.log, dates, verbose=verbose, tail=tail)],
        "Links": {"Self": f"/api/tasks/{task.id}/details"},
    }


def task_type_resource(executor: Executor) -> dict[str, Any]:
    """Return one TaskTypeResource: ``{Id, Name, Links}`` (Id is the type used in create)."""
    return {"Id": executor.name, "Name": executor.description or executor.name, "Links": {}}


def task_types(executors: Iterable[Executor]) -> list[dict[str, Any]]:
    """Return the task types, sorted by Id."""
    return [task_type_resource(e) for e in sorted(executors, key=lambda e: e.name)]
