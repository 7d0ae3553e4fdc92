"""The sans-IO procedure, driven directly: hand-made events, or the fake Octopus's answers
through the shared driver loop. No HTTP, no real time."""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

import pytest

from restart import (
    AgentOS,
    AuthenticationError,
    ConfigurationError,
    Finish,
    NotFoundError,
    Outcome,
    PermissionDeniedError,
    Request,
    Response,
    RestartPolicy,
    RestartProcedure,
    RestartReport,
    RestartTarget,
    Send,
    ServerError,
    Sleep,
    TransportFailure,
)
from restart._stepper import ProtocolError
from restart.drivers.loop import drive
from restart.scripts import LINUX_PROBE, WINDOWS_PROBE

TARGET = RestartTarget("Spaces-1", machine_id="Machines-1")
ROOT = Response(200, {}, {"Application": "Octopus Deploy"})
MACHINE = {
    "Id": "Machines-1",
    "Name": "web-01",
    "IsDisabled": False,
    "OperatingSystem": "Microsoft Windows Server 2022",
    "ShellName": "PowerShell",
    "Endpoint": {"CommunicationStyle": "TentaclePassive"},
}


def run(octopus: Any, target: RestartTarget = TARGET, policy: RestartPolicy | None = None,
        seed: int = 0) -> RestartReport:  # fmt: skip
    proc = RestartProcedure(
        target, policy, rng=random.Random(seed), web_base_url="http://octopus.test"
    )
    return drive(
        proc, octopus.transport, clock=octopus.clock.now, sleep=octopus.clock.sleep,
        raise_errors=False,
    )  # fmt: skip


def start(policy: RestartPolicy | None = None, target: RestartTarget = TARGET,
          now: float = 0.0) -> tuple[RestartProcedure, Any]:  # fmt: skip
    proc = RestartProcedure(target, policy, rng=random.Random(0))
    return proc, proc.start(now)


def through_preflight(proc: RestartProcedure, now: float = 0.0,
                      machine: dict[str, Any] | None = None) -> Any:  # fmt: skip
    action = proc.send(ROOT, now)
    assert isinstance(action, Send)
    assert action.request.path == "/api/Spaces-1/machines/Machines-1"
    action = proc.send(Response(200, {}, machine or MACHINE), now)
    if isinstance(action, Finish):  # the machine was refused
        return action
    assert isinstance(action, Send)
    assert action.request == Request("GET", "/api/tasks", params=(("active", "true"),
                                                                  ("take", "0")))
    return proc.send(Response(200, {}, {"Items": [], "TotalResults": 0}), now)


def assert_bounded(report: RestartReport, policy: RestartPolicy | None = None) -> None:
    policy = policy or RestartPolicy()
    assert report.ended <= report.started + policy.deadline + 1e-9


def assert_clean(octopus: Any) -> None:
    octopus.settle()
    running = [t.id for t in octopus.tasks.values() if not octopus.completed(t)]
    assert running == [], f"tasks left running: {running}"


def polls_spacing(octopus: Any) -> float:
    """The shortest gap between two GETs of the same task."""
    last: dict[str, float] = {}
    gap = float("inf")
    for t, request in octopus.requests:
        parts = request.path.split("/")
        if request.method == "GET" and len(parts) == 5 and parts[3] == "tasks":
            if parts[4] in last:
                gap = min(gap, t - last[parts[4]])
            last[parts[4]] = t
    return gap


# -- the whole run ---------------------------------------------------------------------------
def test_windows_restart_is_verified_by_witness_and_health(octopus: Any) -> None:
    report = run(octopus)

    assert report.outcome is Outcome.RESTARTED, report.reason
    assert report.ok and report.error is None
    assert [p.name for p in report.phases] == [
        "preflight", "witness", "restart", "wait", "verify", "health",
    ]  # fmt: skip
    assert [t.kind for t in report.tasks] == ["probe", "restart", "probe", "health"]
    assert all(t.state == "Success" for t in report.tasks)
    assert report.tasks[1].web_link == "http://octopus.test/app#/Spaces-1/tasks/ServerTasks-2"
    assert report.witness_before and report.witness_after
    assert set(report.witness_after) - set(report.witness_before)
    assert report.os == "windows" and report.machine_name == "web-01"
    assert report.requests == len(octopus.requests) and report.retries == 0
    assert_bounded(report)
    assert_clean(octopus)
    assert polls_spacing(octopus) >= RestartPolicy().poll_interval


def test_scripts_and_health_arguments_sent(octopus: Any) -> None:
    run(octopus)
    probe, restart, _, health = octopus.created()
    assert probe.arguments == {
        "MachineIds": ["Machines-1"], "TargetType": "Machines", "Syntax": "PowerShell",
        "ScriptBody": WINDOWS_PROBE,
    }  # fmt: skip
    assert "Get-Service 'OctopusDeploy Tentacle*'" in restart.arguments["ScriptBody"]
    assert health.arguments == {
        "MachineIds": ["Machines-1"], "Timeout": "00:01:00", "MachineTimeout": "00:01:00",
    }  # fmt: skip
    descriptions = [t.description for t in octopus.created()]
    assert len(set(descriptions)) == 4
    assert restart.description.startswith("Restarting Tentacle on web-01 - Machines-1 (")
    assert health.description.startswith("Health check for web-01 - Machines-1 (")


def test_linux_machine_by_name(make_octopus: Any) -> None:
    octopus = make_octopus(os="linux", machine_name="db 01")
    report = run(octopus, RestartTarget("Spaces-1", machine_name="db 01"))

    assert report.outcome is Outcome.RESTARTED, report.reason
    assert report.machine_id == "Machines-1" and report.os == "linux"
    _, machines = octopus.requests[:2]
    assert machines[1] == Request("GET", "/api/Spaces-1/machines", (("name", "db 01"),))
    probe, restart = octopus.created()[:2]
    assert probe.arguments["Syntax"] == "Bash" and probe.arguments["ScriptBody"] == LINUX_PROBE
    assert restart.arguments["ScriptBody"] == (
        "nohup sh -c 'sleep 3; /opt/octopus/tentacle/Tentacle service --restart "
        "--instance \"*\"' >/dev/null 2>&1 &"
    )


def test_named_instance_on_request(make_octopus: Any) -> None:
    octopus = make_octopus(instance="Blue")
    report = run(octopus, policy=RestartPolicy(instance="Blue"))
    assert report.outcome is Outcome.RESTARTED
    body = octopus.created("AdHocScript")[1].arguments["ScriptBody"]
    assert "Get-Service 'OctopusDeploy Tentacle: Blue'" in body


def test_os_override_skips_detection(octopus: Any) -> None:
    octopus.machine["OperatingSystem"] = "Unknown"
    octopus.machine["ShellName"] = "Unknown"
    report = run(octopus, RestartTarget("Spaces-1", machine_id="Machines-1", os=AgentOS.WINDOWS))
    assert report.outcome is Outcome.RESTARTED


# -- safety: what must NOT count as restarted --------------------------------------------------
def test_witness_unchanged_is_not_restarted_and_no_health_check(octopus: Any) -> None:
    octopus.restart_works = False  # the script runs, the service never restarts
    report = run(octopus)

    assert report.outcome is Outcome.NOT_RESTARTED
    assert "did not change" in report.reason
    assert octopus.created("Health") == []
    assert report.witness_after == report.witness_before
    assert_bounded(report)
    assert_clean(octopus)


def test_witness_unknown_before_restart_means_no_restart(octopus: Any) -> None:
    octopus.probe_prints = False
    report = run(octopus)

    assert report.outcome is Outcome.NOT_RESTARTED
    assert "printed no start time" in report.reason
    assert [t.arguments["ScriptBody"] for t in octopus.created()] == [WINDOWS_PROBE] * 3
    assert octopus.restarts == []


def test_health_checks_only_after_the_witness_changed(octopus: Any) -> None:
    report = run(octopus)
    verify = next(p for p in report.phases if p.name == "verify")
    health = [t for t in report.tasks if t.kind == "health"]
    assert health and all(t.created >= verify.ended for t in health)
    back = octopus.restarts[0][1]
    assert all(t.created >= back for t in octopus.created("Health"))


def test_self_restart_exit_code_lets_the_witness_decide(octopus: Any) -> None:
    octopus.self_restart_error = "The remote script failed with exit code -46"
    report = run(octopus)

    assert report.outcome is Outcome.RESTARTED, report.reason
    assert report.tasks[1].state == "Failed"
    assert any("killed the script" in line.text for line in report.log)


def test_restart_task_failing_otherwise_is_not_restarted(octopus: Any) -> None:
    octopus.self_restart_error = "The remote script failed with exit code 2"
    report = run(octopus)

    assert report.outcome is Outcome.NOT_RESTARTED
    assert "exit code 2" in report.reason
    assert octopus.created("Health") == []


def test_health_window_without_healthy_check_times_out(octopus: Any) -> None:
    octopus.health_ok = lambda t: False
    policy = RestartPolicy()
    report = run(octopus, policy=policy)

    assert report.outcome is Outcome.TIMED_OUT
    assert "health window" in report.reason
    assert report.witness_after != report.witness_before
    assert_bounded(report, policy)
    assert_clean(octopus)


def test_stable_checks_must_succeed_in_a_row(octopus: Any) -> None:
    results = iter([True, False, True, True, True])
    octopus.health_ok = lambda t: next(results)
    report = run(octopus, policy=RestartPolicy(stable_checks=3))

    assert report.outcome is Outcome.RESTARTED, report.reason
    assert report.healthy_checks == 3
    assert [t.state for t in octopus.created("Health")] == [
        "Success", "Failed", "Success", "Success", "Success",
    ]  # fmt: skip


# -- preflight errors, at once --------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (400, ServerError),
    ],
)
def test_fatal_statuses_fail_at_once(status: int, error: type[Exception], kit: Any) -> None:
    proc, action = start()
    action = proc.send(ROOT, 0.0)
    assert isinstance(action, Send)
    reply = kit.error_response(status, "Nope.", errors=["Because."])
    action = proc.send(reply, 0.0)

    assert isinstance(action, Finish)
    report = action.report
    assert isinstance(report.error, error)
    assert report.outcome is Outcome.FAILED and report.requests == 2 and report.retries == 0
    assert "Nope. Because." in str(report.error)
    assert report.error.report is report


def test_advice_in_messages(kit: Any) -> None:
    for status, advice in [(401, "OCTOPUS_API_KEY"), (403, "administrator"), (404, "--space")]:
        proc, _ = start()
        proc.send(ROOT, 0.0)
        finish = proc.send(kit.error_response(status, "x"), 0.0)
        assert isinstance(finish, Finish)
        assert advice in str(finish.report.error)


def test_disabled_machine_is_a_configuration_error() -> None:
    proc, _ = start()
    action = through_preflight(proc, machine={**MACHINE, "IsDisabled": True})
    assert isinstance(action, Finish)
    assert isinstance(action.report.error, ConfigurationError)
    assert "disabled" in str(action.report.error)


def test_unknown_os_asks_for_the_flag() -> None:
    proc, _ = start()
    machine = {**MACHINE, "OperatingSystem": "Unknown", "ShellName": "Unknown"}
    action = through_preflight(proc, machine=machine)
    assert isinstance(action.report.error, ConfigurationError)
    assert "--os windows|linux" in str(action.report.error)


def test_not_a_tentacle() -> None:
    proc, _ = start()
    action = through_preflight(proc, machine={**MACHINE, "Endpoint": {"CommunicationStyle": "Ssh"}})
    assert isinstance(action.report.error, ConfigurationError)


def test_machine_name_not_found(octopus: Any) -> None:
    report = run(octopus, RestartTarget("Spaces-1", machine_name="nope"))
    assert isinstance(report.error, NotFoundError)
    assert "no machine named 'nope'" in str(report.error)


def test_unknown_space(octopus: Any) -> None:
    report = run(octopus, RestartTarget("Spaces-9", machine_id="Machines-1"))
    assert isinstance(report.error, NotFoundError)
    assert "Spaces-9 does not exist" in str(report.error)


def test_not_octopus_at_the_url() -> None:
    proc, _ = start()
    action = proc.send(Response(200, {}, None, "<html>login</html>"), 0.0)
    assert isinstance(action, Finish)
    assert isinstance(action.report.error, ConfigurationError)


# -- retries --------------------------------------------------------------------------------
def test_retry_after_is_honoured() -> None:
    proc, _ = start(RestartPolicy(retry_cap=2.0))
    action = proc.send(Response(503, {"retry-after": "7"}), 0.0)
    assert action == Sleep(7.0)  # above the cap: the server knows its load
    action = proc.send(None, 7.0)
    assert isinstance(action, Send) and action.request.path == "/api"


def test_retry_after_http_date_uses_the_date_header() -> None:
    proc, _ = start()
    headers = {
        "Date": "Thu, 26 Nov 2026 06:00:00 GMT",
        "Retry-After": "Thu, 26 Nov 2026 06:00:12 GMT",
    }
    action = proc.send(Response(429, headers), 0.0)
    assert action == Sleep(12.0)


def test_backoff_is_exponential_capped_and_gives_up() -> None:
    policy = RestartPolicy(retry_base=1.0, retry_cap=4.0, retry_jitter=0.0, max_attempts=5)
    proc, _ = start(policy)
    now, sleeps = 0.0, []
    action = proc.send(TransportFailure("connect", "refused"), now)
    while isinstance(action, Sleep):
        sleeps.append(action.seconds)
        now += action.seconds
        action = proc.send(None, now)
        assert isinstance(action, Send)
        action = proc.send(TransportFailure("connect", "refused"), now)
    assert sleeps == [1.0, 2.0, 4.0, 4.0]
    assert isinstance(action, Finish)
    assert isinstance(action.report.error, ServerError)
    assert "5 attempts" in str(action.report.error)
    assert action.report.retries == 4 and action.report.requests == 5


def test_jitter_stays_within_its_fraction() -> None:
    policy = RestartPolicy(retry_base=8.0, retry_cap=8.0, retry_jitter=0.25)
    rng = random.Random(3)
    delays = [policy.backoff(1, rng) for _ in range(200)]
    assert min(delays) >= 6.0 and max(delays) <= 8.0 and len(set(delays)) > 100


def test_backoff_never_crosses_the_deadline() -> None:
    policy = RestartPolicy(deadline=20.0, cleanup_allowance=5.0, retry_base=10.0, retry_cap=10.0,
                           retry_jitter=0.0)  # fmt: skip
    proc, _ = start(policy)
    action = proc.send(Response(503), 0.0)
    assert action == Sleep(10.0)
    action = proc.send(None, 10.0)
    action = proc.send(Response(503), 10.0)  # another 10 s would reach the work limit (15 s)
    assert isinstance(action, Finish)
    assert action.report.outcome is Outcome.TIMED_OUT
    assert action.report.ended <= 20.0


def test_request_timeout_shrinks_near_the_deadline() -> None:
    policy = RestartPolicy(deadline=40.0, cleanup_allowance=10.0, request_timeout=30.0)
    proc, action = start(policy)
    assert action.timeout == 30.0
    action = proc.send(Response(503, {"retry-after": "12"}), 0.0)
    action = proc.send(None, 12.0)
    assert isinstance(action, Send) and action.timeout == pytest.approx(18.0)


def test_transient_failures_do_not_change_the_verdict(octopus: Any) -> None:
    octopus.fail("GET", "/tasks/ServerTasks-", 503, times=3)
    octopus.fail("GET", "/machines", TransportFailure("timeout", "slow"))
    octopus.fail("GET", "/details", 502)
    report = run(octopus)
    assert report.outcome is Outcome.RESTARTED, report.reason
    assert report.retries == 5
    assert polls_spacing(octopus) >= RestartPolicy().poll_interval


def test_failed_poll_waits_for_retry_after(octopus: Any) -> None:
    octopus.fail("GET", "/tasks/ServerTasks-1", 503, headers={"Retry-After": "20"})
    run(octopus)
    polls = [t for t, r in octopus.requests if r.path.endswith("/tasks/ServerTasks-1")]
    assert polls[1] - polls[0] >= 20.0


# -- ambiguous creates ----------------------------------------------------------------------
def test_ambiguous_create_is_found_not_duplicated(octopus: Any) -> None:
    octopus.fail("POST", "/tasks", TransportFailure("timeout", "no answer"), act=True)
    report = run(octopus)

    assert report.outcome is Outcome.RESTARTED, report.reason
    lookups = [
        r for _, r in octopus.requests if r.params == (("name", "AdHocScript"), ("take", "30"))
    ]
    assert lookups, "the task list was not searched"
    probes = [t for t in octopus.created() if t.arguments.get("ScriptBody") == WINDOWS_PROBE]
    assert len(probes) == 2  # before and after; the lost create was adopted, not re-posted
    assert_clean(octopus)


def test_ambiguous_create_not_found_is_posted_again(octopus: Any) -> None:
    octopus.fail("POST", "/tasks", 502)  # Octopus did nothing
    report = run(octopus)
    assert report.outcome is Outcome.RESTARTED
    assert report.retries == 1
    assert len(octopus.created()) == 4


def test_lost_create_turning_up_later_is_cancelled(octopus: Any) -> None:
    # The create of the health check fails ambiguously, the lookup misses it, the POST is
    # repeated; the first one then appears. Cleanup must find and cancel it.
    original = octopus.route_tasks
    lost: list[Request] = []

    def route_tasks(request: Request, rest: list[str], params: dict[str, str]) -> Any:
        body: Any = request.json
        if request.method == "POST" and not rest and body["Name"] == "Health" and not lost:
            lost.append(request)  # Octopus is still working on it...
            return Response(504)
        if request.method == "GET" and params.get("name") == "Health" and len(lost) == 1:
            lost.append(request)  # ... so the lookup misses it; then it appears, and runs on
            octopus.create(lost[0].json).ends += 1000
            return Response(200, {}, {"Items": []})
        return original(request, rest, params)

    octopus.route_tasks = route_tasks
    report = run(octopus)
    assert report.outcome is Outcome.RESTARTED
    assert_clean(octopus)
    assert any(r.path.endswith("/cancel") for _, r in octopus.requests)


# -- deadline and cleanup -------------------------------------------------------------------
def test_deadline_cancels_every_task_still_running(octopus: Any) -> None:
    octopus.durations["Health"] = 10_000.0  # never finishes in time
    policy = RestartPolicy()
    report = run(octopus, policy=policy)

    assert report.outcome is Outcome.TIMED_OUT
    assert report.phases[-1].name == "cleanup"
    health = [t for t in report.tasks if t.kind == "health"]
    assert health and health[-1].state == "Canceled"
    assert_bounded(report, policy)
    assert_clean(octopus)
    assert report.ended <= report.started + policy.deadline


def test_short_deadline_bounds_the_health_task_timeout(octopus: Any) -> None:
    octopus.durations["Health"] = 10_000.0
    policy = RestartPolicy(deadline=75.0, cleanup_allowance=5.0, post_restart_wait=10.0)
    report = run(octopus, policy=policy)
    assert report.outcome is Outcome.TIMED_OUT
    (health,) = octopus.created("Health")
    timeout = health.arguments["Timeout"]
    assert timeout < "00:01:00"
    h, m, s = map(int, timeout.split(":"))
    assert health.created + h * 3600 + m * 60 + s + policy.poll_interval <= (
        report.started + policy.work_time
    )
    assert_bounded(report, policy)


def test_tentacle_that_never_returns_is_bounded_and_clean(octopus: Any) -> None:
    octopus.down_for = 1e9
    policy = RestartPolicy()
    report = run(octopus, policy=policy)
    assert report.outcome is Outcome.NOT_RESTARTED
    assert "could not read" in report.reason
    assert_bounded(report, policy)
    assert_clean(octopus)


def test_cancel_interrupts_and_cleans_up() -> None:
    proc, _ = start()
    action = through_preflight(proc)
    assert isinstance(action, Send) and action.request.method == "POST"  # the probe
    task = {"Id": "ServerTasks-7", "State": "Executing", "IsCompleted": False,
            "Links": {"Web": "/app#/Spaces-1/tasks/ServerTasks-7"}}  # fmt: skip
    action = proc.send(Response(201, {}, task), 1.0)
    assert isinstance(action, Sleep)

    action = proc.cancel(2.0)  # Ctrl-C while sleeping

    assert isinstance(action, Send)
    assert action.request == Request("POST", "/api/Spaces-1/tasks/ServerTasks-7/cancel", json={})
    action = proc.send(Response(200, {}, {**task, "State": "Canceled"}), 2.5)
    assert isinstance(action, Finish)
    report = action.report
    assert report.interrupted and report.outcome is Outcome.FAILED
    assert report.reason == (
        "interrupted before the restart was requested: the Tentacle was not restarted"
    )
    assert report.tasks[0].state == "Canceled"
    assert int(report.exit_code) == 130


def test_cancel_again_during_cleanup_moves_on() -> None:
    proc, _ = start()
    through_preflight(proc)
    proc.send(Response(201, {}, {"Id": "ServerTasks-7", "State": "Queued"}), 1.0)
    action = proc.cancel(2.0)
    assert isinstance(action, Send)
    action = proc.cancel(3.0)  # the cancel request is abandoned; nothing else to do
    assert isinstance(action, Sleep | Finish)
    while not isinstance(action, Finish):
        action = proc.send(None if isinstance(action, Sleep) else Response(503), 3.0)
    assert action.report.interrupted
    assert proc.cancel(4.0) is action


def test_unexpected_bug_still_cleans_up(monkeypatch: pytest.MonkeyPatch) -> None:
    proc, _ = start()
    through_preflight(proc)

    def broken(details: object) -> None:
        raise KeyError("boom")

    monkeypatch.setattr("restart.procedure.witness_from_details", broken)
    task = {"Id": "ServerTasks-1", "State": "Success", "IsCompleted": True}
    action = proc.send(Response(201, {}, task), 1.0)
    assert isinstance(action, Send) and action.request.path.endswith("/details")
    action = proc.send(Response(200, {}, {}), 1.0)
    assert isinstance(action, Finish)
    assert isinstance(action.report.error, ServerError)
    assert "bug" in str(action.report.error)


# -- protocol discipline --------------------------------------------------------------------
def test_protocol_misuse_is_refused() -> None:
    proc = RestartProcedure(TARGET)
    with pytest.raises(ProtocolError, match="start"):
        proc.send(None, 0.0)
    action = proc.start(5.0)
    with pytest.raises(ProtocolError, match="already"):
        proc.start(5.0)
    with pytest.raises(ProtocolError, match="Response or TransportFailure"):
        proc.send(None, 5.0)
    with pytest.raises(ProtocolError, match="backwards"):
        proc.send(ROOT, 4.0)
    assert isinstance(action, Send)


def test_sleep_must_be_answered_with_none() -> None:
    proc, _ = start()
    action = proc.send(Response(503), 0.0)
    assert isinstance(action, Sleep)
    with pytest.raises(ProtocolError, match="None"):
        proc.send(ROOT, 1.0)


def test_send_after_finish_is_refused(kit: Any) -> None:
    proc, _ = start()
    proc.send(ROOT, 0.0)
    proc.send(kit.error_response(401, "no"), 0.0)
    with pytest.raises(ProtocolError, match="finished"):
        proc.send(ROOT, 0.0)


def test_time_comes_only_from_the_driver(octopus: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    def forbidden(*args: object) -> float:
        raise AssertionError("the procedure read the real clock")

    for name in ("time", "monotonic", "sleep", "perf_counter"):
        monkeypatch.setattr(time, name, forbidden)
    assert run(octopus).outcome is Outcome.RESTARTED


def test_same_seed_same_run(make_octopus: Any, kit: Any) -> None:
    reports = []
    for _ in range(2):
        octopus = kit.FakeOctopus(kit.FakeClock())
        octopus.fail("GET", "/api", 503, times=2)
        reports.append(run(octopus, seed=42))
    assert reports[0] == reports[1]


def test_ctrl_c_inside_start_is_an_interrupt_before_anything_was_sent() -> None:
    # start() runs the body's first lines, the driver's wall clock among them, before the
    # body sets its deadline; a Ctrl-C landing there, and a driver that answers it with
    # cancel() as the protocol says, get the interrupted report, not an AssertionError.
    def wall_clock() -> datetime:
        raise KeyboardInterrupt

    proc = RestartProcedure(TARGET, rng=random.Random(0), wall_clock=wall_clock)
    with pytest.raises(KeyboardInterrupt):
        proc.start(5.0)
    action = proc.cancel(6.0)

    assert isinstance(action, Finish)
    report = action.report
    assert report.interrupted and report.outcome is Outcome.FAILED
    assert report.reason == (
        "interrupted before the restart was requested: the Tentacle was not restarted"
    )
    assert (report.requests, report.tasks, report.deadline) == (0, (), None)
    assert (report.started, report.ended) == (5.0, 6.0)


def test_ctrl_c_during_cleanup_does_not_stop_it(octopus: Any) -> None:
    octopus.durations["Health"] = 10_000.0
    interrupted: list[str] = []

    def transport(send: Send) -> Any:
        if send.request.path.endswith("/cancel") and not interrupted:
            interrupted.append(send.request.path)
            raise KeyboardInterrupt
        return octopus.transport(send)

    proc = RestartProcedure(TARGET, rng=random.Random(0))
    report = drive(proc, transport, clock=octopus.clock.now, sleep=octopus.clock.sleep,
                   raise_errors=False)  # fmt: skip

    assert interrupted
    assert report.outcome is Outcome.TIMED_OUT and not report.interrupted
    assert report.retries >= 1  # the abandoned cancel was tried again
    assert_clean(octopus)
    assert_bounded(report)
