"""The per-world registry of projects, lifecycles, releases, deployments, tenants and runbooks.

:class:`DeploymentStore` sits beside a :class:`~octosim.model.world.World` and uses the world's
id allocator, so ids are ``Kind-N``, numbered per kind across all spaces (octopus-deployments.md
§5.2; numbering scope UNCONFIRMED, this is the usual assumption). It holds state and lookups;
the rules that create releases, deployments and runbook runs are in
:mod:`octosim.model.deployment_rules`.

Every space gets ``Default Project Group`` and ``Default Lifecycle`` (§5.1): the store opens
each space that exists when it is built, and :meth:`open_space` opens one added later (the
world has no hook for that, so whoever adds a space calls it; lookups call it too).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from operator import attrgetter
from typing import TYPE_CHECKING, Protocol, TypeVar

from octosim.model.deploy_choices import DEFAULT_CHOICES, DeploymentChoices
from octosim.model.deploy_errors import UNKNOWN_ENVIRONMENTS, DeploymentModelError
from octosim.model.deployments import Deployment
from octosim.model.lifecycles import Lifecycle, Phase
from octosim.model.projects import (
    Channel,
    DeploymentProcess,
    DeploymentStep,
    Project,
    ProjectGroup,
)
from octosim.model.releases import Release
from octosim.model.runbooks import Runbook, RunbookRun, RunbookSnapshot
from octosim.model.tenants import MachineTenancy, Tenant
from octosim.model.variables import Variable, VariableSet

if TYPE_CHECKING:
    from octosim.model.world import Environment, World

__all__ = ["DEFAULT_LIFECYCLE", "DEFAULT_PROJECT_GROUP", "DeploymentStore"]

DEFAULT_PROJECT_GROUP = "Default Project Group"
DEFAULT_LIFECYCLE = "Default Lifecycle"


class _InSpace(Protocol):
    @property
    def space_id(self) -> str: ...


#: What a machine with no tenancy set takes part in: untenanted deployments (frozen, so one
#: value serves every machine).
_UNTENANTED = MachineTenancy()

_Named = TypeVar("_Named", Project, Channel, Runbook, Tenant, Lifecycle, ProjectGroup)


class DeploymentStore:
    """Projects and everything deployed from them, for one world."""

    def __init__(self, world: World, choices: DeploymentChoices = DEFAULT_CHOICES) -> None:
        self.world = world
        self.choices = choices
        self.project_groups: dict[str, ProjectGroup] = {}
        self.lifecycles: dict[str, Lifecycle] = {}
        self.projects: dict[str, Project] = {}
        self.channels: dict[str, Channel] = {}
        self.processes: dict[str, DeploymentProcess] = {}
        self.variable_sets: dict[str, VariableSet] = {}
        self.releases: dict[str, Release] = {}
        self.deployments: dict[str, Deployment] = {}
        self.tenants: dict[str, Tenant] = {}
        self.runbooks: dict[str, Runbook] = {}
        self.runbook_snapshots: dict[str, RunbookSnapshot] = {}
        self.runbook_runs: dict[str, RunbookRun] = {}
        self.machine_tenancy: dict[str, MachineTenancy] = {}
        self.snapshot_counts: dict[str, int] = {}
        self._open: set[str] = set()
        for space_id in list(world.spaces):
            self.open_space(space_id)

    # -- spaces -----------------------------------------------------------------------------
    def open_space(self, space_id: str) -> None:
        """Give ``space_id`` its default project group and lifecycle (once).

        Raises KeyError if the world has no such space.
        """
        self.world.space(space_id)
        if space_id in self._open:
            return
        self._open.add(space_id)
        self.add_project_group(space_id, DEFAULT_PROJECT_GROUP)
        self.add_lifecycle(space_id, DEFAULT_LIFECYCLE)

    def close_space(self, space_id: str) -> None:
        """Forget everything the store holds in ``space_id`` (the space is being deleted)."""
        self._open.discard(space_id)
        _drop_space(self.project_groups, space_id)
        _drop_space(self.lifecycles, space_id)
        _drop_space(self.projects, space_id)
        _drop_space(self.channels, space_id)
        _drop_space(self.processes, space_id)
        _drop_space(self.variable_sets, space_id)
        _drop_space(self.releases, space_id)
        _drop_space(self.deployments, space_id)
        _drop_space(self.tenants, space_id)
        _drop_space(self.runbooks, space_id)
        _drop_space(self.runbook_snapshots, space_id)
        _drop_space(self.runbook_runs, space_id)

    def environments_of(self, space_id: str) -> list[Environment]:
        """Return the space's environments in sort order."""
        found = [e for e in self.world.environments.values() if e.space_id == space_id]
        return sorted(found, key=attrgetter("sort_order", "id"))

    # -- building ---------------------------------------------------------------------------
    def add_project_group(self, space_id: str, name: str, *, description: str = "") -> ProjectGroup:
        """Add a project group; return it. Raises DeploymentModelError if the name is taken."""
        self._unique(self.project_groups.values(), space_id, name, "project group")
        group = ProjectGroup(self.world.next_id("ProjectGroups"), space_id, name, description)
        self.project_groups[group.id] = group
        return group

    def add_lifecycle(
        self, space_id: str, name: str, phases: Iterable[Phase] = (), *, description: str = ""
    ) -> Lifecycle:
        """Add a lifecycle (no phases = one implicit phase per environment); return it.

        Raises DeploymentModelError if the name is taken or a phase names an unknown
        environment.
        """
        self._unique(self.lifecycles.values(), space_id, name, "lifecycle")
        phase_list = list(phases)
        for phase in phase_list:
            for env_id in phase.environment_ids:
                env = self.world.environments.get(env_id)
                if env is None or env.space_id != space_id:
                    raise DeploymentModelError(
                        f"Phase '{phase.name}' of lifecycle '{name}' names the environment "
                        f"'{env_id}', which is not in this space."
                    )
        lifecycle = Lifecycle(
            self.world.next_id("Lifecycles"), space_id, name, phase_list, description
        )
        self.lifecycles[lifecycle.id] = lifecycle
        return lifecycle

    def add_project(
        self,
        space_id: str,
        name: str,
        *,
        project_group: str | None = None,
        lifecycle: str | None = None,
        description: str = "",
    ) -> Project:
        """Add a project with its process, variable set and ``Default`` channel; return it.

        ``project_group`` and ``lifecycle`` are names or ids, the space's defaults if None.
        Raises DeploymentModelError if the name is taken or a group/lifecycle is unknown.
        """
        self.open_space(space_id)
        if not name.strip():
            raise DeploymentModelError(f"A project cannot be named '{name}'")
        self._unique(self.projects.values(), space_id, name, "project")
        group = self._find(
            self.project_groups.values(), space_id, project_group or DEFAULT_PROJECT_GROUP,
            "project group",
        )
        cycle = self._find(
            self.lifecycles.values(), space_id, lifecycle or DEFAULT_LIFECYCLE, "lifecycle"
        )
        project_id = self.world.next_id("Projects")
        project = Project(
            project_id, space_id, name, group.id, cycle.id,
            f"deploymentprocess-{project_id}", f"variableset-{project_id}", description,
        )
        self.projects[project.id] = project
        process = DeploymentProcess(project.deployment_process_id, space_id, project_id)
        self.processes[process.id] = process
        self.variable_sets[project.variable_set_id] = VariableSet(
            project.variable_set_id, space_id, project_id
        )
        self.add_channel(project.id, "Default", is_default=True)
        return project

    def add_channel(
        self, project_id: str, name: str, *, is_default: bool = False,
        lifecycle: str | None = None,
    ) -> Channel:
        """Add a channel to a project (the new default if ``is_default``); return it.

        Raises DeploymentModelError if the name is taken in the project or the lifecycle is
        unknown.
        """
        project = self.projects[project_id]
        if any(c.name.lower() == name.lower() for c in self.channels_of(project_id)):
            raise DeploymentModelError(f"A channel named '{name}' already exists in this project.")
        lifecycle_id = (
            self._find(self.lifecycles.values(), project.space_id, lifecycle, "lifecycle").id
            if lifecycle else None
        )
        if is_default:
            for other in self.channels_of(project_id):
                other.is_default = False
        channel = Channel(
            self.world.next_id("Channels"), project.space_id, project_id, name, is_default,
            lifecycle_id,
        )
        self.channels[channel.id] = channel
        return channel

    def add_tenant(
        self, space_id: str, name: str, project_environments: dict[str, list[str]] | None = None,
        *, tenant_tags: Iterable[str] = (),
    ) -> Tenant:
        """Add a tenant connected to ``{project id: [environment ids]}``; return it."""
        self.open_space(space_id)
        self._unique(self.tenants.values(), space_id, name, "tenant")
        tenant = Tenant(
            self.world.next_id("Tenants"), space_id, name,
            {k: list(v) for k, v in (project_environments or {}).items()}, list(tenant_tags),
        )
        self.tenants[tenant.id] = tenant
        return tenant

    def set_machine_tenancy(self, machine_id: str, tenancy: MachineTenancy) -> None:
        """Set how a machine takes part in tenanted deployments."""
        if machine_id not in self.world.machines:
            raise KeyError(machine_id)
        self.machine_tenancy[machine_id] = tenancy

    def tenancy_of(self, machine_id: str) -> MachineTenancy:
        """Return a machine's tenancy (untenanted unless set)."""
        return self.machine_tenancy.get(machine_id, _UNTENANTED)

    def set_process(self, process_id: str, steps: Sequence[DeploymentStep]) -> DeploymentProcess:
        """Replace a process's steps (as ``PUT …/deploymentprocesses`` does); bump its Version.

        Steps and actions without an ``id`` get one (a GUID drawn from the world's random
        source, so a seed replays). Returns the process. Raises DeploymentModelError if a
        step's ``Octopus.Action.MaxParallelism`` is not a positive whole number, or an
        action's retry or timeout property is not a whole number (0 or more).
        """
        process = self.processes.get(process_id) or self._runbook_process(process_id)
        for step in steps:
            try:  # the properties a run reads, checked now rather than mid-deployment
                step.max_parallelism  # noqa: B018 - raises if it is malformed
                for action in step.actions:
                    action.validate()
            except ValueError as bad:
                raise DeploymentModelError(str(bad)) from None
            step.id = step.id or self._guid()
            for action in step.actions:
                action.id = action.id or self._guid()
        process.steps = list(steps)
        process.version += 1
        return process

    def set_variables(self, variable_set_id: str, variables: Iterable[Variable]) -> VariableSet:
        """Replace a variable set's variables; bump its Version; return it."""
        variable_set = self.variable_sets[variable_set_id]
        variable_set.variables = [
            v if v.id else Variable(v.name, v.value, v.is_sensitive, v.scope, self._guid(),
                                    v.description)
            for v in variables
        ]
        variable_set.version += 1
        return variable_set

    def add_runbook(self, project_id: str, name: str, **fields: object) -> Runbook:
        """Add a runbook with an empty process to a project; return it.

        ``fields`` sets other :class:`Runbook` attributes (``environment_scope``, …).
        Raises DeploymentModelError if the name is taken in the project.
        """
        project = self.projects[project_id]
        if any(r.name.lower() == name.lower() for r in self.runbooks_of(project_id)):
            raise DeploymentModelError(f"A runbook named '{name}' already exists in this project.")
        runbook_id = self.world.next_id("Runbooks")
        process = DeploymentProcess(
            self.choices.runbook_process_id.format(runbook_id=runbook_id), project.space_id,
            project_id,
        )
        runbook = Runbook(runbook_id, project.space_id, project_id, name, process)
        for key, value in fields.items():
            if not hasattr(runbook, key):
                raise AttributeError(f"a runbook has no field {key!r}")
            setattr(runbook, key, value)
        self.runbooks[runbook.id] = runbook
        return runbook

    # -- lookups ----------------------------------------------------------------------------
    def project(self, space_id: str, name_slug_or_id: str) -> Project:
        """Return the project with this id, else this name (case-insensitive), else this
        slug: an exact name wins over another project's slug (``Web-App`` over the slug
        ``web-app`` of ``Web App``).

        Raises DeploymentModelError (404) naming it if there is none.
        """
        wanted = name_slug_or_id.strip()
        lowered = wanted.lower()
        in_space = [p for p in self.projects.values() if p.space_id == space_id]
        found = (next((p for p in in_space if p.id == wanted), None)
                 or next((p for p in in_space if p.name.lower() == lowered), None)
                 or next((p for p in in_space if p.slug == lowered), None))
        if found is None:
            raise self._not_found("project", wanted)
        return found

    def process_of(self, project_id: str) -> DeploymentProcess:
        """Return a project's deployment process."""
        return self.processes[self.projects[project_id].deployment_process_id]

    def variables_of(self, project_id: str) -> VariableSet:
        """Return a project's variable set."""
        return self.variable_sets[self.projects[project_id].variable_set_id]

    def channels_of(self, project_id: str) -> list[Channel]:
        """Return a project's channels in creation order."""
        return [c for c in self.channels.values() if c.project_id == project_id]

    def runbooks_of(self, project_id: str) -> list[Runbook]:
        """Return a project's runbooks in creation order."""
        return [r for r in self.runbooks.values() if r.project_id == project_id]

    def releases_of(self, project_id: str) -> list[Release]:
        """Return a project's releases, newest first (as the API lists them)."""
        found = [r for r in self.releases.values() if r.project_id == project_id]
        return sorted(found, key=lambda r: (r.created, _number(r.id)), reverse=True)

    def deployments_of(self, release_id: str) -> list[Deployment]:
        """Return a release's deployments in creation order."""
        return [d for d in self.deployments.values() if d.release_id == release_id]

    def channel(self, project_id: str, name_or_id: str) -> Channel:
        """Return the project's channel with this id or name. Raises DeploymentModelError."""
        project = self.projects[project_id]
        return self._find(self.channels_of(project_id), project.space_id, name_or_id, "channel")

    def runbook(self, project_id: str, name_or_id: str) -> Runbook:
        """Return the project's runbook with this id or name. Raises DeploymentModelError."""
        project = self.projects[project_id]
        return self._find(self.runbooks_of(project_id), project.space_id, name_or_id, "runbook")

    def tenant(self, space_id: str, name_or_id: str) -> Tenant:
        """Return the tenant with this id or name. Raises DeploymentModelError (404)."""
        return self._find(self.tenants.values(), space_id, name_or_id, "tenant")

    def tagged_tenants(self, project: Project, tags: Iterable[str],
                       environment_ids: Iterable[str]) -> list[Tenant]:
        """Return the project's tenants carrying any of ``tags`` (``Set/Tag``, any case) and
        connected to it in one of ``environment_ids``: a tag selects among the project's
        tenants, it does not reach a tenant that could not deploy there."""
        wanted = {tag.casefold() for tag in tags}
        environment_ids = list(environment_ids)
        return [tenant for tenant in self.tenants.values()
                if tenant.space_id == project.space_id
                and wanted.intersection(t.casefold() for t in tenant.tenant_tags)
                and any(tenant.is_connected(project.id, e) for e in environment_ids)]

    def lifecycle(self, space_id: str, name_or_id: str) -> Lifecycle:
        """Return the lifecycle with this id or name. Raises DeploymentModelError (404)."""
        return self._find(self.lifecycles.values(), space_id, name_or_id, "lifecycle")

    def release(self, project_id: str, version_or_id: str) -> Release:
        """Return the project's release with this id or version. Raises DeploymentModelError."""
        for release in self.releases.values():
            if release.project_id == project_id and version_or_id in (release.id, release.version):
                return release
        raise self._not_found("release", version_or_id)

    def environments(self, space_id: str, names_or_ids: Iterable[str]) -> list[Environment]:
        """Return the space's environments named (or with the ids) given, in that order.

        Raises DeploymentModelError with ``Unable to locate deployment environment(s) named
        '<name>'`` listing every one not found.
        """
        by_key: dict[str, Environment] = {}
        for env in self.environments_of(space_id):
            by_key.setdefault(env.id, env)
            by_key.setdefault(env.name.lower(), env)
        found: list[Environment] = []
        missing: list[str] = []
        for wanted in names_or_ids:
            match = by_key.get(wanted) or by_key.get(wanted.lower())
            if match is None:
                missing.append(wanted)
            elif match not in found:
                found.append(match)
        if missing:
            names = ", ".join(f"'{name}'" for name in missing)
            raise DeploymentModelError(UNKNOWN_ENVIRONMENTS.format(names=names))
        return found

    # -- helpers ----------------------------------------------------------------------------
    def _guid(self) -> str:
        return str(uuid.UUID(int=self.world.rng.getrandbits(128), version=4))

    def _runbook_process(self, process_id: str) -> DeploymentProcess:
        for runbook in self.runbooks.values():
            if runbook.process.id == process_id:
                return runbook.process
        raise KeyError(process_id)

    def _not_found(self, kind: str, name: str) -> DeploymentModelError:
        text = self.choices.not_found.format(kind=kind, name=name)
        return DeploymentModelError(text, error_message=text, status_code=404)

    def _find(
        self, items: Iterable[_Named], space_id: str, name_or_id: str, kind: str
    ) -> _Named:
        wanted = name_or_id.strip()
        for item in items:
            if item.space_id == space_id and (
                item.id == wanted or item.name.lower() == wanted.lower()
            ):
                return item
        raise self._not_found(kind, wanted)

    @staticmethod
    def _unique(items: Iterable[_Named], space_id: str, name: str, kind: str) -> None:
        if any(i.space_id == space_id and i.name.lower() == name.lower() for i in items):
            raise DeploymentModelError(f"A {kind} named '{name}' already exists in this space.")


_S = TypeVar("_S", bound=_InSpace)


def _drop_space(table: dict[str, _S], space_id: str) -> None:
    for item_id in [k for k, v in table.items() if v.space_id == space_id]:
        del table[item_id]


def _number(resource_id: str) -> int:
    return int(resource_id.rsplit("-", 1)[1])

