"""Projects and what they are filed under (octopus-deployments.md §1.8, §5.1): project groups,
projects, channels, lifecycles (with the preview that fills in implicit phases) and tenants,
as resources, handlers and :data:`ROUTES`.

``GET …/projects/{id}`` takes an id or a slug, never a name: the Go CLI looks a project up
by what the user typed and, on the 404, falls back to ``?partialName=`` (§1.4), so answering
a name here would hide that path. Lists cover one space (the path's, or the default space
in the unscoped form) and filter by ``ids``, ``name`` and ``partialName``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol, TypeVar

from octosim.api.bodies import Body, read_body
from octosim.api.context import RequestContext
from octosim.api.errors import bad_request, resource_not_found
from octosim.api.messages import ApiResponse
from octosim.api.paging import collection, page_window
from octosim.api.params import by_id_and_name
from octosim.api.router import Route
from octosim.model.deployment_store import DeploymentStore
from octosim.model.lifecycles import Lifecycle, effective_phases
from octosim.model.projects import Channel, Project, ProjectGroup
from octosim.model.tenants import Tenant
from octosim.model.world import Permission

__all__ = [
    "CHANNEL_QUERY",
    "LIFECYCLE_QUERY",
    "PROJECT_GROUP_QUERY",
    "PROJECT_QUERY",
    "ROUTES",
    "TENANT_QUERY",
    "channel_resource",
    "create_project",
    "create_tenant",
    "deployment_settings_resource",
    "find_project",
    "get_channel",
    "get_deployment_settings",
    "get_lifecycle",
    "get_lifecycle_preview",
    "get_project",
    "get_project_deployment_settings",
    "get_project_group",
    "get_tenant",
    "lifecycle_resource",
    "list_all_projects",
    "list_channels",
    "list_lifecycles",
    "list_project_channels",
    "list_project_groups",
    "list_projects",
    "list_tenants",
    "paged",
    "project_group_resource",
    "project_resource",
    "space_items",
    "tenant_resource",
]

# RFC 6570 templates as a 2019.7 server serves them (§1.8).
PROJECT_QUERY = "{?name,skip,ids,clone,take,partialName,clonedFromProjectId}"
PROJECT_GROUP_QUERY = "{?skip,take,ids,partialName}"
CHANNEL_QUERY = "{?skip,take,ids,partialName}"
LIFECYCLE_QUERY = "{?skip,take,ids,partialName}"
TENANT_QUERY = "{?skip,projectId,name,tags,take,ids,clone,partialName,clonedFromTenantId}"

T = TypeVar("T", ProjectGroup, Project, Channel, Lifecycle, Tenant)


class _InSpace(Protocol):
    @property
    def space_id(self) -> str: ...


S = TypeVar("S", bound=_InSpace)
_RETENTION = {"Unit": "Days", "QuantityToKeep": 0, "ShouldKeepForever": True}


# -- resources ---------------------------------------------------------------------------------
def project_group_resource(group: ProjectGroup) -> dict[str, Any]:
    """Return a ProjectGroupResource."""
    base = f"/api/{group.space_id}/projectgroups/{group.id}"
    return {
        "Id": group.id, "SpaceId": group.space_id, "Name": group.name,
        "Description": group.description, "EnvironmentIds": [], "RetentionPolicyId": None,
        "Links": {"Self": base, "Projects": f"{base}/projects{{?skip,take}}",
                  "Web": f"/app#/{group.space_id}/projectGroups/{group.id}"},
    }


def project_resource(project: Project, store: DeploymentStore) -> dict[str, Any]:
    """Return a ProjectResource with the links the C# client follows (§1.5)."""
    space, pid = project.space_id, project.id
    base = f"/api/{space}/projects/{pid}"
    process_id, settings_id = project.deployment_process_id, project.deployment_settings_id
    default = next((c for c in store.channels_of(pid) if c.is_default), None)
    return {
        "Id": pid, "SpaceId": space, "Name": project.name, "Slug": project.slug,
        "Description": project.description, "IsDisabled": project.is_disabled,
        "ProjectGroupId": project.project_group_id, "LifecycleId": project.lifecycle_id,
        "DeploymentProcessId": project.deployment_process_id,
        "VariableSetId": project.variable_set_id,
        "IncludedLibraryVariableSetIds": [], "DefaultGuidedFailureMode": "EnvironmentDefault",
        "DefaultToSkipIfAlreadyInstalled": False, "DiscreteChannelRelease": False,
        "TenantedDeploymentMode": "TenantedOrUntenanted", "AutoCreateRelease": False,
        "IsVersionControlled": False, "ClonedFromProjectId": None, "Templates": [],
        "AutoDeployReleaseOverrides": [], "ExtensionSettings": [],
        "ReleaseNotesTemplate": None, "DeploymentChangesTemplate": None,
        "VersioningStrategy": _versioning_strategy(project),
        "ReleaseCreationStrategy": {"ChannelId": default.id if default else None,
                                    "ReleaseCreationPackage": None},
        "ProjectConnectivityPolicy": _connectivity_policy(project),
        "Links": {
            "Self": base,
            "Releases": f"{base}/releases{{/version}}{{?skip,take,searchByVersion}}",
            "Channels": f"{base}/channels{{/id}}{{?skip,take,partialName}}",
            "DeploymentProcess": f"/api/{space}/deploymentprocesses/{process_id}",
            "DeploymentSettings": f"/api/{space}/deploymentsettings/{settings_id}",
            "Variables": f"/api/{space}/variables/{project.variable_set_id}",
            "Runbooks": f"{base}/runbooks{{?skip,take,partialName}}",
            "RunbookSnapshots": f"{base}/runbookSnapshots{{/name}}{{?skip,take,searchByName}}",
            "Progression": f"/api/{space}/progression/{pid}{{?aggregate}}",
            "Triggers": f"{base}/triggers{{?skip,take,partialName,triggerActionType}}",
            "Web": f"/app#/{space}/projects/{pid}",
        },
    }


def _versioning_strategy(project: Project) -> dict[str, Any]:
    return {"Template": project.release_versioning_template or None, "DonorPackage": None}


def _connectivity_policy(project: Project) -> dict[str, Any]:
    return {"AllowDeploymentsToNoTargets": project.allow_deployments_to_no_targets,
            "ExcludeUnhealthyTargets": False, "SkipMachineBehavior": "None", "TargetRoles": []}


def deployment_settings_resource(project: Project) -> dict[str, Any]:
    """Return a DeploymentSettingsResource: the project's settings a deployment reads."""
    settings_id = project.deployment_settings_id
    return {
        "Id": settings_id, "ProjectId": project.id, "SpaceId": project.space_id,
        "ConnectivityPolicy": _connectivity_policy(project),
        "DefaultGuidedFailureMode": "EnvironmentDefault",
        "DefaultToSkipIfAlreadyInstalled": False, "DeploymentChangesTemplate": None,
        "ReleaseNotesTemplate": None, "VersioningStrategy": _versioning_strategy(project),
        "Links": {"Self": f"/api/{project.space_id}/deploymentsettings/{settings_id}"},
    }


def channel_resource(channel: Channel) -> dict[str, Any]:
    """Return a ChannelResource."""
    base = f"/api/{channel.space_id}/channels/{channel.id}"
    return {
        "Id": channel.id, "SpaceId": channel.space_id, "ProjectId": channel.project_id,
        "Name": channel.name, "Description": channel.description,
        "IsDefault": channel.is_default, "LifecycleId": channel.lifecycle_id,
        "Rules": [], "TenantTags": [],
        "Links": {"Self": base, "Project": f"/api/{channel.space_id}/projects/{channel.project_id}",
                  "Releases": f"{base}/releases{{?skip,take,searchByVersion}}"},
    }


def _phase(name: str, automatic: Sequence[str], optional: Sequence[str], minimum: int,
           is_optional: bool) -> dict[str, Any]:
    return {
        "Id": name, "Name": name, "AutomaticDeploymentTargets": list(automatic),
        "OptionalDeploymentTargets": list(optional),
        "MinimumEnvironmentsBeforePromotion": minimum, "IsOptionalPhase": is_optional,
        "ReleaseRetentionPolicy": None, "TentacleRetentionPolicy": None,
    }


def lifecycle_resource(
    lifecycle: Lifecycle, phases: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Return a LifecycleResource (``phases`` replaces the stored ones: the preview's)."""
    base = f"/api/{lifecycle.space_id}/lifecycles/{lifecycle.id}"
    stored = [
        _phase(p.name, p.automatic_deployment_targets, p.optional_deployment_targets,
               p.minimum_environments_before_promotion, p.is_optional_phase)
        for p in lifecycle.phases
    ]
    return {
        "Id": lifecycle.id, "SpaceId": lifecycle.space_id, "Name": lifecycle.name,
        "Description": lifecycle.description,
        "Phases": stored if phases is None else phases,
        "ReleaseRetentionPolicy": dict(_RETENTION), "TentacleRetentionPolicy": dict(_RETENTION),
        "Links": {"Self": base, "Preview": f"{base}/preview",
                  "Projects": f"{base}/projects"},
    }


def tenant_resource(tenant: Tenant) -> dict[str, Any]:
    """Return a TenantResource."""
    base = f"/api/{tenant.space_id}/tenants/{tenant.id}"
    return {
        "Id": tenant.id, "SpaceId": tenant.space_id, "Name": tenant.name,
        "Description": tenant.description, "TenantTags": list(tenant.tenant_tags),
        "ProjectEnvironments": {k: list(v) for k, v in tenant.project_environments.items()},
        "ClonedFromTenantId": None,
        "Links": {"Self": base, "Variables": f"{base}/variables"},
    }


# -- shared by the deployment areas ------------------------------------------------------------
def space_items(ctx: RequestContext, items: Iterable[S]) -> list[S]:
    """Return the ``items`` of the request's space (opening it in the store first, so a
    space created over REST has its default project group and lifecycle)."""
    space_id = ctx.space().id
    ctx.deployments.open_space(space_id)
    return [item for item in items if item.space_id == space_id]


def paged(
    ctx: RequestContext, item_type: str, items: Sequence[Any],
    render: Callable[[Any], dict[str, Any]], query_template: str,
) -> dict[str, Any]:
    """Return the collection document of ``items`` for this request's skip/take."""
    skip, take = page_window(ctx.query)
    return collection(
        item_type, items, render, skip=skip, take=take, path=ctx.request.path,
        template=f"{ctx.request.path}{query_template}", query=ctx.request.query,
    )


def _by_name(items: list[T]) -> list[T]:
    return sorted(items, key=lambda i: (i.name.casefold(), i.id))


# -- handlers ----------------------------------------------------------------------------------
def list_project_groups(ctx: RequestContext) -> dict[str, Any]:
    """``GET …/projectgroups``: the space's groups by name, filtered."""
    groups = _by_name(space_items(ctx, ctx.deployments.project_groups.values()))
    groups = by_id_and_name(ctx.query, groups)
    return paged(ctx, "ProjectGroup", groups, project_group_resource, PROJECT_GROUP_QUERY)


def get_project_group(ctx: RequestContext) -> dict[str, Any]:
    """``GET …/projectgroups/{id}``."""
    return project_group_resource(
        ctx.find(ctx.deployments.project_groups.get, Permission.ProjectView))


def _space_projects(ctx: RequestContext) -> list[Project]:
    return _by_name(space_items(ctx, ctx.deployments.projects.values()))


def list_projects(ctx: RequestContext) -> dict[str, Any]:
    """``GET …/projects``: by name, filtered by ``ids``, ``name``, ``partialName``."""
    store = ctx.deployments
    projects = by_id_and_name(ctx.query, _space_projects(ctx))
    return paged(ctx, "Project", projects, lambda p: project_resource(p, store), PROJECT_QUERY)


def list_all_projects(ctx: RequestContext) -> list[dict[str, Any]]:
    """``GET …/projects/all``: every project of the space, a plain array."""
    return [project_resource(p, ctx.deployments) for p in _space_projects(ctx)]


def find_project(ctx: RequestContext, permission: Permission = Permission.ProjectView) -> Project:
    """Return the project the ``id`` path parameter names by id or slug (not by name: §1.4).

    Raises ApiError 404 ``The resource '<id>' was not found.``.
    """
    wanted = ctx.params["id"]
    store = ctx.deployments

    def lookup(key: str) -> Project | None:
        found = store.projects.get(key)
        if found is not None:
            return found
        slug = key.lower()
        return next((p for p in store.projects.values() if p.slug == slug and (
            ctx.space_id is None or p.space_id == ctx.space_id)), None)

    return ctx.find(lookup, permission, wanted)


def get_deployment_settings(ctx: RequestContext) -> dict[str, Any]:
    """``GET …/deploymentsettings/{id}`` (``deploymentsettings-Projects-N``: the project's
    ``Links.DeploymentSettings``), read-only."""
    settings_id = ctx.params["id"]
    project = ctx.deployments.projects.get(settings_id.removeprefix("deploymentsettings-"))
    if not settings_id.startswith("deploymentsettings-") or project is None:
        raise resource_not_found(settings_id)
    ctx.require(Permission.ProjectView, project.space_id)
    if ctx.space_id is not None and project.space_id != ctx.space_id:
        raise resource_not_found(settings_id)
    return deployment_settings_resource(project)


def get_project_deployment_settings(ctx: RequestContext) -> dict[str, Any]:
    """``GET …/projects/{id}/deploymentsettings``: the newer form the Go CLI follows."""
    return deployment_settings_resource(find_project(ctx))


def get_project(ctx: RequestContext) -> dict[str, Any]:
    """``GET …/projects/{idOrSlug}``: 404 for anything else (a name included)."""
    return project_resource(find_project(ctx), ctx.deployments)


def create_project(ctx: RequestContext) -> ApiResponse:
    """``POST …/projects`` ``{Name, ProjectGroupId, LifecycleId, Description?, IsDisabled?,
    VersioningStrategy.Template?, ProjectConnectivityPolicy.AllowDeploymentsToNoTargets?}``:
    201 and the project, created with its process, variable set and ``Default`` channel."""
    body = read_body(ctx)
    space = ctx.space(body.raw("SpaceId"))
    ctx.require(Permission.ProjectCreate, space.id)
    # Every field is read before the project exists, so a field of the wrong type is a 400
    # that leaves nothing behind.
    disabled = body.flag("IsDisabled")
    template = Body(body.mapping("VersioningStrategy")).text("Template", "") or ""
    no_targets = Body(body.mapping("ProjectConnectivityPolicy")).flag(
        "AllowDeploymentsToNoTargets")
    project = ctx.deployments.add_project(
        space.id, body.required_text("Name", '"My Project"'),
        project_group=body.text("ProjectGroupId"), lifecycle=body.text("LifecycleId"),
        description=body.text("Description", "") or "",
    )
    project.is_disabled = disabled
    project.release_versioning_template = template
    project.allow_deployments_to_no_targets = no_targets
    return ApiResponse(201, project_resource(project, ctx.deployments))


def list_project_channels(ctx: RequestContext) -> dict[str, Any]:
    """``GET …/projects/{id}/channels``: the project's channels, in creation order."""
    project = find_project(ctx)
    channels = by_id_and_name(ctx.query, ctx.deployments.channels_of(project.id))
    return paged(ctx, "Channel", channels, channel_resource, CHANNEL_QUERY)


def list_channels(ctx: RequestContext) -> dict[str, Any]:
    """``GET …/channels``: every channel of the space."""
    channels = by_id_and_name(ctx.query, space_items(ctx, ctx.deployments.channels.values()))
    return paged(ctx, "Channel", channels, channel_resource, CHANNEL_QUERY)


def get_channel(ctx: RequestContext) -> dict[str, Any]:
    """``GET …/channels/{id}``."""
    return channel_resource(ctx.find(ctx.deployments.channels.get, Permission.ProjectView))


def list_lifecycles(ctx: RequestContext) -> dict[str, Any]:
    """``GET …/lifecycles``: alphabetical (``indexLifecycles``), filtered."""
    cycles = _by_name(space_items(ctx, ctx.deployments.lifecycles.values()))
    cycles = by_id_and_name(ctx.query, cycles)
    return paged(ctx, "Lifecycle", cycles, lifecycle_resource, LIFECYCLE_QUERY)


def get_lifecycle(ctx: RequestContext) -> dict[str, Any]:
    """``GET …/lifecycles/{id}``."""
    return lifecycle_resource(ctx.find(ctx.deployments.lifecycles.get, Permission.LifecycleView))


def get_lifecycle_preview(ctx: RequestContext) -> dict[str, Any]:
    """``GET …/lifecycles/{id}/preview``: the lifecycle with its implicit phases filled in
    (one per environment when it has none; "all the rest" for a phase naming none)."""
    lifecycle = ctx.find(ctx.deployments.lifecycles.get, Permission.LifecycleView)
    store = ctx.deployments
    envs = store.environments_of(lifecycle.space_id)
    names = {e.id: e.name for e in envs}
    stored = {p.name: p for p in lifecycle.phases}
    phases = []
    for phase in effective_phases(lifecycle, [(e.id, e.sort_order) for e in envs]):
        own = stored.get(phase.name)
        optional = own.optional_deployment_targets if own else []
        automatic = [e for e in phase.environment_ids if e not in optional]
        phases.append(_phase(names.get(phase.name, phase.name), automatic, optional,
                             phase.minimum_environments_before_promotion,
                             phase.is_optional_phase))
    return lifecycle_resource(lifecycle, phases)


def list_tenants(ctx: RequestContext) -> dict[str, Any]:
    """``GET …/tenants``: by name, filtered by ``ids``, ``name``, ``partialName``,
    ``projectId``."""
    tenants = _by_name(space_items(ctx, ctx.deployments.tenants.values()))
    tenants = by_id_and_name(ctx.query, tenants)
    project_id = ctx.query.get("projectId")
    if project_id:
        tenants = [t for t in tenants if project_id in t.project_environments]
    return paged(ctx, "Tenant", tenants, tenant_resource, TENANT_QUERY)


def _project_environments(ctx: RequestContext, raw: dict[str, Any],
                          space_id: str) -> dict[str, list[str]]:
    """``ProjectEnvironments`` ``{project id: [environment id, …]}``, each id of this space."""
    store, world = ctx.deployments, ctx.world
    connected: dict[str, list[str]] = {}
    for project_id, env_ids in raw.items():
        project = store.projects.get(project_id)
        if project is None or project.space_id != space_id:
            raise bad_request(f"ProjectEnvironments: no project '{project_id}' in this space; "
                              "the keys are project ids such as \"Projects-1\".")
        if not isinstance(env_ids, list) or not all(isinstance(e, str) for e in env_ids):
            raise bad_request(f"ProjectEnvironments['{project_id}']: expected an array of "
                              "environment ids such as [\"Environments-1\"].")
        unknown = [e for e in env_ids
                   if e not in world.environments or world.environments[e].space_id != space_id]
        if unknown:
            raise bad_request(f"ProjectEnvironments['{project_id}']: no environment "
                              f"{', '.join(repr(e) for e in unknown)} in this space.")
        connected[project_id] = list(dict.fromkeys(env_ids))
    return connected


def create_tenant(ctx: RequestContext) -> ApiResponse:
    """``POST …/tenants`` ``{Name, Description?, TenantTags?, ProjectEnvironments?}``: 201
    and the tenant, connected to each project for the environments listed (the TS client's
    ``TenantRepository.create``)."""
    body = read_body(ctx)
    space = ctx.space(body.raw("SpaceId"))
    ctx.require(Permission.TenantCreate, space.id)
    tenant = ctx.deployments.add_tenant(
        space.id, body.required_text("Name", '"Acme"'),
        _project_environments(ctx, body.mapping("ProjectEnvironments"), space.id),
        tenant_tags=body.texts("TenantTags"),
    )
    tenant.description = body.text("Description", "") or ""
    return ApiResponse(201, tenant_resource(tenant))


def get_tenant(ctx: RequestContext) -> dict[str, Any]:
    """``GET …/tenants/{id}``."""
    return tenant_resource(ctx.find(ctx.deployments.tenants.get, Permission.TenantView))


_P = Permission
ROUTES: tuple[Route, ...] = (
    Route("GET", "/api/projectgroups", list_project_groups, permission=_P.ProjectView,
          link="ProjectGroups", link_template="{/id}" + PROJECT_GROUP_QUERY),
    Route("GET", "/api/projectgroups/{id}", get_project_group, permission=_P.ProjectView,
          authorizes_itself=True),
    Route("GET", "/api/projects", list_projects, permission=_P.ProjectView,
          link="Projects", link_template="{/id}" + PROJECT_QUERY),
    Route("POST", "/api/projects", create_project, permission=_P.ProjectCreate,
          authorizes_itself=True),
    Route("GET", "/api/projects/all", list_all_projects, permission=_P.ProjectView),
    Route("GET", "/api/projects/{id}", get_project, permission=_P.ProjectView,
          authorizes_itself=True),
    Route("GET", "/api/projects/{id}/deploymentsettings", get_project_deployment_settings,
          permission=_P.ProjectView, authorizes_itself=True),
    Route("GET", "/api/deploymentsettings/{id}", get_deployment_settings,
          permission=_P.ProjectView, authorizes_itself=True),
    Route("GET", "/api/projects/{id}/channels", list_project_channels,
          permission=_P.ProjectView, authorizes_itself=True),
    Route("GET", "/api/channels", list_channels, permission=_P.ProjectView,
          link="Channels", link_template="{/id}" + CHANNEL_QUERY),
    Route("GET", "/api/channels/{id}", get_channel, permission=_P.ProjectView,
          authorizes_itself=True),
    Route("GET", "/api/lifecycles", list_lifecycles, permission=_P.LifecycleView,
          link="Lifecycles", link_template="{/id}" + LIFECYCLE_QUERY),
    Route("GET", "/api/lifecycles/{id}", get_lifecycle, permission=_P.LifecycleView,
          authorizes_itself=True),
    Route("GET", "/api/lifecycles/{id}/preview", get_lifecycle_preview,
          permission=_P.LifecycleView, authorizes_itself=True),
    Route("GET", "/api/tenants", list_tenants, permission=_P.TenantView,
          link="Tenants", link_template="{/id}" + TENANT_QUERY),
    Route("POST", "/api/tenants", create_tenant, permission=_P.TenantCreate,
          authorizes_itself=True),
    Route("GET", "/api/tenants/{id}", get_tenant, permission=_P.TenantView,
          authorizes_itself=True),
)
