"""The task-cap deadlock is reported iff it is there (docs/fleets.md).

Hypothesis draws small fleets of deployments whose step waits on a child task it queues
(tests/model/fleet_sim.py): how many, the task cap, how long each prepares before queuing
its child, whether the child has a QueueTimeExpiry and whether the step gives up. At a
drawn moment and at the end, ``sim.deadlock`` is set exactly when the structural
condition holds, judged from the tasks alone; a fleet in which every task finished never
leaves a deadlock standing, and never reported one unless a step gave up on its child.
"""

from __future__ import annotations

from hypothesis import event, given, note
from hypothesis import strategies as st

from octosim.journal import Kind
from octosim.model.invariants import check_invariants
from tests.model.fleet_sim import WaitsOnChild, fleet, structurally_deadlocked

#: Long enough for every child of a fleet that can finish to finish (each script takes
#: 5 s on the one target and children run one at a time on its script mutex).
HORIZON = 2_000.0

actions = st.builds(
    WaitsOnChild,
    prepare=st.sampled_from([0.0, 1.0, 10.0, 30.0, 300.0]),
    poll=st.sampled_from([5.0, 30.0]),
    expiry=st.none() | st.sampled_from([20.0, 120.0]),
    give_up_after=st.none() | st.sampled_from([60.0, 600.0]),
)


@given(cap=st.integers(1, 6), steps=st.lists(actions, max_size=7),
       moment=st.floats(0.0, HORIZON), seed=st.integers(0, 2**16))
def test_deadlock_reported_iff_the_structural_condition_holds(
    cap: int, steps: list[WaitsOnChild], moment: float, seed: int,
) -> None:
    sim, parents = fleet(cap, steps, seed=seed)
    for t in (moment, HORIZON):
        sim.clock.advance_to(t)
        note(f"at {t:.3f}s:\n{sim.timeline(last=30)}")
        assert (sim.deadlock is not None) == structurally_deadlocked(sim)
        check_invariants(sim.engine, sim.world, sim.clock, sim.journal)  # cap never exceeded

    history = sim.engine.deadlocks.history
    event("deadlocked at the end" if sim.deadlock is not None
          else "blocked for a while" if history else "never blocked")
    lines = sim.journal.entries(kind=Kind.Deadlock)
    assert len(lines) == len(history) + sum(b.ended is not None for b in history)
    assert all(b.ended is None or b.ended >= b.began for b in history)
    assert all(b.ended is not None for b in history[:-1])  # at most the last one stands
    if all(task.is_completed for task in sim.engine.tasks.values()):
        assert sim.deadlock is None and all(b.ended is not None for b in history)
        if all(step.give_up_after is None for step in steps):
            assert not any(b.is_deadlock for b in history)
    if cap > len(parents):  # a slot to spare for the children: nothing ever blocks
        assert history == []
