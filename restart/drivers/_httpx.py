"""Conversions between the sans-IO vocabulary and httpx, shared by both httpx drivers."""

from __future__ import annotations

import html
import json
import logging
import random
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import unquote

import httpx

from restart.drivers.loop import logging_sink
from restart.errors import ConfigurationError
from restart.policy import RestartPolicy
from restart.procedure import RestartProcedure
from restart.protocol import Response, Send, TransportFailure
from restart.report import Progress
from restart.target import RestartTarget

__all__ = [
    "API_KEY_HEADER",
    "REDACTED",
    "check_client",
    "failure_for",
    "procedure_for",
    "redact_json",
    "redactor",
    "request_kwargs",
    "secret_pattern",
    "to_response",
]

API_KEY_HEADER = "X-Octopus-ApiKey"
REDACTED = "API-***"
_log = logging.getLogger("restart.http")


def check_client(client: httpx.Client | httpx.AsyncClient) -> str:
    """Return the client's base URL (the Octopus server root) for task links.

    Raises ConfigurationError when the client has no base URL: request paths are relative.
    """
    base = str(client.base_url)
    if not base:
        raise ConfigurationError(
            "the httpx client has no base_url; create it with base_url=<Octopus server URL> "
            f"and headers={{'{API_KEY_HEADER}': <key>}} (see restart.client)"
        )
    return base


def procedure_for(
    client: httpx.Client | httpx.AsyncClient,
    target: RestartTarget,
    policy: RestartPolicy | None,
    rng: random.Random | None,
    on_event: Callable[[Progress], None] | None,
    wall_clock: Callable[[], datetime] | None = None,
) -> RestartProcedure:
    """Return the procedure both httpx drivers run: task links on the client's base URL
    (ConfigurationError without one), progress to ``on_event`` and the ``restart`` logger."""
    return RestartProcedure(
        target,
        policy,
        rng=rng,
        web_base_url=check_client(client),
        on_progress=logging_sink(on_event),
        wall_clock=wall_clock,
    )


def secret_pattern(secret: str) -> re.Pattern[str]:
    """Return a pattern that finds ``secret`` in every form an echo may take: any letter
    case, and each character as itself, percent-encoded (once or twice), JSON-escaped
    (``\\u0041``) or as an HTML character reference (``&#65;``, ``&#x41;``), in any mix."""
    parts = []
    for char in secret:
        code = ord(char)
        parts.append(
            "(?:"
            + "|".join(
                (
                    re.escape(char),
                    f"%(?:25)?{code:02x}",
                    f"\\\\u{code:04x}",
                    f"&#0*{code};",
                    f"&#x0*{code:x};",
                )
            )
            + ")"
        )
    return re.compile("".join(parts), re.IGNORECASE)


def redactor(client: httpx.Client | httpx.AsyncClient) -> Callable[[str], str]:
    """Return a function that blanks the client's API key out of a text, in every form
    :func:`secret_pattern` finds.

    The procedure never holds the key, but a proxy or a misconfigured server could echo it
    in an error page; every text an answer brings in passes through this first.
    """
    secret = client.headers.get(API_KEY_HEADER, "")
    if len(secret) < 4:  # nothing worth hiding; replacing "" would corrupt every text
        return lambda text: text
    pattern = secret_pattern(secret)
    folded = secret.casefold()

    def redact(text: str) -> str:
        # The pattern tries five forms at every position: about 50 ns a character. Most
        # answers hold no form of the key, and plain string operations tell that first.
        if folded not in _decoded(text).casefold():
            return text
        return pattern.sub(REDACTED, text)

    return redact


_JSON_ESCAPE = re.compile(r"\\u([0-9a-f]{4})", re.IGNORECASE)


def _decoded(text: str) -> str:
    # Undo every encoding secret_pattern knows (each one only if its marker is there): any
    # form of the key, in any mix, is then the key itself in some letter case.
    if "\\" in text:
        text = _JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    if "&" in text:
        text = html.unescape(text)
    if "%" in text:
        text = unquote(unquote(text))
    return text


def redact_json(value: object, redact: Callable[[str], str]) -> object:
    """Return the decoded JSON ``value`` with ``redact`` applied to every string in it,
    names included: what JSON escaping hid in the raw text is plain once decoded."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [redact_json(item, redact) for item in value]
    if isinstance(value, dict):
        return {redact(str(k)): redact_json(v, redact) for k, v in value.items()}
    return value


def request_kwargs(send: Send) -> dict[str, Any]:
    """Return the keyword arguments of ``client.request`` for ``send``."""
    request = send.request
    # None, not {}, without a content type: httpx merges even an empty dict into a copy.
    headers = {"Content-Type": request.content_type} if request.content_type else None
    return {
        "method": request.method,
        "url": request.path,
        # None, not []: httpx re-parses the whole URL to merge even an empty params list.
        "params": list(request.params) or None,
        "content": None if request.json is None else json.dumps(request.json).encode(),
        "headers": headers,
        "timeout": send.timeout,
    }


def to_response(send: Send, answer: httpx.Response, redact: Callable[[str], str] = str) -> Response:
    """Return the sans-IO Response for an httpx response (JSON parsed when it parses), with
    ``redact`` applied to the headers, the raw text and every decoded JSON string."""
    # One pass over httpx.Headers (each lookup in it re-scans and re-decodes every header);
    # its names are lower-case already, and repeated ones are joined as Headers.get joins them.
    raw_headers = dict(answer.headers.items())
    raw = _body_text(answer, raw_headers.get("content-type", ""))
    body: object | None = None
    if raw.strip():
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
    text = redact(raw)
    # Redact after decoding. When the raw text holds no form of the key (the pattern knows
    # its JSON escapes), no decoded string can: skip walking every answer.
    if body is not None and text != raw:
        body = redact_json(body, redact)
    if _log.isEnabledFor(logging.DEBUG):  # describe() formats the request: only when logged
        _log.debug("%s -> %s", send.request.describe(), answer.status_code)
    headers = {k: redact(v) for k, v in raw_headers.items()}
    return Response(answer.status_code, headers, body, text)


def _body_text(answer: httpx.Response, content_type: str) -> str:
    # JSON is UTF-8 (RFC 8259 §8.1), so a JSON answer that names no other charset is decoded
    # directly: .text would look the charset up by parsing the Content-Type header with
    # email.message, about 5% of a whole restart's time under the simulator. Anything else
    # (a proxy's HTML error page, a declared UTF-16) is decoded as its Content-Type says.
    content_type = content_type.lower()
    if "json" in content_type and ("charset" not in content_type or "utf-8" in content_type):
        return answer.content.decode("utf-8-sig", "replace")  # -sig: tolerate a BOM
    return answer.text


def failure_for(
    send: Send, exc: httpx.RequestError, redact: Callable[[str], str] = str
) -> TransportFailure:
    """Return the TransportFailure for an httpx request error.

    ConnectError/ConnectTimeout -> ``connect``; Read/Write/PoolTimeout -> ``timeout``;
    anything else -> ``other``.
    """
    kind: Any
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        kind = "connect"
    elif isinstance(exc, httpx.TimeoutException):
        kind = "timeout"
    else:
        kind = "other"
    message = redact(str(exc) or type(exc).__name__)
    _log.debug("%s -> %s error: %s", send.request.describe(), kind, message)
    return TransportFailure(kind, message)
