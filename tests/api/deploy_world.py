"""A deployment world for API tests: a project with a one-step process, a release deployed
once, a tenant, a runbook with a published snapshot and a run, built through the model (not
the API under test), so the API tests read what they did not write themselves."""

from __future__ import annotations

from octosim.model.deploy_tasks import queue_deployment, queue_runbook_run
from octosim.model.deployment_rules import (
    create_deployment,
    create_release,
    create_runbook_run,
    publish_runbook_snapshot,
)
from octosim.model.projects import RUN_ON_SERVER, SCRIPT_BODY, DeploymentAction, DeploymentStep
from octosim.simulation import Simulation

__all__ = ["deployments_in", "hello_step"]


def hello_step() -> DeploymentStep:
    """A step that runs a script on the server: it needs no target."""
    action = DeploymentAction("Say hello", properties={RUN_ON_SERVER: "true",
                                                       SCRIPT_BODY: "Write-Host hi"})
    return DeploymentStep("Say hello", [action])


def deployments_in(sim: Simulation, space_id: str, env_id: str) -> dict[str, str]:
    """Build the world in ``space_id`` (project ``Web``, tenant ``Acme``, runbook
    ``Restart``); return the ids by collection path, plus ``tasks`` (the Deploy and
    RunbookRun task ids, comma-joined) and ``version`` (the release's)."""
    store = sim.deployments
    project = store.add_project(space_id, "Web")
    store.set_process(project.deployment_process_id, [hello_step()])
    release = create_release(store, project.id)
    deployment = create_deployment(store, release.id, env_id)
    deploy_task = queue_deployment(sim.engine, store, deployment.id)
    tenant = store.add_tenant(space_id, "Acme", {project.id: [env_id]}, tenant_tags=["Tier/Gold"])
    runbook = store.add_runbook(project.id, "Restart")
    store.set_process(runbook.process.id, [hello_step()])
    snapshot = publish_runbook_snapshot(store, runbook.id)
    run = create_runbook_run(store, runbook.id, env_id)
    run_task = queue_runbook_run(sim.engine, store, run.id)
    return {
        "/api/projectgroups": project.project_group_id, "/api/projects": project.id,
        "/api/channels": next(c.id for c in store.channels_of(project.id)),
        "/api/lifecycles": project.lifecycle_id, "/api/tenants": tenant.id,
        "/api/deploymentprocesses": project.deployment_process_id,
        "/api/runbookProcesses": runbook.process.id,
        "/api/variables": project.variable_set_id, "/api/releases": release.id,
        "/api/deployments": deployment.id, "/api/runbooks": runbook.id,
        "/api/runbookSnapshots": snapshot.id, "/api/runbookRuns": run.id,
        "tasks": f"{deploy_task.id},{run_task.id}", "version": release.version,
    }
