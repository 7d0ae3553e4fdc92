"""What happens to one request on its way to the simulated server: one fault decision for
every edge.

:func:`decide` is sans-IO: from the fault plan, it says what becomes of a request the moment
it arrives (a :class:`Fate`) without waiting, handling or journaling anything. Each edge then
carries the fate out in its own time with :func:`arrive` and :func:`answer`:

- in virtual time, :func:`deliver` (the httpx transport and the restart client's direct
  driver): arrive, sleep the virtual clock, answer;
- in real time, the live server (:mod:`octosim.server`): arrive, wait ``wait / rate`` real
  seconds outside its lock, answer.

So a fault means the same whichever edge a request comes through:

- latency: the answer comes ``latency`` virtual seconds later (processed after the wait).
  If that exceeds the read timeout, the client waits its timeout and loses the answer;
  the server still handles the request at send time + latency.
- ``Status``: the server answers that status with an Octopus error body without
  processing the request (``Retry-After`` on a 503/429 when the rule sets it).
- ``ConnectError``: lost at once; the request never reached the server.
- ``ReadTimeout``: the server *processes* the request, the answer is lost; the client waits
  its read timeout (the ambiguous case clients must survive).

``read_timeout`` None means the client waits for ever: any latency is waited out, and a lost
answer is waited for ``ServerOptions.default_read_timeout``. The live server cannot know a
client's timeout, so it always decides with None.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Literal

from octosim.api.errors import fault_response
from octosim.faults import NO_FAULT, FaultKind, FaultPlan, FaultRule
from octosim.journal import Journal, Kind
from octosim.requestlog import RequestLog

if TYPE_CHECKING:
    from octosim.api.messages import ApiRequest, ApiResponse
    from octosim.clock import VirtualClock
    from octosim.options import ServerOptions

__all__ = ["Fate", "Lost", "Processing", "ServerParts", "answer", "arrive", "decide",
           "deliver"]


@dataclass(frozen=True)
class Lost:
    """No answer: ``connect`` (never reached the server) or ``timeout`` (no answer in time)."""

    kind: Literal["connect", "timeout"]
    message: str


@dataclass(eq=False)
class ServerParts:
    """The parts of a simulated server a request passes through: its fault plan, clock,
    random source for fault rates (the ``faults`` stream of the simulation's seed,
    :mod:`octosim.model.randomness`), journal, options, and the handler that serves
    a request through the routes (``OctopusApi.handle``).

    Not frozen: a test may give a running simulation a new fault plan, and every transport
    already handed out must see it (``Simulation.faults`` assigns it here).
    """

    faults: FaultPlan
    clock: VirtualClock
    rng: random.Random
    journal: Journal
    options: ServerOptions
    handler: Callable[[ApiRequest], ApiResponse]
    #: Every request an in-process HTTP client sent (the transports append to it).
    requests: RequestLog = field(default_factory=RequestLog)


class Processing(Enum):
    """When the server handles a request, counted from its arrival."""

    Now = "now"  # on arrival (no fault, or a ReadTimeout: processed, answer lost)
    AfterWait = "after-wait"  # once the latency has passed, just before answering
    Later = "later"  # at arrival + ``Fate.delay``, after the client has given up
    Never = "never"  # a ConnectError or a Status answer


@dataclass(frozen=True)
class Fate:
    """What becomes of one request, decided on arrival.

    ``wait``: the seconds between arrival and the answer (or the client giving up); None
    when no time passes at all. ``delay``: when ``processing`` is ``Later``, the seconds
    after arrival at which the server handles it. ``status_rule``: the Status rule whose
    answer is given instead of processing. ``lost``: the answer never comes. ``note`` is
    journaled on arrival (after processing, when that happens on arrival);
    ``answer_note`` when the answer is given.
    """

    processing: Processing = Processing.Now
    wait: float | None = None
    delay: float = 0.0
    status_rule: FaultRule | None = None
    lost: Lost | None = None
    note: str = ""
    answer_note: str = ""


#: The fate of a request no fault touches: handled at once, answered at once.
UNTOUCHED = Fate()


def decide(parts: ServerParts, request: ApiRequest, read_timeout: float | None, *,
           over_socket: bool = False) -> Fate:
    """Return the fate of ``request`` arriving now, drawing from ``parts.rng`` as the fault
    plan says. Waits for nothing and changes nothing else. ``over_socket`` words the notes
    for a live server, which drops connections where an in-process client sees errors."""
    # Always ask the plan, even one without rules: a FaultPlan subclass may decide by
    # other means (the property tests fail exactly the Nth request that way).
    decision = parts.faults.decide(request.method, request.path, parts.clock.now(), parts.rng)
    if decision is NO_FAULT:
        return UNTOUCHED
    failure = decision.failure
    where = f"{request.method.upper()} {request.path}"
    if failure is not None and failure.kind is FaultKind.ConnectError:
        what = "connection dropped" if over_socket else "connection refused"
        return Fate(Processing.Never, lost=Lost("connect", f"[octosim] injected connection "
                                                           f"error for {where}"),
                    note=f"{where}: {what} (injected ConnectError, not processed)")
    if failure is not None and failure.kind is FaultKind.ReadTimeout:
        wait = read_timeout if read_timeout is not None else parts.options.default_read_timeout
        note = (f"answer lost (injected ReadTimeout: silent for {wait:g}s, then dropped; "
                "processed)" if over_socket
                else f"answer lost (injected ReadTimeout after {wait:g}s; processed)")
        return Fate(Processing.Now, wait=wait, note=f"{where}: {note}",
                    lost=Lost("timeout", f"[octosim] injected read timeout for {where} after "
                                         f"{wait:g}s"))
    latency = decision.latency
    if read_timeout is not None and latency > read_timeout:
        processed = failure is None
        fate = f"processed at +{latency:g}s" if processed else "not processed"
        return Fate(
            Processing.Later if processed else Processing.Never, wait=read_timeout,
            delay=latency,
            note=f"{where}: latency {latency:g}s exceeds the read timeout {read_timeout:g}s "
                 f"(ReadTimeout; {fate})",
            lost=Lost("timeout", f"[octosim] read timeout for {where}: the answer takes "
                                 f"{latency:g}s, the timeout is {read_timeout:g}s"),
        )
    return Fate(
        Processing.AfterWait if failure is None else Processing.Never,
        wait=latency if latency > 0 else None,
        status_rule=failure,
        note=f"{where}: latency {latency:g}s" if latency > 0 else "",
        answer_note=(f"{where}: answered {failure.status} (injected, not processed)"
                     if failure is not None else ""),
    )


def arrive(parts: ServerParts, fate: Fate, request: ApiRequest) -> ApiResponse | None:
    """Carry out the arrival part of ``fate``: handle the request if that happens now
    (returning the response), schedule it if it happens later, journal the note."""
    response = None
    if fate.processing is Processing.Now:
        response = parts.handler(request)
    elif fate.processing is Processing.Later:
        clock = parts.clock
        clock.call_at(clock.now() + fate.delay, lambda: parts.handler(request))
    if fate.note:
        parts.journal.record(parts.clock.now(), Kind.Fault, fate.note)
    return response


def answer(parts: ServerParts, fate: Fate, request: ApiRequest,
           arrived: ApiResponse | None) -> ApiResponse | Lost:
    """Carry out the answering part of ``fate``, once its ``wait`` has passed: return what
    the client gets (``arrived`` is what :func:`arrive` returned)."""
    if fate.lost is not None:
        return fate.lost
    if fate.status_rule is not None:
        parts.journal.record(parts.clock.now(), Kind.Fault, fate.answer_note)
        return fault_response(fate.status_rule)
    if arrived is not None:
        return arrived
    return parts.handler(request)


def deliver(parts: ServerParts, request: ApiRequest,
            read_timeout: float | None) -> ApiResponse | Lost:
    """Serve ``request`` through the fault plan in virtual time; return the answer, or
    :class:`Lost` when a fault swallowed it (after advancing the virtual clock by the time
    the client waited)."""
    fate = decide(parts, request, read_timeout)
    if fate is UNTOUCHED:
        return parts.handler(request)
    arrived = arrive(parts, fate, request)
    if fate.wait is not None:
        parts.clock.sleep(fate.wait)
    return answer(parts, fate, request, arrived)
