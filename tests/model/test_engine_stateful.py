"""A Hypothesis state machine over the task engine (DESIGN.md §3, simulator invariants).

Rules create tasks (some with a QueueTime or QueueTimeExpiry), advance virtual time, cancel,
rerun, set states by hand and change the task cap. After every step: states moved only along
the tables, completed tasks never changed except by set-state, derived fields agree with the
state, timestamps are ordered, and no task started beyond the cap.
"""

from __future__ import annotations

from hypothesis import note
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from octosim.clock import VirtualClock
from octosim.journal import Journal
from octosim.model import GenericExecutor, Task, TaskEngine, TaskState
from octosim.model.engine import EngineError
from octosim.model.randomness import Streams
from octosim.model.states import SET_STATE_TRANSITIONS, TASK_TRANSITIONS
from tests.worlds import default_world

SNAPSHOT_FIELDS = ("state", "start_time", "completed_time", "error_message", "server_node")


class TaskEngineMachine(RuleBasedStateMachine):
    tasks = Bundle("tasks")

    @initialize(seed=st.integers(0, 2**32 - 1), cap=st.integers(1, 4))
    def build(self, seed: int, cap: int) -> None:
        streams = Streams(seed)
        self.clock = VirtualClock()
        self.journal = Journal()
        self.engine = TaskEngine(
            self.clock, self.journal, default_world(streams.stream("world")), streams,
            task_cap=cap, cancel_delay=1.5,
        )
        self.engine.register(GenericExecutor("Health", duration=10, jitter=8, failure_rate=0.3))
        self.engine.register(GenericExecutor("AdHocScript", duration=3))
        self.seen: dict[str, tuple[object, ...]] = {}
        self.hand_set: set[str] = set()
        self.previous_executing = 0

    @rule(target=tasks, kind=st.sampled_from(["Health", "AdHocScript"]),
          delay=st.one_of(st.none(), st.floats(0, 60)),
          expiry=st.one_of(st.none(), st.floats(0, 60)))
    def create(self, kind: str, delay: float | None, expiry: float | None) -> Task:
        now = self.clock.now()
        task = self.engine.create(
            "Spaces-1", kind, {"MachineIds": ["Machines-1"]},
            queue_time=None if delay is None else now + delay,
            queue_time_expiry=None if expiry is None else now + expiry,
        )
        note(f"created {task.id} ({kind}, delay={delay}, expiry={expiry}) → {task.state}")
        return task

    @rule(seconds=st.floats(0, 30))
    def advance(self, seconds: float) -> None:
        self.clock.sleep(seconds)

    @rule(task=tasks)
    def cancel(self, task: Task) -> None:
        before = task.state
        self.engine.cancel(task)
        if before is TaskState.Queued:
            assert task.state is TaskState.Canceled
        elif before is TaskState.Executing:
            assert task.state is TaskState.Cancelling
        else:
            assert task.state is before

    @rule(target=tasks, task=tasks)
    def rerun(self, task: Task) -> Task:
        if not task.is_completed:
            try:
                self.engine.rerun(task)
            except EngineError as exc:
                assert str(exc) == "This task cannot be re-run."
            else:
                raise AssertionError("an incomplete task was re-run")
            return task
        new = self.engine.rerun(task)
        assert new.id != task.id and new.arguments == task.arguments and new.rerun_of == task.id
        return new

    @rule(task=tasks, state=st.sampled_from(list(TaskState)))
    def set_state(self, task: Task, state: TaskState) -> None:
        before = task.state
        try:
            self.engine.set_state(task, state.value, "testing")
        except EngineError:
            assert state not in SET_STATE_TRANSITIONS.get(before, frozenset())
            assert task.state is before
        else:
            assert state in SET_STATE_TRANSITIONS[before]
            self.hand_set.add(task.id)

    @precondition(lambda self: hasattr(self, "engine"))
    @rule(cap=st.integers(1, 6))
    def change_cap(self, cap: int) -> None:
        self.engine.task_cap = cap

    @invariant()
    def states_move_along_the_tables(self) -> None:
        if not hasattr(self, "engine"):
            return
        for task in self.engine.tasks.values():
            snap = tuple(getattr(task, f) for f in SNAPSHOT_FIELDS)
            old = self.seen.get(task.id)
            self.seen[task.id] = snap
            if old is None or old == snap:
                continue
            old_state = old[0]
            assert isinstance(old_state, TaskState)
            if old_state.is_completed:
                # Completed tasks never change, except a state set by hand.
                assert task.id in self.hand_set, f"{task.id} changed after completing"
                assert task.state in SET_STATE_TRANSITIONS[old_state] or task.state is old_state
                continue
            reachable = _reachable(old_state)
            assert task.state in reachable, f"{task.id}: {old_state} → {task.state} is illegal"
        self.hand_set.clear()

    @invariant()
    def derived_fields_and_timestamps_agree(self) -> None:
        if not hasattr(self, "engine"):
            return
        now = self.clock.now()
        for task in self.engine.tasks.values():
            assert task.is_completed == (task.state in TaskState.__members__.values()
                                         and task.state.is_completed)
            assert task.finished_successfully == (task.state is TaskState.Success)
            assert task.queue_time >= task.created
            if task.start_time is not None:
                assert task.queue_time <= task.start_time <= now
                assert task.has_been_picked_up
            if task.is_completed:
                assert task.completed_time is not None and task.completed_time <= now
                if task.start_time is not None:
                    assert task.start_time <= task.completed_time
            else:
                assert task.completed_time is None
            if task.state is TaskState.TimedOut:
                assert task.start_time is None
                assert task.queue_time_expiry is not None
                assert task.completed_time == max(task.queue_time_expiry, task.created)

    @invariant()
    def never_more_executing_than_the_cap(self) -> None:
        if not hasattr(self, "engine"):
            return
        executing = sum(1 for t in self.engine.tasks.values() if t.is_running)
        assert executing == self.engine.executing
        # A task only starts while a slot is free, so executing can exceed the cap only
        # when the cap was lowered under tasks already running — and then only shrink.
        assert executing <= max(self.engine.task_cap, self.previous_executing)
        self.previous_executing = executing
        # Nothing eligible waits while a slot is free.
        if executing < self.engine.task_cap:
            assert not any(
                t.state is TaskState.Queued and t.queue_time <= self.clock.now()
                for t in self.engine.tasks.values()
            )


def _reachable(state: TaskState) -> set[TaskState]:
    """Every state reachable from ``state`` through the engine's table (several moves may
    happen within one rule, e.g. Queued → Executing → Success in one advance)."""
    seen = {state}
    frontier = [state]
    while frontier:
        for nxt in TASK_TRANSITIONS[frontier.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    return seen


TestTaskEngine = TaskEngineMachine.TestCase
