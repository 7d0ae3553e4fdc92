"""Scenario keys for deployments (issue 17): lifecycles, project groups, projects (steps,
actions, variables, runbooks), tenants and workers read, write back, build into the
DeploymentStore, and every bad key or dangling name is a located problem; the
seed-deployment presets build the world they describe and deploy as the docs say."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import re
from pathlib import Path
from typing import Any

import pytest

from octosim.model.deploy_tasks import queue_deployment
from octosim.model.deployment_rules import create_deployment, create_release
from octosim.model.executors import Delay, Flow
from octosim.model.projects import (
    MAX_PARALLELISM,
    RUN_ON_SERVER,
    SCRIPT_BODY,
    SCRIPT_SYNTAX,
    TARGET_ROLES,
    ActionCondition,
    StartTrigger,
    StepCondition,
)
from octosim.model.runbooks import EnvironmentScope
from octosim.model.states import TaskState
from octosim.model.step_actions import StepContext
from octosim.model.tasks import ActivityElement, Task
from octosim.model.tenants import TenantedDeploymentParticipation
from octosim.model.variables import VariableScope
from octosim.scenario import (
    ActionSpec,
    AgentSpec,
    LifecycleSpec,
    PhaseSpec,
    ProjectGroupSpec,
    ProjectSpec,
    RunbookSpec,
    Scenario,
    ScenarioError,
    StepSpec,
    TenantProjectSpec,
    TenantSpec,
    VariableSpec,
    WorkersSpec,
    presets,
    restart_presets,
)
from octosim.simulation import Simulation
from restart.validate import load_scenarios

DOC = Path(__file__).resolve().parent.parent / "docs" / "scenarios.md"
DOC_TEXT = DOC.read_text(encoding="utf-8")
_EXAMPLE = re.search(r'```toml\n(name = "java-shop".*?)```', DOC_TEXT, re.S)
assert _EXAMPLE, "docs/scenarios.md lost its deployments example"
EXAMPLE = _EXAMPLE.group(1)


def problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_dict(data)
    return caught.value.problems


def steps(*names: str) -> list[dict[str, Any]]:
    return [{"name": n, "actions": [{"script_body": "Write-Host hi"}]} for n in names]


# -- the docs' example ---------------------------------------------------------------------------
def test_the_docs_example_reads_writes_back_and_builds_what_it_says() -> None:
    scenario = Scenario.from_toml(EXAMPLE)
    assert Scenario.from_toml(scenario.to_toml()) == scenario
    assert Scenario.from_dict(scenario.to_dict()) == scenario
    assert scenario.to_toml() == Scenario.from_toml(scenario.to_toml()).to_toml()

    sim = Simulation.from_scenario(scenario, seed=3)
    store = sim.deployments
    envs = {e.name: e.id for e in sim.world.environments.values()}
    machines = {m.name: m.id for m in sim.world.machines.values()}

    cycle = store.lifecycle("Spaces-1", "Test then Production")
    assert cycle.id == "Lifecycles-2"
    assert [(p.name, p.automatic_deployment_targets) for p in cycle.phases] == [
        ("Test", [envs["Test"]]), ("Production", [envs["Production"]])]
    project = store.project("Spaces-1", "Java App")
    assert store.project_groups[project.project_group_id].name == "Java"
    assert project.lifecycle_id == cycle.id
    assert [c.name for c in store.channels_of(project.id)] == ["Default"]

    install, smoke, notify = store.process_of(project.id).steps
    assert install.properties == {TARGET_ROLES: "web-server,app-server", MAX_PARALLELISM: "1"}
    assert install.max_parallelism == 1
    assert install.actions[0].name == "Install Java"  # an action takes its step's name
    assert install.actions[0].properties == {
        SCRIPT_BODY: "Write-Host 'Installing Java #{JavaVersion}'", SCRIPT_SYNTAX: "PowerShell"}
    assert smoke.start_trigger is StartTrigger.StartWithPrevious
    assert smoke.actions[0].excluded_environments == [envs["Test"]]
    assert notify.condition is StepCondition.Always and notify.target_roles == []
    assert notify.actions[0].runs_on_server and notify.actions[0].script_syntax == "Bash"
    assert all(s.id and s.actions[0].id for s in (install, smoke, notify))

    tenant = store.tenant("Spaces-1", "Acme")
    values = [(v.name, v.value, v.is_sensitive, v.scope)
              for v in store.variables_of(project.id).variables]
    assert values == [
        ("JavaVersion", "21", False, VariableScope()),
        ("JavaVersion", "17", False, VariableScope(environment=(envs["Production"],),
                                                   machine=(machines["app-01"],))),
        ("LicenseKey", "s3cr3t", True, VariableScope()),
    ]
    [runbook] = store.runbooks_of(project.id)
    assert runbook.environment_scope is EnvironmentScope.Specified
    assert runbook.environments == [envs["Production"]]
    assert runbook.process.steps[0].actions[0].action_type == "Octosim.RestartTentacle"
    snapshot = store.runbook_snapshots[str(runbook.published_runbook_snapshot_id)]
    assert len(snapshot.variables) == 3  # the project's variables, set before publishing
    assert tenant.project_environments == {project.id: [envs["Production"]]}
    tenancy = store.tenancy_of(machines["app-01"])
    assert tenancy.participation is TenantedDeploymentParticipation.TenantedOrUntenanted
    assert tenancy.tenant_ids == (tenant.id,)
    assert sim.deploy.workers.workers_per_pool == 2 and sim.deploy.workers.os_family == "Linux"


def test_the_docs_error_example_is_what_reading_says(tmp_path: Path) -> None:
    shown = re.search(r"```\n(ScenarioError: scenario java-shop\.toml.*?)```", DOC_TEXT, re.S)
    assert shown, "docs/scenarios.md lost its deployments error example"
    broken = (EXAMPLE.replace('lifecycle = "Test then Production"', 'lifecycle = "Test first"')
              .replace('excluded_environments = ["Test"]', 'excluded_environments = ["Staging"]'))
    path = tmp_path / "java-shop.toml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        Scenario.load(path)
    message = f"ScenarioError: {caught.value}".replace(str(path), "java-shop.toml")
    assert message == shown.group(1).strip()


def test_every_toml_block_of_the_scenarios_doc_reads() -> None:
    blocks = re.findall(r"```toml\n(.*?)```", DOC_TEXT, re.S)
    assert len(blocks) >= 3
    for block in blocks:
        Scenario.from_toml(block)


def test_the_docs_python_example_runs_and_prints_its_comment() -> None:
    section = DOC_TEXT.split("### In Python", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code.group(1), str(DOC), "exec"), {})
    printed = re.search(r"^# (Success .*)$", code.group(1), re.M)
    assert printed is not None
    assert out.getvalue().strip() == printed.group(1)


# -- Python API and round trip --------------------------------------------------------------------
EVERYTHING = Scenario(
    environments=("Test", "Production"),
    agents=(AgentSpec(name="web-01", environment_name="Test"),
            AgentSpec(name="db-01", os="Linux", environment_name="Production",
                      tenanted_deployment_participation=TenantedDeploymentParticipation.Tenanted,
                      tenants=("Acme",))),
    lifecycles=(LifecycleSpec("Two phases", "d", (
        PhaseSpec("Test", ("Test",), minimum_environments_before_promotion=1),
        PhaseSpec("Rest", optional_environments=("Production",), optional=True))),),
    project_groups=(ProjectGroupSpec("Group", "g"),),
    projects=(ProjectSpec(
        "App", "a", group="Group", lifecycle="Two phases",
        steps=(StepSpec("One", (ActionSpec("First", "Octosim.Thing", "Bash", "echo 1", True,
                                           ("Test",), ("Production",), {"X.Y": "z"},
                                           ActionCondition.Variable, "#{Go}"),),
                        roles=("web-server",), max_parallelism=3,
                        condition=StepCondition.Variable, condition_expression="#{Go}",
                        start_trigger=StartTrigger.StartWithPrevious,
                        properties={"Octopus.Step.Extra": "1"}),),
        variables=(VariableSpec("Go", "True", True, "why", ("Test",), ("web-server",),
                                ("web-01",), ("Acme",)),),
        runbooks=(RunbookSpec("Book", "b", ("Production",), (
            StepSpec("Only", (ActionSpec(script_body="echo"),)),), publish=False),)),),
    tenants=(TenantSpec("Acme", "t", (TenantProjectSpec("App", ("Production",)),)),),
    workers=WorkersSpec(3, "Linux"),
)


def test_a_scenario_with_every_key_writes_and_reads_back_the_same() -> None:
    text = EVERYTHING.to_toml()
    assert Scenario.from_toml(text) == EVERYTHING
    assert Scenario.from_toml(text).to_toml() == text
    assert Scenario.from_dict(EVERYTHING.to_dict()) == EVERYTHING


def test_a_scenario_built_in_python_builds_and_its_unpublished_runbook_has_no_snapshot() -> None:
    sim = Simulation.from_scenario(EVERYTHING, seed=0)
    store = sim.deployments
    project = store.project("Spaces-1", "App")
    [step] = store.process_of(project.id).steps
    assert step.condition is StepCondition.Variable
    assert step.properties["Octopus.Step.ConditionVariableExpression"] == "#{Go}"
    assert step.properties["Octopus.Step.Extra"] == "1"
    [action] = step.actions
    assert action.properties == {"X.Y": "z", SCRIPT_BODY: "echo 1", SCRIPT_SYNTAX: "Bash",
                                 RUN_ON_SERVER: "true",
                                 "Octopus.Action.ConditionVariableExpression": "#{Go}"}
    assert action.condition is ActionCondition.Variable
    [runbook] = store.runbooks_of(project.id)
    assert runbook.published_runbook_snapshot_id is None and not store.runbook_snapshots
    phases = store.lifecycle("Spaces-1", "Two phases").phases
    assert phases[0].minimum_environments_before_promotion == 1
    assert phases[1].is_optional_phase and phases[1].optional_deployment_targets


def test_a_scenario_built_in_python_with_a_dangling_name_is_a_located_scenario_error() -> None:
    bad = dataclasses.replace(EVERYTHING, projects=(ProjectSpec("App", lifecycle="Nope"),))
    with pytest.raises(ScenarioError) as caught:
        Simulation.from_scenario(bad)
    assert caught.value.problems == [
        'projects[0].lifecycle: expected one of the lifecycles ["Default Lifecycle", '
        '"Two phases"], got "Nope"']


def test_the_same_seed_gives_the_same_ids_and_no_projects_draw_nothing() -> None:
    def ids(sim: Simulation) -> list[str]:
        return [i for p in sim.deployments.processes.values() for s in p.steps
                for i in (s.id, *(a.id for a in s.actions))]

    assert ids(Simulation.from_scenario("seed-deployment", seed=5)) == ids(
        Simulation.from_scenario("seed-deployment", seed=5))
    assert ids(Simulation.from_scenario("seed-deployment", seed=5)) != ids(
        Simulation.from_scenario("seed-deployment", seed=6))
    plain, preset = Simulation(seed=2), Simulation.from_scenario("default", seed=2)
    assert plain.world.rng.getstate() == preset.world.rng.getstate()


def test_choices_read_in_any_case_as_octopus_spells_them() -> None:
    scenario = Scenario.from_dict({"projects": [{"name": "P", "steps": [{
        "name": "S", "condition": "always", "start_trigger": "startwithprevious",
        "actions": [{"syntax": "bash", "script_body": "echo"}]}]}], "workers": {"os": "linux"},
        "agents": [{"tenanted_deployment_participation": "tenanted"}]})
    step = scenario.projects[0].steps[0]
    assert step.condition is StepCondition.Always
    assert step.start_trigger is StartTrigger.StartWithPrevious
    assert step.actions[0].syntax == "Bash" and scenario.workers.os == "Linux"
    assert (scenario.agents[0].tenanted_deployment_participation
            is TenantedDeploymentParticipation.Tenanted)


# -- errors, one per key --------------------------------------------------------------------------
ERRORS: list[tuple[dict[str, Any], str]] = [
    ({"projects": [{"name": "P", "stepz": []}]},
     "projects[0]: unknown key 'stepz'; valid keys: description, group, lifecycle, name, "
     "runbooks, steps, variables"),
    ({"projects": [{"steps": []}]}, "projects[0].name: is required"),
    ({"projects": [{"name": " "}]}, 'projects[0].name: expected a name that is not blank, got " "'),
    ({"projects": [{"name": "P", "steps": [{"name": "S"}]}]},
     "projects[0].steps[0].actions: is required"),
    ({"projects": [{"name": "P", "steps": [{"name": "S", "actions": []}]}]},
     "projects[0].steps[0].actions: expected 1 to 20 [[actions]] tables, got 0"),
    ({"projects": [{"name": "P", "steps": [{"name": "S", "actions": [{"script": "x"}]}]}]},
     "projects[0].steps[0].actions[0]: unknown key 'script'; valid keys: action_type, "
     "condition, condition_expression, environments, excluded_environments, name, properties, "
     "run_on_server, script_body, syntax"),
    ({"projects": [{"name": "P", "steps": [{"name": "S", "max_parallelism": 0,
                                            "actions": [{}]}]}]},
     "projects[0].steps[0].max_parallelism: expected a whole number between 1 and 10000"),
    ({"projects": [{"name": "P", "steps": [{"name": "S", "actions": [{"properties": {
        "Octopus.Action.ExecutionTimeout.Minutes": "1.5"}}]}]}]},
     "projects[0].steps[0].actions[0].properties: Octopus.Action.ExecutionTimeout.Minutes must "
     "be a whole number from 0 to 2,147,483,647, not '1.5'"),
    ({"projects": [{"name": "P", "steps": [{"name": "S", "condition": "Sometimes",
                                            "actions": [{}]}]}]},
     'projects[0].steps[0].condition: expected one of "Success", "Failure", "Always", '
     '"Variable", got "Sometimes"'),
    ({"projects": [{"name": "P", "steps": [{"name": "S", "start_trigger": "Now",
                                            "actions": [{}]}]}]},
     'projects[0].steps[0].start_trigger: expected one of "StartAfterPrevious", '
     '"StartWithPrevious", got "Now"'),
    ({"projects": [{"name": "P", "steps": [{"name": "S", "actions": [{"syntax": "cmd"}]}]}]},
     'projects[0].steps[0].actions[0].syntax: expected one of "PowerShell", "Bash", "CSharp", '
     '"Python" (omit it for none), got "cmd"'),
    ({"projects": [{"name": "P", "steps": [{"name": "S", "actions": [
        {"run_on_server": "true"}]}]}]},
     'projects[0].steps[0].actions[0].run_on_server: expected true or false, got "true"'),
    ({"projects": [{"name": "P", "steps": [{"name": "S", "actions": [
        {"properties": {"Octopus.Action.Script.ScriptBody": "x"}}]}]}]},
     "projects[0].steps[0].actions[0].properties: set 'Octopus.Action.Script.ScriptBody' with "
     "the key 'script_body', not in properties"),
    ({"projects": [{"name": "P", "steps": [{"name": "S", "actions": [{}], "properties": {
        "Octopus.Action.TargetRoles": "web"}}]}]},
     "projects[0].steps[0].properties: set 'Octopus.Action.TargetRoles' with the key 'roles'"),
    ({"projects": [{"name": "P", "steps": [{"name": "S", "actions": [{}],
                                            "condition": "Variable"}]}]},
     'projects[0].steps[0].condition_expression: is required when condition = "Variable"'),
    ({"projects": [{"name": "P", "steps": [{"name": "S", "actions": [{}],
                                            "condition_expression": "#{X}"}]}]},
     'projects[0].steps[0].condition_expression: applies only with condition = "Variable"'),
    ({"projects": [{"name": "P", "steps": steps("S", "s")}]},
     "projects[0].steps: two steps are named 'S'; step names must be unique in a process"),
    ({"projects": [{"name": "P", "steps": [
        {"name": "A", "actions": [{}]}, {"name": "B", "actions": [{"name": "A"}]}]}]},
     "projects[0].steps: two actions are named 'A' (an action without a name takes its "
     "step's)"),
    ({"projects": [{"name": "P", "steps": [{"name": "S", "actions": [
        {"environments": ["Staging"]}]}]}]},
     'projects[0].steps[0].actions[0].environments: expected one of the environments '
     '["Development", "Test", "Production"], got "Staging"'),
    ({"projects": [{"name": "P", "lifecycle": "Fast"}]},
     'projects[0].lifecycle: expected one of the lifecycles ["Default Lifecycle"], got "Fast"'),
    ({"projects": [{"name": "P", "group": "Java"}]},
     'projects[0].group: expected one of the project groups ["Default Project Group"], '
     'got "Java"'),
    ({"projects": [{"name": "P"}, {"name": "p"}]},
     "projects: two projects are named 'P'; names must be unique"),
    ({"lifecycles": [{"name": "default lifecycle"}]},
     "lifecycles: two lifecycles are named 'Default Lifecycle'; names must be unique"),
    ({"project_groups": [{"name": "Default Project Group"}]},
     "project_groups: two project groups are named 'Default Project Group'"),
    ({"lifecycles": [{"name": "L", "phases": [{"name": "A", "environments": ["Prod"]}]}]},
     'lifecycles[0].phases[0].environments: expected one of the environments '
     '["Development", "Test", "Production"], got "Prod"'),
    ({"lifecycles": [{"name": "L", "phases": [{"name": "A",
                                                "optional_environments": ["Prod"]}]}]},
     "lifecycles[0].phases[0].optional_environments: expected one of the environments"),
    ({"lifecycles": [{"name": "L", "phases": [{"name": "A", "environments": ["Test"],
                                                "minimum_environments_before_promotion": 2}]}]},
     "lifecycles[0].phases[0].minimum_environments_before_promotion: the phase has 1 "
     "environment(s), so it could never be complete with 2"),
    ({"lifecycles": [{"name": "L", "phases": [{"environments": ["Test"]}]}]},
     "lifecycles[0].phases[0].name: is required"),
    ({"projects": [{"name": "P", "variables": [{"value": "1"}]}]},
     "projects[0].variables[0].name: is required"),
    ({"projects": [{"name": "P", "variables": [{"name": "V", "value": 1}]}]},
     "projects[0].variables[0].value: expected a string, got 1"),
    ({"projects": [{"name": "P", "variables": [{"name": "V", "machines": ["web-09"]}]}]},
     'projects[0].variables[0].machines: expected one of the agents ["web-01"], got "web-09"'),
    ({"projects": [{"name": "P", "variables": [{"name": "V", "environments": ["Prod"]}]}]},
     "projects[0].variables[0].environments: expected one of the environments"),
    ({"projects": [{"name": "P", "variables": [{"name": "V", "tenants": ["Acme"]}]}]},
     'projects[0].variables[0].tenants: expected one of the tenants [], got "Acme"'),
    ({"projects": [{"name": "P", "runbooks": [{"name": "R"}, {"name": "r"}]}]},
     "projects[0].runbooks: two runbooks are named 'R'"),
    ({"projects": [{"name": "P", "runbooks": [{"name": "R", "environments": ["Prod"]}]}]},
     "projects[0].runbooks[0].environments: expected one of the environments"),
    ({"projects": [{"name": "P", "runbooks": [{"name": "R", "steps": [
        {"name": "S", "actions": [{"excluded_environments": ["Prod"]}]}]}]}]},
     "projects[0].runbooks[0].steps[0].actions[0].excluded_environments: expected one of"),
    ({"tenants": [{"name": "T", "projects": [{"project": "Nope"}]}]},
     'tenants[0].projects[0].project: expected one of the projects [], got "Nope"'),
    ({"tenants": [{"name": "T", "projects": [{"environments": []}]}]},
     "tenants[0].projects[0].project: is required"),
    ({"projects": [{"name": "P"}], "tenants": [{"name": "T", "projects": [
        {"project": "P", "environments": ["Prod"]}]}]},
     "tenants[0].projects[0].environments: expected one of the environments"),
    ({"tenants": [{"name": "T"}, {"name": "t"}]}, "tenants: two tenants are named 'T'"),
    ({"projects": [{"name": "P"}], "tenants": [{"name": "T", "projects": [
        {"project": "P"}, {"project": "p"}]}]},
     "tenants[0].projects: the project 'P' is listed twice; list all its environments once"),
    ({"agents": [{"tenants": ["Acme"]}]},
     'agents[0].tenants: expected one of the tenants [], got "Acme"'),
    ({"tenants": [{"name": "Acme"}], "agents": [{"tenants": ["Acme"]}]},
     "agents[0].tenanted_deployment_participation: an agent with tenants takes part in their "
     'deployments only as "Tenanted" or "TenantedOrUntenanted"; set it'),
    ({"agents": [{"tenanted_deployment_participation": "Sometimes"}]},
     "agents[0].tenanted_deployment_participation: expected one of \"Untenanted\", "
     '"Tenanted", "TenantedOrUntenanted" (omit it for none), got "Sometimes"'),
    ({"workers": {"count": 0}}, "workers.count: expected a whole number between 1 and 100"),
    ({"workers": {"os": "macOS"}},
     'workers.os: expected one of "Windows", "Linux", got "macOS"'),
    ({"workers": {"pool": "x"}}, "workers: unknown key 'pool'; valid keys: count, os"),
]


@pytest.mark.parametrize(("data", "expected"), ERRORS, ids=[e for _, e in ERRORS])
def test_each_bad_key_or_name_is_a_problem_naming_it(data: dict[str, Any], expected: str) -> None:
    found = problems(data)
    assert any(p.startswith(expected) for p in found), found
    assert not any("__init__" in p for p in found), found  # never Python's own complaint


def test_every_problem_of_a_document_is_reported_at_once() -> None:
    found = problems({"projects": [{"name": "P", "lifecycle": "X", "group": "Y",
                                    "variables": [{"name": "V", "machines": ["Z"]}]}]})
    assert [p.split(":")[0] for p in found] == [
        "projects[0].group", "projects[0].lifecycle", "projects[0].variables[0].machines"]


# -- the presets ----------------------------------------------------------------------------------
def test_the_deployment_presets_are_presets_but_not_restart_presets() -> None:
    deployment = {"seed-deployment", "seed-deployment-linux", "task-cap-deadlock"}
    assert deployment <= set(presets())
    assert set(restart_presets()) == set(presets()) - deployment
    assert all(not Scenario.load(p).projects for p in restart_presets())


@pytest.mark.parametrize(("preset", "os", "syntax"), [
    ("seed-deployment", "Windows", "PowerShell"), ("seed-deployment-linux", "Linux", "Bash")])
def test_a_seed_deployment_preset_builds_java_app_on_two_default_instances(
    preset: str, os: str, syntax: str
) -> None:
    sim = Simulation.from_scenario(preset)
    machines = list(sim.world.machines.values())
    assert [(m.name, m.os_family, m.roles) for m in machines] == [
        ("web-01", os, ["web-server"]), ("web-02", os, ["web-server"])]
    assert {sim.world.environments[m.environment_ids[0]].name for m in machines} == {
        "Production"}
    for machine in machines:
        assert machine.agent is not None and machine.agent.instance.instance == "Tentacle"
    assert sim.deploy.workers.os_family == os
    store = sim.deployments
    project = store.project("Spaces-1", "Java App")
    install, restart, check = store.process_of(project.id).steps
    assert [s.name for s in (install, restart, check)] == [
        "Install Java", "Restart Tentacle", "Check Java"]
    assert all(s.target_roles == ["web-server"] for s in (install, restart, check))
    assert install.actions[0].script_syntax == check.actions[0].script_syntax == syntax
    assert restart.actions[0].action_type == "Octosim.RestartTentacle"
    assert restart.actions[0].runs_on_server and not restart.actions[0].script_body
    [variable] = store.variables_of(project.id).variables
    assert (variable.name, variable.value) == ("RestartMethod", "Recipe")
    if os == "Windows":
        assert install.actions[0].script_body == (
            "[Environment]::SetEnvironmentVariable('JAVA_HOME', "
            "'C:\\Program Files\\Java\\jdk-21', 'Machine')")
        assert 'Fail-Step "JAVA_HOME is not set"' in check.actions[0].script_body
    else:
        assert install.actions[0].script_body == (
            "echo 'JAVA_HOME=/usr/lib/jvm/java-21' | sudo tee -a /etc/environment")
        assert ('[ -n "$JAVA_HOME" ] || fail_step "JAVA_HOME is not set"'
                in check.actions[0].script_body)
        assert all(a.unit_reads_etc_environment for a in Scenario.load(preset).agents)


def deploy(sim: Simulation) -> Task:
    store = sim.deployments
    release = create_release(store, store.project("Spaces-1", "Java App").id)
    task = queue_deployment(sim.engine, store,
                            create_deployment(store, release.id, "Production").id)
    sim.clock.advance_to(sim.clock.now() + 900)
    return task


def lines(node: ActivityElement) -> list[str]:
    return [entry.message for entry in node.log]


@pytest.mark.parametrize("preset", ["seed-deployment", "seed-deployment-linux"])
def test_without_the_restart_action_step_2_fails_naming_the_type_and_how_to_register_it(
    preset: str
) -> None:
    sim = Simulation.from_scenario(preset)
    task = deploy(sim)
    assert task.state is TaskState.Failed
    _, restart, check = task.log.children
    assert [n.name for n in restart.children] == [
        "Worker-1 on behalf of web-01", "Worker-1 on behalf of web-02"]
    for node in restart.children:
        [reason] = [m for m in lines(node) if "Octosim.RestartTentacle" in m and "register" in m]
        assert "has the ActionType 'Octosim.RestartTentacle'" in reason
        assert "sim.deploy.actions.register('Octosim.RestartTentacle', function)" in reason
    assert not check.children  # skipped after the failure
    assert any("skipped because a previous step failed" in m for m in lines(check))


def restart_target(ctx: StepContext) -> Flow:
    """A stand-in for the restart package's action: restart the target's Tentacle."""
    assert ctx.target is not None and ctx.target.agent is not None
    ctx.target.agent.restart([ctx.target.agent.instance])
    yield Delay(120)
    return None


@pytest.mark.parametrize(("preset", "reads"), [
    ("seed-deployment", None), ("seed-deployment-linux", True),
    ("seed-deployment-linux", False)])
def test_with_a_real_restart_step_3_sees_java_home_unless_the_linux_unit_ignores_it(
    preset: str, reads: bool | None
) -> None:
    scenario = Scenario.load(preset)
    if reads is not None:
        scenario = dataclasses.replace(scenario, agents=tuple(
            dataclasses.replace(a, unit_reads_etc_environment=reads) for a in scenario.agents))
    sim = Simulation.from_scenario(scenario)
    sim.deploy.actions.register("Octosim.RestartTentacle", restart_target)
    task = deploy(sim)
    check = task.log.children[2]
    if reads is False:  # the stock unit: restarted, and still no JAVA_HOME
        assert task.state is TaskState.Failed
        assert all("JAVA_HOME is not set" in lines(n) for n in check.children)
    else:
        assert task.state is TaskState.Success, task.error_message
        java = "/usr/lib/jvm/java-21" if "linux" in preset else "C:\\Program Files\\Java\\jdk-21"
        assert all(f"JAVA_HOME is {java}" in lines(n) for n in check.children)


def test_validate_runs_the_restart_presets_when_none_is_named() -> None:
    assert [s.name for s in load_scenarios(None)] == restart_presets()


def test_the_preset_s_project_is_served_over_rest() -> None:
    sim = Simulation.from_scenario("seed-deployment")
    with sim.client() as client:
        project = client.get("/api/Spaces-1/projects/java-app").json()
        process = client.get(f"/api/Spaces-1/deploymentprocesses/{project['DeploymentProcessId']}")
        variables = client.get(f"/api/Spaces-1/variables/{project['VariableSetId']}").json()
    assert project["Name"] == "Java App"
    assert [s["Name"] for s in process.json()["Steps"]] == [
        "Install Java", "Restart Tentacle", "Check Java"]
    assert [(v["Name"], v["Value"]) for v in variables["Variables"]] == [
        ("RestartMethod", "Recipe")]


def test_an_action_condition_expression_needs_a_variable_condition_and_back() -> None:
    step = {"name": "S", "roles": ["web-server"], "actions": [
        {"condition": "Variable"}, {"name": "B", "condition_expression": "#{Go}"}]}
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_dict({"projects": [{"name": "P", "steps": [step]}]})
    assert caught.value.problems == [
        'projects[0].steps[0].actions[0].condition_expression: is required when condition = '
        '"Variable": the variable expression that decides',
        'projects[0].steps[0].actions[1].condition_expression: applies only with condition = '
        '"Variable"; set that or drop it']
