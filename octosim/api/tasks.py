"""Tasks (octopus-api.md §3): TaskResource, TaskDetailsResource (the activity log tree), the
raw log and task types; their handlers; :data:`ROUTES`, each served at all three URL forms.

Task ids are unique across the server, so the unscoped form finds a task in any space and
checks the caller's permission in *that* space; a scoped form only finds tasks of its own
space (another space's task is a 404 there, as if it did not exist). Resources are pure
functions of the domain objects and a :class:`~octosim.api.timefmt.Dates`: plain JSON-ready
values, so the direct driver can read them unserialised.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from octosim.api.context import RequestContext
from octosim.api.errors import ApiError, bad_request, missing_permission
from octosim.api.messages import ApiResponse
from octosim.api.paging import collection, page_window
from octosim.api.params import parse_date
from octosim.api.router import Route
from octosim.api.task_query import select_tasks
from octosim.api.timefmt import Dates, duration_text
from octosim.model.engine import EngineError
from octosim.model.executors import ArgumentError, Executor
from octosim.model.states import TaskState
from octosim.model.tasks import ActivityElement, LogCategory, LogElement, Task
from octosim.model.world import Permission

__all__ = [
    "ROUTES",
    "TASK_QUERY",
    "activity_node",
    "cancel_task",
    "create_task",
    "find_task",
    "get_task",
    "get_task_details",
    "get_task_raw",
    "list_queued_behind",
    "list_task_types",
    "list_tasks",
    "raw_log",
    "raw_log_size",
    "rerun_task",
    "set_task_state",
    "task_collection",
    "task_details",
    "task_fixed_fields",
    "task_links",
    "task_resource",
    "task_type_resource",
    "task_types",
]

#: The RFC 6570 query template of the task list, as real servers send it.
TASK_QUERY = (
    "{?skip,active,environment,tenant,runbook,project,name,node,running,states,"
    "hasPendingInterruptions,hasWarningsOrErrors,take,ids,partialName,spaces,includeSystem,"
    "description,fromCompletedDate,toCompletedDate,fromQueueDate,toQueueDate}"
)


# -- resources ---------------------------------------------------------------------------------
#: What ``Completed`` says while a task is not complete (a date once it is).
_IN_PROGRESS = {
    TaskState.Queued: "Queued...",
    TaskState.Executing: "Executing...",
    TaskState.Cancelling: "Cancelling...",
}
#: Log categories hidden unless ``verbose=true`` (Trace is below Verbose, so it goes too).
_VERBOSE_ONLY = frozenset({LogCategory.Verbose, LogCategory.Trace})


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
    task: Task, dates: Dates, now: float, fixed: dict[str, Any] | None = None, *,
    pending: Callable[[Task], bool] | None = None,
) -> dict[str, Any]:
    """Return ``task`` as a TaskResource at virtual time ``now`` (which the in-progress
    ``Duration`` is measured to). ``fixed``: :func:`task_fixed_fields` of this task, when
    the caller keeps it between renders; ``pending``: whether a task waits on a
    guided-failure interruption (``InterruptionBoard.has_pending``; none do without it)."""
    state = task.state
    completed = task.completed_time
    # Duration counts from the start, or from the queue time while the task waits.
    since = task.start_time if task.start_time is not None else task.queue_time
    duration = max(0.0, (completed if completed is not None else now) - since)
    # A copy of the fields that never change, every key already in its place (so the JSON
    # keeps Octopus's field order), then the ones that do.
    data = (task_fixed_fields(task, dates) if fixed is None else fixed).copy()
    data["State"] = state.value
    data["Completed"] = _IN_PROGRESS[state] if completed is None else dates.long(completed)
    data["StartTime"] = dates.iso_or_none(task.start_time)
    data["LastUpdatedTime"] = dates.iso(task.last_updated_time)
    data["CompletedTime"] = dates.iso_or_none(completed)
    data["ServerNode"] = task.server_node
    data["Duration"] = duration_text(duration)
    data["ErrorMessage"] = task.error_message
    data["HasBeenPickedUpByProcessor"] = task.has_been_picked_up
    data["IsCompleted"] = task.is_completed
    data["FinishedSuccessfully"] = task.finished_successfully
    data["CanRerun"] = task.can_rerun
    data["HasWarningsOrErrors"] = task.has_warnings_or_errors
    if pending is not None and pending(task):
        data["HasPendingInterruptions"] = True
        data["PendingInterruptionTypes"] = ["GuidedFailure"]  # the only kind raised
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
        "Category": element.category.value,
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
        "Status": node.status.value,
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


# -- handlers ----------------------------------------------------------------------------------
_STATE_NAMES = {s.value.lower(): s.value for s in TaskState}


def find_task(ctx: RequestContext, permission: Permission) -> Task:
    """Return the task named by the ``id`` path parameter, checking ``permission`` in its
    space (:meth:`RequestContext.find`). Raises ApiError 404
    ``The resource 'ServerTasks-N' was not found.`` or 403."""
    return ctx.find(ctx.engine.get, permission)


def _render(ctx: RequestContext, task: Task) -> dict[str, Any]:
    return ctx.task_renders.resource(task, ctx.now)


def task_collection(
    ctx: RequestContext, tasks: list[Task], window: tuple[int, int] | None = None
) -> dict[str, Any]:
    """Return the paged TaskResourceCollection of the ``tasks`` the caller may view (in
    order): ``TotalResults`` counts those only, so a list never tells of another space.
    ``window``: the query's :func:`~octosim.api.paging.page_window`, if already read."""
    tasks = ctx.may_view(Permission.TaskView, tasks)
    skip, take = page_window(ctx.query) if window is None else window
    now, cache = ctx.now, ctx.task_renders
    return collection(
        "Task", tasks, lambda t: cache.resource(t, now), skip=skip, take=take,
        path=ctx.request.path, template=f"{ctx.request.path}{TASK_QUERY}",
        query=ctx.request.query,
    )


def list_tasks(ctx: RequestContext) -> dict[str, Any]:
    """``GET .../tasks``: the filtered, paged task list, newest first. The unscoped form
    lists every space the caller may view tasks in (narrowed by ``spaces=``)."""
    query = ctx.query
    window = page_window(query)  # a bad skip/take is a 400 before any work
    if ctx.space_id is not None:
        space_ids = {ctx.space_id}
    else:
        user = ctx.require_user()
        space_ids = {s for s in ctx.world.spaces if user.can(Permission.TaskView, s)}
        if not space_ids:
            raise missing_permission(Permission.TaskView.value)
    wanted = query.values("spaces")
    if wanted:
        space_ids &= set(wanted)
    tasks = select_tasks(ctx.engine, query, space_ids, ctx.clock.epoch, ctx.deployments,
                         ctx.interruptions)
    return task_collection(ctx, tasks, window)


def get_task(ctx: RequestContext) -> ApiResponse:
    """``GET .../tasks/{id}``: one TaskResource (the most polled route: served from the
    render cache, body bytes serialised at most once per task state)."""
    return ctx.task_renders.response(find_task(ctx, Permission.TaskView), ctx.now)


def get_task_details(ctx: RequestContext) -> ApiResponse:
    """``GET .../tasks/{id}/details?verbose&tail&ranges``: the TaskDetailsResource.
    ``verbose`` (default false) includes Verbose lines; ``tail=N`` keeps each activity's
    last N lines; ``ranges`` is accepted and ignored. The embedded TaskResource comes from
    the render cache (a client usually polled the task just before)."""
    task = find_task(ctx, Permission.TaskView)
    query = ctx.query
    verbose = bool(query.flag("verbose"))
    tail = query.integer("tail", -1) if "tail" in query else -1
    dates, now = ctx.dates, ctx.now
    return ctx.task_renders.details_response(task, now, lambda resource: task_details(
        task, dates, now, verbose=verbose, tail=None if tail < 0 else tail, resource=resource,
    ))


def get_task_raw(ctx: RequestContext) -> ApiResponse:
    """``GET .../tasks/{id}/raw``: the log as plain text."""
    return ApiResponse(200, text=raw_log(find_task(ctx, Permission.TaskView), ctx.dates))


#: Task types only the server queues (octopus-deployments.md §2.1: not in Octopus's
#: TasksThatCanBeQueuedByUsers), whatever executors are registered for them.
_NOT_USER_QUEUEABLE = frozenset({"deploy", "runbookrun"})


def create_task(ctx: RequestContext) -> ApiResponse:
    """``POST .../tasks``: create a task from ``{Name, Description, SpaceId?, Arguments,
    QueueTime?, QueueTimeExpiry?}``; 201 and the TaskResource (``Links.Self`` included).

    400 for a missing body or Name, fields of the wrong type, bad dates, an unknown task
    type or arguments the task type rejects; the path's space wins over ``SpaceId``.
    """
    body = {k.lower(): v for k, v in ctx.body().items()}
    problems: list[str] = []
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(
            "Name: the task type is required, e.g. \"Health\" or \"AdHocScript\" "
            f"(got {name!r})."
        )
    elif name.strip().lower() in _NOT_USER_QUEUEABLE:
        problems.append(
            f"Name: a {name.strip()} task cannot be queued directly; create a deployment "
            "(POST /api/{spaceId}/deployments/create/untenanted/v1) or a runbook run "
            "(POST /api/{spaceId}/runbook-runs/create/v1), which queues it."
        )
    description = body.get("description")
    if description is not None and not isinstance(description, str):
        problems.append(f"Description: expected a string, got {description!r}.")
    arguments = body.get("arguments")
    if arguments is None:
        arguments = {}
    elif not isinstance(arguments, dict):
        problems.append(
            "Arguments: expected an object of argument names to values, e.g. "
            f"{{\"MachineIds\": [\"Machines-1\"]}}, got {type(arguments).__name__}."
        )
    times: dict[str, float | None] = {}
    for field in ("QueueTime", "QueueTimeExpiry"):
        value = body.get(field.lower())
        try:
            times[field] = (
                None if value is None
                else (parse_date(value, field) - ctx.clock.epoch).total_seconds()
            )
        except ApiError as exc:
            problems.extend(exc.errors)
    if problems:
        raise bad_request(*problems)
    space = ctx.space(body.get("spaceid"))
    ctx.require(Permission.TaskCreate, space.id)
    assert isinstance(name, str) and isinstance(arguments, dict)
    if not getattr(ctx.engine.executors.get(name.strip()), "queueable_by_users", True):
        raise bad_request(f"The task type {name.strip()!r} is not supported by POST /api/tasks: "
                          "create a deployment or runbook run, which queues it.")
    try:
        task = ctx.engine.create(
            space.id, name.strip(), arguments, description=description,
            queue_time=times["QueueTime"], queue_time_expiry=times["QueueTimeExpiry"],
        )
    except ArgumentError as exc:
        raise bad_request(*exc.problems) from None
    except EngineError as exc:
        raise bad_request(str(exc)) from None
    data = _render(ctx, task)
    return ApiResponse(201, data, headers={"location": data["Links"]["Self"]})


def cancel_task(ctx: RequestContext) -> dict[str, Any]:
    """``POST .../tasks/{id}/cancel`` (any body, usually empty or ``{}``): cancel the task
    and return it. A completed task is returned unchanged."""
    task = find_task(ctx, Permission.TaskCancel)
    return _render(ctx, ctx.engine.cancel(task))


def rerun_task(ctx: RequestContext) -> dict[str, Any]:
    """``POST .../tasks/rerun/{id}``: queue a copy of a completed task; 200 and the new
    task. 400 "This task cannot be re-run." while it has not completed."""
    task = find_task(ctx, Permission.TaskCreate)
    try:
        return _render(ctx, ctx.engine.rerun(task))
    except EngineError as exc:
        raise bad_request(str(exc)) from None


def set_task_state(ctx: RequestContext) -> dict[str, Any]:
    """``POST .../tasks/{id}/state`` ``{State, Reason}``: change a completed task's state
    by hand. 400 with the engine's (Octopus's) wording when not allowed."""
    task = find_task(ctx, Permission.TaskEdit)
    body = {k.lower(): v for k, v in ctx.body(empty="No body was provided.").items()}
    state, reason = body.get("state"), body.get("reason")
    if not isinstance(state, str) or not state.strip():
        raise bad_request("No state was provided.")
    if not isinstance(reason, str) or not reason.strip():
        raise bad_request("No reason was provided.")
    # Enum names are matched in any case, as the real server's JSON reader does.
    state = _STATE_NAMES.get(state.strip().lower(), state.strip())
    try:
        return _render(ctx, ctx.engine.set_state(task, state, reason))
    except EngineError as exc:
        raise bad_request(str(exc)) from None


def list_queued_behind(ctx: RequestContext) -> dict[str, Any]:
    """``GET .../tasks/{id}/queued-behind``: the tasks queued ahead of it that the caller may
    view, paged (the queue is the server's, across spaces)."""
    task = find_task(ctx, Permission.TaskView)
    return task_collection(ctx, ctx.engine.queued_ahead_of(task))


def list_task_types(ctx: RequestContext) -> list[dict[str, Any]]:
    """``GET .../tasks/tasktypes``: ``[{Id, Name, Links}]``, one per registered executor."""
    return task_types(ctx.engine.executors.values())


_P = Permission
#: Every task route is space-scoped; unscoped, most check their permission in the task's
#: own space once the task is found (``authorizes_itself``).
ROUTES: tuple[Route, ...] = (
    Route("GET", "/api/tasks", list_tasks, permission=_P.TaskView, authorizes_itself=True,
          link="Tasks", link_template="{/id}" + TASK_QUERY),
    Route("POST", "/api/tasks", create_task, permission=_P.TaskCreate, authorizes_itself=True),
    Route("GET", "/api/tasks/tasktypes", list_task_types, permission=_P.TaskView,
          link="TaskTypes"),
    Route("GET", "/api/tasks/{id}", get_task, permission=_P.TaskView, authorizes_itself=True),
    Route("GET", "/api/tasks/{id}/details", get_task_details, permission=_P.TaskView,
          authorizes_itself=True),
    Route("GET", "/api/tasks/{id}/raw", get_task_raw, permission=_P.TaskView,
          authorizes_itself=True),
    Route("POST", "/api/tasks/{id}/cancel", cancel_task, permission=_P.TaskCancel,
          authorizes_itself=True),
    Route("POST", "/api/tasks/rerun/{id}", rerun_task, permission=_P.TaskCreate,
          authorizes_itself=True),
    Route("POST", "/api/tasks/{id}/state", set_task_state, permission=_P.TaskEdit,
          authorizes_itself=True),
    Route("GET", "/api/tasks/{id}/queued-behind", list_queued_behind, permission=_P.TaskView,
          authorizes_itself=True),
)
