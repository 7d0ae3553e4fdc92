"""Wait for several Octopus server tasks at once with asyncio: one poller per task, all
sharing one ``httpx.AsyncClient``, under one overall deadline.

Usage::

    export OCTOPUS_URL=https://octopus.example.com
    export OCTOPUS_API_KEY=API-XXXXXXXXXXXXXXXXXXXXXXXXXXX
    python wait_for_tasks.py ServerTasks-1 ServerTasks-2 --timeout 600

Exit codes: 0 every task succeeded, 1 one ended in another state, 3 the deadline passed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import Any

import httpx

__all__ = ["main", "wait_for_tasks"]


async def _wait_for(client: httpx.AsyncClient, task_id: str,
                    interval: float) -> dict[str, Any]:
    while True:
        answer = await client.get(f"/api/tasks/{task_id}")
        answer.raise_for_status()
        task: dict[str, Any] = answer.json()
        if task["IsCompleted"]:
            return task
        await asyncio.sleep(interval)


async def wait_for_tasks(client: httpx.AsyncClient, task_ids: list[str], *,
                         interval: float = 5.0, timeout: float = 600.0) -> dict[str, str]:
    """Poll every task every ``interval`` seconds until all complete; return each task's
    final state by id. Raises TimeoutError when ``timeout`` seconds pass first."""
    async with asyncio.timeout(timeout):
        tasks = await asyncio.gather(*(_wait_for(client, t, interval) for t in task_ids))
    return {task["Id"]: task["State"] for task in tasks}


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return its exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("task_ids", nargs="+")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--interval", type=float, default=5.0)
    args = parser.parse_args(argv)

    async def run() -> dict[str, str]:
        async with httpx.AsyncClient(
            base_url=os.environ["OCTOPUS_URL"],
            headers={"X-Octopus-ApiKey": os.environ["OCTOPUS_API_KEY"]},
        ) as client:
            return await wait_for_tasks(client, args.task_ids, interval=args.interval,
                                        timeout=args.timeout)

    try:
        states = asyncio.run(run())
    except TimeoutError:
        print(f"not every task completed within {args.timeout:g} s", file=sys.stderr)
        return 3
    for task_id, state in states.items():
        print(f"{task_id}: {state}")
    return 0 if all(state == "Success" for state in states.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
