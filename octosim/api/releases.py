"""Releases and deployments on the classic routes (octopus-deployments.md §1.5, §1.6, §1.8),
as resources, handlers and :data:`ROUTES`.

Creates answer **201** with the resource, whose ``Links.Self`` the C# client GETs straight
after; a deployment carries ``Links.Task`` and its Deploy task is queued before the answer,
so the task is listed at once. Lists are newest first. The rules (versions, lifecycles,
channels, "no steps to run") are the deployment model's, in Octopus's words.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from octosim.api.bodies import Body, read_body
from octosim.api.context import RequestContext
from octosim.api.errors import bad_request, resource_not_found
from octosim.api.messages import ApiResponse
from octosim.api.projects import find_project, paged, space_items
from octosim.api.router import Route
from octosim.api.timefmt import Dates
from octosim.model.deploy_tasks import queue_deployment
from octosim.model.deployment_rules import (
    allowed_environment_ids,
    create_deployment,
    create_release,
)
from octosim.model.deployment_store import DeploymentStore
from octosim.model.deployments import Deployment
from octosim.model.releases import Release
from octosim.model.states import TaskState
from octosim.model.tasks import Task
from octosim.model.world import Permission, User

__all__ = [
    "DEPLOYMENT_QUERY",
    "NO_PROJECT",
    "RELEASE_QUERY",
    "ROUTES",
    "create_deployment_route",
    "create_release_route",
    "deployed_by",
    "deployment_fields",
    "deployment_filters",
    "deployment_resource",
    "get_deployment",
    "get_deployment_template",
    "get_project_release",
    "get_release",
    "list_deployments",
    "list_project_releases",
    "list_release_deployments",
    "list_releases",
    "release_resource",
    "start_deployment",
]

RELEASE_QUERY = "{?skip,ignoreChannelRules,take,ids}"
DEPLOYMENT_QUERY = "{?skip,take,ids,projects,environments,tenants,channels,taskState,partialName}"
#: Swagger 2021.2's 400 text for a release without a project (§1.8).
NO_PROJECT = "No project ID was specified."


# -- resources ---------------------------------------------------------------------------------
def release_resource(release: Release, dates: Dates) -> dict[str, Any]:
    """Return a ReleaseResource with the links the C# client follows (§1.5)."""
    space, rid = release.space_id, release.id
    base = f"/api/{space}/releases/{rid}"
    return {
        "Id": rid, "SpaceId": space, "ProjectId": release.project_id,
        "ChannelId": release.channel_id, "Version": release.version,
        "ReleaseNotes": release.release_notes, "Assembled": dates.iso(release.created),
        "IgnoreChannelRules": False,
        "ProjectDeploymentProcessSnapshotId": release.project_deployment_process_snapshot_id,
        "ProjectVariableSetSnapshotId": release.project_variable_set_snapshot_id,
        "LibraryVariableSetSnapshotIds": [], "SelectedPackages": [], "BuildInformation": [],
        "VersionControlReference": None,
        "Links": {
            "Self": base,
            "Project": f"/api/{space}/projects/{release.project_id}",
            "Channel": f"/api/{space}/channels/{release.channel_id}",
            "Deployments": f"{base}/deployments{{?skip,take}}",
            "DeploymentTemplate": f"{base}/deployments/template",
            "Artifacts": f"/api/{space}/artifacts?regarding={rid}",
            "SnapshotVariables": f"{base}/snapshot-variables",
            "Progression": f"{base}/progression",
            "Web": f"/app#/{space}/releases/{rid}",
        },
    }


def deployed_by(users: Mapping[str, User], user_id: str | None) -> dict[str, str | None]:
    """``DeployedBy`` (the username: UNCONFIRMED, docs/deployments.md) and ``DeployedById`` of
    a deployment or runbook run created by ``user_id`` (None: made through the model)."""
    user = users.get(user_id) if user_id is not None else None
    return {"DeployedBy": user.username if user else None,
            "DeployedById": user.id if user else None}


def deployment_resource(deployment: Deployment, store: DeploymentStore,
                        dates: Dates) -> dict[str, Any]:
    """Return a DeploymentResource; ``Links.Task`` is the Deploy task (§1.5)."""
    space, did = deployment.space_id, deployment.id
    release = store.releases[deployment.release_id]
    links = {
        "Self": f"/api/{space}/deployments/{did}",
        "Release": f"/api/{space}/releases/{deployment.release_id}",
        "Environment": f"/api/{space}/environments/{deployment.environment_id}",
        "Project": f"/api/{space}/projects/{deployment.project_id}",
        "Interruptions": f"/api/{space}/interruptions?regarding={did}",
        "Artifacts": f"/api/{space}/artifacts?regarding={did}",
        "Web": f"/app#/{space}/deployments/{did}",
    }
    if deployment.task_id:
        links["Task"] = f"/api/tasks/{deployment.task_id}"
    return {
        "Id": did, "SpaceId": space, "Name": deployment.name,
        "ProjectId": deployment.project_id, "ReleaseId": deployment.release_id,
        "ChannelId": deployment.channel_id, "EnvironmentId": deployment.environment_id,
        "TenantId": deployment.tenant_id, "TaskId": deployment.task_id,
        "Created": dates.iso(deployment.created), "Comments": deployment.comments,
        **deployed_by(store.world.users, deployment.created_by), "DeployedToMachineIds": [],
        "DeploymentProcessId": release.project_deployment_process_snapshot_id,
        "ManifestVariableSetId": release.project_variable_set_snapshot_id,
        "SkipActions": list(deployment.skip_actions),
        "SpecificMachineIds": list(deployment.specific_machine_ids),
        "ExcludedMachineIds": list(deployment.excluded_machine_ids),
        "ForcePackageDownload": False,
        "ForcePackageRedeployment": deployment.force_package_redeployment,
        # As asked; not asked (the environment's default) shows false: the resource's field
        # is a non-nullable bool in Octopus's clients.
        "UseGuidedFailure": deployment.use_guided_failure is True,
        "QueueTime": dates.iso_or_none(deployment.queue_time),
        "QueueTimeExpiry": dates.iso_or_none(deployment.queue_time_expiry),
        "FormValues": {}, "FailureEncountered": deployment.succeeded is False,
        "Changes": [], "ChangesMarkdown": None, "TentacleRetentionPeriod": None,
        "Links": links,
    }


# -- shared with the executions API ------------------------------------------------------------
def start_deployment(
    ctx: RequestContext, release: Release, environment: str, tenant: str | None,
    fields: dict[str, object],
) -> tuple[Deployment, Task]:
    """Create a deployment of ``release`` (the model's rules) and queue its Deploy task.

    ``environment`` and ``tenant`` (None: untenanted) are ids or names; ``fields`` are
    Deployment attributes (:func:`deployment_fields`).
    Raises DeploymentModelError with Octopus's refusal.
    """
    store = ctx.deployments
    deployment = create_deployment(
        store, release.id, environment, tenant_id=tenant, now=ctx.now,
        created_by=ctx.user.id if ctx.user else None, **fields)
    return deployment, queue_deployment(ctx.engine, store, deployment.id)


def deployment_fields(ctx: RequestContext, body: Body, space_id: str) -> dict[str, object]:
    """Return the Deployment attributes a create body sets (keys in any case). Machine ids
    must name deployment targets of ``space_id`` (a 400 names those that do not, as the
    executions API does for names)."""
    fields: dict[str, object] = {
        "comments": body.text("Comments", "") or "",
        # Absent or null: the environment's (or runbook's) default; false turns it off.
        "use_guided_failure": body.optional_flag("UseGuidedFailure"),
        "force_package_redeployment": body.flag("ForcePackageRedeployment"),
        "queue_time": body.moment(ctx, "QueueTime"),
        "queue_time_expiry": body.moment(ctx, "QueueTimeExpiry"),
    }
    fields["skip_actions"] = body.texts("SkipActions")
    for key, name in (("specific_machine_ids", "SpecificMachineIds"),
                      ("excluded_machine_ids", "ExcludedMachineIds")):
        ids = body.texts(name)
        machines = ctx.world.machines
        unknown = [i for i in ids if i not in machines or machines[i].space_id != space_id]
        if unknown:
            raise bad_request(f"{name}: no deployment target has the id {', '.join(unknown)}.")
        fields[key] = ids
    return fields


# -- handlers ----------------------------------------------------------------------------------
def _find_release(ctx: RequestContext, release_id: str | None = None) -> Release:
    return ctx.find(ctx.deployments.releases.get, Permission.ReleaseView, release_id)


def list_releases(ctx: RequestContext) -> dict[str, Any]:
    """``GET …/releases``: the space's releases, newest first, filtered by ``ids``."""
    releases = space_items(ctx, reversed(ctx.deployments.releases.values()))
    ids = ctx.query.values("ids")
    if ids:
        releases = [r for r in releases if r.id in ids]
    return paged(ctx, "Release", releases, lambda r: release_resource(r, ctx.dates), RELEASE_QUERY)


def get_release(ctx: RequestContext) -> dict[str, Any]:
    """``GET …/releases/{id}``."""
    return release_resource(_find_release(ctx), ctx.dates)


def list_project_releases(ctx: RequestContext) -> dict[str, Any]:
    """``GET …/projects/{id}/releases``: newest first; ``searchByVersion`` keeps versions
    containing the text."""
    project = find_project(ctx, Permission.ReleaseView)
    releases = ctx.deployments.releases_of(project.id)
    search = ctx.query.get("searchByVersion")
    if search:
        releases = [r for r in releases if search.lower() in r.version.lower()]
    return paged(ctx, "Release", releases, lambda r: release_resource(r, ctx.dates),
                 "{?skip,take,searchByVersion}")


def get_project_release(ctx: RequestContext) -> dict[str, Any]:
    """``GET …/projects/{id}/releases/{version}``: 404 if the project has no such version."""
    project = find_project(ctx, Permission.ReleaseView)
    version = ctx.params["version"]
    found = next((r for r in ctx.deployments.releases_of(project.id)
                  if r.version == version), None)
    if found is None:
        raise resource_not_found(version)
    return release_resource(found, ctx.dates)


def create_release_route(ctx: RequestContext) -> ApiResponse:
    """``POST …/releases`` ``{ProjectId, Version, ChannelId?, ReleaseNotes?,
    SelectedPackages?}``: 201 and the release (packages are accepted and ignored: the
    simulator's steps are scripts)."""
    body = read_body(ctx)
    project_id = body.text("ProjectId")
    if project_id is None:
        raise bad_request(NO_PROJECT)
    project = ctx.find(ctx.deployments.projects.get, Permission.ReleaseCreate, project_id)
    ctx.require(Permission.ReleaseCreate, project.space_id)
    version = body.required_text(
        "Version", f'"1.0.0" (GET /api/{project.space_id}/deploymentprocesses/'
                   f'{project.deployment_process_id}/template gives NextVersionIncrement)')
    release = create_release(
        ctx.deployments, project.id, version=version, channel=body.text("ChannelId"),
        release_notes=body.text("ReleaseNotes", "") or "", now=ctx.now,
    )
    return ApiResponse(201, release_resource(release, ctx.dates))


def list_release_deployments(ctx: RequestContext) -> dict[str, Any]:
    """``GET …/releases/{id}/deployments``: the release's deployments, newest first."""
    release = _find_release(ctx)
    ctx.require(Permission.DeploymentView, release.space_id)
    store = ctx.deployments
    deployments = list(reversed(store.deployments_of(release.id)))
    return paged(ctx, "Deployment", deployments,
                 lambda d: deployment_resource(d, store, ctx.dates), "{?skip,take}")


def get_deployment_template(ctx: RequestContext) -> dict[str, Any]:
    """``GET …/releases/{id}/deployments/template``: where the release may go now."""
    release = _find_release(ctx)
    world = ctx.deployments.world
    promote = [
        {"Id": env_id, "Name": world.environments[env_id].name, "Links": {}}
        for env_id in allowed_environment_ids(ctx.deployments, release)
    ]
    return {"IsDeploymentProcessModified": False, "IsVariableSetModified": False,
            "IsLibraryVariableSetModified": False, "DeploymentNotes": None,
            "PromoteTo": promote, "TenantPromotions": []}


_TASK_STATES = {s.value.lower(): s for s in TaskState}


def deployment_filters(ctx: RequestContext, items: list[Any]) -> list[Any]:
    """Apply ``ids``, ``projects``, ``environments``, ``tenants``, ``channels``, ``runbooks``,
    ``taskState`` and ``partialName`` (shared by deployments and runbook runs)."""
    query = ctx.query
    for param, attr in (("ids", "id"), ("projects", "project_id"),
                        ("environments", "environment_id"), ("tenants", "tenant_id"),
                        ("channels", "channel_id"), ("runbooks", "runbook_id")):
        wanted = query.values(param)
        if wanted:
            items = [i for i in items if getattr(i, attr, None) in wanted]
    states = query.values("taskState")
    if states:
        unknown = [s for s in states if s.lower() not in _TASK_STATES]
        if unknown:
            raise bad_request(f"taskState: {', '.join(unknown)} is not a task state; use "
                              f"{', '.join(s.value for s in TaskState)}.")
        wanted_states = {_TASK_STATES[s.lower()] for s in states}
        items = [i for i in items if _task_state(ctx, i.task_id) in wanted_states]
    partial = query.get("partialName")
    if partial:
        items = [i for i in items if partial.casefold() in i.name.casefold()]
    return items


def _task_state(ctx: RequestContext, task_id: str | None) -> TaskState | None:
    task = ctx.engine.get(task_id) if task_id else None
    return task.state if task else None


def list_deployments(ctx: RequestContext) -> dict[str, Any]:
    """``GET …/deployments``: newest first, with the TS client's and C# client's filters."""
    store = ctx.deployments
    items = deployment_filters(ctx, space_items(ctx, reversed(store.deployments.values())))
    return paged(ctx, "Deployment", items,
                 lambda d: deployment_resource(d, store, ctx.dates), DEPLOYMENT_QUERY)


def get_deployment(ctx: RequestContext) -> dict[str, Any]:
    """``GET …/deployments/{id}``."""
    store = ctx.deployments
    return deployment_resource(
        ctx.find(store.deployments.get, Permission.DeploymentView), store, ctx.dates)


def create_deployment_route(ctx: RequestContext) -> ApiResponse:
    """``POST …/deployments`` ``{ReleaseId, EnvironmentId, TenantId?, Comments?, …}``: 201
    and the deployment, its Deploy task already queued (``Links.Task``)."""
    body = read_body(ctx)
    problems = [f"{name} is required, e.g. \"{example}\"."
                for name, example in (("ReleaseId", "Releases-1"),
                                      ("EnvironmentId", "Environments-1"))
                if body.text(name) is None]
    if problems:
        raise bad_request(*problems)
    release = ctx.find(ctx.deployments.releases.get, Permission.DeploymentCreate,
                       body.text("ReleaseId"))
    ctx.require(Permission.DeploymentCreate, release.space_id)
    deployment, _ = start_deployment(
        ctx, release, body.text("EnvironmentId") or "", body.text("TenantId"),
        deployment_fields(ctx, body, release.space_id))
    return ApiResponse(201, deployment_resource(deployment, ctx.deployments, ctx.dates))


_P = Permission
ROUTES: tuple[Route, ...] = (
    Route("GET", "/api/releases", list_releases, permission=_P.ReleaseView,
          link="Releases", link_template="{/id}" + RELEASE_QUERY),
    Route("POST", "/api/releases", create_release_route, permission=_P.ReleaseCreate,
          authorizes_itself=True),
    Route("GET", "/api/releases/{id}", get_release, permission=_P.ReleaseView,
          authorizes_itself=True),
    Route("GET", "/api/releases/{id}/deployments", list_release_deployments,
          permission=_P.DeploymentView, authorizes_itself=True),
    Route("GET", "/api/releases/{id}/deployments/template", get_deployment_template,
          permission=_P.ReleaseView, authorizes_itself=True),
    Route("GET", "/api/projects/{id}/releases", list_project_releases,
          permission=_P.ReleaseView, authorizes_itself=True),
    Route("GET", "/api/projects/{id}/releases/{version}", get_project_release,
          permission=_P.ReleaseView, authorizes_itself=True),
    Route("GET", "/api/deployments", list_deployments, permission=_P.DeploymentView,
          link="Deployments", link_template="{/id}" + DEPLOYMENT_QUERY),
    Route("POST", "/api/deployments", create_deployment_route, permission=_P.DeploymentCreate,
          authorizes_itself=True),
    Route("GET", "/api/deployments/{id}", get_deployment, permission=_P.DeploymentView,
          authorizes_itself=True),
)
