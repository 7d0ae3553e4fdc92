"""Queueing the ``Deploy`` and ``RunbookRun`` task of a deployment or runbook run.

The REST routes (and the Python API) create a deployment or run with
:mod:`octosim.model.deployment_rules`, then call :func:`queue_deployment` /
:func:`queue_runbook_run`: the task goes through the engine's queue and cap like any other,
with the deployment's ``RunAt``/``NoRunAfter`` as its ``QueueTime``/``QueueTimeExpiry`` and
its concurrency tag (octopus-deployments.md §2.2), so two deployments of one project to one
environment (and tenant) never execute at once.
"""

from __future__ import annotations

from octosim.model.deployment_store import DeploymentStore
from octosim.model.deployments import (
    deploy_description,
    release_concurrency_tag,
    runbook_run_description,
    snapshot_concurrency_tag,
)
from octosim.model.engine import TaskEngine
from octosim.model.tasks import Task

__all__ = ["queue_deployment", "queue_runbook_run"]


def queue_deployment(engine: TaskEngine, store: DeploymentStore, deployment_id: str) -> Task:
    """Queue the ``Deploy`` task of ``deployment_id``; set the deployment's ``task_id``;
    return the task (possibly already Executing).

    Raises KeyError for an unknown deployment, UnknownTaskType if the engine has no Deploy
    executor (:func:`~octosim.model.install.install_deployments` registers it).
    """
    deployment = store.deployments[deployment_id]
    release = store.releases[deployment.release_id]
    project = store.projects[deployment.project_id]
    environment = store.world.environments[deployment.environment_id]
    tenant = store.tenants[deployment.tenant_id] if deployment.tenant_id else None
    task = engine.create(
        deployment.space_id, "Deploy", {"DeploymentId": deployment.id},
        description=deploy_description(project.name, release.version, environment.name,
                                       tenant.name if tenant else None, store.choices),
        queue_time=deployment.queue_time, queue_time_expiry=deployment.queue_time_expiry,
        # A deployment made by create_deployment carries its tag; one built by hand may not.
        concurrency_tag=deployment.concurrency_tag or release_concurrency_tag(
            release, deployment.environment_id, deployment.tenant_id),
    )
    deployment.task_id = task.id
    return task


def queue_runbook_run(engine: TaskEngine, store: DeploymentStore, runbook_run_id: str) -> Task:
    """Queue the ``RunbookRun`` task of ``runbook_run_id``; set the run's ``task_id``;
    return the task. Raises like :func:`queue_deployment`."""
    run = store.runbook_runs[runbook_run_id]
    runbook = store.runbooks[run.runbook_id]
    snapshot = store.runbook_snapshots[run.runbook_snapshot_id]
    environment = store.world.environments[run.environment_id]
    tenant = store.tenants[run.tenant_id] if run.tenant_id else None
    task = engine.create(
        run.space_id, "RunbookRun", {"RunbookRunId": run.id},
        description=runbook_run_description(runbook.name, environment.name,
                                            tenant.name if tenant else None, store.choices),
        queue_time=run.queue_time, queue_time_expiry=run.queue_time_expiry,
        concurrency_tag=snapshot_concurrency_tag(snapshot, run.environment_id, run.tenant_id),
    )
    run.task_id = task.id
    return task
