"""How the restart client reads Octopus's answers: success, transient, fatal, and the typed
error (with advice) for each fatal status. Pure functions, no I/O."""

from __future__ import annotations

import math
from email.utils import parsedate_to_datetime

from restart.errors import (
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
    RestartError,
    ServerError,
)
from restart.protocol import Event, Request, Response, TransportFailure

__all__ = [
    "TRANSIENT_STATUSES",
    "describe_event",
    "error_for",
    "is_ambiguous",
    "is_success",
    "is_transient",
    "octopus_error_text",
    "retry_after",
]

#: Statuses worth retrying, as Octopus's TypeScript client retries them.
TRANSIENT_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
# 408 and 429 say the server did *not* act on the request; a 5xx might come after it did.
_NOT_ACTED = frozenset({408, 429})
_MAX_TEXT = 300


def is_success(event: Event) -> bool:
    """Return True for a 2xx response."""
    return isinstance(event, Response) and 200 <= event.status < 300


def is_transient(event: Event) -> bool:
    """Return True for a failure worth retrying: no answer, or a transient status."""
    if isinstance(event, TransportFailure):
        return True
    return isinstance(event, Response) and event.status in TRANSIENT_STATUSES


def is_ambiguous(event: Event) -> bool:
    """Return True when a failed POST may still have been carried out by Octopus: any
    transport failure (connect included, to be safe) or a transient 5xx."""
    if isinstance(event, TransportFailure):
        return True
    return (
        isinstance(event, Response)
        and event.status in TRANSIENT_STATUSES
        and event.status not in _NOT_ACTED
    )


def retry_after(response: Response) -> float | None:
    """Return the delay Octopus asked for in ``Retry-After`` (seconds), or None.

    Accepts delta-seconds and an HTTP-date; a date is measured against the response's own
    ``Date`` header, because the procedure has no wall clock (None without one).
    """
    value = response.header("Retry-After")
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if math.isfinite(seconds):
        return max(0.0, seconds)
    date = response.header("Date")
    if date is None:
        return None
    try:
        delta = parsedate_to_datetime(value) - parsedate_to_datetime(date)
    except (TypeError, ValueError):
        return None
    return max(0.0, delta.total_seconds())


def octopus_error_text(response: Response) -> str:
    """Return Octopus's own explanation: ``ErrorMessage`` and each of ``Errors``, or the start
    of a non-JSON body, or the bare status."""
    body = response.json
    if isinstance(body, dict) and isinstance(body.get("ErrorMessage"), str):
        parts = [body["ErrorMessage"].strip()]
        errors = body.get("Errors")
        if isinstance(errors, list):
            parts += [str(e).strip() for e in errors if str(e).strip() not in parts]
        return " ".join(p if p.endswith((".", "!", "?")) else p + "." for p in parts if p)
    text = " ".join(response.text.split())
    if text:
        return text[:_MAX_TEXT] + ("..." if len(text) > _MAX_TEXT else "")
    return f"HTTP {response.status}"


def describe_event(event: Event) -> str:
    """Return a short description of a failed request's outcome for messages."""
    if isinstance(event, TransportFailure):
        return f"{event.kind} error: {event.message}"
    if isinstance(event, Response):
        return f"HTTP {event.status}: {octopus_error_text(event)}"
    return "no answer"


def error_for(request: Request, response: Response) -> RestartError:
    """Return the typed error for a response that must not be retried, with advice."""
    where = request.describe()
    text = octopus_error_text(response)
    status = response.status
    if status == 401:
        return AuthenticationError(
            f"Octopus refused the API key for {where} (401): {text} Check OCTOPUS_API_KEY "
            "(or --api-key): it must be a current API key (API-...) of a user of this "
            "server.",
            status=status,
        )
    if status == 403 and "not valid" in text:
        # Some servers answer a key that does not exist with 403 (octopus-api.md §2 leaves
        # 401 vs 403 open): believe Octopus's words over the status code.
        return AuthenticationError(
            f"Octopus refused the API key for {where} (403): {text} Check OCTOPUS_API_KEY "
            "(or --api-key): it must be a current API key (API-...) of a user of this "
            "server.",
            status=status,
        )
    if status == 403:
        return PermissionDeniedError(
            f"Octopus denied {where} (403): {text} The API key is valid but its user lacks "
            "a permission in this space; ask an Octopus administrator for it (a restart "
            "needs MachineView, TaskView, TaskCreate and TaskCancel).",
            status=status,
        )
    if status == 404:
        return NotFoundError(
            f"Octopus has nothing at {where} (404): {text} Check the space "
            "(--space / OCTOPUS_SPACE: an id such as Spaces-1, or a name) and the machine id "
            "or name.",
            status=status,
        )
    if status == 400:
        return ServerError(
            f"Octopus rejected {where} (400): {text} This client and this Octopus version "
            "disagree about the request; please report it with this message.",
            status=status,
        )
    return ServerError(
        f"Octopus answered {where} with HTTP {status}: {text} Check the server's health "
        "and its logs, then run again.",
        status=status,
    )
