"""The static world a simulated server holds: spaces, environments, machines, users, keys.

A plain Python API, no pytest and no HTTP: build a :class:`World` by hand, or let a scenario
build one (:func:`octosim.scenario.build_world`; the default scenario looks like a fresh real
server). Ids follow Octopus's
``Kind-N`` scheme and are allocated in order, so the same building steps give the same ids.
"""

from __future__ import annotations

import random
import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from octosim.model.projects import slug
from octosim.model.states import HealthStatus

if TYPE_CHECKING:
    from octosim.model.agents import TentacleAgent

__all__ = [
    "ALL_PERMISSIONS",
    "ApiKey",
    "ApiKeyTable",
    "CommunicationStyle",
    "Environment",
    "Machine",
    "MachinePolicy",
    "Permission",
    "Space",
    "User",
    "World",
    "WorldError",
    "generate_api_key",
]


class WorldError(ValueError):
    """A world that cannot be built as asked (a duplicate name, an unknown id)."""


class Permission(StrEnum):
    """The Octopus permissions the simulated routes check (Octopus's own names)."""

    SpaceView = "SpaceView"
    SpaceCreate = "SpaceCreate"
    SpaceEdit = "SpaceEdit"
    SpaceDelete = "SpaceDelete"
    TaskView = "TaskView"
    TaskCreate = "TaskCreate"
    TaskCancel = "TaskCancel"
    TaskEdit = "TaskEdit"
    MachineView = "MachineView"
    EnvironmentView = "EnvironmentView"
    EnvironmentCreate = "EnvironmentCreate"
    ProjectView = "ProjectView"
    ProjectCreate = "ProjectCreate"
    ProjectEdit = "ProjectEdit"
    ProcessView = "ProcessView"
    ProcessEdit = "ProcessEdit"
    VariableView = "VariableView"
    VariableEdit = "VariableEdit"
    LifecycleView = "LifecycleView"
    TenantView = "TenantView"
    TenantCreate = "TenantCreate"
    ReleaseView = "ReleaseView"
    ReleaseCreate = "ReleaseCreate"
    DeploymentView = "DeploymentView"
    DeploymentCreate = "DeploymentCreate"
    RunbookView = "RunbookView"
    RunbookEdit = "RunbookEdit"
    RunbookRunView = "RunbookRunView"
    RunbookRunCreate = "RunbookRunCreate"


ALL_PERMISSIONS = frozenset(Permission)


class CommunicationStyle(StrEnum):
    """A Tentacle's ``Endpoint.CommunicationStyle``."""

    Listening = "TentaclePassive"
    Polling = "TentacleActive"


@dataclass
class Space:
    """An Octopus space."""

    id: str
    name: str
    description: str = ""
    is_default: bool = False
    task_queue_stopped: bool = False
    #: Users who manage the space (``SpaceManagersTeamMembers``): they hold every
    #: permission in it.
    space_managers_team_members: list[str] = field(default_factory=list)

    @property
    def slug(self) -> str:
        """The URL slug Octopus derives from the name."""
        return slug(self.name)


@dataclass
class Environment:
    """A deployment environment in one space."""

    id: str
    space_id: str
    name: str
    description: str = ""
    sort_order: int = 0
    use_guided_failure: bool = False
    allow_dynamic_infrastructure: bool = False

    @property
    def slug(self) -> str:
        """The URL slug Octopus derives from the name."""
        return slug(self.name)


@dataclass
class MachinePolicy:
    """The parts of a machine policy that decide how health checks treat a target.

    ``may_be_offline``: Octopus's ``MachineConnectivityBehavior = MayBeOfflineAndCanBeSkipped``
    (an unavailable target is skipped and the health task still succeeds).
    ``retry_window``: "recover from communication errors" retries for this many seconds
    (octopus-api.md §6: 2.5 min by default, inferred, hence configurable).
    """

    id: str
    space_id: str
    name: str
    may_be_offline: bool = False
    retry_window: float = 150.0
    retry_interval: float = 10.0
    is_default: bool = True


@dataclass
class Machine:
    """A deployment target. Its Tentacle (``agent``) is attached by the scenario."""

    id: str
    space_id: str
    name: str
    environment_ids: list[str]
    roles: list[str]
    machine_policy_id: str
    uri: str
    thumbprint: str
    communication_style: CommunicationStyle = CommunicationStyle.Listening
    os_family: str = "Windows"  # "Windows" | "Linux": decides services vs systemd units
    operating_system: str = "Microsoft Windows Server 2019 Datacenter"
    shell_name: str = "PowerShell"
    shell_version: str = "5.1.17763.1"
    architecture: str = "x64"
    tentacle_version: str = "6.3.417"
    is_disabled: bool = False
    health_status: HealthStatus = HealthStatus.Unknown
    status_summary: str = "This machine has not been health checked."
    has_latest_calamari: bool = True
    last_checked: float | None = None  # virtual time of the last health interaction
    connection_logs: list[str] = field(default_factory=list)
    agent: TentacleAgent | None = None

    @property
    def slug(self) -> str:
        """The URL slug Octopus derives from the name."""
        return slug(self.name)


@dataclass
class User:
    """A user (or service account) and what it may do, per space."""

    id: str
    username: str
    display_name: str
    email: str = ""
    is_service: bool = False
    system_permissions: frozenset[Permission] = ALL_PERMISSIONS
    space_permissions: dict[str, frozenset[Permission]] = field(default_factory=dict)

    def can(self, permission: Permission, space_id: str | None) -> bool:
        """Return True if this user holds ``permission`` in ``space_id`` (or system-wide)."""
        if permission in self.system_permissions:
            return True
        return space_id is not None and permission in self.space_permissions.get(space_id, ())


@dataclass
class ApiKey:
    """An API key. The key itself is a secret: it never appears in repr or the journal."""

    id: str
    user_id: str
    key: str = field(repr=False)
    purpose: str = ""


class ApiKeyTable(dict[str, ApiKey]):
    """The world's API keys, by the key itself (so authentication is one lookup).

    A plain dict in every way but one: its repr and str name each key's id and owner,
    never a key, so a table printed in a traceback, a log or a test failure leaks nothing.
    """

    def __repr__(self) -> str:
        keys = ", ".join(f"{k.id} (user {k.user_id})" for k in self.values())
        return f"ApiKeyTable([{keys}])"

    __str__ = __repr__


def generate_api_key(rng: random.Random) -> str:
    """Return a key in the real format: ``API-`` and 27 uppercase letters and digits."""
    return "API-" + "".join(rng.choices(string.ascii_uppercase + string.digits, k=27))


class World:
    """Everything the server knows that is not a task, indexed for O(1) lookups by id.

    Its repr counts what it holds and never shows an API key.
    """

    def __init__(self, rng: random.Random) -> None:
        #: The seed's ``world`` stream (:mod:`octosim.model.randomness`): ids, URIs,
        #: thumbprints, keys and generated GUIDs, and nothing else, are drawn from it.
        self.rng = rng
        self.spaces: dict[str, Space] = {}
        self.environments: dict[str, Environment] = {}
        self.machines: dict[str, Machine] = {}
        self.policies: dict[str, MachinePolicy] = {}
        self.users: dict[str, User] = {}
        self.api_keys = ApiKeyTable()
        self._counters: dict[str, int] = {}

    def __repr__(self) -> str:
        return (
            f"World(spaces={len(self.spaces)}, environments={len(self.environments)}, "
            f"machines={len(self.machines)}, users={len(self.users)}, "
            f"api_keys={len(self.api_keys)})"
        )

    def next_id(self, kind: str) -> str:
        """Return the next ``Kind-N`` id for ``kind`` (``Machines`` → ``Machines-1``, ...)."""
        n = self._counters.get(kind, 0) + 1
        self._counters[kind] = n
        return f"{kind}-{n}"

    # -- building ---------------------------------------------------------------------------
    def add_space(self, name: str, *, is_default: bool = False, description: str = "") -> Space:
        """Add a space and its default machine policy; return the space."""
        if any(s.name.lower() == name.lower() for s in self.spaces.values()):
            raise WorldError(f"a space named {name!r} already exists")
        space = Space(self.next_id("Spaces"), name, description, is_default)
        if is_default:
            for other in self.spaces.values():
                other.is_default = False
        self.spaces[space.id] = space
        self.add_policy(space.id, "Default Machine Policy")
        return space

    def remove_space(self, space_id: str) -> Space:
        """Remove a space with its environments and machine policies; return it.

        Raises KeyError if unknown; WorldError for the default space (another must be made
        the default first) and for a space that still holds machines (the simulator cannot
        take a running Tentacle away).
        """
        space = self.space(space_id)
        if space.is_default:
            raise WorldError(
                f"{space.name} is the default space and cannot be deleted; "
                "make another space the default first."
            )
        held = sorted(m.name for m in self.machines.values() if m.space_id == space_id)
        if held:
            raise WorldError(
                f"{space.name} still has machines ({', '.join(held)}); the simulator "
                "deletes only spaces without deployment targets."
            )
        for env_id in [k for k, e in self.environments.items() if e.space_id == space_id]:
            del self.environments[env_id]
        for policy_id in [k for k, p in self.policies.items() if p.space_id == space_id]:
            del self.policies[policy_id]
        for user in self.users.values():
            user.space_permissions.pop(space_id, None)
        del self.spaces[space_id]
        return space

    def add_policy(self, space_id: str, name: str, **options: object) -> MachinePolicy:
        """Add a machine policy to a space; the first one is the space's default."""
        self.space(space_id)
        first = not any(p.space_id == space_id for p in self.policies.values())
        policy = MachinePolicy(self.next_id("MachinePolicies"), space_id, name, is_default=first)
        for key, value in options.items():
            if not hasattr(policy, key):
                raise WorldError(f"machine policy has no option {key!r}")
            setattr(policy, key, value)
        self.policies[policy.id] = policy
        return policy

    def add_environment(self, space_id: str, name: str, *, description: str = "") -> Environment:
        """Add an environment to a space; return it."""
        self.space(space_id)
        order = sum(1 for e in self.environments.values() if e.space_id == space_id)
        env = Environment(self.next_id("Environments"), space_id, name, description, order)
        self.environments[env.id] = env
        return env

    def add_machine(
        self,
        space_id: str,
        name: str,
        environment_ids: Iterable[str],
        *,
        roles: Iterable[str] = (),
        os_family: str = "Windows",
        communication_style: CommunicationStyle = CommunicationStyle.Listening,
        policy_id: str | None = None,
        **fields: object,
    ) -> Machine:
        """Add a deployment target; return it. ``fields`` sets any other Machine attribute."""
        self.space(space_id)
        env_ids = list(environment_ids)
        for env_id in env_ids:
            if self.environments.get(env_id, None) is None:
                raise WorldError(f"unknown environment {env_id!r} for machine {name!r}")
        if os_family not in ("Windows", "Linux"):
            raise WorldError(f"os_family must be 'Windows' or 'Linux', not {os_family!r}")
        if policy_id is None:
            policy_id = next(
                p.id for p in self.policies.values() if p.space_id == space_id and p.is_default
            )
        host = name.lower()
        uri = (
            f"https://{host}:10933/"
            if communication_style is CommunicationStyle.Listening
            else f"poll://{''.join(self.rng.choices('abcdefghijklmnopqrstuvwxyz', k=20))}/"
        )
        thumbprint = "".join(self.rng.choices("0123456789ABCDEF", k=40))
        linux = {"operating_system": "Ubuntu 22.04.4 LTS", "shell_name": "Bash",
                 "shell_version": "5.1.16"}
        machine = Machine(
            self.next_id("Machines"), space_id, name, env_ids, list(roles), policy_id, uri,
            thumbprint, communication_style, os_family,
            **(linux if os_family == "Linux" else {}),  # type: ignore[arg-type]
        )
        for key, value in fields.items():
            if not hasattr(machine, key):
                raise WorldError(f"machine has no field {key!r}")
            setattr(machine, key, value)
        self.machines[machine.id] = machine
        return machine

    def add_user(
        self,
        username: str,
        *,
        display_name: str | None = None,
        system_permissions: Iterable[Permission] = ALL_PERMISSIONS,
        space_permissions: dict[str, Iterable[Permission]] | None = None,
        is_service: bool = False,
    ) -> User:
        """Add a user. By default it may do everything; restrict with the permission args."""
        user = User(
            self.next_id("Users"), username, display_name or username,
            f"{username}@example.com", is_service, frozenset(system_permissions),
            {k: frozenset(v) for k, v in (space_permissions or {}).items()},
        )
        self.users[user.id] = user
        return user

    def add_api_key(self, user_id: str, key: str | None = None, *, purpose: str = "") -> ApiKey:
        """Give a user an API key (generated from the seed unless given); return it."""
        if user_id not in self.users:
            raise WorldError(f"unknown user {user_id!r}")
        key = key or generate_api_key(self.rng)
        if key in self.api_keys:
            raise WorldError("that API key is already in use")
        api_key = ApiKey(self.next_id("APIKeys"), user_id, key, purpose)
        self.api_keys[key] = api_key
        return api_key

    # -- lookups ----------------------------------------------------------------------------
    def space(self, space_id: str) -> Space:
        """Return the space; raise KeyError naming it if unknown."""
        try:
            return self.spaces[space_id]
        except KeyError:
            raise KeyError(space_id) from None

    @property
    def default_space(self) -> Space:
        """Return the space marked IsDefault (the first space if none is)."""
        for space in self.spaces.values():
            if space.is_default:
                return space
        return next(iter(self.spaces.values()))

    def policy_for(self, machine: Machine) -> MachinePolicy:
        """Return the machine policy that governs ``machine``."""
        return self.policies[machine.machine_policy_id]

    def user_for_key(self, key: str) -> User | None:
        """Return the user owning API key ``key``, or None if no such key exists."""
        api_key = self.api_keys.get(key)
        return self.users[api_key.user_id] if api_key else None
