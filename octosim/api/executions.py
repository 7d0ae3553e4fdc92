"""The executions API (octopus-deployments.md §1.1–§1.4, §6.1): the command routes the TS
client, the GitHub actions and the Go CLI use, with names where the classic routes take ids.

- ``POST …/releases/create/v1`` → ``{ReleaseId, ReleaseVersion}``;
- ``POST …/deployments/create/untenanted/v1`` → ``{DeploymentServerTasks: [{DeploymentId,
  ServerTaskId}]}``, one per environment;
- ``POST …/deployments/create/tenanted/v1`` → the same shape, one per tenant;
- ``POST …/runbook-runs/create/v1`` → ``{RunbookRunServerTasks: [{RunbookRunId,
  ServerTaskId}]}``, one per environment and tenant.

A command naming several environments or tenants is all or nothing: each is checked
(``check_deployment``, ``check_runbook_run``) before any is created, so a 4xx leaves
nothing running that the client was told had failed.

Body keys bind case-insensitively (the Go CLI sends camelCase, the TS client PascalCase plus
``spaceId``); ``spaceIdOrName`` may hold the space's id (Go) or name (TS). Projects are
found by name, slug or id; channels, runbooks, tenants, snapshots and environments by name
or id. The status is 200 (UNCONFIRMED, §7.1: every client accepts any 2xx). None of these
routes is in the 2021.2 Swagger; a client only calls them when the root's ``Version`` is at
least 2022.3.5512 (:attr:`~octosim.options.ServerOptions.version`). Prompted ``Variables``,
packages, Git references and deployment freezes are accepted and ignored: the simulator has
no prompted variables, packages, Git projects or freezes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from octosim.api.bodies import Body, read_body
from octosim.api.context import RequestContext
from octosim.api.errors import bad_request
from octosim.api.releases import start_deployment
from octosim.api.router import Route
from octosim.api.runbooks import run_pairs, start_runbook_run
from octosim.model.deploy_errors import NO_TAGGED_TENANTS, DeploymentModelError
from octosim.model.deployment_rules import (
    check_deployment,
    check_runbook_run,
    create_release,
)
from octosim.model.projects import Project
from octosim.model.tenants import Tenant
from octosim.model.world import Permission, Space

__all__ = [
    "NO_TENANTS",
    "ROUTES",
    "create_release_v1",
    "create_runbook_run_v1",
    "create_tenanted_deployment_v1",
    "create_untenanted_deployment_v1",
]

#: A tenanted command that names no tenant (UNCONFIRMED wording, §7.1).
NO_TENANTS = "At least one tenant or tenant tag must be specified for a tenanted deployment."


def _space(ctx: RequestContext, body: Body) -> Space:
    """The path's space; else ``spaceId``, else ``spaceIdOrName`` (an id or a name)."""
    if ctx.space_id is not None:
        return ctx.world.spaces[ctx.space_id]
    explicit = body.text("spaceId")
    if explicit is not None:
        return ctx.space(explicit, what="spaceId")
    either = body.text("spaceIdOrName")
    if either is None:
        return ctx.world.default_space
    for space in ctx.world.spaces.values():
        if either in (space.id, space.name) or either.casefold() == space.name.casefold():
            return space
    raise bad_request(f"spaceIdOrName: no space has the id or name {either!r}.")


def _project(ctx: RequestContext, body: Body, permission: Permission) -> Project:
    space = _space(ctx, body)
    ctx.require(permission, space.id)
    return ctx.deployments.project(space.id, body.required_text("ProjectName", '"My Project"'))


def _machine_ids(ctx: RequestContext, space_id: str, body: Body, name: str) -> list[str]:
    """Machine names (or ids) of ``name`` as ids; 400 naming those not in the space."""
    wanted = body.texts(name)
    if not wanted:  # the usual case: no need to go through every machine of the world
        return []
    by_key = {}
    for machine in ctx.world.machines.values():
        if machine.space_id == space_id:
            by_key[machine.id] = machine.id
            by_key[machine.name.casefold()] = machine.id
    missing = [w for w in wanted if w not in by_key and w.casefold() not in by_key]
    if missing:
        raise bad_request(f"{name}: no deployment target is named {', '.join(missing)}.")
    return [by_key.get(w) or by_key[w.casefold()] for w in wanted]


def _fields(ctx: RequestContext, space_id: str, body: Body) -> dict[str, object]:
    """The Deployment/RunbookRun attributes the command base sets (§1.2, §1.4)."""
    return {
        "use_guided_failure": body.optional_flag("UseGuidedFailure"),
        "skip_actions": body.texts("SkipStepNames"),
        "specific_machine_ids": _machine_ids(ctx, space_id, body, "SpecificMachineNames"),
        "excluded_machine_ids": _machine_ids(ctx, space_id, body, "ExcludedMachineNames"),
        "queue_time": body.moment(ctx, "RunAt"),
        "queue_time_expiry": body.moment(ctx, "NoRunAfter"),
    }


def _tenants(ctx: RequestContext, project: Project, body: Body,
             environment_ids: Sequence[str]) -> list[Tenant]:
    """The tenants named (names or ids) plus those carrying any of ``TenantTags`` that are
    connected to the project in one of ``environment_ids``: a tag selects among the
    project's tenants (``--tenant-tag`` deploys to them), while a tenant named but not
    connected is refused by the deployment rules with their message."""
    store = ctx.deployments
    chosen = {t.id: t for t in (store.tenant(project.space_id, n) for n in body.texts("Tenants"))}
    for tenant in store.tagged_tenants(project, body.texts("TenantTags"), environment_ids):
        chosen.setdefault(tenant.id, tenant)
    return list(chosen.values())


# -- handlers ----------------------------------------------------------------------------------
def create_release_v1(ctx: RequestContext) -> dict[str, Any]:
    """``POST …/releases/create/v1``: a release of the project (the next version of its
    template unless ``ReleaseVersion``), on ``ChannelName`` or the default channel."""
    body = read_body(ctx)
    project = _project(ctx, body, Permission.ReleaseCreate)
    release = create_release(
        ctx.deployments, project.id, version=body.text("ReleaseVersion"),
        channel=body.text("ChannelName"), release_notes=body.text("ReleaseNotes", "") or "",
        ignore_if_already_exists=body.flag("IgnoreIfAlreadyExists"), now=ctx.now,
    )
    return {"ReleaseId": release.id, "ReleaseVersion": release.version}


def create_untenanted_deployment_v1(ctx: RequestContext) -> dict[str, Any]:
    """``POST …/deployments/create/untenanted/v1``: one deployment per environment of
    ``EnvironmentNames``, each with its Deploy task queued."""
    body = read_body(ctx)
    project = _project(ctx, body, Permission.DeploymentCreate)
    store = ctx.deployments
    release = store.release(project.id, body.required_text("ReleaseVersion", '"1.0.0"'))
    names = body.texts("EnvironmentNames")
    if not names:
        raise bad_request('EnvironmentNames is required, e.g. ["Development"].')
    environments = store.environments(project.space_id, names)
    fields = _fields(ctx, project.space_id, body)
    if len(environments) > 1:  # all or nothing (one alone is checked as it is created)
        for env in environments:
            check_deployment(store, release.id, env.id, skip_actions=body.texts("SkipStepNames"))
    started = [start_deployment(ctx, release, env.id, None, fields) for env in environments]
    return {"DeploymentServerTasks": [
        {"DeploymentId": d.id, "ServerTaskId": t.id} for d, t in started]}


def create_tenanted_deployment_v1(ctx: RequestContext) -> dict[str, Any]:
    """``POST …/deployments/create/tenanted/v1``: one deployment to ``EnvironmentName`` per
    tenant of ``Tenants`` and ``TenantTags``."""
    body = read_body(ctx)
    project = _project(ctx, body, Permission.DeploymentCreate)
    store = ctx.deployments
    release = store.release(project.id, body.required_text("ReleaseVersion", '"1.0.0"'))
    [environment] = store.environments(
        project.space_id, [body.required_text("EnvironmentName", '"Production"')])
    tenants = _tenants(ctx, project, body, [environment.id])
    if not tenants:
        tags = body.texts("TenantTags")
        raise DeploymentModelError(NO_TAGGED_TENANTS.format(
            project=project.name, environments=environment.name, tags=", ".join(tags))
            if tags else NO_TENANTS)
    fields = _fields(ctx, project.space_id, body)
    if len(tenants) > 1:  # all or nothing, as for untenanted deployments
        for tenant in tenants:
            check_deployment(store, release.id, environment.id, tenant_id=tenant.id,
                             skip_actions=body.texts("SkipStepNames"))
    started = [start_deployment(ctx, release, environment.id, tenant.id, fields)
               for tenant in tenants]
    return {"DeploymentServerTasks": [
        {"DeploymentId": d.id, "ServerTaskId": t.id} for d, t in started]}


def create_runbook_run_v1(ctx: RequestContext) -> dict[str, Any]:
    """``POST …/runbook-runs/create/v1``: a run of ``RunbookName`` per environment (and
    tenant), of ``Snapshot`` or the published snapshot."""
    body = read_body(ctx)
    project = _project(ctx, body, Permission.RunbookRunCreate)
    store = ctx.deployments
    runbook = store.runbook(project.id, body.required_text("RunbookName", '"Restart"'))
    names = body.texts("EnvironmentNames")
    if not names:
        raise bad_request('EnvironmentNames is required, e.g. ["Development"].')
    environments = store.environments(project.space_id, names)
    pairs = run_pairs(store, project, [e.id for e in environments],
                      body.texts("Tenants"), body.texts("TenantTags"))
    fields = _fields(ctx, project.space_id, body)
    snapshot = body.text("Snapshot")
    if len(pairs) > 1:  # all or nothing, as for deployments
        for env_id, tenant in pairs:
            check_runbook_run(store, runbook.id, env_id, snapshot=snapshot, tenant_id=tenant)
    started = [
        start_runbook_run(ctx, runbook, env_id, snapshot=snapshot, tenant=tenant, **fields)
        for env_id, tenant in pairs
    ]
    return {"RunbookRunServerTasks": [
        {"RunbookRunId": r.id, "ServerTaskId": t.id} for r, t in started]}


_P = Permission
#: Each command authorises itself: its space may come from the body.
ROUTES: tuple[Route, ...] = (
    Route("POST", "/api/releases/create/v1", create_release_v1, permission=_P.ReleaseCreate,
          authorizes_itself=True),
    Route("POST", "/api/deployments/create/untenanted/v1", create_untenanted_deployment_v1,
          permission=_P.DeploymentCreate, authorizes_itself=True),
    Route("POST", "/api/deployments/create/tenanted/v1", create_tenanted_deployment_v1,
          permission=_P.DeploymentCreate, authorizes_itself=True),
    Route("POST", "/api/runbook-runs/create/v1", create_runbook_run_v1,
          permission=_P.RunbookRunCreate, authorizes_itself=True),
)
