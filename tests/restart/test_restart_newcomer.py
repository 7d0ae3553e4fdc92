"""What a new user meets (issue 15, the client's side): a URL that is not Octopus, space
names, the report's JSON, what Ctrl-C really did, readable progress lines, ``-v``."""

from __future__ import annotations

import logging
import random
import re
from datetime import datetime

import httpx
import pytest

from octosim import Simulation
from octosim.faults import FaultKind, FaultRule
from restart import (
    ConfigurationError,
    Finish,
    NotFoundError,
    Outcome,
    Response,
    RestartPolicy,
    RestartProcedure,
    RestartTarget,
    Send,
    Sleep,
    octopus_client,
    run_sync,
)
from restart.drivers.direct import direct_transport, run_direct
from restart.drivers.loop import drive
from restart.report import Progress, RestartReport, reason_group

MACHINE = RestartTarget("Spaces-1", machine_id="Machines-1")
ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


# -- #4: a URL that is not an Octopus server ------------------------------------------------
@pytest.mark.parametrize(
    ("status", "body"), [(404, "<html><h1>Not Found</h1></html>"), (200, "<html>Welcome</html>")]
)
def test_a_plain_web_server_is_not_octopus(status: int, body: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, text=body, headers={"Content-Type": "text/html"})

    transport = httpx.MockTransport(handler)
    client = octopus_client("http://web.test", "API-KEY0000", transport=transport)
    with pytest.raises(ConfigurationError) as caught:
        run_sync(client, MACHINE, clock=lambda: 0.0, sleep=lambda s: None)

    assert "this is not an Octopus server" in str(caught.value)
    assert "OCTOPUS_URL" in str(caught.value) and "<html>" not in str(caught.value)
    assert int(caught.value.exit_code) == 2


# -- --space NAME -----------------------------------------------------------------------------
@pytest.mark.parametrize("space", ["Default", "default", "Spaces-1"])
def test_a_space_is_given_by_name_or_id(space: str) -> None:
    sim = Simulation.from_scenario("default", seed=0)
    target = RestartTarget(space, machine_id="Machines-1")

    report = run_direct(sim, target, rng=random.Random(0))

    assert report.outcome is Outcome.RESTARTED
    assert report.space_id == "Spaces-1"
    assert all("/Spaces-1/tasks/" in t.web_link for t in report.tasks)


def test_an_unknown_space_lists_the_spaces() -> None:
    sim = Simulation.from_scenario("default", seed=0)

    with pytest.raises(NotFoundError) as caught:
        run_direct(sim, RestartTarget("Production Space", machine_id="Machines-1"))

    message = str(caught.value)
    assert "'Production Space'" in message and "Default (Spaces-1)" in message
    assert "--space" in message


# -- #5: one meaning per kind of value in the JSON ----------------------------------------------
def test_the_json_gives_moments_as_iso_utc_and_durations_as_seconds() -> None:
    sim = Simulation.from_scenario("default", seed=0)
    policy = RestartPolicy(deadline=400.0)

    document = run_direct(sim, MACHINE, policy, rng=random.Random(0)).to_dict()

    assert document["started"] == "2024-01-15T09:00:00.000Z"  # the simulation's wall epoch
    moments = [document["started"], document["ended"], document["deadline_at"]]
    moments += [t["created"] for t in document["tasks"]]  # type: ignore[attr-defined]
    moments += [line["at"] for line in document["log"]]  # type: ignore[attr-defined]
    moments += [p[k] for p in document["phases"] for k in ("started", "ended")]  # type: ignore[attr-defined]
    assert moments and all(isinstance(m, str) and ISO_UTC.fullmatch(m) for m in moments)
    assert document["deadline"] == 400.0
    assert isinstance(document["duration"], float)
    started, ended = (datetime.fromisoformat(str(document[k])) for k in ("started", "ended"))
    assert (ended - started).total_seconds() == pytest.approx(document["duration"], abs=1e-3)


def test_without_a_wall_clock_moments_are_null() -> None:
    report = RestartReport(Outcome.FAILED, "x", "Spaces-1", None, None, None, 5.0, 6.0, 35.0)
    document = report.to_dict()
    assert document["started"] is None and document["deadline"] == 30.0


# -- #6 and "how far it got": what an interrupt really did ---------------------------------------
def interrupted_at(moment: float) -> RestartReport:
    sim = Simulation.from_scenario("default", seed=0)
    proc = RestartProcedure(MACHINE, rng=random.Random(0), wall_clock=sim.clock.wall)

    def sleep(seconds: float) -> None:
        if sim.clock.now() + seconds >= moment:
            sim.clock.sleep(max(0.0, moment - sim.clock.now()))
            raise KeyboardInterrupt
        sim.clock.sleep(seconds)

    return drive(proc, direct_transport(sim), clock=sim.clock.now, sleep=sleep)


@pytest.mark.parametrize(
    ("moment", "says"),
    [
        (2.0, "before the restart was requested: the Tentacle was not restarted"),
        (20.0, "after the restart task ran: the Tentacle may still restart"),
        (47.0, "after the Tentacle restarted: restarted, health not confirmed"),
    ],
)
def test_an_interrupted_report_says_how_far_it_got(moment: float, says: str) -> None:
    report = interrupted_at(moment)
    assert report.interrupted
    assert report.reason == f"interrupted {says}"


def test_a_task_that_finished_before_the_cancel_is_not_called_cancelled() -> None:
    proc = RestartProcedure(MACHINE, rng=random.Random(0))
    proc.start(0.0)
    proc.send(Response(200, {}, {"Application": "Octopus Deploy"}), 0.0)
    machine = {"Id": "Machines-1", "Name": "web-01", "OperatingSystem": "Windows"}
    proc.send(Response(200, {}, machine), 0.0)
    proc.send(Response(200, {}, {"Items": [], "TotalResults": 0}), 0.0)  # the task queue
    probe = {"Id": "ServerTasks-5", "State": "Executing"}
    assert isinstance(proc.send(Response(201, {}, probe), 0.0), Sleep)

    action = proc.cancel(1.0)  # the probe finished meanwhile; Octopus answers it as it is
    assert isinstance(action, Send) and action.request.path.endswith("/cancel")
    action = proc.send(Response(200, {}, {**probe, "State": "Success"}), 1.0)

    assert isinstance(action, Finish)
    lines = [line.text for line in action.report.log]
    assert "Cancelled probe task ServerTasks-5." not in lines
    assert (
        "The probe task ServerTasks-5 had already finished (Success); nothing to cancel."
    ) in lines


# -- #8: no ".." -----------------------------------------------------------------------------------
def test_a_probe_failure_message_keeps_one_full_stop() -> None:
    proc = RestartProcedure(MACHINE, RestartPolicy(probe_attempts=1), rng=random.Random(0))
    proc.start(0.0)
    proc.send(Response(200, {}, {"Application": "Octopus Deploy"}), 0.0)
    proc.send(Response(200, {}, {"Id": "Machines-1", "Name": "web-01", "ShellName": "Bash"}), 0)
    proc.send(Response(200, {}, {"Items": [], "TotalResults": 0}), 0.0)  # the task queue
    proc.send(Response(201, {}, {"Id": "ServerTasks-1", "State": "Executing"}), 0.0)
    message = "The machine is offline. No more retries will be attempted."
    action = proc.send(None, 5.0)  # after the poll interval: poll
    action = proc.send(
        Response(200, {}, {"Id": "ServerTasks-1", "State": "Failed", "ErrorMessage": message}),
        5.0,
    )
    assert isinstance(action, Finish)
    texts = [line.text for line in action.report.log] + [action.report.reason]
    assert any("No more retries will be attempted." in t for t in texts)
    assert not [t for t in texts if ".." in t]


# -- -v: every request and retry as a verbose Progress event ---------------------------------------
def test_verbose_events_name_each_request_and_retry_with_its_reason() -> None:
    sim = Simulation.from_scenario("default", seed=0)
    sim.faults.add(FaultRule(FaultKind.Status, status=503, route=r"^/api$", window=(0.0, 0.1)))
    lines: list[Progress] = []

    report = run_direct(sim, MACHINE, rng=random.Random(0), on_event=lines.append)

    verbose = [line.text for line in lines if line.level == "verbose"]
    assert len([t for t in verbose if not t.startswith("Retrying")]) == report.requests
    assert verbose[0].startswith("GET /api: HTTP 503")
    assert re.match(r"Retrying GET /api in \d+\.\d s \(attempt 2 of 5\): HTTP 503", verbose[1])
    assert not [line for line in report.log if line.level == "verbose"]


def test_nobody_listening_costs_no_verbose_lines() -> None:
    sim = Simulation.from_scenario("default", seed=0)
    report = run_direct(sim, MACHINE, rng=random.Random(0))
    assert report.outcome is Outcome.RESTARTED and report.log



# -- grouped failure reasons keep their numbers ------------------------------------------------
@pytest.mark.parametrize(
    ("reason", "group"),
    [
        (
            "the Tentacle restarted (its start time changed) but only 0 of 2 consecutive "
            "health checks succeeded within the 180 s health window",
            "the Tentacle restarted (its start time changed) but only 0 of 2 consecutive "
            "health checks succeeded within the 180 s health window",
        ),
        (
            "the restart task ServerTasks-12 ended Failed: exit code 3",
            "the restart task ServerTasks-N ended Failed: exit code 3",
        ),
        (
            "timed out in phase health after 312 s (deadline 330 s): no time left for a "
            "2.718 s retry of GET /api/Spaces-1/tasks/ServerTasks-4 (HTTP 503: busy)",
            "timed out in phase health after N s (deadline 330 s): no time left for a "
            "N s retry of GET /api/Spaces-1/tasks/ServerTasks-N (HTTP 503: busy)",
        ),
        ("timed out after 400 s", "timed out after N s"),
    ],
)
def test_grouped_reasons_keep_the_numbers_that_explain_them(reason: str, group: str) -> None:
    assert reason_group(reason) == group


def test_verbose_lines_are_logged_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="restart")
    sim = Simulation.from_scenario("default", seed=0)

    run_direct(sim, MACHINE, rng=random.Random(0), on_event=lambda line: None)

    levels = {r.getMessage(): r.levelno for r in caplog.records if r.name == "restart"}
    assert levels["GET /api: HTTP 200"] == logging.DEBUG
    assert levels["Restart initiated"] == logging.INFO
