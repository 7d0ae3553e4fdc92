"""The sync and async httpx drivers, through httpx.MockTransport and a fake clock."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
import pytest

from restart import (
    AuthenticationError,
    ConfigurationError,
    Outcome,
    Progress,
    RestartPolicy,
    RestartTarget,
    TransportFailure,
    run_async,
    run_sync,
)
from restart.drivers._httpx import failure_for, request_kwargs
from restart.drivers.loop import drive
from restart.procedure import RestartProcedure
from restart.protocol import Request, Response, Send

TARGET = RestartTarget("Spaces-1", machine_id="Machines-1")


def test_sync_driver_restarts(octopus: Any, sync_client: httpx.Client, clock: Any) -> None:
    events: list[Progress] = []
    report = run_sync(
        sync_client, TARGET, clock=clock.now, sleep=clock.sleep,
        rng=random.Random(0), on_event=events.append,
    )  # fmt: skip

    assert report.outcome is Outcome.RESTARTED, report.reason
    assert [e for e in events if e.level != "verbose"] == list(report.log)
    assert report.tasks[0].web_link.startswith("http://octopus.test/app#/Spaces-1/tasks/")
    assert report.started == 1000.0 and report.ended == clock.now()
    assert sum(clock.slept) == pytest.approx(report.duration)


def test_sync_driver_sends_json_timeouts_and_key(
    octopus: Any, sync_client: httpx.Client, clock: Any, kit: Any
) -> None:
    run_sync(sync_client, TARGET, clock=clock.now, sleep=clock.sleep)
    sent: list[httpx.Request] = octopus.http
    assert all(r.headers["X-Octopus-ApiKey"] == kit.API_KEY for r in sent)
    assert all(r.extensions["timeout"]["read"] == 30.0 for r in sent)
    post = next(r for r in sent if r.method == "POST")
    assert post.headers["Content-Type"] == "application/json"
    assert json.loads(post.content)["Name"] == "AdHocScript"
    get = next(r for r in sent if r.method == "GET")
    assert "content-type" not in get.headers


def test_sync_driver_raises_typed_errors_with_the_report(clock: Any, kit: Any) -> None:
    octopus = kit.FakeOctopus(clock)
    client = httpx.Client(
        base_url=kit.BASE_URL,
        headers={"X-Octopus-ApiKey": "API-WRONG"},
        transport=httpx.MockTransport(kit.http_handler(octopus)),
    )
    with pytest.raises(AuthenticationError) as caught:
        run_sync(client, TARGET, clock=clock.now, sleep=clock.sleep)
    assert caught.value.report is not None
    assert caught.value.report.outcome is Outcome.FAILED
    assert caught.value.status == 401


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (httpx.ConnectError("refused"), "connect"),
        (httpx.ConnectTimeout("slow"), "connect"),
        (httpx.ReadTimeout("slow"), "timeout"),
        (httpx.WriteTimeout("slow"), "timeout"),
        (httpx.PoolTimeout("busy"), "timeout"),
        (httpx.RemoteProtocolError("bad"), "other"),
        (httpx.ReadError("reset"), "other"),
    ],
)
def test_transport_errors_map_to_kinds(exc: httpx.RequestError, kind: str) -> None:
    failure = failure_for(Send(Request("GET", "/api"), 1.0), exc)
    assert failure == TransportFailure(kind, str(exc))  # type: ignore[arg-type]


def test_request_kwargs_pass_the_timeout_and_content_type() -> None:
    send = Send(Request("POST", "/api/tasks", json={"a": 1}, content_type="text/x"), 4.5)
    kwargs = request_kwargs(send)
    assert kwargs["timeout"] == 4.5
    assert kwargs["headers"] == {"Content-Type": "text/x"}
    assert json.loads(kwargs["content"]) == {"a": 1}


def test_connection_errors_are_retried(octopus: Any, sync_client: httpx.Client, clock: Any) -> None:
    octopus.fail("GET", "/api", TransportFailure("connect", "refused"), times=2)
    report = run_sync(sync_client, TARGET, clock=clock.now, sleep=clock.sleep)
    assert report.outcome is Outcome.RESTARTED
    assert report.retries == 2


def test_client_without_base_url_is_refused(clock: Any) -> None:
    with pytest.raises(ConfigurationError, match="base_url"):
        run_sync(httpx.Client(), TARGET, clock=clock.now, sleep=clock.sleep)


def test_ctrl_c_cancels_created_tasks_and_returns(
    octopus: Any, sync_client: httpx.Client, clock: Any
) -> None:
    def sleep(seconds: float) -> None:
        if octopus.created("AdHocScript")[1:]:  # the restart task exists: interrupt now
            raise KeyboardInterrupt
        clock.sleep(seconds)

    report = run_sync(sync_client, TARGET, clock=clock.now, sleep=sleep)

    assert report.interrupted and report.outcome is Outcome.FAILED
    assert int(report.exit_code) == 130
    assert octopus.paths("POST")[-1] == "/api/Spaces-1/tasks/ServerTasks-2/cancel"
    assert report.tasks[-1].state == "Canceled"


def test_ctrl_c_inside_the_procedure_is_the_same_interrupt(
    octopus: Any, sync_client: httpx.Client, clock: Any
) -> None:
    # Ctrl-C may land while the procedure's own code runs (here: in its progress callback)
    # rather than in the driver's sleep or request: it is caught there, and cleaned up.
    interrupted = False

    def on_event(progress: Progress) -> None:
        nonlocal interrupted
        if octopus.created("AdHocScript")[1:] and not interrupted:
            interrupted = True
            raise KeyboardInterrupt

    report = run_sync(sync_client, TARGET, clock=clock.now, sleep=clock.sleep,
                      on_event=on_event)

    assert report.interrupted and report.outcome is Outcome.FAILED
    assert report.reason.startswith("interrupted while the restart task was being created")
    # its answer was not read: the cleanup looked the task up by its description
    assert octopus.paths("POST")[-1] == "/api/Spaces-1/tasks/ServerTasks-2/cancel"
    assert report.tasks[-1].state == "Canceled"
    assert [line.text for line in report.log][-2] == "Cancelled restart task ServerTasks-2."


def test_ctrl_c_while_a_create_is_in_flight_leaves_no_task_behind(
    octopus: Any, clock: Any, kit: Any
) -> None:
    # Octopus created the restart task, then Ctrl-C came before the answer was read.
    handler: Callable[[httpx.Request], httpx.Response] = kit.http_handler(octopus)

    def interrupted(request: httpx.Request) -> httpx.Response:
        response = handler(request)
        if (request.method, request.url.path) == ("POST", "/api/Spaces-1/tasks") and len(
                octopus.created()) == 2:
            raise KeyboardInterrupt  # once: the cleanup's cancel is another path
        return response

    with httpx.Client(base_url=kit.BASE_URL, headers={"X-Octopus-ApiKey": kit.API_KEY},
                      transport=httpx.MockTransport(interrupted)) as client:
        report = run_sync(client, TARGET, clock=clock.now, sleep=clock.sleep)
    assert report.interrupted
    assert report.reason.startswith("interrupted while the restart task was being created")
    assert [t.state for t in octopus.created()] == ["Success", "Canceled"]
    assert report.tasks[-1].id == "ServerTasks-2" and report.tasks[-1].state == "Canceled"


def test_ctrl_c_in_the_procedure_s_cleanup_propagates(
    octopus: Any, sync_client: httpx.Client, clock: Any
) -> None:
    interrupts = 0

    def on_event(progress: Progress) -> None:
        nonlocal interrupts
        if octopus.created("AdHocScript")[1:] and interrupts < 2:
            interrupts += 1  # the first interrupts the run, the second its cleanup
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sync(sync_client, TARGET, clock=clock.now, sleep=clock.sleep, on_event=on_event)
    assert interrupts == 2


def test_async_driver_restarts(octopus: Any, clock: Any, kit: Any) -> None:
    async def main() -> Any:
        async with httpx.AsyncClient(
            base_url=kit.BASE_URL,
            headers={"X-Octopus-ApiKey": kit.API_KEY},
            transport=httpx.MockTransport(kit.http_handler(octopus)),
        ) as client:
            return await run_async(
                client, TARGET, RestartPolicy(stable_checks=2),
                clock=clock.now, sleep=clock.async_sleep,
            )  # fmt: skip

    report = asyncio.run(main())
    assert report.outcome is Outcome.RESTARTED, report.reason
    assert report.healthy_checks == 2


def test_async_cancellation_cleans_up_then_propagates(octopus: Any, clock: Any, kit: Any) -> None:
    events: list[Progress] = []

    async def sleep(seconds: float) -> None:
        if octopus.created("AdHocScript")[1:]:
            raise asyncio.CancelledError
        clock.sleep(seconds)

    async def main() -> None:
        async with httpx.AsyncClient(
            base_url=kit.BASE_URL,
            headers={"X-Octopus-ApiKey": kit.API_KEY},
            transport=httpx.MockTransport(kit.http_handler(octopus)),
        ) as client:
            await run_async(client, TARGET, clock=clock.now, sleep=sleep, on_event=events.append)

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(main())
    assert octopus.paths("POST")[-1] == "/api/Spaces-1/tasks/ServerTasks-2/cancel"
    assert events[-1].text.startswith("Outcome: failed: interrupted")


def test_async_task_cancel_from_outside(octopus: Any, clock: Any, kit: Any) -> None:
    # A real task.cancel() arrives while the driver awaits its sleep.
    async def main() -> None:
        gate = asyncio.Event()

        async def sleep(seconds: float) -> None:
            clock.sleep(seconds)
            if octopus.created("AdHocScript")[1:]:
                gate.set()
                await asyncio.Event().wait()  # parked until cancelled

        async with httpx.AsyncClient(
            base_url=kit.BASE_URL,
            headers={"X-Octopus-ApiKey": kit.API_KEY},
            transport=httpx.MockTransport(kit.http_handler(octopus)),
        ) as client:
            task = asyncio.ensure_future(run_async(client, TARGET, clock=clock.now, sleep=sleep))
            await gate.wait()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    asyncio.run(main())
    octopus.settle()
    assert all(octopus.completed(t) for t in octopus.created())


def test_ctrl_c_inside_start_returns_the_interrupted_report(octopus: Any, clock: Any) -> None:
    # start() runs the body's first lines (here: reading the wall clock) before any request:
    # a Ctrl-C there is the same interrupt as later ones, answered with the report, not a
    # bare KeyboardInterrupt out of the driver.
    def wall_clock() -> datetime:
        raise KeyboardInterrupt

    procedure = RestartProcedure(TARGET, rng=random.Random(0), wall_clock=wall_clock)
    report = drive(procedure, octopus.transport, clock=clock.now, sleep=clock.sleep,
                   raise_errors=False)

    assert report.interrupted and report.outcome is Outcome.FAILED
    assert report.reason == (
        "interrupted before the restart was requested: the Tentacle was not restarted")
    assert octopus.requests == []


def test_ctrl_c_before_the_procedure_began_propagates() -> None:
    # Interrupted before start() began the run (here: reading the clock for it), there is no
    # run to report on: the KeyboardInterrupt goes on to the caller.
    def clock() -> float:
        raise KeyboardInterrupt

    def transport(send: Send) -> Response:
        raise AssertionError("nothing is sent")

    with pytest.raises(KeyboardInterrupt):
        drive(RestartProcedure(TARGET), transport, clock=clock, sleep=lambda seconds: None)
