"""ASGI on the wire: a request's parts as the API reads them, answers, dropped connections.

Requests reach the API exactly as the httpx transport hands them over
(:func:`octosim.transport.to_api_request`): the query as ordered pairs with repeated keys
kept, header names lower-case (repeated headers joined with ``", "``, as ``httpx.Headers``
does).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from octosim.api.messages import ApiResponse

__all__ = ["Dropped", "Message", "Receive", "Scope", "Send", "drop", "read_headers",
           "read_query", "respond"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

#: How long a dropped connection waits for uvicorn to notice it was closed: only a loop
#: iteration or two in practice; the bound keeps a misbehaving server from hanging a request.
_DROP_WAIT = 1.0


def read_query(raw: bytes) -> tuple[tuple[str, str], ...]:
    """Return a raw query string as ordered pairs, as :func:`to_api_request` does."""
    # parse_qsl decodes %XX as UTF-8 and "+" as a space. httpx only ever sends ASCII here;
    # raw UTF-8 bytes (curl with an unencoded URL) decode as UTF-8, as a real server reads
    # them, rather than as U+FFFD.
    if not raw:
        return ()
    return tuple(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))


def read_headers(raw: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    """Return ASGI header pairs as ``httpx.Headers.items()`` would give them."""
    found: dict[str, str] = {}
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
        found[key] = f"{found[key]}, {text}" if key in found else text
    return found


async def respond(send: Send, response: ApiResponse) -> None:
    """Send ``response`` (for HEAD the server sends the headers only, and the length the
    body would have)."""
    content = response.content
    pairs = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.items()]
    pairs.append((b"content-length", str(len(content)).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": pairs})
    await send({"type": "http.response.body", "body": content})


class Dropped(ConnectionAbortedError):
    """Raised when the connection cannot be closed directly (a server other than uvicorn):
    the server then answers 500 or closes, the nearest it offers to a dropped connection."""


async def drop(receive: Receive, send: Send) -> None:
    """Close the connection without an answer (an injected network fault)."""
    # ASGI has no "close without answering" for HTTP. uvicorn's send is a bound method of
    # the request cycle, which holds the connection's transport: closing that is what a
    # network fault looks like. Waiting for the http.disconnect that follows tells uvicorn
    # the client is gone, so it neither logs an error nor tries to send a 500.
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    close = getattr(transport, "close", None)
    if not callable(close):
        raise Dropped("octosim: injected network fault (connection dropped)")
    close()
    try:
        while (await asyncio.wait_for(receive(), _DROP_WAIT))["type"] != "http.disconnect":
            pass
    except TimeoutError:
        pass  # closed all the same; uvicorn may log that no response was sent
