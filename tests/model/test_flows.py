"""Executors as flows: generators that yield what they wait for, driven by the engine in
virtual time (Delay, Forever, AllOf, FirstOf, Subflow, and cancellation)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from octosim.clock import VirtualClock
from octosim.journal import Journal
from octosim.model import (
    AllOf,
    Delay,
    FirstOf,
    Flow,
    Forever,
    Subflow,
    TaskEngine,
    TaskRun,
    TaskState,
    World,
)
from octosim.model.randomness import Streams
from tests.worlds import default_world


@dataclass
class Scripted:
    """An executor whose flow is the function given; records what it saw."""

    flow: Any
    name: str = "Scripted"
    description: str = "A scripted flow"
    seen: list[object] = field(default_factory=list)

    def validate(self, arguments: Mapping[str, Any], space_id: str, world: World
                 ) -> dict[str, Any]:
        return dict(arguments)

    def execute(self, run: TaskRun) -> Flow:
        return self.flow(run, self.seen)  # type: ignore[no-any-return]


def engine_with(executor: Scripted) -> TaskEngine:
    streams = Streams(0)
    engine = TaskEngine(VirtualClock(), Journal(), default_world(streams.stream("world")),
                        streams, cancel_delay=1.0)
    engine.register(executor)
    return engine


def test_a_flow_waits_for_each_delay_and_its_return_ends_the_task() -> None:
    def flow(run: TaskRun, seen: list[object]) -> Flow:
        seen.append((yield Delay(5)))
        seen.append(run.clock.now())
        yield Delay(2.5)
        seen.append(run.clock.now())
        return None

    ex = Scripted(flow)
    engine = engine_with(ex)
    task = engine.create("Spaces-1", "Scripted", {})
    engine.clock.sleep(7)
    assert task.state is TaskState.Executing  # the resumption at 7.5 has not happened
    engine.clock.sleep(1)
    assert ex.seen == [None, 5.0, 7.5]
    assert (task.state, task.completed_time) == (TaskState.Success, 7.5)


def test_returning_a_string_fails_the_task_with_it() -> None:
    def flow(run: TaskRun, seen: list[object]) -> Flow:
        yield Delay(1)
        return "It broke."

    engine = engine_with(Scripted(flow))
    task = engine.create("Spaces-1", "Scripted", {})
    engine.clock.sleep(1)
    assert (task.state, task.error_message) == (TaskState.Failed, "It broke.")


def test_all_of_runs_flows_side_by_side_and_returns_results_in_order() -> None:
    def part(run: TaskRun, seconds: float, label: str) -> Flow:
        yield Delay(seconds)
        return (label, run.clock.now())

    def flow(run: TaskRun, seen: list[object]) -> Flow:
        results = yield AllOf([part(run, 3, "slow"), part(run, 1, "fast")])
        seen.append(results)
        seen.append(run.clock.now())

    ex = Scripted(flow)
    engine = engine_with(ex)
    engine.create("Spaces-1", "Scripted", {})
    engine.clock.sleep(10)
    assert ex.seen == [[("slow", 3.0), ("fast", 1.0)], 3.0]  # together: 3 s, not 4


def test_first_of_resumes_with_the_winner_and_stops_the_others() -> None:
    def loser(run: TaskRun, seen: list[object]) -> Flow:
        yield Delay(10)
        seen.append("the loser ran on")  # must never happen

    def flow(run: TaskRun, seen: list[object]) -> Flow:
        seen.append((yield FirstOf(loser(run, seen), Delay(4))))
        seen.append(run.clock.now())
        yield Delay(20)

    ex = Scripted(flow)
    engine = engine_with(ex)
    task = engine.create("Spaces-1", "Scripted", {})
    engine.clock.sleep(30)
    assert ex.seen == [(1, None), 4.0]
    assert task.state is TaskState.Success


def test_a_wait_that_is_over_at_once_goes_on_without_time_passing() -> None:
    def quick(run: TaskRun) -> Flow:
        return "done"
        yield  # a flow that waits for nothing

    def flow(run: TaskRun, seen: list[object]) -> Flow:
        seen.append((yield Subflow(quick(run))))
        seen.append((yield AllOf([])))
        seen.append(run.clock.now())

    ex = Scripted(flow)
    engine = engine_with(ex)
    task = engine.create("Spaces-1", "Scripted", {})
    assert ex.seen == ["done", [], 0.0]
    assert task.state is TaskState.Success  # ended within create, at time 0


def test_cancelling_stops_what_the_flow_waits_on_and_it_is_never_resumed() -> None:
    def part(run: TaskRun, seen: list[object]) -> Flow:
        yield Delay(5)
        seen.append("part resumed")

    def flow(run: TaskRun, seen: list[object]) -> Flow:
        yield AllOf([part(run, seen), part(run, seen)])
        seen.append("flow resumed")

    ex = Scripted(flow)
    engine = engine_with(ex)
    task = engine.create("Spaces-1", "Scripted", {})
    engine.clock.sleep(2)
    engine.cancel(task)
    assert engine.clock.pending == 1  # only the engine's own Cancelling → Canceled
    engine.clock.sleep(10)
    assert ex.seen == [] and task.state is TaskState.Canceled


def test_forever_runs_until_cancelled() -> None:
    def flow(run: TaskRun, seen: list[object]) -> Flow:
        yield Forever()

    engine = engine_with(Scripted(flow))
    task = engine.create("Spaces-1", "Scripted", {})
    engine.clock.sleep(3600)
    assert task.state is TaskState.Executing
    engine.cancel(task)
    engine.clock.sleep(1)
    assert task.state is TaskState.Canceled


@dataclass
class OldStyle:
    """An executor written before flows: ``start`` schedules a callback."""

    name: str = "OldStyle"
    description: str = "Callback executor"

    def validate(self, arguments: Mapping[str, Any], space_id: str, world: World
                 ) -> dict[str, Any]:
        return dict(arguments)

    def start(self, run: TaskRun) -> None:
        run.call_later(3, lambda: run.fail("old style failed"))


def test_an_executor_written_with_callbacks_still_runs() -> None:
    streams = Streams(0)
    engine = TaskEngine(VirtualClock(), Journal(), default_world(streams.stream("world")),
                        streams)
    engine.register(OldStyle())
    task = engine.create("Spaces-1", "OldStyle", {})
    engine.clock.sleep(3)
    assert (task.state, task.error_message) == (TaskState.Failed, "old style failed")
