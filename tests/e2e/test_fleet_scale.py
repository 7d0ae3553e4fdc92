"""Scale (issue 18): one simulation holds 1,000 Tentacles and their tasks.

A world of 1,000 Windows Tentacles in role ``web-server`` is health-checked by one task,
then restarted by one rolling deployment whose step is ``Octosim.RestartTentacle`` (the
restart client, on a worker on behalf of each target, ``MaxParallelism`` 10): 1,000
verified restarts, 4,000 child tasks queued behind the task cap, every task completed, the
simulator's invariants holding, no deadlock reported. Tests of capacity and correctness:
nothing here is timed (bench/bench_fleet.py measures the cost). What would make such a
fleet impractical (a scan of every task, or of every output variable, on each step) is
checked for here as answers that must agree with the plain scans they replaced.

The bench's smoke run is here too, as a subprocess: it must run and print its ratio.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from octosim.model.deploy_tasks import queue_deployment
from octosim.model.deployment_rules import create_deployment, create_release
from octosim.model.executors import Flow
from octosim.model.invariants import check_invariants
from octosim.model.projects import (
    MAX_PARALLELISM,
    RUN_ON_SERVER,
    TARGET_ROLES,
    DeploymentAction,
    DeploymentStep,
)
from octosim.model.states import HealthStatus, TaskState
from octosim.model.step_actions import StepContext
from octosim.model.tasks import ActivityStatus, Task
from octosim.model.truth import TentacleTruth
from octosim.model.variables import Variable, VariableDictionary
from octosim.scenario import AgentSpec, Scenario
from octosim.simulation import Simulation
from restart.step_actions import ACTION_TYPE, METHOD_VARIABLE, install

FLEET = 1000
ROLE = "web-server"
ENVIRONMENT = "Production"
WINDOW = 10
ROOT = Path(__file__).resolve().parents[2]


def fleet(size: int = FLEET, *, seed: int = 0) -> Simulation:
    """Return a simulation of ``size`` Tentacles (``web-0001``…) in Production, role
    web-server, with ``Octosim.RestartTentacle`` installed."""
    agents = tuple(AgentSpec(name=f"web-{n:04d}", environment_name=ENVIRONMENT, roles=(ROLE,))
                   for n in range(1, size + 1))
    return install(Simulation.from_scenario(
        Scenario(name="fleet", environments=(ENVIRONMENT,), agents=agents), seed=seed))


def restart_deployment(sim: Simulation, action_type: str = ACTION_TYPE,
                       window: int = WINDOW) -> Task:
    """Queue a deployment restarting every web-server Tentacle, ``window`` at a time
    (``action_type``: the step's action, on a worker on behalf of each)."""
    store = sim.deployments
    project = store.add_project("Spaces-1", "Fleet")
    store.set_process(project.deployment_process_id, [DeploymentStep(
        "Restart Tentacle",
        [DeploymentAction("Restart Tentacle", action_type=action_type,
                          properties={RUN_ON_SERVER: "true"})],
        {TARGET_ROLES: ROLE, MAX_PARALLELISM: str(window)})])
    store.set_variables(project.variable_set_id, [Variable(METHOD_VARIABLE, "Client")])
    release = create_release(store, project.id, now=sim.clock.now())
    deployment = create_deployment(store, release.id, ENVIRONMENT, now=sim.clock.now())
    return queue_deployment(sim.engine, store, deployment.id)


def assert_indexes_agree(sim: Simulation, deployment: Task) -> None:
    """The engine's quick answers are the plain scans': the active tasks, newest first, and
    the deployment's unfinished children, oldest first."""
    engine = sim.engine
    assert engine.active_newest_first() == [t for t in engine.newest_first() if t.is_active]
    assert engine.unfinished_children_of(deployment) == [
        child for child in engine.children_of(deployment) if not child.is_completed]


def test_one_health_check_covers_a_thousand_tentacles() -> None:
    sim = fleet()
    machines = list(sim.world.machines.values())
    assert len(machines) == FLEET and all(m.agent is not None for m in machines)
    environment = next(e.id for e in sim.world.environments.values() if e.name == ENVIRONMENT)
    task = sim.engine.create("Spaces-1", "Health", {"EnvironmentId": environment})
    sim.clock.run_until_idle()
    assert task.state is TaskState.Success, task.error_message
    assert all(m.health_status is HealthStatus.Healthy for m in machines)
    assert {m.last_checked for m in machines} != {None}
    check_invariants(sim.engine, sim.world, sim.clock, sim.journal)


def test_a_rolling_deployment_restarts_a_thousand_tentacles_in_one_simulation() -> None:
    sim = fleet()
    machines = list(sim.world.machines.values())
    truths = [TentacleTruth(machine, sim.clock) for machine in machines]
    deployment = restart_deployment(sim)
    checks = 0
    while not deployment.is_completed:
        sim.clock.advance_to(sim.clock.now() + 300)
        assert_indexes_agree(sim, deployment)
        assert sim.engine.executing <= sim.engine.task_cap
        checks += 1
        assert sim.clock.now() < 24 * 3600, "the rollout did not finish in a virtual day"
    assert checks > 5  # the indexes were compared while the rollout was under way

    assert deployment.state is TaskState.Success, deployment.error_message
    assert all(truth.restarted for truth in truths)  # every Tentacle really restarted
    assert all(len(truth.restarts()) == 1 for truth in truths)  # and only once
    engine = sim.engine
    children = engine.children_of(deployment)
    # Each restart queues its own AdHocScript and Health tasks on the deployment's behalf.
    assert len(children) >= 2 * FLEET
    assert all(child.state is TaskState.Success for child in children)
    assert len(engine.tasks) == 1 + len(children)
    targeted = {machine_id for child in children for machine_id in child.machine_ids}
    assert targeted == {m.id for m in machines}
    assert engine.active_newest_first() == [] and engine.unfinished_children_of(deployment) == []
    assert sim.engine.deadlocks.history == []  # a fleet that finishes never reports one
    check_invariants(sim.engine, sim.world, sim.clock, sim.journal)


def ends_at_once(ctx: StepContext) -> Flow:
    """A Python step action that succeeds without waiting for anything."""
    ctx.log(f"nothing to do for {ctx.target.name if ctx.target else 'nobody'}")
    return None
    yield  # a generator function, as every step action is


@pytest.mark.parametrize("window", [1, WINDOW])
def test_a_step_that_ends_at_once_runs_on_a_thousand_targets(window: int) -> None:
    # Each target's action ends in the instant it starts, so the rolling window starts
    # the next one at once: 1,000 of them in one instant, without deepening the stack.
    sim = fleet()
    sim.deploy.actions.register("Octosim.EndsAtOnce", ends_at_once)
    deployment = restart_deployment(sim, "Octosim.EndsAtOnce", window)
    sim.clock.advance_to(sim.clock.now() + 60)
    assert deployment.state is TaskState.Success, deployment.error_message
    [step] = deployment.log.children
    assert len(step.children) == FLEET
    assert all(node.status is ActivityStatus.Success for node in step.children)
    check_invariants(sim.engine, sim.world, sim.clock, sim.journal)


def test_two_runs_of_a_fleet_give_the_same_journal() -> None:
    # Determinism at scale: the same seed gives the same rollout, line for line.
    def run() -> str:
        sim = fleet(40, seed=7)
        deployment = restart_deployment(sim)
        while not deployment.is_completed:
            sim.clock.advance_to(sim.clock.now() + 600)
        return sim.journal.timeline()

    assert run() == run()


def test_copying_a_variable_dictionary_sets_each_name_as_setting_it_would() -> None:
    # Each target of a fleet copies the earlier targets' output variables in bulk; the
    # bulk copy must be what setting each name in turn gives, sensitivity included.
    target = VariableDictionary({"A": "1", "b": "2"}, sensitive=["a", "b"])
    source = VariableDictionary({"a": "x", "C": "3"}, sensitive=["c", "ghost"])
    one_by_one = VariableDictionary({"A": "1", "b": "2"}, sensitive=["a", "b"])
    for name in source:
        one_by_one.set(name, source[name], is_sensitive=source.is_sensitive(name))
    target.update_from(source)
    assert list(target.items()) == list(one_by_one.items()) == [("a", "x"), ("b", "2"),
                                                                ("C", "3")]
    for name in ("a", "b", "c", "ghost"):
        assert target.is_sensitive(name) == one_by_one.is_sensitive(name), name
    assert sorted(target.sensitive_values()) == ["2", "3"]


def test_the_fleet_bench_runs_and_prints_its_ratio() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_fleet.py"), "--quick"],
                          capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    assert "(1)/(2) = " in done.stdout and "target <= 1.5x" in done.stdout
