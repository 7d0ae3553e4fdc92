"""``octosim.strategies``: everything drawn is valid, bounded, and shrinks to the ordinary."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st

from octosim.faults import FAULT_STATUSES, FaultKind, FaultPlan, FaultRule
from octosim.model.agents import DEFAULT_INSTANCE, ServiceTiming
from octosim.model.invariants import check_invariants
from octosim.scenario import AgentSpec, Scenario, presets
from octosim.simulation import Simulation
from octosim.strategies import (
    MAX_SEED,
    Knobs,
    agents,
    fault_plans,
    fault_rules,
    knob_values,
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
    with pytest.raises(ValueError, match="instances: expected layouts"):
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
