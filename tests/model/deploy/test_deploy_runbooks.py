"""Runbooks: snapshots, publishing, the published-snapshot rule, environment scope."""

from __future__ import annotations

import pytest

from octosim.model.deploy_errors import DeploymentModelError
from octosim.model.deployment_rules import create_runbook_run, publish_runbook_snapshot
from octosim.model.deployment_store import DeploymentStore
from octosim.model.lifecycles import Phase
from octosim.model.runbooks import EnvironmentScope
from octosim.model.system_variables import TaskInfo, runbook_run_variables
from octosim.model.variables import Variable
from tests.model.deploy.builders import fresh_store, script_step

DEV, TEST, PROD = "Environments-1", "Environments-2", "Environments-3"


def test_a_runbook_has_its_own_process_and_runs_its_published_snapshot(
    store: DeploymentStore,
) -> None:
    project = store.add_project("Spaces-1", "Ops")
    runbook = store.add_runbook(project.id, "Restore Database")
    assert (runbook.id, runbook.runbook_process_id) == (
        "Runbooks-1", "RunbookProcess-Runbooks-1")
    store.set_process(runbook.process.id, [script_step("Restore", on_server=True)])
    with pytest.raises(DeploymentModelError) as caught:
        create_runbook_run(store, runbook.id, PROD)
    assert caught.value.errors == ("Runbook has no published snapshot.",)
    snapshot = publish_runbook_snapshot(store, runbook.id, now=3.0)
    assert snapshot.id == "RunbookSnapshots-1"
    assert runbook.published_runbook_snapshot_id == snapshot.id
    assert snapshot.name.startswith("Snapshot ") and len(snapshot.name) == len("Snapshot 40C9ENM")
    runbook.process.steps.clear()
    assert [s.name for s in snapshot.process.steps] == ["Restore"]
    run = create_runbook_run(store, runbook.id, PROD, now=4.0)
    assert (run.id, run.name, run.runbook_snapshot_id) == (
        "RunbookRuns-1", "Run on Production", snapshot.id)


def test_a_named_snapshot_is_used_and_an_unknown_one_is_a_404(store: DeploymentStore) -> None:
    project = store.add_project("Spaces-1", "Ops")
    runbook = store.add_runbook(project.id, "Job")
    draft = publish_runbook_snapshot(store, runbook.id, name="Draft", publish=False)
    assert runbook.published_runbook_snapshot_id is None
    assert create_runbook_run(store, runbook.id, DEV, snapshot="Draft").runbook_snapshot_id == (
        draft.id)
    with pytest.raises(DeploymentModelError) as caught:
        create_runbook_run(store, runbook.id, DEV, snapshot="Nope")
    assert caught.value.status_code == 404


def test_snapshot_names_replay_for_a_seed() -> None:
    names = []
    for _ in range(2):
        store = fresh_store(seed=7)
        project = store.add_project("Spaces-1", "Ops")
        runbook = store.add_runbook(project.id, "Job")
        names.append(publish_runbook_snapshot(store, runbook.id).name)
    assert names[0] == names[1]


def test_environment_scope_limits_where_a_runbook_runs(store: DeploymentStore) -> None:
    store.add_lifecycle("Spaces-1", "Test only", [Phase("T", [TEST])])
    project = store.add_project("Spaces-1", "Ops", lifecycle="Test only")
    specified = store.add_runbook(project.id, "Specified", environment_scope=(
        EnvironmentScope.Specified), environments=[DEV])
    from_lifecycle = store.add_runbook(project.id, "Lifecycle", environment_scope=(
        EnvironmentScope.FromProjectLifecycles))
    for runbook in (specified, from_lifecycle):
        publish_runbook_snapshot(store, runbook.id)
    assert create_runbook_run(store, specified.id, DEV).environment_id == DEV
    with pytest.raises(DeploymentModelError, match="'Specified' cannot be run in the env"):
        create_runbook_run(store, specified.id, TEST)
    assert create_runbook_run(store, from_lifecycle.id, TEST).environment_id == TEST
    with pytest.raises(DeploymentModelError, match="cannot be run"):
        create_runbook_run(store, from_lifecycle.id, PROD)
    with pytest.raises(AttributeError, match="no field 'bogus'"):
        store.add_runbook(project.id, "Bad", bogus=1)


def test_a_runbook_run_sees_its_system_variables(store: DeploymentStore) -> None:
    project = store.add_project("Spaces-1", "Ops")
    store.set_variables(project.variable_set_id, [
        Variable("Octopus.Task.ConcurrencyTag", "ops-#{Octopus.Environment.Id}")])
    runbook = store.add_runbook(project.id, "Restore Database")
    snapshot = publish_runbook_snapshot(store, runbook.id, name="Snapshot EXAMPLE3")
    run = create_runbook_run(store, runbook.id, PROD, now=60.0)
    seen = runbook_run_variables(store, run, TaskInfo("ServerTasks-3", "Run Restore"))
    assert {k: seen[k] for k in (
        "Octopus.Runbook.Id", "Octopus.Runbook.Name", "Octopus.RunbookRun.Id",
        "Octopus.RunbookRun.Name", "Octopus.RunbookSnapshot.Name", "Octopus.Task.ConcurrencyTag",
        "Octopus.Task.Argument[RunbookRunId]", "Octopus.RunbookRun.Created")} == {
        "Octopus.Runbook.Id": runbook.id, "Octopus.Runbook.Name": "Restore Database",
        "Octopus.RunbookRun.Id": run.id, "Octopus.RunbookRun.Name": "Run on Production",
        "Octopus.RunbookSnapshot.Name": snapshot.name,
        "Octopus.Task.ConcurrencyTag": "ops-Environments-3",
        "Octopus.Task.Argument[RunbookRunId]": run.id,
        "Octopus.RunbookRun.Created": "2024-01-15T09:01:00.000+00:00",
    }
