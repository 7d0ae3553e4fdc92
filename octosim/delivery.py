"""Delivering one request to the simulation through its fault plan, with no HTTP library.

The httpx transport and the restart client's direct driver both call :func:`deliver`, so a
fault means exactly the same thing whichever edge a request comes through:

- latency: the answer comes ``latency`` virtual seconds later (processed after the wait).
  If that exceeds the read timeout, the client waits its timeout and loses the answer;
  the server still handles the request at send time + latency.
- ``Status``: the server answers that status with an Octopus error body without
  processing the request (``Retry-After`` on a 503/429 when the rule sets it).
- ``ConnectError``: lost at once; the request never reached the server.
- ``ReadTimeout``: the server *processes* the request, the answer is lost; the client waits
  its read timeout (the ambiguous case clients must survive).

``read_timeout`` None means the client waits for ever: any latency is waited out, and a lost
answer is waited for ``ServerOptions.default_read_timeout``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from octosim.faults import NO_FAULT, FaultKind
from octosim.journal import Kind

if TYPE_CHECKING:
    from octosim.api.messages import ApiRequest, ApiResponse
    from octosim.simulation import Simulation

__all__ = ["Lost", "deliver"]


@dataclass(frozen=True)
class Lost:
    """No answer: ``connect`` (never reached the server) or ``timeout`` (no answer in time)."""

    kind: Literal["connect", "timeout"]
    message: str


def deliver(sim: Simulation, request: ApiRequest, read_timeout: float | None) -> ApiResponse | Lost:
    """Serve ``request`` through ``sim``'s fault plan; return the answer, or :class:`Lost`
    when a fault swallowed it (after advancing the virtual clock by the time the client
    waited)."""
    # Always ask the plan, even one without rules: a FaultPlan subclass may decide by
    # other means (the property tests fail exactly the Nth request that way).
    decision = sim.faults.decide(request.method, request.path, sim.clock.now(), sim.rng)
    if decision is NO_FAULT:
        return sim.handle(request)
    failure = decision.failure
    where = f"{request.method.upper()} {request.path}"
    if failure is not None and failure.kind is FaultKind.ConnectError:
        _note(sim, where, "connection refused (injected ConnectError, not processed)")
        return Lost("connect", f"[octosim] injected connection error for {where}")
    if failure is not None and failure.kind is FaultKind.ReadTimeout:
        wait = read_timeout if read_timeout is not None else sim.options.default_read_timeout
        sim.handle(request)  # processed: only the answer is lost
        _note(sim, where, f"answer lost (injected ReadTimeout after {wait:g}s; processed)")
        sim.clock.sleep(wait)
        return Lost("timeout", f"[octosim] injected read timeout for {where} after {wait:g}s")
    latency = decision.latency
    if read_timeout is not None and latency > read_timeout:
        processed = failure is None
        if processed:
            # The server gets to it after `latency`; the client has given up by then.
            sim.clock.call_at(sim.clock.now() + latency, lambda: sim.handle(request))
        fate = f"processed at +{latency:g}s" if processed else "not processed"
        _note(sim, where, f"latency {latency:g}s exceeds the read timeout {read_timeout:g}s "
                          f"(ReadTimeout; {fate})")
        sim.clock.sleep(read_timeout)
        return Lost("timeout", f"[octosim] read timeout for {where}: the answer takes "
                               f"{latency:g}s, the timeout is {read_timeout:g}s")
    if latency > 0:
        _note(sim, where, f"latency {latency:g}s")
        sim.clock.sleep(latency)
    if failure is not None:  # a Status rule: answered without processing
        _note(sim, where, f"answered {failure.status} (injected, not processed)")
        return sim.api.fault_response(failure)
    return sim.handle(request)


def _note(sim: Simulation, where: str, text: str) -> None:
    sim.journal.record(sim.clock.now(), Kind.Fault, f"{where}: {text}")
