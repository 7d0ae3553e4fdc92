"""The ``Deploy`` and ``RunbookRun`` executors (octopus-deployments.md §2).

Each turns its task's ``Arguments`` (``DeploymentId`` / ``RunbookRunId``) into a
:class:`~octosim.model.process_runner.ProcessRun` (the release's or snapshot's process and
variables, the plan, the system variables) and runs it with a
:class:`~octosim.model.process_runner.ProcessRunner`. Neither can be queued by a user
(``POST /api/tasks`` refuses them: :attr:`queueable_by_users`) nor re-run (``CanRerun``
false: :attr:`rerunnable`); they are queued by :mod:`octosim.model.deploy_tasks`.

What both share (the store, the worker pools, the interruption board, the Python step
actions) is one :class:`DeployServices`, made by
:func:`~octosim.model.install.install_deployments`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from octosim.model.deployment_rules import (
    no_targets_error,
    plan_deployment,
    record_deployment_outcome,
)
from octosim.model.deployment_store import DeploymentStore
from octosim.model.executors import ArgumentError, Flow, TaskRun
from octosim.model.interruptions import InterruptionBoard
from octosim.model.process_runner import ProcessRun, ProcessRunner
from octosim.model.runbooks import guided_failure_by_default
from octosim.model.step_actions import StepActions
from octosim.model.step_plan import plan_steps
from octosim.model.system_variables import (
    DEFAULT_SERVER_URI,
    TaskInfo,
    deployment_variables,
    runbook_run_variables,
)
from octosim.model.variables import ScopeContext
from octosim.model.workers import WorkerPools

if TYPE_CHECKING:
    from octosim.model.world import World

__all__ = ["DeployExecutor", "DeployServices", "RunbookRunExecutor"]


@dataclass
class DeployServices:
    """What Deploy and RunbookRun tasks share on one server."""

    store: DeploymentStore
    workers: WorkerPools
    interruptions: InterruptionBoard
    actions: StepActions
    #: The server's URL as its scripts see it (``Octopus.Web.BaseUrl``, ``…ServerUri``): the
    #: simulation's base URL, or the address a live server serves it at.
    server_uri: str = DEFAULT_SERVER_URI

    def runner(self, run: TaskRun, process: ProcessRun) -> ProcessRunner:
        """Return the runner of ``process`` during ``run``."""
        return ProcessRunner(run, process, store=self.store, workers=self.workers,
                             interruptions=self.interruptions, actions=self.actions)


def _task_info(run: TaskRun, server_uri: str) -> TaskInfo:
    task = run.task
    return TaskInfo(task.id, task.description, server_uri, queue_time=task.queue_time,
                    queue_time_expiry=task.queue_time_expiry, epoch=run.clock.epoch)


def _argument(
    arguments: Mapping[str, Any], key: str, known: Mapping[str, object]
) -> dict[str, Any]:
    args = dict(arguments)
    value = args.get(key)
    if not isinstance(value, str) or value not in known:
        raise ArgumentError([f"{key}: {value!r} is not an existing {key[:-2]}; create it "
                             "through the executions API or deployment_rules first"])
    return args


@dataclass
class DeployExecutor:
    """Runs ``Deploy`` tasks: ``Arguments {"DeploymentId": "Deployments-N"}``."""

    services: DeployServices
    name: str = "Deploy"
    description: str = "Deploy a release"
    #: Octopus's ``TasksThatCanBeQueuedByUsers`` does not list Deploy (§2.1).
    queueable_by_users: bool = False
    #: ``CanRerun`` is false on Deploy tasks: users redeploy instead (§2.6).
    rerunnable: bool = False

    def validate(
        self, arguments: Mapping[str, Any], space_id: str, world: World
    ) -> dict[str, Any]:
        """Return the arguments; raise ArgumentError unless DeploymentId names a deployment."""
        return _argument(arguments, "DeploymentId", self.services.store.deployments)

    def execute(self, run: TaskRun) -> Flow:
        """Deploy the release's snapshot to its environment; record how it ended."""
        store = self.services.store
        deployment = store.deployments[run.task.arguments["DeploymentId"]]
        release = store.releases[deployment.release_id]
        environment = run.world.environments[deployment.environment_id]
        plan = plan_deployment(
            store, release, deployment.environment_id, deployment.tenant_id,
            specific_machine_ids=deployment.specific_machine_ids,
            excluded_machine_ids=deployment.excluded_machine_ids,
            skip_actions=deployment.skip_actions,
        )
        error = no_targets_error(store, deployment.project_id, plan)
        if error is not None:
            record_deployment_outcome(store, deployment.id, False)
            return error
        process = ProcessRun(
            deployment.space_id, release.variables,
            deployment_variables(store, deployment, _task_info(run, self.services.server_uri),
                                 plan.machine_ids),
            ScopeContext(deployment.environment_id, channel_id=deployment.channel_id,
                         tenant_id=deployment.tenant_id),
            plan, _asked_or(deployment.use_guided_failure, environment.use_guided_failure),
            tuple(run.world.machines[m].name for m in deployment.specific_machine_ids
                  if m in run.world.machines),
        )
        result = yield from self.services.runner(run, process).flow()
        record_deployment_outcome(store, deployment.id, result is None)
        return result


@dataclass
class RunbookRunExecutor:
    """Runs ``RunbookRun`` tasks: ``Arguments {"RunbookRunId": "RunbookRuns-N"}``."""

    services: DeployServices
    name: str = "RunbookRun"
    description: str = "Run a runbook"
    queueable_by_users: bool = False
    rerunnable: bool = False

    def validate(
        self, arguments: Mapping[str, Any], space_id: str, world: World
    ) -> dict[str, Any]:
        """Return the arguments; raise ArgumentError unless RunbookRunId names a run."""
        return _argument(arguments, "RunbookRunId", self.services.store.runbook_runs)

    def execute(self, run: TaskRun) -> Flow:
        """Run the snapshot's process in the run's environment."""
        store = self.services.store
        runbook_run = store.runbook_runs[run.task.arguments["RunbookRunId"]]
        snapshot = store.runbook_snapshots[runbook_run.runbook_snapshot_id]
        environment = run.world.environments[runbook_run.environment_id]
        tenant = store.tenants[runbook_run.tenant_id] if runbook_run.tenant_id else None
        plan = plan_steps(
            snapshot.process, runbook_run.environment_id, "", run.world.machines.values(),
            tenant=tenant, tenancy=store.tenancy_of, choices=store.choices,
            specific_machine_ids=runbook_run.specific_machine_ids,
            excluded_machine_ids=runbook_run.excluded_machine_ids,
            skip_actions=runbook_run.skip_actions,
        )
        error = no_targets_error(store, runbook_run.project_id, plan)
        if error is not None:
            runbook_run.succeeded = False
            return error
        process = ProcessRun(
            runbook_run.space_id, snapshot.variables,
            runbook_run_variables(store, runbook_run, _task_info(run, self.services.server_uri)),
            ScopeContext(runbook_run.environment_id, tenant_id=runbook_run.tenant_id,
                         process_owner_id=runbook_run.runbook_id),
            plan, _asked_or(runbook_run.use_guided_failure, guided_failure_by_default(
                store.runbooks[runbook_run.runbook_id].default_guided_failure_mode,
                environment.use_guided_failure)),
        )
        result = yield from self.services.runner(run, process).flow()
        runbook_run.succeeded = result is None
        return result


def _asked_or(asked: bool | None, default: bool) -> bool:
    """Return whether guided failure is on: as the deployment or run asked (an explicit
    ``UseGuidedFailure: false`` turns the default off), else ``default``."""
    return default if asked is None else asked
