"""Property "honest", second half: the API key never appears in any message, repr or log."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from restart import (
    RestartError,
    RestartReport,
    RestartTarget,
    TransportFailure,
    octopus_client,
    run_sync,
)
from restart.commands import main
from restart.protocol import Response

SECRET = "API-SECRET0123456789"
TARGET = RestartTarget("Spaces-1", machine_id="Machines-1")


def texts_of(report: RestartReport | None, error: BaseException | None) -> list[str]:
    found: list[str] = []
    if report is not None:
        found += [str(report), repr(report), json.dumps(report.to_dict())]
        found += [repr(line) for line in report.log]
    if error is not None:
        found += [str(error), repr(error), repr(error.args)]
    return found


def run_failing(octopus: Any, clock: Any, kit: Any, server_key: str = SECRET) -> tuple[Any, Any]:
    lines: list[Any] = []
    client = octopus_client(
        kit.BASE_URL, SECRET, transport=httpx.MockTransport(kit.http_handler(octopus, server_key))
    )
    try:
        report = run_sync(client, TARGET, clock=clock.now, sleep=clock.sleep, on_event=lines.append)
        return report, lines
    except RestartError as error:
        return error, lines


SCENARIOS: dict[str, Callable[[Any], object]] = {
    "wrong key (401)": lambda o: None,
    "forbidden (403)": lambda o: o.fail("GET", "/machines", 403),
    "server errors until giving up": lambda o: o.fail("POST", "/tasks", 500, times=99),
    "no answers, ambiguous creates": lambda o: o.fail(
        "POST", "/tasks", TransportFailure("timeout", "no answer"), times=99, act=True
    ),
    "a proxy echoing the key": lambda o: o.fail(
        "GET", "/api", Response(502, {}, None, f"bad gateway for key {SECRET}"), times=99
    ),
    "not restarted": lambda o: setattr(o, "restart_works", False),
}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_key_appears_nowhere(
    scenario: str, octopus: Any, clock: Any, kit: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # httpx's own request logs included
    SCENARIOS[scenario](octopus)
    server_key = "API-SOMETHINGELSE" if scenario.startswith("wrong key") else SECRET
    result, lines = run_failing(octopus, clock, kit, server_key)

    if isinstance(result, RestartError):
        assert result.report is not None
        texts = texts_of(result.report, result)
        if result.__cause__ is not None:
            texts += texts_of(None, result.__cause__)
    else:
        texts = texts_of(result, None)
    texts += [repr(line) for line in lines] + [caplog.text]
    assert texts and not [t for t in texts if SECRET in t or SECRET.lower() in t.lower()]
    assert octopus.http, "the scenario sent nothing"


@pytest.mark.parametrize("extra", [[], ["--json"], ["--api-key", SECRET]])
def test_cli_output_never_shows_the_key(
    extra: list[str], octopus: Any, clock: Any, kit: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    octopus.fail("GET", "/machines", 403)

    def factory(url: str, key: str, policy: Any) -> httpx.Client:
        return octopus_client(
            url, key, transport=httpx.MockTransport(kit.http_handler(octopus, SECRET))
        )

    out, err = io.StringIO(), io.StringIO()
    env = {"OCTOPUS_URL": kit.BASE_URL} | (
        {} if "--api-key" in extra else {"OCTOPUS_API_KEY": SECRET}
    )
    code = main(
        ["run", "Machines-1", *extra], client_factory=factory, env=env, clock=clock.now,
        sleep=clock.sleep, stdout=out, stderr=err,
    )  # fmt: skip
    assert code == 5
    for text in (out.getvalue(), err.getvalue(), caplog.text):
        assert SECRET not in text
    assert octopus.http[0].headers["X-Octopus-ApiKey"] == SECRET  # it was really used


def test_bad_keys_are_not_echoed(octopus: Any, clock: Any, kit: Any) -> None:
    key = "API-SECRET 0123456789"
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["run", "Machines-1", "--json"], env={"OCTOPUS_URL": kit.BASE_URL, "OCTOPUS_API_KEY": key},
        clock=clock.now, sleep=clock.sleep, stdout=out, stderr=err,
    )  # fmt: skip
    assert code == 2
    assert key not in out.getvalue() + err.getvalue()
    assert "SECRET" not in out.getvalue() + err.getvalue()
