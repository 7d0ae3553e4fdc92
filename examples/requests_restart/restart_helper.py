"""Restart an Octopus Tentacle with ``requests``: an in-house helper of the usual kind.

Usage::

    export OCTOPUS_URL=https://octopus.example.com
    export OCTOPUS_API_KEY=API-XXXXXXXXXXXXXXXXXXXXXXXXXXX
    python restart_helper.py Machines-12

It queues an ad-hoc script that restarts the Tentacle service a few seconds later, polls
that task, waits for the service to come back, then runs health checks until one passes or
the health window closes. GETs are retried on 502/503/504 and connection errors by
urllib3's ``Retry`` (POSTs are not: a lost answer may still have queued a task). Nothing in
it was written for tests.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

__all__ = ["RESTART_SCRIPT", "main", "open_session", "restart_tentacle"]

SPACE_ID = "Spaces-1"
#: A detached restart: the task finishes before the service stops.
RESTART_SCRIPT = (
    "Start-Process powershell.exe -ArgumentList \"-Command `\"&{Start-Sleep 3 ; "
    "Get-Service 'OctopusDeploy Tentacle*' | Restart-Service}`\"\""
)
POLL_SECONDS = 5.0
SETTLE_SECONDS = 30.0
HEALTH_WINDOW = 180.0
TIMEOUT = (5.0, 30.0)  # connect, read


def open_session(url: str, api_key: str) -> requests.Session:
    """Return a session for ``url`` with the key and a retry policy for idempotent calls."""
    session = requests.Session()
    session.headers["X-Octopus-ApiKey"] = api_key
    retry = Retry(total=4, backoff_factor=1, status_forcelist=[502, 503, 504])
    session.mount(url, HTTPAdapter(max_retries=retry))
    return session


def _task(session: requests.Session, url: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = session.post(f"{url}/api/tasks", json=body, timeout=TIMEOUT)
    answer.raise_for_status()
    return dict(answer.json())


def _wait(session: requests.Session, url: str, task: dict[str, Any]) -> dict[str, Any]:
    while not task["IsCompleted"]:
        time.sleep(POLL_SECONDS)
        answer = session.get(f"{url}/api/tasks/{task['Id']}", timeout=TIMEOUT)
        answer.raise_for_status()
        task = answer.json()
    return task


def restart_tentacle(session: requests.Session, url: str, machine_id: str) -> bool:
    """Restart the Tentacle of ``machine_id``; return True once a health check passes,
    False if the restart task failed or no check passed within the health window.
    Raises requests.RequestException when the server cannot be reached or says no."""
    answer = session.get(f"{url}/api/{SPACE_ID}/machines/{machine_id}", timeout=TIMEOUT)
    answer.raise_for_status()
    machine = answer.json()
    restart = _wait(session, url, _task(session, url, {
        "Name": "AdHocScript", "SpaceId": SPACE_ID,
        "Description": f"Restart Tentacle on {machine['Name']}",
        "Arguments": {"MachineIds": [machine_id], "TargetType": "Machines",
                      "Syntax": "PowerShell", "ScriptBody": RESTART_SCRIPT},
    }))
    if restart["State"] != "Success":
        print(f"restart task {restart['Id']} ended {restart['State']}")
        return False
    time.sleep(SETTLE_SECONDS)
    deadline = time.monotonic() + HEALTH_WINDOW
    while time.monotonic() < deadline:
        check = _wait(session, url, _task(session, url, {
            "Name": "Health", "SpaceId": SPACE_ID,
            "Description": f"Health check for {machine['Name']}",
            "Arguments": {"MachineIds": [machine_id], "Timeout": "00:01:00",
                          "MachineTimeout": "00:01:00",
                          "EnvironmentId": machine["EnvironmentIds"][0]},
        }))
        if check["State"] == "Success":
            print(f"{machine['Name']} is healthy again")
            return True
    print(f"{machine['Name']} did not pass a health check within {HEALTH_WINDOW:g}s")
    return False


def main(argv: list[str] | None = None) -> int:
    """0: healthy again; 1: not; 2: bad usage; 3: the server could not be reached or
    refused a request."""
    args = sys.argv[1:] if argv is None else argv
    url, key = os.environ.get("OCTOPUS_URL", "").rstrip("/"), os.environ.get("OCTOPUS_API_KEY")
    if len(args) != 1 or not url or not key:
        print("usage: OCTOPUS_URL=... OCTOPUS_API_KEY=... restart_helper.py MACHINE_ID")
        return 2
    try:
        with open_session(url, key) as session:
            return 0 if restart_tentacle(session, url, args[0]) else 1
    except requests.RequestException as error:
        print(f"Octopus request failed: {type(error).__name__}: {error}")
        return 3


if __name__ == "__main__":
    sys.exit(main())
