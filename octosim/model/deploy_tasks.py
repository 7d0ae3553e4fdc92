"""Queueing the Deploy and RunbookRun tasks of deployments and runbook runs.

The REST layer calls :func:`queue_deployment` and :func:`queue_runbook_run` once the
deployment model has accepted a request; they create the task through the engine (so the
queue, the cap and ``QueueTime``/``QueueTimeExpiry`` apply) and link it to the resource.

Until the engine has a Deploy / RunbookRun executor of its own, a minimal one based on
:class:`~octosim.model.generic.GenericExecutor` is registered on first use: it runs for a
while and succeeds, recording the outcome so lifecycles can promote. The executors that run
steps on Tentacles replace it by registering under the same names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from octosim.model.deployment_rules import record_deployment_outcome
from octosim.model.deployments import deploy_description, runbook_run_description
from octosim.model.generic import GenericExecutor
from octosim.model.states import TaskState

if TYPE_CHECKING:
    from octosim.model.deployment_store import DeploymentStore
    from octosim.model.engine import TaskEngine
    from octosim.model.executors import Flow, TaskRun
    from octosim.model.tasks import Task

__all__ = ["DEPLOY", "RUNBOOK_RUN", "queue_deployment", "queue_runbook_run"]

#: The task names Octopus gives deployments and runbook runs (§2.1).
DEPLOY = "Deploy"
RUNBOOK_RUN = "RunbookRun"


@dataclass
class _OutcomeRecorder(GenericExecutor):
    """A GenericExecutor that tells the deployment store how a Deploy task ended."""

    store: DeploymentStore | None = None

    def execute(self, run: TaskRun) -> Flow:
        """Run as a GenericExecutor; record the deployment's outcome when it ends."""
        store = self.store
        deployment_id = run.task.arguments.get("DeploymentId")
        if store is not None and isinstance(deployment_id, str):
            run.on_end(lambda: record_deployment_outcome(
                store, deployment_id, run.task.state is TaskState.Success))
        return super().execute(run)


def _ensure_executor(engine: TaskEngine, store: DeploymentStore, name: str) -> None:
    if name not in engine.executors:
        engine.register(_OutcomeRecorder(name, f"{name} task", store=store))


def queue_deployment(engine: TaskEngine, store: DeploymentStore, deployment_id: str) -> Task:
    """Queue the Deploy task of a deployment; set its ``task_id``; return the task."""
    deployment = store.deployments[deployment_id]
    _ensure_executor(engine, store, DEPLOY)
    project = store.projects[deployment.project_id]
    release = store.releases[deployment.release_id]
    environment = store.world.environments[deployment.environment_id]
    tenant = store.tenants[deployment.tenant_id].name if deployment.tenant_id else None
    task = engine.create(
        deployment.space_id, DEPLOY, {"DeploymentId": deployment.id},
        description=deploy_description(
            project.name, release.version, environment.name, tenant, store.choices),
        queue_time=deployment.queue_time, queue_time_expiry=deployment.queue_time_expiry,
    )
    deployment.task_id = task.id
    return task


def queue_runbook_run(engine: TaskEngine, store: DeploymentStore, runbook_run_id: str) -> Task:
    """Queue the RunbookRun task of a runbook run; set its ``task_id``; return the task."""
    run = store.runbook_runs[runbook_run_id]
    _ensure_executor(engine, store, RUNBOOK_RUN)
    runbook = store.runbooks[run.runbook_id]
    environment = store.world.environments[run.environment_id]
    tenant = store.tenants[run.tenant_id].name if run.tenant_id else None
    task = engine.create(
        run.space_id, RUNBOOK_RUN, {"RunbookRunId": run.id},
        description=runbook_run_description(
            runbook.name, environment.name, tenant, store.choices),
        queue_time=run.queue_time, queue_time_expiry=run.queue_time_expiry,
    )
    run.task_id = task.id
    return task
