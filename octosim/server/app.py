"""The ASGI application: one :class:`~octosim.simulation.Simulation` over real HTTP.

Time: virtual time follows real time at ``rate`` virtual seconds per real second, counted
from when the server starts (:class:`~octosim.clock.PacedClock`). Before each request the
clock is caught up, which is equivalent to running events on a timer because the simulation
is only observed through requests.

Concurrency: uvicorn runs the app on one event loop, and each request is handled
synchronously under :attr:`SimulatorApp.lock`, so concurrent clients never see a half-made
change and ids are never handed out twice. The lock also lets a test thread read the model
while the server runs.

A body over ``ServerOptions.max_body_bytes`` is passed on whole, so the API answers its 400
with the true size; only a body over :data:`BODY_CEILING` (far above any real request) is
refused here with a 413 and the connection closed, so one client cannot make the server
buffer without limit.

Faults: the same decision as in-process (:func:`octosim.delivery.decide`, its docstring has
the semantics), carried out in real time, as closely as a real socket allows:

- a wait of ``wait`` virtual seconds is a real wait of ``wait / rate`` seconds outside the
  lock, so other clients are served meanwhile; ``Retry-After`` is scaled the same way;
- ``ConnectError``: the connection is closed at once without an answer. A server cannot
  refuse a connection it has accepted, so the client sees "server disconnected"
  (``httpx.RemoteProtocolError``, a ``TransportError``), not a connection refusal;
- ``ReadTimeout``: the request is processed, then the connection stays silent for
  ``ServerOptions.default_read_timeout / rate`` real seconds and is closed without an
  answer (a server cannot know its client's timeout).

HTTP hygiene the server itself (uvicorn's h11) lets through: a request with both
``Content-Length`` and ``Transfer-Encoding`` is answered 400 and the connection closed
(RFC 9112 §6.1: the two framings disagree, and reading on would let a second request be
smuggled in the body); a method that is not upper case (``get``) is answered 501, since
method names are case-sensitive (RFC 9110 §9.1) and ``get`` is not ``GET``.
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
from collections.abc import Callable

from octosim.api.errors import error_response
from octosim.api.messages import ApiRequest, ApiResponse
from octosim.clock import REAL_MONOTONIC, ClockError, PacedClock
from octosim.delivery import UNTOUCHED, Fate, Lost, answer, arrive, decide
from octosim.journal import Kind
from octosim.server.wire import Receive, Scope, Send, drop, read_headers, read_query, respond
from octosim.simulation import Simulation

__all__ = ["BODY_CEILING", "LOG", "SimulatorApp"]

#: The most request body bytes the server buffers (64 MiB). Anything up to it goes to the
#: API, which applies ``max_body_bytes`` itself; beyond it the server answers 413 and closes.
#: Real Octopus servers (Kestrel) refuse bodies over about 30 MB the same way.
BODY_CEILING = 64 * 1024 * 1024

#: Each request served is logged here at INFO (``octosim serve -v`` shows them).
LOG = logging.getLogger("octosim.serve")


class SimulatorApp:
    """An ASGI app serving ``sim`` with its clock following real time at ``rate``.

    ``real`` is the real clock pacing it (the real ``time.monotonic``, captured at import, so
    a test's patched time never reaches it; replaceable, so tests of the pacing need no real
    waiting). ``body_ceiling``: see :data:`BODY_CEILING`.

    Raises ClockError (a ValueError) for a rate that is not a positive finite number.
    """

    def __init__(self, sim: Simulation, *, rate: float = 1.0,
                 real: Callable[[], float] = REAL_MONOTONIC,
                 body_ceiling: int = BODY_CEILING) -> None:
        self.sim = sim
        #: The simulation's clock, paced by real time (``clock.rate``).
        self.clock = PacedClock(sim.clock, rate=rate, real=real)
        self.body_ceiling = max(body_ceiling, sim.options.max_body_bytes + 1)
        self.lock = threading.Lock()  # also for tests that read the model while serving
        #: Why the simulation cannot go on (its clock refused an instant that never ends),
        #: once that happened; every request is then answered 500 at once.
        self.stuck: str | None = None
        # Set when the server stops: requests held by a fault's wait end at once (dropped)
        # instead of keeping the stop waiting. Made on the serving loop, at startup.
        self._stopping: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def rate(self) -> float:
        """Virtual seconds per real second."""
        return self.clock.rate

    def anchor(self) -> None:
        """Make virtual time follow real time from now on (from the current virtual time).
        Called when the server starts, so time spent before serving does not count."""
        with self.lock:
            self.clock.anchor()

    def catch_up(self) -> None:
        """Advance the virtual clock to where real time says it should be, running every
        event due by then. Call it with :attr:`lock` held. Raises ClockError when the
        simulation is stuck at one instant."""
        self.clock.catch_up()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)
        # Anything else (websocket) is not served: returning makes the server refuse it.

    def release(self) -> None:
        """End the waits of requests held by a fault (latency, a read-timeout silence) at
        once, dropping their connections: the server is stopping. Safe from any thread."""
        loop, stopping = self._loop, self._stopping
        if loop is not None and stopping is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stopping.set)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self._loop, self._stopping = asyncio.get_running_loop(), asyncio.Event()
                self.anchor()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    # -- one request ---------------------------------------------------------------------
    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await self._admit(scope, receive, send)
        if body is None:
            return
        request = ApiRequest(
            method=scope["method"],
            # Already percent-decoded once by the server, as httpx's URL.path is.
            path=scope["path"],
            query=read_query(scope.get("query_string", b"")),
            headers=read_headers(scope.get("headers", ())),
            body=body,
        )
        fate, arrived = self._arrive(request)
        if isinstance(arrived, ApiResponse) and fate is UNTOUCHED:
            given: ApiResponse | Lost = arrived  # the hot path: no fault, nothing to wait for
        elif fate.wait is not None:
            if not await self._wait(self.clock.real_seconds(fate.wait)):
                await drop(receive, send)  # the server is stopping
                return
            given = self._answer(request, fate, arrived)
        else:
            given = self._answer(request, fate, arrived)
        if isinstance(given, Lost):
            LOG.info("%s %s → dropped (injected %s) at %.3fs (virtual)", request.method,
                     request.path, given.kind, self.sim.clock.now())
            await drop(receive, send)
            return
        LOG.info("%s %s → %d at %.3fs (virtual)", request.method, request.path, given.status,
                 self.sim.clock.now())
        await respond(send, given)

    async def _admit(self, scope: Scope, receive: Receive, send: Send) -> bytes | None:
        """Return the request's whole body, or None when the server answered the request
        itself (a refusal) or the client went away before sending all of it."""
        refusal = self._refusal(scope)
        if refusal is None:
            body = await self._read_body(receive)
            if body is None or not isinstance(body, int):
                return body
            refusal = self._too_large(scope, body)
        LOG.info("%s %s → %d (refused by the server) at %.3fs (virtual)", scope["method"],
                 scope["path"], refusal.status, self.sim.clock.now())
        await respond(send, refusal)
        return None

    async def _wait(self, seconds: float) -> bool:
        """Wait ``seconds`` real seconds; return False if the server stopped meanwhile."""
        if self._stopping is None:  # served without lifespan events: nothing can release it
            await asyncio.sleep(seconds)
            return True
        try:
            await asyncio.wait_for(self._stopping.wait(), seconds)
        except TimeoutError:
            return True
        return False

    def _arrive(self, request: ApiRequest) -> tuple[Fate, ApiResponse | None]:
        """The part of a request that happens when it arrives, under the lock."""
        with self.lock:
            if self.stuck is None:
                try:
                    self.catch_up()
                    fate = decide(self.sim.parts, request, None, over_socket=True)
                    return fate, arrive(self.sim.parts, fate, request)
                except ClockError as exc:
                    self._get_stuck(exc)
            return UNTOUCHED, self._stuck_response()

    def _answer(self, request: ApiRequest, fate: Fate,
                arrived: ApiResponse | None) -> ApiResponse | Lost:
        """The part of a request that happens once its wait has passed, under the lock."""
        with self.lock:
            if self.stuck is None:
                try:
                    self.catch_up()
                    given = answer(self.sim.parts, fate, request, arrived)
                except ClockError as exc:
                    self._get_stuck(exc)
                else:
                    return self._scaled_retry_after(fate, given)
            return self._stuck_response()

    def _scaled_retry_after(self, fate: Fate, given: ApiResponse | Lost) -> ApiResponse | Lost:
        # Retry-After is in virtual seconds; the client counts real ones, as it does the
        # latency: scaled alike, a faulty scenario served fast behaves as it does in-process.
        rule = fate.status_rule
        if (rule is None or rule.retry_after is None or isinstance(given, Lost)
                or "retry-after" not in given.headers):
            return given
        given.headers["retry-after"] = str(math.ceil(self.clock.real_seconds(rule.retry_after)))
        return given  # a fresh answer for this request alone: changing it is safe

    def _get_stuck(self, exc: ClockError) -> None:
        self.stuck = str(exc)
        self.sim.journal.record(self.sim.clock.now(), Kind.Note,
                                f"the simulation is stuck and serves no more: {exc}")
        LOG.error("octosim: the simulation is stuck and serves no more: %s", exc)

    def _stuck_response(self) -> ApiResponse:
        return error_response(
            500, "The simulated server is stuck and cannot serve requests.",
            [self.stuck or "", "Fix the scenario (a zero duration or interval that repeats "
                               "for ever) and restart the server."],
        )

    def _refusal(self, scope: Scope) -> ApiResponse | None:
        """Return the answer to a request the server must not serve, or None."""
        method: str = scope["method"]
        where = f"{method} {scope['path']}"
        if method != method.upper():
            self._note(where, "refused: method names are case-sensitive (501)")
            return error_response(
                501, f"The method {method!r} is not implemented.",
                [f"HTTP method names are case-sensitive: {method!r} is not "
                 f"{method.upper()!r}. Send the method in upper case."],
            )
        names = {name.lower() for name, _ in scope.get("headers", ())}
        if b"content-length" in names and b"transfer-encoding" in names:
            self._note(where, "refused: both Content-Length and Transfer-Encoding (400, "
                              "connection closed)")
            return error_response(
                400, "The request has both Content-Length and Transfer-Encoding.",
                ["A request may give its body's length one way only (RFC 9112 §6.1). Send "
                 "Content-Length or Transfer-Encoding, not both."],
                headers={"connection": "close"},
            )
        return None

    def _note(self, where: str, text: str) -> None:
        with self.lock:
            self.sim.journal.record(self.sim.clock.now(), Kind.Note, f"{where}: {text}")

    async def _read_body(self, receive: Receive) -> bytes | int | None:
        """Return the whole body; its size (an int) if it is over the ceiling; None if the
        client disconnected."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk: bytes = message.get("body", b"")
            if chunk:
                size += len(chunk)
                if size > self.body_ceiling:
                    return size  # answer now rather than read (and discard) the rest
                chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def _too_large(self, scope: Scope, size: int) -> ApiResponse:
        self._note(f"{scope['method']} {scope['path']}",
                   f"refused a body of over {self.body_ceiling} bytes (413, not processed, "
                   "connection closed)")
        return error_response(
            413, "The request body is too large.",
            [f"This server reads request bodies of at most {self.body_ceiling} bytes; the "
             f"body was larger (at least {size} bytes)."],
            headers={"connection": "close"},
        )
