"""The task-cap deadlock (octosim.model.deadlock, docs/fleets.md): parentage, detection,
the journal's lines, stalls that end, and fleets that finish without a report."""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from octosim.api.messages import ApiRequest
from octosim.journal import Kind
from octosim.model.deadlock import Deadlock, find_deadlock
from octosim.model.executors import Delay, Flow, TaskRun
from octosim.model.generic import GenericExecutor
from octosim.model.states import TaskState
from octosim.model.step_actions import StepContext
from octosim.model.world import World
from octosim.simulation import Simulation
from tests.model.deploy.deploy_sim import deploy, deploy_sim, project_with, python_step
from tests.model.fleet_sim import WaitsOnChild, fleet, structurally_deadlocked

HORIZON = 3600.0


def deadlock_lines(sim: Simulation) -> list[str]:
    return [e.render() for e in sim.journal.entries(kind=Kind.Deadlock)]


# -- the deadlock ---------------------------------------------------------------------------------
def test_five_deployments_that_wait_on_children_fill_a_cap_of_five_and_deadlock() -> None:
    sim, parents = fleet(5, [WaitsOnChild()] * 5)
    sim.clock.advance_to(HORIZON)

    assert [p.state for p in parents] == [TaskState.Executing] * 5
    children = [sim.engine.children_of(p) for p in parents]
    assert all(len(c) == 1 and c[0].state is TaskState.Queued for c in children)
    deadlock = sim.deadlock
    assert deadlock is not None
    assert deadlock.began == 10.0 and deadlock.cap == 5 and deadlock.frees_at is None
    assert deadlock.cycle == tuple(
        (p.id, (c[0].id,)) for p, c in zip(parents, children, strict=True))
    assert sim.engine.deadlocks.history == [deadlock]
    # One line in the timeline, at the moment it formed, naming every task and the cap.
    [line] = deadlock_lines(sim)
    assert line.startswith("[   10.000s] deadlock task cap 5 full: ServerTasks-1 Deploy "
                           "'Deploy Project 1 release 0.0.1 to Development' waits on "
                           "ServerTasks-6 AdHocScript (Queued); ServerTasks-2 ")
    assert line.endswith("ServerTasks-5 Deploy 'Deploy Project 5 release 0.0.1 to "
                         "Development' waits on ServerTasks-10 AdHocScript (Queued); no "
                         "QueueTimeExpiry frees a slot: deadlocked until a waiting party "
                         "gives up or the cap is raised")
    assert line in sim.timeline().splitlines()
    assert structurally_deadlocked(sim)


@pytest.mark.parametrize(("cap", "deployments"), [(6, 5), (5, 4), (2, 1), (5, 0)])
def test_with_a_slot_to_spare_every_child_runs_and_nothing_is_reported(
    cap: int, deployments: int,
) -> None:
    sim, _ = fleet(cap, [WaitsOnChild()] * deployments)
    sim.clock.advance_to(HORIZON)

    assert all(t.state is TaskState.Success for t in sim.engine.tasks.values())
    assert len(sim.engine.tasks) == 2 * deployments
    assert sim.deadlock is None
    assert sim.engine.deadlocks.history == []
    assert deadlock_lines(sim) == []


def test_more_deployments_than_the_cap_deadlock_with_the_rest_queued_behind() -> None:
    sim, parents = fleet(3, [WaitsOnChild()] * 5)
    sim.clock.advance_to(HORIZON)

    deadlock = sim.deadlock
    assert deadlock is not None and deadlock.cap == 3
    assert [h.task.id for h in deadlock.holders] == [p.id for p in parents[:3]]
    assert [p.state for p in parents[3:]] == [TaskState.Queued] * 2


def test_a_deadlock_forms_only_when_the_last_working_slot_holder_starts_to_wait() -> None:
    # The first deployment's child queues at 1 s behind a full cap, but two slot holders
    # are still working (not waiting) until 200 s: no deadlock until then.
    actions = [WaitsOnChild(prepare=p) for p in (1, 200, 200, 200)]
    sim, parents = fleet(3, actions)
    sim.clock.advance_to(199)
    assert sim.engine.children_of(parents[0])[0].state is TaskState.Queued
    assert sim.deadlock is None and deadlock_lines(sim) == []

    sim.clock.advance_to(HORIZON)
    deadlock = sim.deadlock
    assert deadlock is not None and deadlock.began == 200.0
    assert [h.task.id for h in deadlock.holders] == [p.id for p in parents[:3]]
    assert parents[3].state is TaskState.Queued


# -- stalls: the blockage ends -------------------------------------------------------------------
def test_a_child_with_a_queue_time_expiry_makes_a_stall_that_ends_by_itself() -> None:
    actions = [WaitsOnChild(expiry=60)] + [WaitsOnChild()] * 4
    sim, parents = fleet(5, actions)
    sim.clock.advance_to(HORIZON)

    assert sim.deadlock is None
    [stall] = sim.engine.deadlocks.history
    assert (stall.began, stall.frees_at, stall.ended) == (10.0, 70.0, 70.0)
    assert not stall.is_deadlock
    # The check runs once the instant's work is done: by then the parent saw its child
    # time out and failed, and the next child took the slot it freed.
    assert stall.broken_by == ("ServerTasks-1 Executing → Failed, ServerTasks-6 Queued → "
                               "TimedOut (QueueTimeExpiry), ServerTasks-7 Queued → Executing")
    formed, ended = deadlock_lines(sim)
    assert formed.startswith("[   10.000s] deadlock task cap 5 full: ")
    assert formed.endswith("stalled until a QueueTimeExpiry at 70.000s")
    assert ended == ("[   70.000s] deadlock stall of task cap 5 since 10.000s broken after "
                     f"60.000s: {stall.broken_by}")
    # The parent whose child timed out failed; its slot let the other children run.
    assert parents[0].state is TaskState.Failed
    assert [p.state for p in parents[1:]] == [TaskState.Success] * 4
    assert all(t.is_completed for t in sim.engine.tasks.values())


def test_a_parent_that_gives_up_breaks_the_deadlock_a_stall_not_a_deadlock() -> None:
    actions = [WaitsOnChild(give_up_after=120)] + [WaitsOnChild()] * 4
    sim, parents = fleet(5, actions)
    sim.clock.advance_to(50)
    assert sim.deadlock is not None

    sim.clock.advance_to(HORIZON)
    assert sim.deadlock is None
    [broken] = sim.engine.deadlocks.history
    assert (broken.began, broken.ended) == (10.0, 130.0)
    assert broken.broken_by == ("ServerTasks-1 Executing → Failed, "
                                "ServerTasks-6 Queued → Executing")
    assert deadlock_lines(sim)[1] == (
        "[  130.000s] deadlock deadlock of task cap 5 since 10.000s broken after 120.000s "
        f"(a stall, not a deadlock): {broken.broken_by}")
    assert parents[0].error_message.startswith("The deployment failed")
    assert all(t.is_completed for t in sim.engine.tasks.values())


def test_cancelling_a_parent_breaks_the_deadlock() -> None:
    sim, parents = fleet(5, [WaitsOnChild()] * 5)
    sim.clock.advance_to(100)
    sim.engine.cancel(parents[2])
    assert sim.deadlock is None  # asked at once: the pending check runs first
    [broken] = sim.engine.deadlocks.history
    assert broken.ended == 100.0
    assert broken.broken_by == "ServerTasks-3 Executing → Cancelling"
    sim.clock.advance_to(HORIZON)
    assert sim.deadlock is None and len(sim.engine.deadlocks.history) == 1


def test_a_slot_holder_still_working_means_no_deadlock_yet() -> None:
    # Cap 6: five deployments wait on Queued children, the sixth works until 500 s.
    sim, parents = fleet(6, [WaitsOnChild(prepare=10)] * 5 + [WaitsOnChild(prepare=500)])
    sim.clock.advance_to(499)
    assert [len(sim.engine.children_of(p)) for p in parents] == [1] * 5 + [0]
    assert sim.deadlock is None
    sim.clock.advance_to(HORIZON)
    deadlock = sim.deadlock
    assert deadlock is not None and deadlock.began == 500.0 and deadlock.cap == 6


def test_raising_the_cap_breaks_the_deadlock() -> None:
    sim, _ = fleet(5, [WaitsOnChild()] * 5)
    sim.clock.advance_to(100)
    assert sim.deadlock is not None
    sim.engine.task_cap = 6
    assert sim.deadlock is None
    [broken] = sim.engine.deadlocks.history
    assert broken.broken_by == "ServerTasks-6 Queued → Executing, task cap raised to 6"
    sim.clock.advance_to(HORIZON)
    assert all(t.state is TaskState.Success for t in sim.engine.tasks.values())


# -- through descendants -------------------------------------------------------------------------
@dataclass
class Relay:
    """A task that queues a child of ``child_type`` on its own behalf and waits for it."""

    name: str = "Relay"
    description: str = "Relays to a child"
    child_type: str = "Slow"

    def validate(self, arguments: Mapping[str, Any], space_id: str,
                 world: World) -> dict[str, Any]:
        return dict(arguments)

    def execute(self, run: TaskRun) -> Flow:
        yield Delay(1)
        with run.engine.on_behalf_of(run.task):
            child = run.engine.create(run.task.space_id, self.child_type, {})
        while not child.is_completed:
            yield Delay(5)
        return None


def test_a_parent_waiting_through_an_executing_child_is_named_with_the_chain() -> None:
    sim = Simulation(seed=0)
    sim.engine.task_cap = 2
    sim.engine.register(Relay("Outer", child_type="Inner"))
    sim.engine.register(Relay("Inner", child_type="Slow"))
    sim.engine.register(GenericExecutor("Slow", duration=5))
    outer = sim.engine.create("Spaces-1", "Outer", {})
    sim.clock.advance_to(HORIZON)

    [inner] = sim.engine.children_of(outer)
    [slow] = sim.engine.children_of(inner)
    assert sim.engine.parent_of(slow) is inner and sim.engine.parent_of(inner) is outer
    deadlock = sim.deadlock
    assert deadlock is not None and deadlock.began == 2.0
    assert deadlock.cycle == ((outer.id, (inner.id,)), (inner.id, (slow.id,)))
    assert "ServerTasks-1 Outer 'Relays to a child' waits on ServerTasks-2 Inner (Executing)" \
        in deadlock.describe()
    assert deadlock.summary() == (
        "deadlock since 2.000s, task cap 2 full: ServerTasks-1 waits on ServerTasks-2 "
        "(Executing); ServerTasks-2 waits on ServerTasks-3 (Queued); no QueueTimeExpiry "
        "frees a slot: deadlocked until a waiting party gives up or the cap is raised")


# -- parentage ------------------------------------------------------------------------------------
def test_on_behalf_of_makes_children_and_nests() -> None:
    sim = Simulation(seed=0)
    sim.engine.register(GenericExecutor("Slow", duration=5))
    engine = sim.engine
    a = engine.create("Spaces-1", "Slow", {})
    b = engine.create("Spaces-1", "Slow", {})
    with engine.on_behalf_of(a):
        a1 = engine.create("Spaces-1", "Slow", {})
        with engine.on_behalf_of(b):
            b1 = engine.create("Spaces-1", "Slow", {})
        a2 = engine.create("Spaces-1", "Slow", {})
    orphan = engine.create("Spaces-1", "Slow", {})
    assert engine.children_of(a) == [a1, a2] and engine.children_of(b) == [b1]
    assert engine.parent_of(a1) is a and engine.parent_of(b1) is b
    assert engine.parent_of(orphan) is None and engine.parent_of(a) is None
    assert engine.children_of(orphan) == []


def test_a_task_started_inside_a_block_acts_on_its_own_behalf() -> None:
    # Relay starts at once inside the block (a free slot) and queues its child later,
    # outside; GrabNow queues its child during its first step, still inside the block.
    sim = Simulation(seed=0)
    sim.engine.register(GenericExecutor("Slow", duration=5))

    @dataclass
    class GrabNow:
        name: str = "GrabNow"
        description: str = "Queues a child as it starts"

        def validate(self, arguments: Mapping[str, Any], space_id: str,
                     world: World) -> dict[str, Any]:
            return dict(arguments)

        def execute(self, run: TaskRun) -> Flow:
            run.engine.create(run.task.space_id, "Slow", {})  # not on anyone's behalf
            yield Delay(1)
            return None

    sim.engine.register(GrabNow())
    holder = sim.engine.create("Spaces-1", "Slow", {})
    with sim.engine.on_behalf_of(holder):
        grab = sim.engine.create("Spaces-1", "GrabNow", {})
    assert grab.state is TaskState.Executing
    assert sim.engine.children_of(holder) == [grab]
    [grandchild] = [t for t in sim.engine.tasks.values() if t.name == "Slow" and t is not holder]
    assert sim.engine.parent_of(grandchild) is None


def test_parentage_is_internal_the_rest_api_shows_no_new_field() -> None:
    sim, _ = fleet(5, [WaitsOnChild()] * 5)
    sim.clock.advance_to(20)
    with sim.client() as client:
        child = client.get("/api/tasks/ServerTasks-6").json()
        plain = client.get("/api/tasks/ServerTasks-1").json()
    assert set(child) == set(plain)
    assert not any("parent" in key.lower() for key in child)


def test_a_step_calling_the_rest_api_on_behalf_of_its_task_makes_children() -> None:
    # How a client running inside a step (the restart step action) is wired: each request
    # it delivers goes through the routes inside engine.on_behalf_of(the step's task).
    sim = deploy_sim(1)

    def post_and_poll(ctx: StepContext) -> Flow:
        headers = {"x-octopus-apikey": sim.api_key, "content-type": "application/json"}

        def deliver(method: str, path: str, body: object = None) -> Any:
            request = ApiRequest(method, path, (), headers,
                                 json.dumps(body).encode() if body is not None else b"")
            with sim.engine.on_behalf_of(ctx.run.task):
                return sim.handle(request).data

        yield Delay(10)
        assert ctx.target is not None
        task = deliver("POST", "/api/tasks", {
            "Name": "AdHocScript", "Description": "Restart Tentacle",
            "Arguments": {"ScriptBody": "Write-Host 'restart'",
                          "MachineIds": [ctx.target.id]}})
        while not deliver("GET", f"/api/tasks/{task['Id']}")["IsCompleted"]:
            yield Delay(10)
        return None

    sim.deploy.actions.register("Octosim.PostAndPoll", post_and_poll)
    parents = [deploy(sim, project_with(sim, [python_step("Wait", "Octosim.PostAndPoll")],
                                        name=f"Project {n}")) for n in range(5)]
    sim.clock.advance_to(HORIZON)
    deadlock = sim.deadlock
    assert deadlock is not None and deadlock.began == 10.0
    assert [h.task.id for h in deadlock.holders] == [p.id for p in parents]
    assert all(h.waits_on[0].name == "AdHocScript" for h in deadlock.holders)
    assert [c.description for c in sim.engine.children_of(parents[0])] == ["Restart Tentacle"]


# -- the pure condition ---------------------------------------------------------------------------
def test_find_deadlock_needs_every_slot_held_by_a_blocked_executing_task() -> None:
    sim, _ = fleet(5, [WaitsOnChild()] * 5)
    sim.clock.advance_to(20)
    engine = sim.engine
    running = engine.running()
    found = find_deadlock(running, 5, engine.children_of, 20.0)
    assert isinstance(found, Deadlock) and found.began == 20.0
    assert find_deadlock(running, 6, engine.children_of, 20.0) is None  # a slot is free
    assert find_deadlock(running[:4], 4, engine.children_of, 20.0) is not None
    assert find_deadlock(running, 5, lambda task: [], 20.0) is None  # nobody waits


# -- docs/fleets.md -------------------------------------------------------------------------------
DOC = Path(__file__).resolve().parents[2] / "docs" / "fleets.md"


def test_the_fleets_doc_example_prints_its_comments_and_its_timeline_is_real() -> None:
    # Its own section: the fleet sections after it have examples of their own.
    text = DOC.read_text(encoding="utf-8").split("\n## ")[1]
    assert text.startswith("The task-cap deadlock\n")
    [code] = re.findall(r"```python\n(.*?)```", text, re.S)
    out = io.StringIO()
    scope: dict[str, Any] = {}
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(DOC), "exec"), scope)
    expected = re.findall(r"^print\(.*\n# (.*)$", code, re.M)
    assert out.getvalue().splitlines() == expected
    # Every timeline line the doc shows is a line of the example's timeline.
    timeline = scope["sim"].timeline().splitlines()
    shown = [line for block in re.findall(r"```text\n(.*?)```", text, re.S)
             for line in block.splitlines() if line.startswith("[")]
    assert len(shown) == 12
    assert [line for line in shown if line not in timeline] == []
