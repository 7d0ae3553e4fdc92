"""The seam to clients: an ``httpx`` transport (sync and async) and a respx mount that serve
a simulated server (:class:`~octosim.delivery.ServerParts`, which a
:class:`~octosim.simulation.Simulation` hands out), plus the HTTP-level faults of its
FaultPlan.

Requests take no time, real or virtual, unless a fault adds latency; then the *virtual*
clock advances (running whatever falls due meanwhile), never the real one.

Faults are applied by :func:`octosim.delivery.deliver` (shared with the restart client's
direct driver, so a fault means the same on every edge); its docstring has the semantics.
The read timeout is the request's own (``request.extensions["timeout"]["read"]``), or
``ServerOptions.default_read_timeout`` when it has none; ``timeout=None`` waits for ever.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

import httpx

from octosim.api.messages import ApiRequest, ApiResponse
from octosim.delivery import Lost, ServerParts, deliver
from octosim.intercept.exchange import log

if TYPE_CHECKING:
    import respx

__all__ = ["SimulatorTransport", "mount", "to_api_request"]


def to_api_request(request: httpx.Request, prefix: str = "") -> ApiRequest:
    """Return ``request`` as an :class:`ApiRequest`: the percent-decoded path without the
    base URL's path ``prefix``, the query as ordered pairs, the headers (names in lower
    case, a repeated name's values joined with ", "), and the body (which must already
    have been read)."""
    path = request.url.path
    if prefix and (path == prefix or path.startswith(prefix + "/")):
        path = path[len(prefix) :] or "/"
    raw_query = request.url.query
    if not raw_query:
        query: tuple[tuple[str, str], ...] = ()
    elif len(raw_query) <= _MEMO_QUERY_LIMIT:
        query = _query_pairs(raw_query)
    else:
        query = _parse_query(raw_query)
    return ApiRequest(request.method, path, query, _header_fields(request.headers),
                      request.content)


#: Longer queries are parsed every time: a client's polls are a few dozen characters, and a
#: fuzzer's inventions should not be kept.
_MEMO_QUERY_LIMIT = 512


def _parse_query(raw_query: bytes) -> tuple[tuple[str, str], ...]:
    """The query as ordered pairs, percent- and plus-decoded, blanks kept."""
    return tuple(parse_qsl(raw_query.decode("ascii", "replace"), keep_blank_values=True))


# Memoised on the raw query (the pairs are immutable, so sharing them is safe): a waiting
# client sends the same poll again and again, and parse_qsl costs more than the rest of
# converting the request.
_query_pairs = functools.lru_cache(maxsize=256)(_parse_query)


def _header_fields(headers: httpx.Headers) -> Mapping[str, str]:
    """Return ``dict(headers.items())``, httpx's own reading (names in lower case, a repeated
    name's values joined with ", "), read-only."""
    return _decoded_fields(tuple(headers.raw), headers.encoding)


@functools.lru_cache(maxsize=64)
def _decoded_fields(raw: tuple[tuple[bytes, bytes], ...], encoding: str) -> Mapping[str, str]:
    # Memoised on the raw fields and their encoding: a client sends the same headers on
    # every request, and decoding them was the largest part of converting one. The result
    # is shared between requests, hence read-only.
    fields: dict[str, str] = {}
    for raw_name, raw_value in raw:
        name = raw_name.lower().decode(encoding)
        value = raw_value.decode(encoding)
        fields[name] = f"{fields[name]}, {value}" if name in fields else value
    return MappingProxyType(fields)


class SimulatorTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Serves a simulated server (its :class:`~octosim.delivery.ServerParts`) to
    ``httpx.Client`` and ``httpx.AsyncClient`` alike, at ``parts.options.base_url``."""

    def __init__(self, parts: ServerParts) -> None:
        self.parts = parts
        self._prefix = urlsplit(parts.options.base_url).path.rstrip("/")

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Serve one request (sync). Raises httpx.ConnectError / httpx.ReadTimeout when a
        fault says so, with ``request`` attached."""
        request.read()
        return self.exchange(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Serve one request (async); the same as :meth:`handle_request`, in virtual time."""
        await request.aread()
        return self.exchange(request)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        """Serve a request handed over by respx (a route's ``side_effect``)."""
        request.read()  # respx has read it already (sync or async): this returns the bytes
        return self.exchange(request)

    # -- one request ------------------------------------------------------------------------
    def exchange(self, request: httpx.Request) -> httpx.Response:
        """Apply the fault plan and serve ``request`` (its body already read); raise
        httpx.ConnectError / httpx.ReadTimeout, with ``request`` attached, for lost answers."""
        sent = self.parts.clock.now()
        answer = deliver(self.parts, to_api_request(request, self._prefix),
                         self._read_timeout(request))
        log(self.parts, "httpx", request.method, request.url, sent, answer)
        if isinstance(answer, Lost):
            error = httpx.ConnectError if answer.kind == "connect" else httpx.ReadTimeout
            raise error(answer.message, request=request)
        return _to_httpx(answer, request)

    def _read_timeout(self, request: httpx.Request) -> float | None:
        timeouts = request.extensions.get("timeout")
        if not isinstance(timeouts, dict) or "read" not in timeouts:
            return self.parts.options.default_read_timeout
        value = timeouts["read"]
        return None if value is None else float(value)


def _to_httpx(response: ApiResponse, request: httpx.Request) -> httpx.Response:
    # Encoded header pairs and a ready byte stream: httpx then skips normalising a dict and
    # re-encoding the body, which cost more than the rest of building every answer.
    content = response.content
    headers = [*_encoded_fields(tuple(response.headers.items())),
               (b"content-length", str(len(content)).encode())]
    return httpx.Response(
        response.status, headers=headers, stream=httpx.ByteStream(content), request=request
    )


@functools.lru_cache(maxsize=64)
def _encoded_fields(fields: tuple[tuple[str, str], ...]) -> tuple[tuple[bytes, bytes], ...]:
    # Memoised: most answers carry the same content type and the Date of the same second.
    return tuple((name.encode("latin-1"), value.encode("latin-1")) for name, value in fields)


def mount(parts: ServerParts, router: respx.Router | None = None) -> respx.Route:
    """Route every request under ``parts.options.base_url`` on ``router`` (default: the
    global ``respx.mock``) to the simulated server, faults included; returns the respx
    route.

    Routes registered on the router *before* the mount are matched first, so a test can
    still mock one path under the base URL itself; routes for other hosts are untouched.
    """
    import respx

    target = router if router is not None else respx.mock
    base = str(httpx.URL(parts.options.base_url)).rstrip("/")
    route = target.route(url__regex=rf"^{re.escape(base)}(?:[/?#]|$)")
    route.side_effect = SimulatorTransport(parts)
    return route
