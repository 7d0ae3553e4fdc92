"""The verdict of one restart run: outcome, reason, timeline, tasks, counts; and the typed
errors that end a run (imported from :mod:`restart.errors`).

Times (``started``, ``ended``, phase bounds, log lines) are seconds on the *driver's* clock:
``time.monotonic()`` for a real run, virtual seconds under the simulator. ``started_at`` is
the wall-clock moment of ``started`` (UTC, from the driver: real time for a real run, the
simulation's virtual wall time under the simulator), which turns any of them into a moment.
:meth:`RestartReport.to_dict` gives moments as ISO-8601 UTC and durations as seconds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import ClassVar

from restart.exitcodes import ExitCode

__all__ = [
    "AuthenticationError",
    "ConfigurationError",
    "NotFoundError",
    "Outcome",
    "PermissionDeniedError",
    "Phase",
    "Progress",
    "RestartError",
    "RestartReport",
    "ServerError",
    "TaskRecord",
    "reason_group",
]


# -- the typed errors that end a run ---------------------------------------------------------
# They live beside the report because each holds the other: a report names the error that
# ended its run, and an error raised by a driver carries its run's report. restart.errors is
# their public home.
class RestartError(Exception):
    """Base class of every error the restart client raises on purpose.

    ``status`` is the HTTP status that caused it (None when no response was involved).
    ``report`` is the run's :class:`RestartReport` when the error ended a
    run (it shows which tasks were created and cancelled); None for errors raised before a
    run started, such as an invalid policy.
    """

    exit_code: ClassVar[ExitCode] = ExitCode.FAILED

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.report: RestartReport | None = None

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class ConfigurationError(RestartError):
    """The inputs cannot work: an invalid policy or target, a disabled machine, an unknown OS,
    a missing URL or key. Fix the flags, environment or step variables named in the message."""

    exit_code = ExitCode.USAGE


class AuthenticationError(RestartError):
    """Octopus answered 401: the API key is missing, wrong, expired or revoked."""

    exit_code = ExitCode.AUTHENTICATION


class PermissionDeniedError(AuthenticationError):
    """Octopus answered 403: the key is valid but its user lacks a permission in the space."""


class NotFoundError(RestartError):
    """Octopus answered 404: the machine, the space or a task does not exist."""

    exit_code = ExitCode.NOT_FOUND


class ServerError(RestartError):
    """Octopus failed or could not be reached after every retry, rejected a request (400),
    or answered something this client cannot read."""

    exit_code = ExitCode.FAILED




class Outcome(StrEnum):
    """How a run ended.

    - ``restarted``: the Tentacle's start time changed after the restart was accepted, and
      a health check created after that change was seen succeeded (``stable_checks`` times
      in a row). The only outcome that means success.
    - ``not_restarted``: the run finished but the Tentacle did not (verifiably) restart: the
      restart task failed, the start time never changed, or could not be read.
    - ``timed_out``: the deadline, or the health window, ran out before a verdict.
    - ``failed``: an error stopped the run (see ``RestartReport.error``), or it was
      interrupted (``RestartReport.interrupted``).
    """

    RESTARTED = "restarted"
    NOT_RESTARTED = "not_restarted"
    TIMED_OUT = "timed_out"
    FAILED = "failed"


_EXIT_CODES = {
    Outcome.RESTARTED: ExitCode.RESTARTED,
    Outcome.NOT_RESTARTED: ExitCode.NOT_RESTARTED,
    Outcome.TIMED_OUT: ExitCode.TIMED_OUT,
    Outcome.FAILED: ExitCode.FAILED,
}


@dataclass(frozen=True)
class Phase:
    """One step of the run and when it ran: ``preflight``, ``witness``, ``restart``,
    ``wait``, ``verify``, ``health``, ``cleanup`` (the seed port: ``restart``, ``wait``,
    ``health``)."""

    name: str
    started: float
    ended: float


@dataclass(frozen=True)
class TaskRecord:
    """A server task the run created. ``kind``: ``probe`` (start-time probe), ``restart``
    or ``health``. ``state`` is the last state seen (None if it was never read back);
    ``web_link`` opens it in the Octopus web portal."""

    id: str
    kind: str
    description: str
    state: str | None
    web_link: str
    created: float


@dataclass(frozen=True)
class Progress:
    """One progress line, as the seed's Write-Host / Write-Highlight lines.

    ``level`` is ``info``, ``highlight`` (a line with a task link), ``warning``,
    ``error`` or ``verbose`` (each request and retry, for ``-v``; passed to
    ``on_progress`` but not kept in the report's log); the seed port uses PowerShell's
    stream names: ``output`` (Write-Output), ``host`` (Write-Host), ``highlight``
    (Write-Highlight), ``error`` (Write-Error).
    """

    at: float
    level: str
    text: str
    link: str | None = None


@dataclass(frozen=True)
class RestartReport:
    """The verdict of a restart run (see :class:`Outcome`), with its evidence.

    ``witness_before`` / ``witness_after`` are the Tentacle process start times (UTC) read
    before the restart and after it (None: not read). ``requests`` counts every HTTP request
    sent, ``retries`` the ones that repeated a failed request or poll. ``error`` is the typed
    error that stopped a ``failed`` run, if one did. ``log`` holds the progress lines.
    ``deadline`` is the moment (driver's clock) the run had to end by; ``started_at`` the
    wall-clock moment of ``started`` (None when the driver gave no wall clock).
    """

    outcome: Outcome
    reason: str
    space_id: str
    machine_id: str | None
    machine_name: str | None
    os: str | None
    started: float
    ended: float
    deadline: float | None
    phases: tuple[Phase, ...] = ()
    tasks: tuple[TaskRecord, ...] = ()
    requests: int = 0
    retries: int = 0
    witness_before: tuple[datetime, ...] | None = None
    witness_after: tuple[datetime, ...] | None = None
    healthy_checks: int = 0
    interrupted: bool = False
    procedure: str = "restart"
    log: tuple[Progress, ...] = ()
    error: RestartError | None = field(default=None, compare=False)
    started_at: datetime | None = None

    def moment(self, t: float) -> datetime | None:
        """Return driver time ``t`` as a UTC wall-clock moment (None without ``started_at``)."""
        if self.started_at is None:
            return None
        return self.started_at + timedelta(seconds=t - self.started)

    @property
    def ok(self) -> bool:
        """True only for :attr:`Outcome.RESTARTED`."""
        return self.outcome is Outcome.RESTARTED

    @property
    def duration(self) -> float:
        """Seconds from start to finish on the driver's clock."""
        return self.ended - self.started

    @property
    def exit_code(self) -> ExitCode:
        """The CLI exit code for this report (:mod:`restart.exitcodes`)."""
        if self.interrupted:
            return ExitCode.INTERRUPTED
        if self.error is not None:
            return self.error.exit_code
        return _EXIT_CODES[self.outcome]

    def to_dict(self) -> dict[str, object]:
        """Return the report as JSON-ready data (the CLI's ``--json``): enums as their
        values, the error as ``{type, message, exit_code}``, and one meaning per kind of
        value: moments (``started``, ``ended``, ``deadline_at``, phase bounds,
        ``tasks[].created``, ``log[].at``, witnesses) as ISO-8601 UTC strings (null when the
        driver gave no wall clock), durations (``duration``, ``phases[].duration``,
        ``deadline``: the policy's seconds) as seconds."""

        def times(w: tuple[datetime, ...] | None) -> list[str] | None:
            return None if w is None else [t.isoformat() for t in w]

        def at(t: float) -> str | None:
            moment = self.moment(t)
            return None if moment is None else _iso_utc(moment)

        return {
            "outcome": self.outcome.value,
            "reason": self.reason,
            "exit_code": int(self.exit_code),
            "procedure": self.procedure,
            "space_id": self.space_id,
            "machine_id": self.machine_id,
            "machine_name": self.machine_name,
            "os": self.os,
            "started": at(self.started),
            "ended": at(self.ended),
            "duration": self.duration,
            "deadline": None if self.deadline is None else self.deadline - self.started,
            "deadline_at": None if self.deadline is None else at(self.deadline),
            "interrupted": self.interrupted,
            "requests": self.requests,
            "retries": self.retries,
            "healthy_checks": self.healthy_checks,
            "witness_before": times(self.witness_before),
            "witness_after": times(self.witness_after),
            "phases": [
                {
                    "name": p.name,
                    "started": at(p.started),
                    "ended": at(p.ended),
                    "duration": p.ended - p.started,
                }
                for p in self.phases
            ],
            "tasks": [
                {
                    "id": t.id,
                    "kind": t.kind,
                    "description": t.description,
                    "state": t.state,
                    "web_link": t.web_link,
                    "created": at(t.created),
                }
                for t in self.tasks
            ],
            "error": None
            if self.error is None
            else {
                "type": type(self.error).__name__,
                "message": self.error.message,
                "exit_code": int(self.error.exit_code),
            },
            "log": [
                {"at": at(p.at), "level": p.level, "text": p.text, "link": p.link} for p in self.log
            ],
        }


def _iso_utc(moment: datetime) -> str:
    # One form for every moment: UTC, milliseconds, "Z" (as Octopus writes its own times).
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# What differs between runs that failed for the same reason: task ids, the run token, times,
# elapsed seconds, jittered waits (the only numbers with a fraction). Policy values (the
# health window, "1 of 2" checks, attempts) and HTTP statuses are the reason itself.
_RUN_SPECIFIC = (
    (re.compile(r"\bServerTasks-\d+"), "ServerTasks-N"),
    (re.compile(r"restart-tentacle [0-9a-f]{8}/\d+"), "restart-tentacle TOKEN/N"),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)?"), "TIME"),
    (re.compile(r"\bafter \d+(?:\.\d+)? s\b"), "after N s"),
    (re.compile(r"\b\d+\.\d+\b"), "N"),
)


def reason_group(reason: str) -> str:
    """Return ``reason`` with what differs from run to run (task ids, times, elapsed and
    jittered seconds) replaced, and the numbers that explain it kept, for grouping
    failures: ``only 0 of 2 consecutive health checks succeeded within the 180 s health
    window`` stays as it is; ``the restart task ServerTasks-12 ended Failed`` becomes
    ``the restart task ServerTasks-N ended Failed``."""
    for pattern, replacement in _RUN_SPECIFIC:
        reason = pattern.sub(replacement, reason)
    return reason
