"""Health tasks: TimeSpan arguments, targets, the retry behaviour of §6 for listening and
polling Tentacles, the machine policy, HealthStatus bookkeeping and flaky health."""

from __future__ import annotations

import pytest

from octosim.clock import VirtualClock
from octosim.journal import Journal, Kind
from octosim.model import TaskEngine, TaskState
from octosim.model.agents import ServiceTiming, TentacleAgent
from octosim.model.executors import ArgumentError
from octosim.model.health import HEALTHY_SUMMARY, HealthExecutor, HealthSettings
from octosim.model.randomness import Streams
from octosim.model.states import HealthStatus, ServiceState
from octosim.model.tasks import LogCategory, Task
from octosim.model.timespan import format_timespan, parse_timespan
from octosim.model.world import CommunicationStyle, Machine
from tests.worlds import default_world

REFUSED = (
    "The remote host at https://web-01:10933/ refused the connection. This may mean that the "
    "expected listening service is not running."
)
RETRY = (
    "An error occurred communicating with Tentacle. This action will be retried after 10 seconds..."
)
SEED_ARGS = {
    "Timeout": "00:01:00", "MachineTimeout": "00:01:00", "EnvironmentId": "Environments-1",
    "MachineIds": ["Machines-1"],
}
LONG = {"Timeout": "00:10:00", "MachineTimeout": "00:10:00"}


def make(
    settings: HealthSettings | None = None, *, seed: int = 0,
    style: CommunicationStyle = CommunicationStyle.Listening,
    timing: ServiceTiming | None = None,
) -> tuple[TaskEngine, Machine, TentacleAgent]:
    streams = Streams(seed)
    world = default_world(streams.stream("world"))
    machine = world.machines["Machines-1"]
    machine.communication_style = style
    engine = TaskEngine(VirtualClock(), Journal(), world, streams)
    agent = TentacleAgent(machine, ("Web",), timing=timing or ServiceTiming(
        stop_seconds=(2, 2), start_seconds=(20, 20)))
    agent.bind(engine)
    engine.register(HealthExecutor(settings or HealthSettings(check_seconds=(2, 2))))
    return engine, machine, agent


def health(engine: TaskEngine, **arguments: object) -> Task:
    return engine.create("Spaces-1", "Health", arguments)


def lines(task: Task, category: LogCategory | None = None) -> list[str]:
    return [e.message for node in task.log.walk() for e in node.log
            if category is None or e.category is category]


# -- TimeSpan ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("00:05:00", 300), ("0:05:00", 300), ("00:01:00", 60), ("1.00:00:00", 86400),
        ("00:00:30.5", 30.5), ("00:00:00.0000001", 1e-7), ("-00:01:00", -60), ("2", 172800),
        ("00:05", 300), (" 00:01:00 ", 60), ("23:59:59", 86399), ("10.02:03:04", 871384),
    ],
)
def test_timespans_parse_as_dotnet_reads_them(text: str, seconds: float) -> None:
    assert parse_timespan(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("5 minutes", "is not a TimeSpan"), ("", "is not a TimeSpan"), ("1.2.3", "not a TimeSpan"),
        ("24:00:00", "out of range"), ("00:60:00", "out of range"), ("00:00:60", "out of range"),
        ("00:00:00.12345678", "not a TimeSpan"), (60, "expected a TimeSpan string"),
    ],
)
def test_bad_timespans_say_why(text: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_timespan(text)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(60, "00:01:00"), (86400, "1.00:00:00"), (1.5, "00:00:01.5000000"), (-300, "-00:05:00")],
)
def test_timespans_format_in_the_constant_form(seconds: float, text: str) -> None:
    assert format_timespan(seconds) == text
    assert parse_timespan(text) == seconds


# -- arguments --------------------------------------------------------------------------------
def test_bad_arguments_name_every_field() -> None:
    engine, _, _ = make()
    with pytest.raises(ArgumentError) as caught:
        health(engine, Timeout="5 minutes", MachineTimeout="-00:01:00",
               EnvironmentId="Environments-99", MachineIds=["Machines-7"])
    problems = caught.value.problems
    assert any(p.startswith("Timeout: '5 minutes' is not a TimeSpan") for p in problems)
    assert any(p.startswith("MachineTimeout: '-00:01:00' must be a positive TimeSpan")
               for p in problems)
    assert any(p.startswith("EnvironmentId:") and "Environments-99" in p for p in problems)
    assert any("Machines-7" in p for p in problems)
    assert engine.tasks == {}


def test_the_seed_arguments_and_unknown_extras_are_accepted() -> None:
    engine, _, _ = make()
    task = health(engine, **SEED_ARGS, OnlyTestConnection="false", WorkerpoolId="")
    assert task.arguments["OnlyTestConnection"] == "false"
    assert task.arguments["MachineIds"] == ["Machines-1"]
    assert task.description == "Check deployment target health"


# -- reachable --------------------------------------------------------------------------------
def test_a_running_tentacle_is_healthy() -> None:
    engine, machine, _ = make()
    assert machine.health_status is HealthStatus.Unknown and machine.last_checked is None
    task = health(engine, **SEED_ARGS)
    engine.clock.sleep(2)
    assert task.state is TaskState.Success and task.completed_time == 2.0
    assert machine.health_status is HealthStatus.Healthy
    assert machine.status_summary == HEALTHY_SUMMARY == (
        "This machine was successfully health checked."
    )
    assert machine.last_checked == 2.0
    assert [c.name for c in task.log.children] == ["Check web-01 health"]
    assert HEALTHY_SUMMARY in lines(task, LogCategory.Info)
    assert not task.has_warnings_or_errors
    health_lines = [e.text for e in engine.journal.entries(kind=Kind.Health)]
    assert health_lines == [
        f"{task.id}: web-01 HealthStatus Unknown → Healthy (health check succeeded)"
    ]


# -- a listening Tentacle that is down ----------------------------------------------------------
def test_a_stopped_listening_tentacle_is_retried_then_unavailable() -> None:
    engine, machine, agent = make()
    agent.stop([agent.instance])
    engine.clock.sleep(2)
    task = health(engine, **LONG)
    engine.clock.run_until_idle()
    assert task.state is TaskState.Failed
    assert machine.health_status is HealthStatus.Unavailable
    assert machine.status_summary == (
        "There was a problem communicating with this machine (last checked: Monday, "
        "15 January 2024 9:02:26 AM +00:00)."
    )
    log = lines(task)
    assert log.count(REFUSED) == 5 * 11 and log.count(RETRY) == 10
    assert task.log.children[0].log[-1].message == (
        "Could not communicate with Tentacle after 144 seconds. No more retries will be attempted."
    )
    # Halibut's five attempts are one second apart; rounds are 10 s apart.
    refused = [e.occurred_at for node in task.log.walk() for e in node.log if e.message == REFUSED]
    assert refused[:6] == [2.0, 3.0, 4.0, 5.0, 6.0, 16.0]
    assert task.error_message == (
        "The health check failed for 1 of 1 deployment targets: web-01"
    )
    assert task.log.children[0].status.value == "Failed"


def test_machine_timeout_cuts_the_retries_short() -> None:
    engine, machine, agent = make()
    agent.stop([agent.instance])
    engine.clock.sleep(2)
    task = health(engine, **SEED_ARGS)
    engine.clock.run_until_idle()
    assert task.state is TaskState.Failed and task.completed_time == 62.0
    assert ("The health check of web-01 did not finish within its MachineTimeout of 00:01:00."
            in lines(task, LogCategory.Error))
    assert machine.health_status is HealthStatus.Unavailable


def test_a_check_started_during_a_restart_succeeds_if_it_returns_in_the_window() -> None:
    engine, machine, agent = make()
    agent.restart([agent.instance])  # down from 0 to 22
    task = health(engine, **LONG)
    engine.clock.run_until_idle()
    assert task.state is TaskState.Success and machine.health_status is HealthStatus.Healthy
    assert RETRY in lines(task, LogCategory.Warning)
    assert task.has_warnings_or_errors  # the retries show as warnings, as on a real server
    assert task.start_time == 0 and task.completed_time == 30.0  # 3rd round at 28 s, +2 s check


def test_may_be_offline_skips_an_unavailable_target_and_succeeds() -> None:
    engine, machine, agent = make()
    engine.world.policy_for(machine).may_be_offline = True
    agent.stop([agent.instance])
    task = health(engine, **SEED_ARGS)
    engine.clock.run_until_idle()
    assert task.state is TaskState.Success
    assert machine.health_status is HealthStatus.Unavailable
    warnings = lines(task, LogCategory.Warning)
    assert any("its machine policy lets it be offline" in m for m in warnings)


def test_the_retry_window_is_the_machine_policys() -> None:
    engine, machine, agent = make()
    policy = engine.world.policy_for(machine)
    policy.retry_window, policy.retry_interval = 30.0, 5.0
    agent.stop([agent.instance])
    task = health(engine, **LONG)
    engine.clock.run_until_idle()
    log = lines(task)
    # Rounds end 4, 13, 22 and 31 s in; a fourth retry would end past the 30 s window.
    assert log.count(RETRY.replace("10 seconds", "5 seconds")) == 3
    assert (
        "Could not communicate with Tentacle after 31 seconds. No more retries will be attempted."
        in log
    )


def test_unavailable_stays_until_a_health_check_succeeds() -> None:
    engine, machine, agent = make()
    agent.stop([agent.instance])
    health(engine, **SEED_ARGS)
    engine.clock.run_until_idle()
    agent.start([agent.instance])
    engine.clock.run_until_idle()
    assert agent.is_up and machine.health_status is HealthStatus.Unavailable
    health(engine, **SEED_ARGS)
    engine.clock.run_until_idle()
    assert machine.health_status is HealthStatus.Healthy


def test_a_tentacle_that_goes_away_during_the_check_is_unavailable() -> None:
    engine, machine, agent = make(HealthSettings(check_seconds=(5, 5)))
    task = health(engine, **SEED_ARGS)
    engine.clock.sleep(1)
    agent.stop([agent.instance])
    engine.clock.run_until_idle()
    assert task.state is TaskState.Failed and machine.health_status is HealthStatus.Unavailable


def test_the_task_timeout_fails_the_task() -> None:
    engine, machine, agent = make()
    agent.stop([agent.instance])
    task = health(engine, Timeout="00:00:30", MachineTimeout="00:05:00")
    engine.clock.run_until_idle()
    assert task.state is TaskState.Failed and task.completed_time == 30.0
    assert task.error_message == "The health check did not finish within its Timeout of 00:00:30."
    assert machine.health_status is HealthStatus.Unknown  # no outcome was reached
    assert engine.clock.next_event_time() is None


def test_cancelling_a_check_leaves_health_alone_and_nothing_scheduled() -> None:
    engine, machine, agent = make()
    agent.stop([agent.instance])
    engine.clock.sleep(2)
    task = health(engine, **LONG)
    engine.clock.sleep(3)
    engine.cancel(task)
    engine.clock.run_until_idle()
    assert task.state is TaskState.Canceled
    assert machine.health_status is HealthStatus.Unknown and engine.clock.now() == 7.0


# -- a polling Tentacle -----------------------------------------------------------------------
def test_a_polling_tentacle_collects_the_request_when_it_returns() -> None:
    engine, _machine, agent = make(style=CommunicationStyle.Polling)
    agent.restart([agent.instance])  # Running again at 22
    task = health(engine, **LONG)
    engine.clock.run_until_idle()
    assert task.state is TaskState.Success and task.completed_time == 24.0
    assert REFUSED not in lines(task)


def test_a_polling_request_times_out_after_two_minutes() -> None:
    engine, machine, agent = make(style=CommunicationStyle.Polling)
    agent.stop([agent.instance])
    task = health(engine, **LONG)
    engine.clock.run_until_idle()
    timeout = (
        "A request was sent to a polling endpoint, but the polling endpoint did not collect "
        "the request within the allowed time (00:02:00), so the request timed out."
    )
    log = lines(task)
    assert log.count(timeout) == 2 and log.count(RETRY) == 1
    assert task.log.children[0].log[-1].message == (
        "Could not communicate with Tentacle after 250 seconds. No more retries will be attempted."
    )
    assert machine.health_status is HealthStatus.Unavailable


def test_a_task_that_timed_out_is_not_touched_when_the_tentacle_returns() -> None:
    engine, machine, agent = make(style=CommunicationStyle.Polling)
    agent.restart([agent.instance])  # Running again at 22
    task = health(engine, Timeout="00:00:10", MachineTimeout="00:05:00")
    engine.clock.sleep(10)
    assert task.state is TaskState.Failed
    before = lines(task)
    engine.clock.run_until_idle()
    assert agent.is_up and lines(task) == before
    assert machine.health_status is HealthStatus.Unknown


# -- targets ----------------------------------------------------------------------------------
def test_targets_come_from_machine_ids_or_the_environment_or_the_space() -> None:
    engine, _machine, _ = make()
    world = engine.world
    other = world.add_machine("Spaces-1", "web-02", ["Environments-2"])
    disabled = world.add_machine("Spaces-1", "web-03", ["Environments-1"], is_disabled=True)
    for m in (other, disabled):
        TentacleAgent(m).bind(engine)

    def checked(**args: object) -> list[str]:
        task = health(engine, **args)
        engine.clock.run_until_idle()
        return [c.name for c in task.log.children]

    assert checked(MachineIds=["Machines-2"]) == ["Check web-02 health"]
    assert checked(EnvironmentId="Environments-1") == ["Check web-01 health"]
    assert checked(EnvironmentId="Environments-2", MachineIds=["Machines-1", "Machines-2"]) == [
        "Check web-02 health"
    ]
    assert checked() == ["Check web-01 health", "Check web-02 health"]
    task = health(engine, EnvironmentId="Environments-3")
    assert task.state is TaskState.Success
    assert "There are no deployment targets to check." in lines(task)


# -- flaky health -----------------------------------------------------------------------------
def test_flaky_health_fails_checks_while_the_tentacle_is_up() -> None:
    engine, machine, agent = make(HealthSettings(flaky_activation_rate=1.0, flaky_failure_rate=1.0))
    task = health(engine, **SEED_ARGS)
    engine.clock.run_until_idle()
    assert agent.is_up and task.state is TaskState.Failed
    assert machine.health_status is HealthStatus.Unhealthy
    assert "The health check script failed (flaky health)." in lines(task, LogCategory.Error)
    assert "flaky health is active for this run" in [
        e.text for e in engine.journal.entries(kind=Kind.Health)
    ]


def test_flakiness_is_activated_once_per_run_then_fires_per_check() -> None:
    settings = HealthSettings(flaky_activation_rate=0.5, flaky_failure_rate=0.5)
    outcomes: dict[bool, set[TaskState]] = {True: set(), False: set()}
    for seed in range(40):
        engine, _, _ = make(settings, seed=seed)
        tasks = [health(engine, **SEED_ARGS) for _ in range(6)]
        engine.clock.run_until_idle()
        executor = engine.executors["Health"]
        assert isinstance(executor, HealthExecutor) and executor.flaky_active is not None
        outcomes[executor.flaky_active].update(t.state for t in tasks)
    # Inactive runs never fail; active runs mix failures and successes.
    assert outcomes[False] == {TaskState.Success}
    assert outcomes[True] == {TaskState.Success, TaskState.Failed}


def test_no_flakiness_draws_nothing() -> None:
    engine, _, _ = make(HealthSettings(check_seconds=(2, 2)))
    health_streams = [engine.streams.stream("health", "flaky"),
                      *(engine.streams.stream("health", m) for m in engine.world.machines)]
    states = [s.getstate() for s in health_streams]
    health(engine, **SEED_ARGS)
    engine.clock.run_until_idle()
    assert [s.getstate() for s in health_streams] == states


@pytest.mark.parametrize("field", ["flaky_activation_rate", "flaky_failure_rate"])
def test_rates_outside_zero_to_one_are_refused(field: str) -> None:
    with pytest.raises(ValueError, match=f"{field} must be in"):
        HealthSettings(**{field: 2.0})  # type: ignore[arg-type]


def test_settings_change_the_unconfirmed_wording() -> None:
    settings = HealthSettings(
        check_seconds=(1, 1), unavailable_summary="Gone since {last_checked}",
        error_message="{count}/{total} failed: {machines}",
    )
    engine, machine, agent = make(settings)
    agent.stop([agent.instance])
    task = health(engine, **SEED_ARGS)
    engine.clock.run_until_idle()
    assert task.error_message == "1/1 failed: web-01"
    assert machine.status_summary.startswith("Gone since Monday, 15 January 2024")
    assert agent.instance.state is ServiceState.Stopped
