"""Fleet validation's throughput against lone-restart validation, side by side in one run.

Two sides, interleaved, ``--repeats`` times, both in this process (one worker), CPU time:

1. **lone**: ``validate(["default"], runs=--runs)``: one restart per simulation;
2. **fleet**: ``validate_fleet(rolling, runs=--fleet-runs)``: a deployment restarting
   ``--tentacles`` Tentacles, ``--parallelism`` at once, with the restart client in its
   restart step (``RestartMethod = Client``), one simulation per rollout.

Printed: restarts per CPU second on each side (a fleet run counts every Tentacle it
restarts) and their ratio, medians of the repeats. A restart inside a rollout also pays for
its share of the deployment (its task, its steps, the step action's flow) and for the
queue it waits in, so the ratio says what judging a rollout costs per restart, not what a
restart costs alone (bench/bench_restart.py). It asserts nothing; it checks (untimed) that
both sides verified every restart, so a broken side cannot look fast.

Run: ``python bench/bench_validate_fleet.py [--runs N] [--fleet-runs N] [--tentacles N]
[--parallelism N] [--repeats R]`` (``--quick``: 100 lone runs, 10 rollouts, 3 repeats).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import statistics

import this_tree  # noqa: F401  (before octosim and restart: this tree's; see its docstring)
from interrupt import run_main

from octosim.scenario import (
    AgentGroupSpec,
    RolloutDeploymentSpec,
    RolloutSpec,
    Scenario,
    VariableSpec,
)
from restart.validate import validate
from restart.validate_fleet import validate_fleet


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def rolling(tentacles: int, parallelism: int) -> Scenario:
    """One deployment restarting ``tentacles`` Windows Tentacles, ``parallelism`` at once,
    by the restart client (the task-cap-deadlock preset's first project and worker)."""
    preset = Scenario.load("task-cap-deadlock")
    group = AgentGroupSpec(name="web-{n:03}", count=tentacles, environment_name="Production",
                           roles=("svc-1",))
    project = dataclasses.replace(preset.projects[0],
                                  variables=(VariableSpec("RestartMethod", "Client"),))
    return dataclasses.replace(
        preset, name=f"rolling-{tentacles}", agent_groups=(group,), projects=(project,),
        rollout=RolloutSpec(deployments=(RolloutDeploymentSpec("Service 1", "Production"),),
                            max_parallelism=parallelism, horizon=3600 * 4))


def lone(runs: int) -> tuple[float, int]:
    started = _cpu()
    result = validate(scenarios=["default"], runs=runs, workers=1, recommend_knobs=False)
    spent = _cpu() - started
    client = result.scenarios[0].client
    assert client.successes == runs, client
    return spent, runs


def fleet(scenario: Scenario, runs: int) -> tuple[float, int]:
    started = _cpu()
    result = validate_fleet(scenario, runs=runs, workers=1, recommend_knobs=False)
    spent = _cpu() - started
    summary = result.summary
    assert summary.verified == summary.restarts, result.verdict
    return spent, summary.restarts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=300, help="lone restarts per repeat")
    parser.add_argument("--fleet-runs", type=int, default=30, help="rollouts per repeat")
    parser.add_argument("--tentacles", type=int, default=10)
    parser.add_argument("--parallelism", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.fleet_runs, args.repeats = 100, 10, 3
    scenario = rolling(args.tentacles, args.parallelism)
    lone(5)  # warm both sides: imports, caches
    fleet(scenario, 1)
    lone_rates, fleet_rates = [], []
    for _ in range(args.repeats):
        spent, restarts = lone(args.runs)
        lone_rates.append(restarts / spent)
        spent, restarts = fleet(scenario, args.fleet_runs)
        fleet_rates.append(restarts / spent)
    lone_rate = statistics.median(lone_rates)
    fleet_rate = statistics.median(fleet_rates)
    print(f"load average {os.getloadavg()[0]:.1f}; medians of {args.repeats} repeats, CPU time")
    print(f"lone  validate (default, {args.runs} runs): {lone_rate:8.0f} restarts/s")
    print(f"fleet validate ({args.tentacles} Tentacles, MaxParallelism {args.parallelism}, "
          f"{args.fleet_runs} rollouts): {fleet_rate:8.0f} restarts/s")
    print(f"fleet / lone: {fleet_rate / lone_rate:.2f}x")


if __name__ == "__main__":
    run_main(main)
