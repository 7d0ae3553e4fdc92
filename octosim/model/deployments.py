"""Deployments, and the texts and tags a Deploy or RunbookRun task is given.

- :class:`Deployment`: a ``Deployments-N`` of a release to an environment (and tenant). Its
  ``task_id`` is set by whoever queues the Deploy task; ``succeeded`` is recorded when that
  task ends, so the lifecycle can tell where a release has been deployed.
- :func:`concurrency_tag`: two tasks with the same tag never run at once (§2.2, CONFIRMED):
  untenanted ``#{Octopus.Project.Id}/#{Octopus.Environment.Id}``, tenanted
  ``#{Octopus.Deployment.Tenant.Id}/#{Octopus.Project.Id}/#{Octopus.Environment.Id}``, runbook
  runs ``Tenants-Id/Projects-Id/Runbooks-Id/Environments-Id``; the project variable
  ``Octopus.Task.ConcurrencyTag`` overrides it and may itself use variables.
- :func:`deploy_description`, :func:`runbook_run_description`: the task ``Description``
  (``Deploy {Project} release {Version} to {Environment}``, CONFIRMED; the rest per
  :class:`~octosim.model.deploy_choices.DeploymentChoices`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from octosim.model.deploy_choices import DEFAULT_CHOICES, DeploymentChoices
from octosim.model.variables import ScopeContext, Variable, resolve, substitute

if TYPE_CHECKING:
    from octosim.model.releases import Release
    from octosim.model.runbooks import RunbookSnapshot

__all__ = [
    "CONCURRENCY_TAG_VARIABLE",
    "TENANTED_CONCURRENCY_TAG",
    "UNTENANTED_CONCURRENCY_TAG",
    "Deployment",
    "concurrency_tag",
    "deploy_description",
    "deployment_name",
    "overrides_concurrency_tag",
    "release_concurrency_tag",
    "runbook_run_concurrency_tag",
    "runbook_run_description",
    "runbook_run_name",
    "snapshot_concurrency_tag",
]

CONCURRENCY_TAG_VARIABLE = "Octopus.Task.ConcurrencyTag"
UNTENANTED_CONCURRENCY_TAG = "#{Octopus.Project.Id}/#{Octopus.Environment.Id}"
TENANTED_CONCURRENCY_TAG = (
    "#{Octopus.Deployment.Tenant.Id}/#{Octopus.Project.Id}/#{Octopus.Environment.Id}"
)


@dataclass
class Deployment:
    """A ``Deployments-N``."""

    id: str
    space_id: str
    project_id: str
    release_id: str
    channel_id: str
    environment_id: str
    name: str
    created: float
    tenant_id: str | None = None
    task_id: str | None = None
    comments: str = ""
    #: ``UseGuidedFailure`` as asked: None = the environment's default, else on or off.
    use_guided_failure: bool | None = None
    skip_actions: list[str] = field(default_factory=list)
    specific_machine_ids: list[str] = field(default_factory=list)
    excluded_machine_ids: list[str] = field(default_factory=list)
    force_package_redeployment: bool = False
    queue_time: float | None = None
    queue_time_expiry: float | None = None
    #: None until the Deploy task ends; then whether it succeeded.
    succeeded: bool | None = None
    #: The tag its Deploy task runs under (:func:`concurrency_tag`), fixed at creation: the
    #: release's variables and the deployment's project, environment and tenant decide it.
    concurrency_tag: str = ""
    #: The id of the user whose request created it (``DeployedById``,
    #: ``Octopus.Deployment.CreatedBy.*``); None for one made through the model directly.
    created_by: str | None = None


def concurrency_tag(
    project_id: str,
    environment_id: str,
    tenant_id: str | None = None,
    variables: Mapping[str, str] | None = None,
) -> str:
    """Return the concurrency tag of a deployment.

    ``variables`` are the deployment's project variables: ``Octopus.Task.ConcurrencyTag``
    there replaces the default, substituted with the deployment's ids and those variables.
    """
    override = _override(variables)
    if override is None:  # the default templates, substituted
        return "/".join([tenant_id, project_id, environment_id] if tenant_id
                        else [project_id, environment_id])
    values = dict(variables or {})
    values.update({
        "Octopus.Project.Id": project_id,
        "Octopus.Environment.Id": environment_id,
        "Octopus.Deployment.Tenant.Id": tenant_id or "",
    })
    return substitute(override, values)


def overrides_concurrency_tag(variables: Iterable[Variable]) -> bool:
    """Return True if one of a project's ``variables`` is ``Octopus.Task.ConcurrencyTag``
    (any case, any scope): only then do its other values bear on a task's tag."""
    wanted = CONCURRENCY_TAG_VARIABLE.lower()
    return any(variable.name.lower() == wanted for variable in variables)


def release_concurrency_tag(release: Release, environment_id: str, tenant_id: str | None) -> str:
    """Return the concurrency tag of a deployment of ``release`` to ``environment_id`` (and
    ``tenant_id``): :func:`concurrency_tag` over the release's variables resolved there."""
    project_values = None  # they bear on the tag only through a tag of their own
    if overrides_concurrency_tag(release.variables):
        project_values = resolve(release.variables, ScopeContext(
            environment_id, channel_id=release.channel_id, tenant_id=tenant_id))
    return concurrency_tag(release.project_id, environment_id, tenant_id, project_values)


def _override(variables: Mapping[str, str] | None) -> str | None:
    """The value of ``Octopus.Task.ConcurrencyTag`` (any case) in ``variables``, or None."""
    wanted = CONCURRENCY_TAG_VARIABLE.lower()
    return next((v for k, v in (variables or {}).items() if k.lower() == wanted), None)


def runbook_run_concurrency_tag(
    project_id: str,
    runbook_id: str,
    environment_id: str,
    tenant_id: str | None = None,
    variables: Mapping[str, str] | None = None,
) -> str:
    """Return the concurrency tag of a runbook run (``Tenants-Id/`` only when tenanted),
    overridden like :func:`concurrency_tag`."""
    override = _override(variables)
    if override is None:
        parts = [tenant_id] if tenant_id else []
        return "/".join([*parts, project_id, runbook_id, environment_id])
    values = dict(variables or {})
    values.update({
        "Octopus.Project.Id": project_id,
        "Octopus.Runbook.Id": runbook_id,
        "Octopus.Environment.Id": environment_id,
        "Octopus.Deployment.Tenant.Id": tenant_id or "",
    })
    return substitute(override, values)


def snapshot_concurrency_tag(
    snapshot: RunbookSnapshot, environment_id: str, tenant_id: str | None
) -> str:
    """Return the concurrency tag of a run of ``snapshot`` in ``environment_id`` (and
    ``tenant_id``): :func:`runbook_run_concurrency_tag` over the snapshot's variables
    resolved there."""
    project_values = None  # they bear on the tag only through a tag of their own
    if overrides_concurrency_tag(snapshot.variables):
        project_values = resolve(snapshot.variables, ScopeContext(
            environment_id, tenant_id=tenant_id, process_owner_id=snapshot.runbook_id))
    return runbook_run_concurrency_tag(snapshot.project_id, snapshot.runbook_id,
                                       environment_id, tenant_id, project_values)


def deploy_description(
    project: str, version: str, environment: str, tenant: str | None = None,
    choices: DeploymentChoices = DEFAULT_CHOICES,
) -> str:
    """Return a Deploy task's ``Description`` (names, not ids)."""
    text = f"Deploy {project} release {version} to {environment}"
    if tenant:
        text += choices.tenanted_description_suffix.format(tenant=tenant)
    return text


def runbook_run_description(
    runbook: str, environment: str, tenant: str | None = None,
    choices: DeploymentChoices = DEFAULT_CHOICES,
) -> str:
    """Return a RunbookRun task's ``Description`` (names, not ids)."""
    text = choices.runbook_run_description.format(runbook=runbook, environment=environment)
    if tenant:
        text += choices.tenanted_description_suffix.format(tenant=tenant)
    return text


def deployment_name(environment: str) -> str:
    """Return a deployment's ``Name``: ``Deploy to Production`` (the docs' example)."""
    return f"Deploy to {environment}"


def runbook_run_name(environment: str) -> str:
    """Return a runbook run's ``Name``: ``Run on Production`` (the docs' example)."""
    return f"Run on {environment}"
