"""The public truth API (TentacleTruth): what really happened to a machine's Tentacle."""

from __future__ import annotations

import random

import pytest

from octosim.clock import VirtualClock
from octosim.journal import Journal
from octosim.model import TaskEngine, TentacleTruth
from octosim.model.agents import INITIAL_PROCESS_START, ServiceTiming, TentacleAgent
from octosim.model.randomness import Streams
from octosim.model.states import ServiceState
from octosim.model.world import Machine
from tests.worlds import default_world

FLAKY = ServiceTiming(stop_seconds=(1, 1), start_seconds=(4, 4), fail_to_start_rate=1.0,
                      watchdog_interval=10)


def make(timing: ServiceTiming, instances: tuple[str, ...] = ("Tentacle",)
         ) -> tuple[Machine, TentacleAgent, VirtualClock]:
    streams = Streams(0)
    world = default_world(streams.stream("world"))
    machine = world.machines["Machines-1"]
    agent = TentacleAgent(machine, instances, timing=timing)
    engine = TaskEngine(VirtualClock(), Journal(), world, streams)
    agent.bind(engine)
    return machine, agent, engine.clock


def test_a_restart_that_never_comes_back_is_no_restart() -> None:
    machine, agent, clock = make(FLAKY)
    with TentacleTruth(machine, clock) as truth:
        agent.restart([agent.instance])
        clock.sleep(25)  # fails at 5; the watchdog tries at 15, fails at 19, waits again
    assert not truth.restarted and not truth.is_up
    assert truth.went_down == 0.0 and truth.failed_starts() == 2
    assert truth.restarts() == () and truth.state() is ServiceState.Stopped
    assert truth.witness == truth.witness_before == INITIAL_PROCESS_START
    assert truth.witness_text(truth.witness_before) == "2024-01-14T09:00:17.2050000+00:00"
    assert truth.witness_text(truth.witness_before, "bash") == "Sun Jan 14 09:00:17 2024"


def test_only_what_happens_while_watching_is_seen() -> None:
    machine, agent, clock = make(ServiceTiming(stop_seconds=(1, 1), start_seconds=(2, 2)),
                                 ("Tentacle", "Web"))
    agent.restart([agent.instance])
    clock.sleep(5)  # a restart before the watch
    truth = TentacleTruth(machine, clock)
    web = truth.service_of("web")
    assert web == "OctopusDeploy Tentacle: Web" and truth.service_of(None) == truth.service
    assert truth.service_of("nope") is None
    agent.restart([agent.services[web]])
    clock.sleep(5)
    truth.close()
    agent.restart([agent.services[web]])
    clock.sleep(5)  # after close: not seen
    assert not truth.restarted  # the registered instance did not restart while watched
    assert [(r.service, r.launched, r.running) for r in truth.restarts()] == [(web, 6.0, 8.0)]
    assert truth.restarts(truth.service) == ()
    assert len(truth.changes(web)) == 4 and truth.changes(truth.service) == ()


def test_a_machine_without_an_agent_has_no_truth() -> None:
    world = default_world(random.Random(0))
    dev = next(iter(world.environments))
    bare = world.add_machine("Spaces-1", "bare-01", [dev], roles=["web-server"])
    with pytest.raises(ValueError, match="has no Tentacle agent"):
        TentacleTruth(bare, VirtualClock())
