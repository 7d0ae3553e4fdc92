"""The system variables a step sees (octopus-deployments.md §3), with real values.

Each function returns one family as a :class:`~octosim.model.variables.VariableDictionary`;
:func:`variables_for_target` layers them over the project variables resolved for the target,
as a script of a Deploy or RunbookRun task will read them (``$OctopusParameters``,
``#{...}``). All values are strings, as in Octopus. Times are ISO 8601 wall-clock text: a
virtual time plus the clock's epoch.

For a step run on a worker on behalf of a target, ``Octopus.Machine.*`` describe the target,
not the worker (§3, BLOG); ``Octopus.WorkerPool.*`` name the worker's pool.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from octosim.clock import DEFAULT_EPOCH
from octosim.model.datetext import iso_milliseconds
from octosim.model.deployments import release_concurrency_tag, snapshot_concurrency_tag
from octosim.model.machine_environment import tentacle_process_variables
from octosim.model.projects import RUN_ON_SERVER, SCRIPT_BODY, SCRIPT_SYNTAX, TARGET_ROLES
from octosim.model.variables import (
    OutputVariables,
    ScopeContext,
    Variable,
    VariableDictionary,
    resolve,
)

if TYPE_CHECKING:
    from octosim.model.deployment_store import DeploymentStore
    from octosim.model.deployments import Deployment
    from octosim.model.projects import DeploymentAction
    from octosim.model.runbooks import RunbookRun
    from octosim.model.step_plan import PlannedStep
    from octosim.model.world import Machine

__all__ = [
    "DEFAULT_SERVER_URI",
    "TaskInfo",
    "action_variables",
    "deployment_links",
    "deployment_variables",
    "machine_variables",
    "runbook_run_variables",
    "tentacle_agent_variables",
    "variables_for_target",
    "variables_over",
    "worker_pool_variables",
]


#: The server's URL when nothing says otherwise: a fresh Octopus server's listen prefix.
DEFAULT_SERVER_URI = "http://localhost:8065"


@dataclass(frozen=True)
class TaskInfo:
    """What the variables need to know about the task and the server."""

    task_id: str
    description: str
    base_url: str = DEFAULT_SERVER_URI
    queue_time: float | None = None
    queue_time_expiry: float | None = None
    epoch: datetime = DEFAULT_EPOCH

    def when(self, t: float) -> str:
        """Return virtual time ``t`` as ISO wall-clock text."""
        return _wall_text(self.epoch, t)


# A deployment's times are few and repeat (a release and its deployment made at the same
# moment; every deployment of a test suite's world at 0), and making the text costs more than
# the rest of a variable: the text is remembered by all it is made of, the epoch and the time.
@functools.lru_cache(maxsize=256)
def _wall_text(epoch: datetime, t: float) -> str:
    return iso_milliseconds(epoch + timedelta(seconds=t))


def _common(
    store: DeploymentStore, space_id: str, project_id: str, environment_id: str, task: TaskInfo
) -> dict[str, str]:
    space = store.world.space(space_id)
    project = store.projects[project_id]
    group = store.project_groups[project.project_group_id]
    env = store.world.environments[environment_id]
    values = {
        "Octopus.Space.Id": space.id,
        "Octopus.Space.Name": space.name,
        "Octopus.Web.BaseUrl": task.base_url.rstrip("/"),
        "Octopus.Web.ServerUri": task.base_url.rstrip("/"),
        "Octopus.Environment.Id": env.id,
        "Octopus.Environment.Name": env.name,
        "Octopus.Environment.SortOrder": str(env.sort_order),
        "Octopus.Project.Id": project.id,
        "Octopus.Project.Name": project.name,
        "Octopus.ProjectGroup.Id": group.id,
        "Octopus.ProjectGroup.Name": group.name,
        "Octopus.Task.Id": task.task_id,
        "Octopus.Task.Name": task.description,
        "Octopus.Task.QueueTime": task.when(task.queue_time) if task.queue_time else "",
        "Octopus.Task.QueueTimeExpiry": (
            task.when(task.queue_time_expiry) if task.queue_time_expiry else ""
        ),
    }
    machines = [m for m in store.world.machines.values() if environment_id in m.environment_ids]
    for role in sorted({r for m in machines for r in m.roles}):
        ids = ",".join(m.id for m in machines if role in m.roles)
        values[f"Octopus.Environment.MachinesInRole[{role}]"] = ids
    return values


def deployment_links(
    space_id: str, project_id: str, release_id: str, deployment_id: str
) -> dict[str, str]:
    """Return ``Octopus.Web.ProjectLink``, ``…ReleaseLink`` and ``…DeploymentLink``: links
    relative to the server, into its web portal."""
    return {
        "Octopus.Web.ProjectLink": f"/app#/{space_id}/projects/{project_id}",
        "Octopus.Web.ReleaseLink": f"/app#/{space_id}/releases/{release_id}",
        "Octopus.Web.DeploymentLink": f"/app#/{space_id}/deployments/{deployment_id}",
    }


def deployment_variables(
    store: DeploymentStore, deployment: Deployment, task: TaskInfo,
    machine_ids: Sequence[str] = (),
) -> VariableDictionary:
    """Return the deployment-level system variables (``Octopus.Deployment.*``,
    ``Octopus.Release.*``, ``Octopus.Project.*``, ``Octopus.Environment.*``, ``Octopus.Space.*``,
    ``Octopus.Task.*``, ``Octopus.Web.*``); ``machine_ids`` are the machines the deployment
    runs on (``Octopus.Deployment.Machines``)."""
    # One plain dictionary of names as written, made a VariableDictionary once at the end:
    # none of these values is sensitive.
    values = _common(
        store, deployment.space_id, deployment.project_id, deployment.environment_id, task
    )
    release = store.releases[deployment.release_id]
    channel = store.channels[deployment.channel_id]
    values.update({
        "Octopus.Task.Argument[DeploymentId]": deployment.id,
        "Octopus.Deployment.Id": deployment.id,
        "Octopus.Deployment.Name": deployment.name,
        "Octopus.Deployment.Comments": deployment.comments,
        "Octopus.Deployment.Created": task.when(deployment.created),
        "Octopus.Deployment.SpecificMachines": ",".join(deployment.specific_machine_ids),
        "Octopus.Deployment.ExcludedMachines": ",".join(deployment.excluded_machine_ids),
        "Octopus.Deployment.Machines": ",".join(machine_ids),
        "Octopus.Deployment.ForcePackageDownload": str(deployment.force_package_redeployment),
        "Octopus.Release.Id": release.id,
        "Octopus.Release.Number": release.version,
        "Octopus.Release.Notes": release.release_notes,
        "Octopus.Release.Created": task.when(release.created),
        "Octopus.Release.Channel.Name": channel.name,
        **deployment_links(deployment.space_id, deployment.project_id, release.id,
                           deployment.id),
    })
    previous: list[Deployment] = []
    for earlier in store.deployments.values():  # in creation order
        if earlier.id == deployment.id:
            break
        if (earlier.succeeded and earlier.project_id == deployment.project_id
                and earlier.environment_id == deployment.environment_id
                and earlier.tenant_id == deployment.tenant_id):
            previous.append(earlier)
    values["Octopus.Deployment.PreviousSuccessful.Id"] = previous[-1].id if previous else ""
    creator = store.world.users.get(deployment.created_by) if deployment.created_by else None
    if creator is not None:  # made by a request: the user behind its API key
        values["Octopus.Deployment.CreatedBy.Id"] = creator.id
        values["Octopus.Deployment.CreatedBy.Username"] = creator.username
        values["Octopus.Deployment.CreatedBy.DisplayName"] = creator.display_name
        values["Octopus.Deployment.CreatedBy.EmailAddress"] = creator.email
    if deployment.tenant_id:
        tenant = store.tenants[deployment.tenant_id]
        values["Octopus.Deployment.Tenant.Id"] = tenant.id
        values["Octopus.Deployment.Tenant.Name"] = tenant.name
        values["Octopus.Deployment.Tenant.Tags"] = ",".join(tenant.tenant_tags)
    # The tag its task runs under, which create_deployment worked out (one built by hand has none).
    values["Octopus.Task.ConcurrencyTag"] = deployment.concurrency_tag or release_concurrency_tag(
        release, deployment.environment_id, deployment.tenant_id)
    return VariableDictionary.of_system(values)


def runbook_run_variables(
    store: DeploymentStore, run: RunbookRun, task: TaskInfo
) -> VariableDictionary:
    """Return the run-level system variables (``Octopus.Runbook.*``, ``Octopus.RunbookRun.*``,
    ``Octopus.RunbookSnapshot.*`` and the project, environment, space, task families)."""
    values = _common(store, run.space_id, run.project_id, run.environment_id, task)
    runbook = store.runbooks[run.runbook_id]
    snapshot = store.runbook_snapshots[run.runbook_snapshot_id]
    values.update({
        "Octopus.Task.Argument[RunbookRunId]": run.id,
        "Octopus.Runbook.Id": runbook.id,
        "Octopus.Runbook.Name": runbook.name,
        "Octopus.RunbookRun.Id": run.id,
        "Octopus.RunbookRun.Name": run.name,
        "Octopus.RunbookRun.Created": task.when(run.created),
        "Octopus.RunbookRun.CreatedUtc": task.when(run.created),
        "Octopus.RunbookSnapshot.Id": snapshot.id,
        "Octopus.RunbookSnapshot.Name": snapshot.name,
        "Octopus.RunbookSnapshot.Notes": snapshot.notes,
        "Octopus.Web.RunbookSnapshotLink": f"/app#/{run.space_id}/snapshots/{snapshot.id}",
        "Octopus.Web.RunbookRunLink": f"/app#/{run.space_id}/runbookRuns/{run.id}",
    })
    if run.tenant_id:
        tenant = store.tenants[run.tenant_id]
        values["Octopus.Deployment.Tenant.Id"] = tenant.id
        values["Octopus.Deployment.Tenant.Name"] = tenant.name
    values["Octopus.Task.ConcurrencyTag"] = snapshot_concurrency_tag(
        snapshot, run.environment_id, run.tenant_id)
    return VariableDictionary.of_system(values)


def machine_variables(machine: Machine) -> VariableDictionary:
    """Return ``Octopus.Machine.*`` for a target (``Hostname`` only for listening ones)."""
    values = {
        "Octopus.Machine.Id": machine.id,
        "Octopus.Machine.Name": machine.name,
        "Octopus.Machine.Roles": ",".join(machine.roles),
        "Octopus.Machine.Hostname": "",
    }
    if machine.uri.startswith("https://"):
        values["Octopus.Machine.Hostname"] = machine.uri.split("//", 1)[1].split(":", 1)[0]
    return VariableDictionary.of_system(values)


def tentacle_agent_variables(
    os_family: str, instance_name: str = "Tentacle", version: str = "6.3.417"
) -> VariableDictionary:
    """Return ``Octopus.Tentacle.Agent.*`` and ``Octopus.Agent.ProgramDirectoryPath`` for the
    Tentacle (or worker) that runs the script, consistent with its process variables."""
    process = tentacle_process_variables(os_family, instance_name, version)
    return VariableDictionary.of_system({
        "Octopus.Tentacle.Agent.ApplicationDirectoryPath": process["TentacleApplications"],
        "Octopus.Tentacle.Agent.InstanceName": instance_name,
        "Octopus.Tentacle.Agent.ProgramDirectoryPath": process["TentacleProgramDirectoryPath"],
        "Octopus.Agent.ProgramDirectoryPath": process["AgentProgramDirectoryPath"],
    })


def worker_pool_variables(pool_id: str, pool_name: str) -> VariableDictionary:
    """Return ``Octopus.WorkerPool.*`` for a step run on a worker."""
    return VariableDictionary.of_system({"Octopus.WorkerPool.Id": pool_id,
                               "Octopus.WorkerPool.Name": pool_name})


def action_variables(
    planned: PlannedStep, action: DeploymentAction, action_number: int,
    status_code: str = "Running",
) -> VariableDictionary:
    """Return ``Octopus.Step.*`` and ``Octopus.Action.*`` for one action of a planned step."""
    step = planned.step
    return VariableDictionary.of_system({
        "Octopus.Step.Id": step.id,
        "Octopus.Step.Name": step.name,
        "Octopus.Step.Number": str(planned.number),
        "Octopus.Step.Status.Code": status_code,
        "Octopus.Action.Id": action.id,
        "Octopus.Action.Name": action.name,
        "Octopus.Action.Number": f"{planned.number}.{action_number}"
        if len(planned.actions) > 1 else str(planned.number),
        "Octopus.Action.TargetRoles": step.properties.get(TARGET_ROLES, ""),
        "Octopus.Action.RunOnServer": action.properties.get(RUN_ON_SERVER, "false"),
        "Octopus.Action.MaxParallelism": str(planned.max_parallelism),
        "Octopus.Action.IsSkipped": "False",
        "Octopus.Action.Script.ScriptBody": action.properties.get(SCRIPT_BODY, ""),
        "Octopus.Action.Script.Syntax": action.properties.get(SCRIPT_SYNTAX, "PowerShell"),
    })


def variables_for_target(
    project_values: Sequence[Variable],
    task_level: VariableDictionary,
    *,
    context: ScopeContext,
    layers: Iterable[VariableDictionary] = (),
    outputs: OutputVariables | None = None,
    machine_name: str | None = None,
) -> VariableDictionary:
    """Return every variable a script sees: the project variables resolved for ``context``,
    then the task-level system variables, then each of ``layers`` (machine, step, worker
    pool…), then the output variables of earlier steps as seen from ``machine_name``. A
    later layer wins over an earlier one for the same name.
    """
    result = resolve(project_values, context)
    result.update_from(task_level)
    return _layered(result, layers, outputs, machine_name)


def variables_over(
    base: VariableDictionary,
    layers: Iterable[VariableDictionary] = (),
    *,
    outputs: OutputVariables | None = None,
    machine_name: str | None = None,
) -> VariableDictionary:
    """Return a copy of ``base`` (the first layers of :func:`variables_for_target`, made once
    for many targets) with each of ``layers``, then the output variables of earlier steps as
    seen from ``machine_name``, over it: what :func:`variables_for_target` returns."""
    return _layered(base.copy(), layers, outputs, machine_name)


def _layered(
    result: VariableDictionary, layers: Iterable[VariableDictionary],
    outputs: OutputVariables | None, machine_name: str | None,
) -> VariableDictionary:
    for layer in layers:
        result.update_from(layer)
    if outputs:  # most deployments set none: no dictionary of them to build and copy
        result.update_from(outputs.for_machine(machine_name))
    return result
