"""Wait for an Octopus server task to complete: a small tool that has nothing to do with
Tentacle restarts, for a CI job that queued a deployment or a runbook and must wait for it.

Usage::

    export OCTOPUS_URL=https://octopus.example.com
    export OCTOPUS_API_KEY=API-XXXXXXXXXXXXXXXXXXXXXXXXXXX
    python wait_for_task.py ServerTasks-123 --timeout 600

Exit codes: 0 the task succeeded, 1 it ended in another state (Failed, Canceled, TimedOut),
2 bad usage, 3 the timeout passed before it completed. Transient answers (429 and 5xx,
connection errors, read timeouts) are retried until the timeout; anything else (a wrong
key, a task that does not exist) fails at once.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

import httpx

__all__ = ["TaskWaitTimeout", "main", "wait_for_task"]

#: Answers worth asking again: the server is busy or briefly unwell.
TRANSIENT_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


class TaskWaitTimeout(Exception):
    """The task had not completed when the timeout passed; ``task`` is its last state seen
    (None if it was never read)."""

    def __init__(self, task_id: str, timeout: float, task: dict[str, Any] | None) -> None:
        self.task = task
        state = task["State"] if task else "unknown"
        super().__init__(f"{task_id} did not complete within {timeout:g} s (last seen: {state})")


def wait_for_task(client: httpx.Client, task_id: str, *, timeout: float = 600.0,
                  interval: float = 5.0) -> dict[str, Any]:
    """Poll ``task_id`` every ``interval`` seconds until it completes; return the task
    resource (its ``State`` says how it ended).

    Raises TaskWaitTimeout when ``timeout`` seconds pass first, httpx.HTTPStatusError for
    an answer that is an error and not transient (401, 403, 404, ...).
    """
    deadline = time.monotonic() + timeout
    task: dict[str, Any] | None = None
    while True:
        wait = interval
        try:
            response = client.get(f"/api/tasks/{task_id}")
        except httpx.TransportError:
            response = None  # the network blinked: ask again next time
        if response is not None and response.status_code in TRANSIENT_STATUSES:
            # The server says when to come back: never sooner than it asks.
            wait = max(interval, float(response.headers.get("Retry-After", 0)))
        elif response is not None:
            task = response.raise_for_status().json()
            if task["IsCompleted"]:
                return task
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TaskWaitTimeout(task_id, timeout, task)
        time.sleep(min(wait, remaining))


def main(argv: list[str] | None = None) -> int:
    """Run the tool and return its exit code (see the module docstring)."""
    parser = argparse.ArgumentParser(description="Wait for an Octopus task to complete.")
    parser.add_argument("task_id")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--interval", type=float, default=5.0)
    args = parser.parse_args(argv)
    url, key = os.environ.get("OCTOPUS_URL"), os.environ.get("OCTOPUS_API_KEY")
    if not url or not key:
        print("set OCTOPUS_URL and OCTOPUS_API_KEY", file=sys.stderr)
        return 2
    with httpx.Client(base_url=url, headers={"X-Octopus-ApiKey": key}, timeout=30) as client:
        try:
            task = wait_for_task(client, args.task_id, timeout=args.timeout,
                                 interval=args.interval)
        except TaskWaitTimeout as exc:
            print(exc)
            return 3
    print(f"{task['Id']}: {task['State']}" + (f" ({task['ErrorMessage']})"
                                             if task.get("ErrorMessage") else ""))
    return 0 if task["State"] == "Success" else 1


if __name__ == "__main__":
    sys.exit(main())
