"""The ``task-cap-deadlock`` preset run as a fleet (issue 18, Acceptance), and fleets read
from scenarios.

Five deployments fill the task cap; each one's restart step waits on child tasks that can
never start. With the recipe's port in the steps the server deadlocks: the journal names
it, the deployments and a recipe run from outside hang until the horizon, and the restart
client run from outside ends by its deadline naming the queue, its tasks cancelled. With
the restart client in the steps the children carry a QueueTimeExpiry: a stall that ends,
never a deadlock. A fleet that finishes never reports one.
"""

from __future__ import annotations

import dataclasses

import pytest

from octosim.model.states import TaskState
from octosim.scenario import (
    AgentGroupSpec,
    RestartArrivalsSpec,
    RolloutSpec,
    Scenario,
    ScenarioError,
    VariableSpec,
)
from restart.exitcodes import ExitCode
from restart.fleet import Fleet
from restart.report import Outcome
from restart.validate import impossible_reason

PRESET = "task-cap-deadlock"


def _with_method(method: str) -> Scenario:
    scenario = Scenario.load(PRESET)
    return dataclasses.replace(scenario, projects=tuple(
        dataclasses.replace(p, variables=(VariableSpec("RestartMethod", method),))
        for p in scenario.projects))


def test_the_recipe_in_every_step_deadlocks_the_cap_and_outside_clients_see_it() -> None:
    fleet = Fleet.from_scenario(PRESET, seed=0)
    fleet.restart("svc1-01", at=60)  # the restart client, from a laptop: it holds no slot
    fleet.seed_recipe("svc2-02", at=60)  # the recipe, from outside
    *deployments, client, recipe = fleet.run()
    sim = fleet.sim
    assert sim.clock.now() == 3600.0  # the preset's horizon

    # The deadlock: named, with the five deployments holding the cap's five slots.
    deadlock = sim.deadlock
    assert deadlock is not None and deadlock.is_deadlock and deadlock.cap == 5
    assert {h.task.id for h in deadlock.holders} == {d.task_id for d in deployments}
    assert all(h.description.startswith("Deploy Service ") for h in deadlock.holders)
    timeline = sim.timeline()
    assert f"[{deadlock.began:>9.3f}s] deadlock task cap 5 full: " in timeline
    assert "no QueueTimeExpiry frees a slot" in timeline

    # The recipe's port hangs, in the steps and from outside, until the horizon.
    assert [d.verdict for d in deployments] == [f"{d.task_id} still Executing"
                                                for d in deployments]
    assert not recipe.finished and recipe.started == 60.0

    # The restart client ends by its deadline, naming the queue, its tasks cancelled.
    report = client.report
    assert report is not None and report.outcome is Outcome.TIMED_OUT
    assert report.exit_code is ExitCode.TIMED_OUT
    assert "stayed Queued behind 5 running task(s): the task cap is full" in report.reason
    assert report.deadline is not None and report.ended <= report.deadline
    assert report.tasks
    for record in report.tasks:
        task = sim.engine.get(record.id)
        assert task is not None and task.state is TaskState.Canceled, record


def test_the_client_in_every_step_stalls_but_never_deadlocks() -> None:
    fleet = Fleet.from_scenario(_with_method("Client"), seed=0)
    results = fleet.run()
    sim = fleet.sim
    history = sim.engine.deadlocks.history
    assert history and not any(b.is_deadlock for b in history)  # stalls, each one ended
    assert all(b.ended is not None for b in history) and sim.deadlock is None
    # Each step's client gave up by its deadline and failed its deployment; nothing hangs.
    assert all(r.finished and r.task_state == "Failed" for r in results)
    assert all(t.is_completed for t in sim.engine.tasks.values())
    first = sim.engine.get(results[0].task_id or "")
    assert first is not None
    lines = [line.message for node in first.log.walk() for line in node.log]
    assert any("the task cap is full" in line for line in lines)


@pytest.mark.parametrize("method", ["Recipe", "Client"])
def test_a_fleet_that_finishes_reports_no_deadlock(method: str) -> None:
    # One slot more than deployments: every child finds one.
    fleet = Fleet.from_scenario(_with_method(method), seed=1, task_cap=6)
    results = fleet.run()
    assert all(r.task_state == "Success" for r in results), [r.verdict for r in results]
    assert not any(b.is_deadlock for b in fleet.sim.engine.deadlocks.history)
    assert fleet.sim.deadlock is None


def test_restarts_arriving_from_outside_finish_and_never_deadlock() -> None:
    scenario = dataclasses.replace(
        Scenario.load(PRESET),
        rollout=RolloutSpec(restarts=RestartArrivalsSpec(role="svc-1", first=5, interval=20),
                            horizon=900))
    fleet = Fleet.from_scenario(scenario, seed=0)
    results = fleet.run()
    assert [(r.name, r.at) for r in results] == [("restart svc1-01 (Machines-1)", 5.0),
                                                 ("restart svc1-02 (Machines-2)", 25.0)]
    assert all(r.report is not None and r.report.ok for r in results)
    assert fleet.sim.engine.deadlocks.history == []


def test_restarts_at_a_rate_arrive_at_seeded_times_by_the_chosen_method() -> None:
    scenario = dataclasses.replace(
        Scenario.load(PRESET),
        rollout=RolloutSpec(restarts=RestartArrivalsSpec(method="Recipe", rate=4), horizon=60))
    first, again = (Fleet.from_scenario(scenario, seed=7) for _ in range(2))
    times = [r.at for r in first.results()]
    assert times == [r.at for r in again.results()] and len(times) == 10
    assert times != [r.at for r in Fleet.from_scenario(scenario, seed=8).results()]
    assert {r.kind for r in first.results()} == {"recipe"}


def test_a_scenario_without_a_rollout_is_refused_saying_what_to_add() -> None:
    with pytest.raises(ScenarioError, match=r"add \[\[rollout.deployments\]\] or "):
        Fleet.from_scenario("default")


def test_validate_reads_a_scenarios_generated_agents() -> None:
    dead = AgentGroupSpec(name="dead-{n}", count=2, fail_to_start_rate=1.0)
    scenario = Scenario(agents=(), agent_groups=(dead,))
    assert impossible_reason(scenario) == (
        "every start of dead-1's Tentacle fails: fail_to_start_rate = 1")
    assert impossible_reason(Scenario.load(PRESET), "svc3-02") is None
