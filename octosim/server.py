"""The simulator over real HTTP, for clients that are not Python (PowerShell, curl, Go, ...).

:class:`SimulatorApp` is an ASGI application serving one
:class:`~octosim.simulation.Simulation`; :class:`LiveServer` runs it with uvicorn on a
loopback address, in a background thread (tests) or the calling thread (``octosim serve``).

Time: virtual time follows real time at ``rate`` virtual seconds per real second, counted
from when the server starts. Before each request the clock is caught up
(:meth:`VirtualClock.advance_to`), which is equivalent to running events on a timer because
the simulation is only observed through requests.

Concurrency: uvicorn runs the app on one event loop, and each request is handled
synchronously under :attr:`SimulatorApp.lock`, so concurrent clients never see a half-made
change and ids are never handed out twice. The lock also lets a test thread read the model
while the server runs.

Requests reach the API exactly as the httpx transport hands them over
(:func:`octosim.transport.to_api_request`): the path percent-decoded once, the query as
ordered pairs with repeated keys kept, header names lower-case (repeated headers joined with
``", "``, as ``httpx.Headers`` does), and the whole body. A body over
``ServerOptions.max_body_bytes`` is passed on whole, so the API answers its 400 with the true
size; only a body over :data:`BODY_CEILING` (far above any real request) is refused here with
a 413 and the connection closed, so one client cannot make the server buffer without limit.

Faults from the simulation's fault plan mean what they mean through the transport
(:mod:`octosim.delivery`), as closely as a real socket allows:

- latency L: a real wait of ``L / rate`` seconds, then the request is processed (at the
  virtual time it is then), so other clients are served meanwhile;
- ``Status``: that status and the Octopus error body (``Retry-After`` when the rule sets
  one), after any latency, without processing the request;
- ``ConnectError``: the connection is closed at once without an answer and the request is
  not processed. A server cannot refuse a connection it has accepted, so the client sees
  "server disconnected" (``httpx.RemoteProtocolError``, a ``TransportError``), not a
  connection refusal;
- ``ReadTimeout``: the request is processed, then the connection stays silent for
  ``ServerOptions.default_read_timeout / rate`` real seconds and is closed without an
  answer. A client whose read timeout is shorter sees its own read timeout, as through the
  transport; one that waits longer sees the connection dropped.
"""

from __future__ import annotations

import asyncio
import ipaddress
import signal
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass, field
from types import FrameType, TracebackType
from typing import Any
from urllib.parse import parse_qsl

import uvicorn

from octosim.api.errors import error_response
from octosim.api.messages import ApiRequest, ApiResponse
from octosim.faults import NO_FAULT, Decision, FaultKind
from octosim.journal import Kind
from octosim.simulation import Simulation

__all__ = ["BODY_CEILING", "LiveServer", "NonLoopbackError", "SimulatorApp", "check_host"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

#: The most request body bytes the server buffers (64 MiB). Anything up to it goes to the
#: API, which applies ``max_body_bytes`` itself; beyond it the server answers 413 and closes.
#: Real Octopus servers (Kestrel) refuse bodies over about 30 MB the same way.
BODY_CEILING = 64 * 1024 * 1024

#: How long a dropped connection waits for uvicorn to notice it was closed: only a loop
#: iteration or two in practice; the bound keeps a misbehaving server from hanging a request.
_DROP_WAIT = 1.0


class NonLoopbackError(ValueError):
    """A host that is not a loopback address, without ``allow_remote``."""


def _bare(host: str) -> str:
    # "[::1]" is how an IPv6 address is written in a URL; accept it as a host too.
    return host[1:-1] if host.startswith("[") and host.endswith("]") else host


def check_host(host: str, *, allow_remote: bool = False) -> None:
    """Return if ``host`` may be served; raise NonLoopbackError otherwise.

    Loopback means ``localhost`` or an address in 127.0.0.0/8 or ``::1``. The simulator
    accepts any request with its key and has no TLS: exposing it beyond this machine is a
    decision to make explicitly (``--allow-remote`` / ``allow_remote=True``). Never resolves
    or contacts ``host``.
    """
    bare = _bare(host.strip())
    if allow_remote or bare.lower() == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(bare).is_loopback
    except ValueError:
        loopback = False  # a host name: resolving it could give anything, so refuse it
    if not loopback:
        raise NonLoopbackError(
            f"refusing to serve on {host!r}: it is not a loopback address. Use 127.0.0.1 "
            "(or ::1, or localhost), or pass --allow-remote (allow_remote=True) if you "
            "really mean to expose the simulator, which has no TLS, beyond this machine."
        )


@dataclass(frozen=True)
class _Plan:
    """What to do after the locked part of a request: wait ``wait`` real seconds; then, if
    ``later`` is set, process the request (or answer its Status fault) as it says; else
    answer ``response`` (its bytes are ``content``), or drop the connection if there is none.
    """

    response: ApiResponse | None = None
    content: bytes = b""
    wait: float = 0.0
    later: Decision | None = None  # latency first, then process or answer the fault


class SimulatorApp:
    """An ASGI app serving ``sim`` with its clock following real time at ``rate``.

    ``monotonic`` is the real clock, kept as :attr:`monotonic` (replaceable, so tests of
    the catch-up need no real waiting). ``body_ceiling``: see :data:`BODY_CEILING`.

    Raises ValueError for a rate that is not a positive finite number.
    """

    def __init__(self, sim: Simulation, *, rate: float = 1.0,
                 monotonic: Callable[[], float] = time.monotonic,
                 body_ceiling: int = BODY_CEILING) -> None:
        if not (rate > 0 and rate != float("inf")):
            raise ValueError(f"rate must be a positive number of virtual seconds per real "
                             f"second, not {rate!r}")
        self.sim = sim
        self.rate = rate
        self.body_ceiling = max(body_ceiling, sim.options.max_body_bytes + 1)
        self.monotonic = monotonic
        self.lock = threading.Lock()  # also for tests that read the model while serving
        self._t0 = 0.0
        self._v0 = 0.0
        self.anchor()

    def anchor(self) -> None:
        """Make virtual time follow real time from now on (from the current virtual time).
        Called when the server starts, so time spent before serving does not count."""
        with self.lock:
            self._t0 = self.monotonic()
            self._v0 = self.sim.clock.now()

    def catch_up(self) -> None:
        """Advance the virtual clock to where real time says it should be, running every
        event due by then. Call it with :attr:`lock` held."""
        self.sim.clock.advance_to(self._v0 + (self.monotonic() - self._t0) * self.rate)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)
        # Anything else (websocket) is not served: returning makes the server refuse it.

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.anchor()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    # -- one request ---------------------------------------------------------------------
    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await self._read_body(receive)
        if body is None:
            return  # the client went away before sending its whole request
        if isinstance(body, int):
            await self._too_large(scope, body, send)
            return
        request = ApiRequest(
            method=scope["method"],
            # Already percent-decoded once by the server, as httpx's URL.path is.
            path=scope["path"],
            query=_query(scope.get("query_string", b"")),
            headers=_headers(scope.get("headers", ())),
            body=body,
        )
        plan = self._begin(request)
        if plan.later is not None:
            await asyncio.sleep(plan.wait)
            plan = self._finish(request, plan.later)
        elif plan.wait:
            await asyncio.sleep(plan.wait)
        if plan.response is None:
            await _drop(receive, send)
        else:
            await _respond(send, plan.response, plan.content)

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

    async def _too_large(self, scope: Scope, size: int, send: Send) -> None:
        where = f"{scope['method']} {scope['path']}"
        with self.lock:
            self.sim.journal.record(
                self.sim.clock.now(), Kind.Note,
                f"{where}: refused a body of over {self.body_ceiling} bytes (413, not "
                "processed, connection closed)",
            )
        response = error_response(
            413, "The request body is too large.",
            [f"This server reads request bodies of at most {self.body_ceiling} bytes; the "
             f"body was larger (at least {size} bytes)."],
            headers={"connection": "close"},
        )
        await _respond(send, response, response.content)

    def _begin(self, request: ApiRequest) -> _Plan:
        """The part of a request that happens when it arrives, under the lock."""
        sim = self.sim
        with self.lock:
            self.catch_up()
            decision = sim.faults.decide(request.method, request.path, sim.clock.now(),
                                         sim.rng)
            if decision is NO_FAULT:  # the hot path: no rule applies
                response = sim.handle(request)
                return _Plan(response, response.content)
            where = f"{request.method.upper()} {request.path}"
            failure = decision.failure
            if failure is not None and failure.kind is FaultKind.ConnectError:
                self._note(where, "connection dropped (injected ConnectError, not processed)")
                return _Plan()
            if failure is not None and failure.kind is FaultKind.ReadTimeout:
                wait = sim.options.default_read_timeout
                sim.handle(request)  # processed: only the answer is lost
                self._note(where, f"answer lost (injected ReadTimeout: silent for {wait:g}s, "
                                  "then dropped; processed)")
                return _Plan(wait=wait / self.rate)
            # Latency, maybe followed by a Status answer: both happen after the wait.
            if decision.latency > 0:
                self._note(where, f"latency {decision.latency:g}s")
            return _Plan(wait=decision.latency / self.rate, later=decision)

    def _finish(self, request: ApiRequest, decision: Decision) -> _Plan:
        """The part of a delayed request that happens once its latency has passed."""
        sim = self.sim
        with self.lock:
            self.catch_up()
            failure = decision.failure
            if failure is not None:  # a Status rule: answered without processing
                self._note(f"{request.method.upper()} {request.path}",
                           f"answered {failure.status} (injected, not processed)")
                response = sim.api.fault_response(failure)
            else:
                response = sim.handle(request)
            return _Plan(response, response.content)

    def _note(self, where: str, text: str) -> None:
        # Worded as octosim.delivery's notes, so timelines read alike on every edge.
        self.sim.journal.record(self.sim.clock.now(), Kind.Fault, f"{where}: {text}")


def _query(raw: bytes) -> tuple[tuple[str, str], ...]:
    # As to_api_request: parse_qsl decodes %XX as UTF-8 and "+" as a space. httpx only ever
    # sends ASCII here; raw UTF-8 bytes (curl with an unencoded URL) decode as UTF-8, as a
    # real server reads them, rather than as U+FFFD.
    if not raw:
        return ()
    return tuple(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))


def _headers(raw: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in raw:
        key = name.decode("latin-1").lower()  # h11 lower-cases names; other servers may not
        if value.isascii():
            text = value.decode("latin-1")  # the same as ASCII here, and the fastest codec
        else:
            # httpx.Headers tries UTF-8 then Latin-1 for non-ASCII values; so do we.
            try:
                text = value.decode("utf-8")
            except UnicodeDecodeError:
                text = value.decode("latin-1")
        # Repeated headers read as one comma-joined value, as httpx.Headers.get gives them.
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    return headers


async def _respond(send: Send, response: ApiResponse, content: bytes) -> None:
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.items()]
    headers.append((b"content-length", str(len(content)).encode()))
    # For HEAD the server sends the headers only (and the length the body would have).
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": content})


class _Dropped(ConnectionAbortedError):
    """Raised when the connection cannot be closed directly (a server other than uvicorn):
    the server then answers 500 or closes, the nearest it offers to a dropped connection."""


async def _drop(receive: Receive, send: Send) -> None:
    """Close the connection without an answer (an injected network fault)."""
    # ASGI has no "close without answering" for HTTP. uvicorn's send is a bound method of
    # the request cycle, which holds the connection's transport: closing that is what a
    # network fault looks like. Waiting for the http.disconnect that follows tells uvicorn
    # the client is gone, so it neither logs an error nor tries to send a 500.
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    close = getattr(transport, "close", None)
    if not callable(close):
        raise _Dropped("octosim: injected network fault (connection dropped)")
    close()
    try:
        while (await asyncio.wait_for(receive(), _DROP_WAIT))["type"] != "http.disconnect":
            pass
    except TimeoutError:
        pass  # closed all the same; uvicorn may log that no response was sent


@dataclass
class LiveServer:
    """uvicorn serving a simulation on ``host``:``port``.

    ``port=0`` picks a free port (the socket is bound before serving starts, so :attr:`url`
    is right at once and parallel test workers never collide). Use it as a context manager
    or :meth:`start` / :meth:`stop` to serve from a background thread, or :meth:`run` to
    serve in the calling thread until a signal (what ``octosim serve`` does).

    ``log_config``: False leaves the process's logging alone (uvicorn's messages go to the
    root logger, where pytest captures them); True installs uvicorn's console logging.

    Raises NonLoopbackError for a non-loopback ``host`` without ``allow_remote`` (before
    anything is bound), ValueError for a bad ``rate``.
    """

    sim: Simulation
    host: str = "127.0.0.1"
    port: int = 0
    rate: float = 1.0
    allow_remote: bool = False
    log_level: str = "warning"
    log_config: bool = False
    app: SimulatorApp = field(init=False, repr=False)
    stopped_by: int | None = field(default=None, init=False)
    _server: uvicorn.Server | None = field(default=None, init=False, repr=False)
    _thread: threading.Thread | None = field(default=None, init=False, repr=False)
    _socket: socket.socket | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        check_host(self.host, allow_remote=self.allow_remote)
        self.host = _bare(self.host.strip())
        self.app = SimulatorApp(self.sim, rate=self.rate)

    @property
    def url(self) -> str:
        """The base URL clients should use, e.g. ``http://127.0.0.1:51234``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def api_key(self) -> str:
        """The API key the simulation accepts (send it as ``X-Octopus-ApiKey``)."""
        return self.sim.api_key or ""

    def bind(self) -> socket.socket:
        """Bind and listen (idempotent); return the socket. Fills in :attr:`port`.

        Raises OSError when the address cannot be bound (``errno.EADDRINUSE`` for a port in
        use).
        """
        if self._socket is None:
            found = socket.getaddrinfo(self.host, self.port, type=socket.SOCK_STREAM,
                                       flags=socket.AI_PASSIVE)
            # "localhost" may list ::1 first; IPv4 is what every client tries for it.
            found.sort(key=lambda info: info[0] != socket.AF_INET)
            family, kind, proto, _, address = found[0]
            sock = socket.socket(family, kind, proto)
            try:
                # Rebinding a port in TIME_WAIT after a restart; never a port in active use.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind(address)
                sock.listen(128)
            except OSError:
                sock.close()
                raise
            self.port = sock.getsockname()[1]
            self._socket = sock
        return self._socket

    def config(self) -> uvicorn.Config:
        """The uvicorn configuration used to serve the app."""
        extra: dict[str, Any] = {} if self.log_config else {"log_config": None}
        # A held connection (a ReadTimeout fault) must not keep a stopping server waiting
        # long: 2 s, then uvicorn cancels what is left.
        return uvicorn.Config(self.app, log_level=self.log_level, lifespan="on",
                              access_log=False, timeout_graceful_shutdown=2, **extra)

    def start(self) -> LiveServer:
        """Start serving in a daemon thread; return once it accepts connections.

        Raises RuntimeError if it is already serving or does not start within 10 s,
        OSError if the address cannot be bound.
        """
        if self._server is not None:
            raise RuntimeError("this LiveServer is already serving; stop() it first")
        sock = self.bind()
        server = self._server = uvicorn.Server(self.config())
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, daemon=True,
            name=f"octosim-serve-{self.port}",
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the octosim live server did not start (see its log)")
            time.sleep(0.005)  # a real server starting: this is real time by nature
        return self

    def run(self, *, on_ready: Callable[[], object] | None = None) -> int | None:
        """Serve in the calling thread until :meth:`stop`, or SIGINT / SIGTERM when called
        from the main thread; return the signal that stopped it (None for :meth:`stop`).

        ``on_ready`` is called once the socket listens and the signal handlers are in place
        (connections made from then on wait for the server, they are not refused), which is
        the moment to tell clients where to connect. Raises OSError if the address cannot be
        bound, RuntimeError if it is already serving.
        """
        if self._server is not None:
            raise RuntimeError("this LiveServer is already serving; stop() it first")
        sock = self.bind()
        server = self._server = uvicorn.Server(self.config())
        self.stopped_by = None
        main = threading.current_thread() is threading.main_thread()

        def stop_on(sig: int, frame: FrameType | None) -> None:
            # Installed before serving so a signal that comes early is not lost; uvicorn
            # installs its own while it serves, and afterwards re-raises what it caught
            # with this one in place again, which lands here: a clean return, exit code 0.
            self.stopped_by = sig
            server.should_exit = True

        signals = (signal.SIGINT, signal.SIGTERM)
        previous = {sig: signal.signal(sig, stop_on) for sig in signals} if main else {}
        try:
            if on_ready is not None:
                on_ready()
            server.run(sockets=[sock])
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self._close()
        return self.stopped_by

    def stop(self) -> None:
        """Stop serving: wait (at most about 10 s) for the server thread to end, or tell
        :meth:`run` to return."""
        server, thread = self._server, self._thread
        if server is not None:
            server.should_exit = True
        if thread is None and server is not None:
            return  # serving in run(), in another thread: run() cleans up as it returns
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=8)
            if thread.is_alive() and server is not None:
                server.force_exit = True  # stop waiting for connections to finish
                thread.join(timeout=2)
        self._close()

    def _close(self) -> None:
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
