"""The simulator's own invariants (DESIGN.md §3), checked from the outside after any step.

:func:`check_invariants` looks at the task engine, the world's machines and agents, and the
clock, and raises AssertionError listing every broken rule with the end of the journal's
timeline, so a failing Hypothesis example shows what led there. It takes those parts, not
a whole simulation, so the model never depends on the layers above it::

    check_invariants(sim.engine, sim.world, sim.clock, sim.journal)
"""

from __future__ import annotations

import bisect
import itertools
import math
from typing import TYPE_CHECKING

from octosim.model.states import HealthStatus, ServiceState, TaskState

if TYPE_CHECKING:
    from octosim.clock import VirtualClock
    from octosim.journal import Journal
    from octosim.model.engine import TaskEngine
    from octosim.model.world import World

__all__ = ["check_invariants"]


def check_invariants(
    engine: TaskEngine, world: World, clock: VirtualClock, journal: Journal
) -> None:
    """Return if every invariant holds; raise AssertionError listing each broken one.

    - every task's state is legal and its derived fields agree with it; times are ordered
      (QueueTime <= StartTime <= CompletedTime <= now, when set);
    - no task started while the cap's worth of tasks were Executing or Cancelling;
    - each machine's HealthStatus and LastChecked are those of its last health interaction;
    - every Tentacle service is in a legal state and no process started in the future.
    """
    now = clock.now()
    problems = _task_problems(engine, now) + _cap_problems(engine) + _machine_problems(world, now)
    if problems:
        raise AssertionError(
            "simulation invariants broken:\n" + "\n".join(f"- {p}" for p in problems)
            + "\n\ntimeline (newest last):\n" + journal.timeline(last=40)
        )


def _task_problems(engine: TaskEngine, now: float) -> list[str]:
    out: list[str] = []
    running = 0
    for task in engine.tasks.values():
        state = task.state
        tid = task.id
        if not isinstance(state, TaskState):
            out.append(f"{tid}: state {state!r} is not a TaskState")
            continue
        running += task.is_running
        if task.is_completed != (state in (TaskState.Success, TaskState.Failed,
                                           TaskState.Canceled, TaskState.TimedOut)):
            out.append(f"{tid}: IsCompleted={task.is_completed} disagrees with {state}")
        if (task.completed_time is not None) != task.is_completed:
            out.append(f"{tid}: {state} with CompletedTime {task.completed_time}")
        if (task.start_time is not None) != task.has_been_picked_up:
            out.append(f"{tid}: StartTime {task.start_time} but HasBeenPickedUpByProcessor="
                       f"{task.has_been_picked_up}")
        if state in (TaskState.Queued, TaskState.TimedOut) and task.start_time is not None:
            out.append(f"{tid}: {state} but it started at {task.start_time}")
        if task.is_running and task.start_time is None:
            out.append(f"{tid}: {state} without a StartTime")
        if state is TaskState.Success and task.error_message:
            out.append(f"{tid}: Success with ErrorMessage {task.error_message!r}")
        times = [("QueueTime", task.queue_time), ("StartTime", task.start_time),
                 ("CompletedTime", task.completed_time), ("now", now)]
        present = [(n, t) for n, t in times if t is not None]
        for (n1, t1), (n2, t2) in itertools.pairwise(present):
            if t1 > t2:
                out.append(f"{tid}: {n1} {t1} is after {n2} {t2}")
    if running != engine.executing:
        out.append(f"{running} tasks are Executing/Cancelling but the engine holds "
                   f"{engine.executing} slots")
    return out


def _cap_problems(engine: TaskEngine) -> list[str]:
    history = engine.cap_history

    def cap_at(t: float) -> int:
        # Several changes can share one instant (a test lowering then raising the cap):
        # a task starting then may have started under any of them, so allow the largest.
        before = [change.cap for change in history if change.at < t][-1:]
        during = [change.cap for change in history if change.at == t]
        return max(before + during)

    spans = [(t.start_time, t.completed_time if t.completed_time is not None else math.inf, t)
             for t in engine.tasks.values() if t.start_time is not None]
    # Counted by bisection, not by comparing every pair: a fleet has thousands of tasks.
    starts = sorted(s for s, _, _ in spans)
    ends = sorted(e for _, e, _ in spans)
    out = []
    for start, _, task in spans:
        # Running at the instant it started (s <= start < e): a task that ended at that
        # instant freed its slot. Every task that ended by then had started by then.
        running = bisect.bisect_right(starts, start) - bisect.bisect_right(ends, start)
        if running > cap_at(start):
            out.append(f"{task.id} started at {start} with {running} tasks running "
                       f"(cap {cap_at(start)})")
    return out


def _machine_problems(world: World, now: float) -> list[str]:
    out: list[str] = []
    for machine in world.machines.values():
        name = machine.name
        if not isinstance(machine.health_status, HealthStatus):
            out.append(f"{name}: HealthStatus {machine.health_status!r} is not a HealthStatus")
        agent = machine.agent
        if agent is None:
            continue
        if agent.machine is not machine:
            out.append(f"{name}: its agent belongs to {agent.machine.name}")
        if agent.last_health is None:
            if machine.last_checked is not None:
                out.append(f"{name}: LastChecked {machine.last_checked} but never checked")
        else:
            when, status = agent.last_health
            if machine.health_status is not status or machine.last_checked != when:
                out.append(f"{name}: HealthStatus {machine.health_status} (LastChecked "
                           f"{machine.last_checked}) but its last health interaction gave "
                           f"{status} at {when}")
        if agent.instance not in agent.services.values():
            out.append(f"{name}: its registered instance is not one of its services")
        for service in agent.services.values():
            if not isinstance(service.state, ServiceState):
                out.append(f"{name}: service {service.name!r} state {service.state!r} is illegal")
            if service.process_started > now:
                out.append(f"{name}: service {service.name!r} process started in the future "
                           f"({service.process_started} > {now})")
    return out
