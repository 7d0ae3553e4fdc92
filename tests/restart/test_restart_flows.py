"""restart.flows: a sans-IO procedure as an engine flow, against a simulation, in virtual time.

The exchange is checked wait by wait (what a fault makes the client wait becomes a Delay,
nothing else does); a whole procedure is then run as a task's flow, where its child tasks
share the task cap with the task running it, and cancelled, where its cleanup still runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from octosim.faults import FaultKind, FaultPlan, FaultRule
from octosim.model.executors import Delay, Flow, Forever, TaskRun
from octosim.model.states import TaskState
from octosim.model.world import World
from octosim.scenario import AgentSpec, Scenario
from octosim.simulation import Simulation
from restart.flows import DelayFlow, ProcedureRun, SimulatedServer, drive_on_clock
from restart.procedure import RestartProcedure
from restart.protocol import Request, Response, Send, TransportFailure
from restart.report import Outcome, RestartReport
from restart.target import RestartTarget

ROOT = Send(Request("GET", "/api"), 30.0)


def _steps(flow: DelayFlow[Any]) -> tuple[list[float], Any]:
    """Run ``flow`` by hand: the seconds of each Delay it yields, and what it returns."""
    waits: list[float] = []
    try:
        wait = next(flow)
        while True:
            waits.append(wait.seconds)
            wait = flow.send(None)
    except StopIteration as stop:
        return waits, stop.value


def _faulty(rule: FaultRule) -> Simulation:
    sim = Simulation()
    sim.faults = FaultPlan([rule])
    return sim


def test_an_untouched_request_is_answered_at_once_with_the_routes_json() -> None:
    sim = Simulation()
    waits, event = _steps(SimulatedServer.of(sim).exchange(ROOT))
    assert waits == []
    assert isinstance(event, Response) and event.status == 200
    assert isinstance(event.json, dict) and "Version" in event.json


def test_latency_becomes_a_delay_and_the_answer_comes_after_it() -> None:
    sim = _faulty(FaultRule(FaultKind.Latency, latency=7.0))
    waits, event = _steps(SimulatedServer.of(sim).exchange(ROOT))
    assert waits == [7.0]
    assert isinstance(event, Response) and event.status == 200


def test_a_read_timeout_waits_the_clients_timeout_then_fails_ambiguously() -> None:
    sim = _faulty(FaultRule(FaultKind.ReadTimeout))
    waits, event = _steps(SimulatedServer.of(sim).exchange(ROOT))
    assert waits == [30.0]
    assert isinstance(event, TransportFailure) and event.kind == "timeout"


def test_a_connect_error_fails_at_once() -> None:
    sim = _faulty(FaultRule(FaultKind.ConnectError))
    waits, event = _steps(SimulatedServer.of(sim).exchange(ROOT))
    assert waits == []
    assert isinstance(event, TransportFailure) and event.kind == "connect"


def test_the_key_is_the_servers_own_unless_another_is_given() -> None:
    sim = Simulation()
    wrong = SimulatedServer.of(sim).with_key("API-WRONGWRONGWRONGWRONG")
    _, event = _steps(wrong.exchange(Send(Request("GET", "/api/Spaces-1/machines"), 30.0)))
    assert isinstance(event, Response) and event.status in (401, 403)
    _, event = _steps(SimulatedServer.of(sim).exchange(
        Send(Request("GET", "/api/Spaces-1/machines"), 30.0)))
    assert isinstance(event, Response) and event.status == 200


# -- a procedure as a task's flow ---------------------------------------------------------------
@dataclass
class RestartTask:
    """A task type whose flow restarts web-01's Tentacle with the restart client: the
    smallest host of a ProcedureRun (a deployment step is another)."""

    sim: Simulation
    name: str = "Octosim.TestRestart"
    description: str = "Restart a Tentacle from inside a task"
    last: ProcedureRun | None = None

    def validate(self, arguments: Mapping[str, Any], space_id: str,
                 world: World) -> dict[str, Any]:
        return dict(arguments)

    def execute(self, run: TaskRun) -> Flow:
        procedure = RestartProcedure(RestartTarget(machine_id="Machines-1"),
                                     rng=run.stream("restart"), wall_clock=run.clock.wall)
        self.last = driven = ProcedureRun(procedure, SimulatedServer.of(self.sim), run.clock)
        run.on_cancel(driven.cancel)
        report = yield from driven.flow()
        return None if report.ok else report.reason


def _host(task_cap: int = 5) -> tuple[Simulation, RestartTask]:
    sim = Simulation.from_scenario("default", task_cap=task_cap)
    executor = RestartTask(sim)
    sim.engine.register(executor)
    return sim, executor


def _report(executor: RestartTask) -> RestartReport:
    assert executor.last is not None and executor.last.report is not None
    return executor.last.report


def test_a_procedure_run_as_a_task_restarts_the_tentacle_in_virtual_time() -> None:
    sim, executor = _host()
    task = sim.engine.create("Spaces-1", executor.name, {})
    sim.clock.advance_to(600)
    report = _report(executor)
    assert task.state is TaskState.Success, task.error_message
    assert report.outcome is Outcome.RESTARTED
    # Its probe, restart and health tasks ran beside the task that asked for them.
    kinds = [t.name for t in sim.engine.tasks.values()]
    assert kinds[0] == executor.name and {"AdHocScript", "Health"} <= set(kinds)
    started = task.start_time
    assert started is not None
    assert all(t.created >= started for t in list(sim.engine.tasks.values())[1:])


def test_its_child_tasks_share_the_task_cap_with_the_task_running_it() -> None:
    # Cap 1: the task running the client holds the only slot, so every task the client
    # creates stays Queued; the client gives up by its deadline and cancels them.
    sim, executor = _host(task_cap=1)
    task = sim.engine.create("Spaces-1", executor.name, {})
    sim.clock.advance_to(1000)
    report = _report(executor)
    assert report.outcome is Outcome.TIMED_OUT and "phase witness" in report.reason
    assert task.state is TaskState.Failed
    children = list(sim.engine.tasks.values())[1:]
    assert children and all(t.state is TaskState.Canceled for t in children)
    assert all(t.start_time is None for t in children)  # none ever got a slot
    assert report.ended <= report.deadline  # type: ignore[operator]


def test_a_cancelled_task_still_lets_the_client_clean_up() -> None:
    # Cap 1 keeps the client's probe Queued behind the task running it; cancelling that
    # task must not leave the probe to start once the slot comes free.
    sim, executor = _host(task_cap=1)
    task = sim.engine.create("Spaces-1", executor.name, {})
    sim.clock.advance_to(60)
    waiting = [t for t in sim.engine.tasks.values() if t is not task]
    assert waiting and all(t.state is TaskState.Queued for t in waiting)
    sim.engine.cancel(task)
    sim.clock.advance_to(120)
    report = _report(executor)
    assert report.interrupted and report.outcome is Outcome.FAILED
    assert task.state is TaskState.Canceled
    children = [t for t in sim.engine.tasks.values() if t is not task]
    assert children == waiting  # the cleanup created nothing new
    assert all(t.state is TaskState.Canceled and t.start_time is None for t in children)


def test_cancel_after_the_procedure_finished_changes_nothing() -> None:
    sim, executor = _host()
    sim.engine.create("Spaces-1", executor.name, {})
    sim.clock.advance_to(600)
    driven = executor.last
    assert driven is not None and driven.report is not None
    before = driven.report
    driven.cancel()
    sim.clock.advance_to(700)
    assert driven.report is before


def test_the_same_seed_gives_the_same_timeline() -> None:
    timelines = []
    for _ in range(2):
        sim, executor = _host()
        sim.engine.create("Spaces-1", executor.name, {})
        sim.clock.advance_to(600)
        timelines.append(sim.timeline())
    assert timelines[0] == timelines[1]


# -- drive_on_clock -----------------------------------------------------------------------------
def test_drive_on_clock_runs_each_delay_as_a_clock_event() -> None:
    sim = Simulation()
    seen: list[float] = []
    done: list[str] = []

    def flow() -> DelayFlow[str]:
        seen.append(sim.clock.now())
        yield Delay(5)
        seen.append(sim.clock.now())
        yield Delay(2.5)
        seen.append(sim.clock.now())
        return "done"

    drive_on_clock(flow(), sim.clock, done.append)
    assert seen == [0.0] and done == []
    sim.clock.advance_to(100)
    assert seen == [0.0, 5.0, 7.5] and done == ["done"]


def test_drive_on_clock_refuses_a_wait_only_a_task_can_run() -> None:
    sim = Simulation()

    def flow() -> Flow:
        yield Forever()  # a task's flow may wait for ever; a flow on the clock may not

    with pytest.raises(TypeError, match="only Delay"):
        drive_on_clock(flow(), sim.clock)  # type: ignore[arg-type]


def test_many_clients_run_side_by_side_on_one_clock_with_no_task() -> None:
    # What a scheduler of many clients does: each procedure's flow on the clock alone.
    scenario = Scenario(agents=tuple(AgentSpec(name=f"web-0{n}") for n in (1, 2, 3)))
    sim = Simulation.from_scenario(scenario)
    reports: list[RestartReport] = []
    for n in (1, 2, 3):
        procedure = RestartProcedure(RestartTarget(machine_id=f"Machines-{n}"),
                                     rng=sim.streams.stream("restart", str(n)),
                                     wall_clock=sim.clock.wall)
        driven = ProcedureRun(procedure, SimulatedServer.of(sim), sim.clock)
        drive_on_clock(driven.flow(), sim.clock, reports.append)
    sim.clock.advance_to(600)
    assert sorted(r.machine_id or "" for r in reports) == ["Machines-1", "Machines-2", "Machines-3"]
    assert all(r.ok for r in reports)
    # They overlapped: each started before any finished.
    assert max(r.started for r in reports) < min(r.ended for r in reports)
