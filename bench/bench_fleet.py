"""Fleet benchmark: one restart inside a 100-machine rolling deployment vs a lone restart.

The target (issue 18, "Scale"): the cost of one restart inside a 100-machine rolling
deployment is <= 1.5x the cost of a lone restart through the direct driver, measured side
by side. Two sides, interleaved, each repeated ``--repeats`` times:

1. **The fleet.** A world of 100 Windows Tentacles (role ``web-server``, as preset
   ``default``'s web-01) and a project whose one step is ``Octosim.RestartTentacle``
   (``RestartMethod`` Client) run on a worker on behalf of the role, ``MaxParallelism`` 10.
   A deployment of it is queued and the clock runs until it ends; every restart must be
   verified (the step fails otherwise). CPU per restart = the deployment's CPU / 100: the
   deployment's own work (its task, process runner, per-target variables and logs) is
   part of what a restart costs there, as are the restarts' own tasks competing for the
   task cap.
2. **Lone restarts.** 100 restarts of preset ``default``, each in its own simulation,
   through :func:`restart.drivers.direct.run_direct` (no HTTP): CPU per restart = their
   CPU / 100.

Building the simulations is not timed on either side. Each side starts from a collected
heap with the cyclic garbage collector off (``--gc`` keeps it on), as ``bench_restart.py``
times. The ratio printed is (1)/(2) of the medians, with the median of the paired ratios
(each fleet repeat over the lone batch right after it) beside it. A third line shows (3)
the same deployment whose step is a Python action that does nothing: the deployment's own
share of (1).

Run: ``python bench/bench_fleet.py`` (``--repeats N``, default 7; ``--targets N``, default
100; ``--quick`` for a smoke run; ``--gc``; ``--profile`` to print the fleet side's hot
spots). It prints numbers and asserts nothing.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import random
import statistics
import time
from collections.abc import Callable

import this_tree  # noqa: F401  (before octosim and restart: this tree's; see its docstring)
from interrupt import require_ok, run_main

from octosim.model.deploy_tasks import queue_deployment
from octosim.model.deployment_rules import create_deployment, create_release
from octosim.model.executors import Delay, Flow
from octosim.model.projects import (
    MAX_PARALLELISM,
    RUN_ON_SERVER,
    TARGET_ROLES,
    DeploymentAction,
    DeploymentStep,
)
from octosim.model.step_actions import StepContext
from octosim.model.variables import Variable
from octosim.scenario import AgentSpec, Scenario
from octosim.simulation import Simulation
from restart import RestartTarget
from restart.drivers.direct import run_direct
from restart.step_actions import ACTION_TYPE, METHOD_VARIABLE, install

PRESET = "default"
SEED = 0
ROLE = "web-server"
ENVIRONMENT = "Production"
WINDOW = 10
LONE_TARGET = RestartTarget("Spaces-1", machine_id="Machines-1")
NOTHING = "Bench.Nothing"


def nothing(ctx: StepContext) -> Flow:
    """A Python step action that does nothing for a virtual second: the deployment without
    the restart, its rolling window holding ``WINDOW`` targets at a time as it does for
    the restarts."""
    yield Delay(1.0)


def fleet(targets: int, action_type: str = ACTION_TYPE) -> tuple[Simulation, str]:
    """Return a simulation of ``targets`` Tentacles and the id of a project restarting
    them all, ``WINDOW`` at a time (``action_type``: the step's action)."""
    agents = tuple(AgentSpec(name=f"web-{n:04d}", environment_name=ENVIRONMENT, roles=(ROLE,))
                   for n in range(1, targets + 1))
    sim = install(Simulation.from_scenario(
        Scenario(name="fleet", environments=(ENVIRONMENT,), agents=agents), seed=SEED))
    sim.deploy.actions.register(NOTHING, nothing)
    store = sim.deployments
    project = store.add_project("Spaces-1", "Fleet")
    store.set_process(project.deployment_process_id, [DeploymentStep(
        "Restart Tentacle",
        [DeploymentAction("Restart Tentacle", action_type=action_type,
                          properties={RUN_ON_SERVER: "true"})],
        {TARGET_ROLES: ROLE, MAX_PARALLELISM: str(WINDOW)})])
    store.set_variables(project.variable_set_id, [Variable(METHOD_VARIABLE, "Client")])
    return sim, project.id


def deploy(sim: Simulation, project_id: str) -> float:
    """Deploy the project and run the clock until the deployment ends; return the CPU
    seconds it took. Raises AssertionError unless it succeeded (every restart verified)."""
    store = sim.deployments
    start = time.process_time()
    release = create_release(store, project_id, now=sim.clock.now())
    deployment = create_deployment(store, release.id, ENVIRONMENT, now=sim.clock.now())
    task = queue_deployment(sim.engine, store, deployment.id)
    while not task.is_completed:
        sim.clock.advance_to(sim.clock.now() + 600)
    elapsed = time.process_time() - start
    assert task.finished_successfully, task.error_message
    return elapsed


def fleet_side(targets: int, action_type: str = ACTION_TYPE) -> Callable[[], float]:
    """Return a side that deploys to a fresh fleet (built untimed) and returns CPU seconds."""
    def side() -> float:
        sim, project_id = fleet(targets, action_type)
        return deploy(sim, project_id)
    return side


def lone_side(count: int) -> Callable[[], float]:
    """Return a side that runs ``count`` lone direct restarts, each in its own simulation
    (built untimed), and returns their CPU seconds."""
    def side() -> float:
        sims = [Simulation.from_scenario(PRESET, seed=SEED) for _ in range(count)]
        total = 0.0
        for sim in sims:
            start = time.process_time()
            report = run_direct(sim, LONE_TARGET, rng=random.Random(SEED))
            total += time.process_time() - start
            require_ok(report)
        return total
    return side


def timed(side: Callable[[], float], keep_gc: bool) -> float:
    """Run ``side`` from a collected heap, the cyclic collector off unless ``keep_gc``."""
    gc.collect()
    if not keep_gc:
        gc.disable()
    try:
        return side()
    finally:
        gc.enable()


def profile(targets: int) -> None:
    """Print the fleet side's hot spots."""
    sim, project_id = fleet(targets)
    profiler = cProfile.Profile()
    profiler.enable()
    deploy(sim, project_id)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def load() -> str:
    """The 1-minute load average, as text (for the record of what the machine was doing)."""
    return f"{os.getloadavg()[0]:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="repeats of each side [7]")
    parser.add_argument("--targets", type=int, default=100, help="machines in the fleet [100]")
    parser.add_argument("--quick", action="store_true", help="a 2-repeat, 20-machine smoke run")
    parser.add_argument("--gc", action="store_true",
                        help="keep the cyclic garbage collector on while timing")
    parser.add_argument("--profile", action="store_true", help="print the fleet's hot spots")
    args = parser.parse_args()
    repeats, targets = (2, 20) if args.quick else (args.repeats, args.targets)
    if repeats < 1 or targets < 1:
        parser.error("--repeats and --targets must be at least 1")
    if args.profile:
        profile(targets)
        return

    in_fleet, alone = fleet_side(targets), lone_side(targets)
    deployment_only = fleet_side(targets, NOTHING)
    for side in (in_fleet, alone, deployment_only):  # warm-up: imports, caches, first calls
        side()
    load_before = load()
    fleet_runs: list[float] = []
    lone_runs: list[float] = []
    bare_runs: list[float] = []
    for _ in range(repeats):
        fleet_runs.append(timed(in_fleet, args.gc) / targets)
        lone_runs.append(timed(alone, args.gc) / targets)
        bare_runs.append(timed(deployment_only, args.gc) / targets)
    load_after = load()

    median = statistics.median
    fleet_median, lone_median = median(fleet_runs), median(lone_runs)

    def line(label: str, runs: list[float]) -> None:
        print(f"{label:<58} median {median(runs) * 1e3:6.3f} ms   "
              f"min {min(runs) * 1e3:6.3f} ms")

    collector = "on" if args.gc else "off while timing, as timeit does"
    print(f"{targets} machines, MaxParallelism {WINDOW}, {repeats} repeats of each side, "
          f"garbage collector {collector}; load average {load_before} before, "
          f"{load_after} after")
    line("(1) CPU per restart inside the rolling deployment", fleet_runs)
    line("(2) CPU per lone restart, direct driver", lone_runs)
    line("(3) CPU per target of the deployment alone (a no-op step)", bare_runs)
    ratio = fleet_median / lone_median
    paired = median(f / lone for f, lone in zip(fleet_runs, lone_runs, strict=True))
    verdict = "meets" if ratio <= 1.5 else "MISSES"
    print(f"a restart in the fleet vs alone: (1)/(2) = {ratio:.2f}x of medians, "
          f"{paired:.2f}x median of the paired repeats (target <= 1.5x of medians: "
          f"{verdict} it)")


if __name__ == "__main__":
    run_main(main)
