"""The one place the simulator's executors are registered, and Tentacles installed.

A :class:`~octosim.model.engine.TaskEngine` starts with no executors. :func:`install_tentacles`
gives a fresh simulated server what a real one runs: the Tentacle task types (``Health``,
``AdHocScript``) and stand-ins for the task types the simulator does not model
(:data:`~octosim.model.generic.GENERIC_TASK_TYPES`). A scenario or a test may then replace
any of them with :meth:`~octosim.model.engine.TaskEngine.register`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from octosim.model.adhoc import AdHocScriptExecutor
from octosim.model.agents import TentacleAgent
from octosim.model.generic import GENERIC_TASK_TYPES, GenericExecutor
from octosim.model.health import HealthExecutor, HealthSettings

if TYPE_CHECKING:
    from octosim.model.engine import TaskEngine
    from octosim.model.executors import Executor

__all__ = ["default_executors", "install_tentacles"]


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
