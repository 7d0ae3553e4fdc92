"""The seed script's port (baseline only): request for request, sleep for sleep."""

from __future__ import annotations

import json
from typing import Any

import httpx

from restart import Outcome, Request
from restart.drivers.loop import drive
from restart.seedport import SEED_RESTART_SCRIPT, SeedScript, SeedVariables, run_seed_script

VARIABLES = SeedVariables(
    server_url="http://octopus.test",
    space_id="Spaces-1",
    machine_id="Machines-1",
    machine_name="web-01",
    environment_id="Environments-2",
)
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


def run(octopus: Any) -> Any:
    script = SeedScript(VARIABLES)
    return drive(script, octopus.transport, clock=octopus.clock.now, sleep=octopus.clock.sleep)


def test_script_body_is_the_seed_verbatim() -> None:
    # The PowerShell source: '...-Command \u00a0`"&{Start-Sleep 3 ; Get-Service ''OctopusDeploy
    # Tentacle:*'' | Restart-Service}`""' -- single-quoted, so '' is one quote; the file has
    # a space and a no-break space after -Command.
    assert SEED_RESTART_SCRIPT == (
        'Start-Process powershell.exe -WorkingDirectory $env:TEMP -ArgumentList "-Command \u00a0`"&'
        "{Start-Sleep 3 ; Get-Service 'OctopusDeploy Tentacle:*' | Restart-Service}`\"\""
    )


def test_request_and_sleep_sequence(octopus: Any, clock: Any) -> None:
    report = run(octopus)

    restart_body = {
        "Name": "AdHocScript",
        "Description": "Restarting Tentacle on web-01 - Machines-1",
        "SpaceId": "Spaces-1",
        "Arguments": {
            "MachineIds": ["Machines-1"],
            "TargetType": "Machines",
            "Syntax": "Powershell",
            "ScriptBody": SEED_RESTART_SCRIPT,
        },
    }
    health_body = {
        "Name": "Health",
        "Description": "Health check for web-01 - Machines-1",
        "SpaceId": "Spaces-1",
        "Arguments": {
            "Timeout": "00:01:00",
            "MachineTimeout": "00:01:00",
            "EnvironmentId": "Environments-2",
            "MachineIds": ["Machines-1"],
        },
    }
    assert [r for _, r in octopus.requests] == [
        Request("POST", "/api/tasks", json=restart_body, content_type=JSON),
        Request("GET", "/api/tasks/ServerTasks-1", content_type=JSON),
        Request("GET", "/api/tasks/ServerTasks-1", content_type=JSON),
        Request("POST", "/api/Spaces-1/tasks", json=health_body, content_type=FORM),
        Request("GET", "/api/tasks/ServerTasks-2", content_type=JSON),
    ]
    assert clock.slept == [5, 30, 5]
    assert octopus.timeouts == [None] * 5  # Invoke-RestMethod waits forever
    assert report.procedure == "seed" and report.deadline is None
    assert [p.name for p in report.phases] == ["restart", "wait", "health"]
    assert [(line.level, line.text) for line in report.log] == [
        ("output", "Restart initiated"),
        ("highlight", "Restart Tentacle Task: [here](http://octopus.test/app#/Spaces-1/tasks/ServerTasks-1)"),
        ("host", "Waiting for restart task to finish..."),
        ("output", "Restart executed"),
        ("host", "Checking Tentacle is communicating again."),
        ("highlight", "Tentacle Health Check Task: [here](http://octopus.test/app#/Spaces-1/tasks/ServerTasks-2)"),
        ("output", "Health check task created."),
        ("host", "Waiting for health check to finish..."),
        ("output", "Health check finished successfully."),
        ("output", "Tentacle is communicating again."),
    ]  # fmt: skip


def test_seed_reports_success_on_a_default_instance_that_never_restarted(octopus: Any) -> None:
    # What the properties are for: the seed's pattern 'OctopusDeploy Tentacle:*' does not
    # match the default instance's service, yet the script reports success.
    report = run(octopus)
    assert report.outcome is Outcome.RESTARTED
    assert octopus.restarts == []


def test_seed_restarts_a_named_instance(make_octopus: Any) -> None:
    octopus = make_octopus(instance="Blue")
    report = run(octopus)
    assert report.outcome is Outcome.RESTARTED
    assert len(octopus.restarts) == 1


def test_restart_task_failure_stops_the_script(octopus: Any) -> None:
    octopus.self_restart_error = "The remote script failed with exit code -46"
    report = run(octopus)
    assert report.outcome is Outcome.NOT_RESTARTED
    assert report.reason == "Restart Tentacle Failed"
    assert report.log[-1].level == "error"
    assert octopus.paths("POST") == ["/api/tasks"]


def test_health_loop_checks_the_window_only_at_the_bottom(octopus: Any, clock: Any) -> None:
    octopus.health_ok = lambda t: False
    report = run(octopus)

    assert report.outcome is Outcome.TIMED_OUT
    assert report.reason == "Tentacle is not communicating again after restart."
    health = octopus.created("Health")
    window_start = next(p for p in report.phases if p.name == "health").started
    # every check but the last started inside the 180 s; the last one too (it was created
    # before the check at the bottom of the loop saw the window end)
    assert all(t.created - window_start < 180 for t in health)
    assert report.ended - window_start >= 180
    assert len(health) == 36  # 180 s / (3 s run, seen done at the next 5 s poll)


def test_any_http_error_ends_the_script(octopus: Any) -> None:
    octopus.fail("GET", "/api/tasks/ServerTasks-1", 503)
    report = run(octopus)
    assert report.outcome is Outcome.FAILED
    assert report.reason.startswith("Invoke-RestMethod: GET /api/tasks/ServerTasks-1: HTTP 503")
    assert report.retries == 0 and report.requests == 2
    assert not [p for p in octopus.paths() if p.endswith("/cancel")]  # the seed never cleans up


def test_sync_driver_runs_the_seed_with_its_content_types(
    octopus: Any, sync_client: httpx.Client, clock: Any
) -> None:
    report = run_seed_script(sync_client, VARIABLES, clock=clock.now, sleep=clock.sleep)
    assert report.outcome is Outcome.RESTARTED
    sent: list[httpx.Request] = octopus.http
    assert [(r.method, r.url.path, r.headers.get("content-type")) for r in sent] == [
        ("POST", "/api/tasks", JSON),
        ("GET", "/api/tasks/ServerTasks-1", JSON),
        ("GET", "/api/tasks/ServerTasks-1", JSON),
        ("POST", "/api/Spaces-1/tasks", FORM),
        ("GET", "/api/tasks/ServerTasks-2", JSON),
    ]
    assert json.loads(sent[3].content)["Name"] == "Health"
    assert sent[0].extensions["timeout"]["read"] is None


def test_ctrl_c_just_stops(octopus: Any, clock: Any) -> None:
    def sleep(seconds: float) -> None:
        raise KeyboardInterrupt

    report = drive(SeedScript(VARIABLES), octopus.transport, clock=clock.now, sleep=sleep)
    assert report.interrupted and report.outcome is Outcome.FAILED
    assert octopus.paths("POST") == ["/api/tasks"]  # no cancel: the seed has no cleanup


def test_ctrl_c_inside_the_script_just_stops_too(octopus: Any, clock: Any) -> None:
    # Ctrl-C landing while the port's own code runs (here: its progress callback) is the
    # same interrupt as one in the driver's sleep: a report, not a traceback.
    def on_progress(progress: Any) -> None:
        raise KeyboardInterrupt

    script = SeedScript(VARIABLES, on_progress=on_progress)
    report = drive(script, octopus.transport, clock=clock.now, sleep=clock.sleep)
    assert report.interrupted and report.outcome is Outcome.FAILED
