"""urllib3 (and so ``requests``) served by an entered simulation.

Why this seam, and not a mocking library: ``responses`` and ``requests-mock`` replace
requests' adapter and never reach urllib3; urllib3 has no official mock; the socket-level
libraries (``mocket``, ``httpretty``) fake a byte stream that the simulation would have to
parse again. One level below the pool is the narrowest seam that serves both libraries:
each pool builds its connections with the documented ``ConnectionCls`` attribute, and for a
simulation's host (or any host that is not loopback) it gets a :class:`SimulatedConnection`
that answers from the simulation instead of a socket. Everything above it is urllib3's and
requests' own code: retries (``Retry``), timeouts, redirects, ``MaxRetryError`` caused by
``NewConnectionError``, requests' ``ConnectionError`` / ``ReadTimeout``.

The connection reads the client's read timeout where urllib3 sets it (``conn.timeout``
just before ``getresponse``): a fault that loses the answer costs that many virtual seconds.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError
from urllib3.response import HTTPResponse
from urllib3.util.timeout import Timeout

import octosim.intercept as intercept
from octosim.delivery import Lost
from octosim.intercept.exchange import serve
from octosim.requestlog import Client

__all__ = ["SimulatedConnection", "SimulatedHTTPSConnection", "caller", "patched"]

#: The library on whose behalf urllib3 is sending ("requests" while requests' adapter sends).
caller: ContextVar[Client] = ContextVar("octosim_caller", default="urllib3")


class SimulatedConnection(HTTPConnection):
    """An ``http://`` connection answered by the entered simulation for its host: a
    request is held by ``request()`` and answered by ``getresponse()``; no socket is ever
    opened."""

    scheme = "http"

    _pending: tuple[intercept.Mounted, str, str, dict[str, str], bytes, bool, bool, bool] | None = (
        None)

    def connect(self) -> None:
        """Nothing to connect: the simulation is in this process."""

    @property
    def is_closed(self) -> bool:
        return False

    @property
    def is_connected(self) -> bool:
        return True

    @property
    def has_connected_to_proxy(self) -> bool:
        return False

    def close(self) -> None:
        self._pending = None

    def request(  # type: ignore[override]  # urllib3's own signature, as urllib3 overrides
        self, method: str, url: str, body: Any = None,
        headers: Mapping[str, str] | None = None, *, chunked: bool = False,
        preload_content: bool = True, decode_content: bool = True,
        enforce_content_length: bool = True,
    ) -> None:
        """Hold the request for :meth:`getresponse`. Raises NewConnectionError, with a
        message saying what to do, when no entered simulation serves its URL."""
        scheme, host, path = self.scheme, self.host, url
        port: int | None = self.port
        if not url.startswith("/"):  # absolute: sent through a proxy, whose host this is
            parts = urlsplit(url)
            scheme, host, port = parts.scheme, parts.hostname or "", parts.port
            path = parts.path + (f"?{parts.query}" if parts.query else "")
        full = f"{scheme}://{_netloc(host, port, scheme)}{path}"
        mount = intercept.find(scheme, host, port, path.split("?", 1)[0])
        if mount is None:
            if intercept.mounted():
                raise NewConnectionError(self, intercept.refusal(full))
            raise NewConnectionError(self, (
                f"[octosim] {full}: this connection was opened to a simulation inside "
                "`with sim:` and used after the block ended; make the request inside it"))
        lowered = {k.lower(): v for k, v in (headers or {}).items()}
        self._pending = (mount, method, full, lowered, _body_bytes(body), preload_content,
                         decode_content, enforce_content_length)

    def getresponse(self) -> HTTPResponse:  # type: ignore[override]  # as urllib3's own
        """Serve the held request. Raises NewConnectionError for a connect fault and
        ``TimeoutError`` (which urllib3 turns into ReadTimeoutError) for a lost answer."""
        if self._pending is None:
            raise RuntimeError("getresponse() before request()")
        mount, method, url, headers, body, preload, decode, enforce = self._pending
        self._pending = None
        read_timeout = Timeout.resolve_default_timeout(self.timeout)
        answer = serve(mount.parts, caller.get(), method, url, headers, body,
                       None if read_timeout is None else float(read_timeout), mount.prefix)
        if isinstance(answer, Lost):
            if answer.kind == "connect":
                raise NewConnectionError(self, "Failed to establish a new connection: "
                                         f"[Errno 111] Connection refused {answer.message}")
            raise TimeoutError(f"timed out {answer.message}")
        content = answer.content
        response_headers = dict(answer.headers)
        response_headers["content-length"] = str(len(content))
        return HTTPResponse(
            body=io.BytesIO(content), headers=response_headers, status=answer.status,
            version=11, version_string="HTTP/1.1", reason=_reason(answer.status),
            preload_content=preload, decode_content=decode,
            enforce_content_length=enforce, request_method=method, request_url=url,
        )


class SimulatedHTTPSConnection(SimulatedConnection, HTTPSConnection):
    """An ``https://`` connection answered by the entered simulation for its host."""

    scheme = "https"
    is_verified = True  # nothing to verify: no certificate, no warning


def _netloc(host: str, port: int | None, scheme: str) -> str:
    host = f"[{host}]" if ":" in host else host
    default = 443 if scheme == "https" else 80
    return host if port in (None, default) else f"{host}:{port}"


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _body_bytes(body: Any) -> bytes:
    """Return a request body as urllib3 would send it: str as UTF-8, files read,
    iterables of chunks joined."""
    if body is None:
        return b""
    if isinstance(body, bytes | bytearray | memoryview):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    if hasattr(body, "read"):
        return _body_bytes(body.read())
    if isinstance(body, Iterable):
        return b"".join(_body_bytes(chunk) for chunk in body)
    raise TypeError(f"cannot send a request body of type {type(body).__name__}")


def _connection_factory(real: Callable[..., Any], simulated: type[SimulatedConnection],
                        scheme: str) -> Any:
    def make(host: str, port: int | None = None, **kwargs: Any) -> Any:
        # Loopback servers that are not a simulation (a live octosim, a test's own server)
        # get real sockets; every other host a simulated connection, which answers for an
        # entered simulation and refuses, saying why, for anything else.
        if intercept.is_loopback(host) and intercept.find(scheme, host, port) is None:
            return real(host, port, **kwargs)
        return simulated(host, port, **kwargs)

    return staticmethod(make)


@contextmanager
def patched() -> Iterator[None]:
    """Give urllib3's pools simulated connections until the block ends."""
    saved = (HTTPConnectionPool.ConnectionCls, HTTPSConnectionPool.ConnectionCls)
    # A static method in the class attribute: urllib3 calls ``self.ConnectionCls(...)``.
    HTTPConnectionPool.ConnectionCls = _connection_factory(
        saved[0], SimulatedConnection, "http")
    HTTPSConnectionPool.ConnectionCls = _connection_factory(
        saved[1], SimulatedHTTPSConnection, "https")
    try:
        yield
    finally:
        HTTPConnectionPool.ConnectionCls, HTTPSConnectionPool.ConnectionCls = saved
