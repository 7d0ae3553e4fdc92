"""API latency benchmark: prints ratios measured side by side in one run (no assertions).

1. ``GET /api/Spaces-1/tasks/{id}`` through ``sim.client()`` vs an ``httpx.MockTransport``
   handler returning the same JSON bytes (what the simulator adds to a request; target
   <= 1.25x).
2. The same GET with 100,000 tasks stored vs 10 (target <= 1.2x: lookups are by id).
3. ``GET .../tasks?ids=`` (5 ids) with 100,000 tasks stored vs 10 (target ~1x).

Each pair is timed in alternating rounds and the best round of each side is compared, which
cancels most of the noise of a busy machine. Run: ``python bench/bench_api.py``
(``--quick`` for a smoke run).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import httpx
import this_tree  # noqa: F401  (before octosim and restart: this tree's; see its docstring)
from interrupt import run_main

from octosim.simulation import ServerOptions, Simulation

BIG = 100_000
SMALL = 10


def best_of(rounds: int, calls: int, *fns: Callable[[], object]) -> list[float]:
    """Return, for each function, its best per-call time in seconds over ``rounds``
    alternating rounds of ``calls`` calls."""
    best = [float("inf")] * len(fns)
    for _ in range(rounds):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            for _ in range(calls):
                fn()
            best[i] = min(best[i], (time.perf_counter() - start) / calls)
    return best


def simulation_with(n_tasks: int) -> Simulation:
    """Return a simulation holding ``n_tasks`` tasks (all but the first few stay queued:
    the task cap is never raised and virtual time never advances)."""
    sim = Simulation(options=ServerOptions(task_cap=5))
    create = sim.engine.create
    for _ in range(n_tasks):
        create("Spaces-1", "Upgrade", {})
    return sim


def report(name: str, a: float, b: float, label_a: str, label_b: str, target: str) -> None:
    print(
        f"{name:<44} {label_a} {a * 1e6:8.1f} us   {label_b} {b * 1e6:8.1f} us   "
        f"ratio {a / b:5.2f}x  (target {target})"
    )


def main(argv: list[str]) -> None:
    quick = "--quick" in argv
    rounds, calls = (3, 300) if quick else (9, 2_000)
    started = time.perf_counter()

    small = simulation_with(SMALL)
    path = "/api/Spaces-1/tasks/ServerTasks-7"
    with small.client() as client:
        body = client.get(path).content

    def static(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, content=body, headers={"content-type": "application/json; charset=utf-8"}
        )

    headers = {"X-Octopus-ApiKey": small.api_key or ""}
    # (1) runs before the big simulation exists: 100,000 tasks' worth of objects make every
    # full garbage collection slower, which would charge the simulator for the heap size.
    with small.client() as sim_client, httpx.Client(
        base_url=small.base_url, transport=httpx.MockTransport(static), headers=headers
    ) as mock_client:
        assert sim_client.get(path).content == mock_client.get(path).content
        sim_t, mock_t = best_of(
            rounds, calls, lambda: sim_client.get(path), lambda: mock_client.get(path)
        )
        report("1. GET task: simulator vs static mock", sim_t, mock_t, "sim", "mock", "<= 1.25")

    t0 = time.perf_counter()
    big = simulation_with(BIG if not quick else 10_000)
    print(f"built {len(big.engine.tasks):,} tasks in {time.perf_counter() - t0:.2f}s")
    with small.client() as sim_client, big.client() as big_client:
        big_t, small_t = best_of(
            rounds, calls, lambda: big_client.get(path), lambda: sim_client.get(path)
        )
        report("2. GET task: 100k stored vs 10", big_t, small_t, "100k", "10", "<= 1.2")

        ids = ",".join(f"ServerTasks-{n}" for n in (1, 3, 5, 7, 9))
        list_path = f"/api/Spaces-1/tasks?skip=0&take=300&ids={ids}"
        assert big_client.get(list_path).json()["TotalResults"] == 5
        big_t, small_t = best_of(
            rounds, calls // 2, lambda: big_client.get(list_path),
            lambda: sim_client.get(list_path),
        )
        report("3. list ids= (5 ids): 100k stored vs 10", big_t, small_t, "100k", "10", "~1")
    print(f"total {time.perf_counter() - started:.1f}s")


if __name__ == "__main__":
    run_main(lambda: main(sys.argv[1:]))
