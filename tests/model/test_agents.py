"""Tentacle agents: service names, the service state table, timing, failing starts, the
watchdog, the restart witness and how it prints."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from octosim.clock import VirtualClock
from octosim.journal import Journal, Kind
from octosim.model import TaskEngine
from octosim.model.agents import INITIAL_PROCESS_START, ServiceTiming, TentacleAgent, service_name
from octosim.model.durations import draw, span
from octosim.model.randomness import Streams
from octosim.model.states import IllegalTransition, ServiceState
from octosim.model.witness import format_process_start
from octosim.model.world import Machine
from tests.worlds import default_world

FAST = ServiceTiming(stop_seconds=(2, 2), start_seconds=(5, 5), startup_delay=(1, 1))


def make(
    instances: tuple[str, ...] = ("Tentacle",), *, os_family: str = "Windows",
    timing: ServiceTiming = FAST, seed: int = 0, registered: str | None = None,
) -> tuple[TentacleAgent, TaskEngine]:
    streams = Streams(seed)
    world = default_world(streams.stream("world"))
    machine = world.machines["Machines-1"]
    machine.os_family = os_family
    engine = TaskEngine(VirtualClock(), Journal(), world, streams)
    agent = TentacleAgent(machine, instances, timing=timing, registered=registered)
    agent.bind(engine)
    return agent, engine


def states(agent: TentacleAgent) -> dict[str, ServiceState]:
    return {name: s.state for name, s in agent.services.items()}


@pytest.mark.parametrize(
    ("os_family", "instance", "expected"),
    [
        ("Windows", "Tentacle", "OctopusDeploy Tentacle"),
        ("Windows", "tentacle", "OctopusDeploy Tentacle"),
        ("Windows", "Web", "OctopusDeploy Tentacle: Web"),
        ("Windows", "My App", "OctopusDeploy Tentacle: My App"),
        ("Linux", "Tentacle", "Tentacle.service"),
        ("Linux", "Web", "Web.service"),
        ("Linux", "My \t App  2", "My-App-2.service"),
    ],
)
def test_service_names_are_the_real_ones(os_family: str, instance: str, expected: str) -> None:
    assert service_name(os_family, instance) == expected


def test_an_agent_attaches_to_its_machine_and_names_its_registered_instance() -> None:
    agent, _ = make(("Tentacle", "Web"), registered="web")
    assert agent.machine.agent is agent
    assert list(agent.services) == ["OctopusDeploy Tentacle", "OctopusDeploy Tentacle: Web"]
    assert agent.instance.name == "OctopusDeploy Tentacle: Web"
    assert agent.is_up and agent.witness == agent.instance.process_started
    first, _ = make(("Web", "Tentacle"))
    assert first.instance.instance == "Web"


@pytest.mark.parametrize(
    ("instances", "registered", "message"),
    [
        ((), None, "at least one Tentacle instance"),
        (("Web", "web"), None, "listed twice"),
        (("Web",), "Other", "registered instance 'Other' is not one of"),
    ],
)
def test_bad_instance_lists_are_refused(
    instances: tuple[str, ...], registered: str | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        make(instances, registered=registered)


def test_an_unbound_agent_says_how_to_bind_it() -> None:
    machine = default_world(random.Random(0)).machines["Machines-1"]
    agent = TentacleAgent(machine)
    with pytest.raises(RuntimeError, match="install_tentacles"):
        agent.restart(agent.services.values())


def test_a_restart_walks_the_state_table_and_changes_the_witness() -> None:
    agent, engine = make(("Web",))
    before = agent.witness
    assert before == INITIAL_PROCESS_START
    seen: list[tuple[ServiceState, ServiceState, float]] = []
    agent.watch(lambda s, old, new: seen.append((old, new, engine.clock.now())))
    engine.clock.sleep(10)
    agent.restart([agent.instance], cause="test")
    assert agent.instance.state is ServiceState.StopPending and not agent.is_up
    engine.clock.sleep(2)
    assert agent.instance.state is ServiceState.StartPending and agent.witness == before
    engine.clock.sleep(5)
    assert agent.is_up and agent.witness == 12.0 and agent.instance.starts == 1
    assert seen == [
        (ServiceState.Running, ServiceState.StopPending, 10.0),
        (ServiceState.StopPending, ServiceState.Stopped, 12.0),
        (ServiceState.Stopped, ServiceState.StartPending, 12.0),
        (ServiceState.StartPending, ServiceState.Running, 17.0),
    ]
    lines = [e.text for e in engine.journal.entries(kind=Kind.Service)]
    assert lines == [
        "web-01: restart of service 'OctopusDeploy Tentacle: Web' requested (test)",
        "web-01: service 'OctopusDeploy Tentacle: Web' Running → StopPending",
        "web-01: service 'OctopusDeploy Tentacle: Web' StopPending → Stopped",
        "web-01: service 'OctopusDeploy Tentacle: Web' Stopped → StartPending",
        "web-01: service 'OctopusDeploy Tentacle: Web' StartPending → Running "
        "(new process started 2024-01-15T09:00:12.0000000+00:00)",
    ]
    assert all(e.subject == "Machines-1" for e in engine.journal.entries(kind=Kind.Service))


def test_linux_units_are_journalled_as_units() -> None:
    agent, engine = make(os_family="Linux")
    agent.restart([agent.instance])
    engine.clock.sleep(7)
    assert agent.is_up
    assert "web-01: unit 'Tentacle.service' Running → StopPending" in [
        e.text for e in engine.journal.entries(kind=Kind.Service)
    ]


def test_restarting_one_instance_leaves_the_others_running() -> None:
    agent, engine = make(("Tentacle", "Web"))
    web = agent.services["OctopusDeploy Tentacle: Web"]
    agent.restart([web])
    assert agent.is_up  # the registered (default) instance is untouched
    assert states(agent) == {
        "OctopusDeploy Tentacle": ServiceState.Running,
        "OctopusDeploy Tentacle: Web": ServiceState.StopPending,
    }
    engine.clock.sleep(7)
    assert web.process_started == 2.0 and agent.witness == INITIAL_PROCESS_START


def test_restart_of_a_stopped_service_starts_it_and_of_a_pending_one_changes_nothing() -> None:
    agent, engine = make()
    agent.stop([agent.instance])
    agent.restart([agent.instance])  # already stopping: Restart-Service waits for it
    engine.clock.sleep(2)
    assert agent.instance.state is ServiceState.Stopped  # stop() does not start again
    agent.restart([agent.instance])
    assert agent.instance.state is ServiceState.StartPending
    engine.clock.sleep(5)
    assert agent.is_up and agent.instance.starts == 1


def test_stop_and_start_only_act_from_their_own_states() -> None:
    agent, engine = make()
    agent.start([agent.instance])  # running: nothing to do
    assert agent.instance.state is ServiceState.Running
    agent.stop([agent.instance])
    engine.clock.sleep(2)
    agent.stop([agent.instance])
    assert agent.instance.state is ServiceState.Stopped
    agent.start([agent.instance])
    engine.clock.sleep(5)
    assert agent.is_up


def test_a_failed_start_stays_stopped_without_a_watchdog() -> None:
    agent, engine = make(timing=ServiceTiming((2, 2), (5, 5), fail_to_start_rate=1.0))
    before = agent.witness
    agent.restart([agent.instance])
    engine.clock.sleep(3600)
    assert agent.instance.state is ServiceState.Stopped and not agent.is_up
    assert agent.witness == before  # the process that died never counted as a restart
    assert agent.process_start_times == {}
    assert any("(failed to start)" in e.text for e in engine.journal.entries(kind=Kind.Service))
    assert engine.clock.next_event_time() is None


def test_a_watchdog_starts_a_failed_service_after_its_interval() -> None:
    timing = ServiceTiming((2, 2), (5, 5), fail_to_start_rate=0.5, watchdog_interval=60)
    for seed in range(50):
        agent, engine = make(timing=timing, seed=seed)
        agent.restart([agent.instance])
        engine.clock.sleep(7)
        if agent.instance.state is ServiceState.Stopped:
            break
    else:
        pytest.fail("no seed in 50 drew a failed start at rate 0.5")
    engine.clock.run_until_idle()
    assert agent.is_up
    texts = [e.text for e in engine.journal.entries(kind=Kind.Service)]
    assert "web-01: the watchdog starts service 'OctopusDeploy Tentacle'" in texts
    watchdog_at = next(e.t for e in engine.journal.entries(kind=Kind.Service)
                       if "watchdog" in e.text)
    assert watchdog_at == 67.0


def test_illegal_service_moves_are_refused_by_the_table() -> None:
    agent, _ = make()
    with pytest.raises(IllegalTransition, match="Running → Stopped is not a legal transition"):
        agent._move(agent.instance, ServiceState.Stopped)


def test_durations_are_drawn_from_their_ranges_deterministically() -> None:
    timing = ServiceTiming(stop_seconds=(1, 9), start_seconds=(10, 20))

    def run(seed: int) -> list[float]:
        agent, engine = make(timing=timing, seed=seed)
        agent.restart([agent.instance])
        engine.clock.run_until_idle()
        return [e.t for e in engine.journal.entries(kind=Kind.Service)]

    assert run(3) == run(3)
    times = run(3)
    assert 1 <= times[2] <= 9 and 10 <= times[-1] - times[2] <= 20
    assert run(3) != run(4)


def test_span_and_draw() -> None:
    assert span(3) == (3.0, 3.0) and span([1, 2]) == (1.0, 2.0)
    for bad in ([2, 1], [-1, 2], [1, 2, 3], [float("inf"), 1]):
        with pytest.raises(ValueError, match="expected"):
            span(bad)
    rng = random.Random(0)
    state = rng.getstate()
    assert draw(rng, (4.0, 4.0)) == 4.0 and rng.getstate() == state  # fixed: no draw
    assert 1 <= draw(rng, (1.0, 2.0)) <= 2


@pytest.mark.parametrize(
    "kwargs",
    [{"fail_to_start_rate": 1.5}, {"watchdog_interval": 0}, {"stop_seconds": (5, 1)}],
)
def test_bad_timing_is_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"must be|expected"):
        ServiceTiming(**kwargs)  # type: ignore[arg-type]


def test_process_start_times_print_as_powershell_and_ps_do() -> None:
    wall = datetime(2024, 1, 15, 9, 0, 17, 205000, tzinfo=UTC)
    assert format_process_start(wall, "powershell") == "2024-01-15T09:00:17.2050000+00:00"
    assert format_process_start(wall, "bash") == "Mon Jan 15 09:00:17 2024"
    early = datetime(2024, 2, 5, 23, 4, 5, tzinfo=UTC)
    assert format_process_start(early, "bash") == "Mon Feb  5 23:04:05 2024"


def test_process_start_times_list_only_running_processes_in_name_order() -> None:
    agent, engine = make(("Web", "Tentacle"))
    assert list(agent.process_start_times) == [
        "OctopusDeploy Tentacle", "OctopusDeploy Tentacle: Web",
    ]
    agent.stop([agent.services["OctopusDeploy Tentacle"]])
    engine.clock.sleep(2)
    assert list(agent.process_start_times) == ["OctopusDeploy Tentacle: Web"]
    assert isinstance(agent.machine, Machine)
