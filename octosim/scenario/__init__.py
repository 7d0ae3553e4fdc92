"""Scenarios: small, seedable descriptions of a simulated world, as TOML or as data.

A :class:`Scenario` says which Tentacles exist (OS, instances, communication style, how long
a stop and a start take, the chance a start fails, a watchdog), how health checks behave,
the server (task cap, background load, options), the machine policy and the HTTP faults;
and what is deployed to them: lifecycles, project groups, projects (steps, variables,
runbooks), tenants and workers.
Named presets ship inside the package (``octosim/presets/*.toml``); users write their own
in the same schema (``docs/scenarios.md``).

- :mod:`.schema`: the dataclasses, each field declared once with its TOML name and bounds;
  :mod:`.deployment_schema` those of the deployment tables.
- :mod:`.read`: TOML, a file or a preset → Scenario, strictly: every problem of a document
  at once, each named by its key (``agents[0].stop_seconds: expected a number or
  [min, max], got "fast"``), raised as one :class:`ScenarioError`.
- :mod:`.write`: Scenario → the TOML schema's values → TOML text.
- :mod:`.build`: Scenario and seed → the world and the parts a simulation is made of;
  ``Simulation.from_scenario`` assembles one. :mod:`.build_deployments`: the deployment
  tables → a world's DeploymentStore and worker pools.
"""

from __future__ import annotations

from octosim.scenario._knob import ScenarioError
from octosim.scenario.build import Build, build, build_world
from octosim.scenario.build_deployments import build_deployments
from octosim.scenario.deployment_schema import (
    ActionSpec,
    LifecycleSpec,
    PhaseSpec,
    ProjectGroupSpec,
    ProjectSpec,
    RunbookSpec,
    StepSpec,
    TenantProjectSpec,
    TenantSpec,
    VariableSpec,
    WorkersSpec,
)
from octosim.scenario.read import presets
from octosim.scenario.schema import (
    MAX_AGENTS,
    MAX_BACKGROUND_TASKS,
    MAX_ENVIRONMENTS,
    MAX_FAULTS,
    MAX_INSTANCES,
    MAX_ROLES,
    MAX_TASK_CAP,
    MIN_INTERVAL,
    AgentSpec,
    BackgroundLoad,
    MachinePolicySpec,
    Scenario,
    ServerSpec,
    restart_presets,
)

__all__ = [
    "MAX_AGENTS",
    "MAX_BACKGROUND_TASKS",
    "MAX_ENVIRONMENTS",
    "MAX_FAULTS",
    "MAX_INSTANCES",
    "MAX_ROLES",
    "MAX_TASK_CAP",
    "MIN_INTERVAL",
    "ActionSpec",
    "AgentSpec",
    "BackgroundLoad",
    "Build",
    "LifecycleSpec",
    "MachinePolicySpec",
    "PhaseSpec",
    "ProjectGroupSpec",
    "ProjectSpec",
    "RunbookSpec",
    "Scenario",
    "ScenarioError",
    "ServerSpec",
    "StepSpec",
    "TenantProjectSpec",
    "TenantSpec",
    "VariableSpec",
    "WorkersSpec",
    "build",
    "build_deployments",
    "build_world",
    "presets",
    "restart_presets",
]
