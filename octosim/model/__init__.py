"""The simulated server's domain model: pure state and rules, no HTTP."""

from octosim.model.engine import DEFAULT_TASK_CAP, EngineError, TaskEngine, UnknownTaskType
from octosim.model.executors import ArgumentError, Executor, GenericExecutor, TaskRun
from octosim.model.states import HealthStatus, IllegalTransition, ServiceState, TaskState
from octosim.model.tasks import ActivityElement, ActivityStatus, LogCategory, LogElement, Task
from octosim.model.world import (
    ApiKey,
    CommunicationStyle,
    Environment,
    Machine,
    MachinePolicy,
    Permission,
    Space,
    User,
    World,
    WorldError,
    default_world,
)

__all__ = [
    "DEFAULT_TASK_CAP",
    "ActivityElement",
    "ActivityStatus",
    "ApiKey",
    "ArgumentError",
    "CommunicationStyle",
    "EngineError",
    "Environment",
    "Executor",
    "GenericExecutor",
    "HealthStatus",
    "IllegalTransition",
    "LogCategory",
    "LogElement",
    "Machine",
    "MachinePolicy",
    "Permission",
    "ServiceState",
    "Space",
    "Task",
    "TaskEngine",
    "TaskRun",
    "TaskState",
    "UnknownTaskType",
    "User",
    "World",
    "WorldError",
    "default_world",
]
