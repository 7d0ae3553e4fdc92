"""The seam to clients: an ``httpx`` transport (sync and async) and a respx mount that serve
a :class:`~octosim.simulation.Simulation`, plus the HTTP-level faults of its FaultPlan.

Requests take no time, real or virtual, unless a fault adds latency; then the *virtual*
clock advances (running whatever falls due meanwhile), never the real one.

Faults, decided once per request by :meth:`FaultPlan.decide`:

- latency: the answer comes ``latency`` virtual seconds later (processed after the wait).
  If that exceeds the request's read timeout, the client waits its timeout and gets
  ``httpx.ReadTimeout``; the server still handles the request at send time + latency.
- ``Status``: the server answers that status with an Octopus error body without
  processing the request (``Retry-After`` on a 503/429 when the rule sets it).
- ``ConnectError``: ``httpx.ConnectError`` at once; the request never reached the server.
- ``ReadTimeout``: the server *processes* the request, the answer is lost; the client waits
  its read timeout and gets ``httpx.ReadTimeout`` (the ambiguous case clients must survive).

The read timeout is the request's own (``request.extensions["timeout"]["read"]``), or
``ServerOptions.default_read_timeout`` when it has none; a request with no timeout at all
(``timeout=None``) waits out any latency, and waits the default for a lost answer.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

import httpx

from octosim.api.messages import ApiRequest, ApiResponse
from octosim.faults import NO_FAULT, FaultKind
from octosim.journal import Kind

if TYPE_CHECKING:
    import respx

    from octosim.simulation import Simulation

__all__ = ["SimulatorTransport", "mount", "to_api_request"]

def to_api_request(request: httpx.Request, prefix: str = "") -> ApiRequest:
    """Return ``request`` as an :class:`ApiRequest`: the percent-decoded path without the
    base URL's path ``prefix``, the query as ordered pairs, the headers (case-insensitive),
    and the body (which must already have been read)."""
    path = request.url.path
    if prefix and (path == prefix or path.startswith(prefix + "/")):
        path = path[len(prefix) :] or "/"
    raw_query = request.url.query
    query = (
        tuple(parse_qsl(raw_query.decode("ascii", "replace"), keep_blank_values=True))
        if raw_query
        else ()
    )
    return ApiRequest(request.method, path, query, request.headers, request.content)


class SimulatorTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Serves a simulation to ``httpx.Client`` and ``httpx.AsyncClient`` alike."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self._prefix = urlsplit(sim.base_url).path.rstrip("/")

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
        """Apply the fault plan and serve ``request`` (its body already read)."""
        sim = self.sim
        api_request = to_api_request(request, self._prefix)
        decision = sim.faults.decide(api_request.method, api_request.path, sim.clock.now(),
                                     sim.rng)
        if decision is NO_FAULT:
            return _to_httpx(sim.handle(api_request), request)
        failure = decision.failure
        where = f"{api_request.method.upper()} {api_request.path}"
        if failure is not None and failure.kind is FaultKind.ConnectError:
            self._note(where, "connection refused (injected ConnectError, not processed)")
            raise httpx.ConnectError(
                f"[octosim] injected connection error for {where}", request=request
            )
        read_timeout = self._read_timeout(request)
        if failure is not None and failure.kind is FaultKind.ReadTimeout:
            wait = read_timeout if read_timeout is not None else sim.options.default_read_timeout
            sim.handle(api_request)  # processed: only the answer is lost
            self._note(where, f"answer lost (injected ReadTimeout after {wait:g}s; processed)")
            sim.clock.sleep(wait)
            raise httpx.ReadTimeout(
                f"[octosim] injected read timeout for {where} after {wait:g}s", request=request
            )
        latency = decision.latency
        if read_timeout is not None and latency > read_timeout:
            processed = failure is None
            if processed:
                # The server gets to it after `latency`; the client has given up by then.
                sim.clock.call_at(sim.clock.now() + latency, lambda: sim.handle(api_request))
            fate = f"processed at +{latency:g}s" if processed else "not processed"
            self._note(
                where,
                f"latency {latency:g}s exceeds the read timeout {read_timeout:g}s "
                f"(ReadTimeout; {fate})",
            )
            sim.clock.sleep(read_timeout)
            raise httpx.ReadTimeout(
                f"[octosim] read timeout for {where}: the answer takes {latency:g}s, "
                f"the timeout is {read_timeout:g}s",
                request=request,
            )
        if latency > 0:
            self._note(where, f"latency {latency:g}s")
            sim.clock.sleep(latency)
        if failure is not None:  # a Status rule: answered without processing
            self._note(where, f"answered {failure.status} (injected, not processed)")
            return _to_httpx(sim.api.fault_response(failure), request)
        return _to_httpx(sim.handle(api_request), request)

    def _read_timeout(self, request: httpx.Request) -> float | None:
        timeouts = request.extensions.get("timeout")
        if not isinstance(timeouts, dict) or "read" not in timeouts:
            return self.sim.options.default_read_timeout
        value = timeouts["read"]
        return None if value is None else float(value)

    def _note(self, where: str, text: str) -> None:
        self.sim.journal.record(self.sim.clock.now(), Kind.Fault, f"{where}: {text}")


def _to_httpx(response: ApiResponse, request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        response.status, headers=response.headers, content=response.content, request=request
    )


def mount(sim: Simulation, router: respx.Router | None = None) -> respx.Route:
    """Route every request under ``sim.base_url`` on ``router`` (default: the global
    ``respx.mock``) to the simulation, faults included; returns the respx route.

    Routes registered on the router *before* the mount are matched first, so a test can
    still mock one path under the base URL itself; routes for other hosts are untouched.
    """
    import respx

    target = router if router is not None else respx.mock
    base = str(httpx.URL(sim.base_url)).rstrip("/")
    route = target.route(url__regex=rf"^{re.escape(base)}(?:[/?#]|$)")
    route.side_effect = SimulatorTransport(sim)
    return route
