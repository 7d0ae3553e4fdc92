"""One request from any client library, served by a simulation and logged.

Each library's seam turns its own request into plain parts (method, URL, headers, body,
read timeout) and calls :func:`serve`; faults and time are :func:`~octosim.delivery.deliver`'s,
so a fault means the same whichever library a request came through.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, unquote, urlsplit

from octosim.api.messages import ApiRequest, ApiResponse
from octosim.delivery import Lost, deliver
from octosim.requestlog import Client

if TYPE_CHECKING:
    from octosim.delivery import ServerParts

__all__ = ["log", "serve"]


def serve(
    parts: ServerParts, client: Client, method: str, url: str, headers: Mapping[str, str],
    body: bytes, read_timeout: float | None, prefix: str = "",
) -> ApiResponse | Lost:
    """Serve one request through the simulation's fault plan and log it in
    ``parts.requests`` (``sim.requests``).

    ``url`` is absolute; ``prefix`` is the base URL's path, taken off the request's path;
    ``headers`` have lower-case names; ``read_timeout`` None waits for ever (see
    :func:`~octosim.delivery.deliver`). Returns the answer, or :class:`Lost`.
    """
    split = urlsplit(url)
    path = unquote(split.path) or "/"
    if prefix and (path == prefix or path.startswith(prefix + "/")):
        path = path[len(prefix):] or "/"
    query = tuple(parse_qsl(split.query, keep_blank_values=True)) if split.query else ()
    sent = parts.clock.now()
    answer = deliver(parts, ApiRequest(method.upper(), path, query, headers, body), read_timeout)
    log(parts, client, method, url, sent, answer)
    return answer


def log(parts: ServerParts, client: Client, method: str, url: object, sent: float,
        answer: ApiResponse | Lost) -> None:
    """Append one request, sent at virtual time ``sent``, and its answer to ``parts.requests``.
    ``url`` is the URL or an immutable object whose ``str()`` is it (an ``httpx.URL``), which
    is rendered only if the log is read."""
    if isinstance(answer, Lost):
        status, lost, created = None, answer.kind, None
    else:
        status, lost = answer.status, None
        data = answer.data
        created = data.get("Id") if status == 201 and isinstance(data, dict) else None
    parts.requests.record(
        method.upper(), url, status, sent, parts.clock.now() - sent, client, lost,
        created if isinstance(created, str) else None,
    )
