"""Infrastructure (octopus-api.md §5): deployment targets (``/machines``) and environments, as
resources, handlers and :data:`ROUTES`.

Lists cover one space: the path's, or the default space in the unscoped form. Get-by-id in
the unscoped form finds the resource in any space and checks permission in that space
(:meth:`~octosim.api.context.RequestContext.find`). Machines are rendered from
:class:`~octosim.model.world.Machine`'s own fields only; its ``agent`` belongs to the
Tentacle model and is never read here.
"""

from __future__ import annotations

from typing import Any

from octosim.api.context import RequestContext
from octosim.api.errors import bad_request
from octosim.api.messages import ApiResponse
from octosim.api.paging import collection, page_window
from octosim.api.params import QueryParams, by_id_and_name
from octosim.api.router import Route
from octosim.api.tasks import task_collection
from octosim.api.timefmt import Dates
from octosim.model.states import HealthStatus
from octosim.model.world import Environment, Machine, Permission

__all__ = [
    "ENVIRONMENT_QUERY",
    "ENVIRONMENT_V2_QUERY",
    "MACHINE_QUERY",
    "ROUTES",
    "connection_status",
    "create_environment",
    "environment_resource",
    "environment_v2_resource",
    "get_environment",
    "get_machine",
    "get_machine_connection",
    "list_all_environments",
    "list_all_machines",
    "list_environments",
    "list_environments_v2",
    "list_machine_tasks",
    "list_machines",
    "machine_resource",
    "machine_status",
]

# RFC 6570 templates, as real servers send them; clients expand them before use.
MACHINE_QUERY = (
    "{?skip,take,name,ids,partialName,roles,isDisabled,healthStatuses,commStyles,"
    "environmentIds,thumbprint}"
)
ENVIRONMENT_QUERY = "{?name,skip,ids,take,partialName}"
#: ``EnvironmentV2Repository.list``'s template (TS 3.11); ``type`` filters by ``Type``.
ENVIRONMENT_V2_QUERY = "{?ids,partialName,type,skip,take}"


# -- resources ---------------------------------------------------------------------------------
def environment_resource(env: Environment) -> dict[str, Any]:
    """Return an EnvironmentResource."""
    base = f"/api/{env.space_id}/environments/{env.id}"
    return {
        "Id": env.id,
        "SpaceId": env.space_id,
        "Name": env.name,
        "Description": env.description,
        "SortOrder": env.sort_order,
        "UseGuidedFailure": env.use_guided_failure,
        "AllowDynamicInfrastructure": env.allow_dynamic_infrastructure,
        "ExtensionSettings": [],
        "Links": {
            "Self": base,
            "Machines": f"{base}/machines{MACHINE_QUERY}",
            "Web": f"/app#/{env.space_id}/infrastructure/environments/{env.id}",
        },
    }


def environment_v2_resource(env: Environment) -> dict[str, Any]:
    """Return a DeploymentEnvironmentV2 as the TS client 3.11 types it: the classic fields
    plus ``Slug`` and ``Type`` (every simulated environment is ``Static``)."""
    return {**environment_resource(env), "Slug": env.slug, "Type": "Static"}


def machine_status(machine: Machine) -> str:
    """Return the machine's ``Status`` (MachineModelStatus) implied by its health."""
    if machine.is_disabled:
        return "Disabled"
    if machine.health_status is HealthStatus.Unavailable:
        return "Offline"
    if machine.health_status is HealthStatus.Unknown:
        return "Unknown"
    return "Online"  # Healthy, HasWarnings and Unhealthy were all reached


def machine_resource(machine: Machine, *, in_process: bool = False) -> dict[str, Any]:
    """Return a DeploymentTargetResource (octopus-api.md §5). ``in_process``: a task is
    running against the machine right now (``IsInProcess``)."""
    base = f"/api/{machine.space_id}/machines/{machine.id}"
    return {
        "Id": machine.id,
        "Name": machine.name,
        "SpaceId": machine.space_id,
        "Slug": machine.slug,
        "EnvironmentIds": list(machine.environment_ids),
        "Roles": list(machine.roles),
        "TenantIds": [],
        "TenantTags": [],
        "TenantedDeploymentParticipation": "Untenanted",
        "IsDisabled": machine.is_disabled,
        "IsInProcess": in_process,
        "MachinePolicyId": machine.machine_policy_id,
        "HealthStatus": machine.health_status.value,
        "Status": machine_status(machine),
        "StatusSummary": machine.status_summary,
        "HasLatestCalamari": machine.has_latest_calamari,
        "OperatingSystem": machine.operating_system,
        "ShellName": machine.shell_name,
        "ShellVersion": machine.shell_version,
        "Architecture": machine.architecture,
        "Uri": machine.uri,
        "Thumbprint": machine.thumbprint,
        "Endpoint": {
            "CommunicationStyle": machine.communication_style.value,
            "Uri": machine.uri,
            "Thumbprint": machine.thumbprint,
            "TentacleVersionDetails": {
                "Version": machine.tentacle_version,
                "UpgradeLocked": False,
                "UpgradeSuggested": False,
                "UpgradeRequired": False,
                "UpgradeAvailable": False,
            },
            "CertificateSignatureAlgorithm": "sha256RSA",
            "Links": {},
        },
        "Links": {
            "Self": base,
            "Connection": f"{base}/connection",
            "TasksTemplate": f"{base}/tasks{{?skip,take,type}}",
            "Web": f"/app#/{machine.space_id}/infrastructure/machines/{machine.id}/settings",
        },
    }


def connection_status(machine: Machine, dates: Dates) -> dict[str, Any]:
    """Return a MachineConnectionStatus from the machine's last health interaction."""
    checked = dates.iso_or_none(machine.last_checked)
    return {
        "Id": f"MachineConnectionStatuses-{machine.id.rsplit('-', 1)[-1]}",
        "MachineId": machine.id,
        "Status": machine_status(machine),
        "CurrentTentacleVersion": machine.tentacle_version,
        "LastChecked": checked,
        "Logs": [
            {"Category": "Info", "OccurredAt": checked, "MessageText": line}
            for line in machine.connection_logs
        ],
        "Links": {
            "Self": f"/api/{machine.space_id}/machines/{machine.id}/connection",
            "Machine": f"/api/{machine.space_id}/machines/{machine.id}",
        },
    }


# -- handlers ----------------------------------------------------------------------------------
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


def _find_machine(ctx: RequestContext) -> Machine:
    return ctx.find(ctx.world.machines.get, Permission.MachineView)


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


def list_environments_v2(ctx: RequestContext) -> dict[str, Any]:
    """``GET .../environments/v2``: what ``GET .../environments`` lists, as
    DeploymentEnvironmentV2 (newer servers; the TS client's ``getEnvironmentByName`` and
    ``EnvironmentV2Repository`` read it, and deploy-release-action tries it first).
    ``type`` keeps only environments of that ``Type`` (any case)."""
    query = ctx.query
    skip, take = page_window(query)
    envs = by_id_and_name(query, _space_environments(ctx))
    wanted = query.get("type")
    if wanted and wanted.lower() != "static":
        envs = []
    return collection(
        "Environment", envs, environment_v2_resource, skip=skip, take=take,
        path=ctx.request.path, template=f"{ctx.request.path}{ENVIRONMENT_V2_QUERY}",
        query=ctx.request.query,
    )


def list_all_environments(ctx: RequestContext) -> list[dict[str, Any]]:
    """``GET .../environments/all``: every environment of the space, a plain array."""
    return [environment_resource(e) for e in _space_environments(ctx)]


def create_environment(ctx: RequestContext) -> ApiResponse:
    """``POST .../environments`` ``{Name, Description?}``: 201 and the environment, last in
    sort order (the TS client's own set-up path, octopus-deployments.md §6.1)."""
    body = {k.lower(): v for k, v in ctx.body().items()}
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise bad_request(f'Name is required, e.g. "Development" (got {name!r}).')
    description = body.get("description") or ""
    if not isinstance(description, str):
        raise bad_request(f"Description: expected a string, got {description!r}.")
    space = ctx.space(body.get("spaceid"))
    ctx.require(Permission.EnvironmentCreate, space.id)
    if any(e.space_id == space.id and e.name.casefold() == name.strip().casefold()
           for e in ctx.world.environments.values()):
        raise bad_request(f"An environment named '{name.strip()}' already exists in this space.")
    env = ctx.world.add_environment(space.id, name.strip(), description=description)
    return ApiResponse(201, environment_resource(env))


def get_environment(ctx: RequestContext) -> dict[str, Any]:
    """``GET .../environments/{id}``: one environment; 404 if unknown."""
    return environment_resource(ctx.find(ctx.world.environments.get, Permission.EnvironmentView))


_P = Permission
#: Machines before environments: the order of their links in the root document.
ROUTES: tuple[Route, ...] = (
    Route("GET", "/api/machines", list_machines, permission=_P.MachineView,
          link="Machines", link_template="{/id}" + MACHINE_QUERY),
    Route("GET", "/api/machines/all", list_all_machines, permission=_P.MachineView),
    Route("GET", "/api/machines/{id}", get_machine, permission=_P.MachineView,
          authorizes_itself=True),
    Route("GET", "/api/machines/{id}/connection", get_machine_connection,
          permission=_P.MachineView, authorizes_itself=True),
    Route("GET", "/api/machines/{id}/tasks", list_machine_tasks, permission=_P.MachineView,
          authorizes_itself=True),
    Route("GET", "/api/environments", list_environments, permission=_P.EnvironmentView,
          link="Environments", link_template="{/id}" + ENVIRONMENT_QUERY),
    Route("POST", "/api/environments", create_environment, permission=_P.EnvironmentCreate,
          authorizes_itself=True),
    Route("GET", "/api/environments/all", list_all_environments,
          permission=_P.EnvironmentView),
    Route("GET", "/api/environments/v2", list_environments_v2, permission=_P.EnvironmentView),
    Route("GET", "/api/environments/{id}", get_environment, permission=_P.EnvironmentView,
          authorizes_itself=True),
)
