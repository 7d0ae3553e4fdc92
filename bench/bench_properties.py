"""Property benchmark: examples per second of the *bounded* property (docs/properties.md),
through the direct driver and through the sync httpx driver.

One example is what ``tests/properties/test_props_bounded.py`` does per Hypothesis example:
draw a case (every preset and drawn world, an extra fault plan, a jammed task queue, any
policy), build its simulation, run the restart client, check that it returned by its
deadline. The strategy, harness and check are the suite's own (``tests/properties/
conftest.py``, loaded by path), so this measures exactly what the suite runs. Two ways:

1. **end to end**: a ``@given`` test of ``--examples`` examples (generation only: no
   database, no shrinking; derandomized, so every run of this script draws the same cases):
   what the property test costs per example, Hypothesis's drawing included;
2. **body only**: the same cases, drawn beforehand, then only built, run and checked: what
   the driver and the simulator cost.

Target: drawing a case costs no more than running it, i.e. end to end >= 0.5x the body
alone (direct driver; the sync driver's ratio is printed too). Both sides are timed in CPU
seconds of this process, side by side, ``--repeats`` times, and judged on the median ratio:
a shared, busy machine stretches wall time, not CPU time. Rates in examples per CPU second
are printed as well. Below the target, or with ``--profile``, the body is profiled and its
hot spots printed as ``file:function``, and so is the drawing.

Run: ``python bench/bench_properties.py`` (``--examples N``, default 300; ``--repeats R``,
default 3; ``--profile``).
It prints numbers and asserts nothing.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import gc
import importlib.util
import logging
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import this_tree  # noqa: F401  (before octosim and restart: this tree's; see its docstring)
from hypothesis import HealthCheck, Phase, given, settings
from interrupt import run_main

from octosim.simulation import Simulation

ROOT = Path(__file__).resolve().parent.parent
TARGET = 0.5  # end to end / body only, in examples per CPU second, direct driver


def load_kit() -> ModuleType:
    """Load the property suite's conftest as a plain module (its fixtures stay inert)."""
    name = "octosim_property_kit"
    spec = importlib.util.spec_from_file_location(name, ROOT / "tests/properties/conftest.py")
    assert spec is not None and spec.loader is not None
    kit = importlib.util.module_from_spec(spec)
    sys.modules[name] = kit  # dataclasses look their module up while the class is built
    spec.loader.exec_module(kit)
    return kit


def bounded_example(kit: ModuleType, case: Any, driver: str) -> bool:
    """The bounded property's body for one case; True when it holds."""
    sim = kit.build(Simulation.from_scenario, case)
    run = kit.run_client(sim, case, driver)
    return kit.bounded_problem(run) is None


def fixed_settings(examples: int) -> settings:
    return settings(max_examples=examples, database=None, deadline=None, derandomize=True,
                    phases=[Phase.generate], suppress_health_check=list(HealthCheck))


def end_to_end(kit: ModuleType, driver: str, examples: int) -> tuple[int, int, float]:
    """Run the property as a @given test; return (examples run, violations, seconds)."""
    ran, broken = [0], [0]

    @fixed_settings(examples)
    @given(kit.any_cases())
    def prop(case: Any) -> None:
        ran[0] += 1
        broken[0] += not bounded_example(kit, case, driver)

    start = time.process_time()
    prop()
    return ran[0], broken[0], time.process_time() - start


def draw_cases(kit: ModuleType, examples: int) -> tuple[list[Any], float]:
    """Draw the cases end_to_end draws; return them and the seconds drawing took."""
    cases: list[Any] = []

    @fixed_settings(examples)
    @given(kit.any_cases())
    def collect(case: Any) -> None:
        cases.append(case)

    start = time.process_time()
    collect()
    return cases, time.process_time() - start


def body_only(kit: ModuleType, cases: list[Any], driver: str) -> tuple[int, float]:
    """Run the bodies of already drawn cases; return (violations, seconds)."""
    start = time.process_time()
    broken = sum(not bounded_example(kit, case, driver) for case in cases)
    return broken, time.process_time() - start


def hot_spots(work: Callable[[], object], top: int = 8) -> list[str]:
    """Profile ``work``; return its hot spots as ``file:function`` lines: the ``top``
    functions of this repository by cumulative time (where to look), then the ``top`` of
    all by own time (what the time is spent on)."""
    profiler = cProfile.Profile()
    profiler.enable()
    work()
    profiler.disable()
    table: dict[tuple[str, int, str], tuple[Any, ...]] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = sum(row[2] for row in table.values())

    def name(path: str, function: str) -> str:
        where = Path(path)
        if where.is_relative_to(ROOT):
            return f"{where.relative_to(ROOT)}:{function}"
        return f"{'/'.join(where.parts[-2:]) or path}:{function}"

    ours = [(key, row) for key, row in table.items() if Path(key[0]).is_relative_to(ROOT)
            and "bench" not in Path(key[0]).parts and key[2] not in ("<lambda>", "<genexpr>")]
    lines = ["    by cumulative time, this repository's functions:"]
    for (path, _, function), row in sorted(ours, key=lambda kv: kv[1][3], reverse=True)[:top]:
        lines.append(f"      {row[3] / total:6.1%}  {name(path, function)}")
    lines.append("    by own time, all functions:")
    for (path, _, function), row in sorted(table.items(), key=lambda kv: kv[1][2],
                                           reverse=True)[:top]:
        lines.append(f"      {row[2] / total:6.1%}  {name(path, function)}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="profile even on target")
    args = parser.parse_args()
    logging.getLogger("restart").setLevel(logging.ERROR)  # no progress lines on stderr
    kit = load_kit()
    n = args.examples

    # Warm up: first builds of strategies, imports, caches.
    end_to_end(kit, "direct", 20)
    cases, drawing = draw_cases(kit, n)
    print(f"bounded property, {len(cases)} drawn cases (derandomized), CPU time; drawing them "
          f"alone: {1000 * drawing / len(cases):.2f} ms each")
    missed = False
    for driver in ("direct", "sync"):
        ratios: list[float] = []
        for _ in range(args.repeats):
            gc.collect()
            ran, broken, seconds = end_to_end(kit, driver, n)
            gc.collect()
            body_broken, body_seconds = body_only(kit, cases, driver)
            rate, body_rate = ran / seconds, len(cases) / body_seconds
            ratios.append(rate / body_rate)
            print(f"{driver:>6}: end to end {rate:6.1f} examples/s ({1000 / rate:5.2f} ms "
                  f"each), body only {body_rate:6.1f} /s ({1000 / body_rate:5.2f} ms): "
                  f"{ratios[-1]:.2f}x; violations {broken + body_broken}")
        ratio = statistics.median(ratios)
        if driver == "direct":
            verdict = "meets" if ratio >= TARGET else "BELOW"
            missed = ratio < TARGET
            print(f"  direct: end to end / body only {ratio:.2f}x median "
                  f"({min(ratios):.2f}-{max(ratios):.2f}); target >= {TARGET:g}x: {verdict}")
        else:
            print(f"  sync: end to end / body only {ratio:.2f}x median (the body costs more "
                  "through HTTP, so drawing weighs less)")
        if (driver == "direct" and missed) or args.profile:
            print(f"  hot spots of the body ({driver}):")
            print("\n".join(hot_spots(functools.partial(body_only, kit, cases, driver))))
    if missed or args.profile:
        print("  hot spots of drawing the cases (Hypothesis + octosim.strategies):")
        print("\n".join(hot_spots(lambda: draw_cases(kit, n))))


if __name__ == "__main__":
    run_main(main)
