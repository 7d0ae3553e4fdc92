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
from restart import RestartPolicy, RestartProcedure, RestartTarget
from restart.drivers.direct import direct_transport, run_direct
from restart.drivers.loop import drive
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


# -- creates Octopus refused: nothing to look up ---------------------------------------------
def lookups(sim: Simulation) -> list[str]:
    """The task-list lookups by type (``GET .../tasks?name=``) the simulator answered."""
    return [e.text for e in sim.journal if e.text.startswith("GET /api/Spaces-1/tasks?name=")]


def refused_creates(status: int, start: float = 0.0) -> FaultRule:
    # Answered without touching the server: no task is created.
    return FaultRule(FaultKind.Status, status=status, method="POST", route=r"/tasks$",
                     window=(start, 1e9))  # fmt: skip


@pytest.mark.parametrize("status", [408, 429])
def test_creates_refused_until_retries_run_out_leave_nothing_to_look_up(status: int) -> None:
    # 408 and 429 say Octopus did not act on the create, so the cleanup has no task to look
    # for: every attempt was refused, the last one too.
    sim = Simulation.from_scenario("default", seed=0)
    sim.faults.add(refused_creates(status))

    report = run(sim)

    assert report.outcome is Outcome.FAILED and f"HTTP {status}" in report.reason
    assert report.tasks == ()  # none was created
    assert lookups(sim) == [], sim.timeline()


def test_an_interrupt_in_the_backoff_after_a_refused_create_looks_nothing_up() -> None:
    # The refusal is the latest word on the create: a Ctrl-C while waiting to post again
    # leaves no task that may exist.
    sim = Simulation.from_scenario("default", seed=0)
    sim.faults.add(refused_creates(429))
    proc = RestartProcedure(TARGET, POLICY, rng=random.Random(1), wall_clock=sim.clock.wall)

    def sleep(seconds: float) -> None:
        raise KeyboardInterrupt  # the first sleep is the backoff after the first 429

    report = drive(proc, direct_transport(sim), clock=sim.clock.now, sleep=sleep,
                   raise_errors=False)  # fmt: skip

    assert report.interrupted, report.reason
    assert report.requests == 4  # the preflight's three, the refused create
    assert lookups(sim) == [], sim.timeline()


def test_a_lost_create_is_still_looked_up_after_later_refusals() -> None:
    # The first create's answer was lost (a 502 from a proxy: Octopus may have acted on it),
    # then the retries were refused. The refusals say nothing of the first create, which
    # may still turn into a task: the cleanup must look for it.
    sim = Simulation.from_scenario("default", seed=0)
    sim.faults.add(FaultRule(FaultKind.Status, status=502, method="POST", route=r"/tasks$",
                             window=(0.0, 0.1)))  # fmt: skip
    sim.faults.add(refused_creates(429, start=0.1))

    report = run(sim)

    assert report.outcome is Outcome.FAILED and "HTTP 429" in report.reason
    # one lookup after the 502, before posting again; one by the cleanup
    assert len(lookups(sim)) == 2, sim.timeline()
