"""Runbooks, runbook snapshots and runbook runs on the classic routes
(octopus-deployments.md §1.5, §1.7, §5.1, §6.1), as resources, handlers and :data:`ROUTES`.

``POST …/runbooks/{id}/run`` answers **201 with an array** (one run per environment and
tenant, the C# client's ``Runbooks.Run``); ``POST …/runbookRuns`` answers 201 with one run.
Without a snapshot named, the published one runs; with none published the answer is
``Runbook has no published snapshot.``. Snapshots are taken by ``POST
…/projects/{id}/runbookSnapshots?publish=true`` (the TS client's path) or ``POST
…/runbookSnapshots``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any, TypeVar

from octosim.api.bodies import Body, read_body
from octosim.api.context import RequestContext
from octosim.api.errors import bad_request, resource_not_found
from octosim.api.messages import ApiResponse
from octosim.api.processes import parse_steps, process_resource
from octosim.api.projects import find_project, paged, space_items
from octosim.api.releases import deployed_by, deployment_fields, deployment_filters
from octosim.api.router import Route
from octosim.api.timefmt import Dates
from octosim.model.deploy_errors import (
    NO_TAGGED_TENANTS,
    DeploymentModelError,
)
from octosim.model.deploy_tasks import queue_runbook_run
from octosim.model.deployment_rules import (
    check_runbook_run,
    create_runbook_run,
    publish_runbook_snapshot,
)
from octosim.model.deployment_store import DeploymentStore
from octosim.model.projects import DeploymentProcess, Project
from octosim.model.runbooks import (
    EnvironmentScope,
    GuidedFailureMode,
    Runbook,
    RunbookRun,
    RunbookSnapshot,
    guided_failure_by_default,
)
from octosim.model.step_plan import plan_steps
from octosim.model.tasks import Task
from octosim.model.world import Permission, User

__all__ = [
    "ROUTES",
    "RUNBOOK_QUERY",
    "RUNBOOK_RUN_QUERY",
    "create_project_runbook",
    "create_runbook_run_route",
    "create_snapshot",
    "get_project_runbook_process",
    "get_project_snapshot",
    "get_runbook",
    "get_runbook_run",
    "get_snapshot",
    "list_project_runbooks",
    "list_project_snapshots",
    "list_runbook_runs",
    "list_runbooks",
    "list_snapshots",
    "list_space_snapshots",
    "preview_runbook_run",
    "put_project_runbook_process",
    "run_pairs",
    "run_runbook",
    "runbook_resource",
    "runbook_run_resource",
    "snapshot_resource",
    "start_runbook_run",
]

RUNBOOK_QUERY = "{?skip,take,ids,partialName}"
RUNBOOK_RUN_QUERY = "{?skip,take,ids,projects,environments,tenants,runbooks,taskState,partialName}"


# -- resources ---------------------------------------------------------------------------------
def runbook_resource(runbook: Runbook) -> dict[str, Any]:
    """Return a RunbookResource with the links the C# client follows (§1.5)."""
    space, rid = runbook.space_id, runbook.id
    base = f"/api/{space}/runbooks/{rid}"
    return {
        "Id": rid, "SpaceId": space, "ProjectId": runbook.project_id, "Name": runbook.name,
        "Description": runbook.description, "RunbookProcessId": runbook.process.id,
        "PublishedRunbookSnapshotId": runbook.published_runbook_snapshot_id,
        "EnvironmentScope": runbook.environment_scope.value,
        "Environments": list(runbook.environments), "MultiTenancyMode": "Untenanted",
        "DefaultGuidedFailureMode": runbook.default_guided_failure_mode.value,
        "ConnectivityPolicy": {"AllowDeploymentsToNoTargets": True,
                               "ExcludeUnhealthyTargets": False,
                               "SkipMachineBehavior": "None", "TargetRoles": []},
        "RunRetentionPolicy": {"QuantityToKeep": 100, "ShouldKeepForever": False},
        "Links": {
            "Self": base,
            "Project": f"/api/{space}/projects/{runbook.project_id}",
            "RunbookProcess": f"/api/{space}/runbookProcesses/{runbook.process.id}",
            "RunbookSnapshots": f"{base}/runbookSnapshots{{?skip,take,searchByName}}",
            "CreateRunbookRun": f"{base}/run",
            "RunbookRunTemplate": f"{base}/runbookRunTemplate",
            "RunbookSnapshotTemplate": f"{base}/runbookSnapshotTemplate",
            "RunbookRunPreview": f"{base}/runbookRuns/preview/{{environment}}{{/tenant}}",
            "Web": f"/app#/{space}/projects/{runbook.project_id}/operations/runbooks/{rid}",
        },
    }


def snapshot_resource(snapshot: RunbookSnapshot, dates: Dates) -> dict[str, Any]:
    """Return a RunbookSnapshotResource."""
    space = snapshot.space_id
    base = f"/api/{space}/runbookSnapshots/{snapshot.id}"
    return {
        "Id": snapshot.id, "SpaceId": space, "ProjectId": snapshot.project_id,
        "RunbookId": snapshot.runbook_id, "Name": snapshot.name, "Notes": snapshot.notes,
        "Assembled": dates.iso(snapshot.created),
        "FrozenRunbookProcessId": f"{snapshot.process.id}-{snapshot.id}",
        "FrozenProjectVariableSetId": None, "ProjectVariableSetSnapshotId": None,
        "LibraryVariableSetSnapshotIds": [], "SelectedPackages": [],
        "Links": {"Self": base, "Runbook": f"/api/{space}/runbooks/{snapshot.runbook_id}",
                  "RunbookRuns": f"{base}/runbookRuns{{?skip,take}}"},
    }


def runbook_run_resource(run: RunbookRun, dates: Dates,
                         users: Mapping[str, User]) -> dict[str, Any]:
    """Return a RunbookRunResource; ``Links.Task`` is its RunbookRun task; ``users`` are the
    world's, by id (who created it)."""
    space, rid = run.space_id, run.id
    links = {
        "Self": f"/api/{space}/runbookRuns/{rid}",
        "Runbook": f"/api/{space}/runbooks/{run.runbook_id}",
        "RunbookSnapshot": f"/api/{space}/runbookSnapshots/{run.runbook_snapshot_id}",
        "Environment": f"/api/{space}/environments/{run.environment_id}",
        "Project": f"/api/{space}/projects/{run.project_id}",
        "Web": f"/app#/{space}/runbookRuns/{rid}",
    }
    if run.task_id:
        links["Task"] = f"/api/tasks/{run.task_id}"
    return {
        "Id": rid, "SpaceId": space, "Name": run.name, "ProjectId": run.project_id,
        "RunbookId": run.runbook_id, "RunbookSnapshotId": run.runbook_snapshot_id,
        "FrozenRunbookProcessId": None, "EnvironmentId": run.environment_id,
        "TenantId": run.tenant_id, "TaskId": run.task_id, "Created": dates.iso(run.created),
        "Comments": None, **deployed_by(users, run.created_by),
        "DeployedToMachineIds": [], "ManifestVariableSetId": None,
        "SkipActions": list(run.skip_actions),
        "SpecificMachineIds": list(run.specific_machine_ids),
        "ExcludedMachineIds": list(run.excluded_machine_ids),
        "ForcePackageDownload": False, "UseGuidedFailure": run.use_guided_failure is True,
        "QueueTime": dates.iso_or_none(run.queue_time),
        "QueueTimeExpiry": dates.iso_or_none(run.queue_time_expiry),
        "FormValues": {}, "FailureEncountered": run.succeeded is False,
        "TentacleRetentionPeriod": None,
        "Links": links,
    }


# -- shared with the executions API ------------------------------------------------------------
def start_runbook_run(
    ctx: RequestContext, runbook: Runbook, environment: str, *, snapshot: str | None = None,
    tenant: str | None = None, **fields: object,
) -> tuple[RunbookRun, Task]:
    """Create a run of ``runbook`` (the model's rules) and queue its RunbookRun task.

    ``environment``, ``snapshot`` and ``tenant`` are ids or names; ``fields`` are RunbookRun
    attributes. Raises DeploymentModelError with Octopus's refusal.
    """
    store = ctx.deployments
    run = create_runbook_run(store, runbook.id, environment, snapshot=snapshot,
                             tenant_id=tenant, now=ctx.now,
                             created_by=ctx.user.id if ctx.user else None, **fields)
    return run, queue_runbook_run(ctx.engine, store, run.id)


def _run_fields(ctx: RequestContext, body: Body, space_id: str) -> dict[str, object]:
    fields = deployment_fields(ctx, body, space_id)
    for unused in ("comments", "force_package_redeployment"):
        del fields[unused]
    return fields


# -- handlers ----------------------------------------------------------------------------------
def _find_runbook(ctx: RequestContext, runbook_id: str | None = None) -> Runbook:
    return ctx.find(ctx.deployments.runbooks.get, Permission.RunbookView, runbook_id)


def list_runbooks(ctx: RequestContext) -> dict[str, Any]:
    """``GET …/runbooks``: the space's runbooks, filtered by ``ids``/``partialName``."""
    runbooks = _named(ctx, space_items(ctx, ctx.deployments.runbooks.values()))
    return paged(ctx, "Runbook", runbooks, runbook_resource, RUNBOOK_QUERY)


def _named(ctx: RequestContext, runbooks: list[Runbook]) -> list[Runbook]:
    ids = ctx.query.values("ids")
    if ids:
        runbooks = [r for r in runbooks if r.id in ids]
    partial = ctx.query.get("partialName")
    if partial:
        runbooks = [r for r in runbooks if partial.casefold() in r.name.casefold()]
    return runbooks


def list_project_runbooks(ctx: RequestContext) -> dict[str, Any]:
    """``GET …/projects/{id}/runbooks``."""
    project = find_project(ctx, Permission.RunbookView)
    runbooks = _named(ctx, ctx.deployments.runbooks_of(project.id))
    return paged(ctx, "Runbook", runbooks, runbook_resource, RUNBOOK_QUERY)


def get_runbook(ctx: RequestContext) -> dict[str, Any]:
    """``GET …/runbooks/{id}``."""
    return runbook_resource(_find_runbook(ctx))


def _settings(ctx: RequestContext, space_id: str, body: Body) -> dict[str, object]:
    """The runbook fields a create body sets: ``EnvironmentScope`` with its ``Environments``
    (names or ids, kept as ids: an unknown one is a 400 naming it, not a runbook that can
    never run there) and ``DefaultGuidedFailureMode``."""
    fields: dict[str, object] = {}
    scope = body.text("EnvironmentScope")
    named = body.texts("Environments")
    if scope is not None:
        fields["environment_scope"] = _member(EnvironmentScope, "EnvironmentScope", scope)
    if named and fields.get("environment_scope") is not EnvironmentScope.Specified:
        raise bad_request('Environments: only a runbook with "EnvironmentScope": "Specified" '
                          "runs in the environments it lists; send both.")
    if named:
        fields["environments"] = [e.id for e in ctx.deployments.environments(space_id, named)]
    mode = body.text("DefaultGuidedFailureMode")
    if mode is not None:
        fields["default_guided_failure_mode"] = _member(
            GuidedFailureMode, "DefaultGuidedFailureMode", mode)
    return fields


_Member = TypeVar("_Member", bound=StrEnum)


def _member(kind: type[_Member], field: str, text: str) -> _Member:
    for member in kind:
        if member.value.lower() == text.lower():
            return member
    raise bad_request(f"{field}: {text!r} is not one of {', '.join(m.value for m in kind)}.")


def create_project_runbook(ctx: RequestContext) -> ApiResponse:
    """``POST …/projects/{id}/runbooks`` (or ``…/runbooks`` with ``ProjectId``) ``{Name,
    Description?, EnvironmentScope?, Environments?}``: 201 and the runbook."""
    body = read_body(ctx)
    if "id" in ctx.params:
        project = find_project(ctx, Permission.RunbookEdit)
    else:
        project_id = body.required_text("ProjectId", '"Projects-1"')
        project = ctx.find(ctx.deployments.projects.get, Permission.RunbookEdit, project_id)
    ctx.require(Permission.RunbookEdit, project.space_id)
    runbook = ctx.deployments.add_runbook(
        project.id, body.required_text("Name", '"Restart"'),
        description=body.text("Description", "") or "",
        **_settings(ctx, project.space_id, body))
    return ApiResponse(201, runbook_resource(runbook))


def _project_runbook_process(ctx: RequestContext) -> tuple[DeploymentProcess, Runbook]:
    """The process ``{processId}`` of a runbook of project ``{id}``; 404 if the project has
    no runbook with that process."""
    project = find_project(ctx, Permission.ProcessView)
    process_id = ctx.params["processId"]
    for runbook in ctx.deployments.runbooks_of(project.id):
        if runbook.process.id == process_id:
            return runbook.process, runbook
    raise resource_not_found(process_id)


def get_project_runbook_process(ctx: RequestContext) -> dict[str, Any]:
    """``GET …/projects/{id}/runbookProcesses/{processId}`` (the TS client's
    ``RunbookProcessRepository.get``)."""
    process, runbook = _project_runbook_process(ctx)
    return process_resource(process, runbook.id)


def put_project_runbook_process(ctx: RequestContext) -> dict[str, Any]:
    """``PUT …/projects/{id}/runbookProcesses/{processId}``: replace the runbook's steps;
    the process with its new ``Version`` (``RunbookProcessRepository.update``). A snapshot
    taken before keeps the steps it froze."""
    process, runbook = _project_runbook_process(ctx)
    ctx.require(Permission.ProcessEdit, process.space_id)
    steps = parse_steps(read_body(ctx))
    return process_resource(ctx.deployments.set_process(process.id, steps), runbook.id)


def create_snapshot(ctx: RequestContext) -> ApiResponse:
    """``POST …/projects/{id}/runbookSnapshots{?publish}`` or ``POST …/runbookSnapshots``
    ``{RunbookId, Name?, Notes?}``: 201 and the snapshot, published if ``publish=true``."""
    body = read_body(ctx)
    runbook = _find_runbook(ctx, body.required_text("RunbookId", '"Runbooks-1"'))
    if "id" in ctx.params and find_project(ctx, Permission.RunbookView).id != runbook.project_id:
        raise bad_request(f"The runbook {runbook.id} does not belong to this project.")
    ctx.require(Permission.RunbookEdit, runbook.space_id)
    snapshot = publish_runbook_snapshot(
        ctx.deployments, runbook.id, name=body.text("Name"), notes=body.text("Notes", "") or "",
        publish=bool(ctx.query.flag("publish")), now=ctx.now)
    return ApiResponse(201, snapshot_resource(snapshot, ctx.dates))


def list_snapshots(ctx: RequestContext) -> dict[str, Any]:
    """``GET …/runbooks/{id}/runbookSnapshots``: the runbook's snapshots, newest first."""
    runbook = _find_runbook(ctx)
    snapshots = [s for s in reversed(ctx.deployments.runbook_snapshots.values())
                 if s.runbook_id == runbook.id]
    return paged(ctx, "RunbookSnapshot", _named_like(ctx, snapshots),
                 lambda s: snapshot_resource(s, ctx.dates), "{?skip,take,searchByName}")


def _named_like(ctx: RequestContext, snapshots: list[RunbookSnapshot]) -> list[RunbookSnapshot]:
    """``searchByName``: the snapshots whose name holds it (any case)."""
    wanted = ctx.query.get("searchByName")
    if not wanted:
        return snapshots
    return [s for s in snapshots if wanted.casefold() in s.name.casefold()]


def list_space_snapshots(ctx: RequestContext) -> dict[str, Any]:
    """``GET …/runbookSnapshots``: the space's snapshots, newest first, filtered by ``ids``."""
    snapshots = space_items(ctx, reversed(ctx.deployments.runbook_snapshots.values()))
    ids = ctx.query.values("ids")
    if ids:
        snapshots = [s for s in snapshots if s.id in ids]
    return paged(ctx, "RunbookSnapshot", snapshots, lambda s: snapshot_resource(s, ctx.dates),
                 "{?skip,take,ids}")


def list_project_snapshots(ctx: RequestContext) -> dict[str, Any]:
    """``GET …/projects/{id}/runbookSnapshots``: the snapshots of the project's runbooks,
    newest first (the target of the project's ``Links.RunbookSnapshots``)."""
    project = find_project(ctx, Permission.RunbookView)
    snapshots = [s for s in reversed(ctx.deployments.runbook_snapshots.values())
                 if s.project_id == project.id]
    return paged(ctx, "RunbookSnapshot", _named_like(ctx, snapshots),
                 lambda s: snapshot_resource(s, ctx.dates), "{?skip,take,searchByName}")


def get_project_snapshot(ctx: RequestContext) -> dict[str, Any]:
    """``GET …/projects/{id}/runbookSnapshots/{name}``: one snapshot of the project's
    runbooks by name (404 naming it if none)."""
    project = find_project(ctx, Permission.RunbookView)
    name = ctx.params["name"]
    for snapshot in reversed(ctx.deployments.runbook_snapshots.values()):
        if snapshot.project_id == project.id and snapshot.name == name:
            return snapshot_resource(snapshot, ctx.dates)
    raise resource_not_found(name)


def get_snapshot(ctx: RequestContext) -> dict[str, Any]:
    """``GET …/runbookSnapshots/{id}``."""
    snapshot = ctx.find(ctx.deployments.runbook_snapshots.get, Permission.RunbookView)
    return snapshot_resource(snapshot, ctx.dates)


def list_runbook_runs(ctx: RequestContext) -> dict[str, Any]:
    """``GET …/runbookRuns``: newest first, with the TS client's filters."""
    runs = deployment_filters(
        ctx, space_items(ctx, reversed(ctx.deployments.runbook_runs.values())))
    users = ctx.world.users
    return paged(ctx, "RunbookRun", runs, lambda r: runbook_run_resource(r, ctx.dates, users),
                 RUNBOOK_RUN_QUERY)


def get_runbook_run(ctx: RequestContext) -> dict[str, Any]:
    """``GET …/runbookRuns/{id}``."""
    run = ctx.find(ctx.deployments.runbook_runs.get, Permission.RunbookRunView)
    return runbook_run_resource(run, ctx.dates, ctx.world.users)


def create_runbook_run_route(ctx: RequestContext) -> ApiResponse:
    """``POST …/runbookRuns`` ``{RunbookId, EnvironmentId, RunbookSnapshotId?, TenantId?,
    …}``: 201 and the run, its task queued."""
    body = read_body(ctx)
    runbook = _find_runbook(ctx, body.required_text("RunbookId", '"Runbooks-1"'))
    ctx.require(Permission.RunbookRunCreate, runbook.space_id)
    run, _ = start_runbook_run(
        ctx, runbook, body.required_text("EnvironmentId", '"Environments-1"'),
        snapshot=body.text("RunbookSnapshotId"), tenant=body.text("TenantId"),
        **_run_fields(ctx, body, runbook.space_id))
    return ApiResponse(201, runbook_run_resource(run, ctx.dates, ctx.world.users))


def preview_runbook_run(ctx: RequestContext) -> dict[str, Any]:
    """``GET …/runbooks/{id}/runbookRuns/preview/{environment}[/{tenant}]``
    (RunbookRunPreviewResource, the Library's "Run Octopus Deploy Runbook" reads it): what a
    run of the published snapshot would do there, each action with the machines it would run
    on; the form is empty (the simulator has no prompted variables). Refused as the run
    itself would be (the runbook's environments, the tenant's connection)."""
    runbook = _find_runbook(ctx)
    store = ctx.deployments
    [environment] = store.environments(runbook.space_id, [ctx.params["environment"]])
    tenant = (store.tenant(runbook.space_id, ctx.params["tenant"]) if "tenant" in ctx.params
              else None)
    check_runbook_run(store, runbook.id, environment.id,
                      tenant_id=tenant.id if tenant is not None else None)
    assert runbook.published_runbook_snapshot_id is not None, "check_runbook_run refuses none"
    snapshot = store.runbook_snapshots[runbook.published_runbook_snapshot_id]
    plan = plan_steps(snapshot.process, environment.id, "", store.world.machines.values(),
                      tenant=tenant, tenancy=store.tenancy_of, choices=store.choices)
    machines = store.world.machines
    steps = []
    for planned in plan.steps:
        for action in planned.actions:
            # Numbered among all the step's actions, as the process numbers them.
            number = planned.step.actions.index(action) + 1
            steps.append({
                "ActionId": action.id, "ActionName": action.name,
                "ActionNumber": (f"{planned.number}.{number}" if len(planned.step.actions) > 1
                                 else str(planned.number)),
                "Roles": planned.step.target_roles, "IsDisabled": False,  # disabled: not planned
                "CanBeSkipped": True, "HasNoApplicableMachines": planned.is_skipped,
                "MachineNames": [t.machine_name for t in planned.targets],
                "Machines": [{"Id": t.machine_id, "Name": t.machine_name,
                              "HasLatestCalamari": True,
                              "HealthStatus": machines[t.machine_id].health_status.value}
                             for t in planned.targets if t.machine_id in machines],
                "UnavailableMachines": [], "ExcludedMachines": [],
            })
    guided = guided_failure_by_default(runbook.default_guided_failure_mode,
                                       environment.use_guided_failure)
    return {"StepsToExecute": steps, "Form": {"Values": {}, "Elements": []},
            "UseGuidedFailureModeByDefault": guided, "Links": {}}


def run_pairs(store: DeploymentStore, project: Project, environment_ids: Sequence[str],
              tenants: Sequence[str], tags: Sequence[str]) -> list[tuple[str, str | None]]:
    """The (environment id, tenant id) runs a runbook-run command asks for: each tenant named
    (an id or a name, each once) in every environment; each tenant a tag selects only in
    the environments where it is connected; untenanted when none is named or tagged.

    Raises DeploymentModelError (404) for an unknown tenant, and with
    :data:`~octosim.model.deploy_errors.NO_TAGGED_TENANTS` when the tags select no tenant
    and none is named.
    """
    named = list(dict.fromkeys(store.tenant(project.space_id, t).id for t in tenants))
    pairs: list[tuple[str, str | None]] = [(e, t) for e in environment_ids for t in named]
    for environment_id in environment_ids:
        pairs += [(environment_id, tenant.id)
                  for tenant in store.tagged_tenants(project, tags, [environment_id])
                  if tenant.id not in named]
    if tags and not pairs:
        world = store.world
        raise DeploymentModelError(NO_TAGGED_TENANTS.format(
            project=project.name, tags=", ".join(tags),
            environments=" or ".join(world.environments[e].name for e in environment_ids)))
    return pairs or [(e, None) for e in environment_ids]


def run_runbook(ctx: RequestContext) -> ApiResponse:
    """``POST …/runbooks/{id}/run`` (RunbookRunParameters): 201 and an **array** of runs,
    one per environment (``EnvironmentId`` and ``EnvironmentIds``) and tenant."""
    runbook = _find_runbook(ctx)
    ctx.require(Permission.RunbookRunCreate, runbook.space_id)
    body = read_body(ctx)
    environments = [*body.texts("EnvironmentIds"), *body.texts("EnvironmentId")]
    if not environments:
        raise bad_request('EnvironmentId or EnvironmentIds is required, e.g. "Environments-1".')
    store = ctx.deployments
    pairs = run_pairs(
        store, store.projects[runbook.project_id],
        [e.id for e in store.environments(runbook.space_id, list(dict.fromkeys(environments)))],
        [*body.texts("TenantIds"), *body.texts("TenantId")], body.texts("TenantTagNames"))
    snapshot = None if body.flag("UseDefaultSnapshot", True) else body.text(
        "RunbookSnapshotNameOrId")
    fields = _run_fields(ctx, body, runbook.space_id)
    if len(pairs) > 1:  # all or nothing (one alone is checked as it is created)
        for env, tenant in pairs:
            check_runbook_run(store, runbook.id, env, snapshot=snapshot, tenant_id=tenant)
    runs = [start_runbook_run(ctx, runbook, env, snapshot=snapshot, tenant=tenant, **fields)[0]
            for env, tenant in pairs]
    return ApiResponse(201, [runbook_run_resource(r, ctx.dates, ctx.world.users) for r in runs])


_P = Permission
ROUTES: tuple[Route, ...] = (
    Route("GET", "/api/runbooks", list_runbooks, permission=_P.RunbookView,
          link="Runbooks", link_template="{/id}" + RUNBOOK_QUERY),
    Route("POST", "/api/runbooks", create_project_runbook, permission=_P.RunbookEdit,
          authorizes_itself=True),
    Route("GET", "/api/runbooks/{id}", get_runbook, permission=_P.RunbookView,
          authorizes_itself=True),
    Route("POST", "/api/runbooks/{id}/run", run_runbook, permission=_P.RunbookRunCreate,
          authorizes_itself=True),
    Route("GET", "/api/runbooks/{id}/runbookRuns/preview/{environment}", preview_runbook_run,
          permission=_P.RunbookView, authorizes_itself=True),
    Route("GET", "/api/runbooks/{id}/runbookRuns/preview/{environment}/{tenant}",
          preview_runbook_run, permission=_P.RunbookView, authorizes_itself=True),
    Route("GET", "/api/runbooks/{id}/runbookSnapshots", list_snapshots,
          permission=_P.RunbookView, authorizes_itself=True),
    Route("GET", "/api/projects/{id}/runbooks", list_project_runbooks,
          permission=_P.RunbookView, authorizes_itself=True),
    Route("POST", "/api/projects/{id}/runbooks", create_project_runbook,
          permission=_P.RunbookEdit, authorizes_itself=True),
    Route("GET", "/api/projects/{id}/runbookSnapshots", list_project_snapshots,
          permission=_P.RunbookView, authorizes_itself=True),
    Route("GET", "/api/projects/{id}/runbookSnapshots/{name}", get_project_snapshot,
          permission=_P.RunbookView, authorizes_itself=True),
    Route("POST", "/api/projects/{id}/runbookSnapshots", create_snapshot,
          permission=_P.RunbookEdit, authorizes_itself=True),
    Route("GET", "/api/projects/{id}/runbookProcesses/{processId}",
          get_project_runbook_process, permission=_P.ProcessView, authorizes_itself=True),
    Route("PUT", "/api/projects/{id}/runbookProcesses/{processId}",
          put_project_runbook_process, permission=_P.ProcessView, authorizes_itself=True),
    Route("GET", "/api/runbookSnapshots", list_space_snapshots, permission=_P.RunbookView,
          link="RunbookSnapshots", link_template="{/id}{?skip,take,ids}"),
    Route("POST", "/api/runbookSnapshots", create_snapshot, permission=_P.RunbookEdit,
          authorizes_itself=True),
    Route("GET", "/api/runbookSnapshots/{id}", get_snapshot, permission=_P.RunbookView,
          authorizes_itself=True),
    Route("GET", "/api/runbookRuns", list_runbook_runs, permission=_P.RunbookRunView,
          link="RunbookRuns", link_template="{/id}" + RUNBOOK_RUN_QUERY),
    Route("POST", "/api/runbookRuns", create_runbook_run_route, permission=_P.RunbookRunCreate,
          authorizes_itself=True),
    Route("GET", "/api/runbookRuns/{id}", get_runbook_run, permission=_P.RunbookRunView,
          authorizes_itself=True),
)
