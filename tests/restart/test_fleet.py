"""restart.fleet: many clients against one simulation and one clock, deterministically.

A fleet mixes every kind of client (the restart client, the recipe's port, deployments
whose steps restart Tentacles, a user's generator, coroutine and procedure); the same seed
gives the same journal and results, clients interleave on the one clock, and the results
come back in the order the clients were added, whatever order they ended in.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest

from octosim.scenario import AgentGroupSpec, Scenario
from octosim.simulation import Simulation
from restart.fleet import ClientResult, Fleet, send, sleep
from restart.policy import RestartPolicy
from restart.protocol import Event, Request, Response, Send, Sleep
from restart.report import Outcome
from restart.seedport import SeedScript, SeedVariables

ROOT = Request("GET", "/api")


def _world(count: int = 6) -> Scenario:
    group = AgentGroupSpec(name="web-{n:02}", count=count, environment_name="Production",
                           named_instances=0.5)
    return Scenario(environments=("Production",), agents=(), agent_groups=(group,))


def _pinger(seen: list[tuple[str, float]], label: str, sim: Simulation,
            times: int) -> Generator[Send | Sleep, Event, int]:
    """A user's client: asks for the API root ``times`` times, 10 s apart."""
    status = 0
    for _ in range(times):
        answer = yield Send(ROOT, 30.0)
        assert isinstance(answer, Response)
        status = answer.status
        seen.append((label, sim.clock.now()))
        yield Sleep(10)
    return status


def _mixed(seed: int) -> tuple[str, list[ClientResult]]:
    sim = Simulation.from_scenario("seed-deployment", seed=seed)
    fleet = Fleet(sim)
    fleet.deploy("Java App", "Production", at=0)
    fleet.restart("web-01", at=5)
    fleet.restart("web-02", RestartPolicy(deadline=600), at=7)
    fleet.seed_recipe("web-01", at=400)
    fleet.client(_pinger([], "p", sim, 3), at=1)
    results = fleet.run(until=1200)
    return sim.timeline(), results


def test_the_same_seed_gives_the_same_journal_and_results_with_many_clients() -> None:
    first, second = _mixed(3), _mixed(3)
    assert first == second
    timeline, results = first
    assert len(results) == 5 and all(r.finished for r in results)
    # The seed matters: another one draws other timings (so the comparison above can fail).
    assert _mixed(4)[0] != timeline


def test_restart_clients_over_a_generated_fleet_all_restart() -> None:
    sim = Simulation.from_scenario(_world(6), seed=1)
    fleet = Fleet(sim)
    for n in range(1, 7):
        fleet.restart(f"web-{n:02}", at=n * 3)
    results = fleet.run(until=900)
    assert [r.report.outcome for r in results if r.report] == [Outcome.RESTARTED] * 6
    # All six ran at once on the one clock.
    assert max(r.started or 0 for r in results) < min(r.ended or 0 for r in results)


def test_clients_interleave_on_one_clock() -> None:
    sim = Simulation(seed=0)
    seen: list[tuple[str, float]] = []
    fleet = Fleet(sim)
    fleet.client(_pinger(seen, "a", sim, 3), at=0)
    fleet.client(_pinger(seen, "b", sim, 3), at=5)
    fleet.run(until=100)
    assert seen == [("a", 0.0), ("b", 5.0), ("a", 10.0), ("b", 15.0), ("a", 20.0),
                    ("b", 25.0)]


def test_results_come_in_the_order_the_clients_were_added() -> None:
    sim = Simulation(seed=0)
    fleet = Fleet(sim)
    fleet.client(_pinger([], "slow", sim, 5), at=0, name="slow")
    fleet.client(_pinger([], "quick", sim, 1), at=0, name="quick")
    fleet.client(_pinger([], "late", sim, 1), at=30, name="late")
    results = fleet.run(until=100)
    assert [r.name for r in results] == ["slow", "quick", "late"]
    assert [r.ended for r in results] == [50.0, 10.0, 40.0]
    assert [r.value for r in results] == [200, 200, 200]
    assert results[1].verdict == "returned 200"


def test_a_coroutine_client_awaits_send_and_sleep() -> None:
    sim = Simulation(seed=0)

    async def tasks() -> tuple[int, float]:
        answer = await send(Request("GET", "/api/tasks"))
        await sleep(7.5)
        assert isinstance(answer, Response)
        return answer.status, sim.clock.now()

    fleet = Fleet(sim)
    fleet.client(tasks(), at=2)
    [result] = fleet.run(until=60)
    assert result.value == (200, 9.5) and (result.started, result.ended) == (2.0, 9.5)


def test_a_users_procedure_runs_to_its_report() -> None:
    sim = Simulation(seed=0)
    machine = sim.world.machines["Machines-1"]
    script = SeedScript(SeedVariables(sim.base_url, "Spaces-1", machine.id, machine.name))
    fleet = Fleet(sim)
    fleet.client(script, at=0, name="my recipe")
    [result] = fleet.run(until=600)
    assert result.kind == "client" and result.report is not None
    assert result.report.procedure == "seed"
    assert result.verdict.startswith("restarted (exit 0)")


def test_a_client_that_raises_or_yields_nonsense_ends_with_its_error() -> None:
    sim = Simulation(seed=0)

    def broken() -> Generator[Any, Event, None]:
        yield Sleep(1)
        raise RuntimeError("boom")

    def confused() -> Generator[Any, Event, None]:
        yield "GET /api"

    fleet = Fleet(sim)
    fleet.client(broken())
    fleet.client(confused())
    fleet.client(_pinger([], "fine", sim, 1))
    broke, confusing, fine = fleet.run(until=60)
    assert broke.error == "RuntimeError: boom" and broke.ended == 1.0
    assert broke.verdict == "error: RuntimeError: boom"
    assert confusing.error is not None and "yields restart.protocol Send or Sleep" in (
        confusing.error)
    assert fine.value == 200  # one client's bug is its own


def test_a_client_still_going_at_the_horizon_says_so() -> None:
    sim = Simulation(seed=0)
    fleet = Fleet(sim)
    fleet.client(_pinger([], "long", sim, 100), at=0)
    fleet.client(_pinger([], "later", sim, 1), at=500)
    going, later = fleet.run(until=95)
    assert not going.finished and going.verdict == "still running (started 0s): it never ended"
    assert later.started is None and later.verdict.startswith("still running (not started)")
    assert fleet.run(until=2000)[0].finished  # run again: it goes on


def test_a_deployment_client_reports_its_task_and_a_refusal_its_reason() -> None:
    sim = Simulation.from_scenario("seed-deployment", seed=0)
    fleet = Fleet(sim)
    fleet.deploy("Java App", "Production", at=10)
    fleet.deploy("Java App", "Staging", at=10)
    fleet.deploy("No Such App", "Production", at=10)
    done, staging, missing = fleet.run(until=1200)
    assert done.task_id is not None and done.task_state == "Failed"  # the recipe's story
    assert done.verdict == f"{done.task_id} ended Failed" and done.started == 10.0
    assert staging.error is not None and "Staging" in staging.error
    assert missing.error is not None and "No Such App" in missing.error
    assert missing.task_id is None and missing.finished


def test_the_fleet_installs_the_restart_step_action_once() -> None:
    sim = Simulation.from_scenario("seed-deployment", seed=0)
    fleet = Fleet(sim)
    action = sim.deploy.actions.get("Octosim.RestartTentacle")
    assert action is not None
    Fleet(sim)
    assert sim.deploy.actions.get("Octosim.RestartTentacle") is action
    assert len(fleet) == 0


def test_bad_clients_and_times_are_refused_saying_what_to_do() -> None:
    sim = Simulation(seed=0)
    fleet = Fleet(sim)
    with pytest.raises(TypeError, match=r"pass the generator \(my_client\(\)\)"):
        fleet.client(_pinger)  # type: ignore[arg-type]
    with pytest.raises(LookupError, match=r"no machine named 'db-01'.*web-01"):
        fleet.restart("db-01")
    with pytest.raises(ValueError, match="at=-1"):
        fleet.restart("web-01", at=-1)
    with pytest.raises(ValueError, match="give the virtual time"):
        fleet.run()
    assert len(fleet) == 0
