"""The slot timeline model (restart.slot_timeline): slots never over the cap, every task
that ran has one and it matches what the engine ran at every instant, waits in the queue,
the cap over time, deadlocks and stalls."""

from __future__ import annotations

import math
from collections.abc import Iterable

from hypothesis import given, settings
from hypothesis import strategies as st

from octosim.model.deploy_tasks import queue_deployment
from octosim.model.deployment_rules import create_deployment, create_release
from octosim.model.generic import GenericExecutor
from octosim.model.states import TaskState
from octosim.model.tasks import Task
from octosim.model.variables import Variable
from octosim.simulation import Simulation
from restart.slot_timeline import (
    SlotTimeline,
    TaskKind,
    assign_slots,
    slot_timeline,
)
from tests.model.fleet_sim import WaitsOnChild, fleet

HORIZON = 3600.0


def seed_deployment(method: str, *, cap: int = 1, horizon: float = HORIZON) -> Simulation:
    """The preset seed-deployment with the cap lowered (the deployment holds the only slot)
    and RestartMethod ``method``, deployed and run to ``horizon``."""
    sim = Simulation.from_scenario("seed-deployment", seed=0).install_step_actions("restart")
    sim.engine.task_cap = cap
    store = sim.deployments
    project = store.project("Spaces-1", "Java App")
    store.set_variables(project.variable_set_id, [Variable("RestartMethod", method)])
    release = create_release(store, project.id)
    queue_deployment(sim.engine, store, create_deployment(store, release.id, "Production").id)
    sim.clock.advance_to(horizon)
    return sim


def moments(timeline: SlotTimeline) -> list[float]:
    """Every instant at which some task started or ended: where the count can change."""
    times = {timeline.start}
    for task in timeline.tasks:
        held = task.held(timeline.end)
        if held is not None:
            times.update(held)
    return sorted(times)


def assert_consistent(timeline: SlotTimeline) -> None:
    """Every task that ran has a slot of its own while it ran; no slot is held twice at a
    moment; at no moment do more tasks hold slots than the cap allows (the caps here are
    never lowered under running tasks)."""
    for task in timeline.tasks:
        assert (task.slot is None) == (task.started is None), task
        if task.slot is not None:
            assert 0 <= task.slot < timeline.slots
    for t in moments(timeline):
        holding = timeline.holding(t)
        assert len(holding) <= timeline.cap_at(t), (t, holding)
        slots = [task.slot for task in holding]
        assert len(slots) == len(set(slots)), (t, slots)


def run_watching(sim: Simulation, until: float, step: float) -> dict[float, set[str]]:
    """Advance ``sim`` to ``until`` by ``step``; return the tasks the engine ran at each."""
    seen: dict[float, set[str]] = {}
    while sim.clock.now() < until:
        sim.clock.advance_to(min(until, sim.clock.now() + step))
        seen[sim.clock.now()] = {task.id for task in sim.engine.running()}
    return seen


# -- the seed-deployment story ----------------------------------------------------------------
def test_the_recipe_deadlock_shows_the_deployment_in_the_slot_and_its_restarts_queued() -> None:
    sim = seed_deployment("Recipe")
    timeline = slot_timeline(sim, scenario="seed-deployment", outcome="deadlock")
    assert timeline.title == "seed-deployment · seed 0 · deadlock"
    assert (timeline.start, timeline.end, timeline.slots) == (0.0, HORIZON, 1)
    deploy, *restarts = timeline.tasks
    assert (deploy.kind, deploy.slot, deploy.started, deploy.ended) == (
        TaskKind.Deploy, 0, 0.0, None)
    assert deploy.held(timeline.end) == (0.0, HORIZON)
    assert [(t.kind, t.parent, t.slot, t.state) for t in restarts] == [
        (TaskKind.AdHocScript, deploy.id, None, TaskState.Queued)] * 2
    assert [t.description for t in restarts] == [
        "Restarting Tentacle on web-01 - Machines-1", "Restarting Tentacle on web-02 - Machines-2"]
    # Both restarts waited from their QueueTime to the end.
    assert [(w.task, w.began, w.ended, w.then) for w in timeline.queued] == [
        (t.id, t.queued, HORIZON, "still Queued") for t in restarts]
    [blockage] = timeline.blockages
    assert blockage.is_deadlock and blockage.what == "deadlock" and blockage.ended is None
    assert blockage.began == restarts[0].queued  # the moment the first child queued
    assert blockage.holders == (deploy.id,)
    assert blockage.waits_on == ((restarts[0].id, restarts[1].id),)
    assert blockage.summary.startswith(f"deadlock since {blockage.began:.3f}s, task cap 1 full")
    assert timeline.blockage_at(HORIZON - 1) == blockage and timeline.blockage_at(0.0) is None
    assert_consistent(timeline)


def test_the_client_stalls_until_its_deadline_then_the_slot_comes_free() -> None:
    sim = seed_deployment("Client", horizon=900.0)
    timeline = slot_timeline(sim, scenario="seed-deployment")
    deploy, *restarts = timeline.tasks
    assert deploy.state is TaskState.Failed and deploy.ended is not None
    # Its children carry a QueueTimeExpiry, so the engine saw a stall, not a deadlock,
    # and the client's deadline ended it before any expiry.
    [blockage] = timeline.blockages
    assert not blockage.is_deadlock and blockage.what == "stall"
    assert blockage.ended == deploy.ended and blockage.frees_at is not None
    assert "ServerTasks-1 Executing → Failed" in blockage.broken_by
    assert [(w.task, w.ended, w.then) for w in timeline.queued] == [
        (t.id, deploy.ended, "Canceled") for t in restarts]
    assert timeline.holding(deploy.ended) == [] and timeline.blockage_at(deploy.ended) is None
    assert_consistent(timeline)


def test_the_cap_lowered_before_anything_ran_counts_as_the_cap_all_along() -> None:
    timeline = slot_timeline(seed_deployment("Recipe", horizon=60.0))
    assert [(c.began, c.ended, c.cap) for c in timeline.caps] == [(0.0, 60.0, 1)]
    assert not timeline.cap_changes
    assert timeline.title == "simulation · seed 0"


# -- fleets -----------------------------------------------------------------------------------
def test_a_full_cap_of_waiting_deployments_is_a_deadlock_with_every_slot_held() -> None:
    sim, deployments = fleet(5, [WaitsOnChild()] * 5)
    sim.clock.advance_to(HORIZON)
    timeline = slot_timeline(sim)
    assert timeline.slots == 5
    ids = {d.id for d in deployments}
    assert sorted(t.slot or 0 for t in timeline.tasks if t.id in ids) == [0, 1, 2, 3, 4]
    children = [t for t in timeline.tasks if t.parent is not None]
    assert len(children) == 5 and all(t.slot is None for t in children)
    assert {w.task for w in timeline.queued} == {t.id for t in children}
    [blockage] = timeline.blockages
    assert blockage.is_deadlock and blockage.began == 10.0 and blockage.ended is None
    assert sorted(blockage.holders) == sorted(d.id for d in deployments)
    assert len(timeline.holding(HORIZON - 1)) == 5
    assert_consistent(timeline)


def test_a_fleet_that_finishes_has_no_blockage_and_every_task_ran_in_a_slot() -> None:
    sim, deployments = fleet(5, [WaitsOnChild()] * 4)
    sim.clock.advance_to(HORIZON)
    assert all(d.state is TaskState.Success for d in deployments)
    timeline = slot_timeline(sim)
    assert timeline.blockages == ()
    assert all(t.slot is not None and t.ended is not None for t in timeline.tasks)
    assert len(timeline.tasks) == 8 and timeline.holding(HORIZON - 1) == []
    assert_consistent(timeline)


def test_tasks_after_a_full_cap_wait_and_take_the_first_slot_that_comes_free() -> None:
    sim = Simulation(seed=0)
    sim.engine.register(GenericExecutor("Slow", duration=10))
    sim.engine.register(GenericExecutor("Quick", duration=3))
    sim.engine.task_cap = 2
    slow = sim.engine.create("Spaces-1", "Slow", {})
    quick = sim.engine.create("Spaces-1", "Quick", {})
    waiting = [sim.engine.create("Spaces-1", "Quick", {}) for _ in range(2)]
    sim.clock.advance_to(20)
    timeline = slot_timeline(sim)
    by_id = {t.id: t for t in timeline.tasks}
    assert (by_id[slow.id].slot, by_id[quick.id].slot) == (0, 1)
    # quick's slot frees at 3, then the first waiter's at 6; slow's at 10.
    assert [(by_id[t.id].started, by_id[t.id].slot) for t in waiting] == [(3.0, 1), (6.0, 1)]
    assert [(w.task, w.began, w.ended, w.then) for w in timeline.queued] == [
        (waiting[0].id, 0.0, 3.0, "started"), (waiting[1].id, 0.0, 6.0, "started")]
    assert {t.kind for t in timeline.tasks} == {TaskKind.Other}
    assert_consistent(timeline)


def test_a_raised_cap_shows_as_a_change_and_adds_slots() -> None:
    sim = Simulation(seed=0)
    sim.engine.register(GenericExecutor("Slow", duration=10))
    sim.engine.task_cap = 1
    for _ in range(3):
        sim.engine.create("Spaces-1", "Slow", {})
    sim.clock.advance_to(4)
    sim.engine.task_cap = 3
    sim.clock.advance_to(30)
    timeline = slot_timeline(sim)
    assert [(c.began, c.ended, c.cap) for c in timeline.caps] == [(0.0, 4.0, 1), (4.0, 30.0, 3)]
    assert timeline.cap_changes and timeline.slots == 3
    assert [(t.started, t.slot) for t in timeline.tasks] == [(0.0, 0), (4.0, 1), (4.0, 2)]
    assert timeline.cap_at(3.9) == 1 and timeline.cap_at(4.0) == 3
    assert_consistent(timeline)


def test_a_lowered_cap_keeps_the_running_tasks_in_rows_beyond_it() -> None:
    sim = Simulation(seed=0)
    sim.engine.register(GenericExecutor("Slow", duration=10))
    for _ in range(3):
        sim.engine.create("Spaces-1", "Slow", {})
    sim.clock.advance_to(2)
    sim.engine.task_cap = 1
    late = sim.engine.create("Spaces-1", "Slow", {})
    sim.clock.advance_to(30)
    timeline = slot_timeline(sim)
    # The three that ran on when the cap fell keep their slots; the next waits for all.
    assert timeline.slots == 5 and len(timeline.holding(5.0)) == 3
    assert timeline.cap_at(5.0) == 1
    [wait] = timeline.queued
    assert (wait.task, wait.ended) == (late.id, 10.0)


def test_the_timeline_matches_what_the_engine_ran_at_every_step() -> None:
    sim, _ = fleet(3, [WaitsOnChild(prepare=2.0 * n, expiry=40.0, give_up_after=30.0)
                       for n in range(1, 6)])
    seen = run_watching(sim, 400.0, 0.5)
    timeline = slot_timeline(sim)
    assert timeline.blockages  # stalls came and went
    for t, running in seen.items():
        assert {task.id for task in timeline.holding(t)} == running, t
    assert_consistent(timeline)


def test_the_timeline_reads_the_simulation_and_changes_nothing() -> None:
    sim, _ = fleet(2, [WaitsOnChild()] * 3)
    sim.clock.advance_to(100)
    before = (len(sim.journal), sim.clock.now(), [t.revision for t in sim.engine.tasks.values()])
    assert slot_timeline(sim) == slot_timeline(sim)
    assert before == (len(sim.journal), sim.clock.now(),
                      [t.revision for t in sim.engine.tasks.values()])


# -- the assignment within one instant ------------------------------------------------------
def task(number: int, started: float | None, ended: float | None) -> Task:
    made = Task(id=f"ServerTasks-{number}", space_id="Spaces-1", name="Slow", description="",
                arguments={}, queue_time=0.0, queue_time_expiry=None, created=0.0)
    made.start_time, made.completed_time = started, ended
    return made


def test_within_an_instant_ended_tasks_give_back_first_then_instant_ones_then_the_rest() -> None:
    # Cap 1, all at t=5: 1 ends, 3 starts and ends at once, then 2 (an older task, say held
    # back by a concurrency tag until then) starts and runs on. One slot is enough.
    slots, used = assign_slots([task(1, 0.0, 5.0), task(2, 5.0, 9.0), task(3, 5.0, 5.0)])
    assert (slots, used) == ({"ServerTasks-1": 0, "ServerTasks-3": 0, "ServerTasks-2": 0}, 1)


def test_a_task_still_running_keeps_its_slot_whenever_another_starts() -> None:
    slots, used = assign_slots([task(1, 5.0, None), task(2, 5.0, 5.0), task(3, 7.0, None)])
    assert slots == {"ServerTasks-2": 0, "ServerTasks-1": 0, "ServerTasks-3": 1} and used == 2


def test_tasks_that_never_ran_get_no_slot() -> None:
    assert assign_slots([task(1, None, None), task(2, None, 3.0)]) == ({}, 0)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20), st.integers(0, 8) | st.none()), max_size=12))
def test_no_slot_is_held_twice_at_once_and_the_fewest_slots_are_used(
    drawn: list[tuple[int, int | None]],
) -> None:
    tasks = [task(n, float(start), None if length is None else float(start + length))
             for n, (start, length) in enumerate(drawn, 1)]
    slots, used = assign_slots(tasks)
    assert set(slots) == {t.id for t in tasks}
    intervals = [(t.start_time or 0.0, t.completed_time if t.completed_time is not None
                  else math.inf, slots[t.id], t) for t in tasks]
    for a_start, a_end, a_slot, a in intervals:
        for b_start, b_end, b_slot, b in intervals:
            overlap = max(a_start, b_start) < min(a_end, b_end)
            assert a is b or not overlap or a_slot != b_slot
    # First free slot: as many slots as tasks ever ran at once (zero-length ones count as
    # running at their instant after every task that ended there gave its slot back).
    assert used == max((_busy(tasks, t) for t in _starts(tasks)), default=0)


def _starts(tasks: Iterable[Task]) -> set[float]:
    return {t.start_time for t in tasks if t.start_time is not None}


def _busy(tasks: list[Task], t: float) -> int:
    running = [x for x in tasks if x.start_time is not None and x.start_time <= t
               and (x.completed_time is None or x.completed_time > t)]
    continuing = [x for x in running if x.start_time is not None and x.start_time < t]
    instant = any(x.start_time == x.completed_time == t for x in tasks)
    return max(len(running), len(continuing) + 1 if instant else 0)

