"""The API layer's own request and response: plain data, no httpx.

The transport converts httpx requests into :class:`ApiRequest`; the direct driver builds them
itself and reads :attr:`ApiResponse.data` without ever serialising JSON, which is what makes
Monte Carlo runs through the real routes cheap.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from octosim.api.redact import MASK, is_key_name

__all__ = ["JSON_CONTENT_TYPE", "ApiRequest", "ApiResponse", "encode_json"]

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
# orjson writes the same compact bytes as ``json.dumps(value, separators=(",", ":"))`` for
# every value the routes build (text is UTF-8 rather than \u-escaped, as the real server
# writes it), about ten times faster: serialising answers was a fifth of a simulated
# restart's cost. What orjson refuses (an int beyond 64 bits, a non-str key, a cycle from a
# user route, a lone surrogate it cannot write as UTF-8) goes to the standard library,
# which answers (\u-escaped) or raises as it always did. That encoder skips the
# circular-reference check: our trees are built afresh, and a cycle still fails, as a
# RecursionError instead of a ValueError.
_ENCODER = json.JSONEncoder(separators=(",", ":"), check_circular=False)


def encode_json(value: Any) -> bytes:
    """Return ``value`` as compact UTF-8 JSON bytes (what every JSON response body is)."""
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        return _ENCODER.encode(value).encode()


@dataclass(frozen=True, repr=False)
class ApiRequest:
    """One request as the API sees it.

    ``path`` is percent-decoded and has no query; ``query`` keeps repeated keys in order;
    ``headers`` has lower-case names. Its repr shows no header values and no value of a
    key-like query parameter, so a failing test that prints a request never prints a key.
    """

    method: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    def header(self, name: str, default: str | None = None) -> str | None:
        """Return header ``name`` (any case), or ``default``."""
        return self.headers.get(name.lower(), default)

    def __repr__(self) -> str:
        query = [(k, MASK if is_key_name(k) else v) for k, v in self.query]
        return (
            f"ApiRequest({self.method!r}, {self.path!r}, query={query!r}, "
            f"headers={sorted(self.headers)!r}, body=<{len(self.body)} bytes>)"
        )


class ApiResponse:
    """One response. ``data`` is the JSON value before serialisation (None for non-JSON)."""

    __slots__ = ("_content", "data", "headers", "status")

    def __init__(
        self,
        status: int,
        data: Any = None,
        *,
        text: str | None = None,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
    ) -> None:
        # ``content``: ``data`` already serialised (a render cache hands both over), so
        # the bytes are not computed again; it must be exactly ``data`` as JSON.
        self.status = status
        self.data = data
        self._content: bytes | None = content
        if text is not None:
            self.headers: dict[str, str] = dict(headers or {})
            self.headers.setdefault("content-type", "text/plain; charset=utf-8")
            self._content = text.encode()
        elif headers:
            self.headers = dict(headers)
            self.headers.setdefault("content-type", JSON_CONTENT_TYPE)
        else:  # most answers: JSON and nothing else to say
            self.headers = {"content-type": JSON_CONTENT_TYPE}

    @property
    def content(self) -> bytes:
        """The body bytes (JSON is serialised on first access only). A plain slot, not a
        cached_property, which on Python 3.11 takes a lock on every first read."""
        content = self._content
        if content is None:
            content = self._content = encode_json(self.data)
        return content

    def __repr__(self) -> str:
        return f"ApiResponse({self.status}, {self.headers.get('content-type')!r})"
