"""The API key is blanked out in every form a server could echo it (issue 14 #3).

Redaction runs after decoding: a key hidden by JSON's ``\\u`` escapes in the raw text is
plain in the decoded ErrorMessage, and that is what reaches the outcome line, ``error:``,
``--json``, reprs and logs.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from restart import RestartError, RestartTarget, octopus_client, run_sync
from restart.commands import main
from restart.drivers._httpx import REDACTED, secret_pattern

SECRET = "API-SECRET0123456789ABCDEF"
TARGET = RestartTarget("Spaces-1", machine_id="Machines-1")


def json_escaped(text: str) -> str:
    return "".join(f"\\u{ord(c):04x}" for c in text)


def percent(text: str) -> str:
    return "".join(f"%{ord(c):02X}" for c in text)


FORMS: dict[str, Callable[[str], str]] = {
    "plain": lambda s: s,
    "lower case": str.lower,
    "mixed case": str.swapcase,
    "percent-encoded": percent,
    "percent-encoded, lower-case hex": lambda s: percent(s).lower(),
    "quote()": lambda s: quote(s, safe=""),
    "double percent-encoded": lambda s: quote(percent(s), safe=""),
    "HTML references": lambda s: "".join(f"&#{ord(c)};" for c in s),
}


def echoing_server(raw_message: str) -> Callable[[httpx.Request], httpx.Response]:
    """A server that answers everything 400 with ``raw_message`` spliced into the raw JSON
    text of its ErrorMessage (so JSON escapes stay escapes on the wire)."""

    def handler(request: httpx.Request) -> httpx.Response:
        content = '{"ErrorMessage": "Bad key ' + raw_message + '", "Errors": []}'
        return httpx.Response(
            400, content=content.encode(), headers={"Content-Type": "application/json"}
        )

    return handler


def texts_of_run(handler: Callable[[httpx.Request], httpx.Response]) -> list[str]:
    client = octopus_client("http://octopus.test", SECRET, transport=httpx.MockTransport(handler))
    with pytest.raises(RestartError) as caught:
        run_sync(client, TARGET, clock=lambda: 0.0, sleep=lambda s: None)
    error = caught.value
    assert error.report is not None
    report = error.report
    return [str(error), repr(error), str(report), repr(report), json.dumps(report.to_dict())]


@pytest.mark.parametrize("form", [*FORMS, "JSON \\u-escaped"])
def test_an_echoed_key_is_redacted_in_every_form(
    form: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    raw = json_escaped(SECRET) if form.startswith("JSON") else FORMS[form](SECRET)

    texts = [*texts_of_run(echoing_server(raw)), caplog.text]

    assert any(REDACTED in t for t in texts), "the echo did not reach the messages at all"
    pattern = secret_pattern(SECRET)
    assert not [t for t in texts if pattern.search(t) or SECRET.lower() in t.lower()]


def test_the_cli_never_prints_a_json_escaped_echo(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)

    def factory(url: str, key: str, policy: Any) -> httpx.Client:
        handler = echoing_server(json_escaped(SECRET))
        return octopus_client(url, key, transport=httpx.MockTransport(handler))

    for extra in ([], ["--json"]):
        out, err = io.StringIO(), io.StringIO()
        main(
            ["run", "Machines-1", *extra], client_factory=factory,
            env={"OCTOPUS_URL": "http://octopus.test", "OCTOPUS_API_KEY": SECRET},
            clock=lambda: 0.0, sleep=lambda s: None, stdout=out, stderr=err,
        )  # fmt: skip
        for text in (out.getvalue(), err.getvalue(), caplog.text):
            assert SECRET not in text and SECRET.lower() not in text.lower()
        assert REDACTED in out.getvalue() + err.getvalue()


_CHAR_FORMS = st.sampled_from(
    (
        lambda c: c,
        lambda c: c.swapcase(),
        lambda c: f"%{ord(c):02x}",
        lambda c: f"%{ord(c):02X}",
        lambda c: f"%25{ord(c):02X}",
        lambda c: f"\\u{ord(c):04X}",
        lambda c: f"&#{ord(c)};",
        lambda c: f"&#x{ord(c):x};",
    )
)


@given(
    forms=st.lists(_CHAR_FORMS, min_size=len(SECRET), max_size=len(SECRET)),
    before=st.text(max_size=20),
    after=st.text(max_size=20),
)
def test_any_mix_of_forms_is_found(
    forms: list[Callable[[str], str]], before: str, after: str
) -> None:
    echoed = "".join(form(c) for form, c in zip(forms, SECRET, strict=True))
    pattern = secret_pattern(SECRET)
    redacted = pattern.sub(REDACTED, before + echoed + after)
    assert REDACTED in redacted and pattern.search(redacted) is None


def test_a_similar_text_is_left_alone() -> None:
    text = "API-SECRET0123456789ABCDE and API-OTHER"
    assert secret_pattern(SECRET).sub(REDACTED, text) == text
