"""The one place the simulator's executors are registered, and Tentacles installed.

A :class:`~octosim.model.engine.TaskEngine` starts with no executors. :func:`install_tentacles`
gives a fresh simulated server what a real one runs: the Tentacle task types (``Health``,
``AdHocScript``) and stand-ins for the task types the simulator does not model
(:data:`~octosim.model.generic.GENERIC_TASK_TYPES`). A scenario or a test may then replace
any of them with :meth:`~octosim.model.engine.TaskEngine.register`. :func:`install_deployments`
adds the ``Deploy`` and ``RunbookRun`` task types over a
:class:`~octosim.model.deployment_store.DeploymentStore`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from octosim.model.adhoc import AdHocScriptExecutor
from octosim.model.agents import TentacleAgent
from octosim.model.deploy_executor import DeployExecutor, DeployServices, RunbookRunExecutor
from octosim.model.generic import GENERIC_TASK_TYPES, GenericExecutor
from octosim.model.health import HealthExecutor, HealthSettings
from octosim.model.interruptions import InterruptionBoard
from octosim.model.step_actions import StepActions
from octosim.model.system_variables import DEFAULT_SERVER_URI
from octosim.model.workers import WorkerPools

if TYPE_CHECKING:
    from octosim.model.deployment_store import DeploymentStore
    from octosim.model.engine import TaskEngine
    from octosim.model.executors import Executor

__all__ = ["default_executors", "install_deployments", "install_tentacles"]


def default_executors(health: HealthSettings | None = None) -> list[Executor]:
    """Return a fresh set of the simulator's executors, one per task type; ``health``:
    how Health tasks behave (default settings if None)."""
    executors: list[Executor] = [
        GenericExecutor(name, f"{name} task") for name in GENERIC_TASK_TYPES
    ]
    executors.append(HealthExecutor(health if health is not None else HealthSettings()))
    executors.append(AdHocScriptExecutor())
    return executors


def install_tentacles(engine: TaskEngine, *, health: HealthSettings | None = None) -> None:
    """Give every machine of ``engine.world`` without an agent a default one (the default
    instance, default timing), bind every agent to ``engine``, and register
    :func:`default_executors` (``health``: the Health tasks' settings).

    Draws no random numbers, so it never shifts a seed's later draws.
    """
    for machine in engine.world.machines.values():
        agent = machine.agent if machine.agent is not None else TentacleAgent(machine)
        agent.bind(engine)
    for executor in default_executors(health):
        engine.register(executor)


def install_deployments(
    engine: TaskEngine, store: DeploymentStore, *, worker_os: str = "Windows",
    workers_per_pool: int = 1, server_uri: str = DEFAULT_SERVER_URI,
) -> DeployServices:
    """Register the ``Deploy`` and ``RunbookRun`` executors over ``store``; return what they
    share (the interruption board the API answers, the Python step actions a user registers,
    the worker pools: each space's ``Default Worker Pool`` gets ``workers_per_pool`` workers
    running ``worker_os``, made on first use). ``server_uri``: the server's URL as its
    scripts see it (``Octopus.Web.BaseUrl``).

    Draws no random numbers and allocates no id until a deployment needs a worker.
    """
    services = DeployServices(
        store, WorkerPools(engine.world, engine, os_family=worker_os,
                           workers_per_pool=workers_per_pool),
        InterruptionBoard(engine.world.next_id), StepActions(), server_uri,
    )
    engine.register(DeployExecutor(services))
    engine.register(RunbookRunExecutor(services))
    return services
