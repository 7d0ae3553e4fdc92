"""A create whose answer was lost is never repeated blindly (issue 14).

Against the real simulator: the server answers the restart create too late for the
client's request timeout (it still creates the task, later), or processes it and loses the
answer (a read timeout). The client must find the tagged task, never post a second one.
"""

from __future__ import annotations

import random

import pytest

from octosim import Simulation
from octosim.faults import FaultKind, FaultRule
from restart import RestartPolicy, RestartTarget
from restart.drivers.direct import run_direct
from restart.report import Outcome, RestartReport

TARGET = RestartTarget("Spaces-1", machine_id="Machines-1")
POLICY = RestartPolicy(request_timeout=10.0)
RESTART = "Restarting Tentacle on"


def restart_tasks(sim: Simulation) -> list[str]:
    return [t.id for t in sim.engine.tasks.values() if t.description.startswith(RESTART)]


def run(sim: Simulation, policy: RestartPolicy = POLICY) -> RestartReport:
    return run_direct(sim, TARGET, policy, rng=random.Random(1), raise_errors=False)


def slow_creates(latency: float, start: float = 0.0, end: float = 1e9) -> FaultRule:
    # Only creates are slow: the lookups that follow come back at once, before the server
    # has got round to the create. That is what made the client post the restart twice.
    return FaultRule(FaultKind.Latency, latency=latency, method="POST",
                     route=r"/tasks$", window=(start, end))  # fmt: skip


@pytest.mark.parametrize("latency", [10.5, 25.0, 60.0])
def test_a_late_restart_create_is_found_not_repeated(latency: float) -> None:
    sim = Simulation.from_scenario("default", seed=0)
    sim.faults.add(slow_creates(latency))

    report = run(sim)

    assert len(restart_tasks(sim)) == 1, sim.timeline()
    assert report.outcome is Outcome.RESTARTED, report.reason
    assert [t.kind for t in report.tasks].count("restart") == 1


def test_a_restart_create_whose_answer_is_lost_is_adopted() -> None:
    sim = Simulation.from_scenario("default", seed=0)
    sim.faults.add(FaultRule(FaultKind.ReadTimeout, method="POST", route=r"/tasks$"))

    report = run(sim)

    assert len(restart_tasks(sim)) == 1
    assert report.tasks and all(t.id.startswith("ServerTasks-") for t in report.tasks)


def test_a_restart_create_that_never_arrives_is_not_sent_again() -> None:
    # Far later than the run lasts: the client must give up by its deadline, not post again.
    sim = Simulation.from_scenario("default", seed=0)
    sim.faults.add(slow_creates(10_000.0, start=4.0))  # the probe (at 0 s) gets through
    policy = RestartPolicy(request_timeout=10.0, deadline=200.0)

    report = run(sim, policy)

    assert report.outcome is Outcome.TIMED_OUT
    assert "was not sent again" in report.reason and "restart task" in report.reason
    posts = [e for e in sim.journal if "POST /api/Spaces-1/tasks" in e.text and
             "Restarting" not in e.text]  # fmt: skip
    assert posts, "the restart create was never even sent"
    sim.clock.advance_to(sim.clock.now() + 20_000)
    assert len(restart_tasks(sim)) == 1  # the late one, once


def test_a_refused_connection_is_retried_at_once() -> None:
    # ConnectError: the request never reached Octopus, so posting again is safe.
    sim = Simulation.from_scenario("default", seed=0)
    sim.faults.add(FaultRule(FaultKind.ConnectError, method="POST", route=r"/tasks$",
                             window=(10.0, 10.5)))  # fmt: skip

    report = run(sim)

    assert report.outcome is Outcome.RESTARTED, report.reason
    assert len(restart_tasks(sim)) == 1


def test_probes_may_be_created_again_after_a_lookup() -> None:
    # A probe created twice is harmless (both are tracked and cleaned up); it is looked for
    # first, then created again, so the run does not wait on a create that went missing.
    sim = Simulation.from_scenario("default", seed=0)
    sim.faults.add(slow_creates(10_000.0, end=0.1))  # only the very first create: a probe

    report = run(sim)

    assert report.outcome is Outcome.RESTARTED, report.reason
    assert len(restart_tasks(sim)) == 1
