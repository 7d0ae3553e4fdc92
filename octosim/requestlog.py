"""The request log: every request an HTTP client made to a simulation, in order.

What respx's ``calls`` and pytest-httpx's ``get_requests()`` give, for every client library
at once: a test reads ``sim.requests`` (the ``octopus`` fixture's ``octopus.requests``) to
assert how its code talked to the server, rather than counting lines of the timeline::

    posts = octopus.requests.of(method="POST", path="/api/tasks")
    assert [r.status for r in posts] == [201]
    assert octopus.requests.last().client == "requests"

Requests that reach the simulation through its HTTP seams are logged (httpx, requests,
urllib3, aiohttp); the restart client's direct driver, which hands the routes plain
:class:`~octosim.api.messages.ApiRequest` objects, is not.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, overload
from urllib.parse import urlsplit

__all__ = ["Client", "LoggedRequest", "RequestLog"]

#: The library a request came through.
Client = Literal["httpx", "requests", "urllib3", "aiohttp"]

#: A request as a seam recorded it: LoggedRequest's fields, the URL not yet rendered.
_Recorded = tuple[
    str, object, int | None, float, float, Client, Literal["connect", "timeout"] | None,
    str | None,
]


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the client sent it and what became of it.

    ``t`` is the virtual time it was sent and ``elapsed`` the virtual seconds until the
    client had its answer or gave up (latency and timeouts take virtual time).
    ``status`` is None when no answer came; ``lost`` then says why: ``"connect"`` (the
    request never reached the server) or ``"timeout"`` (no answer within the client's read
    timeout; the server may still have processed it). ``created`` is the ``Id`` of what a
    201 answer created (``ServerTasks-3``), else None.
    """

    method: str
    url: str
    status: int | None
    t: float
    elapsed: float
    client: Client
    lost: Literal["connect", "timeout"] | None = None
    created: str | None = None

    @property
    def path(self) -> str:
        """The URL's path, without scheme, host or query (``/api/tasks``)."""
        return urlsplit(self.url).path

    def __str__(self) -> str:
        outcome = str(self.status) if self.status is not None else f"lost ({self.lost})"
        return f"[{self.t:9.3f}s] {self.client:<8} {self.method} {self.url} → {outcome}"


class RequestLog(Sequence[LoggedRequest]):
    """The requests made to one simulation, oldest first. A read-only sequence for tests;
    the simulation's HTTP seams add to it.

    The seams :meth:`record` a request's parts and its :class:`LoggedRequest` is built when
    the log is first read after it: most runs (a benchmark, a Monte Carlo study) never
    read the log, and building the entry and rendering its URL was a tenth of serving a
    request.
    """

    def __init__(self) -> None:
        self._built: list[LoggedRequest] = []
        self._recorded: list[_Recorded] = []

    def append(self, entry: LoggedRequest) -> None:
        """Add ``entry`` (the seams call this or :meth:`record`; tests only read)."""
        self._entries.append(entry)

    def record(
        self, method: str, url: object, status: int | None, t: float, elapsed: float,
        client: Client, lost: Literal["connect", "timeout"] | None = None,
        created: str | None = None,
    ) -> None:
        """Add a request as :meth:`append` would add ``LoggedRequest(method, str(url), ...)``.
        ``url`` is the URL or an immutable object whose ``str()`` is it (an ``httpx.URL``),
        rendered only when the log is read."""
        self._recorded.append((method, url, status, t, elapsed, client, lost, created))

    @property
    def _entries(self) -> list[LoggedRequest]:
        # Every entry, oldest first: the recorded ones built now, in order.
        if self._recorded:
            self._built.extend(
                LoggedRequest(method, str(url), status, t, elapsed, client, lost, created)
                for method, url, status, t, elapsed, client, lost, created in self._recorded
            )
            self._recorded.clear()
        return self._built

    @overload
    def __getitem__(self, index: int) -> LoggedRequest: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[LoggedRequest]: ...
    def __getitem__(self, index: int | slice) -> LoggedRequest | Sequence[LoggedRequest]:
        return self._entries[index]

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[LoggedRequest]:
        return iter(self._entries)

    def of(
        self, *, method: str | None = None, path: str | None = None,
        client: Client | None = None, status: int | None = None,
    ) -> list[LoggedRequest]:
        """Return the requests matching every given criterion: ``method`` (any case),
        ``path`` (exact, e.g. ``/api/tasks``), ``client`` and ``status``."""
        wanted = method.upper() if method is not None else None
        return [
            r for r in self._entries
            if (wanted is None or r.method == wanted) and (path is None or r.path == path)
            and (client is None or r.client == client)
            and (status is None or r.status == status)
        ]

    def last(self) -> LoggedRequest:
        """Return the newest request. Raises AssertionError, naming what to check, when no
        request was made."""
        if not self._entries:
            raise AssertionError("no request reached the simulation: is the code under test "
                                 "using its base_url, inside `with sim:` (the octopus fixture)?")
        return self._entries[-1]

    def __str__(self) -> str:
        return "\n".join(map(str, self._entries)) or "(no requests)"

    def __repr__(self) -> str:
        return f"RequestLog({len(self._entries)} requests)"
