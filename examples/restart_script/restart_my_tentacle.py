"""Restart an Octopus Tentacle through the REST API: a user's own script, written the naive
way (a translation of the well-known PowerShell step), with nothing in it made for tests.

Usage::

    export OCTOPUS_URL=https://octopus.example.com
    export OCTOPUS_API_KEY=API-XXXXXXXXXXXXXXXXXXXXXXXXXXX
    python restart_my_tentacle.py Machines-12

It queues an ad-hoc script that restarts the Tentacle service a few seconds later (detached,
so the task itself can finish), waits for that task, sleeps 30 seconds, then runs health
checks until one succeeds or three minutes have passed. Exit code 0 means "the health check
passed", which, as test_restart_my_tentacle.py shows, is not the same as "it restarted".
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

import httpx

__all__ = ["RESTART_SCRIPT", "main", "restart_tentacle"]

SPACE_ID = "Spaces-1"
#: Sent as is to the Tentacle: a new PowerShell process waits 3 s, then restarts every
#: service matching the pattern (copied from the PowerShell step, its odd space included).
RESTART_SCRIPT = (
    "Start-Process powershell.exe -WorkingDirectory $env:TEMP -ArgumentList "
    "\"-Command \u00a0`\"&{Start-Sleep 3 ; Get-Service 'OctopusDeploy Tentacle:*' | "
    "Restart-Service}`\"\""
)
POLL_SECONDS = 5
WAIT_AFTER_RESTART = 30
HEALTH_TIMEOUT = 180


def _wait(client: httpx.Client, task: dict[str, Any], what: str) -> dict[str, Any]:
    while not task["IsCompleted"]:
        print(f"Waiting for {what} to finish...")
        time.sleep(POLL_SECONDS)
        task = client.get(f"/api/tasks/{task['Id']}").raise_for_status().json()
    return task


def restart_tentacle(client: httpx.Client, machine_id: str) -> bool:
    """Restart the Tentacle of ``machine_id`` and return True once a health check passes
    (False if none did within three minutes, or the restart task failed). Raises
    httpx.HTTPStatusError for an error answer."""
    machine = client.get(f"/api/{SPACE_ID}/machines/{machine_id}").raise_for_status().json()
    name = machine["Name"]
    task = client.post("/api/tasks", json={
        "Name": "AdHocScript",
        "Description": f"Restarting Tentacle on {name} - {machine_id}",
        "SpaceId": SPACE_ID,
        "Arguments": {"MachineIds": [machine_id], "TargetType": "Machines",
                      "Syntax": "Powershell", "ScriptBody": RESTART_SCRIPT},
    }).raise_for_status().json()
    print("Restart initiated")
    task = _wait(client, task, "restart task")
    if task["State"] != "Success":
        print("Restart Tentacle Failed")
        return False
    print("Restart executed")
    time.sleep(WAIT_AFTER_RESTART)

    print("Checking Tentacle is communicating again.")
    started = time.monotonic()
    while True:
        task = client.post(f"/api/{SPACE_ID}/tasks", json={
            "Name": "Health",
            "Description": f"Health check for {name} - {machine_id}",
            "SpaceId": SPACE_ID,
            "Arguments": {"Timeout": "00:01:00", "MachineTimeout": "00:01:00",
                          "EnvironmentId": machine["EnvironmentIds"][0],
                          "MachineIds": [machine_id]},
        }).raise_for_status().json()
        task = _wait(client, task, "health check")
        if task["State"] == "Success":
            print("Tentacle is communicating again.")
            return True
        if time.monotonic() - started >= HEALTH_TIMEOUT:
            print("Tentacle is not communicating again after restart.")
            return False
        print("Health check failed. Checking timeout before creating new health check task.")


def main(argv: list[str] | None = None) -> int:
    """Run the script: 0 when a health check passed, 1 when not, 2 for bad usage."""
    args = sys.argv[1:] if argv is None else argv
    url, key = os.environ.get("OCTOPUS_URL"), os.environ.get("OCTOPUS_API_KEY")
    if len(args) != 1 or not url or not key:
        print("usage: OCTOPUS_URL=... OCTOPUS_API_KEY=... restart_my_tentacle.py MACHINE_ID")
        return 2
    with httpx.Client(base_url=url, headers={"X-Octopus-ApiKey": key}, timeout=30) as client:
        return 0 if restart_tentacle(client, args[0]) else 1


if __name__ == "__main__":
    sys.exit(main())
