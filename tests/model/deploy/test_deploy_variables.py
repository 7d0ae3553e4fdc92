"""Variables: scope specificity, substitution, masking, output variables, system variables,
concurrency tags and task descriptions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from octosim.model.deploy_choices import DeploymentChoices
from octosim.model.deployment_rules import create_deployment, create_release, plan_deployment
from octosim.model.deployment_store import DeploymentStore
from octosim.model.deployments import (
    TENANTED_CONCURRENCY_TAG,
    UNTENANTED_CONCURRENCY_TAG,
    concurrency_tag,
    deploy_description,
    runbook_run_concurrency_tag,
    runbook_run_description,
)
from octosim.model.executors import Delay, Flow
from octosim.model.step_actions import StepContext
from octosim.model.system_variables import (
    TaskInfo,
    action_variables,
    deployment_variables,
    machine_variables,
    variables_for_target,
    variables_over,
    worker_pool_variables,
)
from octosim.model.variables import (
    MASK,
    OutputVariables,
    ScopeContext,
    Variable,
    VariableDictionary,
    VariableScope,
    mask,
    resolve,
    substitute,
)
from octosim.options import ServerOptions
from octosim.server import LiveServer
from octosim.simulation import Simulation
from tests.model.deploy.builders import script_step
from tests.model.deploy.deploy_sim import deploy, deploy_sim, project_with, python_step

DEV = "Environments-1"


def test_the_most_specific_value_wins_in_octopus_s_order() -> None:
    values = [
        Variable("Conn", "unscoped"),
        Variable("Conn", "dev", scope=VariableScope(environment=(DEV,))),
        Variable("Conn", "web", scope=VariableScope(role=("web-server",))),
        Variable("Conn", "web-01", scope=VariableScope(machine=("Machines-1",))),
        Variable("conn", "other-env", scope=VariableScope(environment=("Environments-2",))),
    ]
    at = ScopeContext(DEV, "Machines-1", ("Web-Server",))
    assert resolve(values, at)["Conn"] == "web-01"
    assert resolve(values, ScopeContext(DEV, "Machines-2", ("web-server",)))["CONN"] == "web"
    assert resolve(values, ScopeContext(DEV, "Machines-2", ("db",)))["Conn"] == "dev"
    assert resolve(values, ScopeContext(DEV))["Conn"] == "dev"
    assert resolve(values, ScopeContext("Environments-3"))["Conn"] == "unscoped"
    assert "Conn" not in resolve(values[1:2], ScopeContext("Environments-3"))


def test_of_two_equally_specific_values_the_first_defined_wins() -> None:
    values = [Variable("X", "first"), Variable("X", "second")]
    assert resolve(values, ScopeContext())["X"] == "first"


def test_a_context_for_an_action_keeps_the_deployment_s_scope() -> None:
    deployment = ScopeContext(DEV, channel_id="Channels-1", tenant_id="Tenants-1",
                              process_owner_id="Runbooks-1")
    narrowed = deployment.for_action("Actions-2", "Machines-3", ("web",))
    assert narrowed == ScopeContext(DEV, "Machines-3", ("web",), "Channels-1", "Tenants-1",
                                    "Actions-2", "Runbooks-1")
    assert deployment.for_action("Actions-2", None, ()).machine_id is None


_NAMES = st.sampled_from(["A", "a", "B", "Octopus.Machine.Name", "octopus.machine.name"])


@given(st.lists(st.tuples(_NAMES, st.text(max_size=3), st.booleans()), max_size=5),
       st.dictionaries(_NAMES, st.text(max_size=3), max_size=4))
def test_updating_from_plain_values_is_setting_each_in_turn(
    before: list[tuple[str, str, bool]], values: dict[str, str]
) -> None:
    bulk, one_by_one = VariableDictionary(), VariableDictionary()
    for name, value, sensitive in before:
        bulk.set(name, value, is_sensitive=sensitive)
        one_by_one.set(name, value, is_sensitive=sensitive)
    bulk.update_from(values)
    for name, value in values.items():
        one_by_one.set(name, value)
    assert list(bulk.items()) == list(one_by_one.items())
    assert [bulk.is_sensitive(n) for n in bulk] == [one_by_one.is_sensitive(n) for n in bulk]


def test_substitution_is_nested_case_insensitive_and_leaves_unknowns() -> None:
    table = {"Greeting": "Hello #{Name}", "name": "World", "Step": "Install",
             "Octopus.Action[Install].Output.Path": "/opt/app", "A": "#{B}", "B": "#{A}"}
    assert substitute("#{greeting}!", table) == "Hello World!"
    assert substitute("#{Octopus.Action[#{Step}].Output.Path}", table) == "/opt/app"
    assert substitute("#{Missing} and #{Name | ToUpper}", table) == (
        "#{Missing} and #{Name | ToUpper}")
    assert substitute("##{Name} #{Name", table) == "#{Name} #{Name"
    assert substitute("#{A}", table) == "#{A}"


@given(st.text(alphabet="#{}ab ", max_size=30))
def test_substitution_without_known_names_changes_nothing_but_escapes(text: str) -> None:
    assert substitute(text, {"zz": "1"}) == substitute(text, {})
    if "##{" not in text:
        assert substitute(text, {}) == text


def test_sensitive_values_are_masked_longest_first() -> None:
    variables = VariableDictionary()
    variables.set("Password", "s3cret", is_sensitive=True)
    variables.set("Longer", "s3cret-and-more", is_sensitive=True)
    variables.set("Plain", "s3")
    text = "pw=s3cret long=s3cret-and-more s3"
    assert mask(text, variables.sensitive_values()) == f"pw={MASK} long={MASK} s3"
    assert mask("x", [""]) == "x"


_no_star = st.text(st.characters(blacklist_characters="*"), max_size=12)


@given(secret=_no_star.filter(lambda s: len(s) >= 4 and s.strip()), prefix=_no_star)
def test_a_masked_line_never_contains_the_secret(secret: str, prefix: str) -> None:
    # Values Octopus masks: 4 characters or more, not white space only (test_deploy_masking).
    assert secret not in mask(prefix + secret + prefix + secret, [secret])


def test_output_variables_prefer_the_same_machine() -> None:
    outputs = OutputVariables()
    assert (len(outputs), len(outputs.for_machine("web-01"))) == (0, 0)
    outputs.set("Install", "Port", "8080", machine="web-01")
    outputs.set("Install", "Port", "9090", machine="web-02")
    outputs.set("Token", "Value", "abc", is_sensitive=True)
    assert len(outputs) == 2  # Install's Port (set twice) and Token's Value
    on_web1 = outputs.for_machine("web-01")
    assert on_web1["Octopus.Action[Install].Output.Port"] == "8080"
    assert outputs.for_machine("web-02")["Octopus.Action[Install].Output.Port"] == "9090"
    assert outputs.for_machine(None)["Octopus.Action[Install].Output.Port"] == "9090"
    assert on_web1["Octopus.Action[Install].Output[web-02].Port"] == "9090"
    assert on_web1.is_sensitive("Octopus.Action[Token].Output.Value")


def test_concurrency_tags_follow_octopus_s_defaults_and_the_override() -> None:
    assert concurrency_tag("Projects-1", DEV) == "Projects-1/Environments-1"
    assert concurrency_tag("Projects-1", DEV, "Tenants-2") == "Tenants-2/Projects-1/Environments-1"
    override = {"octopus.task.concurrencytag": "#{Octopus.Environment.Id}/#{Lane}", "Lane": "x"}
    assert concurrency_tag("Projects-1", DEV, None, override) == "Environments-1/x"
    defaults = ((None, UNTENANTED_CONCURRENCY_TAG), ("Tenants-2", TENANTED_CONCURRENCY_TAG))
    for tenant, template in defaults:
        # The default is Octopus's template substituted, as an override with that text is.
        overridden = concurrency_tag("Projects-1", DEV, tenant,
                                     {"Octopus.Task.ConcurrencyTag": template})
        assert concurrency_tag("Projects-1", DEV, tenant) == overridden
    assert runbook_run_concurrency_tag("Projects-1", "Runbooks-3", DEV, "Tenants-2") == (
        "Tenants-2/Projects-1/Runbooks-3/Environments-1")
    assert runbook_run_concurrency_tag("Projects-1", "Runbooks-3", DEV) == (
        "Projects-1/Runbooks-3/Environments-1")
    assert runbook_run_concurrency_tag(
        "Projects-1", "Runbooks-3", DEV, None, {"Octopus.Task.ConcurrencyTag": "one-at-a-time"}
    ) == "one-at-a-time"


def test_task_descriptions() -> None:
    assert deploy_description("OctoFX Rate Service", "3.2.89006", "Acceptance") == (
        "Deploy OctoFX Rate Service release 3.2.89006 to Acceptance")
    assert deploy_description("App", "1.0", "Dev", "Acme") == (
        "Deploy App release 1.0 to Dev for Acme")
    assert runbook_run_description("Restore", "Production") == "Run Restore in Production"
    choices = DeploymentChoices(runbook_run_description="{runbook} on {environment}")
    assert runbook_run_description("Restore", "Prod", choices=choices) == "Restore on Prod"


def test_a_target_sees_system_variables_with_real_values(store: DeploymentStore) -> None:
    project = store.add_project("Spaces-1", "OctoFX")
    store.set_process(project.deployment_process_id, [
        script_step("Restart", "Write-Host #{Octopus.Machine.Name}", roles="web-server",
                    on_server=True)])
    store.set_variables(project.variable_set_id, [
        Variable("Octopus.Machine.Name", "user value is overridden"),
        Variable("Password", "hunter2", is_sensitive=True),
        Variable("Where", "on #{Octopus.Machine.Name} in #{Octopus.Environment.Name}",
                 scope=VariableScope(role=("web-server",))),
    ])
    release = create_release(store, project.id, now=1.0)
    deployment = create_deployment(store, release.id, DEV, now=2.0)
    deployment.task_id = "ServerTasks-7"
    task = TaskInfo("ServerTasks-7", "Deploy OctoFX release 0.0.1 to Development",
                    "http://127.0.0.1:8065/")
    level = deployment_variables(store, deployment, task)
    planned = plan_deployment(store, release, DEV).steps[0]
    machine = store.world.machines[planned.targets[0].machine_id]
    seen = variables_for_target(
        release.variables, level,
        context=ScopeContext(DEV, machine.id, tuple(machine.roles), release.channel_id),
        layers=[machine_variables(machine), action_variables(planned, planned.actions[0], 1),
                worker_pool_variables("WorkerPools-1", "Default Worker Pool")],
    )
    expected = {
        "Octopus.Machine.Id": "Machines-1", "Octopus.Machine.Name": "web-01",
        "Octopus.Machine.Roles": "web-server", "Octopus.Machine.Hostname": "web-01",
        "Octopus.Environment.Id": DEV, "Octopus.Environment.Name": "Development",
        "Octopus.Environment.SortOrder": "0",
        "Octopus.Environment.MachinesInRole[web-server]": "Machines-1",
        "Octopus.Space.Id": "Spaces-1", "Octopus.Space.Name": "Default",
        "Octopus.Web.BaseUrl": "http://127.0.0.1:8065",
        "Octopus.Project.Id": "Projects-1", "Octopus.Project.Name": "OctoFX",
        "Octopus.ProjectGroup.Name": "Default Project Group",
        "Octopus.Release.Id": "Releases-1", "Octopus.Release.Number": "0.0.1",
        "Octopus.Release.Channel.Name": "Default",
        "Octopus.Deployment.Id": "Deployments-1",
        "Octopus.Deployment.Name": "Deploy to Development",
        "Octopus.Deployment.Created": "2024-01-15T09:00:02.000+00:00",
        "Octopus.Task.Id": "ServerTasks-7", "Octopus.Task.Argument[DeploymentId]": "Deployments-1",
        "Octopus.Task.Name": "Deploy OctoFX release 0.0.1 to Development",
        "Octopus.Task.ConcurrencyTag": "Projects-1/Environments-1",
        "Octopus.Step.Name": "Restart", "Octopus.Step.Number": "1",
        "Octopus.Action.Name": "Restart", "Octopus.Action.Number": "1",
        "Octopus.Action.TargetRoles": "web-server", "Octopus.Action.RunOnServer": "true",
        "Octopus.Action.MaxParallelism": "10",
        "Octopus.Action.Script.ScriptBody": "Write-Host #{Octopus.Machine.Name}",
        "Octopus.WorkerPool.Name": "Default Worker Pool",
    }
    assert {name: seen[name] for name in expected} == expected
    assert seen.substitute(seen["Where"]) == "on web-01 in Development"
    assert seen.is_sensitive("password") and "hunter2" in seen.sensitive_values()
    assert seen.evaluated()["Where"] == "on web-01 in Development"


def test_previous_successful_is_the_last_earlier_success_in_the_same_environment(
    store: DeploymentStore,
) -> None:
    project = store.add_project("Spaces-1", "App")
    store.set_process(project.deployment_process_id, [script_step("S", on_server=True)])
    release = create_release(store, project.id)
    first, second, third = (create_deployment(store, release.id, DEV) for _ in range(3))
    first.succeeded, second.succeeded, third.succeeded = True, False, True
    task = TaskInfo("ServerTasks-1", "Deploy")
    assert deployment_variables(store, third, task)[
        "Octopus.Deployment.PreviousSuccessful.Id"] == first.id
    assert deployment_variables(store, first, task)[
        "Octopus.Deployment.PreviousSuccessful.Id"] == ""


_scopes = st.builds(
    VariableScope,
    environment=st.sampled_from([(), (DEV,), ("Environments-2",)]),
    role=st.sampled_from([(), ("web-server",), ("db",)]),
    machine=st.sampled_from([(), ("Machines-1",), ("Machines-2",)]),
    tenant=st.sampled_from([(), ("Tenants-1",)]),
)


@given(values=st.lists(st.tuples(st.sampled_from(["A", "a", "B"]), _scopes), max_size=10),
       machine=st.sampled_from([None, "Machines-1", "Machines-2"]),
       tenant=st.sampled_from([None, "Tenants-1"]))
def test_the_resolved_value_applies_and_none_that_applies_is_more_specific(
    values: list[tuple[str, VariableScope]], machine: str | None, tenant: str | None
) -> None:
    variables = [Variable(name, str(i), scope=scope) for i, (name, scope) in enumerate(values)]
    roles = ("web-server",) if machine == "Machines-1" else ()
    ctx = ScopeContext(DEV, machine, roles, tenant_id=tenant)
    resolved = resolve(variables, ctx)

    def rank(scope: VariableScope) -> tuple[bool, ...]:
        return (bool(scope.machine), bool(scope.role), bool(scope.tenant),
                bool(scope.environment))

    def applies(scope: VariableScope) -> bool:
        return ((not scope.environment or DEV in scope.environment)
                and (not scope.role or bool(set(scope.role) & set(roles)))
                and (not scope.machine or machine in scope.machine)
                and (not scope.tenant or tenant in scope.tenant))

    for name in {"a", "b"}:
        candidates = [v for v in variables if v.name.lower() == name and applies(v.scope)]
        if not candidates:
            assert name not in resolved
            continue
        chosen = variables[int(resolved[name])]
        assert chosen in candidates
        assert all(rank(v.scope) <= rank(chosen.scope) for v in candidates)


_layer = st.lists(st.tuples(_NAMES, st.text(max_size=2), st.booleans()), max_size=4)


def _dictionary(entries: list[tuple[str, str, bool]]) -> VariableDictionary:
    made = VariableDictionary()
    for name, value, sensitive in entries:
        made.set(name, value, is_sensitive=sensitive)
    return made


@given(st.lists(_layer, min_size=1, max_size=4), st.integers(0, 4),
       st.lists(st.tuples(_NAMES, st.sampled_from([None, "web-01"]), st.booleans()),
                max_size=3))
def test_layers_over_first_layers_made_once_are_the_variables_for_the_target(
    layers: list[list[tuple[str, str, bool]]], split: int,
    outputs_set: list[tuple[str, str | None, bool]],
) -> None:
    # The process runner makes a target's first layers once per action and lays the rest
    # over a copy of them: the same names, spellings, values, order and sensitivity.
    project = [Variable("A", "project", is_sensitive=True), Variable("b", "project")]
    task_level = _dictionary(layers[0])
    rest = [_dictionary(layer) for layer in layers[1:]]
    outputs = OutputVariables()
    for i, (name, machine, sensitive) in enumerate(outputs_set):
        outputs.set("Step", name, str(i), machine=machine, is_sensitive=sensitive)
    whole = variables_for_target(project, task_level, context=ScopeContext(DEV), layers=rest,
                                 outputs=outputs, machine_name="web-01")
    first = variables_for_target(project, task_level, context=ScopeContext(DEV),
                                 layers=rest[:split])
    before = list(first.items())
    over = variables_over(first, rest[split:], outputs=outputs, machine_name="web-01")
    assert list(over.items()) == list(whole.items())
    assert [over.is_sensitive(n) for n in over] == [whole.is_sensitive(n) for n in whole]
    assert sorted(over.sensitive_values()) == sorted(whole.sensitive_values())
    assert list(first.items()) == before  # the first layers are shared: left as they were


@pytest.mark.parametrize(("scope", "blue"), [
    (VariableScope(role=("web-server",)), "web-01"),
    (VariableScope(machine=("Machines-3",)), "app-02"),
])
def test_a_value_scoped_to_a_role_or_machine_reaches_only_its_targets(
    scope: VariableScope, blue: str
) -> None:
    # The only scoped value of the project: each target still resolves its own.
    sim = deploy_sim(2)  # app-01 (Machines-2) and app-02 (Machines-3) in "app", web-01 not
    project = project_with(sim, [script_step("Say", "Write-Host '#{Colour}'",
                                             roles="app,web-server")],
                           [Variable("Colour", "plain"), Variable("Colour", "blue", scope=scope)])
    task = deploy(sim, project)
    sim.clock.advance_to(100)
    said = {node.name: [entry.message for entry in node.log]
            for node in task.log.children[0].children}
    assert sorted(said) == ["app-01", "app-02", "web-01"]
    for name, lines in said.items():
        assert ("blue" if name == blue else "plain") in lines, (name, lines)


def test_a_value_scoped_to_an_action_reaches_only_that_action() -> None:
    sim = deploy_sim(1)
    first = script_step("First", "Write-Host '#{Colour}'", roles="app")
    second = script_step("Second", "Write-Host '#{Colour}'", roles="app")
    second.actions[0].id = "second-action"
    project = project_with(sim, [first, second], [
        Variable("Colour", "plain"),
        Variable("Colour", "blue", scope=VariableScope(action=("second-action",))),
    ])
    task = deploy(sim, project)
    sim.clock.advance_to(100)
    said = [[entry.message for entry in step.children[0].log] for step in task.log.children]
    assert "plain" in said[0] and "blue" not in said[0]
    assert "blue" in said[1]


def test_a_machine_renamed_mid_deployment_is_named_anew_in_later_steps() -> None:
    sim = deploy_sim(1)

    def rename(ctx: StepContext) -> Flow:
        assert ctx.target is not None
        ctx.target.name = "app-renamed"
        ctx.target.roles.append("extra")
        yield Delay(1)

    sim.deploy.actions.register("Test.Rename", rename)
    project = project_with(sim, [
        script_step("Before", "Write-Host '#{Octopus.Machine.Name} #{Octopus.Machine.Roles}'",
                    roles="app"),
        python_step("Rename", "Test.Rename"),
        script_step("After", "Write-Host '#{Octopus.Machine.Name} #{Octopus.Machine.Roles}'",
                    roles="app"),
    ])
    task = deploy(sim, project)
    sim.clock.advance_to(100)
    before, _, after = ([entry.message for entry in step.children[0].log]
                        for step in task.log.children)
    assert "app-01 app" in before
    assert "app-renamed app,extra" in after


def _server_uri_seen(sim: Simulation) -> list[str]:
    """What a step printing ``Octopus.Web.BaseUrl`` and ``…ServerUri`` says on web-01."""
    project = project_with(sim, [script_step(
        "Call back", "Write-Host '#{Octopus.Web.BaseUrl} #{Octopus.Web.ServerUri}'",
        roles="web-server")])
    task = deploy(sim, project)
    sim.clock.advance_to(100)
    assert task.state == "Success", task.error_message
    return [entry.message for entry in task.log.children[0].children[0].log]


def test_scripts_are_told_the_simulations_own_url() -> None:
    # A script calling the server back at Octopus.Web.BaseUrl must reach the simulation:
    # in-process, at the base URL its clients are given.
    sim = Simulation(options=ServerOptions(base_url="http://octopus.example:8080"))
    assert "http://octopus.example:8080 http://octopus.example:8080" in _server_uri_seen(sim)


def test_a_live_server_tells_scripts_the_address_it_serves_at() -> None:
    sim = Simulation()
    server = LiveServer(sim, port=0)
    server.bind()
    try:
        assert f"{server.url} {server.url}" in _server_uri_seen(sim)
    finally:
        server.stop()
