"""The task engine, example by example: the queue and its cap, FIFO, QueueTime,
QueueTimeExpiry, the cancel paths, rerun, and set-state's wording."""

from __future__ import annotations

import pytest

from octosim.clock import VirtualClock
from octosim.journal import Journal, Kind
from octosim.model import GenericExecutor, TaskEngine, TaskState
from octosim.model.engine import EngineError, UnknownTaskType
from octosim.model.executors import ArgumentError
from octosim.model.randomness import Streams
from octosim.model.tasks import ActivityStatus, LogCategory
from tests.worlds import default_world


def make_engine(cap: int = 2, cancel_delay: float = 2.0) -> TaskEngine:
    streams = Streams(0)
    engine = TaskEngine(
        VirtualClock(), Journal(), default_world(streams.stream("world")), streams,
        task_cap=cap, cancel_delay=cancel_delay,
    )
    engine.register(GenericExecutor("Slow", duration=10))
    engine.register(GenericExecutor("Failing", duration=5, failure_rate=1.0))
    return engine


def test_a_task_starts_at_once_when_a_slot_is_free_and_succeeds() -> None:
    engine = make_engine()
    task = engine.create("Spaces-1", "Slow", {})
    assert task.state is TaskState.Executing
    assert task.start_time == 0.0 and task.has_been_picked_up and task.server_node
    engine.clock.sleep(10)
    assert task.state is TaskState.Success
    assert task.is_completed and task.finished_successfully and task.error_message == ""
    assert task.completed_time == 10.0 and task.log.status is ActivityStatus.Success


def test_log_lines_are_numbered_across_the_task_and_immutable() -> None:
    engine = make_engine()
    task = engine.create("Spaces-1", "Slow", {})
    step = task.log.child("Step", started=0.0)
    line = step.write(1.5, "careful", LogCategory.Warning, detail="why")
    assert (line.category, line.occurred_at, line.message, line.detail) == (
        LogCategory.Warning, 1.5, "careful", "why")
    assert line.number == task.log.version - 1  # numbered across the whole tree
    assert task.log.has_warnings_or_errors
    with pytest.raises(AttributeError):
        line.message = "changed"  # type: ignore[misc]
    assert task.log.write(2.0, "plain").detail is None


def test_a_failing_task_says_so() -> None:
    engine = make_engine()
    task = engine.create("Spaces-1", "Failing", {})
    engine.clock.sleep(5)
    assert task.state is TaskState.Failed and not task.finished_successfully
    assert task.error_message == "The Failing task failed."
    assert task.has_warnings_or_errors


def test_the_cap_queues_the_rest_and_they_start_in_fifo_order() -> None:
    engine = make_engine(cap=2)
    tasks = [engine.create("Spaces-1", "Slow", {}) for _ in range(5)]
    assert [t.state for t in tasks] == [TaskState.Executing] * 2 + [TaskState.Queued] * 3
    assert engine.executing == 2
    assert [t.id for t in engine.queued_ahead_of(tasks[4])] == [tasks[2].id, tasks[3].id]
    assert engine.queued_ahead_of(tasks[0]) == []
    engine.clock.sleep(10)  # the first two finish; the next two take their slots
    assert [t.state for t in tasks] == [TaskState.Success] * 2 + [TaskState.Executing] * 2 + [
        TaskState.Queued
    ]
    assert tasks[2].start_time == tasks[3].start_time == 10.0
    engine.clock.sleep(10)
    assert tasks[4].start_time == 20.0
    engine.clock.sleep(10)
    assert all(t.state is TaskState.Success for t in tasks)
    # Start order is creation order.
    assert sorted(tasks, key=lambda t: (t.start_time, t.number)) == tasks


def test_raising_the_cap_starts_queued_tasks_and_a_cap_below_one_is_refused() -> None:
    engine = make_engine(cap=1)
    first, second = engine.create("Spaces-1", "Slow", {}), engine.create("Spaces-1", "Slow", {})
    assert second.state is TaskState.Queued
    engine.task_cap = 2
    assert second.state is TaskState.Executing and first.state is TaskState.Executing
    with pytest.raises(EngineError, match="task cap must be at least 1, not 0"):
        engine.task_cap = 0


def test_queue_time_holds_a_task_back_even_with_free_slots() -> None:
    engine = make_engine()
    task = engine.create("Spaces-1", "Slow", {}, queue_time=30.0)
    assert task.state is TaskState.Queued and task.queue_time == 30.0
    engine.clock.sleep(29.9)
    assert task.state is TaskState.Queued
    engine.clock.sleep(0.1)
    assert task.state is TaskState.Executing and task.start_time == 30.0


def test_a_queue_time_in_the_past_means_now() -> None:
    engine = make_engine()
    engine.clock.sleep(50)
    task = engine.create("Spaces-1", "Slow", {}, queue_time=10.0)
    assert task.queue_time == 50.0 and task.state is TaskState.Executing


def test_a_waiting_task_later_in_the_queue_does_not_block_an_eligible_one() -> None:
    engine = make_engine(cap=1)
    engine.create("Spaces-1", "Slow", {})
    later = engine.create("Spaces-1", "Slow", {}, queue_time=100.0)
    now = engine.create("Spaces-1", "Slow", {})
    engine.clock.sleep(10)
    assert now.state is TaskState.Executing and later.state is TaskState.Queued


def test_queue_time_expiry_times_a_queued_task_out() -> None:
    engine = make_engine(cap=1)
    blocker = engine.create("Spaces-1", "Slow", {})
    task = engine.create("Spaces-1", "Slow", {}, queue_time_expiry=5.0)
    engine.clock.sleep(5)
    assert task.state is TaskState.TimedOut and task.completed_time == 5.0
    assert task.start_time is None and not task.has_been_picked_up
    assert task.error_message == (
        "The task was not started before its QueueTimeExpiry and has timed out."
    )
    engine.clock.sleep(5)
    assert blocker.state is TaskState.Success and task.state is TaskState.TimedOut


def test_a_queue_time_expiry_already_past_times_the_task_out_unstarted() -> None:
    # A free slot must not start it first: a task queued at its QueueTimeExpiry times out.
    engine = make_engine()
    engine.clock.sleep(50)
    for expiry in (10.0, 50.0):
        task = engine.create("Spaces-1", "Slow", {}, queue_time_expiry=expiry)
        assert task.state is TaskState.TimedOut and task.completed_time == 50.0
        assert task.start_time is None and not task.has_been_picked_up
    assert engine.create("Spaces-1", "Slow", {}, queue_time_expiry=50.5).state is (
        TaskState.Executing)


def test_queue_time_expiry_does_nothing_to_a_task_that_started() -> None:
    engine = make_engine()
    task = engine.create("Spaces-1", "Slow", {}, queue_time_expiry=5.0)
    engine.clock.sleep(10)
    assert task.state is TaskState.Success


def test_canceling_a_queued_task_is_immediate() -> None:
    engine = make_engine(cap=1)
    engine.create("Spaces-1", "Slow", {})
    queued = engine.create("Spaces-1", "Slow", {})
    engine.cancel(queued)
    assert queued.state is TaskState.Canceled and queued.completed_time == 0.0
    assert queued.start_time is None and queued.error_message == "The task was canceled."
    assert engine.queued_ahead_of(queued) == []


def test_canceling_an_executing_task_goes_through_cancelling_and_frees_its_slot() -> None:
    engine = make_engine(cap=1, cancel_delay=2.0)
    running = engine.create("Spaces-1", "Slow", {})
    waiting = engine.create("Spaces-1", "Slow", {})
    engine.clock.sleep(1)
    engine.cancel(running)
    assert running.state is TaskState.Cancelling and running.is_running
    assert waiting.state is TaskState.Queued  # Cancelling still holds the slot
    engine.clock.sleep(2)
    assert running.state is TaskState.Canceled and running.completed_time == 3.0
    assert running.log.status is ActivityStatus.Canceled
    assert waiting.state is TaskState.Executing and waiting.start_time == 3.0
    # The canceled task's own work never finishes it as a success later.
    engine.clock.sleep(20)
    assert running.state is TaskState.Canceled


def test_canceling_twice_or_after_completion_changes_nothing() -> None:
    engine = make_engine()
    task = engine.create("Spaces-1", "Slow", {})
    engine.cancel(task)
    engine.cancel(task)
    assert task.state is TaskState.Cancelling
    engine.clock.sleep(10)
    assert task.state is TaskState.Canceled
    done = engine.create("Spaces-1", "Slow", {})
    engine.clock.sleep(10)
    engine.cancel(done)
    assert done.state is TaskState.Success


def test_rerun_queues_a_copy_of_a_completed_task_only() -> None:
    engine = make_engine()
    task = engine.create("Spaces-1", "Slow", {"X": 1}, description="first")
    with pytest.raises(EngineError, match=r"^This task cannot be re-run\.$"):
        engine.rerun(task)
    engine.clock.sleep(10)
    again = engine.rerun(task)
    assert again.id != task.id and again.rerun_of == task.id
    assert (again.name, again.description, again.arguments) == ("Slow", "first", {"X": 1})
    assert again.state is TaskState.Executing


def test_set_state_wording() -> None:
    engine = make_engine()
    task = engine.create("Spaces-1", "Slow", {})
    with pytest.raises(EngineError, match=r"^No reason was provided\.$"):
        engine.set_state(task, "Failed", "  ")
    with pytest.raises(EngineError) as bad:
        engine.set_state(task, "TimedOut", "because")
    assert str(bad.value) == (
        "The task can not be put into the state.  Valid states are: Canceled, Failed, Success."
    )
    with pytest.raises(EngineError) as running:
        engine.set_state(task, "Failed", "because")
    assert str(running.value) == (
        "The task state can not be changed to the selected state.  It can only be changed "
        "out of the states: Canceled, Failed, Success."
    )
    engine.clock.sleep(10)
    with pytest.raises(EngineError, match=r"^The task is already in the state\.$"):
        engine.set_state(task, "Success", "because")
    engine.set_state(task, "Failed", "bad deploy")
    assert task.state is TaskState.Failed
    assert task.error_message == "State changed by hand: bad deploy"
    assert task.completed_time == 10.0
    engine.set_state(task, "Success", "fixed")
    assert task.state is TaskState.Success and task.error_message == ""
    assert any("set by hand: fixed" in e.text for e in engine.journal.entries(kind=Kind.Task))


def test_unknown_task_types_and_bad_machine_ids_are_refused() -> None:
    engine = make_engine()
    with pytest.raises(UnknownTaskType, match="'Deploy' is not supported"):
        engine.create("Spaces-1", "Deploy", {})
    with pytest.raises(ArgumentError, match="Machines-99"):
        engine.create("Spaces-1", "Slow", {"MachineIds": ["Machines-99"]})
    assert engine.tasks == {}


def test_tasks_are_indexed_by_machine_and_listed_newest_first() -> None:
    engine = make_engine()
    a = engine.create("Spaces-1", "Slow", {"MachineIds": "Machines-1"})
    b = engine.create("Spaces-1", "Slow", {})
    c = engine.create("Spaces-1", "Slow", {"MachineIds": ["Machines-1"]})
    assert a.arguments["MachineIds"] == ["Machines-1"]
    assert engine.for_machine("Machines-1") == [c, a]
    assert list(engine.newest_first()) == [c, b, a]


def test_every_state_change_is_journalled_in_order() -> None:
    engine = make_engine(cap=1)
    task = engine.create("Spaces-1", "Slow", {})
    engine.clock.sleep(10)
    texts = [e.text for e in engine.journal.entries(kind=Kind.Task, subject=task.id)]
    assert texts == [
        f"{task.id} Slow 'Slow' created (Queued)",
        f"{task.id} Queued → Executing",
        f"{task.id} Executing → Success",
    ]
