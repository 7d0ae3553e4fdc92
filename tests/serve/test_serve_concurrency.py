"""Many clients at once over real sockets: no errors, no duplicated ids, nothing lost."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx

from octosim.server import LiveServer
from octosim.simulation import ServerOptions, Simulation

ServerFactory = Callable[..., LiveServer]  # the ``serve`` fixture (conftest.py)

THREADS = 16
REQUESTS = 200  # per thread
CREATE_EVERY = 4  # one request in four creates a task; the rest read


def test_16_threads_of_200_requests_lose_nothing_and_duplicate_no_id(
    serve: ServerFactory,
) -> None:
    # A cap of 1 keeps nearly every task queued: created, listed and read, never finished,
    # so the check below covers every one of them whatever the timing.
    sim = Simulation(options=ServerOptions(task_cap=1))
    server = serve(sim, rate=1.0)
    start = threading.Barrier(THREADS)  # all clients hit the server together

    def client_thread(n: int) -> tuple[list[str], list[str]]:
        created: list[str] = []
        errors: list[str] = []
        with httpx.Client(base_url=server.url, timeout=30,
                          headers={"X-Octopus-ApiKey": server.api_key}) as client:
            start.wait(timeout=30)
            for i in range(REQUESTS):
                if i % CREATE_EVERY == 0:
                    response = client.post("/api/tasks", json={
                        "Name": "Upgrade", "Description": f"client {n} request {i}",
                        "Arguments": {"MachineIds": ["Machines-1"]},
                    })
                    if response.status_code == 201:
                        created.append(response.json()["Id"])
                elif i % 2:
                    response = client.get(f"/api/Spaces-1/tasks/{created[-1]}")
                else:  # the list route, by ids (what the TypeScript client polls)
                    response = client.get("/api/tasks", params={"ids": ",".join(created[-3:])})
                    if response.status_code == 200:
                        listed = [t["Id"] for t in response.json()["Items"]]
                        if sorted(listed) != sorted(created[-3:]):
                            errors.append(f"listed {listed}, expected {created[-3:]}")
                if response.status_code not in (200, 201):
                    errors.append(f"{response.request.method} {response.request.url}: "
                                  f"{response.status_code} {response.text[:200]}")
        return created, errors

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(client_thread, range(THREADS)))

    errors = [e for _, thread_errors in results for e in thread_errors]
    assert errors == []
    created = [task_id for thread_created, _ in results for task_id in thread_created]
    assert len(created) == THREADS * REQUESTS // CREATE_EVERY
    assert len(set(created)) == len(created), "an id was handed out twice"
    # Nothing lost: the server holds exactly the tasks created, numbered without gaps ...
    with server.app.lock:
        stored = set(sim.engine.tasks)
    assert stored == set(created)
    assert stored == {f"ServerTasks-{n}" for n in range(1, len(created) + 1)}
    # ... and says so over HTTP: every one is listed, each description once.
    with httpx.Client(base_url=server.url, headers={"X-Octopus-ApiKey": server.api_key}) as c:
        listed = c.get("/api/tasks", params={"take": len(created) + 10}).json()
    assert listed["TotalResults"] == len(created)
    descriptions = [t["Description"] for t in listed["Items"]]
    assert len(set(descriptions)) == len(created)
