"""aiohttp served by an entered simulation, beside a test's own ``aioresponses``.

While a simulation is entered, ``ClientSession._request`` (the one method every aiohttp
request goes through, and the one ``aioresponses`` replaces) answers for every entered
simulation, refuses other non-loopback hosts, and leaves loopback hosts to real aiohttp.
The answers are built by ``aioresponses``, so they are the responses its users know. It is
a plain function rather than an ``aioresponses`` instance because ``aioresponses`` cannot
be nested: a second one (the test's own) fails to start over a first.

A test's own ``aioresponses()`` keeps its routes, matched first, and its strictness for
other URLs, and answers the simulation's URLs from the simulation: its ``match`` is wrapped
while a simulation is entered (aioresponses has no hook for a fallback).

Faults raise what aiohttp raises: ``ClientConnectorError`` for a connection error and
``SocketTimeoutError`` (a ``ServerTimeoutError``, an ``asyncio.TimeoutError``) for a lost
answer, after the client's read timeout (``sock_read``, else ``total``, of the request's
``timeout=``, else the session's, else aiohttp's default) in virtual time.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from contextvars import ContextVar
from typing import Any
from unittest import mock
from urllib.parse import urlencode

import aiohttp
from aioresponses import aioresponses
from aioresponses.compat import merge_params, normalize_url
from aioresponses.core import RequestMatch
from yarl import URL

import octosim.intercept as intercept
from octosim.delivery import Lost
from octosim.intercept.exchange import serve

__all__ = ["patched"]

_session: ContextVar[aiohttp.ClientSession | None] = ContextVar("octosim_aiohttp_session",
                                                                default=None)
_SocketTimeout: type[Exception] = getattr(aiohttp, "SocketTimeoutError",
                                          aiohttp.ServerTimeoutError)


async def _answer(method: str, url: URL,
                  kwargs: Mapping[str, Any]) -> aiohttp.ClientResponse | None:
    """Serve ``url`` from the entered simulation for it; None if there is none."""
    mount = intercept.find(url.scheme, url.host or "", url.port, url.path)
    if mount is None:
        return None
    headers = {k.lower(): v for k, v in (kwargs.get("headers") or {}).items()}
    body = _body(kwargs, headers)
    answer = serve(mount.parts, "aiohttp", method, str(url), headers, body,
                   _read_timeout(kwargs.get("timeout")), mount.prefix)
    if isinstance(answer, Lost):
        if answer.kind == "connect":
            raise aiohttp.ClientConnectorError(_key(url), OSError(111, answer.message))
        raise _SocketTimeout(f"Timeout on reading data from socket {answer.message}")
    content_type = answer.headers.get("content-type", "application/octet-stream")
    route = RequestMatch(url, method=method, status=answer.status, body=answer.content,
                         content_type=content_type, headers=dict(answer.headers))
    response = await route.build_response(url, **kwargs)
    assert isinstance(response, aiohttp.ClientResponse)  # no exception set on the route
    return response


def _key(url: URL) -> Any:
    from aiohttp.client_reqrep import ConnectionKey

    return ConnectionKey(url.host or "", url.port, url.scheme == "https", True, None, None,
                         None)


def _read_timeout(timeout: Any) -> float | None:
    if not isinstance(timeout, aiohttp.ClientTimeout):
        session = _session.get()
        timeout = session.timeout if session is not None else aiohttp.ClientTimeout(total=300)
    value = timeout.sock_read if timeout.sock_read is not None else timeout.total
    return None if value is None else float(value)


def _body(kwargs: Mapping[str, Any], headers: dict[str, str]) -> bytes:
    """Return the request body as aiohttp would send it (``json=``, or ``data=`` as bytes,
    text or a form), setting the content type aiohttp would set."""
    if kwargs.get("json") is not None:
        headers.setdefault("content-type", "application/json")
        return json.dumps(kwargs["json"]).encode()
    data = kwargs.get("data")
    if data is None:
        return b""
    if isinstance(data, bytes | bytearray):
        return bytes(data)
    if isinstance(data, str):
        headers.setdefault("content-type", "text/plain; charset=utf-8")
        return data.encode()
    if isinstance(data, Mapping):
        headers.setdefault("content-type", "application/x-www-form-urlencoded")
        return urlencode(list(data.items())).encode()
    raise TypeError(f"octosim cannot send an aiohttp body of type {type(data).__name__} to "
                    "a simulation; send bytes, text, a dict or json=")


def _matching_simulations(match: Any) -> Any:
    async def match_or_simulation(self: aioresponses, method: str, url: URL,
                                  allow_redirects: bool = True, **kwargs: Any) -> Any:
        response = await match(self, method, url, allow_redirects=allow_redirects, **kwargs)
        if response is None:
            response = await _answer(method, url, kwargs)
        return response

    return match_or_simulation


def _remembering_session(request_mock: Any) -> Any:
    async def request_mock_in_session(self: aioresponses, orig_self: aiohttp.ClientSession,
                                      *args: Any, **kwargs: Any) -> Any:
        token = _session.set(orig_self)
        try:
            return await request_mock(self, orig_self, *args, **kwargs)
        finally:
            _session.reset(token)

    return request_mock_in_session


def _serving_simulations(request: Any) -> Any:
    @functools.wraps(request)
    async def request_or_simulation(self: aiohttp.ClientSession, method: str,
                                    str_or_url: Any, **kwargs: Any) -> Any:
        url = normalize_url(merge_params(self._build_url(str_or_url), kwargs.get("params")))
        if intercept.find(url.scheme, url.host or "", url.port, url.path) is None:
            if intercept.is_loopback(url.host or ""):
                return await request(self, method, str_or_url, **kwargs)
            raise aiohttp.ClientConnectorError(_key(url), OSError(111, intercept.refusal(
                str(url))))
        if self.closed:
            raise RuntimeError("Session is closed")
        kwargs["headers"] = self._prepare_headers(kwargs.get("headers"))
        token = _session.set(self)
        try:
            response = await _answer(method, url, kwargs)
        finally:
            _session.reset(token)
        assert response is not None  # found above
        check = kwargs.get("raise_for_status")
        if check is None:
            check = self._raise_for_status
        if callable(check):
            await check(response)
        elif check:
            response.raise_for_status()
        return response

    return request_or_simulation


@contextmanager
def patched() -> Iterator[None]:
    """Serve entered simulations to aiohttp, beside the test's own aioresponses."""
    with ExitStack() as stack:
        stack.enter_context(mock.patch.object(
            aioresponses, "match", _matching_simulations(aioresponses.match)))
        stack.enter_context(mock.patch.object(
            aioresponses, "_request_mock", _remembering_session(aioresponses._request_mock)))
        stack.enter_context(mock.patch.object(
            aiohttp.ClientSession, "_request",
            _serving_simulations(aiohttp.ClientSession._request)))
        yield
