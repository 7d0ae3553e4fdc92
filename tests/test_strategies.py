"""``octosim.strategies``: everything drawn is valid, bounded, and shrinks to the ordinary."""

from __future__ import annotations

import contextlib
import dataclasses
import math
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st

from octosim.faults import FAULT_STATUSES, FaultKind, FaultPlan, FaultRule
from octosim.model.agents import DEFAULT_INSTANCE, ServiceTiming
from octosim.model.deploy_tasks import queue_deployment
from octosim.model.deployment_rules import create_deployment, create_release
from octosim.model.invariants import check_invariants
from octosim.model.projects import StartTrigger, StepCondition
from octosim.model.states import TaskState
from octosim.model.tasks import ActivityStatus, Task
from octosim.scenario import ActionSpec, AgentSpec, ProjectSpec, Scenario, StepSpec, presets
from octosim.simulation import Simulation
from octosim.strategies import (
    MAX_SEED,
    Knobs,
    agents,
    deployment_scenarios,
    deployment_steps,
    fault_plans,
    fault_rules,
    knob_values,
    projects,
    scenarios,
    seeds,
    simulations,
    timings,
)
from octosim.strategies import presets as preset_scenarios
from restart.strategies import restart_policies


@given(scenarios(), seeds())
def test_every_drawn_scenario_builds_and_survives_its_own_schema(
    scenario: Scenario, seed: int
) -> None:
    sim = Simulation.from_scenario(scenario, seed=seed)
    assert [m.name for m in sim.world.machines.values()] == [a.name for a in scenario.agents]
    assert Scenario.from_dict(scenario.to_dict()) == scenario
    assert 1 <= len(scenario.agents) <= 2
    assert all(rule.rate <= 0.1 for rule in scenario.faults)


@settings(max_examples=15)
@given(simulations())
def test_a_drawn_world_runs_for_ten_minutes_and_keeps_its_invariants(sim: Simulation) -> None:
    assert sim.clock.now() == 0
    machines = [m.id for m in sim.world.machines.values()]
    with sim.client() as client:
        try:
            created = client.post("/api/tasks", json={
                "Name": "Health", "Arguments": {"MachineIds": machines}})
        except httpx.TransportError:
            pass  # an injected connection error or read timeout: the world runs on
        else:
            # A fault rule may have answered instead of the server.
            assert created.status_code in (201, *FAULT_STATUSES), created.text
    sim.clock.sleep(600)
    check_invariants(sim.engine, sim.world, sim.clock, sim.journal)


@given(agents())
def test_agents_are_real_tentacles(agent: AgentSpec) -> None:
    assert agent.os in ("Windows", "Linux")
    assert 1 <= len(agent.instances) <= 3
    assert len({i.lower() for i in agent.instances}) == len(agent.instances)
    assert agent.instance is None or agent.instance in agent.instances
    assert agent.timing.fail_to_start_rate <= 0.2  # validated by ServiceTiming too
    Simulation.from_scenario(Scenario(agents=(agent,)))


def test_agent_layouts_can_be_chosen() -> None:
    only_default = find(agents(instances=("default",), os=("Linux",)), lambda a: True)
    assert (only_default.instances, only_default.os) == ((DEFAULT_INSTANCE,), "Linux")
    several = find(agents(instances=("several",)), lambda a: True)
    assert len(several.instances) >= 2 and several.instance in several.instances
    with pytest.raises(ValueError, match="instances: expected some of"):
        agents(instances=("many",))


@given(timings(max_stop=10, max_start=20, max_fail_to_start_rate=0.05, watchdog=False))
def test_timings_keep_their_bounds(timing: ServiceTiming) -> None:
    assert timing.stop_seconds[1] <= 10 and timing.start_seconds[1] <= 20
    assert timing.fail_to_start_rate <= 0.05 and timing.watchdog_interval is None


@given(fault_rules(max_rate=0.2))
def test_fault_rules_are_transient_and_capped(rule: FaultRule) -> None:
    assert 0 <= rule.rate <= 0.2
    if rule.kind is FaultKind.Status:
        assert rule.status in (500, 502, 503, 504, 429)
        assert rule.retry_after is None or rule.status in (429, 503)
    if rule.kind is FaultKind.Latency:
        assert 0.1 <= rule.latency <= 5
    assert rule.window is None or 0 <= rule.window[0] <= rule.window[1] <= 600


@given(fault_plans(max_rules=2, kinds=(FaultKind.ConnectError,), max_rate=1.0))
def test_fault_plans(plan: FaultPlan) -> None:
    assert len(plan.rules) <= 2
    assert all(rule.kind is FaultKind.ConnectError for rule in plan.rules)


def test_fault_rules_refuse_an_impossible_rate() -> None:
    with pytest.raises(ValueError, match="max_rate must be between 0 and 1"):
        fault_rules(max_rate=1.5)


@pytest.mark.parametrize(("make", "message"), [
    (lambda: timings(max_stop=-1), r"max_stop must be a finite number of seconds >= 0, got -1"),
    (lambda: timings(max_start=math.inf), r"max_start must be a finite number"),
    (lambda: timings(max_fail_to_start_rate=2), r"max_fail_to_start_rate must be between 0 and 1"),
    (lambda: agents(os=("Solaris",)),
     r"os: expected some of \['Windows', 'Linux'\], got \['Solaris'\]"),
    (lambda: agents(os=()), r"os: expected some of"),
    (lambda: agents(instances=("many",)), r"instances: expected some of \['default', 'named'"),
    (lambda: agents(communication_styles=("carrier-pigeon",)),
     r"communication_styles: expected some of \['listening', 'polling'\]"),
    (lambda: agents(environments=()), r"environments: expected at least one environment"),
    (lambda: fault_rules(kinds=("nope",)), r"kinds: expected some of"),  # type: ignore[arg-type]
    (lambda: fault_rules(kinds=()), r"kinds: expected some of"),
    (lambda: fault_rules(statuses=(418,)), r"statuses: expected some of \[408, 429, 500"),
    (lambda: fault_rules(max_latency=0.0),
     r"max_latency must be a finite number of seconds >= 0.1"),
    (lambda: fault_plans(statuses=()), r"statuses: expected some of"),
    (lambda: scenarios(max_agents=0), r"max_agents must be from 1 to 10000, got 0"),
    (lambda: scenarios(max_task_cap=0), r"max_task_cap must be from 1 to 10000, got 0"),
    (lambda: scenarios(max_flaky_rate=-0.1), r"max_flaky_rate must be between 0 and 1"),
    (lambda: scenarios(max_fault_rate=1.1), r"max_fault_rate must be between 0 and 1"),
    (lambda: simulations(seed=3), r"seed is drawn: pass seeds=st.just\(3\)"),
    (lambda: simulations(scenario=Scenario()), r"scenario is drawn: pass scenarios=st.just"),
    (lambda: restart_policies(max_deadline=10),
     r"max_deadline must be a finite number of seconds >= 30, got 10"),
    (lambda: restart_policies(max_deadline=math.inf), r"max_deadline must be a finite number"),
    (lambda: restart_policies(instances=()), r"instances: expected at least one"),
])
def test_strategies_refuse_what_they_cannot_draw_when_made(
    make: Callable[[], object], message: str
) -> None:
    # At construction, saying what to pass: not an IndexError or a bad value at draw time.
    with pytest.raises(ValueError, match=message):
        make()


def test_fault_rules_take_kinds_by_value() -> None:
    rule = find(fault_rules(kinds=("latency",), max_rate=1.0),  # type: ignore[arg-type]
                lambda r: True)
    assert rule.kind is FaultKind.Latency and rule.latency >= 0.1


@given(preset_scenarios())
def test_presets_are_the_shipped_ones(scenario: Scenario) -> None:
    assert scenario == Scenario.load(scenario.name)
    assert scenario.name in presets()


@given(restart_policies(max_deadline=300, instances=(None, "Web")))
def test_drawn_restart_policies_validate_and_stay_within_the_deadline(policy: object) -> None:
    from restart.policy import RestartPolicy

    assert isinstance(policy, RestartPolicy)
    RestartPolicy(**{f.name: getattr(policy, f.name) for f in dataclasses.fields(policy)})
    assert 30 <= policy.deadline <= 300
    assert policy.cleanup_allowance < policy.deadline
    assert policy.health_machine_timeout <= policy.health_task_timeout
    assert policy.instance in (None, "Web")


@settings(max_examples=10)
@given(preset_scenarios("named-instance", "slow-windows", "flaky-network"), seeds(),
       restart_policies(max_deadline=400))
def test_a_restart_with_a_drawn_policy_returns_by_its_deadline(
    scenario: Scenario, seed: int, policy: object
) -> None:
    from restart import RestartError, RestartPolicy, RestartTarget, run_sync

    assert isinstance(policy, RestartPolicy)
    sim = Simulation.from_scenario(scenario, seed=seed)
    # A typed error is a verdict too; what matters here is when the verdict came.
    with sim.client() as client, contextlib.suppress(RestartError):
        run_sync(client, RestartTarget(machine_id="Machines-1"), policy,
                 clock=sim.clock.now, sleep=sim.clock.sleep)
    assert sim.clock.now() <= policy.deadline + 1e-6


def test_everything_shrinks_to_the_ordinary() -> None:
    from restart.policy import RestartPolicy

    assert find(seeds(), lambda s: True) == 0
    assert find(st.integers(0, MAX_SEED), lambda s: True) == 0
    simplest = find(scenarios(), lambda s: True)
    default = Scenario.load("default")
    assert dataclasses.replace(simplest, name=default.name,
                               description=default.description) == default
    assert find(preset_scenarios(), lambda s: True).name == "default"
    assert find(restart_policies(), lambda p: True) == RestartPolicy()
    assert find(timings(), lambda t: True) == ServiceTiming()
    assert find(fault_plans(), lambda p: True).rules == []
    assert find(fault_rules(), lambda r: True) == FaultRule(FaultKind.Status, rate=0.0)


#: Enough examples for find() to reach a corner one draw in a hundred lands in.
CORNERS = settings(max_examples=2000, database=None, phases=[Phase.generate])


def test_every_knob_leaves_its_default_and_reaches_its_range() -> None:
    # The knobs are read off one row of drawn bytes: a layout, a branch or the top of a
    # range that no row reads as would shrink what the strategies draw.
    corners: list[tuple[st.SearchStrategy[Any], Callable[[Any], bool]]] = [
        (timings(), lambda t: t.start_seconds[1] > 175),
        (timings(), lambda t: t.stop_seconds[1] > 55),
        (timings(), lambda t: t.startup_delay[1] == 10.0),
        (timings(), lambda t: t.script_seconds[1] == 5.0),
        (timings(), lambda t: t.fail_to_start_rate > 0.19),
        (timings(), lambda t: t.watchdog_interval is not None and t.watchdog_interval > 290),
        (agents(), lambda a: a.instances == ("Blue Green",)),
        (agents(), lambda a: len(a.instances) == 3 and a.instance == a.instances[2]),
        (agents(), lambda a: a.os == "Linux" and a.communication_style == "polling"
         and a.roles == ("web-server", "app-server")),
        (scenarios(), lambda s: len(s.agents) == 2 and len(s.faults) == 3),
        (scenarios(), lambda s: s.server.background_load.count == s.server.task_cap > 1),
        (scenarios(), lambda s: s.machine_policy.may_be_offline
         and s.machine_policy.retry_interval > 25),
        (scenarios(), lambda s: s.health.flaky_failure_rate > 0.45),
        (fault_rules(), lambda r: r.kind is FaultKind.Latency and r.latency > 4.5),
        (fault_rules(), lambda r: r.window is not None and r.window[1] > 590),
        (fault_rules(), lambda r: r.status == 429 and r.retry_after is not None),
        (fault_plans(max_rules=2), lambda p: len(p.rules) == 2),
    ]
    for strategy, corner in corners:
        find(strategy, corner, settings=CORNERS)


def test_drawn_restart_policies_reach_every_knob() -> None:
    from restart.policy import RestartPolicy

    d = RestartPolicy()
    policies = restart_policies(instances=(None, "Web"))
    corners: list[Callable[[RestartPolicy], bool]] = [
        lambda p: p.deadline > 580,
        lambda p: p.instance == "Web" and p.max_attempts == 6,
        lambda p: p.health_machine_timeout < min(p.health_task_timeout, 2),
        lambda p: p.retry_cap > 55,
        lambda p: p.retry_base > 4.5,
        lambda p: p.cleanup_allowance > 25,
        lambda p: p.poll_interval != d.poll_interval,
        lambda p: p.retry_jitter > 0.95,
    ]
    for corner in corners:
        find(policies, corner, settings=CORNERS)


def _release(knobs: Knobs) -> tuple[str, int, float]:
    # A tool's own value read off a row, as docs/pytest.md shows: a channel, a count, a span.
    return (knobs.pick(("Default", "Hotfix", "Beta")), 1 + knobs.below(10),
            knobs.chosen(30.0, knobs.tenths(0, 600)))


def test_knob_values_draw_a_tools_own_values_and_shrink_them_to_what_zeros_read() -> None:
    releases = knob_values(_release, "tests.test_strategies release")
    settle = settings(database=None, max_examples=400, phases=[Phase.generate, Phase.shrink])
    assert find(releases, lambda r: True, settings=settle) == ("Default", 1, 30.0)
    assert find(releases, lambda r: r[1] >= 5, settings=settle) == ("Default", 5, 30.0)
    assert find(releases, lambda r: r[0] == "Beta" and r[2] != 30.0,
                settings=settle) == ("Beta", 1, 0.0)


def _more_off_zeros(knobs: Knobs) -> int:
    return 0 if knobs.below(2) else knobs.below(300)


def _more_off_others(knobs: Knobs) -> int:
    return knobs.below(300) if knobs.below(2) else 0


@pytest.mark.parametrize(("read", "message"), [
    (_more_off_zeros, "a knob was read on one branch only"),
    (_more_off_others, "too short for its knobs"),
])
def test_knob_values_refuses_a_reader_that_reads_a_knob_on_one_branch_only(
    read: Callable[[Knobs], int], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        find(knob_values(read, f"tests.test_strategies {read.__name__}"), lambda n: False,
             settings=settings(database=None, max_examples=200))


# -- deployments ---------------------------------------------------------------------------------
def _steps(scenario: Scenario) -> list[StepSpec]:
    return [step for project in scenario.projects for step in project.steps]


def _targets(scenario: Scenario, step: StepSpec) -> list[AgentSpec]:
    return [a for a in scenario.agents if set(a.roles) & set(step.roles)]


@given(deployment_scenarios(max_agents=3, max_projects=2, max_steps=4), seeds())
def test_every_drawn_deployment_scenario_builds_and_survives_its_own_schema(
    scenario: Scenario, seed: int
) -> None:
    sim = Simulation.from_scenario(scenario, seed=seed)
    assert Scenario.from_dict(scenario.to_dict()) == scenario
    assert 1 <= len(scenario.agents) <= 3 and 1 <= len(scenario.projects) <= 2
    for project in scenario.projects:
        built = sim.deployments.project("Spaces-1", project.name)
        assert len(sim.deployments.process_of(built.id).steps) == len(project.steps) <= 4
        assert project.steps[0].start_trigger is StartTrigger.StartAfterPrevious
    for step in _steps(scenario):
        [action] = step.actions
        assert step.roles == () or _targets(scenario, step), "a step targets a role nobody has"
        if step.roles and not action.run_on_server:  # on the targets: their OS's syntax
            for agent in _targets(scenario, step):
                assert action.syntax == "PowerShell" if agent.os == "Windows" else (
                    action.syntax == "Bash" or agent.powershell_core)
        else:  # on a worker: the worker's own shell
            assert action.syntax == ("Bash" if scenario.workers.os == "Linux" else "PowerShell")


@given(projects(max_steps=5, max_variables=6, environments=("Test", "Production"),
                roles=(("db-server",), ("web-server", "db-server")), syntaxes=("Bash",)))
def test_a_drawn_project_is_a_valid_part_of_a_scenario(project: ProjectSpec) -> None:
    agent = AgentSpec(os="Linux", environment_name="Test", roles=("db-server",))
    scenario = Scenario(environments=("Test", "Production"), agents=(agent,),
                        projects=(project,))
    Simulation.from_scenario(scenario)
    assert Scenario.from_dict(scenario.to_dict()) == scenario
    assert 1 <= len(project.steps) <= 5 and len({s.name for s in project.steps}) == len(
        project.steps)
    assert all(s.actions[0].syntax == "Bash" for s in project.steps)
    printed = {v.name for v in project.variables} | {"Octopus.Environment.Name"}
    for step in project.steps:
        body = step.actions[0].script_body or ""
        assert set(re.findall(r"#\{([^}]+)\}", body)) <= printed
    for variable in project.variables:
        assert set(variable.environments) <= {"Test", "Production"}
        assert set(variable.roles) <= {"db-server", "web-server"}


@given(deployment_steps(name="Run a Script", roles=(("app-server",),), syntaxes=("Bash",),
                        scripts=("print", "sleep"), variables=("Greeting",),
                        execution_locations=("on each deployment target",)))
def test_a_drawn_step_keeps_to_what_it_is_given(step: StepSpec) -> None:
    [action] = step.actions
    assert step.name == "Run a Script" and step.roles == ("app-server",)
    assert action.syntax == "Bash" and not action.run_on_server
    assert action.script_body in ('echo "Greeting is #{Greeting}"',
                                  *(f"sleep {n}" for n in range(1, 6)))
    scenario = Scenario(agents=(AgentSpec(os="Linux", roles=("app-server",)),),
                        projects=(ProjectSpec("Shop", steps=(step,)),))
    Simulation.from_scenario(scenario)


def _deploy(scenario: Scenario, seed: int, project: str) -> Task:
    """Deploy a new release of ``project`` to Development; run it to its end."""
    sim = Simulation.from_scenario(scenario, seed=seed)
    store = sim.deployments
    release = create_release(store, store.project("Spaces-1", project).id)
    task = queue_deployment(sim.engine, store,
                            create_deployment(store, release.id, "Development").id)
    while not task.state.is_completed:  # minutes at most: sleeps of 5 s, scripts of 5 s
        assert sim.clock.now() < 3600, sim.timeline(last=20)
        sim.clock.advance_to(sim.clock.now() + 60)
    return task


def _expected_statuses(project: ProjectSpec) -> list[ActivityStatus]:
    """What Octopus does with the drawn steps: a group of steps started together runs after
    what failed before it; Success steps run only if nothing failed, Failure ones only if
    something did, Always ones anyway; a step drawn to fail (named after its script, as
    drawn steps are) fails."""
    statuses: list[ActivityStatus] = []
    failed = in_group = False
    for step in project.steps:
        if step.start_trigger is StartTrigger.StartAfterPrevious:
            failed, in_group = failed or in_group, False
        runs = {StepCondition.Success: not failed, StepCondition.Failure: failed,
                StepCondition.Always: True}[step.condition]
        fails = runs and step.name.startswith("Run the smoke test")
        in_group = in_group or fails
        statuses.append(ActivityStatus.Failed if fails else
                        ActivityStatus.Success if runs else ActivityStatus.Skipped)
    return statuses


def _printed(project: ProjectSpec, name: str, agent: AgentSpec | None) -> str:
    """What ``#{name}`` is in Development on ``agent`` (None: a worker, no roles): the value
    scoped to where it runs if there is one, masked if sensitive."""
    if name == "Octopus.Environment.Name":
        return "Development"
    values = [v for v in project.variables if v.name == name]
    roles = agent.roles if agent else ()
    [value] = [v for v in values if "Development" in v.environments
               or set(v.roles) & set(roles)] or [v for v in values if not v.environments
                                                  and not v.roles]
    return "********" if value.sensitive else value.value


def _check_prints(scenario: Scenario, project: ProjectSpec, task: Task) -> None:
    agents = {a.name: a for a in scenario.agents}
    for step, node in zip(project.steps, task.log.children, strict=True):
        body = step.actions[0].script_body or ""
        printed = re.search(r"#\{([^}]+)\}", body)
        if printed is None or node.status is not ActivityStatus.Success:
            continue
        for execution in node.children:  # web-01, Worker-1, Worker-1 on behalf of web-01
            agent = agents.get(execution.name.split()[-1])
            line = f"{printed.group(1)} is {_printed(project, printed.group(1), agent)}"
            assert line in [entry.message for entry in execution.log], (line, body)


@settings(max_examples=40, deadline=None)
@given(deployment_scenarios(max_agents=3, max_steps=4), seeds())
def test_a_drawn_project_deploys_to_the_outcome_its_steps_say(
    scenario: Scenario, seed: int
) -> None:
    [project] = scenario.projects
    task = _deploy(scenario, seed, project.name)
    expected = _expected_statuses(project)
    assert [node.status for node in task.log.children] == expected
    assert task.state is (TaskState.Failed if ActivityStatus.Failed in expected
                          else TaskState.Success), task.error_message
    _check_prints(scenario, project, task)


@settings(max_examples=20, deadline=None)
@given(deployment_scenarios(os=("Linux",), syntaxes=("Bash",), max_agents=3), seeds())
def test_bodies_drawn_for_linux_are_bash_and_run_on_linux_agents(
    scenario: Scenario, seed: int
) -> None:
    assert all(a.os == "Linux" and not a.powershell_core for a in scenario.agents)
    assert scenario.workers.os == "Linux"
    assert all(s.actions[0].syntax == "Bash" for s in _steps(scenario))
    [project] = scenario.projects
    task = _deploy(scenario, seed, project.name)
    for step, node in zip(project.steps, task.log.children, strict=True):
        hosts = ([a.name for a in _targets(scenario, step)]
                 if step.roles and not step.actions[0].run_on_server else ["Worker-1"])
        for execution in node.children:  # every one that ran ran Bash, on a Linux machine
            lines = [entry.message for entry in execution.log]
            assert any(f"Executing Bash script on {host}" in lines for host in hosts), lines


@given(deployment_scenarios(os=("Windows",)))
def test_windows_runs_powershell_everywhere(scenario: Scenario) -> None:
    assert {s.actions[0].syntax for s in _steps(scenario)} == {"PowerShell"}
    assert scenario.workers.os == "Windows"


def test_deployment_strategies_shrink_to_the_ordinary() -> None:
    printing = 'Write-Host "Octopus.Environment.Name is #{Octopus.Environment.Name}"'
    step = StepSpec("Print Octopus.Environment.Name", roles=("web-server",),
                    actions=(ActionSpec(syntax="PowerShell", script_body=printing),))
    assert find(deployment_steps(), lambda s: True) == step
    assert find(projects(), lambda p: True) == ProjectSpec("Shop", steps=(step,))
    simplest = find(deployment_scenarios(), lambda s: True)
    default = Scenario.load("default")
    assert simplest == dataclasses.replace(default, name="drawn", description="",
                                           projects=(ProjectSpec("Shop", steps=(step,)),))


def test_a_failing_deployment_shrinks_to_one_step_that_fails() -> None:
    settle = settings(database=None, max_examples=500, phases=[Phase.generate, Phase.shrink])
    failing = find(deployment_scenarios(),
                   lambda s: any("exit 1" in (x.actions[0].script_body or "")
                                 for x in _steps(s)), settings=settle)
    [project] = failing.projects
    assert len(failing.agents) == 1 and not project.variables
    assert project.steps == (StepSpec(
        "Run the smoke test", roles=("web-server",), actions=(ActionSpec(
            syntax="PowerShell", script_body="Write-Host 'The smoke test failed'\nexit 1"),)),)


def test_every_deployment_knob_leaves_its_default_and_reaches_its_range() -> None:
    def has_step(test: Callable[[StepSpec], bool]) -> Callable[[Scenario], bool]:
        return lambda s: any(test(step) for step in _steps(s))

    corners: list[tuple[st.SearchStrategy[Any], Callable[[Any], bool]]] = [
        (deployment_steps(), lambda s: s.max_parallelism == 5 and s.actions[0].syntax == "Bash"),
        (deployment_steps(), lambda s: s.roles == ("web-server", "app-server")
         and s.start_trigger is StartTrigger.StartWithPrevious),
        (deployment_steps(), lambda s: s.condition is StepCondition.Always
         and s.actions[0].script_body == "Start-Sleep -Seconds 5"),
        (deployment_steps(), lambda s: s.actions[0].run_on_server and not s.roles),
        (deployment_steps(), lambda s: s.actions[0].run_on_server and s.roles == ("app-server",)),
        (projects(), lambda p: len(p.steps) == 3 and len({v.name for v in p.variables}) == 3),
        (projects(), lambda p: any(v.sensitive and v.roles for v in p.variables)),
        (projects(), lambda p: any(v.environments == ("Production",) for v in p.variables)),
        (projects(), lambda p: any("DatabasePassword" in (s.actions[0].script_body or "")
                                   for s in p.steps)),
        (projects(), lambda p: len(p.steps) > 1 and p.steps[1].name == "Set APP_HOME 2"),
        (deployment_scenarios(), lambda s: len(s.agents) == 2 and s.workers.os == "Linux"),
        (deployment_scenarios(), lambda s: any(a.powershell_core for a in s.agents)),
        (deployment_scenarios(max_projects=2), lambda s: [p.name for p in s.projects] == [
            "Catalog", "Identity"]),
        (deployment_scenarios(), has_step(lambda x: x.actions[0].syntax == "Bash"
                                          and not x.actions[0].run_on_server)),
        (deployment_scenarios(), has_step(lambda x: x.condition is StepCondition.Failure
                                          and "APP_HOME" in (x.actions[0].script_body or ""))),
    ]
    for strategy, corner in corners:
        find(strategy, corner, settings=CORNERS)


@pytest.mark.parametrize(("make", "message"), [
    (lambda: deployment_steps(syntaxes=("Python",)), r"syntaxes: expected some of"),
    (lambda: deployment_steps(scripts=()), r"scripts: expected some of"),
    (lambda: deployment_steps(execution_locations=("on the server",)),
     r"execution_locations: expected some of"),
    (lambda: deployment_steps(roles=((),)), r"roles: expected role lists that are not empty"),
    (lambda: projects(max_steps=0), r"max_steps must be from 1 to 100, got 0"),
    (lambda: projects(max_variables=7), r"max_variables must be from 0 to 6, got 7"),
    (lambda: projects(environments=()), r"environments: expected at least one"),
    (lambda: deployment_scenarios(max_agents=9), r"max_agents must be from 1 to 8"),
    (lambda: deployment_scenarios(max_projects=5), r"max_projects must be from 1 to 4"),
    (lambda: deployment_scenarios(os=("Windows",), syntaxes=("Bash",)),
     r"Windows agents run PowerShell"),
    (lambda: deployment_scenarios(environments=("Staging",)), r"environments: expected some of"),
])
def test_deployment_strategies_refuse_what_they_cannot_draw(
    make: Callable[[], object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        make()
