"""The restart client and a full task cap (issue 18): every task it creates carries a
QueueTimeExpiry at its deadline, its preflight warns when the cap is nearly full, and a task
that stays Queued ends the run by its deadline with a reason that names the queue."""

from __future__ import annotations

import random

import pytest

from octosim import Simulation
from octosim.model.states import TaskState
from restart import Outcome, RestartPolicy, RestartTarget
from restart._session import Session
from restart.drivers.direct import run_direct
from restart.protocol import Request, Response

MACHINE = RestartTarget("Spaces-1", machine_id="Machines-1")
FOREVER = "Start-Sleep -Seconds 1000000"


def occupy(sim: Simulation, count: int) -> list[str]:
    """Queue ``count`` ad-hoc scripts that run (nearly) forever; return their ids."""
    ids = []
    for n in range(count):
        task = sim.engine.create("Spaces-1", "AdHocScript", {
            "MachineIds": ["Machines-1"], "ScriptBody": FOREVER, "Syntax": "PowerShell",
        }, description=f"Long job {n}")
        ids.append(task.id)
    return ids


def test_a_task_queued_behind_a_full_cap_ends_the_run_by_its_deadline_and_says_why() -> None:
    sim = Simulation.from_scenario("default", seed=0)
    sim.engine.task_cap = 1
    blockers = occupy(sim, 1)
    policy = RestartPolicy()

    report = run_direct(sim, MACHINE, policy, rng=random.Random(0), raise_errors=False)

    assert report.outcome is Outcome.TIMED_OUT
    assert report.ended <= report.started + policy.deadline
    assert "the probe task" in report.reason
    assert "stayed Queued behind 1 running task(s): the task cap is full" in report.reason
    assert any("is still Queued behind 1 running task(s)" in line.text for line in report.log)
    # Nothing of this run is left behind, and the blocker was left alone.
    mine = [sim.engine.tasks[t.id] for t in report.tasks]
    assert mine and all(task.state.is_completed for task in mine)
    assert sim.engine.tasks[blockers[0]].state is TaskState.Executing


def test_every_task_the_client_creates_expires_at_its_deadline() -> None:
    sim = Simulation.from_scenario("default", seed=0)
    policy = RestartPolicy()

    report = run_direct(sim, MACHINE, policy, rng=random.Random(0))

    assert report.outcome is Outcome.RESTARTED
    # On the server's clock (its Date header, whole seconds): never later than the deadline.
    deadline = report.started + policy.deadline
    for task in report.tasks:
        expiry = sim.engine.tasks[task.id].queue_time_expiry
        assert expiry is not None and deadline - 1 <= expiry <= deadline


@pytest.mark.parametrize(("busy", "warned"), [(3, False), (4, True)])
def test_the_preflight_warns_when_the_task_cap_is_nearly_full(busy: int, warned: bool) -> None:
    sim = Simulation.from_scenario("default", seed=0)
    sim.engine.task_cap = 8  # room for the restart's own tasks: only the warning differs
    occupy(sim, busy)

    report = run_direct(sim, MACHINE, rng=random.Random(0), raise_errors=False)

    warnings = [line.text for line in report.log
                if line.level == "warning" and "running or queued" in line.text]
    assert bool(warnings) is warned
    if warned:
        assert warnings[0].startswith(f"Octopus has {busy} task(s) running or queued")


class _Clock:
    """The run's clock, set by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _answer(session: Session, date: str) -> None:
    """Send a request through ``session`` and answer it with ``Date: date``."""
    steps = session.send(Request("GET", "/api"))
    next(steps)
    with pytest.raises(StopIteration):
        steps.send(Response(200, {"date": date}))


def _session(narrated: list[str]) -> tuple[Session, _Clock]:
    clock = _Clock()
    session = Session(policy=RestartPolicy(), rng=random.Random(0), space_id="Spaces-1",
                      web_base_url="http://octopus", clock=clock, narrate=narrated.append)
    session.deadline = 330.0
    return session, clock


def test_the_expiry_is_dated_by_the_first_answer_and_kept_while_the_clocks_agree() -> None:
    narrated: list[str] = []
    session, clock = _session(narrated)
    _answer(session, "Mon, 15 Jan 2024 09:00:00 GMT")
    assert session.queue_time_expiry == "2024-01-15T09:05:30+00:00"
    # 100.4 s later on both clocks (Date rounds the server's down): nothing new to learn.
    clock.now = 100.4
    _answer(session, "Mon, 15 Jan 2024 09:01:40 GMT")
    assert session.queue_time_expiry == "2024-01-15T09:05:30+00:00"
    assert not [line for line in narrated if "clock moved" in line]


@pytest.mark.parametrize(("server", "expiry", "moved"), [
    # The server's clock runs ahead (stepped forward, or a simulator at --rate 10): dated
    # once, the expiry would pass at once and every later task would be TimedOut unstarted.
    ("09:10:00", "2024-01-15T09:14:30+00:00", "+540 s"),
    # ... or falls behind (stepped back): dated once, a task could start after the run gave up.
    ("08:59:00", "2024-01-15T09:03:30+00:00", "-120 s"),
])
def test_the_expiry_is_dated_again_when_the_servers_clock_moves_against_the_runs(
    server: str, expiry: str, moved: str
) -> None:
    narrated: list[str] = []
    session, clock = _session(narrated)
    _answer(session, "Mon, 15 Jan 2024 09:00:00 GMT")
    clock.now = 60.0
    _answer(session, f"Mon, 15 Jan 2024 {server} GMT")
    assert session.queue_time_expiry == expiry  # that Date plus the 270 s left to the deadline
    assert [line for line in narrated if "clock moved" in line] == [
        f"The server's clock moved {moved} against this run's: tasks created from now on "
        f"expire at {expiry}"
    ]
