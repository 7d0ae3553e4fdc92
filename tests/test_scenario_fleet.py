"""The fleet keys of the scenario schema: ``[[agent_groups]]`` and ``[rollout]``.

Groups generate agents by pattern (named instances spread evenly, no draw), checked and
built like listed ones; a rollout describes one deployment, several at once, or restarts
arriving over time, every name it uses checked where it is written; both round-trip
through TOML. (Running a rollout is the restart package's: tests/restart/test_fleet_*.)
"""

from __future__ import annotations

import itertools
import random

import pytest

from octosim.scenario import (
    AgentGroupSpec,
    AgentSpec,
    RestartArrivalsSpec,
    RolloutDeploymentSpec,
    RolloutSpec,
    Scenario,
    ScenarioError,
)
from octosim.scenario.fleet_schema import named_instance_at
from octosim.simulation import Simulation

FLEET = """
environments = ["Production"]
agents = []

[[agent_groups]]
name = "web-{n:03}"
count = 20
environment = "Production"
roles = ["web-server"]
named_instances = 0.1
start_seconds = [5, 40]

[[agent_groups]]
name = "db-{n}"
count = 2
os = "Linux"
roles = ["db"]

[rollout]
max_parallelism = 3
horizon = 1800

[[rollout.deployments]]
project = "Web"
environment = "Production"

[[rollout.deployments]]
project = "Web"
environment = "Production"
at = 60

[[projects]]
name = "Web"

[[projects.steps]]
name = "Restart"
roles = ["web-server"]

[[projects.steps.actions]]
action_type = "Octosim.RestartTentacle"
run_on_server = true

[[projects.steps]]
name = "Note"

[[projects.steps.actions]]
script_body = "Write-Host done"
"""


def problems(data: dict[str, object]) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_dict(data)
    return caught.value.problems


def test_groups_generate_agents_by_pattern_with_named_instances_spread_evenly() -> None:
    scenario = Scenario.from_toml(FLEET)
    agents = scenario.all_agents()
    assert [a.name for a in agents[:3]] == ["web-001", "web-002", "web-003"]
    assert [a.name for a in agents[20:]] == ["db-1", "db-2"]
    named = [a.name for a in agents if a.instances != ("Tentacle",)]
    assert named == ["web-010", "web-020"]
    assert {a.instances for a in agents if a.name in named} == {("Web",)}
    assert agents[0].start_seconds == (5.0, 40.0) and agents[0].environment_name == "Production"
    assert agents[21].os == "Linux" and agents[21].roles == ("db",)
    assert agents[21].environment_name is None  # the scenario's first, as for [[agents]]


@pytest.mark.parametrize(("count", "share"), [(20, 0.1), (7, 0.5), (3, 1.0), (10, 0.0),
                                              (200, 0.1), (9, 1 / 3)])
def test_the_named_share_is_exact_and_spread(count: int, share: float) -> None:
    chosen = [n for n in range(1, count + 1) if named_instance_at(n, share)]
    assert len(chosen) == int(count * share + 1e-9)
    gaps = {b - a for a, b in itertools.pairwise(chosen)}
    assert len(gaps) <= 2  # evenly: never bunched


def test_a_fleet_scenario_round_trips_and_builds_its_agents_and_window() -> None:
    scenario = Scenario.from_toml(FLEET)
    assert Scenario.from_toml(scenario.to_toml()) == scenario
    assert Scenario.from_dict(scenario.to_dict()) == scenario
    assert scenario.rollout == RolloutSpec(
        deployments=(RolloutDeploymentSpec("Web", "Production"),
                     RolloutDeploymentSpec("Web", "Production", at=60.0)),
        max_parallelism=3, horizon=1800.0)
    sim = Simulation.from_scenario(scenario, seed=2)
    machines = sorted(m.name for m in sim.world.machines.values())
    assert len(machines) == 22 and machines[0] == "db-1"
    named = next(m for m in sim.world.machines.values() if m.name == "web-010")
    assert named.agent is not None and named.agent.instance.instance == "Web"
    steps = sim.deployments.process_of(sim.deployments.project("Spaces-1", "Web").id).steps
    # The rollout's window is the role step's; the step without roles keeps none.
    assert steps[0].properties["Octopus.Action.MaxParallelism"] == "3"
    assert "Octopus.Action.MaxParallelism" not in steps[1].properties


def test_a_python_built_fleet_scenario_builds_the_same() -> None:
    group = AgentGroupSpec(name="app-{n}", count=3, environment_name="Test")
    built = Scenario(agents=(AgentSpec(name="lone", environment_name="Test"),),
                     agent_groups=(group,))
    assert [a.name for a in built.all_agents()] == ["lone", "app-1", "app-2", "app-3"]
    assert Scenario.from_toml(built.to_toml()) == built
    sim = Simulation.from_scenario(built)
    assert [m.name for m in sim.world.machines.values()] == ["lone", "app-1", "app-2", "app-3"]


def test_restart_arrivals_at_an_interval_or_a_rate_from_the_seed() -> None:
    fixed = RestartArrivalsSpec(first=10, interval=30)
    assert fixed.times(3, random.Random(0)) == [10.0, 40.0, 70.0]
    drawn = RestartArrivalsSpec(rate=6)  # six a minute: ten seconds apart on average
    times = drawn.times(200, random.Random(5))
    assert times == drawn.times(200, random.Random(5)) != drawn.times(200, random.Random(6))
    assert times[0] == 0.0 and times == sorted(times)
    assert 7 < times[-1] / 199 < 13
    agents = Scenario.from_toml(FLEET).all_agents()
    assert RestartArrivalsSpec(role="db").chosen(agents) == ["db-1", "db-2"]
    assert RestartArrivalsSpec(agents=("db-2", "web-001")).chosen(agents) == ["db-2", "web-001"]
    assert len(RestartArrivalsSpec().chosen(agents)) == 22


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"agents": [], "agent_groups": [{"name": "web", "count": 2}]},
         "agent_groups[0].name: every agent of the group would be named 'web'; put the "
         "agent's number in it"),
        ({"agent_groups": [{"name": "web-{m}"}]},
         "agent_groups[0].name: cannot be filled in: its only placeholder may be the agent's "
         "number, {n} or {n:03}"),
        ({"agent_groups": [{"name": "web-{n:>999999999}"}]},  # no name of a gigabyte
         "agent_groups[0].name: cannot be filled in"),
        ({"agents": [], "agent_groups": [{"name": "web-{n}", "count": 2}],
          "projects": [{"name": "P", "variables": [{"name": "V", "machines": ["web-3"]}]}]},
         'projects[0].variables[0].machines: expected one of the agents ["web-1", "web-2"]'),
        ({"agent_groups": [{"environment": "Staging"}]},
         'agent_groups[0].environment: expected one of the environments ["Development", '
         '"Test", "Production"], got "Staging"'),
        ({"agent_groups": [{"named_instances": 1.5}]},
         "agent_groups[0].named_instances: expected a number between 0 and 1, got 1.5"),
        ({"agent_groups": [{"named_instance": "tentacle"}]},
         "agent_groups[0].named_instance: 'Tentacle' is the default instance"),
        ({"agent_groups": [{"name": "web-{n:02}", "count": 2}], "agents": [{"name": "web-02"}]},
         "agents: two agents are named 'web-02'"),
        ({"agent_groups": [{"count": 6000}, {"name": "b{n}", "count": 6000}]},
         "agent_groups: the scenario would have 12001 agents"),
        ({"agents": []}, "agents: expected 1 to 10000 [[agents]] tables, got 0; or generate"),
        ({"rollout": {}}, "rollout: describe ONE rollout"),
        ({"rollout": {"deployments": [{"project": "P", "environment": "Production"}],
                      "restarts": {}}}, "rollout: describe ONE rollout"),
        ({"rollout": {"deployments": [{"project": "P", "environment": "Staging"}]}},
         "rollout.deployments[0].project: expected one of the projects [], got \"P\""),
        ({"rollout": {"deployments": [{"project": "P", "environment": "Staging"}]}},
         "rollout.deployments[0].environment: expected one of the environments"),
        ({"rollout": {"deployments": [{"environment": "Test"}]}},
         "rollout.deployments[0].project: is required"),
        ({"rollout": {"restarts": {"agents": ["db-9"]}}},
         'rollout.restarts.agents[0]: expected one of the agents ["web-01"], got "db-9"'),
        ({"rollout": {"restarts": {"role": "db"}}},
         "rollout.restarts.role: no agent has the role 'db'"),
        ({"rollout": {"restarts": {"rate": 2, "interval": 5}}},
         "rollout.restarts.rate: give the restarts' arrivals as a fixed interval or a rate"),
        ({"rollout": {"restarts": {"rate": 0}}},
         "rollout.restarts.rate: expected a number of restarts per minute > 0 and <= 10000"),
        ({"rollout": {"restarts": {"method": "Script"}}},
         'rollout.restarts.method: expected one of "Client", "Recipe", got "Script"'),
        ({"rollout": {"restarts": {}, "max_parallelism": 2}},
         "rollout.max_parallelism: is the rolling window of deployments"),
        ({"rollout": {"restarts": {}, "horizon": 0}},
         "rollout.horizon: expected a number of seconds > 0, got 0"),
        ({"rollout": {"restarts": {}, "speed": 2}}, "rollout: unknown key 'speed'"),
    ],
)
def test_bad_fleet_keys_are_named_with_what_to_do(data: dict[str, object], expected: str) -> None:
    found = problems(data)
    assert any(p.startswith(expected) for p in found), found


def test_a_rollout_names_a_tenant_the_scenario_has() -> None:
    base = Scenario.from_toml(FLEET).to_dict()
    base["rollout"]["deployments"][0]["tenant"] = "Acme"
    assert problems(base) == [
        'rollout.deployments[0].tenant: expected one of the tenants [], got "Acme"']
