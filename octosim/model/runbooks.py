"""Runbooks, their snapshots and their runs (octopus-deployments.md §5.1).

A :class:`Runbook` has its own process (``RunbookProcess-Runbooks-N``, a choice: the format is
seen only in a third-party script). Publishing takes a :class:`RunbookSnapshot`, a frozen copy
of that process and of the project's variables, as a release does for a deployment. Running a
runbook without naming a snapshot uses the published one; with none published the classic
route answers ``Runbook has no published snapshot.``. Lifecycles do not apply to runbooks; the
runbook's ``EnvironmentScope`` does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from octosim.model.projects import DeploymentProcess
from octosim.model.variables import Variable

__all__ = [
    "EnvironmentScope",
    "GuidedFailureMode",
    "Runbook",
    "RunbookRun",
    "RunbookSnapshot",
    "guided_failure_by_default",
]


class EnvironmentScope(StrEnum):
    """Where a runbook may run (``RunbookResource.EnvironmentScope``)."""

    All = "All"
    Specified = "Specified"
    FromProjectLifecycles = "FromProjectLifecycles"


class GuidedFailureMode(StrEnum):
    """``RunbookResource.DefaultGuidedFailureMode``."""

    EnvironmentDefault = "EnvironmentDefault"
    Off = "Off"
    On = "On"


def guided_failure_by_default(mode: GuidedFailureMode, environment_default: bool) -> bool:
    """Whether guided failure is on for a run that does not ask: the runbook's
    ``DefaultGuidedFailureMode``, or for ``EnvironmentDefault`` the environment's."""
    if mode is GuidedFailureMode.EnvironmentDefault:
        return environment_default
    return mode is GuidedFailureMode.On


@dataclass
class Runbook:
    """A ``Runbooks-N`` of a project, with its editable process."""

    id: str
    space_id: str
    project_id: str
    name: str
    process: DeploymentProcess
    environment_scope: EnvironmentScope = EnvironmentScope.All
    environments: list[str] = field(default_factory=list)
    default_guided_failure_mode: GuidedFailureMode = GuidedFailureMode.EnvironmentDefault
    published_runbook_snapshot_id: str | None = None
    description: str = ""

    @property
    def runbook_process_id(self) -> str:
        """Return the id of the runbook's process."""
        return self.process.id


@dataclass
class RunbookSnapshot:
    """A ``RunbookSnapshots-N``: the runbook's process and the project variables, frozen."""

    id: str
    space_id: str
    project_id: str
    runbook_id: str
    name: str
    process: DeploymentProcess
    variables: tuple[Variable, ...]
    created: float
    notes: str = ""


@dataclass
class RunbookRun:
    """A ``RunbookRuns-N``; ``task_id`` is set when the RunbookRun task is queued."""

    id: str
    space_id: str
    project_id: str
    runbook_id: str
    runbook_snapshot_id: str
    environment_id: str
    name: str
    created: float
    tenant_id: str | None = None
    task_id: str | None = None
    #: ``UseGuidedFailure`` as asked: None = the runbook's ``DefaultGuidedFailureMode``,
    #: else on or off.
    use_guided_failure: bool | None = None
    skip_actions: list[str] = field(default_factory=list)
    specific_machine_ids: list[str] = field(default_factory=list)
    excluded_machine_ids: list[str] = field(default_factory=list)
    queue_time: float | None = None
    queue_time_expiry: float | None = None
    #: None until the RunbookRun task ends by itself; then whether it succeeded
    #: (``FailureEncountered`` is its negation, as for a deployment).
    succeeded: bool | None = None
    #: The id of the user whose request created it (``DeployedById``); None for one made
    #: through the model directly.
    created_by: str | None = None
