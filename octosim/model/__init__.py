"""The simulated server's domain model: pure state and rules, no HTTP."""

from octosim.model.engine import DEFAULT_TASK_CAP, EngineError, TaskEngine, UnknownTaskType
from octosim.model.executors import (
    AllOf,
    ArgumentError,
    Delay,
    Executor,
    FirstOf,
    Flow,
    Forever,
    Subflow,
    TaskRun,
    Wait,
)
from octosim.model.generic import GenericExecutor
from octosim.model.install import install_tentacles
from octosim.model.states import HealthStatus, IllegalTransition, ServiceState, TaskState
from octosim.model.tasks import ActivityElement, ActivityStatus, LogCategory, LogElement, Task
from octosim.model.truth import ServiceChange, ServiceRestart, TentacleTruth
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
    "AllOf",
    "ApiKey",
    "ArgumentError",
    "CommunicationStyle",
    "Delay",
    "EngineError",
    "Environment",
    "Executor",
    "FirstOf",
    "Flow",
    "Forever",
    "GenericExecutor",
    "HealthStatus",
    "IllegalTransition",
    "LogCategory",
    "LogElement",
    "Machine",
    "MachinePolicy",
    "Permission",
    "ServiceChange",
    "ServiceRestart",
    "ServiceState",
    "Space",
    "Subflow",
    "Task",
    "TaskEngine",
    "TaskRun",
    "TaskState",
    "TentacleTruth",
    "UnknownTaskType",
    "User",
    "Wait",
    "World",
    "WorldError",
    "default_world",
    "install_tentacles",
]
