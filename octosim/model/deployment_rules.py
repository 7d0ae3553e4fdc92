"""The rules that create releases, deployments, runbook snapshots and runbook runs.

Each function checks what Octopus checks, in Octopus's words (octopus-deployments.md §5.1,
§5.3), then records the new resource in the :class:`~octosim.model.deployment_store.
DeploymentStore`. ``now`` is the virtual time to stamp it with: these functions read no clock
and queue no task; whoever queues the Deploy/RunbookRun task sets ``task_id`` and, when it
ends, calls :func:`record_deployment_outcome`.
"""

from __future__ import annotations

import string
from collections.abc import Iterable

from octosim.model.deploy_errors import (
    CHANNEL_OF_ANOTHER_PROJECT,
    CHANNEL_REQUIRED,
    HELP_TEXT,
    NO_PUBLISHED_SNAPSHOT,
    NO_STEPS_TO_RUN,
    PROJECT_DISABLED,
    RELEASE_EXISTS,
    DeploymentModelError,
)
from octosim.model.deployment_store import DeploymentStore
from octosim.model.deployments import (
    Deployment,
    deployment_name,
    release_concurrency_tag,
    runbook_run_name,
)
from octosim.model.lifecycles import (
    EffectivePhase,
    Lifecycle,
    allowed_by_phases,
    effective_phases,
)
from octosim.model.projects import Channel, Project
from octosim.model.releases import Release, next_version, parse_version
from octosim.model.runbooks import EnvironmentScope, Runbook, RunbookRun, RunbookSnapshot
from octosim.model.step_plan import DeploymentPlan, applicable_actions, plan_steps
from octosim.model.tenants import Tenant
from octosim.model.world import Environment

__all__ = [
    "allowed_environment_ids",
    "check_deployment",
    "check_runbook_run",
    "choose_channel",
    "create_deployment",
    "create_release",
    "create_runbook_run",
    "lifecycle_of",
    "no_targets_error",
    "plan_deployment",
    "publish_runbook_snapshot",
    "record_deployment_outcome",
]


def choose_channel(store: DeploymentStore, project: Project, name_or_id: str | None) -> Channel:
    """Return the channel named (or with the id) given, else the project's default channel,
    else its only channel.

    Raises DeploymentModelError with Octopus's "A channelId must be provided" text when none
    is named and that is ambiguous, its "belongs to the project" text for the id of another
    project's channel, or (404) when the named one does not exist.
    """
    if name_or_id:
        other = store.channels.get(name_or_id.strip())
        # Only a channel of the same space: another space's is unknown here (a 404 that
        # tells nothing of it).
        if (other is not None and other.project_id != project.id
                and other.space_id == project.space_id):
            raise DeploymentModelError(CHANNEL_OF_ANOTHER_PROJECT.format(
                channel=other.name, project_id=other.project_id))
        return store.channel(project.id, name_or_id)
    channels = store.channels_of(project.id)
    default = [c for c in channels if c.is_default]
    if default:
        return default[0]
    if len(channels) == 1:
        return channels[0]
    raise DeploymentModelError(CHANNEL_REQUIRED)


def create_release(
    store: DeploymentStore,
    project_id: str,
    *,
    version: str | None = None,
    channel: str | None = None,
    release_notes: str = "",
    ignore_if_already_exists: bool = False,
    now: float = 0.0,
) -> Release:
    """Create a release of the project's current process and variables; return it.

    Without ``version`` the project's template gives the next one (``0.0.1``, ``0.0.2``, …).
    With ``ignore_if_already_exists`` an existing version returns that release (if the
    choices say so). Raises DeploymentModelError if the project is disabled, the channel is
    ambiguous or unknown, the version is invalid or already exists.
    """
    project = store.projects[project_id]
    if project.is_disabled:
        raise DeploymentModelError(PROJECT_DISABLED)
    chosen = choose_channel(store, project, channel)
    existing = [r.version for r in store.releases_of(project_id)]
    if version is None or not version.strip():
        version = next_version(existing, project.release_versioning_template)
    version = version.strip()
    parse_version(version)
    if version in existing:
        if ignore_if_already_exists and store.choices.ignore_if_exists_returns_existing:
            return store.release(project_id, version)
        raise DeploymentModelError(RELEASE_EXISTS.format(version=version))
    process = store.process_of(project_id)
    variable_set = store.variables_of(project_id)
    n = store.snapshot_counts.get(project_id, 0) + 1
    store.snapshot_counts[project_id] = n
    frozen = store.choices.frozen_snapshot_id
    release = Release(
        store.world.next_id("Releases"), project.space_id, project_id, chosen.id, version,
        process.snapshot(), tuple(variable_set.variables), now, release_notes,
        frozen.format(owner_id=variable_set.id, n=n), frozen.format(owner_id=process.id, n=n),
    )
    store.releases[release.id] = release
    return release


def lifecycle_of(store: DeploymentStore, release: Release) -> Lifecycle:
    """Return the lifecycle that governs ``release``: its channel's, else its project's."""
    channel = store.channels[release.channel_id]
    return store.lifecycles[channel.lifecycle_id or store.projects[release.project_id].lifecycle_id]


def allowed_environment_ids(store: DeploymentStore, release: Release) -> list[str]:
    """Return the environments ``release`` may be deployed to now, in phase order."""
    return _allowed(store, release, _phases(store, release))


def _phases(store: DeploymentStore, release: Release) -> list[EffectivePhase]:
    pairs = [(e.id, e.sort_order) for e in store.environments_of(release.space_id)]
    return effective_phases(lifecycle_of(store, release), pairs)


def _allowed(store: DeploymentStore, release: Release, phases: list[EffectivePhase]) -> list[str]:
    succeeded = {d.environment_id for d in store.deployments_of(release.id) if d.succeeded}
    return allowed_by_phases(phases, succeeded)


def plan_deployment(
    store: DeploymentStore,
    release: Release,
    environment_id: str,
    tenant_id: str | None = None,
    *,
    specific_machine_ids: Iterable[str] = (),
    excluded_machine_ids: Iterable[str] = (),
    skip_actions: Iterable[str] = (),
) -> DeploymentPlan:
    """Return the step plan of ``release`` in an environment, for the world's machines (see
    :func:`~octosim.model.step_plan.plan_steps`)."""
    tenant = store.tenants[tenant_id] if tenant_id else None
    return plan_steps(
        release.process, environment_id, release.channel_id, store.world.machines.values(),
        tenant=tenant, tenancy=store.tenancy_of, choices=store.choices,
        specific_machine_ids=specific_machine_ids, excluded_machine_ids=excluded_machine_ids,
        skip_actions=skip_actions,
    )


def check_deployment(
    store: DeploymentStore,
    release_id: str,
    environment_id: str,
    *,
    tenant_id: str | None = None,
    skip_actions: Iterable[str] = (),
) -> None:
    """Raise DeploymentModelError, as :func:`create_deployment` would, if a deployment of the
    release to the environment (and tenant) would be refused; record nothing.

    A request that deploys to several environments or tenants checks them all first, so that
    a refusal leaves nothing created (a 4xx means nothing was done).
    """
    _checked_deployment(store, store.releases[release_id], environment_id, tenant_id,
                        list(skip_actions))


def _checked_deployment(
    store: DeploymentStore, release: Release, environment_id: str, tenant_id: str | None,
    skipped: list[str],
) -> tuple[Environment, Tenant | None]:
    """The environment and tenant a deployment of ``release`` goes to, once every rule
    passed; raises DeploymentModelError with Octopus's refusal."""
    project = store.projects[release.project_id]
    [environment] = store.environments(release.space_id, [environment_id])
    environment_id = environment.id
    phases = _phases(store, release)
    choices = store.choices
    if not any(environment_id in phase.environment_ids for phase in phases):
        raise DeploymentModelError(choices.environment_not_in_lifecycle.format(
            version=release.version, project=project.name, environment=environment.name))
    if environment_id not in _allowed(store, release, phases):
        raise DeploymentModelError([choices.lifecycle_not_allowed, HELP_TEXT])
    tenant = store.tenant(release.space_id, tenant_id) if tenant_id else None
    if tenant is not None and not tenant.is_connected(project.id, environment_id):
        raise DeploymentModelError(choices.tenant_not_connected.format(
            tenant=tenant.name, project=project.name, environment=environment.name))
    # A step is in the plan when some action of it applies (plan_steps): whether any step
    # would run depends on the actions alone, so the plan itself, with its targets, is made
    # once, when the task starts.
    if not any(applicable_actions(step, environment_id, release.channel_id, skipped)
               for step in release.process.steps):
        channel = store.channels[release.channel_id]
        raise DeploymentModelError([NO_STEPS_TO_RUN.format(
            project=project.name, channel=channel.name, environment=environment.name), HELP_TEXT])
    return environment, tenant


def create_deployment(
    store: DeploymentStore,
    release_id: str,
    environment_id: str,
    *,
    tenant_id: str | None = None,
    now: float = 0.0,
    **fields: object,
) -> Deployment:
    """Create a deployment of a release to an environment (and tenant); return it.

    ``fields`` sets other :class:`Deployment` attributes (``specific_machine_ids``,
    ``skip_actions``, ``queue_time``, …). ``environment_id`` and ``tenant_id`` may also be
    names. Raises DeploymentModelError if either is unknown, the environment is not in the
    lifecycle, not yet allowed by it, the tenant is not connected there, or no
    step would run (each refusal with Octopus's help text where Octopus adds it).
    """
    release = store.releases[release_id]
    skip = fields.get("skip_actions", ())
    skipped = [str(a) for a in skip] if isinstance(skip, list | tuple) else []
    environment, tenant = _checked_deployment(store, release, environment_id, tenant_id,
                                              skipped)
    tenant_id = tenant.id if tenant else None
    deployment = Deployment(
        store.world.next_id("Deployments"), release.space_id, release.project_id, release.id,
        release.channel_id, environment.id, deployment_name(environment.name), now, tenant_id,
        concurrency_tag=release_concurrency_tag(release, environment.id, tenant_id),
    )
    for key, value in fields.items():
        if not hasattr(deployment, key) or key in ("id", "succeeded", "concurrency_tag"):
            raise AttributeError(f"a deployment has no settable field {key!r}")
        setattr(deployment, key, value)
    store.deployments[deployment.id] = deployment
    return deployment


def no_targets_error(store: DeploymentStore, project_id: str, plan: DeploymentPlan) -> str | None:
    """Return the error a Deploy task fails with when no step of ``plan`` has anywhere to
    run and the project does not allow deployments to no targets; else None.

    A skipped step alone is not an error (§2.4: it is skipped even when another step has
    targets); only a plan where every step is skipped is.
    """
    if plan.has_targets or store.projects[project_id].allow_deployments_to_no_targets:
        return None
    return store.choices.no_targets


def record_deployment_outcome(store: DeploymentStore, deployment_id: str, succeeded: bool) -> None:
    """Record how a deployment's task ended (the lifecycle counts successful ones)."""
    store.deployments[deployment_id].succeeded = succeeded


def publish_runbook_snapshot(
    store: DeploymentStore, runbook_id: str, *, name: str | None = None, notes: str = "",
    publish: bool = True, now: float = 0.0,
) -> RunbookSnapshot:
    """Snapshot a runbook's process and its project's variables; publish it unless told not
    to; return it. Without ``name`` one is drawn: ``Snapshot`` and seven letters/digits."""
    runbook = store.runbooks[runbook_id]
    if not name:
        chars = string.ascii_uppercase + string.digits
        name = store.choices.snapshot_name_prefix + "".join(store.world.rng.choices(chars, k=7))
    snapshot = RunbookSnapshot(
        store.world.next_id("RunbookSnapshots"), runbook.space_id, runbook.project_id,
        runbook.id, name, runbook.process.snapshot(),
        tuple(store.variables_of(runbook.project_id).variables), now, notes,
    )
    store.runbook_snapshots[snapshot.id] = snapshot
    if publish:
        runbook.published_runbook_snapshot_id = snapshot.id
    return snapshot


def check_runbook_run(
    store: DeploymentStore,
    runbook_id: str,
    environment_id: str,
    *,
    snapshot: str | None = None,
    tenant_id: str | None = None,
) -> None:
    """Raise DeploymentModelError, as :func:`create_runbook_run` would, if a run of the
    runbook in the environment (and tenant) would be refused; record nothing (see
    :func:`check_deployment`)."""
    _checked_run(store, store.runbooks[runbook_id], environment_id, snapshot, tenant_id)


def _checked_run(
    store: DeploymentStore, runbook: Runbook, environment_id: str, snapshot: str | None,
    tenant_id: str | None,
) -> tuple[Environment, RunbookSnapshot, str | None]:
    """The environment, snapshot and tenant id a run of ``runbook`` uses, once every rule
    passed; raises DeploymentModelError with Octopus's refusal."""
    [environment] = store.environments(runbook.space_id, [environment_id])
    if tenant_id:
        tenant = store.tenant(runbook.space_id, tenant_id)
        # As for a deployment: a tenant runs a project's runbooks only where it is connected.
        if not tenant.is_connected(runbook.project_id, environment.id):
            raise DeploymentModelError(store.choices.tenant_not_connected.format(
                tenant=tenant.name, project=store.projects[runbook.project_id].name,
                environment=environment.name))
        tenant_id = tenant.id
    if snapshot:
        chosen = next((s for s in store.runbook_snapshots.values()
                       if s.runbook_id == runbook.id and snapshot in (s.id, s.name)), None)
        if chosen is None:
            text = store.choices.not_found.format(kind="runbook snapshot", name=snapshot)
            raise DeploymentModelError(text, error_message=text, status_code=404)
    elif runbook.published_runbook_snapshot_id is None:
        raise DeploymentModelError(NO_PUBLISHED_SNAPSHOT)
    else:
        chosen = store.runbook_snapshots[runbook.published_runbook_snapshot_id]
    if not _runbook_may_run_in(store, runbook.id, environment.id):
        raise DeploymentModelError(store.choices.runbook_environment_not_allowed.format(
            runbook=runbook.name, environment=environment.name))
    return environment, chosen, tenant_id


def create_runbook_run(
    store: DeploymentStore,
    runbook_id: str,
    environment_id: str,
    *,
    snapshot: str | None = None,
    tenant_id: str | None = None,
    now: float = 0.0,
    **fields: object,
) -> RunbookRun:
    """Create a run of a runbook in an environment; return it.

    ``snapshot`` is a snapshot name or id, else the published one. Raises
    DeploymentModelError with ``Runbook has no published snapshot.`` when there is none, (404)
    for an unknown snapshot, when the runbook may not run in that environment, or when the
    tenant is not connected to the project there (UNCONFIRMED for runbooks: as deployments).
    """
    runbook = store.runbooks[runbook_id]
    environment, chosen, tenant_id = _checked_run(store, runbook, environment_id, snapshot,
                                                  tenant_id)
    run = RunbookRun(
        store.world.next_id("RunbookRuns"), runbook.space_id, runbook.project_id, runbook.id,
        chosen.id, environment.id, runbook_run_name(environment.name), now, tenant_id,
    )
    for key, value in fields.items():
        if not hasattr(run, key) or key in ("id", "succeeded"):
            raise AttributeError(f"a runbook run has no settable field {key!r}")
        setattr(run, key, value)
    store.runbook_runs[run.id] = run
    return run


def _runbook_may_run_in(store: DeploymentStore, runbook_id: str, environment_id: str) -> bool:
    runbook = store.runbooks[runbook_id]
    if runbook.environment_scope is EnvironmentScope.Specified:
        return environment_id in runbook.environments
    if runbook.environment_scope is EnvironmentScope.FromProjectLifecycles:
        project = store.projects[runbook.project_id]
        pairs = [(e.id, e.sort_order) for e in store.environments_of(runbook.space_id)]
        ids = {c.lifecycle_id or project.lifecycle_id for c in store.channels_of(project.id)}
        return any(environment_id in p.environment_ids
                   for lc in ids for p in effective_phases(store.lifecycles[lc], pairs))
    return True
