"""A simulation with a project to deploy, for the Deploy/RunbookRun execution tests."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from octosim.model.agents import ServiceTiming, TentacleAgent
from octosim.model.deploy_tasks import queue_deployment
from octosim.model.deployment_rules import create_deployment, create_release
from octosim.model.executors import Delay, Flow
from octosim.model.projects import DeploymentAction, DeploymentStep, Project
from octosim.model.step_actions import StepContext
from octosim.model.tasks import ActivityElement, Task
from octosim.model.variables import Variable
from octosim.simulation import Simulation

__all__ = ["FAST", "deploy", "deploy_sim", "names", "project_with", "python_step",
           "register_flaky"]

#: Scripts take exactly 5 s; services start and stop quickly.
FAST = ServiceTiming(stop_seconds=(2, 2), start_seconds=(5, 5), startup_delay=(1, 1),
                     script_seconds=(5, 5))


def deploy_sim(targets: int = 3, *, seed: int = 0, role: str = "app",
               timing: ServiceTiming = FAST) -> Simulation:
    """Return a simulation whose Development environment has ``targets`` machines
    ``app-01``… in ``role`` (besides the default world's ``web-01``)."""
    sim = Simulation(seed=seed)
    env = next(e for e in sim.world.environments.values() if e.name == "Development")
    for i in range(targets):
        machine = sim.world.add_machine("Spaces-1", f"app-{i + 1:02d}", [env.id], roles=[role])
        TentacleAgent(machine, timing=timing).bind(sim.engine)
    sim.world.machines["Machines-1"].agent.timing = timing  # type: ignore[union-attr]
    return sim


def project_with(sim: Simulation, steps: Sequence[DeploymentStep],
                 variables: Iterable[Variable] = (), name: str = "Shop") -> Project:
    """Add a project with ``steps`` and ``variables``; return it."""
    store = sim.deployments
    project = store.add_project("Spaces-1", name)
    store.set_process(project.deployment_process_id, steps)
    store.set_variables(project.variable_set_id, variables)
    return project


def python_step(name: str, action_type: str, *, roles: str = "app",
                on_server: bool = False, **fields: object) -> DeploymentStep:
    """Return a one-action step running the Python action ``action_type``."""
    properties = {"Octopus.Action.TargetRoles": roles} if roles else {}
    action = DeploymentAction(name, action_type=action_type, properties={
        "Octopus.Action.RunOnServer": "true" if on_server else "false"})
    step = DeploymentStep(name, [action], properties)
    for key, value in fields.items():
        setattr(step, key, value)
    return step


def register_flaky(sim: Simulation, failures: int) -> list[float]:
    """Register the Python action ``Test.Flaky``: 5 s, failing its first ``failures`` runs;
    return the list it notes each run's start time in."""
    attempts: list[float] = []

    def flaky(ctx: StepContext) -> Flow:
        attempts.append(ctx.run.clock.now())
        yield Delay(5)
        return "Exit code 1" if len(attempts) <= failures else None

    sim.deploy.actions.register("Test.Flaky", flaky)
    return attempts


def deploy(sim: Simulation, project: Project, environment: str = "Development",
           **fields: Any) -> Task:
    """Create a release of ``project``, deploy it to ``environment`` and queue the task."""
    store, now = sim.deployments, sim.clock.now()
    release = create_release(store, project.id, now=now)
    deployment = create_deployment(store, release.id, environment, now=now, **fields)
    return queue_deployment(sim.engine, store, deployment.id)


def names(element: ActivityElement) -> list[str]:
    """Return the names of ``element``'s children."""
    return [child.name for child in element.children]
