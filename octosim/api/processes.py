"""Deployment processes, runbook processes, release templates and variable sets
(octopus-deployments.md §1.6, §1.8, §5.1), as resources, handlers and :data:`ROUTES`.

A ``PUT`` replaces the steps (or the variables) and bumps ``Version``; a release made later
snapshots them, one made earlier never changes. Step and action properties are sent and
served as plain strings, as clients send them (``"Octopus.Action.RunOnServer": "true"``);
an object ``{"Value": …}`` (Swagger's PropertyValueResource) is accepted too. A sensitive
variable's value is never served back (``Value: null``), as Octopus does.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from octosim.api.bodies import Body, read_body
from octosim.api.context import RequestContext, json_type_name
from octosim.api.errors import ApiError, bad_request
from octosim.api.projects import find_project, paged, space_items
from octosim.api.router import Route
from octosim.model.deployment_store import DeploymentStore
from octosim.model.projects import (
    ActionCondition,
    DeploymentAction,
    DeploymentProcess,
    DeploymentStep,
    StartTrigger,
    StepCondition,
)
from octosim.model.releases import next_version
from octosim.model.variables import Variable, VariableScope, VariableSet
from octosim.model.world import Permission

__all__ = [
    "PROCESS_NOT_FOUND",
    "ROUTES",
    "get_process",
    "get_project_process",
    "get_release_template",
    "get_runbook_process",
    "get_variables",
    "list_processes",
    "list_runbook_processes",
    "list_variable_sets",
    "parse_steps",
    "parse_variables",
    "process_resource",
    "put_process",
    "put_project_process",
    "put_runbook_process",
    "put_variables",
    "variable_set_resource",
]

#: Swagger 2021.2's 404 text for ``GET /deploymentprocesses/{id}`` (§1.8).
PROCESS_NOT_FOUND = "The deployment process ID specified doesn't exist"

# VariableScope field ↔ the Scope key Octopus uses.
_SCOPE_KEYS = (("environment", "Environment"), ("role", "Role"), ("machine", "Machine"),
               ("channel", "Channel"), ("tenant", "Tenant"), ("action", "Action"),
               ("process_owner", "ProcessOwner"))


# -- resources ---------------------------------------------------------------------------------
def _action_resource(action: DeploymentAction) -> dict[str, Any]:
    return {
        "Id": action.id, "Name": action.name, "ActionType": action.action_type,
        "IsDisabled": action.is_disabled, "IsRequired": False, "CanBeUsedForProjectVersioning":
        False, "Condition": action.condition.value, "WorkerPoolId": None,
        "WorkerPoolVariable": None, "Container": {"Image": None, "FeedId": None},
        "Environments": list(action.environments),
        "ExcludedEnvironments": list(action.excluded_environments),
        "Channels": list(action.channels), "TenantTags": list(action.tenant_tags),
        "Packages": [], "Notes": None, "Properties": dict(action.properties), "Links": {},
    }


def _step_resource(step: DeploymentStep) -> dict[str, Any]:
    return {
        "Id": step.id, "Name": step.name, "Condition": step.condition.value,
        "StartTrigger": step.start_trigger.value,
        "PackageRequirement": step.package_requirement,
        "Properties": dict(step.properties),
        "Actions": [_action_resource(a) for a in step.actions],
    }


def process_resource(process: DeploymentProcess, runbook_id: str | None = None) -> dict[str, Any]:
    """Return a DeploymentProcessResource (a RunbookProcessResource with ``runbook_id``)."""
    space = process.space_id
    data: dict[str, Any] = {
        "Id": process.id, "SpaceId": space, "ProjectId": process.project_id,
        "Version": process.version, "LastSnapshotId": None,
        "Steps": [_step_resource(s) for s in process.steps],
    }
    if runbook_id is None:
        base = f"/api/{space}/deploymentprocesses/{process.id}"
        data["Links"] = {"Self": base, "Project": f"/api/{space}/projects/{process.project_id}",
                         "Template": f"{base}/template{{?channel,releaseId}}"}
    else:
        data["RunbookId"] = runbook_id
        data["Links"] = {"Self": f"/api/{space}/runbookProcesses/{process.id}",
                         "Runbook": f"/api/{space}/runbooks/{runbook_id}"}
    return data


def _variable_resource(variable: Variable) -> dict[str, Any]:
    scope = {key: list(getattr(variable.scope, field))
             for field, key in _SCOPE_KEYS if getattr(variable.scope, field)}
    return {
        "Id": variable.id, "Name": variable.name,
        "Value": None if variable.is_sensitive else variable.value,
        "Description": variable.description or None, "Scope": scope, "IsEditable": True,
        "Prompt": None, "Type": "Sensitive" if variable.is_sensitive else "String",
        "IsSensitive": variable.is_sensitive,
    }


def variable_set_resource(variable_set: VariableSet, store: DeploymentStore) -> dict[str, Any]:
    """Return a VariableSetResource whose ``ScopeValues`` list every environment of the space
    (``octopus-deploy`` finds environments by name there, §1.6), its machines and roles, and
    the owning project's channels."""
    space = variable_set.space_id
    world = store.world
    machines = sorted((m for m in world.machines.values() if m.space_id == space),
                      key=lambda m: m.name.casefold())
    roles = sorted({r for m in machines for r in m.roles}, key=str.casefold)
    owner = variable_set.owner_id
    scope_values = {
        "Environments": [{"Id": e.id, "Name": e.name} for e in store.environments_of(space)],
        "Machines": [{"Id": m.id, "Name": m.name} for m in machines],
        "Roles": [{"Id": r, "Name": r} for r in roles],
        "Channels": [{"Id": c.id, "Name": c.name} for c in store.channels_of(owner)],
        "Actions": [], "TenantTags": [], "Processes": [],
    }
    return {
        "Id": variable_set.id, "SpaceId": space, "OwnerId": owner,
        "Version": variable_set.version,
        "Variables": [_variable_resource(v) for v in variable_set.variables],
        "ScopeValues": scope_values,
        "Links": {"Self": f"/api/{space}/variables/{variable_set.id}"},
    }


# -- parsing -----------------------------------------------------------------------------------
def _properties(raw: object, where: str) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise bad_request(f"{where}.Properties: expected an object of names to strings.")
    out: dict[str, str] = {}
    for key, value in raw.items():
        if isinstance(value, dict):  # PropertyValueResource {Value, IsSensitive, …}
            value = Body(value).raw("Value")
        if value is None:
            continue
        if isinstance(value, bool):
            value = "True" if value else "False"
        if not isinstance(value, str | int | float):
            raise bad_request(f"{where}.Properties.{key}: expected a string.")
        out[str(key)] = str(value)
    return out


def _enum(kind: type[Any], value: str | None, default: Any, where: str) -> Any:
    if value is None:
        return default
    for member in kind:
        if member.value.lower() == value.lower():
            return member
    allowed = ", ".join(m.value for m in kind)
    raise bad_request(f"{where}: {value!r} is not one of {allowed}.")


def _objects(raw: object, where: str) -> list[Body]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(i, dict) for i in raw):
        raise bad_request(f"{where}: expected an array of objects.")
    return [Body(i) for i in raw]


def parse_steps(body: Body) -> list[DeploymentStep]:
    """Return the ``Steps`` of a DeploymentProcessResource body. Raises ApiError (400)
    naming the step or action whose field is wrong."""
    steps: list[DeploymentStep] = []
    for n, raw in enumerate(_objects(body.raw("Steps"), "Steps"), 1):
        name = raw.text("Name") or f"Step {n}"
        where = f"Steps[{name}]"
        actions = []
        for a in _objects(raw.raw("Actions"), f"{where}.Actions"):
            action_name = a.text("Name") or name
            at = f"{where}.Actions[{action_name}]"
            actions.append(DeploymentAction(
                action_name, a.text("ActionType", "Octopus.Script") or "Octopus.Script",
                _properties(a.raw("Properties"), at), a.texts("Environments"),
                a.texts("ExcludedEnvironments"), a.texts("Channels"), a.texts("TenantTags"),
                _enum(ActionCondition, a.text("Condition"), ActionCondition.Success,
                      f"{at}.Condition"),
                a.flag("IsDisabled"), a.text("Id", "") or "",
            ))
        steps.append(DeploymentStep(
            name, actions, _properties(raw.raw("Properties"), where),
            _enum(StepCondition, raw.text("Condition"), StepCondition.Success,
                  f"{where}.Condition"),
            _enum(StartTrigger, raw.text("StartTrigger"), StartTrigger.StartAfterPrevious,
                  f"{where}.StartTrigger"),
            raw.text("PackageRequirement", "LetOctopusDecide") or "LetOctopusDecide",
            raw.text("Id", "") or "",
        ))
    return steps


def parse_variables(body: Body, current: VariableSet) -> list[Variable]:
    """Return the ``Variables`` of a VariableSetResource body. A sensitive variable sent
    back with ``Value: null`` (as it was served) keeps its stored value."""
    stored = {v.id: v for v in current.variables if v.id}
    variables = []
    for raw in _objects(body.raw("Variables"), "Variables"):
        name = raw.required_text("Name", '"DatabaseName"')
        sensitive = raw.flag("IsSensitive")
        value = _value_text(raw.raw("Value"), name)
        var_id = raw.text("Id", "") or ""
        if value is None and var_id in stored:
            value = stored[var_id].value
        scope = Body(_known_scopes(raw.mapping("Scope"), name))
        variables.append(Variable(
            name, "" if value is None else value, sensitive,
            VariableScope(**{field: tuple(scope.texts(key)) for field, key in _SCOPE_KEYS}),
            var_id, raw.text("Description", "") or "",
        ))
    return variables


def _value_text(value: object, name: str) -> str | None:
    """A variable's ``Value``: a string; a boolean as .NET writes it (``True``/``False``); a
    number as its JSON text (``8080``, ``1.5``: how .NET would write an unusual float is not
    reproduced); anything else is a 400."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return json.dumps(value)
    raise bad_request(f"Variables: the Value of {name!r} must be a string, "
                      f"not {json_type_name(value)}.")


def _known_scopes(scope: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    """Return ``scope``; refuse a scope the simulator does not model, rather than drop it and
    apply the value everywhere (an empty one, as a client that sends every key does, is
    nothing to drop)."""
    known = {key.lower() for _, key in _SCOPE_KEYS}
    unknown = [key for key, values in scope.items() if key.lower() not in known and values]
    if unknown:
        raise bad_request(
            f"Variables: {name!r} is scoped by {', '.join(sorted(unknown))}; the simulator "
            f"scopes values by {', '.join(key for _, key in _SCOPE_KEYS)} only.")
    return scope


# -- handlers ----------------------------------------------------------------------------------
def _find_process(ctx: RequestContext, permission: Permission) -> DeploymentProcess:
    try:
        return ctx.find(ctx.deployments.processes.get, permission)
    except ApiError as exc:
        if exc.status == 404:
            raise ApiError(404, PROCESS_NOT_FOUND) from None
        raise


def list_processes(ctx: RequestContext) -> dict[str, Any]:
    """``GET …/deploymentprocesses``: the space's project processes."""
    processes = space_items(ctx, ctx.deployments.processes.values())
    ids = ctx.query.values("ids")
    if ids:
        processes = [p for p in processes if p.id in ids]
    return paged(ctx, "DeploymentProcess", processes, process_resource, "{?skip,take,ids}")


def get_process(ctx: RequestContext) -> dict[str, Any]:
    """``GET …/deploymentprocesses/{id}``; 404 with Octopus's text if unknown."""
    return process_resource(_find_process(ctx, Permission.ProcessView))


def _put(ctx: RequestContext, process: DeploymentProcess) -> DeploymentProcess:
    ctx.require(Permission.ProcessEdit, process.space_id)
    body = read_body(ctx)
    return ctx.deployments.set_process(process.id, parse_steps(body))


def put_process(ctx: RequestContext) -> dict[str, Any]:
    """``PUT …/deploymentprocesses/{id}``: replace the steps; the process with its new
    ``Version``."""
    return process_resource(_put(ctx, _find_process(ctx, Permission.ProcessView)))


def get_project_process(ctx: RequestContext) -> dict[str, Any]:
    """``GET …/projects/{id}/deploymentprocesses`` (newer servers; the TS client's path)."""
    project = find_project(ctx)
    ctx.require(Permission.ProcessView, project.space_id)
    return process_resource(ctx.deployments.process_of(project.id))


def put_project_process(ctx: RequestContext) -> dict[str, Any]:
    """``PUT …/projects/{id}/deploymentprocesses``."""
    process = ctx.deployments.process_of(find_project(ctx).id)
    return process_resource(_put(ctx, process))


def get_release_template(ctx: RequestContext) -> dict[str, Any]:
    """``GET …/deploymentprocesses/{id}/template``: ``NextVersionIncrement`` from the
    project's versioning template and its releases so far; no packages (scripts only)."""
    process = _find_process(ctx, Permission.ProcessView)
    store = ctx.deployments
    project = store.projects[process.project_id]
    versions = [r.version for r in store.releases_of(project.id)]
    return {
        "Id": f"releasetemplate-{process.id}", "DeploymentProcessId": process.id,
        "LastReleaseVersion": versions[0] if versions else None,
        "NextVersionIncrement": next_version(versions, project.release_versioning_template),
        "VersioningPackageStepName": None, "VersioningPackageReferenceName": None,
        "Packages": [], "Links": {},
    }


def _runbook_processes(ctx: RequestContext) -> dict[str, tuple[DeploymentProcess, str]]:
    return {r.process.id: (r.process, r.id) for r in ctx.deployments.runbooks.values()}


def _runbook_of_process(ctx: RequestContext) -> tuple[DeploymentProcess, str]:
    by_id = _runbook_processes(ctx)
    process = ctx.find(lambda key: by_id[key][0] if key in by_id else None,
                       Permission.ProcessView)
    return process, by_id[process.id][1]


def list_runbook_processes(ctx: RequestContext) -> dict[str, Any]:
    """``GET …/runbookProcesses``: the space's runbook processes."""
    pairs = _runbook_processes(ctx)
    processes = space_items(ctx, [p for p, _ in pairs.values()])
    ids = ctx.query.values("ids")
    if ids:
        processes = [p for p in processes if p.id in ids]
    return paged(ctx, "RunbookProcess", processes,
                 lambda p: process_resource(p, pairs[p.id][1]), "{?skip,take,ids}")


def get_runbook_process(ctx: RequestContext) -> dict[str, Any]:
    """``GET …/runbookProcesses/{id}``."""
    process, runbook_id = _runbook_of_process(ctx)
    return process_resource(process, runbook_id)


def put_runbook_process(ctx: RequestContext) -> dict[str, Any]:
    """``PUT …/runbookProcesses/{id}``: replace the runbook's steps."""
    process, runbook_id = _runbook_of_process(ctx)
    return process_resource(_put(ctx, process), runbook_id)


def get_variables(ctx: RequestContext) -> dict[str, Any]:
    """``GET …/variables/{id}``: a project's variable set, with ``ScopeValues``."""
    variable_set = ctx.find(ctx.deployments.variable_sets.get, Permission.VariableView)
    return variable_set_resource(variable_set, ctx.deployments)


def list_variable_sets(ctx: RequestContext) -> list[dict[str, Any]]:
    """``GET …/variables?ids=``: the variable sets asked for (all of the space without
    ``ids``), a plain array as Octopus answers it."""
    store = ctx.deployments
    sets = space_items(ctx, store.variable_sets.values())
    ids = ctx.query.values("ids")
    if ids:
        sets = [v for v in sets if v.id in ids]
    return [variable_set_resource(v, store) for v in sets]


def put_variables(ctx: RequestContext) -> dict[str, Any]:
    """``PUT …/variables/{id}``: replace the variables; the set with its new ``Version``."""
    variable_set = ctx.find(ctx.deployments.variable_sets.get, Permission.VariableView)
    ctx.require(Permission.VariableEdit, variable_set.space_id)
    variables = parse_variables(read_body(ctx), variable_set)
    return variable_set_resource(
        ctx.deployments.set_variables(variable_set.id, variables), ctx.deployments)


_P = Permission
ROUTES: tuple[Route, ...] = (
    Route("GET", "/api/deploymentprocesses", list_processes, permission=_P.ProcessView,
          link="DeploymentProcesses", link_template="{/id}{?skip,take,ids}"),
    Route("GET", "/api/deploymentprocesses/{id}", get_process, permission=_P.ProcessView,
          authorizes_itself=True),
    Route("PUT", "/api/deploymentprocesses/{id}", put_process, permission=_P.ProcessEdit,
          authorizes_itself=True),
    Route("GET", "/api/deploymentprocesses/{id}/template", get_release_template,
          permission=_P.ProcessView, authorizes_itself=True),
    Route("GET", "/api/projects/{id}/deploymentprocesses", get_project_process,
          permission=_P.ProcessView, authorizes_itself=True),
    Route("PUT", "/api/projects/{id}/deploymentprocesses", put_project_process,
          permission=_P.ProcessEdit, authorizes_itself=True),
    Route("GET", "/api/runbookProcesses", list_runbook_processes, permission=_P.ProcessView,
          link="RunbookProcesses", link_template="{/id}{?skip,take,ids}"),
    Route("GET", "/api/runbookProcesses/{id}", get_runbook_process, permission=_P.ProcessView,
          authorizes_itself=True),
    Route("PUT", "/api/runbookProcesses/{id}", put_runbook_process, permission=_P.ProcessEdit,
          authorizes_itself=True),
    Route("GET", "/api/variables", list_variable_sets, permission=_P.VariableView,
          link="Variables", link_template="{/id}{?ids}"),
    Route("GET", "/api/variables/{id}", get_variables, permission=_P.VariableView,
          authorizes_itself=True),
    Route("PUT", "/api/variables/{id}", put_variables, permission=_P.VariableEdit,
          authorizes_itself=True),
)
