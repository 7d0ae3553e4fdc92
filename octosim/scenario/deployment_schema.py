"""The deployment half of the scenario schema: lifecycles, project groups, projects (their
steps, actions, variables and runbooks), tenants and the default worker pool.

Each table is a frozen dataclass whose fields carry their Knobs, as in :mod:`.schema`; the
reader and writer follow them. Names stand for ids everywhere (``lifecycle = "Production
only"``, ``environments = ["Production"]``): :mod:`.build_deployments` turns them into the
model's ids. What a name must refer to is checked when the scenario is read
(:func:`check_deployments`), so a scenario that reads always builds.

A step's keys are Octopus's step and action properties under readable names (``roles`` is
``Octopus.Action.TargetRoles``, ``run_on_server`` is ``Octopus.Action.RunOnServer``, …);
``properties`` adds any other property as written, but not one that has its own key.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from octosim.model.deployment_store import DEFAULT_LIFECYCLE, DEFAULT_PROJECT_GROUP
from octosim.model.process_runner import ACTION_CONDITION_EXPRESSION, CONDITION_EXPRESSION
from octosim.model.projects import (
    MAX_PARALLELISM,
    RUN_ON_SERVER,
    SCRIPT_BODY,
    SCRIPT_SYNTAX,
    TARGET_ROLES,
    WHOLE_NUMBER_PROPERTIES,
    ActionCondition,
    StartTrigger,
    StepCondition,
    is_bound,
    whole_number,
)
from octosim.model.tenants import TenantedDeploymentParticipation
from octosim.scenario._knob import knob, show

__all__ = [
    "MAX_ACTIONS",
    "MAX_PROJECTS",
    "MAX_STEPS",
    "MAX_TENANTS",
    "MAX_VARIABLES",
    "MAX_WORKERS",
    "OWN_KEYS",
    "SCRIPT_SYNTAXES",
    "ActionSpec",
    "LifecycleSpec",
    "PhaseSpec",
    "ProjectGroupSpec",
    "ProjectSpec",
    "RunbookSpec",
    "StepSpec",
    "TenantProjectSpec",
    "TenantSpec",
    "VariableSpec",
    "WorkersSpec",
    "check_deployments",
]

#: Bounds on counts, as for agents: a mistyped number is an error, not a run out of memory.
MAX_PROJECTS = 1_000
MAX_STEPS = 100
MAX_ACTIONS = 20
MAX_VARIABLES = 1_000
MAX_TENANTS = 1_000
MAX_WORKERS = 100

#: The script syntaxes Octopus knows (``Octopus.Action.Script.Syntax``).
SCRIPT_SYNTAXES = ("PowerShell", "Bash", "CSharp", "Python")

#: Step and action properties that have a key of their own, and that key.
OWN_KEYS: Mapping[str, str] = {
    TARGET_ROLES: "roles",
    MAX_PARALLELISM: "max_parallelism",
    CONDITION_EXPRESSION: "condition_expression",
    ACTION_CONDITION_EXPRESSION: "condition_expression",
    SCRIPT_BODY: "script_body",
    SCRIPT_SYNTAX: "syntax",
    RUN_ON_SERVER: "run_on_server",
}


_NAME = knob(pattern=r"(?s).*\S.*", pattern_text="a name that is not blank")


# -- [[lifecycles]] -----------------------------------------------------------------------------
@dataclass(frozen=True)
class PhaseSpec:
    """A phase of a lifecycle (``[[lifecycles.phases]]``).

    ``environments`` are deployed to automatically, ``optional_environments`` by hand (the
    API's ``OptionalDeploymentTargets``); both count towards completing the phase. No
    environment at all: every environment no earlier phase names.
    ``minimum_environments_before_promotion``: 0 means all of them; ``optional``: the phase
    never holds a release back.
    """

    name: str = field(metadata=_NAME)
    environments: tuple[str, ...] = ()
    optional_environments: tuple[str, ...] = ()
    minimum_environments_before_promotion: int = 0
    optional: bool = False


@dataclass(frozen=True)
class LifecycleSpec:
    """A lifecycle (``[[lifecycles]]``); no phases: one phase per environment, in order."""

    name: str = field(metadata=_NAME)
    description: str = ""
    phases: tuple[PhaseSpec, ...] = field(default=(), metadata=knob(high=MAX_STEPS))


# -- [[project_groups]] -------------------------------------------------------------------------
@dataclass(frozen=True)
class ProjectGroupSpec:
    """A project group (``[[project_groups]]``); every space also has ``Default Project
    Group``."""

    name: str = field(metadata=_NAME)
    description: str = ""


# -- [[projects]] and their steps --------------------------------------------------------------
@dataclass(frozen=True)
class ActionSpec:
    """One action of a step (``[[projects.steps.actions]]``).

    ``name``: the step's name if absent. ``action_type``: ``Octopus.Script`` runs
    ``script_body``; any other type not ``Octopus.*`` is a Python step action the
    simulation must have registered (docs/deployment-tasks.md). ``run_on_server``: run on a
    worker (on behalf of each target when the step has roles). ``environments`` /
    ``excluded_environments``: where the action runs (empty: everywhere). ``properties``:
    any other action property, as Octopus names it. ``condition``: ``Success`` runs it unless
    an earlier action of the step failed on that target; ``Variable`` runs it when
    ``condition_expression`` holds there.
    """

    name: str | None = field(default=None, metadata=_NAME)
    action_type: str = field(default="Octopus.Script", metadata=_NAME)
    syntax: str | None = field(default=None, metadata=knob(choices=SCRIPT_SYNTAXES,
                                                           fold_case=True))
    script_body: str | None = None
    run_on_server: bool = False
    environments: tuple[str, ...] = ()
    excluded_environments: tuple[str, ...] = ()
    properties: Mapping[str, str] | None = None
    condition: ActionCondition = field(default=ActionCondition.Success, metadata=knob(
        fold_case=True))
    condition_expression: str | None = None


@dataclass(frozen=True)
class StepSpec:
    """One step of a process (``[[projects.steps]]``, ``[[projects.runbooks.steps]]``).

    ``roles``: the target roles (none: a step run once, on a worker or the server).
    ``max_parallelism``: how many targets run it at once, the rolling window (absent:
    Octopus's 10). ``condition``: when it runs after what ran before; ``Variable`` runs it
    when ``condition_expression`` is not false. ``start_trigger``: after the previous
    step, or beside it. ``properties``: any other step property.
    """

    name: str = field(metadata=_NAME)
    actions: tuple[ActionSpec, ...] = field(metadata=knob(low=1, high=MAX_ACTIONS))
    roles: tuple[str, ...] = ()
    max_parallelism: int | None = field(default=None, metadata=knob(low=1, high=10_000))
    condition: StepCondition = field(default=StepCondition.Success, metadata=knob(
        fold_case=True))
    condition_expression: str | None = None
    start_trigger: StartTrigger = field(default=StartTrigger.StartAfterPrevious,
                                        metadata=knob(fold_case=True))
    properties: Mapping[str, str] | None = None


@dataclass(frozen=True)
class VariableSpec:
    """A value of a project variable (``[[projects.variables]]``), scoped by environment,
    role, machine (agent name) and tenant; an empty scope applies everywhere."""

    name: str = field(metadata=_NAME)
    value: str = ""
    sensitive: bool = False
    description: str = ""
    environments: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    machines: tuple[str, ...] = ()
    tenants: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunbookSpec:
    """A runbook of a project (``[[projects.runbooks]]``): its process, where it may run
    (``environments``; none: everywhere) and whether a snapshot of it is published, so that
    it can be run without naming one."""

    name: str = field(metadata=_NAME)
    description: str = ""
    environments: tuple[str, ...] = ()
    steps: tuple[StepSpec, ...] = field(default=(), metadata=knob(high=MAX_STEPS))
    publish: bool = True


@dataclass(frozen=True)
class ProjectSpec:
    """A project (``[[projects]]``): its group and lifecycle (absent: the space's
    defaults), its deployment process, its variables and its runbooks."""

    name: str = field(metadata=_NAME)
    description: str = ""
    group: str | None = field(default=None, metadata=_NAME)
    lifecycle: str | None = field(default=None, metadata=_NAME)
    steps: tuple[StepSpec, ...] = field(default=(), metadata=knob(high=MAX_STEPS))
    variables: tuple[VariableSpec, ...] = field(default=(), metadata=knob(high=MAX_VARIABLES))
    runbooks: tuple[RunbookSpec, ...] = field(default=(), metadata=knob(high=MAX_STEPS))


# -- [[tenants]], [workers] ---------------------------------------------------------------------
@dataclass(frozen=True)
class TenantProjectSpec:
    """A tenant's connection to a project, in some environments (``[[tenants.projects]]``)."""

    project: str = field(metadata=_NAME)
    environments: tuple[str, ...] = ()


@dataclass(frozen=True)
class TenantSpec:
    """A tenant (``[[tenants]]``) and the projects and environments it is connected to.
    An agent takes part in its deployments with ``tenants`` and
    ``tenanted_deployment_participation``."""

    name: str = field(metadata=_NAME)
    description: str = ""
    projects: tuple[TenantProjectSpec, ...] = field(default=(), metadata=knob(
        high=MAX_PROJECTS))


@dataclass(frozen=True)
class WorkersSpec:
    """The ``Default Worker Pool`` (``[workers]``): how many workers, and their OS."""

    count: int = field(default=1, metadata=knob(low=1, high=MAX_WORKERS))
    os: str = field(default="Windows", metadata=knob(choices=("Windows", "Linux"),
                                                     fold_case=True))


# -- what names must refer to -------------------------------------------------------------------
def _duplicates(names: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    dups: list[str] = []
    for name in names:
        key = name.strip().lower()
        if key in seen and seen[key] not in dups:
            dups.append(seen[key])
        seen.setdefault(key, name)
    return dups


def _unknown(where: str, names: Sequence[str], known: Sequence[str],
             what: str) -> Iterator[tuple[str, str]]:
    lowered = {k.lower() for k in known}
    for name in names:
        if name.lower() not in lowered:
            yield where, f"expected one of the {what} {show(list(known))}, got {show(name)}"


def _check_properties(where: str, spec: StepSpec | ActionSpec) -> Iterator[tuple[str, str]]:
    for name in spec.properties or {}:
        own = OWN_KEYS.get(name)
        if own is not None:
            yield f"{where}.properties", f"set {name!r} with the key {own!r}, not in properties"
    if isinstance(spec, ActionSpec) and spec.properties:
        # The retry and timeout properties, read now as saving the process would read them.
        for name in WHOLE_NUMBER_PROPERTIES:
            if is_bound(spec.properties.get(name, "")):
                continue  # read when the action runs, with its variables
            try:
                whole_number(spec.properties, name)
            except ValueError as bad:
                yield f"{where}.properties", str(bad)


def _check_steps(where: str, steps: Sequence[StepSpec],
                 environments: Sequence[str]) -> Iterator[tuple[str, str]]:
    for dup in _duplicates(s.name for s in steps):
        yield where, f"two steps are named {dup!r}; step names must be unique in a process"
    action_names = [a.name or s.name for s in steps for a in s.actions]
    for dup in _duplicates(action_names):
        yield where, (f"two actions are named {dup!r} (an action without a name takes its "
                      "step's); action names must be unique in a process")
    for i, step in enumerate(steps):
        at = f"{where}[{i}]"
        yield from _check_condition(at, step.condition is StepCondition.Variable,
                                    step.condition_expression)
        yield from _check_properties(at, step)
        for j, action in enumerate(step.actions):
            act = f"{at}.actions[{j}]"
            yield from _check_condition(act, action.condition is ActionCondition.Variable,
                                        action.condition_expression)
            yield from _check_properties(act, action)
            yield from _unknown(f"{act}.environments", action.environments, environments,
                                "environments")
            yield from _unknown(f"{act}.excluded_environments", action.excluded_environments,
                                environments, "environments")


def _check_condition(at: str, variable: bool,
                     expression: str | None) -> Iterator[tuple[str, str]]:
    """A step's or an action's ``condition_expression``: required with ``Variable``, and
    meaningless without it."""
    if variable and not (expression or "").strip():
        yield f"{at}.condition_expression", ('is required when condition = "Variable": '
                                             "the variable expression that decides")
    if not variable and expression:
        yield f"{at}.condition_expression", ('applies only with condition = "Variable"; '
                                             "set that or drop it")


class _Agent(Protocol):
    # What the checks read of an agent (schema.AgentSpec, which imports this module).
    @property
    def name(self) -> str: ...
    @property
    def tenants(self) -> tuple[str, ...] | None: ...
    @property
    def tenanted_deployment_participation(self) -> TenantedDeploymentParticipation | None: ...


class _Declared(Protocol):
    # What the checks read of a scenario (schema.Scenario, which imports this module).
    @property
    def environments(self) -> tuple[str, ...]: ...
    @property
    def agents(self) -> Sequence[_Agent]: ...
    def all_agents(self) -> Sequence[_Agent]: ...
    @property
    def lifecycles(self) -> tuple[LifecycleSpec, ...]: ...
    @property
    def project_groups(self) -> tuple[ProjectGroupSpec, ...]: ...
    @property
    def projects(self) -> tuple[ProjectSpec, ...]: ...
    @property
    def tenants(self) -> tuple[TenantSpec, ...]: ...


def check_deployments(scenario: _Declared) -> Iterator[tuple[str, str]]:
    """Yield ``(key, problem)`` for every name in the deployment tables that refers to
    nothing (an environment, a lifecycle, a project group, a project, a tenant, an agent),
    and for names that must be unique and are not."""
    envs = list(scenario.environments)
    try:  # listed and generated: a variable may be scoped to a group's machine
        agents = [a.name for a in scenario.all_agents()]
    except ValueError:  # a group's name pattern that cannot be filled in: its own problem
        agents = [a.name for a in scenario.agents]
    tenants = [t.name for t in scenario.tenants]
    projects = [p.name for p in scenario.projects]
    lifecycles = [DEFAULT_LIFECYCLE, *(c.name for c in scenario.lifecycles)]
    groups = [DEFAULT_PROJECT_GROUP, *(g.name for g in scenario.project_groups)]
    for key, names, what in (("lifecycles", lifecycles, "lifecycle"),
                             ("project_groups", groups, "project group"),
                             ("projects", projects, "project"),
                             ("tenants", tenants, "tenant")):
        for dup in _duplicates(names):
            yield key, f"two {what}s are named {dup!r}; names must be unique"
    for i, cycle in enumerate(scenario.lifecycles):
        for j, phase in enumerate(cycle.phases):
            at = f"lifecycles[{i}].phases[{j}]"
            yield from _unknown(f"{at}.environments", phase.environments, envs, "environments")
            yield from _unknown(f"{at}.optional_environments", phase.optional_environments,
                                envs, "environments")
            count = len(phase.environments) + len(phase.optional_environments)
            if count and phase.minimum_environments_before_promotion > count:
                yield f"{at}.minimum_environments_before_promotion", (
                    f"the phase has {count} environment(s), so it could never be complete "
                    f"with {phase.minimum_environments_before_promotion}")
    for i, project in enumerate(scenario.projects):
        at = f"projects[{i}]"
        if project.group is not None:
            yield from _unknown(f"{at}.group", [project.group], groups, "project groups")
        if project.lifecycle is not None:
            yield from _unknown(f"{at}.lifecycle", [project.lifecycle], lifecycles,
                                "lifecycles")
        yield from _check_steps(f"{at}.steps", project.steps, envs)
        for j, variable in enumerate(project.variables):
            var = f"{at}.variables[{j}]"
            yield from _unknown(f"{var}.environments", variable.environments, envs,
                                "environments")
            yield from _unknown(f"{var}.machines", variable.machines, agents, "agents")
            yield from _unknown(f"{var}.tenants", variable.tenants, tenants, "tenants")
        for dup in _duplicates(r.name for r in project.runbooks):
            yield f"{at}.runbooks", f"two runbooks are named {dup!r}; names must be unique"
        for j, runbook in enumerate(project.runbooks):
            book = f"{at}.runbooks[{j}]"
            yield from _unknown(f"{book}.environments", runbook.environments, envs,
                                "environments")
            yield from _check_steps(f"{book}.steps", runbook.steps, envs)
    for i, tenant in enumerate(scenario.tenants):
        for dup in _duplicates(link.project for link in tenant.projects):
            yield f"tenants[{i}].projects", (f"the project {dup!r} is listed twice; list all "
                                             "its environments once")
        for j, link in enumerate(tenant.projects):
            at = f"tenants[{i}].projects[{j}]"
            yield from _unknown(f"{at}.project", [link.project], projects, "projects")
            yield from _unknown(f"{at}.environments", link.environments, envs, "environments")
    for i, agent in enumerate(scenario.agents):
        yield from _unknown(f"agents[{i}].tenants", agent.tenants or (), tenants, "tenants")
        kind = TenantedDeploymentParticipation
        if agent.tenants and agent.tenanted_deployment_participation in (None,
                                                                          kind.Untenanted):
            yield f"agents[{i}].tenanted_deployment_participation", (
                'an agent with tenants takes part in their deployments only as "Tenanted" or '
                '"TenantedOrUntenanted"; set it')
