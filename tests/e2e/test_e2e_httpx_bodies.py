"""How the httpx drivers read answer bodies (``restart.drivers._httpx.to_response``).

JSON answers are decoded as UTF-8 without httpx's charset lookup (a measurable share of a
simulated restart); anything else must still be decoded as its Content-Type says, and the
API key is blanked out either way.
"""

from __future__ import annotations

import httpx
import pytest

from restart.drivers._httpx import request_kwargs, to_response
from restart.protocol import Request, Send

SEND = Send(Request("GET", "/api/Spaces-1/tasks/ServerTasks-1"), 30.0)
KEY = "API-SECRET0000000000000000"


def redact(text: str) -> str:
    return text.replace(KEY, "API-***")


@pytest.mark.parametrize(
    ("content_type", "raw"),
    [
        ("application/json; charset=utf-8", '{"Name": "Café"}'.encode()),
        ("application/json", '{"Name": "Café"}'.encode()),
        ("application/json", b"\xef\xbb\xbf" + '{"Name": "Café"}'.encode()),  # a BOM
        ("application/json; charset=utf-16", '{"Name": "Café"}'.encode("utf-16")),
    ],
)
def test_json_bodies(content_type: str, raw: bytes) -> None:
    answer = httpx.Response(200, content=raw, headers={"Content-Type": content_type})
    response = to_response(SEND, answer, redact)
    assert response.json == {"Name": "Café"}


def test_non_json_bodies_use_their_charset_and_are_redacted() -> None:
    page = f"<p>Bad gateway ({KEY}) — café</p>"
    answer = httpx.Response(
        502, content=page.encode("latin-1", "replace"),
        headers={"Content-Type": "text/html; charset=iso-8859-1"},
    )  # fmt: skip
    response = to_response(SEND, answer, redact)
    assert response.json is None
    assert "café" in response.text and KEY not in response.text and "API-***" in response.text


def test_json_bodies_are_redacted_before_parsing() -> None:
    answer = httpx.Response(401, json={"ErrorMessage": f"key {KEY} is wrong"})
    response = to_response(SEND, answer, redact)
    assert response.json == {"ErrorMessage": "key API-*** is wrong"}


def test_params_only_when_there_are_some() -> None:
    assert request_kwargs(SEND)["params"] is None
    listed = Send(Request("GET", "/api/Spaces-1/tasks", (("take", "30"),)), 30.0)
    assert request_kwargs(listed)["params"] == [("take", "30")]
