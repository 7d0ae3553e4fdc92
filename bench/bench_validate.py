"""Validation throughput: 10,000 simulated restarts of the default policy on every core.

Prints the wall time (target <= 10 s on the 2-core reference machine), restarts per
second, simulated seconds per wall second, and the CPU time the workers spent. A busy
machine makes wall time lie, so it also prints the load average before the run and the
wall time the CPU time would take on idle cores (CPU seconds / workers).

``--profile`` then profiles one process over 500 restarts (50 per preset) and prints the
hot spots as ``file:function``. Run: ``python bench/bench_validate.py [--runs N]
[--workers N] [--profile]`` (``--quick``: 1,000 restarts).
"""

from __future__ import annotations

import argparse
import cProfile
import math
import os
import pstats
import resource
import time

from octosim.scenario import presets
from restart.validate import validate
from restart.validate_exec import default_workers

TARGET_WALL = 10.0
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _cpu_seconds() -> float:
    # This process and every worker it waited for (the pool is shut down by then).
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def bench(total: int, workers: int) -> None:
    names = presets()
    per_scenario = math.ceil(total / len(names))
    load = os.getloadavg()[0]
    print(f"{per_scenario * len(names):,} restarts ({per_scenario} x {len(names)} presets), "
          f"{workers} workers, load average before: {load:.2f}")
    cpu0, wall0 = _cpu_seconds(), time.perf_counter()
    result = validate(scenarios=names, runs=per_scenario, workers=workers,
                      recommend_knobs=False)
    wall = time.perf_counter() - wall0
    cpu = _cpu_seconds() - cpu0
    restarts = result.runs_executed
    ratio = result.simulated_seconds / wall
    verdict = "OK" if wall <= TARGET_WALL * total / 10_000 else "MISSED"
    print(f"wall            {wall:8.2f} s   (target <= {TARGET_WALL * total / 10_000:g} s: "
          f"{verdict})")
    print(f"restarts/s      {restarts / wall:8.0f}")
    print(f"simulated/wall  {ratio:8.0f} x   ({result.simulated_seconds:,.0f} virtual s)")
    print(f"cpu             {cpu:8.2f} s   ({cpu / restarts * 1000:.2f} ms per restart; "
          f"{cpu / workers:.2f} s of wall on {workers} idle cores)")
    failed = [s.name for s in result.scenarios if not s.verdict.passed]
    print(f"verdicts        {'all passed' if not failed else 'failing: ' + ', '.join(failed)}")


def profile(per_scenario: int = 50, top: int = 20) -> None:
    names = presets()
    print(f"\nprofile: {per_scenario * len(names)} restarts in one process")
    profiler = cProfile.Profile()
    profiler.enable()
    validate(scenarios=names, runs=per_scenario, workers=1, recommend_knobs=False)
    profiler.disable()
    stats = pstats.Stats(profiler)
    for order in ("tottime", "cumulative"):
        print(f"\ntop {top} by {order}:")
        stats.sort_stats(order)
        rows = sorted(stats.stats.items(),  # type: ignore[attr-defined]
                      key=lambda kv: kv[1][2 if order == "tottime" else 3], reverse=True)
        for (filename, line, function), (_, calls, tottime, cumtime, _) in rows[:top]:
            where = (os.path.relpath(filename, ROOT) if filename.startswith(ROOT)
                     else os.path.basename(filename))
            print(f"  {tottime:7.3f} {cumtime:7.3f}  {calls:8d}  {where}:{line}:{function}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000, help="total restarts [10000]")
    parser.add_argument("--workers", type=int, default=default_workers(),
                        help="processes [every CPU]")
    parser.add_argument("--profile", action="store_true", help="then profile 500 restarts")
    parser.add_argument("--quick", action="store_true", help="1,000 restarts")
    args = parser.parse_args()
    bench(1_000 if args.quick else args.runs, args.workers)
    if args.profile:
        profile()


if __name__ == "__main__":
    main()
