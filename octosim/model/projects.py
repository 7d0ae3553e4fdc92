"""Project groups, projects, channels and deployment processes: what a release is made from.

Plain records in Octopus's shapes (octopus-deployments.md §5): a :class:`Project` owns one
:class:`DeploymentProcess` (``deploymentprocess-Projects-N``), one variable set
(``variableset-Projects-N``) and at least the ``Default`` :class:`Channel`. A process is a
list of :class:`DeploymentStep`, each with its :class:`DeploymentAction`; the properties keep
Octopus's property names (``Octopus.Action.TargetRoles``, ``Octopus.Action.RunOnServer``, …)
as strings, because that is how Octopus stores them and how a client sends them.

The registry that creates and finds these is :mod:`octosim.model.deployment_store`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "AUTO_RETRY_MAXIMUM_COUNT",
    "AUTO_RETRY_MINIMUM_BACKOFF",
    "DEFAULT_MAX_PARALLELISM",
    "DEFAULT_RETRY_BACKOFF_SECONDS",
    "EXECUTION_TIMEOUT_MINUTES",
    "MAX_PARALLELISM",
    "RUN_ON_SERVER",
    "SCRIPT_BODY",
    "SCRIPT_SYNTAX",
    "TARGET_ROLES",
    "WHOLE_NUMBER_MAX",
    "WHOLE_NUMBER_PROPERTIES",
    "ActionCondition",
    "Channel",
    "DeploymentAction",
    "DeploymentProcess",
    "DeploymentStep",
    "Project",
    "ProjectGroup",
    "StartTrigger",
    "StepCondition",
    "is_bound",
    "slug",
    "whole_number",
]

#: Step property: the comma-separated roles whose targets the step runs on.
TARGET_ROLES = "Octopus.Action.TargetRoles"
#: Step property: how many targets run the step at once (a rolling deployment's window).
MAX_PARALLELISM = "Octopus.Action.MaxParallelism"
#: Action property: ``"true"`` runs the action on the server or a worker (any case).
RUN_ON_SERVER = "Octopus.Action.RunOnServer"
#: Action properties of an inline script.
SCRIPT_BODY = "Octopus.Action.Script.ScriptBody"
SCRIPT_SYNTAX = "Octopus.Action.Script.Syntax"
#: §2.4: Octopus runs a step on at most this many targets at once unless told otherwise.
DEFAULT_MAX_PARALLELISM = 10
#: Action properties of step retries (§2.6, Octopus 2023.2): how many times at most the
#: action runs when it fails (three attempts), and the seconds waited before a retry (15
#: unless set).
AUTO_RETRY_MAXIMUM_COUNT = "Octopus.Action.AutoRetry.MaximumCount"
AUTO_RETRY_MINIMUM_BACKOFF = "Octopus.Action.AutoRetry.MinimumBackoff"
DEFAULT_RETRY_BACKOFF_SECONDS = 15
#: Action property of execution timeouts (§2.6, Octopus 2023.3): the minutes an action may
#: run before it fails (unset or 0: no limit).
EXECUTION_TIMEOUT_MINUTES = "Octopus.Action.ExecutionTimeout.Minutes"
#: The action properties that hold a whole number, and the number when one is unset.
WHOLE_NUMBER_PROPERTIES: Mapping[str, int] = {
    AUTO_RETRY_MAXIMUM_COUNT: 0,
    AUTO_RETRY_MINIMUM_BACKOFF: DEFAULT_RETRY_BACKOFF_SECONDS,
    EXECUTION_TIMEOUT_MINUTES: 0,
}


#: The largest value of a whole-number property: Octopus keeps them as .NET Int32s.
WHOLE_NUMBER_MAX = 2**31 - 1


def whole_number(properties: Mapping[str, str], name: str) -> int:
    """Return the action property ``name`` of :data:`WHOLE_NUMBER_PROPERTIES` (its default
    when unset or blank).

    Raises ValueError saying so unless it is a whole number from 0 to
    :data:`WHOLE_NUMBER_MAX` (ASCII digits).
    """
    raw = properties.get(name, "").strip()
    if not raw:
        return WHOLE_NUMBER_PROPERTIES[name]
    if not raw.isascii() or not raw.isdigit() or int(raw) > WHOLE_NUMBER_MAX:
        raise ValueError(f"{name} must be a whole number from 0 to {WHOLE_NUMBER_MAX:,}, "
                         f"not {raw!r}")
    return int(raw)


def is_bound(raw: str) -> bool:
    """Return True if a property's value holds a ``#{...}`` variable: read when the action
    runs, with its variables, not when the process is saved."""
    return "#{" in raw


@functools.lru_cache(maxsize=256)
def slug(name: str) -> str:
    """Return the URL slug Octopus derives from a resource's ``name`` (``My App`` →
    ``my-app``): a project's, a space's, an environment's."""
    # Memoised: listings read every space's and environment's slug each time, from a few
    # names that rarely change.
    return "-".join("".join(c if c.isalnum() else " " for c in name.lower()).split())


class StepCondition(StrEnum):
    """A step's run ``Condition`` (SW enum): when it runs, given what ran before."""

    Success = "Success"
    Failure = "Failure"
    Always = "Always"
    Variable = "Variable"


class ActionCondition(StrEnum):
    """An action's ``Condition`` (SW enum)."""

    Success = "Success"
    Variable = "Variable"


class StartTrigger(StrEnum):
    """A step's ``StartTrigger``: after the previous step, or beside it."""

    StartAfterPrevious = "StartAfterPrevious"
    StartWithPrevious = "StartWithPrevious"


@dataclass
class ProjectGroup:
    """A ``ProjectGroups-N``; every space has ``Default Project Group``."""

    id: str
    space_id: str
    name: str
    description: str = ""


@dataclass
class DeploymentAction:
    """One action of a step: ``ActionType`` (``Octopus.Script``, …), its properties and the
    filters that decide where it applies (empty list = everywhere)."""

    name: str
    action_type: str = "Octopus.Script"
    properties: dict[str, str] = field(default_factory=dict)
    environments: list[str] = field(default_factory=list)
    excluded_environments: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    tenant_tags: list[str] = field(default_factory=list)
    condition: ActionCondition = ActionCondition.Success
    is_disabled: bool = False
    id: str = ""

    @property
    def runs_on_server(self) -> bool:
        """Return True if ``Octopus.Action.RunOnServer`` is ``true`` in any case (§2.5)."""
        return self.properties.get(RUN_ON_SERVER, "").strip().lower() == "true"

    @property
    def script_body(self) -> str:
        """Return the inline script body, or ``""``."""
        return self.properties.get(SCRIPT_BODY, "")

    @property
    def script_syntax(self) -> str:
        """Return the script syntax (``PowerShell``, ``Bash``, …), PowerShell by default."""
        return self.properties.get(SCRIPT_SYNTAX, "PowerShell")

    def validate(self) -> None:
        """Raise ValueError naming the action if a property it is run by is malformed (one
        bound to a variable is read when the action runs)."""
        for name in WHOLE_NUMBER_PROPERTIES:
            if not is_bound(self.properties.get(name, "")):
                try:
                    whole_number(self.properties, name)
                except ValueError as bad:
                    raise ValueError(f"action {self.name!r}: {bad}") from None

    def copy(self) -> DeploymentAction:
        """Return a copy that shares no list or dict with this action (built field by field:
        ``dataclasses.replace`` spent most of a release's snapshot in its generic walk)."""
        return DeploymentAction(
            self.name, self.action_type, dict(self.properties), list(self.environments),
            list(self.excluded_environments), list(self.channels), list(self.tenant_tags),
            self.condition, self.is_disabled, self.id,
        )

    def applies_to(self, environment_id: str, channel_id: str) -> bool:
        """Return True if this action runs in ``environment_id`` for ``channel_id``."""
        if self.is_disabled or environment_id in self.excluded_environments:
            return False
        if self.environments and environment_id not in self.environments:
            return False
        return not self.channels or channel_id in self.channels


@dataclass
class DeploymentStep:
    """One step of a process: ``Condition``, ``StartTrigger``, properties, actions."""

    name: str
    actions: list[DeploymentAction] = field(default_factory=list)
    properties: dict[str, str] = field(default_factory=dict)
    condition: StepCondition = StepCondition.Success
    start_trigger: StartTrigger = StartTrigger.StartAfterPrevious
    package_requirement: str = "LetOctopusDecide"
    id: str = ""

    def copy(self) -> DeploymentStep:
        """Return a copy that shares no list, dict or action with this step."""
        return DeploymentStep(
            self.name, [action.copy() for action in self.actions], dict(self.properties),
            self.condition, self.start_trigger, self.package_requirement, self.id,
        )

    @property
    def target_roles(self) -> list[str]:
        """Return the roles of ``Octopus.Action.TargetRoles`` (none for a worker-only step)."""
        raw = self.properties.get(TARGET_ROLES, "")
        return [role.strip() for role in raw.split(",") if role.strip()]

    @property
    def max_parallelism(self) -> int:
        """Return the step's window: ``Octopus.Action.MaxParallelism``, else 10.

        Raises ValueError naming the step if the property is not a positive integer.
        """
        raw = self.properties.get(MAX_PARALLELISM, "").strip()
        if not raw:
            return DEFAULT_MAX_PARALLELISM
        try:
            value = int(raw)
        except ValueError:
            value = 0
        if value < 1:
            raise ValueError(
                f"step {self.name!r}: {MAX_PARALLELISM} must be a positive whole number, "
                f"not {raw!r}"
            )
        return value


@dataclass
class DeploymentProcess:
    """A project's (or a runbook's) process: ``deploymentprocess-Projects-N``."""

    id: str
    space_id: str
    project_id: str
    steps: list[DeploymentStep] = field(default_factory=list)
    version: int = 0

    def snapshot(self) -> DeploymentProcess:
        """Return a copy that shares nothing mutable with this process: what a release or a
        runbook snapshot keeps while the project's process is edited on (explicit copies,
        where ``copy.deepcopy`` spent most of a release's creation in its generic walk)."""
        return DeploymentProcess(self.id, self.space_id, self.project_id,
                                 [step.copy() for step in self.steps], self.version)


@dataclass
class Channel:
    """A ``Channels-N``; ``lifecycle_id`` None means the project's lifecycle."""

    id: str
    space_id: str
    project_id: str
    name: str
    is_default: bool = False
    lifecycle_id: str | None = None
    description: str = ""


@dataclass
class Project:
    """A ``Projects-N`` and the ids of what was created with it (§5.1)."""

    id: str
    space_id: str
    name: str
    project_group_id: str
    lifecycle_id: str
    deployment_process_id: str
    variable_set_id: str
    description: str = ""
    is_disabled: bool = False
    allow_deployments_to_no_targets: bool = False
    release_versioning_template: str = ""

    @property
    def slug(self) -> str:
        """Return the project's slug, derived from its name."""
        return slug(self.name)

    @property
    def deployment_settings_id(self) -> str:
        """Return ``deploymentsettings-Projects-N`` (§5.2)."""
        return f"deploymentsettings-{self.id}"
