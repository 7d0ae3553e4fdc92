"""Restart benchmark: what a whole simulated restart costs next to bare httpx requests.

1. One seed-default restart (the client with the default policy, which is the seed
   script's timing, sync driver through ``sim.client()``, preset ``default``): wall time,
   and its HTTP request count (the report's, cross-checked with an httpx event hook).
2. The same number of requests through an ``httpx.Client`` whose ``httpx.MockTransport``
   handler returns a fixed, representative TaskResource (the bytes the simulator serves for
   the restart task), each answer parsed as JSON as any client would.
3. The direct driver (no HTTP at all): wall time per restart.

The ratio (1) / (2) is what the simulator plus the restart procedure cost on top of the
HTTP round trips a client makes anyway; the target is <= 1.5x. The sides run interleaved,
``--runs`` times each (default 200), and medians are compared, so a busy machine slows both
alike. Building a simulation is not timed (the static side builds nothing either).

Run: ``python bench/bench_restart.py`` (``--runs N``, ``--quick`` for a smoke run). It
prints numbers and asserts nothing.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
from collections.abc import Callable

import httpx

from octosim.simulation import Simulation
from restart import RestartTarget, run_sync
from restart.drivers.direct import run_direct

PRESET = "default"
SEED = 0  # the same restart every run: the same requests, sleeps and simulator events
TARGET = RestartTarget("Spaces-1", machine_id="Machines-1")


def restart_through_httpx() -> tuple[float, int]:
    """Run one restart through ``sim.client()``; return (seconds, requests sent)."""
    sim = Simulation.from_scenario(PRESET, seed=SEED)
    sent = 0

    def count(request: httpx.Request) -> None:
        nonlocal sent
        sent += 1

    rng = random.Random(SEED)
    with sim.client(event_hooks={"request": [count]}) as client:
        start = time.perf_counter()
        report = run_sync(client, TARGET, clock=sim.clock.now, sleep=sim.clock.sleep, rng=rng)
        elapsed = time.perf_counter() - start
    assert report.ok, report.reason
    assert report.requests == sent, (report.requests, sent)
    return elapsed, sent


def representative_task() -> bytes:
    """The restart task's TaskResource as the simulator serves it, once it completed."""
    sim = Simulation.from_scenario(PRESET, seed=SEED)
    with sim.client() as client:
        run_sync(client, TARGET, clock=sim.clock.now, sleep=sim.clock.sleep)
        return client.get("/api/Spaces-1/tasks/ServerTasks-2").content


def static_requests(body: bytes, count: int) -> Callable[[], float]:
    """Return a function that sends ``count`` GETs through a static MockTransport and
    returns the seconds they took."""
    headers = {"content-type": "application/json; charset=utf-8"}

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers=headers)

    def run() -> float:
        with httpx.Client(
            base_url="http://127.0.0.1:8065",
            transport=httpx.MockTransport(handler),
            headers={"X-Octopus-ApiKey": "API-BENCH0000000000000000000"},
        ) as client:
            start = time.perf_counter()
            for _ in range(count):
                client.get("/api/Spaces-1/tasks/ServerTasks-2", timeout=30.0).json()
            return time.perf_counter() - start

    return run


def direct_restart() -> float:
    """Run one restart through the direct driver; return the seconds it took."""
    sim = Simulation.from_scenario(PRESET, seed=SEED)
    start = time.perf_counter()
    report = run_direct(sim, TARGET, rng=random.Random(SEED))
    elapsed = time.perf_counter() - start
    assert report.ok, report.reason
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="runs of each side [200]")
    parser.add_argument("--quick", action="store_true", help="a 20-run smoke run")
    args = parser.parse_args()
    runs = 20 if args.quick else args.runs

    _, requests = restart_through_httpx()  # warm-up: imports, caches, first-call costs
    static = static_requests(representative_task(), requests)
    static()
    direct_restart()

    sim_times: list[float] = []
    static_times: list[float] = []
    direct_times: list[float] = []
    for _ in range(runs):
        gc.collect()  # each side starts from the same heap state
        sim_times.append(restart_through_httpx()[0])
        gc.collect()
        static_times.append(static())
        gc.collect()
        direct_times.append(direct_restart())

    sim_median = statistics.median(sim_times)
    static_median = statistics.median(static_times)
    direct_median = statistics.median(direct_times)
    print(f"preset {PRESET!r}, seed {SEED}: {requests} HTTP requests per restart, {runs} runs")
    print(
        f"restart through sim.client() (sync driver)   median {sim_median * 1e3:7.3f} ms   "
        f"min {min(sim_times) * 1e3:7.3f} ms   ({sim_median / requests * 1e6:6.1f} us/request)"
    )
    print(
        f"{requests} static MockTransport requests         median "
        f"{static_median * 1e3:7.3f} ms   min {min(static_times) * 1e3:7.3f} ms   "
        f"({static_median / requests * 1e6:6.1f} us/request)"
    )
    ratio = sim_median / static_median
    verdict = "meets" if ratio <= 1.5 else "MISSES"
    print(f"ratio {ratio:.2f}x  (target <= 1.5x: {verdict} it)")
    print(
        f"restart through the direct driver (no HTTP)  median {direct_median * 1e3:7.3f} ms   "
        f"min {min(direct_times) * 1e3:7.3f} ms   ({1 / direct_median:,.0f} restarts/s)"
    )


if __name__ == "__main__":
    main()
