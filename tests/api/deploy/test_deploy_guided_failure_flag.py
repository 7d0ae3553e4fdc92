"""``UseGuidedFailure`` is tri-state on every route that creates a deployment or a runbook
run: absent or null takes the environment's default (a runbook's
``DefaultGuidedFailureMode``, here ``EnvironmentDefault``), an explicit false turns it off
even when the environment has it on, true turns it on. The resource shows what was asked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from octosim.model.deployment_rules import publish_runbook_snapshot
from octosim.simulation import Simulation
from tests.model.deploy.builders import script_step
from tests.model.deploy.deploy_sim import deploy_sim, project_with

#: Not in the body / null / false / true.
ABSENT = object()
ASKED: list[Any] = [ABSENT, None, False, True, "false"]


def failing_sim(environment_default: bool) -> Simulation:
    """Project Shop, whose deployment process and runbook Fix both fail on app-01."""
    sim = deploy_sim(1)
    env = next(e for e in sim.world.environments.values() if e.name == "Development")
    env.use_guided_failure = environment_default
    project = project_with(sim, [script_step("S", "exit 1", roles="app")])
    store = sim.deployments
    runbook = store.add_runbook(project.id, "Fix")
    store.set_process(runbook.process.id, [script_step("S", "exit 1", roles="app")])
    publish_runbook_snapshot(store, runbook.id)
    return sim


def _with_flag(body: dict[str, Any], asked: Any) -> dict[str, Any]:
    return body if asked is ABSENT else {**body, "UseGuidedFailure": asked}


def executions_deploy(c: httpx.Client, asked: Any) -> tuple[str, str]:
    c.post("/api/Spaces-1/releases/create/v1", json={"ProjectName": "Shop"})
    r = c.post("/api/Spaces-1/deployments/create/untenanted/v1", json=_with_flag({
        "ProjectName": "Shop", "ReleaseVersion": "0.0.1",
        "EnvironmentNames": ["Development"]}, asked))
    assert r.status_code == 200, r.text
    [made] = r.json()["DeploymentServerTasks"]
    return made["ServerTaskId"], f"/api/Spaces-1/deployments/{made['DeploymentId']}"


def classic_deploy(c: httpx.Client, asked: Any) -> tuple[str, str]:
    release = c.post("/api/Spaces-1/releases/create/v1", json={"ProjectName": "Shop"}).json()
    r = c.post("/api/Spaces-1/deployments", json=_with_flag({
        "ReleaseId": release["ReleaseId"], "EnvironmentId": "Environments-1"}, asked))
    assert r.status_code == 201, r.text
    return r.json()["TaskId"], r.json()["Links"]["Self"]


def executions_run(c: httpx.Client, asked: Any) -> tuple[str, str]:
    r = c.post("/api/Spaces-1/runbook-runs/create/v1", json=_with_flag({
        "ProjectName": "Shop", "RunbookName": "Fix",
        "EnvironmentNames": ["Development"]}, asked))
    assert r.status_code == 200, r.text
    [made] = r.json()["RunbookRunServerTasks"]
    return made["ServerTaskId"], f"/api/Spaces-1/runbookRuns/{made['RunbookRunId']}"


def classic_run(c: httpx.Client, asked: Any) -> tuple[str, str]:
    r = c.post("/api/Spaces-1/runbookRuns", json=_with_flag({
        "RunbookId": "Runbooks-1", "EnvironmentId": "Environments-1"}, asked))
    assert r.status_code == 201, r.text
    return r.json()["TaskId"], r.json()["Links"]["Self"]


@pytest.mark.parametrize("create", [executions_deploy, classic_deploy, executions_run,
                                    classic_run])
@pytest.mark.parametrize("environment_default", [False, True])
@pytest.mark.parametrize("asked", ASKED)
def test_use_guided_failure_is_tri_state(
    create: Callable[[httpx.Client, Any], tuple[str, str]], environment_default: bool,
    asked: Any,
) -> None:
    sim = failing_sim(environment_default)
    with sim.client() as c:
        task_id, resource = create(c, asked)
        sim.clock.advance_to(100)
        task = c.get(f"/api/tasks/{task_id}").json()
        on = environment_default if asked in (ABSENT, None) else asked in (True, "true")
        wanted = ("Executing", True) if on else ("Failed", False)
        assert (task["State"], task["HasPendingInterruptions"]) == wanted
        shown = c.get(resource).json()["UseGuidedFailure"]
        assert shown is (asked is True or asked == "true")
