"""Scenarios: every preset loads, round-trips, builds and demonstrates what it says; broken
files get errors naming the field; every fault kind parses; the invariants hold."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import httpx
import pytest

from octosim.faults import FaultKind, FaultRule
from octosim.model.agents import ServiceTiming
from octosim.model.health import HealthExecutor, HealthSettings
from octosim.model.invariants import check_invariants
from octosim.model.states import HealthStatus, ServiceState, TaskState
from octosim.model.world import CommunicationStyle
from octosim.scenario import (
    AgentSpec,
    Scenario,
    ScenarioError,
    presets,
)
from octosim.simulation import ServerOptions, Simulation

PRESETS = ["busy-server", "default", "flaky-health", "flaky-network", "linux",
           "named-instance", "never-returns", "polling", "seed-deployment",
           "seed-deployment-linux", "slow-windows", "task-cap-deadlock", "watchdog"]


def restart_and_check(sim: Simulation, minutes: float = 10) -> None:
    """Restart the first machine's Tentacle, health check it every 30 s, check invariants."""
    machine = next(iter(sim.world.machines.values()))
    assert machine.agent is not None
    machine.agent.restart([machine.agent.instance])
    for _ in range(int(minutes * 2)):
        sim.engine.create("Spaces-1", "Health", {"MachineIds": [machine.id]})
        sim.clock.sleep(30)
        check_invariants(sim.engine, sim.world, sim.clock, sim.journal)


# -- presets ------------------------------------------------------------------------------------
def test_the_presets_are_all_there() -> None:
    assert presets() == PRESETS


@pytest.mark.parametrize("name", PRESETS)
def test_each_preset_loads_round_trips_builds_and_keeps_the_invariants(name: str) -> None:
    scenario = Scenario.load(name)
    assert scenario.name == name and scenario.description
    assert Scenario.from_dict(scenario.to_dict()) == scenario
    assert Scenario.load(name) is scenario  # presets are parsed once
    sim = Simulation.from_scenario(name, seed=11)
    restart_and_check(sim)


def test_default_is_exactly_what_simulation_builds_with_no_scenario() -> None:
    plain, preset = Simulation(seed=4), Simulation.from_scenario("default", seed=4)

    def world(sim: Simulation) -> object:
        return [
            (m.id, m.name, m.uri, m.thumbprint, m.environment_ids, m.roles, m.os_family,
             m.communication_style, m.machine_policy_id, m.agent and list(m.agent.services),
             m.agent and m.agent.timing)
            for m in sim.world.machines.values()
        ], sorted(sim.world.environments), sorted(sim.world.policies), sim.api_key

    assert world(plain) == world(preset)
    for sim in (plain, preset):
        assert sim.world.rng is sim.streams.stream("world")
    assert plain.world.rng.getstate() == preset.world.rng.getstate()
    assert plain.options == preset.options
    assert sorted(plain.engine.executors) == sorted(preset.engine.executors)
    # The same requests then give the same journal.
    for sim in (plain, preset):
        restart_and_check(sim, minutes=2)
    assert plain.timeline() == preset.timeline()


def test_named_instance_and_linux_name_their_services_as_real_tentacles_do() -> None:
    named = Simulation.from_scenario("named-instance").world.machines["Machines-1"]
    assert named.agent is not None
    assert list(named.agent.services) == ["OctopusDeploy Tentacle: Web"]
    linux = Simulation.from_scenario("linux").world.machines["Machines-1"]
    assert linux.agent is not None and linux.os_family == "Linux" and linux.name == "app-01"
    assert list(linux.agent.services) == ["Tentacle.service"]
    assert linux.operating_system.startswith("Ubuntu") and linux.shell_name == "Bash"


def test_slow_windows_takes_its_time() -> None:
    sim = Simulation.from_scenario("slow-windows", seed=2)
    agent = sim.world.machines["Machines-1"].agent
    assert agent is not None and agent.timing == ServiceTiming(
        stop_seconds=(10, 30), start_seconds=(40, 120), startup_delay=(5, 5),
    )
    agent.restart([agent.instance])
    sim.clock.sleep(49)
    assert not agent.is_up  # at least 10 + 40 s
    sim.clock.run_until_idle()
    assert agent.is_up and 50 <= sim.clock.now() <= 150


def test_flaky_health_makes_some_checks_fail_in_some_runs() -> None:
    outcomes = set()
    for seed in range(20):
        sim = Simulation.from_scenario("flaky-health", seed=seed)
        health = sim.engine.executors["Health"]
        assert isinstance(health, HealthExecutor)
        assert health.settings.flaky_activation_rate == 0.5
        tasks = [sim.engine.create("Spaces-1", "Health", {}) for _ in range(5)]
        sim.clock.run_until_idle()
        outcomes.add((health.flaky_active, frozenset(t.state for t in tasks)))
    assert (False, frozenset({TaskState.Success})) in outcomes
    assert (True, frozenset({TaskState.Success, TaskState.Failed})) in outcomes


def test_busy_server_keeps_the_cap_full_and_new_tasks_wait() -> None:
    sim = Simulation.from_scenario("busy-server", seed=1)
    assert sim.engine.task_cap == 5 and sim.engine.executing == 5
    task = sim.engine.create("Spaces-1", "Health", {})
    assert task.state is TaskState.Queued
    sim.clock.sleep(90)  # every background task lasts 30-90 s
    assert task.state is TaskState.Success and 30 <= (task.start_time or 0) <= 90
    # Replacements keep coming until 600 s, then the load drains away.
    assert sim.engine.executing == 5
    sim.clock.run_until_idle()
    background = [t for t in sim.engine.tasks.values() if t.name == "Retention"]
    assert len(background) > 30 and sim.engine.executing == 0
    assert max(t.created for t in background) < 600
    check_invariants(sim.engine, sim.world, sim.clock, sim.journal)


def test_never_returns_stays_down() -> None:
    sim = Simulation.from_scenario("never-returns")
    agent = sim.world.machines["Machines-1"].agent
    assert agent is not None
    agent.restart([agent.instance])
    sim.clock.sleep(3600)
    assert agent.instance.state is ServiceState.Stopped and sim.clock.next_event_time() is None


def test_watchdog_brings_failed_starts_back() -> None:
    for seed in range(10):
        sim = Simulation.from_scenario("watchdog", seed=seed)
        agent = sim.world.machines["Machines-1"].agent
        assert agent is not None
        agent.restart([agent.instance])
        sim.clock.run_until_idle()
        assert agent.is_up
        if any("watchdog starts" in e.text for e in sim.journal):
            return
    pytest.fail("no seed in 10 needed the watchdog at a 50% failure rate")


def test_polling_preset_is_polling() -> None:
    machine = Simulation.from_scenario("polling").world.machines["Machines-1"]
    assert machine.communication_style is CommunicationStyle.Polling
    assert machine.uri.startswith("poll://")


def test_flaky_network_has_every_transient_fault() -> None:
    sim = Simulation.from_scenario("flaky-network", seed=1)
    assert sim.faults.rules == [
        FaultRule(FaultKind.Status, rate=0.1, status=503, retry_after=5),
        FaultRule(FaultKind.Status, rate=0.05, status=502),
        FaultRule(FaultKind.Status, rate=0.03, status=429, retry_after=2),
        FaultRule(FaultKind.ConnectError, rate=0.05),
        FaultRule(FaultKind.ReadTimeout, rate=0.02),
        FaultRule(FaultKind.Latency, rate=0.3, latency=0.5),
    ]


def test_scenario_faults_reach_the_transport() -> None:
    scenario = Scenario.from_dict({"faults": [
        {"kind": "status", "status": 503, "retry_after": 7, "route": "^/api/tasks"},
    ]})
    sim = Simulation.from_scenario(scenario)
    with sim.client() as client:
        assert client.get("/api").status_code == 200
        failed = client.get("/api/tasks")
    assert failed.status_code == 503 and failed.headers["Retry-After"] == "7"
    sim.faults.rules[:] = [FaultRule(FaultKind.ConnectError)]
    with sim.client() as client, pytest.raises(httpx.ConnectError):
        client.get("/api")


# -- building -----------------------------------------------------------------------------------
def test_overrides_win_over_the_scenario() -> None:
    sim = Simulation.from_scenario("busy-server", seed=3, task_cap=1, strict_content_type=True,
                           api_key="API-TESTTESTTESTTESTTESTTEST1", journal_limit=10)
    assert sim.engine.task_cap == 1 and sim.options.strict_content_type
    assert sim.api_key == "API-TESTTESTTESTTESTTESTTEST1"
    assert sim.world.user_for_key("API-TESTTESTTESTTESTTESTTEST1") is not None
    whole = Simulation.from_scenario("default", options=ServerOptions(task_cap=2))
    assert whole.engine.task_cap == 2
    with pytest.raises(TypeError, match=r"unknown override\(s\) task_kap; valid: api_key"):
        Simulation.from_scenario("default", task_kap=1)


def test_a_scenario_can_build_a_different_world() -> None:
    scenario = Scenario(
        environments=("Production",),
        agents=(
            AgentSpec(name="web-01", instances=("Web", "Tentacle"), environment_name="Production"),
            AgentSpec(name="db-01", os="Linux", communication_style="polling",
                      environment_name="Production", roles=("db",), instances=("My DB",)),
        ),
        health=HealthSettings(check_seconds=(1, 1)),
    )
    sim = Simulation.from_scenario(scenario, seed=9)
    web, db = sim.world.machines.values()
    assert (web.id, db.id) == ("Machines-1", "Machines-2")
    assert web.environment_ids == db.environment_ids == ["Environments-1"]
    assert web.agent is not None and web.agent.instance.name == "OctopusDeploy Tentacle: Web"
    assert db.agent is not None and list(db.agent.services) == ["My-DB.service"]
    assert db.communication_style is CommunicationStyle.Polling
    task = sim.engine.create("Spaces-1", "Health", {"EnvironmentId": "Environments-1"})
    sim.clock.run_until_idle()
    assert task.state is TaskState.Success
    assert {m.health_status for m in sim.world.machines.values()} == {HealthStatus.Healthy}


def test_the_machine_policy_comes_from_the_scenario() -> None:
    scenario = Scenario.from_dict({"machine_policy": {
        "may_be_offline": True, "retry_window": 20, "retry_interval": 5}})
    sim = Simulation.from_scenario(scenario)
    machine = sim.world.machines["Machines-1"]
    policy = sim.world.policy_for(machine)
    assert (policy.may_be_offline, policy.retry_window, policy.retry_interval) == (True, 20, 5)
    assert machine.agent is not None
    machine.agent.stop([machine.agent.instance])
    task = sim.engine.create("Spaces-1", "Health", {})
    sim.clock.run_until_idle()
    assert task.state is TaskState.Success
    assert machine.health_status is HealthStatus.Unavailable


def test_scenarios_load_from_files(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('[[agents]]\nname = "app-07"\nstop_seconds = [1, 2]\n')
    for ref in (path, str(path)):
        scenario = Scenario.load(ref)
        assert scenario.name == "mine" and scenario.agents[0].name == "app-07"
        assert scenario.agents[0].stop_seconds == (1.0, 2.0)
    assert Simulation.from_scenario(str(path)).world.machines["Machines-1"].name == "app-07"


# -- broken scenarios ------------------------------------------------------------------------
def problems(data: dict[str, object]) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_dict(data)
    return caught.value.problems


def test_the_issue_example_message() -> None:
    assert problems({"agents": [{"stop_seconds": "fast"}]}) == [
        'agents[0].stop_seconds: expected a number or [min, max], got "fast"'
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"agent": []}, "scenario: unknown key 'agent'; valid keys: agent_groups, agents, "
                        "description, environments, faults, health, lifecycles, "
                        "machine_policy, name, project_groups, projects, rollout, server, "
                        "tenants, workers"),
        ({"agents": [{"stop_secs": 1}]}, "agents[0]: unknown key 'stop_secs'; valid keys: "
                                         "communication_style, environment,"),
        ({"agents": [{"start_seconds": [5, 1]}]},
         "agents[0].start_seconds: expected seconds >= 0 with min <= max, got [5, 1]"),
        ({"agents": [{"startup_delay": [1, 2, 3]}]},
         "agents[0].startup_delay: expected a number or [min, max], got [1, 2, 3]"),
        ({"agents": [{"os": "macOS"}]},
         'agents[0].os: expected one of "Windows", "Linux", got "macOS"'),
        ({"agents": [{"communication_style": "push"}]},
         'agents[0].communication_style: expected one of "listening", "polling", got "push"'),
        ({"agents": [{"fail_to_start_rate": 2}]},
         "agents[0].fail_to_start_rate: expected a number between 0 and 1, got 2"),
        ({"agents": [{"watchdog_interval": 0}]},
         "agents[0].watchdog_interval: expected a number of seconds >= 0.001 (omit it for none), "
         "got 0"),
        ({"agents": [{"instances": []}]}, "agents[0].instances: expected 1 to 32 strings, got 0"),
        ({"agents": [{"instances": ["Web", "WEB"]}]}, "agents[0].instances: instance names"),
        ({"agents": [{"instances": ["Web"], "instance": "Api"}]},
         'agents[0].instance: expected one of the instances ["Web"], got "Api"'),
        ({"agents": [{"environment": "Staging"}]},
         'agents[0].environment: expected one of the environments ["Development", "Test", '
         '"Production"], got "Staging"'),
        ({"agents": [{"name": "a"}, {"name": "A"}]}, "agents: two agents are named 'a'"),
        ({"agents": []}, "agents: expected 1 to 10000 [[agents]] tables, got 0"),
        ({"agents": {"name": "x"}}, "agents: expected a list of tables ([[agents]])"),
        ({"agents": [{"roles": "web"}]}, 'agents[0].roles: expected a list of strings, got "web"'),
        ({"server": {"task_cap": 0}},
         "server.task_cap: expected a whole number between 1 and 10000, got 0"),
        ({"server": {"options": {"strict": True}}}, "server.options: unknown key 'strict'"),
        ({"server": {"options": {"wrong_key_status": 500}}},
         "server.options.wrong_key_status: expected one of [401, 403], got 500"),
        ({"server": {"options": {"base_url": "ftp://x"}}},
         'server.options.base_url: expected an http:// or https:// URL, got "ftp://x"'),
        ({"server": {"background_load": {"count": -1}}},
         "server.background_load.count: expected a whole number between 0 and 10000, "
         "got -1"),
        ({"machine_policy": {"may_be_offline": "yes"}},
         'machine_policy.may_be_offline: expected true or false, got "yes"'),
        ({"machine_policy": {"retry_interval": 0}},
         "machine_policy.retry_interval: expected a number of seconds >= 0.001, got 0"),
        ({"health": {"flaky_failure_rate": -0.1}},
         "health.flaky_failure_rate: expected a number between 0 and 1, got -0.1"),
        ({"health": {"error_message": "{oops}"}}, "health.error_message: cannot be filled in"),
        ({"health": "flaky"}, 'health: expected a table, got "flaky"'),
    ],
)
def test_broken_scenarios_name_the_field_and_the_problem(
    data: dict[str, object], expected: str
) -> None:
    found = problems(data)
    assert any(p.startswith(expected) for p in found), found


def test_every_problem_is_reported_at_once() -> None:
    found = problems({"agents": [{"stop_seconds": "fast", "os": 3}], "server": {"task_cap": "x"}})
    assert len(found) == 3


def test_broken_files_and_unknown_presets(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[[agents]\n")
    with pytest.raises(ScenarioError, match=r"scenario .*bad\.toml: invalid TOML"):
        Scenario.load(bad)
    with pytest.raises(ScenarioError, match=r"missing\.toml: cannot read it"):
        Scenario.load(tmp_path / "missing.toml")
    with pytest.raises(ScenarioError, match=r"no preset named 'defualt'; presets: busy-server"):
        Scenario.load("defualt")
    typo = tmp_path / "typo.toml"
    typo.write_text("[[agents]]\nstop_seconds = \"fast\"\n")
    with pytest.raises(ScenarioError) as caught:
        Simulation.from_scenario(typo)
    assert str(caught.value) == (
        f'scenario {typo}: agents[0].stop_seconds: expected a number or [min, max], got "fast"'
    )


# -- fault rules ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("table", "rule"),
    [
        ({"kind": "status", "status": 500}, FaultRule(FaultKind.Status, status=500)),
        ({"kind": "status", "status": 502, "rate": 0.5},
         FaultRule(FaultKind.Status, status=502, rate=0.5)),
        ({"kind": "status", "status": 503, "retry_after": 30},
         FaultRule(FaultKind.Status, status=503, retry_after=30)),
        ({"kind": "status", "status": 504}, FaultRule(FaultKind.Status, status=504)),
        ({"kind": "status", "status": 429, "retry_after": 1.5},
         FaultRule(FaultKind.Status, status=429, retry_after=1.5)),
        ({"kind": "status"}, FaultRule(FaultKind.Status, status=503)),
        ({"kind": "connect-error", "rate": 0.1}, FaultRule(FaultKind.ConnectError, rate=0.1)),
        ({"kind": "read-timeout", "method": "POST"},
         FaultRule(FaultKind.ReadTimeout, method="POST")),
        ({"kind": "latency", "latency": 3}, FaultRule(FaultKind.Latency, latency=3)),
        ({"kind": "status", "window": [10, 70]}, FaultRule(FaultKind.Status, window=(10, 70))),
        ({"kind": "latency", "latency": 1, "route": "^/api/tasks/[^/]+$"},
         FaultRule(FaultKind.Latency, latency=1, route="^/api/tasks/[^/]+$")),
    ],
)
def test_every_fault_kind_parses_and_round_trips(table: dict[str, object], rule: FaultRule) -> None:
    scenario = Scenario.from_dict({"faults": [table]})
    assert scenario.faults == (rule,)
    assert Scenario.from_dict(scenario.to_dict()) == scenario


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ({"rate": 0.1}, 'faults[0].kind: is required: one of "status", "connect-error", '
                        '"read-timeout", "latency"'),
        ({"kind": "teapot"}, 'faults[0].kind: expected one of "status", "connect-error"'),
        ({"kind": "status", "status": 418},
         "faults[0].status: expected one of [408, 429, 500, 502, 503, 504], got 418"),
        ({"kind": "status", "latency": 2},
         "faults[0]: unknown key 'latency'; valid keys: kind, method, rate, retry_after, route, "
         "status, window"),
        ({"kind": "connect-error", "status": 503}, "faults[0]: unknown key 'status'"),
        ({"kind": "latency", "rate": 1.5},
         "faults[0].rate: expected a number between 0 and 1, got 1.5"),
        ({"kind": "latency", "latency": -1},
         "faults[0].latency: expected a number of seconds >= 0, got -1"),
        ({"kind": "status", "window": [60, 10]},
         "faults[0].window: expected seconds >= 0 with min <= max (omit it for none), "
         "got [60, 10]"),
        ({"kind": "status", "route": "("},
         "faults[0]: fault rule status: route '(' is not a valid regular expression"),
        ({"kind": "status", "retry_after": "soon"},
         'faults[0].retry_after: expected a number of seconds >= 0 (omit it for none), got "soon"'),
    ],
)
def test_broken_fault_rules_name_the_field(table: dict[str, object], expected: str) -> None:
    found = problems({"faults": [table]})
    assert any(p.startswith(expected) for p in found), found


# -- invariants ----------------------------------------------------------------------------------
def test_invariants_catch_a_health_status_no_check_produced() -> None:
    sim = Simulation()
    check_invariants(sim.engine, sim.world, sim.clock, sim.journal)
    sim.world.machines["Machines-1"].health_status = HealthStatus.Healthy
    sim.world.machines["Machines-1"].last_checked = 0.0
    with pytest.raises(AssertionError, match=r"web-01: LastChecked 0\.0 but never checked"):
        check_invariants(sim.engine, sim.world, sim.clock, sim.journal)


def test_invariants_catch_disagreeing_health_and_broken_task_fields() -> None:
    sim = Simulation()
    task = sim.engine.create("Spaces-1", "Health", {})
    sim.clock.run_until_idle()
    check_invariants(sim.engine, sim.world, sim.clock, sim.journal)
    sim.world.machines["Machines-1"].health_status = HealthStatus.Unavailable
    task.completed_time = None
    with pytest.raises(AssertionError) as caught:
        check_invariants(sim.engine, sim.world, sim.clock, sim.journal)
    text = str(caught.value)
    assert "web-01: HealthStatus Unavailable" in text and "gave Healthy" in text
    assert f"{task.id}: Success with CompletedTime None" in text
    assert "timeline (newest last):" in text


def test_invariants_catch_a_task_started_beyond_the_cap() -> None:
    sim = Simulation(options=ServerOptions(task_cap=1))
    sim.engine.create("Spaces-1", "Retention", {})
    queued = sim.engine.create("Spaces-1", "Retention", {})
    check_invariants(sim.engine, sim.world, sim.clock, sim.journal)
    # Force the queued task into a slot the engine would not give it.
    queued.state, queued.start_time, queued.has_been_picked_up = TaskState.Executing, 0.0, True
    with pytest.raises(AssertionError, match=r"started at 0\.0 with 2 tasks running \(cap 1\)"):
        check_invariants(sim.engine, sim.world, sim.clock, sim.journal)


def test_a_lowered_cap_does_not_break_the_invariants() -> None:
    sim = Simulation()
    for _ in range(4):
        sim.engine.create("Spaces-1", "Retention", {})
    check_invariants(sim.engine, sim.world, sim.clock, sim.journal)
    sim.engine.task_cap = 1
    check_invariants(sim.engine, sim.world, sim.clock, sim.journal)
    sim.clock.run_until_idle()
    check_invariants(sim.engine, sim.world, sim.clock, sim.journal)


def test_scenario_is_immutable() -> None:
    scenario = Scenario.load("default")
    with pytest.raises(dataclasses.FrozenInstanceError):
        scenario.name = "x"  # type: ignore[misc]


def test_a_cap_lowered_before_the_first_check_does_not_break_the_invariants() -> None:
    sim = Simulation()
    for _ in range(4):
        sim.engine.create("Spaces-1", "Retention", {})
    sim.clock.sleep(1)
    sim.engine.task_cap = 1
    sim.clock.sleep(1)
    check_invariants(sim.engine, sim.world, sim.clock, sim.journal)
