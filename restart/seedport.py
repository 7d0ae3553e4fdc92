"""BASELINE ONLY: the seed script (``shared/seed/restart-tentacle.ps1``), ported to Python
request for request and sleep for sleep, as a sans-IO procedure the same drivers can run.

It exists so the properties the real client is tested against can be run against the
algorithm it replaces, and show what they catch. It is never used by ``restart-tentacle
run``. Faithfully kept, on purpose:

- the restart script's pattern ``'OctopusDeploy Tentacle:*'`` matches named instances only,
  so on a default instance nothing restarts and the script still reports success;
- success of the restart task is taken as proof of a restart (no witness);
- no deadline, no request timeouts (Invoke-RestMethod's default is to wait forever), no
  retries: any non-2xx answer or transport error ends the script (Invoke-RestMethod throws);
- the 180 s window is checked only at the bottom of the do/while, so the last health check
  may start at 179.9 s and run its full minute;
- the health check POST sends its JSON body as ``application/x-www-form-urlencoded``, since
  the seed passes no ``-ContentType`` there and that is Invoke-RestMethod's default;
- nothing is cancelled on the way out, not even on Ctrl-C.

The verdict is a :class:`~restart.report.RestartReport` (``procedure="seed"``) so it can be
compared with the client's: ``restarted`` after "Tentacle is communicating again.",
``not_restarted`` after "Restart Tentacle Failed", ``timed_out`` after "Tentacle is not
communicating again after restart." (the seed's own window ran out), ``failed`` when
Invoke-RestMethod threw or the run was interrupted. ``log`` holds every Write-Output,
Write-Host, Write-Highlight and Write-Error line, with PowerShell's stream as its level.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from restart._http import describe_event, is_success
from restart._narration import NarratedProcedure
from restart._session import Steps
from restart._stepper import Body, Cancelled
from restart.drivers.loop import drive
from restart.drivers.sync import sync_transport
from restart.protocol import JSON, Request, Response, Send, Sleep
from restart.report import Outcome, Progress, RestartReport, TaskRecord

__all__ = [
    "SEED_HEALTH_TIMEOUT",
    "SEED_HEALTH_WINDOW",
    "SEED_POLL_SECONDS",
    "SEED_RESTART_SCRIPT",
    "SEED_WAIT_SECONDS",
    "SeedScript",
    "SeedVariables",
    "run_seed_script",
]

#: The seed's ``$script``, byte for byte: after ``-Command`` the file has a space and then a
#: no-break space (U+00A0, pasted from the article), which a real server receives as sent.
SEED_RESTART_SCRIPT = (
    "Start-Process powershell.exe -WorkingDirectory $env:TEMP -ArgumentList "
    "\"-Command \u00a0`\"&{Start-Sleep 3 ; Get-Service 'OctopusDeploy Tentacle:*' | "
    'Restart-Service}`""'
)
SEED_POLL_SECONDS = 5  # Start-Sleep -Seconds 5
SEED_WAIT_SECONDS = 30  # Start-Sleep 30
SEED_HEALTH_WINDOW = 180  # $timeout = 180
SEED_HEALTH_TIMEOUT = "00:01:00"  # "$([TimeSpan]::FromMinutes(1))"
# What Windows PowerShell's Invoke-RestMethod sends for a string -Body without -ContentType.
_FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class SeedVariables:
    """The Octopus variables the seed reads (``$OctopusParameters[...]``)."""

    server_url: str  # Octopus.Web.BaseUrl
    space_id: str  # Octopus.Space.Id
    machine_id: str  # Octopus.Machine.Id
    machine_name: str  # Octopus.Machine.Name
    environment_id: str | None = None  # Octopus.Environment.Id


class _ScriptStopped(Exception):
    """A terminating error in the script: Throw, Write-Error -ErrorAction Stop, or an
    Invoke-RestMethod exception."""

    def __init__(self, outcome: Outcome, message: str) -> None:
        super().__init__(message)
        self.outcome = outcome
        self.message = message


class SeedScript(NarratedProcedure):
    """The seed script as a sans-IO procedure (``start`` / ``send`` / ``cancel``).

    Baseline only; see the module docstring for what it faithfully gets wrong.
    """

    def __init__(
        self,
        variables: SeedVariables,
        *,
        on_progress: Callable[[Progress], None] | None = None,
        wall_clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(on_progress, wall_clock)
        self.variables = variables
        self._tasks: dict[str, TaskRecord] = {}
        self._requests = 0

    # -- PowerShell's streams ------------------------------------------------------------
    def _write(self, level: str, text: str, link: str | None = None) -> None:
        self._emit(text, level, link)

    def _invoke(self, request: Request, kind: str) -> Steps[dict[str, Any]]:
        # Invoke-RestMethod: wait as long as it takes, throw on anything but 2xx.
        self._requests += 1
        event = yield Send(request, None)
        if not is_success(event):
            raise _ScriptStopped(
                Outcome.FAILED, f"Invoke-RestMethod: {request.describe()}: {describe_event(event)}"
            )
        assert isinstance(event, Response)
        task: Any = event.json
        if not isinstance(task, dict):
            raise _ScriptStopped(
                Outcome.FAILED, f"Invoke-RestMethod: {request.describe()}: not a JSON object"
            )
        links = task.get("Links")
        web = links.get("Web") if isinstance(links, dict) else None
        link = f"{self.variables.server_url}{web if isinstance(web, str) else ''}"
        task_id = str(task.get("Id"))
        previous = self._tasks.get(task_id)
        self._tasks[task_id] = TaskRecord(
            task_id,
            kind,
            str(task.get("Description") or (previous.description if previous else "")),
            task.get("State") if isinstance(task.get("State"), str) else None,
            link,
            previous.created if previous else self.now,
        )
        return task

    # -- the script ----------------------------------------------------------------------
    def _body(self) -> Body:
        self._begin()
        interrupted = False
        try:
            outcome, reason = yield from self._script()
        except _ScriptStopped as stop:
            outcome, reason = stop.outcome, stop.message
            self._write("error", stop.message)
        except Cancelled:
            outcome, reason, interrupted = Outcome.FAILED, "interrupted", True
        return self._report(outcome, reason, interrupted)

    def _recovery(self) -> Body:
        # Ctrl-C landed in the script's own code: it just stops, as between its actions.
        yield from ()  # no action: straight to the report
        return self._report(Outcome.FAILED, "interrupted", True)

    def _report(self, outcome: Outcome, reason: str, interrupted: bool) -> RestartReport:
        v = self.variables
        self._phase(None)
        return RestartReport(
            outcome=outcome,
            reason=reason,
            space_id=v.space_id,
            machine_id=v.machine_id,
            machine_name=v.machine_name,
            os="windows",
            started=self._started,
            ended=self.now,
            deadline=None,
            phases=tuple(self._phases),
            tasks=tuple(self._tasks.values()),
            requests=self._requests,
            retries=0,
            interrupted=interrupted,
            procedure="seed",
            started_at=self._started_at,
            log=tuple(self._log),
        )

    def _script(self) -> Steps[tuple[Outcome, str]]:
        v = self.variables
        self._phase("restart")
        script_task_body = {
            "Name": "AdHocScript",
            "Description": f"Restarting Tentacle on {v.machine_name} - {v.machine_id}",
            "SpaceId": v.space_id,
            "Arguments": {
                "MachineIds": [v.machine_id],
                "TargetType": "Machines",
                "Syntax": "Powershell",
                "ScriptBody": SEED_RESTART_SCRIPT,
            },
        }
        task = yield from self._invoke(
            Request("POST", "/api/tasks", json=script_task_body, content_type=JSON), "restart"
        )
        poll = Request("GET", f"/api/tasks/{task.get('Id')}", content_type=JSON)
        task = yield from self._invoke(poll, "restart")
        self._write("output", "Restart initiated")
        link = self._tasks[str(task.get("Id"))].web_link
        self._write("highlight", f"Restart Tentacle Task: [here]({link})", link)
        while task.get("IsCompleted") is False:
            self._write("host", "Waiting for restart task to finish...")
            yield Sleep(SEED_POLL_SECONDS)
            task = yield from self._invoke(poll, "restart")
        if task.get("State") != "Success":
            raise _ScriptStopped(Outcome.NOT_RESTARTED, "Restart Tentacle Failed")

        self._phase("wait")
        self._write("output", "Restart executed")
        yield Sleep(SEED_WAIT_SECONDS)

        self._phase("health")
        self._write("host", "Checking Tentacle is communicating again.")
        health_check_body = {
            "Name": "Health",
            "Description": f"Health check for {v.machine_name} - {v.machine_id}",
            "SpaceId": v.space_id,
            "Arguments": {
                "Timeout": SEED_HEALTH_TIMEOUT,
                "MachineTimeout": SEED_HEALTH_TIMEOUT,
                "EnvironmentId": v.environment_id,
                "MachineIds": [v.machine_id],
            },
        }
        create = Request(
            "POST", f"/api/{v.space_id}/tasks", json=health_check_body, content_type=_FORM
        )
        stopwatch = self.now
        while True:  # do { ... } while ($sw.Elapsed.TotalSeconds -lt $timeout)
            task = yield from self._invoke(create, "health")
            link = self._tasks[str(task.get("Id"))].web_link
            self._write("highlight", f"Tentacle Health Check Task: [here]({link})", link)
            self._write("output", "Health check task created.")
            poll = Request("GET", f"/api/tasks/{task.get('Id')}", content_type=JSON)
            while task.get("IsCompleted") is False:
                self._write("host", "Waiting for health check to finish...")
                yield Sleep(SEED_POLL_SECONDS)
                task = yield from self._invoke(poll, "health")
            if task.get("State") == "Success":
                self._write("output", "Health check finished successfully.")
                break
            self._write(
                "output",
                "Health check failed. Checking timeout before creating new health check task.",
            )
            if not self.now - stopwatch < SEED_HEALTH_WINDOW:
                break
        if task.get("State") != "Success":
            raise _ScriptStopped(
                Outcome.TIMED_OUT, "Tentacle is not communicating again after restart."
            )
        self._write("output", "Tentacle is communicating again.")
        return Outcome.RESTARTED, "Tentacle is communicating again."


def run_seed_script(
    client: httpx.Client,
    variables: SeedVariables,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    on_event: Callable[[Progress], None] | None = None,
    wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> RestartReport:
    """Run the seed port (BASELINE ONLY) through ``client`` and return its report.

    ``client`` must carry ``base_url`` and the ``X-Octopus-ApiKey`` header, as for
    :func:`restart.drivers.sync.run_sync`. Never raises for Octopus's answers: the seed's
    terminating errors are its report's outcome and reason.
    """
    script = SeedScript(variables, on_progress=on_event, wall_clock=wall_clock)
    return drive(script, sync_transport(client), clock=clock, sleep=sleep)
