"""Handlers for ``/machines`` (deployment targets, octopus-api.md §5) and ``/environments``.

Lists cover one space: the path's, or the default space in the unscoped form. Get-by-id in
the unscoped form finds the resource in any space and checks permission in that space.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from octosim.api.context import RequestContext
from octosim.api.errors import bad_request, resource_not_found
from octosim.api.handlers_tasks import task_collection
from octosim.api.paging import collection, page_window
from octosim.api.params import QueryParams, by_id_and_name
from octosim.api.resources_world import (
    ENVIRONMENT_QUERY,
    MACHINE_QUERY,
    connection_status,
    environment_resource,
    machine_resource,
)
from octosim.model.states import HealthStatus
from octosim.model.world import Environment, Machine, Permission

__all__ = [
    "get_environment",
    "get_machine",
    "get_machine_connection",
    "list_all_environments",
    "list_all_machines",
    "list_environments",
    "list_machine_tasks",
    "list_machines",
]

_HEALTH = {h.value.lower(): h for h in HealthStatus}


def _render_machine(ctx: RequestContext, machine: Machine) -> dict[str, Any]:
    in_process = any(t.is_running for t in ctx.engine.for_machine(machine.id))
    return machine_resource(machine, in_process=in_process)


def _space_machines(ctx: RequestContext) -> list[Machine]:
    space_id = ctx.space().id
    machines = [m for m in ctx.world.machines.values() if m.space_id == space_id]
    return sorted(machines, key=lambda m: (m.name.casefold(), m.id))


def _machine_filters(query: QueryParams, machines: list[Machine]) -> list[Machine]:
    """Apply the list filters; raises ApiError (400) for an unknown health status or a
    non-boolean isDisabled."""
    machines = by_id_and_name(query, machines)
    roles = query.values("roles")
    if roles:
        wanted_roles = {r.casefold() for r in roles}
        machines = [m for m in machines if any(r.casefold() in wanted_roles for r in m.roles)]
    disabled = query.flag("isDisabled")
    if disabled is not None:  # unlike the task flags, false here means "enabled only"
        machines = [m for m in machines if m.is_disabled is disabled]
    statuses = query.values("healthStatuses")
    if statuses:
        unknown = [s for s in statuses if s.lower() not in _HEALTH]
        if unknown:
            raise bad_request(
                f"healthStatuses: {', '.join(repr(s) for s in unknown)} is not a health "
                f"status; use {', '.join(h.value for h in HealthStatus)}."
            )
        wanted_health = {_HEALTH[s.lower()] for s in statuses}
        machines = [m for m in machines if m.health_status in wanted_health]
    environments = query.values("environmentIds")
    if environments:
        wanted_envs = set(environments)
        machines = [m for m in machines if wanted_envs.intersection(m.environment_ids)]
    styles = query.values("commStyles")
    if styles:
        wanted_styles = {s.lower() for s in styles}
        machines = [m for m in machines if m.communication_style.value.lower() in wanted_styles]
    thumbprint = query.get("thumbprint")
    if thumbprint:
        machines = [m for m in machines if m.thumbprint.casefold() == thumbprint.casefold()]
    return machines


def list_machines(ctx: RequestContext) -> dict[str, Any]:
    """``GET .../machines``: paged, sorted by name, with the §5 filters."""
    skip, take = page_window(ctx.query)
    machines = _machine_filters(ctx.query, _space_machines(ctx))
    return collection(
        "Machine", machines, lambda m: _render_machine(ctx, m), skip=skip, take=take,
        path=ctx.request.path, template=f"{ctx.request.path}{MACHINE_QUERY}",
        query=ctx.request.query,
    )


def list_all_machines(ctx: RequestContext) -> list[dict[str, Any]]:
    """``GET .../machines/all``: every machine of the space, a plain array."""
    return [_render_machine(ctx, m) for m in _space_machines(ctx)]


InSpace = TypeVar("InSpace", Machine, Environment)


def _find(ctx: RequestContext, items: Mapping[str, InSpace], permission: Permission) -> InSpace:
    """Return the item the path's ``{id}`` names: 404 if unknown or in another space than
    the path's. Unscoped, the permission is checked in the item's own space."""
    item_id = ctx.params["id"]
    item = items.get(item_id)
    if item is None or (ctx.space_id is not None and item.space_id != ctx.space_id):
        raise resource_not_found(item_id)
    if not ctx.scoped:
        ctx.require(permission, item.space_id)
    return item


def _find_machine(ctx: RequestContext) -> Machine:
    return _find(ctx, ctx.world.machines, Permission.MachineView)


def get_machine(ctx: RequestContext) -> dict[str, Any]:
    """``GET .../machines/{id}``: one machine; 404 if unknown."""
    return _render_machine(ctx, _find_machine(ctx))


def get_machine_connection(ctx: RequestContext) -> dict[str, Any]:
    """``GET .../machines/{id}/connection``: its MachineConnectionStatus."""
    return connection_status(_find_machine(ctx), ctx.dates)


def list_machine_tasks(ctx: RequestContext) -> dict[str, Any]:
    """``GET .../machines/{id}/tasks``: the tasks that targeted it, newest first, paged."""
    machine = _find_machine(ctx)
    ctx.require(Permission.TaskView, machine.space_id)
    return task_collection(ctx, ctx.engine.for_machine(machine.id))


def _space_environments(ctx: RequestContext) -> list[Environment]:
    space_id = ctx.space().id
    envs = [e for e in ctx.world.environments.values() if e.space_id == space_id]
    return sorted(envs, key=lambda e: (e.sort_order, e.name.casefold()))


def list_environments(ctx: RequestContext) -> dict[str, Any]:
    """``GET .../environments``: paged, in sort order, filtered by ``ids``, ``name``
    (exact, any case) and ``partialName``."""
    query = ctx.query
    skip, take = page_window(query)
    envs = _space_environments(ctx)
    envs = by_id_and_name(query, envs)
    return collection(
        "Environment", envs, environment_resource, skip=skip, take=take,
        path=ctx.request.path, template=f"{ctx.request.path}{ENVIRONMENT_QUERY}",
        query=ctx.request.query,
    )


def list_all_environments(ctx: RequestContext) -> list[dict[str, Any]]:
    """``GET .../environments/all``: every environment of the space, a plain array."""
    return [environment_resource(e) for e in _space_environments(ctx)]


def get_environment(ctx: RequestContext) -> dict[str, Any]:
    """``GET .../environments/{id}``: one environment; 404 if unknown."""
    return environment_resource(
        _find(ctx, ctx.world.environments, Permission.EnvironmentView)
    )
