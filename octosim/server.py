"""The simulator over real HTTP, for clients that are not Python (PowerShell, curl, Go, ...).

An ASGI application serves one :class:`~octosim.simulation.Simulation` through uvicorn on a
loopback address. Virtual time follows real time at ``rate`` virtual seconds per real second:
before each request the clock is caught up (:meth:`VirtualClock.advance_to`), which is
equivalent to running events on a timer because the simulation is only observed through
requests. Requests are handled one at a time under a lock, so concurrent clients never see
a half-made change and ids are never handed out twice.

HTTP faults from the simulation's fault plan apply here too: error statuses as responses,
latency as a real wait of ``latency / rate`` seconds, and connection errors and read timeouts
as a connection closed without an answer (the nearest thing a server can do).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import unquote

import uvicorn

from octosim.api.messages import ApiRequest, ApiResponse
from octosim.faults import FaultKind
from octosim.journal import Kind
from octosim.simulation import Simulation

__all__ = ["LiveServer", "NonLoopbackError", "SimulatorApp", "check_host"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class NonLoopbackError(ValueError):
    """A host that is not a loopback address, without ``allow_remote``."""


def check_host(host: str, *, allow_remote: bool = False) -> None:
    """Return if ``host`` may be served; raise NonLoopbackError otherwise.

    The simulator accepts any request with its key and has no TLS: exposing it beyond this
    machine is a decision to make explicitly (``--allow-remote``).
    """
    if allow_remote or host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise NonLoopbackError(
            f"refusing to serve on {host!r}: it is not a loopback address. Use 127.0.0.1 "
            "(or ::1), or pass --allow-remote if you really mean to expose the simulator."
        )


class SimulatorApp:
    """An ASGI app serving ``sim`` with its clock following real time at ``rate``."""

    def __init__(self, sim: Simulation, *, rate: float = 1.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        if not rate > 0:
            raise ValueError(f"rate must be a positive number of virtual seconds per second, "
                             f"not {rate!r}")
        self.sim = sim
        self.rate = rate
        self._monotonic = monotonic
        self._t0 = monotonic()
        self._v0 = sim.clock.now()
        self.lock = threading.Lock()  # also for tests that read the model while serving

    def catch_up(self) -> None:
        """Advance the virtual clock to where real time says it should be."""
        self.sim.clock.advance_to(self._v0 + (self._monotonic() - self._t0) * self.rate)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        body = bytearray()
        limit = self.sim.options.max_body_bytes + 1  # one more byte proves it is too big
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            if len(body) < limit:
                body += message.get("body", b"")[: limit - len(body)]
            if not message.get("more_body", False):
                break
        request = ApiRequest(
            method=scope["method"],
            path=unquote(scope["path"]),
            query=_parse_query(scope.get("query_string", b"")),
            headers={k.decode("latin-1").lower(): v.decode("latin-1")
                     for k, v in scope.get("headers", [])},
            body=bytes(body),
        )
        with self.lock:
            self.catch_up()
            sim = self.sim
            decision = sim.faults.decide(request.method, request.path, sim.clock.now(), sim.rng)
            failure = decision.failure
            if decision.latency:
                sim.journal.record(sim.clock.now(), Kind.Fault,
                                   f"latency {decision.latency:g}s on {request.method} "
                                   f"{request.path}")
            response: ApiResponse | None
            if failure is None or failure.kind is FaultKind.ReadTimeout:
                response = sim.handle(request)
            else:
                response = None
            if failure is not None:
                sim.journal.record(sim.clock.now(), Kind.Fault,
                                   f"{failure.kind.value} on {request.method} {request.path}")
                if failure.kind is FaultKind.Status:
                    response = sim.api.fault_response(failure)
                else:
                    response = None  # connection closed without an answer
        if decision.latency:
            await asyncio.sleep(decision.latency / self.rate)
        if response is None:
            # No answer at all: uvicorn closes the connection and the client sees a
            # protocol/connection error, the closest a live server gets to a network fault.
            raise ConnectionAbortedError("octosim fault: connection dropped")
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.items()]
        content = response.content
        headers.append((b"content-length", str(len(content)).encode()))
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        await send({"type": "http.response.body", "body": content})


def _parse_query(raw: bytes) -> tuple[tuple[str, str], ...]:
    from urllib.parse import parse_qsl

    return tuple(parse_qsl(raw.decode("latin-1"), keep_blank_values=True))


@dataclass
class LiveServer:
    """uvicorn serving a simulation on ``host``:``port`` in a background thread.

    ``port=0`` picks a free port (the socket is bound before the thread starts, so
    :attr:`url` is right at once and parallel test workers never collide). Use it as a
    context manager, or call :meth:`start` / :meth:`stop`.
    """

    sim: Simulation
    host: str = "127.0.0.1"
    port: int = 0
    rate: float = 1.0
    allow_remote: bool = False
    log_level: str = "warning"
    app: SimulatorApp = field(init=False)
    _server: uvicorn.Server | None = field(default=None, init=False, repr=False)
    _thread: threading.Thread | None = field(default=None, init=False, repr=False)
    _socket: socket.socket | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        check_host(self.host, allow_remote=self.allow_remote)
        self.app = SimulatorApp(self.sim, rate=self.rate)

    @property
    def url(self) -> str:
        """The base URL clients should use, e.g. ``http://127.0.0.1:51234``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def bind(self) -> socket.socket:
        """Bind the listening socket (idempotent); returns it. Fills in :attr:`port`."""
        if self._socket is None:
            family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self.port))
            sock.listen(128)
            self.port = sock.getsockname()[1]
            self._socket = sock
        return self._socket

    def config(self) -> uvicorn.Config:
        """The uvicorn configuration used to serve the app."""
        return uvicorn.Config(self.app, log_level=self.log_level, lifespan="on",
                              access_log=False, timeout_graceful_shutdown=2)

    def start(self) -> LiveServer:
        """Start serving in a daemon thread; return once it accepts connections."""
        sock = self.bind()
        self._server = uvicorn.Server(self.config())
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True,
            name=f"octosim-serve-{self.port}",
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the octosim live server did not start (see its log)")
            time.sleep(0.005)  # a real server starting: this is real time by nature
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread to end."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
