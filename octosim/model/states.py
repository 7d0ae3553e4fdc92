"""States and their legal transitions, as tables (data), in Octopus's own words.

Every state change in the model goes through :func:`check` with one of these tables, so an
illegal move is a loud bug in the simulator, never a silently odd task. The shape follows
h11's ``_state.py``: the table *is* the specification.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

__all__ = [
    "COMPLETED",
    "SERVICE_TRANSITIONS",
    "SET_STATE_TARGETS",
    "SET_STATE_TRANSITIONS",
    "TASK_TRANSITIONS",
    "HealthStatus",
    "IllegalTransition",
    "ServiceState",
    "TaskState",
    "check",
]


class TaskState(StrEnum):
    """A server task's state, serialised as its name."""

    Queued = "Queued"
    Executing = "Executing"
    Failed = "Failed"
    Canceled = "Canceled"
    TimedOut = "TimedOut"
    Success = "Success"
    Cancelling = "Cancelling"

    @property
    def is_completed(self) -> bool:
        """True for Failed, Canceled, TimedOut and Success (Octopus's ``IsCompleted``)."""
        return self in COMPLETED


COMPLETED = frozenset({TaskState.Failed, TaskState.Canceled, TaskState.TimedOut, TaskState.Success})

#: The task engine's own lifecycle. A queued task is canceled at once; an executing one goes
#: through Cancelling. TimedOut happens only to a task still queued at its QueueTimeExpiry.
#: Completed states have no way out here: only an explicit set-state may change them.
TASK_TRANSITIONS: Mapping[TaskState, frozenset[TaskState]] = {
    TaskState.Queued: frozenset({TaskState.Executing, TaskState.Canceled, TaskState.TimedOut}),
    TaskState.Executing: frozenset({TaskState.Success, TaskState.Failed, TaskState.Cancelling}),
    TaskState.Cancelling: frozenset({TaskState.Canceled}),
    TaskState.Success: frozenset(),
    TaskState.Failed: frozenset(),
    TaskState.Canceled: frozenset(),
    TaskState.TimedOut: frozenset(),
}

#: ``POST /tasks/{id}/state``: Swagger 2021.2 says a task "can only be changed out of the
#: states: Canceled, Failed, Success" and "Valid states are: Canceled, Failed, Success".
SET_STATE_TARGETS = frozenset({TaskState.Canceled, TaskState.Failed, TaskState.Success})
SET_STATE_TRANSITIONS: Mapping[TaskState, frozenset[TaskState]] = {
    s: SET_STATE_TARGETS - {s} for s in SET_STATE_TARGETS
}


class HealthStatus(StrEnum):
    """A machine's ``HealthStatus``: the outcome of its last health interaction."""

    Healthy = "Healthy"
    Unavailable = "Unavailable"
    Unknown = "Unknown"
    HasWarnings = "HasWarnings"
    Unhealthy = "Unhealthy"


class ServiceState(StrEnum):
    """A Windows service / systemd unit state, as ``Get-Service`` names them."""

    Running = "Running"
    StopPending = "StopPending"
    Stopped = "Stopped"
    StartPending = "StartPending"


#: A restart is Running → StopPending → Stopped → StartPending → Running; a start that fails
#: falls back from StartPending to Stopped (a watchdog may start it again later).
SERVICE_TRANSITIONS: Mapping[ServiceState, frozenset[ServiceState]] = {
    ServiceState.Running: frozenset({ServiceState.StopPending}),
    ServiceState.StopPending: frozenset({ServiceState.Stopped}),
    ServiceState.Stopped: frozenset({ServiceState.StartPending}),
    ServiceState.StartPending: frozenset({ServiceState.Running, ServiceState.Stopped}),
}

S = TypeVar("S", bound=StrEnum)


class IllegalTransition(RuntimeError):
    """A state change not in its table: always a bug in the simulator or an executor."""


def check(table: Mapping[S, frozenset[S]], current: S, new: S, what: str) -> None:
    """Return if ``current → new`` is in ``table``; raise IllegalTransition naming ``what``."""
    if new not in table[current]:
        allowed = ", ".join(sorted(table[current])) or "nothing"
        raise IllegalTransition(
            f"{what}: {current} → {new} is not a legal transition (from {current}: {allowed})"
        )
