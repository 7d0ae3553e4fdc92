"""The sans-IO vocabulary shared by the procedure, the seed port and every driver.

A *procedure* (:class:`~restart.procedure.RestartProcedure` or
:class:`~restart.seedport.SeedScript`) never performs I/O and never reads a clock. Its driver
runs this loop, h11-style::

    action = procedure.start(now)
    while not isinstance(action, Finish):
        if isinstance(action, Send):
            # a Response, or a TransportFailure if no answer came within action.timeout
            event = <perform action.request>
        else:  # Sleep
            <sleep action.seconds>; event = None
        action = procedure.send(event, now)
    report = action.report

and calls ``procedure.cancel(now)`` instead of ``send`` when the user interrupts (Ctrl-C,
asyncio cancellation); the actions that follow are the cleanup, ending in :class:`Finish`.

Requests are plain data: no base URL, no credentials. The driver resolves ``path`` against
the server root and adds the ``X-Octopus-ApiKey`` header, so the key can never reach a
message, a repr or a log line written from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, TypeAlias

if TYPE_CHECKING:
    from restart.report import RestartReport

__all__ = [
    "JSON",
    "Action",
    "Event",
    "Finish",
    "Request",
    "Response",
    "Send",
    "Sleep",
    "TransportFailure",
]

JSON = "application/json"


@dataclass(frozen=True)
class Request:
    """One HTTP request to Octopus.

    ``path`` is relative to the server root and starts with ``/api`` (for example
    ``/api/Spaces-1/tasks/ServerTasks-1``); ``params`` is the query string as ordered pairs;
    ``json`` is the body to serialise as JSON (None: no body). ``content_type`` is the
    ``Content-Type`` header to send (None: none). It defaults to JSON when there is a body;
    the seed port overrides it to reproduce what Invoke-RestMethod sends.
    """

    method: Literal["GET", "POST"]
    path: str
    params: tuple[tuple[str, str], ...] = ()
    json: object | None = None
    content_type: str | None = field(default=None)

    def __post_init__(self) -> None:
        if not self.path.startswith("/api"):
            raise ValueError(f"request paths start with /api, got {self.path!r}")
        if self.content_type is None and self.json is not None:
            object.__setattr__(self, "content_type", JSON)

    def describe(self) -> str:
        """Return ``METHOD /path?query`` for messages (never includes credentials)."""
        query = "&".join(f"{k}={v}" for k, v in self.params)
        return f"{self.method} {self.path}{'?' + query if query else ''}"


@dataclass(frozen=True)
class Response:
    """What Octopus answered. ``headers`` should have lower-case names (use :meth:`header`
    for any case); ``json`` is the parsed body or None when it is not JSON; ``text`` is the
    raw body, used only in error messages when ``json`` is None (a driver that already has
    the parsed value may leave it empty)."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    json: object | None = None
    text: str = ""

    def header(self, name: str) -> str | None:
        """Return the value of header ``name`` (case-insensitive), or None."""
        lowered = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lowered:
                return value
        return None


@dataclass(frozen=True)
class TransportFailure:
    """The request got no HTTP answer.

    ``kind``: ``"connect"`` (the connection could not be made, so Octopus never saw the
    request), ``"timeout"`` (no answer within the request's timeout: Octopus may have acted
    on it), ``"other"`` (any other transport error: also ambiguous).
    """

    kind: Literal["connect", "timeout", "other"]
    message: str


Event: TypeAlias = Response | TransportFailure | None


@dataclass(frozen=True)
class Send:
    """Perform ``request`` and give it at most ``timeout`` seconds (None: no limit, which only
    the seed port asks for); then call ``send(Response | TransportFailure, now)``."""

    request: Request
    timeout: float | None


@dataclass(frozen=True)
class Sleep:
    """Sleep ``seconds`` on the driver's clock, then call ``send(None, now)``."""

    seconds: float


@dataclass(frozen=True)
class Finish:
    """The run is over; ``report`` is the verdict. ``send`` must not be called again."""

    report: RestartReport


Action: TypeAlias = Send | Sleep | Finish
