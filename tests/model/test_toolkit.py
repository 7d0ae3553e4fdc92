"""The Tentacle-task toolkit, used by an executor of its own: target selection, Halibut
contact, a script run on a target, the truth API, background load and registration."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from octosim.clock import VirtualClock
from octosim.journal import Journal
from octosim.model import (
    AllOf,
    ArgumentError,
    Flow,
    TaskEngine,
    TaskRun,
    TaskState,
    TentacleTruth,
    World,
    install_tentacles,
)
from octosim.model.agents import ServiceTiming, TentacleAgent
from octosim.model.background import start_background_load
from octosim.model.contact import Contact
from octosim.model.install import default_executors
from octosim.model.randomness import Streams
from octosim.model.scripting import ScriptRun, default_behaviours
from octosim.model.scripts import ScriptSyntax, SelfRestart, ServiceTarget
from octosim.model.states import HealthStatus, ServiceState
from octosim.model.targets import machine_ids_argument, select_targets
from tests.worlds import default_world

FAST = ServiceTiming(stop_seconds=(2, 2), start_seconds=(5, 5), startup_delay=(1, 1),
                     script_seconds=(1, 1))


def make_engine() -> TaskEngine:
    streams = Streams(0)
    world = default_world(streams.stream("world"))
    space = "Spaces-1"
    test = next(e.id for e in world.environments.values() if e.name == "Test")
    world.add_machine(space, "db-01", [test], roles=["db"])
    world.add_machine(space, "web-02", [test], roles=["Web-Server"], is_disabled=True)
    for machine in world.machines.values():
        TentacleAgent(machine, timing=FAST)
    engine = TaskEngine(VirtualClock(), Journal(), world, streams)
    install_tentacles(engine)
    return engine


# -- target selection ---------------------------------------------------------------------------
def test_targets_by_machine_keep_the_order_asked_and_disabled_machines() -> None:
    world = make_engine().world
    chosen = select_targets(world, "Spaces-1", machine_ids=["Machines-3", "Machines-1"])
    assert [m.name for m in chosen] == ["web-02", "web-01"]
    assert select_targets(world, "Spaces-1", machine_ids=[]) == []


def test_targets_by_environment_and_role_are_enabled_machines_only() -> None:
    world = make_engine().world
    test = next(e.id for e in world.environments.values() if e.name == "Test")
    assert [m.name for m in select_targets(world, "Spaces-1", environment_ids=[test])] == [
        "db-01"]
    assert [m.name for m in select_targets(world, "Spaces-1", roles=["WEB-server"])] == [
        "web-01"]
    assert [m.name for m in select_targets(world, "Spaces-1")] == ["web-01", "db-01"]
    assert select_targets(world, "Spaces-2") == []


def test_machine_ids_argument_says_what_is_wrong() -> None:
    world = make_engine().world
    assert machine_ids_argument({"MachineIds": "Machines-1, Machines-2"}, "Spaces-1", world,
                                required=True) == ["Machines-1", "Machines-2"]
    with pytest.raises(ArgumentError, match="Machines-9 do not exist in space Spaces-1"):
        machine_ids_argument({"MachineIds": ["Machines-9"]}, "Spaces-1", world, required=False)
    with pytest.raises(ArgumentError, match="must be a list of machine ids"):
        machine_ids_argument({"MachineIds": [1]}, "Spaces-1", world, required=False)
    with pytest.raises(ArgumentError, match="at least one machine id is required"):
        machine_ids_argument({}, "Spaces-1", world, required=True)


# -- an executor of its own, built from the toolkit ---------------------------------------------
@dataclass
class RestartEverywhere:
    """Restarts the Tentacle on every target by a synchronous script, side by side."""

    name: str = "RestartEverywhere"
    description: str = "Restart every Tentacle"

    def validate(self, arguments: Mapping[str, Any], space_id: str, world: World
                 ) -> dict[str, Any]:
        return dict(arguments)

    def execute(self, run: TaskRun) -> Flow:
        targets = select_targets(run.world, run.task.space_id)
        effect = SelfRestart((ServiceTarget("windows-service", "OctopusDeploy Tentacle"),), "")
        runs = [ScriptRun(m, run.task.log.child(m.name, started=run.clock.now()),
                          ScriptSyntax.PowerShell, "Restart-Service 'OctopusDeploy Tentacle'",
                          (effect,), behaviours=default_behaviours(),
                          unavailable_summary="gone")
                for m in targets]
        reasons = yield AllOf([_wait(r) for r in runs])
        return "; ".join(dict.fromkeys(r for r in reasons if r)) or None


def _wait(script: ScriptRun) -> Flow:
    return (yield script)


def test_a_script_run_on_each_target_is_killed_by_the_restart_it_starts() -> None:
    engine = make_engine()
    engine.register(RestartEverywhere())
    web, db = engine.world.machines["Machines-1"], engine.world.machines["Machines-2"]
    with TentacleTruth(web, engine.clock) as truth:
        task = engine.create("Spaces-1", "RestartEverywhere", {})
        # Killed at once (exit code -46, §7), both targets, the task Failed at time 0.
        assert task.state is TaskState.Failed
        assert task.error_message == "The remote script failed with exit code -46"
        engine.clock.sleep(10)
    assert truth.restarted and truth.is_up
    assert [(r.launched, r.running) for r in truth.restarts()] == [(2.0, 7.0)]
    assert [(c.at, c.new) for c in truth.changes()] == [
        (0.0, ServiceState.StopPending), (2.0, ServiceState.Stopped),
        (2.0, ServiceState.StartPending), (7.0, ServiceState.Running)]
    assert truth.went_down == 0.0 and truth.failed_starts() == 0
    assert db.agent is not None and db.agent.witness == 2.0


@dataclass
class Reach:
    name: str = "Reach"
    description: str = "Reach every Tentacle"

    def validate(self, arguments: Mapping[str, Any], space_id: str, world: World
                 ) -> dict[str, Any]:
        return dict(arguments)

    def execute(self, run: TaskRun) -> Flow:
        machine = run.world.machines["Machines-1"]
        reason = yield Contact(machine, run.task.log, deadline=run.clock.now() + 30,
                               deadline_reason="too slow")
        return reason


def test_a_contact_retries_until_the_tentacle_is_back_or_its_deadline() -> None:
    engine = make_engine()
    engine.register(Reach())
    agent = engine.world.machines["Machines-1"].agent
    assert agent is not None
    agent.stop([agent.instance])
    engine.clock.sleep(2)  # Stopped
    task = engine.create("Spaces-1", "Reach", {})
    engine.clock.sleep(20)
    assert task.state is TaskState.Executing
    agent.start([agent.instance])
    engine.clock.sleep(20)  # back at 27; the next attempt after it answers
    assert task.state is TaskState.Success
    agent.stop([agent.instance])
    engine.clock.sleep(2)
    late = engine.create("Spaces-1", "Reach", {})
    engine.clock.sleep(40)
    assert (late.state, late.error_message) == (TaskState.Failed, "too slow")


# -- background load and registration -----------------------------------------------------------
def test_background_load_holds_slots_and_replaces_itself_until_repeat_until() -> None:
    engine = make_engine()
    engine.task_cap = 2
    start_background_load(engine, "Spaces-1", task="Retention", count=3, duration=(10, 10),
                          repeat_until=25)
    tasks = list(engine.tasks.values())
    assert [t.description for t in tasks] == ["Background load 1", "Background load 2",
                                              "Background load 3"]
    assert engine.executing == 2
    engine.clock.sleep(100)
    assert all(t.state is TaskState.Success for t in engine.tasks.values())
    # 1, 2 end at 10 and are replaced; 3 runs 10-20 and its replacement too...
    assert [t.start_time for t in engine.tasks.values()] == [0, 0, 10, 10, 20, 20, 30]
    with pytest.raises(ValueError, match="count must be >= 0"):
        start_background_load(engine, "Spaces-1", task="X", count=-1, duration=(1, 1),
                              repeat_until=0)


def test_every_executor_is_registered_in_one_place() -> None:
    streams = Streams(0)
    engine = TaskEngine(VirtualClock(), Journal(), default_world(streams.stream("world")), streams)
    assert engine.executors == {}
    install_tentacles(engine)
    names = sorted(e.name for e in default_executors())
    assert sorted(engine.executors) == names == [
        "AdHocScript", "Backup", "Health", "Retention", "UpdateCalamari", "Upgrade"]


def test_a_failed_contact_marks_the_machine_unavailable() -> None:
    engine = make_engine()
    engine.register(RestartEverywhere())
    agent = engine.world.machines["Machines-2"].agent
    assert agent is not None
    agent.stop([agent.instance])
    engine.create("Spaces-1", "RestartEverywhere", {})
    engine.clock.sleep(400)
    db = engine.world.machines["Machines-2"]
    assert (db.health_status, db.status_summary) == (HealthStatus.Unavailable, "gone")
