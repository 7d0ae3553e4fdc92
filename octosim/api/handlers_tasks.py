"""Handlers for ``/tasks`` (octopus-api.md §3), each served at all three URL forms.

Task ids are unique across the server, so the unscoped form finds a task in any space and
checks the caller's permission in *that* space; a scoped form only finds tasks of its own
space (another space's task is a 404 there, as if it did not exist).
"""

from __future__ import annotations

from typing import Any

from octosim.api.context import RequestContext
from octosim.api.errors import ApiError, bad_request, missing_permission, resource_not_found
from octosim.api.messages import ApiResponse
from octosim.api.paging import collection, page_window
from octosim.api.params import parse_date
from octosim.api.resources import raw_log, task_details, task_types
from octosim.api.resources_world import TASK_QUERY
from octosim.api.task_query import select_tasks
from octosim.model.engine import EngineError
from octosim.model.executors import ArgumentError
from octosim.model.states import TaskState
from octosim.model.tasks import Task
from octosim.model.world import Permission

__all__ = [
    "cancel_task",
    "create_task",
    "find_task",
    "get_task",
    "get_task_details",
    "get_task_raw",
    "list_queued_behind",
    "list_task_types",
    "list_tasks",
    "rerun_task",
    "set_task_state",
    "task_collection",
]

_STATE_NAMES = {s.value.lower(): s.value for s in TaskState}


def find_task(ctx: RequestContext, permission: Permission, task_id: str | None = None) -> Task:
    """Return the task named by the ``id`` path parameter, checking ``permission`` in its
    space. Raises ApiError 404 ``The resource 'ServerTasks-N' was not found.`` or 403."""
    task_id = task_id if task_id is not None else ctx.params["id"]
    task = ctx.engine.get(task_id)
    if task is None or (ctx.space_id is not None and task.space_id != ctx.space_id):
        raise resource_not_found(task_id)
    if not ctx.scoped:  # a scoped form was authorised against its space already
        ctx.require(permission, task.space_id)
    return task


def _render(ctx: RequestContext, task: Task) -> dict[str, Any]:
    return ctx.tasks.resource(task, ctx.now)


def task_collection(ctx: RequestContext, tasks: list[Task]) -> dict[str, Any]:
    """Return the paged TaskResourceCollection of ``tasks`` (already filtered, in order)."""
    skip, take = page_window(ctx.query)
    now, cache = ctx.now, ctx.tasks
    return collection(
        "Task", tasks, lambda t: cache.resource(t, now), skip=skip, take=take,
        path=ctx.request.path, template=f"{ctx.request.path}{TASK_QUERY}",
        query=ctx.request.query,
    )


def list_tasks(ctx: RequestContext) -> dict[str, Any]:
    """``GET .../tasks``: the filtered, paged task list, newest first. The unscoped form
    lists every space the caller may view tasks in (narrowed by ``spaces=``)."""
    query = ctx.query
    page_window(query)  # a bad skip/take is a 400 before any work
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
    tasks = select_tasks(ctx.engine, query, space_ids, ctx.clock.epoch)
    return task_collection(ctx, tasks)


def get_task(ctx: RequestContext) -> ApiResponse:
    """``GET .../tasks/{id}``: one TaskResource (the most polled route: served from the
    render cache, body bytes serialised at most once per task state)."""
    return ctx.tasks.response(find_task(ctx, Permission.TaskView), ctx.now)


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
    return ctx.tasks.details_response(task, now, lambda resource: task_details(
        task, dates, now, verbose=verbose, tail=None if tail < 0 else tail, resource=resource,
    ))


def get_task_raw(ctx: RequestContext) -> ApiResponse:
    """``GET .../tasks/{id}/raw``: the log as plain text."""
    return ApiResponse(200, text=raw_log(find_task(ctx, Permission.TaskView), ctx.dates))


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
    """``GET .../tasks/{id}/queued-behind``: the tasks queued ahead of it, paged."""
    task = find_task(ctx, Permission.TaskView)
    return task_collection(ctx, ctx.engine.queued_ahead_of(task))


def list_task_types(ctx: RequestContext) -> list[dict[str, Any]]:
    """``GET .../tasks/tasktypes``: ``[{Id, Name, Links}]``, one per registered executor."""
    return task_types(ctx.engine.executors.values())
