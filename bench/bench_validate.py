"""Validation overhead and scaling, measured side by side in one run.

Three sides, interleaved, ``--repeats`` times, on the same restarts (every preset, ``--runs``
seeds each, the default policy; run ``i`` uses seed ``i`` for the simulation and the
client, as validate does):

1. **direct**: each restart as a user of the direct driver runs it, in this process:
   ``Simulation.from_scenario(scenario, seed=i)`` then ``run_direct`` (the building of the
   simulation is printed apart: a restart needs its world);
2. **validate, 1 worker**: ``validate(..., workers=1)``, in this process;
3. **validate, 2 workers**: ``validate(..., workers=2)`` on its process pool.

Targets: validate's CPU per restart <= 1.2x the direct side's (both validate sides; the
pool's CPU counts every worker); 2 workers >= 1.8x as fast as 1 (wall time). The medians of
the repeats are judged. The wall-time speed-up needs two idle cores: the load average is
printed beside it, and so is what the CPU time alone predicts for idle cores (twice the
1-worker CPU over the 2-worker CPU). CPU ratios survive a busy machine far better.

``--profile`` then profiles validate in one process and prints the hot spots as
``file:function``. Run: ``python bench/bench_validate.py [--runs N] [--repeats R]
[--profile]`` (``--quick``: 30 runs per preset, 3 repeats). It prints numbers and asserts
nothing; it checks (untimed) that the direct side and validate report the same restarts.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import resource
import statistics
import time
from collections.abc import Sequence

import this_tree  # noqa: F401  (before octosim and restart: this tree's; see its docstring)
from interrupt import run_main

from octosim.scenario import Scenario, presets
from octosim.simulation import Simulation
from restart.drivers.direct import run_direct
from restart.policy import RestartPolicy
from restart.report import RestartReport
from restart.target import RestartTarget
from restart.validate import ValidationResult, subjects, validate

TARGET_CPU = 1.2
TARGET_SPEEDUP = 1.8
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

Subject = tuple[Scenario, str]


def _cpu() -> float:
    """CPU seconds of this process and every child it has waited for (a pool's workers,
    once it is shut down: validate shuts its pool down before returning)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def direct(chosen: Sequence[Subject], runs: int) -> tuple[float, float, list[RestartReport]]:
    """Every restart through the direct driver; return (CPU seconds, of which building the
    simulations, the reports)."""
    policy = RestartPolicy()
    reports: list[RestartReport] = []
    building = 0.0
    start = time.process_time()
    for scenario, name in chosen:
        for seed in range(runs):
            built = time.process_time()
            sim = Simulation.from_scenario(scenario, seed=seed)
            building += time.process_time() - built
            machine = next(m for m in sim.world.machines.values() if m.name == name)
            reports.append(run_direct(sim, RestartTarget(machine.space_id, machine_id=machine.id),
                                      policy, rng=random.Random(seed), raise_errors=False))
    return time.process_time() - start, building, reports


def through_validate(scenarios: list[Scenario], runs: int, workers: int
                     ) -> tuple[float, float, ValidationResult]:
    """validate() on the same restarts; return (CPU seconds, wall seconds, result)."""
    cpu, wall = _cpu(), time.perf_counter()
    result = validate(scenarios=scenarios, runs=runs, workers=workers, recommend_knobs=False)
    return _cpu() - cpu, time.perf_counter() - wall, result


def same_restarts(reports: list[RestartReport], result: ValidationResult) -> bool:
    """The direct side's outcomes and durations are validate's, run for run."""
    ran = [(r.outcome, r.duration) for s in result.scenarios for r in s.runs]
    return ran == [(r.outcome, r.duration) for r in reports]


def bench(runs: int, repeats: int) -> None:
    scenarios = [Scenario.load(n) for n in presets()]
    chosen = subjects(scenarios)
    restarts = runs * len(chosen)
    print(f"{restarts:,} restarts per side ({runs} seeds x {len(chosen)} preset machines), "
          f"{repeats} repeats, sides interleaved; {os.cpu_count()} CPUs")
    through_validate(scenarios, 2, 1)  # warm up: imports, caches, presets
    per: dict[str, list[float]] = {k: [] for k in ("direct", "build", "v1", "v2", "w1", "w2")}
    loads: list[float] = []
    for repeat in range(repeats):
        loads.append(os.getloadavg()[0])
        cpu_direct, building, reports = direct(chosen, runs)
        cpu1, wall1, alone = through_validate(scenarios, runs, 1)
        cpu2, wall2, pooled = through_validate(scenarios, runs, 2)
        if not same_restarts(reports, alone) or pooled != alone:
            raise SystemExit("the sides did not run the same restarts: a bug, not a speed")
        for key, value in (("direct", cpu_direct), ("build", building), ("v1", cpu1),
                           ("v2", cpu2), ("w1", wall1), ("w2", wall2)):
            per[key].append(value)
        print(f"  repeat {repeat + 1}: load {loads[-1]:4.1f}; CPU ms per restart: direct "
              f"{_ms(cpu_direct, restarts)}, validate 1 worker {_ms(cpu1, restarts)}, 2 "
              f"workers {_ms(cpu2, restarts)}; wall 1 worker {wall1:5.2f} s, 2 workers "
              f"{wall2:5.2f} s")
    med = {k: statistics.median(v) for k, v in per.items()}
    ratios1 = [v / d for v, d in zip(per["v1"], per["direct"], strict=True)]
    ratios2 = [v / d for v, d in zip(per["v2"], per["direct"], strict=True)]
    speedups = [a / b for a, b in zip(per["w1"], per["w2"], strict=True)]
    idle = [2 * a / b for a, b in zip(per["v1"], per["v2"], strict=True)]
    print(f"\ndirect driver   {_ms(med['direct'], restarts)} ms CPU per restart (building the "
          f"simulation {_ms(med['build'], restarts)} ms of it)")
    _judge("validate, 1 worker / direct (CPU)", ratios1, TARGET_CPU, below=True)
    _judge("validate, 2 workers / direct (CPU)", ratios2, TARGET_CPU, below=True)
    _judge("2 workers / 1 worker (wall speed-up)", speedups, TARGET_SPEEDUP, below=False)
    print(f"  load average {min(loads):.1f}-{max(loads):.1f} over the run; on idle cores the "
          f"CPU times alone predict {statistics.median(idle):.2f}x ({_span(idle)}; less the "
          f"wait for the last chunk)")
    print(f"restarts/s      {restarts / med['w2']:8.0f} on 2 workers, "
          f"{restarts / med['w1']:.0f} on 1 (medians of wall time)")


def _ms(seconds: float, restarts: int) -> str:
    return f"{1000 * seconds / restarts:.3f}"


def _span(values: list[float]) -> str:
    return f"{min(values):.2f}-{max(values):.2f}"


def _judge(label: str, values: list[float], target: float, *, below: bool) -> None:
    median = statistics.median(values)
    met = median <= target if below else median >= target
    sign = "<=" if below else ">="
    print(f"{label:38s} {median:5.2f}x median ({_span(values)}); target {sign} {target:g}x: "
          f"{'meets' if met else 'MISSED'}")


def profile(runs: int = 50, top: int = 20) -> None:
    scenarios = [Scenario.load(n) for n in presets()]
    print(f"\nprofile: {runs * len(scenarios)} restarts through validate in one process")
    profiler = cProfile.Profile()
    profiler.enable()
    validate(scenarios=scenarios, runs=runs, workers=1, recommend_knobs=False)
    profiler.disable()
    stats = pstats.Stats(profiler)
    for order in ("tottime", "cumulative"):
        print(f"\ntop {top} by {order}:")
        rows = sorted(stats.stats.items(),  # type: ignore[attr-defined]
                      key=lambda kv: kv[1][2 if order == "tottime" else 3], reverse=True)
        for (filename, line, function), (_, calls, tottime, cumtime, _) in rows[:top]:
            where = (os.path.relpath(filename, ROOT) if filename.startswith(ROOT)
                     else os.path.basename(filename))
            print(f"  {tottime:7.3f} {cumtime:7.3f}  {calls:8d}  {where}:{line}:{function}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100, help="seeds per preset [100]")
    parser.add_argument("--repeats", type=int, default=5, help="interleaved repeats [5]")
    parser.add_argument("--profile", action="store_true", help="then profile validate")
    parser.add_argument("--quick", action="store_true", help="30 seeds, 3 repeats")
    args = parser.parse_args()
    if args.runs < 1 or args.repeats < 1:
        parser.error("--runs and --repeats must be at least 1")
    bench(30 if args.quick else args.runs, 3 if args.quick else args.repeats)
    if args.profile:
        profile()


if __name__ == "__main__":
    run_main(main)
