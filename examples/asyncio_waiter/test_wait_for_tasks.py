"""Testing wait_for_tasks.py offline, in virtual time, on the octopus_loop fixture: the
pollers interleave as they would against a real server, and the deadline is virtual too.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest
from wait_for_tasks import wait_for_tasks

from octosim.aio import VirtualTimeLoop
from octosim.journal import Kind
from octosim.model import GenericExecutor
from octosim.simulation import Simulation


def queue(client: httpx.Client, name: str) -> str:
    created = client.post("/api/tasks", json={"Name": name})
    assert created.status_code == 201, created.text
    return str(created.json()["Id"])


def test_pollers_interleave_in_virtual_time(
    octopus: Simulation, octopus_loop: VirtualTimeLoop, octopus_client: httpx.Client,
) -> None:
    octopus.engine.register(GenericExecutor("Upgrade", duration=12))
    short, long = queue(octopus_client, "Retention"), queue(octopus_client, "Upgrade")

    async def run() -> dict[str, str]:
        # The script's own client: octopus is mounted for every httpx client in the test.
        async with httpx.AsyncClient(base_url=octopus.base_url,
                                     headers={"X-Octopus-ApiKey": octopus.api_key}) as client:
            return await wait_for_tasks(client, [short, long], interval=5)

    states = octopus_loop.run_until_complete(run())
    assert states == {short: "Success", long: "Success"}
    assert octopus.clock.now() == 15  # the slower task was seen done at its 4th poll
    polled = [e.text.split()[1] for e in octopus.journal.entries(kind=Kind.Request)
              if e.text.startswith("GET /api/tasks/")]
    # Both pollers at 0 and 5, the short task done at 10, the long one at 15: interleaved,
    # not one poller after the other.
    assert polled == [f"/api/tasks/{t}" for t in (short, long, short, long, short, long,
                                                  long)]


def test_the_deadline_is_virtual(
    octopus: Simulation, octopus_loop: VirtualTimeLoop, octopus_async_client: httpx.AsyncClient,
    octopus_client: httpx.Client,
) -> None:
    octopus.engine.register(GenericExecutor("Backup", duration=3600))
    task = queue(octopus_client, "Backup")
    with pytest.raises(TimeoutError):
        octopus_loop.run_until_complete(
            wait_for_tasks(octopus_async_client, [task], interval=5, timeout=60))
    assert octopus.clock.now() == 60  # an hour-long task abandoned after one virtual minute


def test_wait_for_times_out_in_virtual_time(octopus: Simulation,
                                            octopus_loop: VirtualTimeLoop) -> None:
    async def slow() -> None:
        await asyncio.sleep(3600)

    async def run() -> None:
        await asyncio.wait_for(slow(), timeout=30)

    with pytest.raises(TimeoutError):
        octopus_loop.run_until_complete(run())
    assert octopus.clock.now() == 30
