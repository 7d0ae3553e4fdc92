"""Fixtures for the restart client's tests: a fake clock and a small fake Octopus.

The fake is deliberately tiny (the real simulator is ``octosim``): one machine, tasks that
finish a fixed time after they are created, a Tentacle whose start time changes when a
restart script that matches its service really runs, and injectable faults. Time only
moves when the code under test sleeps, so no test waits in real time.
"""

from __future__ import annotations

import fnmatch
import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from urllib.parse import unquote

import httpx
import pytest

from restart.protocol import Request, Response, Send, TransportFailure
from restart.scripts import LINUX_PROBE, WINDOWS_PROBE

API_KEY = "API-TESTKEY0000000000"
BASE_URL = "http://octopus.test"
WALL_EPOCH = datetime(2026, 11, 26, 6, 0, 0, tzinfo=UTC)
COMPLETED = {"Success", "Failed", "Canceled", "TimedOut"}


class FakeClock:
    """A clock that moves only when slept on. Starts at 1000 s to catch code assuming 0."""

    def __init__(self, start: float = 1000.0) -> None:
        self.t = start
        self.slept: list[float] = []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        assert math.isfinite(seconds) and seconds >= 0, seconds
        self.slept.append(seconds)
        self.t += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)

    def wall(self, t: float) -> datetime:
        return WALL_EPOCH + timedelta(seconds=t)


@dataclass
class FakeTask:
    id: str
    name: str
    description: str
    arguments: dict[str, Any]
    created: float
    ends: float
    state: str = "Executing"
    error: str = ""
    log: list[str] = field(default_factory=list)
    settled: bool = False
    canceled: bool = False


@dataclass
class Fault:
    method: str
    path: str  # a substring of the request path
    event: Response | TransportFailure
    times: int = 1
    act: bool = False  # carry the request out, then fail (an ambiguous failure)


class FakeOctopus:
    """One space, one machine, one Tentacle; answers sans-IO Requests in virtual time."""

    space = "Spaces-1"

    def __init__(
        self,
        clock: FakeClock,
        *,
        os: str = "windows",
        machine_id: str = "Machines-1",
        machine_name: str = "web-01",
        instance: str | None = None,
    ) -> None:
        self.clock = clock
        self.os = os
        self.machine: dict[str, Any] = {
            "Id": machine_id,
            "Name": machine_name,
            "SpaceId": self.space,
            "IsDisabled": False,
            "OperatingSystem": "Microsoft Windows Server 2022"
            if os == "windows"
            else "Ubuntu 22.04",
            "ShellName": "PowerShell" if os == "windows" else "Bash",
            "Endpoint": {"CommunicationStyle": "TentaclePassive", "Uri": "https://web-01:10933"},
            "HealthStatus": "Healthy",
        }
        self.instance = instance
        self.restart_works = True
        self.self_restart_error: str | None = None  # e.g. "... exit code -46"
        self.down_for = 10.0
        self.durations = {"AdHocScript": 2.0, "Health": 3.0}
        self.health_ok: Callable[[float], bool] | None = None
        self.probe_prints = True
        self.tasks: dict[str, FakeTask] = {}
        self.requests: list[tuple[float, Request]] = []
        self.faults: list[Fault] = []
        self.restarts: list[tuple[float, float]] = []  # (down at, up at)
        self.boot = clock.t - 3600.0
        self.timeouts: list[float | None] = []

    # -- the Tentacle -------------------------------------------------------------------
    def up(self, t: float) -> bool:
        return not any(down <= t < back for down, back in self.restarts)

    def started_at(self, t: float) -> float:
        return max([back for _, back in self.restarts if back <= t], default=self.boot)

    def witness_line(self, t: float) -> str:
        wall = self.clock.wall(self.started_at(t))
        if self.os == "windows":
            return wall.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0+00:00"
        return wall.strftime("%a %b %e %H:%M:%S %Y")

    # -- faults -------------------------------------------------------------------------
    def fail(
        self,
        method: str,
        path: str,
        event: Response | TransportFailure | int,
        *,
        times: int = 1,
        act: bool = False,
        headers: dict[str, str] | None = None,
    ) -> None:
        if isinstance(event, int):
            event = error_response(event, f"Injected {event}", headers=headers)
        self.faults.append(Fault(method, path, event, times, act))

    # -- requests -----------------------------------------------------------------------
    def paths(self, method: str | None = None) -> list[str]:
        return [r.path for _, r in self.requests if method is None or r.method == method]

    def created(self, name: str | None = None) -> list[FakeTask]:
        return [t for t in self.tasks.values() if name is None or t.name == name]

    def transport(self, send: Send) -> Response | TransportFailure:
        """A driver-loop transport (no HTTP): answers ``send.request``."""
        self.timeouts.append(send.timeout)
        return self.handle(send.request)

    def handle(self, request: Request) -> Response | TransportFailure:
        self.requests.append((self.clock.now(), request))
        self.settle()
        for fault in self.faults:
            if fault.times > 0 and fault.method == request.method and fault.path in request.path:
                fault.times -= 1
                if fault.act:
                    self.route(request)
                return fault.event
        return self.route(request)

    def route(self, request: Request) -> Response:
        path = unquote(request.path).rstrip("/")
        params = dict(request.params)
        parts = path.split("/")[2:]  # after "", "api"
        if parts and parts[0] == "spaces":
            parts = parts[1:]
        if parts and parts[0].startswith("Spaces-"):
            if parts[0] != self.space:
                return error_response(404, f"The requested space {parts[0]} does not exist")
            parts = parts[1:]
        if not parts and request.method == "GET":
            return Response(200, {}, {"Application": "Octopus Deploy", "Version": "2024.1.0"})
        if parts[:1] == ["machines"] and request.method == "GET":
            if len(parts) == 2:
                if parts[1] != self.machine["Id"]:
                    return error_response(404, f"The resource '{parts[1]}' was not found.")
                return Response(200, {}, self.machine)
            items = [self.machine] if params.get("name") in (None, self.machine["Name"]) else []
            return Response(200, {}, {"Items": items, "TotalResults": len(items)})
        if parts[:1] == ["tasks"]:
            return self.route_tasks(request, parts[1:], params)
        return error_response(404, f"No route for {request.method} {path}")

    def route_tasks(self, request: Request, rest: list[str], params: dict[str, str]) -> Response:
        if not rest and request.method == "POST":
            body = request.json
            if not isinstance(body, dict) or "Name" not in body:
                return error_response(400, "There was a problem with your request.")
            return Response(201, {}, self.resource(self.create(body)))
        if not rest and request.method == "GET":
            items = [
                self.resource(t)
                for t in reversed(self.tasks.values())
                if params.get("name") in (None, t.name)
            ][: int(params.get("take", "30"))]
            return Response(200, {}, {"Items": items, "TotalResults": len(items)})
        task = self.tasks.get(rest[0]) if rest else None
        if task is None:
            return error_response(404, f"The resource '{rest[0] if rest else ''}' was not found.")
        if len(rest) == 1 and request.method == "GET":
            return Response(200, {}, self.resource(task))
        if rest[1:] == ["details"] and request.method == "GET":
            return Response(200, {}, self.details(task))
        if rest[1:] == ["cancel"] and request.method == "POST":
            if not self.completed(task):
                task.canceled, task.state, task.settled = True, "Canceled", True
            return Response(200, {}, self.resource(task))
        return error_response(404, "No such task route")

    # -- tasks --------------------------------------------------------------------------
    def create(self, body: dict[str, Any]) -> FakeTask:
        now = self.clock.now()
        task_id = f"ServerTasks-{len(self.tasks) + 1}"
        name = str(body["Name"])
        task = FakeTask(
            task_id,
            name,
            str(body.get("Description", "")),
            dict(body.get("Arguments") or {}),
            now,
            now + self.durations.get(name, 1.0),
        )
        self.tasks[task_id] = task
        return task

    def completed(self, task: FakeTask) -> bool:
        return task.canceled or (task.settled and self.clock.now() >= task.ends)

    def settle(self) -> None:
        # Run every task that has ended, in the order they ended, at the time they ended.
        due = sorted(
            (t for t in self.tasks.values() if not t.settled and t.ends <= self.clock.now()),
            key=lambda t: t.ends,
        )
        for task in due:
            task.settled = True
            self.run(task, task.ends)

    def run(self, task: FakeTask, t: float) -> None:
        if task.name == "Health":
            ok = self.health_ok(t) if self.health_ok is not None else self.up(t)
            task.state = "Success" if ok else "Failed"
            task.error = "" if ok else "The health check failed for one or more machines."
            return
        body = str(task.arguments.get("ScriptBody", ""))
        if not self.up(t):
            task.state, task.error = "Failed", "The Tentacle could not be contacted."
            return
        task.state = "Success"
        if body in (WINDOWS_PROBE, LINUX_PROBE):
            if self.probe_prints:
                task.log.append(self.witness_line(t))
            return
        if "Restart-Service" in body or "systemctl restart" in body or "--restart" in body:
            if self.self_restart_error is not None:
                task.state, task.error = "Failed", self.self_restart_error
                self.restarts.append((t, t + self.down_for))
                return
            if self.restart_works and self.restart_matches(body):
                delay = int(re.search(r"(?:Start-Sleep|sleep) (\d+)", body).group(1))  # type: ignore[union-attr]
                self.restarts.append((t + delay, t + delay + self.down_for))

    def restart_matches(self, body: str) -> bool:
        if self.os == "windows":
            found = re.search(r"Get-Service '((?:[^']|'')*)'", body)
            service = "OctopusDeploy Tentacle" + (f": {self.instance}" if self.instance else "")
            return bool(found) and fnmatch.fnmatchcase(
                service.lower(),
                found.group(1).replace("''", "'").lower(),  # type: ignore[union-attr]
            )
        unit = (
            re.sub(r"\s+", "-", self.instance) + ".service" if self.instance else "Tentacle.service"
        )
        # `Tentacle service --restart --instance "*"` restarts every instance.
        return f"systemctl restart {unit}'" in body or '--restart --instance "*"' in body

    def resource(self, task: FakeTask) -> dict[str, Any]:
        state = task.state if self.completed(task) else "Executing"
        return {
            "Id": task.id,
            "SpaceId": self.space,
            "Name": task.name,
            "Description": task.description,
            "Arguments": task.arguments,
            "State": state,
            "IsCompleted": state in COMPLETED,
            "FinishedSuccessfully": state == "Success",
            "ErrorMessage": task.error if state in COMPLETED else "",
            "Links": {
                "Self": f"/api/tasks/{task.id}",
                "Web": f"/app#/{self.space}/tasks/{task.id}",
            },
        }

    def details(self, task: FakeTask) -> dict[str, Any]:
        started = self.clock.wall(task.created).isoformat()
        return {
            "Id": f"ServerTaskDetails-{task.id}",
            "Task": self.resource(task),
            "ActivityLogs": [
                {
                    "Name": task.description,
                    # A date Octopus itself writes: must never count as a start time.
                    "LogElements": [{"Category": "Info", "MessageText": f"Task started {started}"}],
                    "Children": [
                        {
                            "Name": "Run script",
                            "LogElements": [
                                {"Category": "Info", "MessageText": line} for line in task.log
                            ],
                            "Children": [],
                        }
                    ],
                }
            ],
        }


def error_response(
    status: int,
    message: str,
    *,
    errors: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body = {"ErrorMessage": message, "Errors": errors or [], "FullException": None}
    return Response(status, headers or {}, body, json.dumps(body))


def http_handler(
    fake: FakeOctopus, api_key: str = API_KEY
) -> Callable[[httpx.Request], httpx.Response]:
    """An httpx.MockTransport handler in front of ``fake``, checking the API key header.

    Records each request's content type and timeout extension on ``fake.http``.
    """
    fake.http = []  # type: ignore[attr-defined]

    def handler(request: httpx.Request) -> httpx.Response:
        fake.http.append(request)  # type: ignore[attr-defined]
        if request.headers.get("X-Octopus-ApiKey") != api_key:
            body = error_response(401, "The API key you provided was not valid.").json
            return httpx.Response(401, json=body)
        content = request.content
        req = Request(
            request.method,  # type: ignore[arg-type]
            request.url.path,
            tuple(request.url.params.multi_items()),
            json.loads(content) if content else None,
            request.headers.get("content-type"),
        )
        event = fake.handle(req)
        if isinstance(event, TransportFailure):
            kinds: dict[str, type[httpx.TransportError]] = {
                "connect": httpx.ConnectError,
                "timeout": httpx.ReadTimeout,
                "other": httpx.RemoteProtocolError,
            }
            raise kinds[event.kind](event.message, request=request)
        if event.json is None:
            return httpx.Response(event.status, headers=dict(event.headers), text=event.text)
        return httpx.Response(event.status, headers=dict(event.headers), json=event.json)

    return handler


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def octopus(clock: FakeClock) -> FakeOctopus:
    return FakeOctopus(clock)


@pytest.fixture
def make_octopus(clock: FakeClock) -> Callable[..., FakeOctopus]:
    def make(**kwargs: Any) -> FakeOctopus:
        return FakeOctopus(clock, **kwargs)

    return make


@pytest.fixture
def sync_client(octopus: FakeOctopus) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=BASE_URL,
        headers={"X-Octopus-ApiKey": API_KEY},
        transport=httpx.MockTransport(http_handler(octopus)),
    ) as client:
        yield client


@pytest.fixture(scope="session")
def kit() -> SimpleNamespace:
    """The helpers above, for test modules (they cannot import a conftest by name).
    Stateless, so safe to share across Hypothesis examples."""
    return SimpleNamespace(
        API_KEY=API_KEY,
        BASE_URL=BASE_URL,
        FakeClock=FakeClock,
        FakeOctopus=FakeOctopus,
        error_response=error_response,
        http_handler=http_handler,
    )
