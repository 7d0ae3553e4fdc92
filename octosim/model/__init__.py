"""The simulated server's domain model: pure state and rules, no HTTP.

Its modules, each knowing only those listed before it (no import cycle; a test reads the
imports to keep it so):

- ``states``, ``tasks``, ``datetext``, ``wildcard``, ``durations``, ``timespan``,
  ``witness``, ``randomness``, ``dotnet``, ``masking``: the vocabulary (state tables,
  tasks and their logs, dates, wildcards, Spans and draws, .NET TimeSpans, how a process
  start time prints, one random stream per purpose, what .NET counts as white space, line
  breaks and length, sensitive values masked in a log as Octopus masks them); ``deploy_choices``
  (the choices where the facts are unconfirmed), ``deploy_errors`` (the deployment model's
  errors, in Octopus's words).
- ``scripts``: a ScriptBody read into effects, and run. ``machine_environment``: a
  Tentacle's process environment. ``agents``: a Tentacle's services, their state machine
  and the witness.
- What a release is made from: ``variables``, ``projects``, ``lifecycles``, ``tenants``,
  ``runbooks``, ``releases``, ``deployments``. ``world``: spaces, environments, machines,
  users, keys.
- ``executors``: how an executor is written (a flow) and driven; ``callbacks``: older
  callback executors adapted; ``deadlock``: the task-cap deadlock watch. ``engine``: tasks,
  the queue and its cap.
- The Tentacle-task toolkit: ``targets`` (by machine, environment, role), ``contact``
  (Halibut reaching a Tentacle), ``script_mutex`` (``RunningScript``), ``scripting`` (a
  script run on a target).
- Executors: ``generic``, ``health``, ``adhoc``, ``background``.
- Deployments: ``step_plan`` (which steps run, where, how many at once),
  ``deployment_store`` (the per-world registry), ``deployment_rules`` (creating releases,
  deployments, snapshots and runs), ``deploy_tasks`` (queueing their tasks),
  ``system_variables``, ``interruptions`` (guided failure), ``workers``, ``step_actions``
  (Python step actions), ``process_runner`` (steps on Tentacles, one flow) and
  ``deploy_executor`` (the ``Deploy`` and ``RunbookRun`` executors).
- ``install`` registers the executors (the one place). ``truth``: what really happened to
  a Tentacle; ``invariants``: the simulator's own rules, checked from outside.
"""

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
    "install_tentacles",
]
