"""The task list's filters (octopus-api.md §3), parsed up front and applied in one pass.

``ids=`` is answered by looking each id up, so its cost does not grow with the number of
tasks stored (the TS client's waiter polls it). Without ``ids`` every stored task is
visited once, newest first.

``project``, ``runbook`` and ``tenant`` (and ``environment``, besides the task's own
``EnvironmentId`` argument) match Deploy and RunbookRun tasks by the deployment or runbook
run their arguments name, looked up in the deployment store.

Boolean filters follow Octopus: ``active=true`` keeps only active tasks, ``active=false``
(or absent) does not filter; the same for ``running``, ``hasPendingInterruptions`` and
``hasWarningsOrErrors``. Text filters compare case-insensitively.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from datetime import datetime

from octosim.api.errors import bad_request
from octosim.api.params import QueryParams
from octosim.model.deployment_store import DeploymentStore
from octosim.model.engine import TaskEngine
from octosim.model.interruptions import InterruptionBoard
from octosim.model.states import TaskState
from octosim.model.tasks import Task

__all__ = ["select_tasks"]

_STATES = {s.value.lower(): s for s in TaskState}
#: Parameters the list reads elsewhere (paging, ``ids``, ``spaces``) or never (the key): a
#: query of these alone filters nothing here, the ServerTaskWaiter's ``ids`` poll included.
_NOT_FILTERS = frozenset({"skip", "take", "ids", "spaces", "apikey"})
#: The date filters, lower case as :meth:`QueryParams.names` gives them.
_DATES = frozenset({"fromqueuedate", "toqueuedate", "fromcompleteddate", "tocompleteddate"})
Predicate = Callable[[Task], bool]


def _states(values: list[str]) -> frozenset[TaskState]:
    unknown = [v for v in values if v.lower() not in _STATES]
    if unknown:
        raise bad_request(
            f"states: {', '.join(repr(v) for v in unknown)} is not a task state; use "
            f"{', '.join(s.value for s in TaskState)} (comma-separated for several)."
        )
    return frozenset(_STATES[v.lower()] for v in values)


def _in_environment(task: Task, env_id: str) -> bool:
    args = task.arguments
    if args.get("EnvironmentId") == env_id:
        return True
    ids = args.get("EnvironmentIds")
    return isinstance(ids, list) and env_id in ids


def _regarding(task: Task, store: DeploymentStore) -> dict[str, str | None]:
    """The project, runbook, tenant and environment of a Deploy or RunbookRun task."""
    args = task.arguments
    deployment = store.deployments.get(str(args.get("DeploymentId", "")))
    if deployment is not None:
        return {"project": deployment.project_id, "tenant": deployment.tenant_id,
                "environment": deployment.environment_id, "runbook": None}
    run = store.runbook_runs.get(str(args.get("RunbookRunId", "")))
    if run is not None:
        return {"project": run.project_id, "tenant": run.tenant_id,
                "environment": run.environment_id, "runbook": run.runbook_id}
    return {}


def _related_to(store: DeploymentStore, related: str, wanted: str) -> Predicate:
    return lambda t: _regarding(t, store).get(related) == wanted


def _predicates(query: QueryParams, epoch: datetime, store: DeploymentStore,
                board: InterruptionBoard) -> list[Predicate]:
    """Return a predicate per filter present. Raises ApiError (400) for a bad value."""
    names = set(query.names())
    if _NOT_FILTERS.issuperset(names):
        return []  # without asking for each of some twenty filters in turn
    preds: list[Predicate] = []
    states = query.values("states")
    if states:
        wanted = _states(states)
        preds.append(lambda t: t.state in wanted)
    name = query.get("name")
    if name:
        folded = name.casefold()
        preds.append(lambda t: t.name.casefold() == folded)
    if query.flag("active"):
        preds.append(lambda t: t.is_active)
    if query.flag("running"):
        preds.append(lambda t: t.is_running)
    if query.flag("hasPendingInterruptions"):
        preds.append(board.has_pending)
    if query.flag("hasWarningsOrErrors"):
        preds.append(lambda t: t.has_warnings_or_errors)
    query.flag("includeSystem")  # validated only: every simulated task belongs to a space
    node = query.get("node")
    if node:
        preds.append(lambda t: (t.server_node or "").casefold() == node.casefold())
    environment = query.get("environment")
    if environment:
        preds.append(lambda t: _in_environment(t, environment)
                     or _regarding(t, store).get("environment") == environment)
    for related in ("project", "tenant", "runbook"):
        target = query.get(related)
        if target:
            preds.append(_related_to(store, related, target))
    partial = query.get("partialName")
    if partial:
        needle = partial.casefold()
        preds.append(
            lambda t: needle in t.description.casefold() or needle in t.name.casefold()
        )
    description = query.get("description")
    if description:
        text = description.casefold()
        preds.append(lambda t: text in t.description.casefold())
    if not names.isdisjoint(_DATES):  # most lists name none
        preds.extend(_date_predicates(query, epoch))
    return preds


def _date_predicates(query: QueryParams, epoch: datetime) -> Iterable[Predicate]:
    def seconds(name: str) -> float | None:
        when = query.date(name)
        return None if when is None else (when - epoch).total_seconds()

    from_queue, to_queue = seconds("fromQueueDate"), seconds("toQueueDate")
    from_done, to_done = seconds("fromCompletedDate"), seconds("toCompletedDate")
    if from_queue is not None:
        yield lambda t: t.queue_time >= from_queue
    if to_queue is not None:
        yield lambda t: t.queue_time <= to_queue
    if from_done is not None:
        yield lambda t: t.completed_time is not None and t.completed_time >= from_done
    if to_done is not None:
        yield lambda t: t.completed_time is not None and t.completed_time <= to_done


def select_tasks(
    engine: TaskEngine, query: QueryParams, space_ids: Collection[str], epoch: datetime,
    store: DeploymentStore, board: InterruptionBoard,
) -> list[Task]:
    """Return the tasks in ``space_ids`` matching every filter in ``query``, newest first
    (``store``: the deployments the project/runbook/tenant filters look up; ``board``: the
    interruptions ``hasPendingInterruptions`` looks up).

    Raises ApiError (400) naming a filter with a bad value.
    """
    preds = _predicates(query, epoch, store, board)
    ids = query.values("ids")
    candidates: Iterable[Task]
    if ids:
        found = {t.id: t for t in map(engine.get, ids) if t is not None}
        candidates = sorted(found.values(), key=lambda t: t.number, reverse=True)
    elif query.flag("active") or query.flag("running"):
        # Each is among the active tasks, which the engine lists without the finished.
        candidates = engine.active_newest_first()
    else:
        candidates = engine.newest_first()
    spaces = space_ids if isinstance(space_ids, set | frozenset) else set(space_ids)
    return [t for t in candidates if t.space_id in spaces and all(p(t) for p in preds)]
