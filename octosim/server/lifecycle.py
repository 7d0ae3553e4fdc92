"""The live server's lifecycle: uvicorn on a loopback socket, in a thread or the main one,
stopped by :meth:`LiveServer.stop` or a signal, on a real clock whatever a test patches.

Real time, always: the server's event loop reads the real ``time.monotonic`` captured when
octosim was imported (:data:`~octosim.clock.REAL_MONOTONIC`), not the ``time`` module's
attribute, so a request made inside ``octosim.timepatch.virtual_time(...)`` (which patches
it for the test's code) can never make the server's timers, keep-alive or shutdown wait on
virtual time.

Connections (see docs/serve.md, *Limits*):

- ``keep_alive``: how long an idle kept-alive connection stays open, 130 s by default as
  Kestrel's. The server holds it :data:`KEEP_ALIVE_GRACE` longer than it says, so a client
  that polls at exactly the keep-alive interval never races the close;
- ``idle_timeout``: a connection that goes silent while the client owes the server data (no
  request yet, or half a request) is closed after this many seconds, 30 s by default as
  Kestrel's request-headers timeout. The server's own waits (latency, a read-timeout fault)
  never count against it.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType, TracebackType
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from octosim.clock import REAL_MONOTONIC
from octosim.options import DEFAULT_IDLE_TIMEOUT, DEFAULT_KEEP_ALIVE
from octosim.server.app import SimulatorApp
from octosim.server.hosts import bare_host, check_host
from octosim.simulation import Simulation

__all__ = ["KEEP_ALIVE_GRACE", "SHUTDOWN_GRACE", "LiveServer"]

#: How much longer than ``keep_alive`` an idle connection is really held.
KEEP_ALIVE_GRACE = 1.0
#: Seconds a stopping server waits for requests in flight (a held read-timeout fault) to end.
SHUTDOWN_GRACE = 0.5
#: How long :meth:`LiveServer.start` waits for uvicorn to be ready.
_START_TIMEOUT = 10.0

_pause = threading.Event()  # never set: its wait() is a real-time sleep whatever is patched


class _RealTimeLoop(asyncio.SelectorEventLoop):
    """An event loop on the real clock: patching ``time.monotonic`` does not reach it."""

    def time(self) -> float:
        return REAL_MONOTONIC()


class _Protocol(H11Protocol):
    """uvicorn's h11 protocol with a read timeout on connections the client leaves silent."""

    idle_timeout = DEFAULT_IDLE_TIMEOUT
    _idle_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._idle_timer is not None:
            self._idle_timer.cancel()
        super().connection_lost(exc)

    def _arm(self) -> None:
        if self._idle_timer is not None:
            self._idle_timer.cancel()
        self._idle_timer = self.loop.call_later(self.idle_timeout, self._expire)

    def _expire(self) -> None:
        self._idle_timer = None
        if self.transport.is_closing() or self.timeout_keep_alive_task is not None:
            return  # closed already, or idle between requests: keep-alive's business
        cycle: Any = self.cycle  # None until a request's headers are complete
        if cycle is not None and not cycle.more_body and not cycle.response_complete:
            return  # the whole request is in: the client waits for the server, not it
        self.logger.info("octosim: closed a connection silent for %gs in the middle of a "
                         "request", self.idle_timeout)
        self.transport.close()


@dataclass
class LiveServer:
    """uvicorn serving a simulation on ``host``:``port``.

    ``port=0`` picks a free port (the socket is bound before serving starts, so :attr:`url`
    is right at once and parallel test workers never collide). Use it as a context manager
    or :meth:`start` / :meth:`stop` to serve from a background thread, or :meth:`run` to
    serve in the calling thread until a signal (what ``octosim serve`` does).

    ``keep_alive`` and ``idle_timeout``: real seconds, see the module docstring.
    ``log_config``: False leaves the process's logging alone (uvicorn's messages go to the
    root logger, where pytest captures them); True installs uvicorn's console logging.

    Raises NonLoopbackError for a non-loopback ``host`` without ``allow_remote`` (before
    anything is bound), ValueError for a bad ``rate``, ``keep_alive`` or ``idle_timeout``.
    """

    sim: Simulation
    host: str = "127.0.0.1"
    port: int = 0
    rate: float = 1.0
    allow_remote: bool = False
    log_level: str = "warning"
    log_config: bool = False
    keep_alive: float = DEFAULT_KEEP_ALIVE
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT
    app: SimulatorApp = field(init=False, repr=False)
    stopped_by: int | None = field(default=None, init=False)
    _server: uvicorn.Server | None = field(default=None, init=False, repr=False)
    _thread: threading.Thread | None = field(default=None, init=False, repr=False)
    _socket: socket.socket | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        check_host(self.host, allow_remote=self.allow_remote)
        for name in ("keep_alive", "idle_timeout"):
            value = getattr(self, name)
            if not (value > 0 and value != float("inf")):
                raise ValueError(f"{name} must be a positive, finite number of seconds, "
                                 f"not {value!r}")
        self.host = bare_host(self.host.strip())
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
            # Scripts the simulation runs call the server back at Octopus.Web.BaseUrl: here.
            self.sim.deploy.server_uri = self.url
        return self._socket

    def config(self) -> uvicorn.Config:
        """The uvicorn configuration used to serve the app."""
        extra: dict[str, Any] = {} if self.log_config else {"log_config": None}
        protocol = type("OctosimProtocol", (_Protocol,), {"idle_timeout": self.idle_timeout})
        return uvicorn.Config(
            self.app, http=protocol, log_level=self.log_level, lifespan="on",
            access_log=False, date_header=False,  # the app's Date is the virtual clock's
            timeout_keep_alive=self.keep_alive + KEEP_ALIVE_GRACE,  # type: ignore[arg-type]
            timeout_graceful_shutdown=SHUTDOWN_GRACE,  # type: ignore[arg-type]
            **extra,
        )

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
            target=_serve, args=(server, sock), daemon=True, name=f"octosim-serve-{self.port}",
        )
        self._thread.start()
        deadline = REAL_MONOTONIC() + _START_TIMEOUT
        while not server.started:
            if not self._thread.is_alive() or REAL_MONOTONIC() > deadline:
                self.stop()
                raise RuntimeError("the octosim live server did not start (see its log)")
            _pause.wait(0.002)  # a real server starting: real time by nature
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
            self.app.release()

        signals = (signal.SIGINT, signal.SIGTERM)
        previous = {sig: signal.signal(sig, stop_on) for sig in signals} if main else {}
        try:
            if on_ready is not None:
                on_ready()
            _serve(server, sock)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self._close()
        return self.stopped_by

    def stop(self) -> None:
        """Stop serving: wait for the server thread to end (a fraction of a second, at most
        about 3 s for a misbehaving app), or tell :meth:`run` to return."""
        server, thread = self._server, self._thread
        if server is not None:
            server.should_exit = True
            self.app.release()
        if thread is None and server is not None:
            return  # serving in run(), in another thread: run() cleans up as it returns
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2)
            if thread.is_alive() and server is not None:
                server.force_exit = True  # stop waiting for connections to finish
                thread.join(timeout=1)
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


def _serve(server: uvicorn.Server, sock: socket.socket) -> None:
    # uvicorn.Server.run with a loop of our own: one on the real clock.
    with asyncio.Runner(loop_factory=_RealTimeLoop) as runner:
        runner.run(server.serve(sockets=[sock]))
