"""Deployment benchmark: how a simulated deployment grows with its targets, and what the
simulator costs a client that releases, deploys and waits over HTTP.

The world (built untimed on every side): one space, environment ``Production``, N Tentacles
in the role ``app-server``, and project ``Shop`` whose process has three script steps on
that role (``Stop``, ``Install``, ``Start``: one ``Write-Host`` each, substituting a project
variable and system variables), so each target runs three scripts, each under its
``RunningScript`` mutex, ten targets at a time (the default ``MaxParallelism``).

1. Scaling, direct path (no HTTP): a release of ``Shop`` is created, deployed to
   ``Production`` and its Deploy task driven in virtual time until it completes, through the
   model (``create_release``, ``create_deployment``, ``queue_deployment``, the clock):
   (a) to 1,000 targets, (b) to 100 targets. The target is (a) / (b) <= 11x: a deployment
   grows linearly with its targets. Each run's targets have names never used before, so
   both sides read every target's script body afresh (the script reader remembers the last
   512 bodies it read, and the first step's body names its target).
2. Over HTTP, to ``--http-targets`` targets (default 1, as in the restart benchmark's
   world), the TypeScript api-client's requests for release -> deploy -> wait
   (octopus-deployments.md 1.2): ``GET /api``, the space by name, ``releases/create/v1``, the
   release, ``deployments/create/untenanted/v1``, the deployment, the ServerTaskWaiter's
   ``tasks?ids=`` poll every virtual second until the task completes, then its details;
   every answer parsed as JSON. (a) through ``sim.client()``; (b) the same client code
   against a static ``httpx.MockTransport`` replaying the simulator's answers byte for byte
   (checked, untimed, to be the same conversation), virtual time on a plain counter. The
   target is (a) / (b) <= 1.5x: what the simulator, the deployment included, costs over
   static mocks answering the same requests. The world is the same every run (a test
   suite deploying again and again), so the simulator has read the scripts before.
   (c), for the record (no target): both sides again, each timed right after the same
   conversation on its own side (another simulation's; the same static answers), so that
   neither runs cold. Every side of (a) and (b) starts from a collected heap, and the
   collection walks the whole heap, pushing both sides' code and data out of the CPU's
   caches; (c) shows the ratio does not come from that.

The sides of each pair run interleaved, ``--runs`` times (default 15), and their medians are
compared, so a busy machine slows both alike; the median of the paired ratios (each run of
(a) over the run of (b) right after it) is printed too. Each run is timed twice: wall time,
and this process's CPU time, which leaves out the milliseconds a run spends descheduled on
a crowded machine. As in ``bench_restart.py``, each side starts from a collected heap with
the cyclic garbage collector off (``--gc`` keeps it on).

``--breakdown`` also prints where (2)'s difference is. Request by request, the median time
spent answering it inside each side's transport (the simulator's routes and model, or the
static replay) and, on the simulator's side, in each virtual sleep (the deployment
running). Then (2) again on two worlds that run less of the deployment, each against the
static replay of its own answers, with the same requests and virtual timeline: (d) each
step's action is a Python step action that waits as long as its script ran (the plan, the
targets and their variables stay; no script runs); (e) the Deploy task waits as long as the
deployment ran (no step runs).

Run: ``python bench/bench_deploy.py`` (``--runs N``, ``--http-targets N``, ``--quick`` for a
smoke run with smaller worlds, ``--gc``, ``--breakdown``). It prints numbers and asserts
nothing about them.
"""

from __future__ import annotations

import argparse
import functools
import gc
import itertools
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import this_tree  # noqa: F401  (before octosim and restart: this tree's; see its docstring)
from interrupt import run_main

from octosim.model.deploy_executor import DeployExecutor
from octosim.model.deploy_tasks import queue_deployment
from octosim.model.deployment_rules import (
    create_deployment,
    create_release,
    record_deployment_outcome,
)
from octosim.model.executors import Delay, Flow, TaskRun
from octosim.model.projects import SCRIPT_BODY, TARGET_ROLES, DeploymentAction, DeploymentStep
from octosim.model.step_actions import StepContext
from octosim.model.tasks import Task
from octosim.model.variables import Variable
from octosim.options import DEFAULT_BASE_URL
from octosim.scenario.schema import AgentSpec, Scenario
from octosim.simulation import Simulation

SEED = 0
#: One run's (wall seconds, CPU seconds of this process).
Times = tuple[float, float]
ROLE = "app-server"
ENVIRONMENT = "Production"
PROJECT = "Shop"
VERSION = "1.0.0"
#: The process: three script steps on ROLE, each a line in the task log of every target.
STEPS = (
    ("Stop", "Write-Host 'Stopping #{AppName} on #{Octopus.Machine.Name}'"),
    ("Install", "Write-Host 'Installing #{AppName} #{Octopus.Release.Number}'"),
    ("Start", "Write-Host 'Starting #{AppName} in #{Octopus.Environment.Name}'"),
)
#: The TS ServerTaskWaiter's poll interval in its own tests (octopus-deployments.md §1.9).
POLL_SECONDS = 1.0
#: How long (virtual seconds) a client waits for the deployment before giving up.
DEADLINE = 3600.0


class Stopwatch:
    """Wall time (``perf_counter``) and this process's CPU time (``process_time``) since it
    was made. On a shared machine a run can be descheduled for milliseconds: the CPU time
    leaves that out (the cache misses the neighbours cause stay in both)."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def read(self) -> Times:
        """Return (wall, CPU) seconds since the stopwatch was made."""
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


def deploy_world(targets: int, prefix: str = "app") -> Simulation:
    """A simulation with ``targets`` Tentacles in ROLE (``<prefix>-0000``, ...) and the project
    PROJECT (untimed)."""
    scenario = Scenario(
        name=f"bench-deploy-{targets}", environments=(ENVIRONMENT,),
        agents=tuple(AgentSpec(name=f"{prefix}-{i:04d}", roles=(ROLE,))
                     for i in range(targets)),
    )
    sim = Simulation.from_scenario(scenario, seed=SEED)
    store = sim.deployments
    project = store.add_project(sim.world.default_space.id, PROJECT)
    store.set_process(project.deployment_process_id, [
        DeploymentStep(name, [DeploymentAction(name, properties={SCRIPT_BODY: body})],
                       {TARGET_ROLES: ROLE})
        for name, body in STEPS
    ])
    store.set_variables(project.variable_set_id, [Variable("AppName", PROJECT)])
    return sim


def check_deployed(task: Task, targets: int) -> None:
    """Raise AssertionError unless ``task`` succeeded with every step on every target."""
    assert task.state == "Success", task.error_message
    steps = task.log.children
    assert [len(step.children) for step in steps] == [targets] * len(STEPS), (
        [len(step.children) for step in steps])


# -- 1. scaling, direct path ---------------------------------------------------------------------
def direct_deployment(sim: Simulation) -> Task:
    """Release, deploy and run the Deploy task to completion in virtual time; return it."""
    store = sim.deployments
    project = next(iter(store.projects.values()))
    environment = next(iter(sim.world.environments))
    release = create_release(store, project.id, version=VERSION)
    deployment = create_deployment(store, release.id, environment)
    task = queue_deployment(sim.engine, store, deployment.id)
    while not task.is_completed:
        when = sim.clock.next_event_time()
        assert when is not None and when < DEADLINE, "the deployment never completed"
        sim.clock.advance_to(when)
    return task


def direct_side(targets: int) -> Callable[[], Times]:
    """A side of (1): build a world of ``targets`` (untimed), time its deployment."""
    worlds = itertools.count()

    def run() -> Times:
        # New target names every run: the first step's body names its target, and the script
        # reader remembers the last 512 bodies it read, so with the same names every run the
        # 100-target side would read none of its bodies after the first run and the
        # 1,000-target side all of them. New names make both read every target's body, as a
        # deployment to targets never deployed to does.
        sim = deploy_world(targets, prefix=f"app{next(worlds)}")
        watch = Stopwatch()
        task = direct_deployment(sim)
        elapsed = watch.read()
        check_deployed(task, targets)
        return elapsed

    return run


# -- 2. release -> deploy -> wait over HTTP ------------------------------------------------------
def release_deploy_wait(client: httpx.Client, sleep: Callable[[float], None]) -> str:
    """The TS api-client's requests for create release, deploy untenanted and wait
    (octopus-deployments.md §1.2), each answer parsed; return the task's final State."""
    space_name = "Default"
    client.get("/api").raise_for_status()
    spaces = client.get("/api/spaces", params={"partialName": space_name, "skip": 0,
                                                "take": 2147483647}).json()
    space_id = next(s["Id"] for s in spaces["Items"] if s["Name"] == space_name)
    command: dict[str, Any] = {"spaceId": space_id, "spaceIdOrName": space_name,
                               "spaceName": space_name, "ProjectName": PROJECT,
                               "ReleaseVersion": VERSION}
    created = client.post(f"/api/{space_id}/releases/create/v1", json=command)
    created.raise_for_status()
    client.get(f"/api/{space_id}/releases/{created.json()['ReleaseId']}").raise_for_status()
    deployed = client.post(f"/api/{space_id}/deployments/create/untenanted/v1",
                           json={**command, "EnvironmentNames": [ENVIRONMENT]})
    deployed.raise_for_status()
    [started] = deployed.json()["DeploymentServerTasks"]
    client.get(f"/api/{space_id}/deployments",
               params={"take": 1, "ids": started["DeploymentId"]}).raise_for_status()
    task_id = started["ServerTaskId"]
    waited = 0.0
    while True:  # the ServerTaskWaiter: poll, then sleep, even after the last poll
        [task] = client.get(f"/api/{space_id}/tasks",
                            params={"skip": 0, "take": 300, "ids": task_id}).json()["Items"]
        sleep(POLL_SECONDS)
        waited += POLL_SECONDS
        if task["IsCompleted"] or waited > DEADLINE:
            break
    details = client.get(f"/api/{space_id}/tasks/{task_id}/details")
    details.raise_for_status()
    return str(details.json()["Task"]["State"])


Answer = tuple[int, list[tuple[bytes, bytes]], bytes]


#: Builds a world for (2): ``deploy_world`` to some targets, or one of the breakdown's.
World = Callable[[], Simulation]


def simulator_conversation(world: World) -> tuple[list[tuple[str, str, bytes]], list[Answer]]:
    """One release -> deploy -> wait through ``sim.client()`` on ``world()``: every request
    (method, URL, body) and answer (status, raw headers, body), in order."""
    sim = world()
    requests: list[tuple[str, str, bytes]] = []
    answers: list[Answer] = []

    def on_response(response: httpx.Response) -> None:
        response.read()
        request = response.request
        requests.append((request.method, str(request.url), request.content))
        answers.append((response.status_code, list(response.headers.raw), response.content))

    with sim.client(event_hooks={"response": [on_response]}) as client:
        state = release_deploy_wait(client, sim.clock.sleep)
    assert state == "Success", state
    return requests, answers


def http_side(world: World) -> Callable[[], Times]:
    """Side (2a): build ``world()`` (untimed), time release -> deploy -> wait through
    ``sim.client()``."""

    def run() -> Times:
        return timed_conversation(world())

    return run


def timed_conversation(sim: Simulation) -> Times:
    """Time release -> deploy -> wait through ``sim.client()`` (the client made untimed)."""
    with sim.client() as client:
        watch = Stopwatch()
        state = release_deploy_wait(client, sim.clock.sleep)
        elapsed = watch.read()
    assert state == "Success", state
    return elapsed


def warm_side(side: Callable[[], Times]) -> Callable[[], Times]:
    """Side (c): ``side`` run twice, timed the second time, so that its code and data are
    warm in the CPU's caches (the first run's time is dropped)."""

    def run() -> Times:
        side()
        return side()

    return run


def static_side(
    answers: list[Answer], check: list[tuple[str, str, bytes]] | None = None
) -> Callable[[], Times]:
    """Side (2b): the same client code against a MockTransport replaying ``answers``. With
    ``check``, also assert the requests are those (untimed use)."""

    def run() -> Times:
        replay = iter(answers)
        seen: list[tuple[str, str, bytes]] = []

        def handler(request: httpx.Request) -> httpx.Response:
            if check is not None:
                seen.append((request.method, str(request.url), request.read()))
            status, headers, content = next(replay)
            return httpx.Response(status, headers=headers, content=content)

        now = 0.0

        def sleep(seconds: float) -> None:  # virtual time with no simulator behind it
            nonlocal now
            now += seconds

        with httpx.Client(base_url=DEFAULT_BASE_URL, transport=httpx.MockTransport(handler),
                          headers={"X-Octopus-ApiKey": "API-BENCH0000000000000000000"}
                          ) as client:
            watch = Stopwatch()
            state = release_deploy_wait(client, sleep)
            elapsed = watch.read()
        assert state == "Success", state
        if check is not None:
            assert seen == check, "the replayed client did not send the simulator's requests"
        return elapsed

    return run


# -- (2), request by request (--breakdown) ------------------------------------------------------
#: One request's (label, seconds spent inside the transport), or a sleep's.
Spent = list[tuple[str, float]]


class TimedTransport(httpx.BaseTransport):
    """Serves through ``inner``, noting how long each request spent inside it."""

    def __init__(self, inner: httpx.BaseTransport, spent: Spent) -> None:
        self.inner, self.spent = inner, spent

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        start = time.perf_counter()
        response = self.inner.handle_request(request)
        self.spent.append((f"{request.method} {request.url.path}", time.perf_counter() - start))
        return response


def simulator_spent(world: World) -> Spent:
    """Release -> deploy -> wait on ``world()``: the time inside the simulator's transport
    for each request, and inside each virtual sleep (the deployment running meanwhile)."""
    sim = world()
    spent: Spent = []

    def sleep(seconds: float) -> None:
        start = time.perf_counter()
        sim.clock.sleep(seconds)
        spent.append(("  sleep: the deployment runs", time.perf_counter() - start))

    with httpx.Client(base_url=sim.base_url, transport=TimedTransport(sim.transport(), spent),
                      headers={"X-Octopus-ApiKey": sim.api_key}) as client:
        assert release_deploy_wait(client, sleep) == "Success"
    return spent


def static_spent(answers: list[Answer]) -> Spent:
    """The same conversation on the static replay: the time inside its transport."""
    replay = iter(answers)

    def handler(request: httpx.Request) -> httpx.Response:
        status, headers, content = next(replay)
        return httpx.Response(status, headers=headers, content=content)

    spent: Spent = []
    transport = TimedTransport(httpx.MockTransport(handler), spent)
    with httpx.Client(base_url=DEFAULT_BASE_URL, transport=transport,
                      headers={"X-Octopus-ApiKey": "API-BENCH0000000000000000000"}) as client:
        assert release_deploy_wait(client, lambda seconds: None) == "Success"
    return spent


def print_breakdown(world: World, answers: list[Answer], runs: int) -> None:
    """Print, request by request, the median time inside each side's transport (and the
    simulator's sleeps), over ``runs`` interleaved runs of each."""
    simulated: list[Spent] = []
    static: list[Spent] = []
    sides: list[tuple[list[Spent], Callable[[], Spent]]] = [
        (simulated, functools.partial(simulator_spent, world)),
        (static, functools.partial(static_spent, answers)),
    ]
    for _ in range(runs):
        for into, collect in sides:
            gc.collect()  # as measure() runs each side
            gc.disable()
            try:
                into.append(collect())
            finally:
                gc.enable()
    median = statistics.median
    requests = iter(range(len(answers)))
    print(f"  (2) by request, median us inside the transport over {runs} runs: simulator | static")
    totals = [0.0, 0.0, 0.0]  # the simulator's requests, its sleeps, the static requests
    for index, (label, _) in enumerate(simulated[0]):
        mine = median(run[index][1] for run in simulated) * 1e6
        if label.startswith(" "):
            totals[1] += mine
            print(f"    {label:<58} {mine:8.1f}")
            continue
        position = next(requests)
        theirs = median(run[position][1] for run in static) * 1e6
        totals[0] += mine
        totals[2] += theirs
        print(f"    {label:<58} {mine:8.1f} | {theirs:6.1f}")
    print(f"    {'in all: requests, sleeps | requests':<58} {totals[0]:8.1f} + {totals[1]:.1f}"
          f" | {totals[2]:6.1f}")


# -- (2) without parts of the deployment (--breakdown) ------------------------------------------
#: The Python step action of world (d): it waits as long as its step's script ran.
WAIT_ACTION = "Octosim.BenchWait"


def scripted_timeline(targets: int) -> tuple[list[float], float]:
    """Each step's virtual seconds, and the Deploy task's, in the scripted deployment."""
    task = direct_deployment(deploy_world(targets))
    steps = [e.ended - e.started for e in task.log.children
             if e.started is not None and e.ended is not None]
    assert len(steps) == len(STEPS) and task.start_time is not None
    assert task.completed_time is not None
    return steps, task.completed_time - task.start_time


def world_without_scripts(targets: int, seconds: list[float]) -> Simulation:
    """World (d): as ``deploy_world``, but each step's action is a Python step action that
    waits as long as the step's script ran, so no script runs (no mutex, no contact, no
    interpreter, no script log) while the plan, the targets and their variables stay."""
    sim = deploy_world(targets)

    def wait(ctx: StepContext) -> Flow:
        yield Delay(seconds[int(ctx.variables["Octopus.Step.Number"]) - 1])
        return None

    sim.deploy.actions.register(WAIT_ACTION, wait)
    store = sim.deployments
    project = next(iter(store.projects.values()))
    store.set_process(project.deployment_process_id, [
        DeploymentStep(name, [DeploymentAction(name, action_type=WAIT_ACTION)],
                       {TARGET_ROLES: ROLE})
        for name, _ in STEPS
    ])
    return sim


@dataclass
class WaitingDeploy(DeployExecutor):
    """World (e)'s Deploy tasks: wait ``seconds``, then succeed, running no step."""

    seconds: float = 0.0

    def execute(self, run: TaskRun) -> Flow:
        """Wait, then record the deployment as successful."""
        yield Delay(self.seconds)
        record_deployment_outcome(self.services.store, run.task.arguments["DeploymentId"], True)
        return None


def world_without_steps(targets: int, seconds: float) -> Simulation:
    """World (e): as ``deploy_world``, but the Deploy task only waits as long as the
    deployment ran: releases, deployments, the task and its polls stay; no step runs."""
    sim = deploy_world(targets)
    sim.engine.register(WaitingDeploy(sim.deploy, seconds=seconds))
    return sim


def print_without(targets: int, requests: int, runs: int, keep_gc: bool) -> None:
    """Time (2) on worlds (d) and (e), each against the static replay of its own answers."""
    steps, whole = scripted_timeline(targets)
    worlds = (
        ("(d) each step a Python action that waits as long as its script ran", functools.partial(
            world_without_scripts, targets, steps)),
        ("(e) the Deploy task waits as long as the deployment ran", functools.partial(
            world_without_steps, targets, whole)),
    )
    median = statistics.median
    for label, world in worlds:
        conversation, answers = simulator_conversation(world)
        static_side(answers, check=conversation)()
        if len(answers) != requests:
            print(f"  {label}: {len(answers)} requests, not {requests}: not comparable")
            continue
        sides = [http_side(world), static_side(answers)]
        simulated, static = ([t[1] for t in seen] for seen in measure(sides, runs, keep_gc))
        print(f"  {label}: CPU medians {median(simulated) * 1e3:.2f} vs "
              f"{median(static) * 1e3:.2f} ms, {median(simulated) / median(static):.2f}x")


# -- measuring ----------------------------------------------------------------------------------
def measure(sides: list[Callable[[], Times]], runs: int, keep_gc: bool) -> list[list[Times]]:
    """Run the sides interleaved ``runs`` times; return each side's times."""
    times: list[list[Times]] = [[] for _ in sides]
    for _ in range(runs):
        for side, seen in zip(sides, times, strict=True):
            # Each side starts from a collected heap and, as timeit runs, with the cyclic
            # collector off: a collection would fall on whichever side crossed its threshold
            # and pay for every side's garbage. --gc keeps it on.
            gc.collect()
            if not keep_gc:
                gc.disable()
            try:
                seen.append(side())
            finally:
                gc.enable()
    return times


def compare(labels: tuple[str, str], times: list[list[Times]], target: float,
            per: tuple[tuple[int, int], str]) -> None:
    """Print both sides' medians and minimums, wall and CPU, and their ratios against
    ``target``; ``per`` = ((count of side a, count of side b), unit) also prints each side's
    median per unit."""
    median = statistics.median
    counts, unit = per
    for label, seen, count in zip(labels, times, counts, strict=True):
        wall, cpu = [t[0] for t in seen], [t[1] for t in seen]
        print(f"  {label:<46} wall median {median(wall) * 1e3:9.2f} ms  min "
              f"{min(wall) * 1e3:9.2f} ms | CPU median {median(cpu) * 1e3:9.2f} ms   "
              f"({median(cpu) / count * 1e6:,.1f} us CPU/{unit})")
    for kind, index in (("wall", 0), ("CPU", 1)):
        top, bottom = ([t[index] for t in seen] for seen in times)
        ratio = median(top) / median(bottom)
        paired = median(a / b for a, b in zip(top, bottom, strict=True))
        verdict = "meets" if ratio <= target else "MISSES"
        print(f"  {kind:>4}: {ratio:.2f}x of medians, {min(top) / min(bottom):.2f}x of "
              f"minimums, {paired:.2f}x median of the paired runs (target <= {target}x of "
              f"medians: {verdict} it)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each side [15]")
    parser.add_argument("--http-targets", type=int, default=1,
                        help="targets of the deployment over HTTP [1]")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 3 runs, 100 vs 10 targets")
    parser.add_argument("--gc", action="store_true",
                        help="keep the cyclic garbage collector on while timing")
    parser.add_argument("--breakdown", action="store_true",
                        help="also print where (2)'s time goes: by request, and on worlds "
                             "that run no script or no step")
    args = parser.parse_args()
    runs = 3 if args.quick else args.runs
    large, small = (100, 10) if args.quick else (1000, 100)
    http_targets = args.http_targets

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    collector = "on" if args.gc else "off while timing, as timeit does"
    print(f"seed {SEED}, {runs} interleaved runs of each side, garbage collector {collector}, "
          f"load average before {load}")

    direct = [direct_side(large), direct_side(small)]
    for side in direct:
        side()  # warm-up: imports, caches, first-call costs
    print(f"(1) a deployment of {len(STEPS)} script steps, direct path (no HTTP)")
    compare((f"(a) to {large:,} targets", f"(b) to {small:,} targets"),
            measure(direct, runs, args.gc), 11.0, ((large, small), "target"))

    world = functools.partial(deploy_world, http_targets)
    conversation, answers = simulator_conversation(world)
    static_side(answers, check=conversation)()  # the same conversation, untimed
    http = [http_side(world), static_side(answers)]
    for side in http:
        side()
    requests = len(answers)
    print(f"(2) release -> deploy -> wait over HTTP, {http_targets} target(s), "
          f"{requests} requests")
    compare(("(a) through sim.client()", "(b) the same requests, static MockTransport"),
            measure(http, runs, args.gc), 1.5, ((requests, requests), "request"))
    warm_sim, warm_static = ([t[1] for t in seen] for seen in
                             measure([warm_side(side) for side in http], runs, args.gc))
    median = statistics.median
    print(f"  (c) both warm, each run right after the same conversation on its side, for the "
          f"record: CPU medians {median(warm_sim) * 1e3:.2f} vs {median(warm_static) * 1e3:.2f}"
          f" ms, {median(warm_sim) / median(warm_static):.2f}x")
    if args.breakdown:
        print_breakdown(world, answers, runs)
        print("  (2) without parts of the deployment, each against its own static replay:")
        print_without(http_targets, requests, runs, args.gc)
    print(f"load average after {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    run_main(main)
