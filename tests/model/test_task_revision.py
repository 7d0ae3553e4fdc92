"""Task.revision: every change to a task (by the engine, or to its log) gives a new
revision, so a render cache keyed on it can never serve a stale task."""

from __future__ import annotations

from octosim.clock import VirtualClock
from octosim.journal import Journal
from octosim.model import GenericExecutor, TaskEngine
from octosim.model.randomness import Streams
from octosim.model.tasks import ActivityStatus, LogCategory, Task
from tests.worlds import default_world


def make_engine() -> TaskEngine:
    streams = Streams(0)
    engine = TaskEngine(VirtualClock(), Journal(), default_world(streams.stream("world")),
                        streams, task_cap=1)
    engine.register(GenericExecutor("Slow", duration=10))
    return engine


def test_every_engine_change_gives_a_new_revision() -> None:
    engine = make_engine()
    running = engine.create("Spaces-1", "Slow", {})
    queued = engine.create("Spaces-1", "Slow", {})
    seen = {queued.revision}
    engine.cancel(queued)  # Queued -> Canceled
    assert queued.revision not in seen
    seen = {running.revision}
    engine.clock.sleep(10)  # Executing -> Success
    assert running.revision not in seen
    seen.add(running.revision)
    engine.set_state(running, "Failed", "by hand")
    assert running.revision not in seen


def test_a_log_line_or_a_finished_element_gives_a_new_revision() -> None:
    task = Task("ServerTasks-1", "Spaces-1", "Slow", "", {}, 0.0, None, 0.0)
    before = task.revision
    step = task.log.child("step", started=0.0)
    task.log.write(1.0, "a line", LogCategory.Info)
    after_line = task.revision
    assert after_line != before
    step.finish(2.0, ActivityStatus.Success)
    assert task.revision != after_line


def test_touch_gives_a_new_revision() -> None:
    task = Task("ServerTasks-1", "Spaces-1", "Slow", "", {}, 0.0, None, 0.0)
    before = task.revision
    task.server_node = "NODE-2"
    task.touch()  # what the engine does after every change, and code outside it must
    assert task.revision == before + 1
