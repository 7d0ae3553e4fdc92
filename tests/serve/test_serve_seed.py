"""The seed script's exact request sequence (shared/seed/restart-tentacle.ps1), sent over a
real socket by httpx as Windows PowerShell 5.1's ``Invoke-RestMethod`` sends it.

What PowerShell puts on the wire, and so what these requests carry:

- its own ``User-Agent``, the ``X-Octopus-ApiKey`` header of ``$header``, ``Expect:
  100-continue`` on a POST with a body (.NET's default) and ``Connection: Keep-Alive``;
- ``-ContentType "application/json"`` on the first POST and on every GET (a GET with a
  content type and no body);
- the second POST (the health check) passes no ``-ContentType``: for a string body
  ``Invoke-RestMethod`` then declares ``application/x-www-form-urlencoded``;
- bodies as ``ConvertTo-Json`` writes them: four-space indents, two spaces after a colon,
  CRLF line ends, and ``'``, ``&``, ``<``, ``>`` and non-ASCII escaped as ``\\uXXXX``.

Virtual time runs 1000 times faster than real time, so the script's ``Start-Sleep 5`` is a
5 ms real wait here and the whole flow takes well under a second.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx

from octosim.journal import Kind
from octosim.model.scripts import SEED_SCRIPT_BODY
from octosim.server import LiveServer
from octosim.simulation import Simulation

ServerFactory = Callable[..., LiveServer]  # the ``serve`` fixture (conftest.py)

RATE = 1000.0
SPACE, MACHINE, MACHINE_NAME, ENVIRONMENT = "Spaces-1", "Machines-1", "web-01", "Environments-1"
POWERSHELL_UA = "Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1.19041.4291"
FORM = "application/x-www-form-urlencoded"
#: The longest the flow may take in real time before the test gives up (a hung server).
REAL_DEADLINE = 20.0


def convertto_json(value: Any, depth: int = 0) -> str:
    """Return ``value`` as Windows PowerShell 5.1's ``ConvertTo-Json`` formats it."""
    pad = "    " * (depth + 1)
    if isinstance(value, dict):
        items = [f'{pad}"{k}":  {convertto_json(v, depth + 1)}' for k, v in value.items()]
        return "{\r\n" + ",\r\n".join(items) + "\r\n" + "    " * depth + "}"
    if isinstance(value, list):
        items = [pad + convertto_json(v, depth + 1) for v in value]
        return "[\r\n" + ",\r\n".join(items) + "\r\n" + "    " * depth + "]"
    text = json.dumps(value)  # ensure_ascii: non-ASCII as \uXXXX, as the serializer does
    for char in "'&<>":
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text


class ManualRealClock:
    """The server's "real" clock, advanced by the test: Start-Sleep moves it instead of
    waiting, so the flow runs over real sockets without sleeping in real time."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


REAL = ManualRealClock()


def sleep_virtual(seconds: float) -> None:
    """``Start-Sleep`` in the script's virtual seconds: advance the server's real clock by
    the real seconds that take at ``RATE``."""
    REAL.t += seconds / RATE


def test_the_seed_request_sequence_restarts_a_named_instance(serve: ServerFactory) -> None:
    sim = Simulation.from_scenario("named-instance", seed=1)
    server = serve(sim, rate=RATE)
    server.app.clock.real = REAL
    server.app.anchor()  # virtual time now follows the manual clock, from here
    agent = sim.world.machines[MACHINE].agent
    assert agent is not None and agent.instance.starts == 0
    sent: list[httpx.Request] = []
    client = httpx.Client(base_url=server.url, timeout=10,
                          event_hooks={"request": [sent.append]})
    # Only what PowerShell sends: drop httpx's own Accept / Accept-Encoding / User-Agent.
    client.headers = httpx.Headers({"User-Agent": POWERSHELL_UA, "Connection": "Keep-Alive"})
    key = {"X-Octopus-ApiKey": server.api_key}
    json_type = {"Content-Type": "application/json"}
    deadline = time.monotonic() + REAL_DEADLINE

    def invoke(method: str, path: str, headers: dict[str, str],
               body: str | None = None) -> dict[str, Any]:
        # Invoke-RestMethod: any non-2xx answer throws, which here fails the test.
        assert time.monotonic() < deadline, "the seed flow did not finish in time"
        content = None if body is None else body.encode("utf-8")
        response = client.request(method, path, headers=headers, content=content)
        assert response.is_success, (response.status_code, response.text)
        assert response.headers["content-type"] == "application/json; charset=utf-8"
        return dict(response.json())

    script_task_body = convertto_json({
        "Name": "AdHocScript",
        "Description": f"Restarting Tentacle on {MACHINE_NAME} - {MACHINE}",
        "SpaceId": SPACE,
        "Arguments": {"MachineIds": [MACHINE], "TargetType": "Machines",
                      "Syntax": "Powershell", "ScriptBody": SEED_SCRIPT_BODY},
    })
    post_json = {**key, **json_type, "Expect": "100-continue"}
    with client:
        task = invoke("POST", "/api/tasks", post_json, script_task_body)
        restart_id = task["Id"]
        task = invoke("GET", f"/api/tasks/{restart_id}", {**key, **json_type})
        assert task["Links"]["Web"] == f"/app#/{SPACE}/tasks/{restart_id}"
        while task["IsCompleted"] is False:
            sleep_virtual(5)
            task = invoke("GET", f"/api/tasks/{task['Id']}", {**key, **json_type})
        assert task["State"] == "Success", task
        sleep_virtual(30)

        health_check_body = convertto_json({
            "Name": "Health",
            "Description": f"Health check for {MACHINE_NAME} - {MACHINE}",
            "SpaceId": SPACE,
            "Arguments": {"Timeout": "00:01:00", "MachineTimeout": "00:01:00",
                          "EnvironmentId": ENVIRONMENT, "MachineIds": [MACHINE]},
        })
        started = sim.clock.now()
        health_ids = []
        while True:  # do { ... } while ($sw.Elapsed.TotalSeconds -lt $timeout)
            task = invoke("POST", f"/api/{SPACE}/tasks",
                          {**key, "Content-Type": FORM, "Expect": "100-continue"},
                          health_check_body)
            health_ids.append(task["Id"])
            while task["IsCompleted"] is False:
                sleep_virtual(5)
                task = invoke("GET", f"/api/tasks/{task['Id']}", {**key, **json_type})
            if task["State"] == "Success" or sim.clock.now() - started >= 180:
                break

    assert task["State"] == "Success", sim.timeline()
    # What crossed the wire is the seed's sequence: POST, GET, GET..., then POST, GET...
    # for each health check.
    calls = [(r.method, r.url.path) for r in sent]
    assert calls[:2] == [("POST", "/api/tasks"), ("GET", f"/api/tasks/{restart_id}")]
    assert ("POST", f"/api/{SPACE}/tasks") in calls
    assert {r.headers.get("content-type") for r in sent if r.url.path == f"/api/{SPACE}/tasks"} \
        == {FORM}
    # The server really saw a form-declared JSON body and accepted it, as real servers do.
    notes = [e.text for e in sim.journal.entries(kind=Kind.Note)]
    assert any(f"accepted a JSON body sent as {FORM}" in n for n in notes), notes
    with server.app.lock:  # the model is read while the server may still be serving
        assert agent.instance.starts == 1  # the named instance really restarted
        request_lines = [e.text for e in sim.journal.entries(kind=Kind.Request)]
    assert request_lines[0] == "POST /api/tasks → 201"
    assert f"POST /api/{SPACE}/tasks → 201" in request_lines
    assert all(line.endswith(("→ 200", "→ 201")) for line in request_lines), request_lines
    # Virtual time followed real time: the polls slept 5 s each and the wait was 30 s.
    assert sim.clock.now() >= 30 + 5
