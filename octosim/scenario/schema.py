"""The scenario schema: frozen dataclasses, one per TOML table, each field declared once.

Each field's :func:`~octosim.scenario._knob.knob` gives its TOML name, bounds and unit; the
reader (:mod:`.read`) and the writer (:mod:`.write`) follow them. What involves several
fields (an agent's environment must be one of the scenario's, a background load that would
replace itself at the same instant) is a table's ``check``. The bounds keep any scenario
runnable: counts are capped (``MAX_*``), and no interval may be so short that an event
reschedules itself at the same virtual instant (:data:`MIN_INTERVAL`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from octosim.faults import FAULT_STATUSES, FaultKind, FaultRule
from octosim.model.agents import DEFAULT_INSTANCE, ServiceTiming
from octosim.model.deploy_choices import DEFAULT_CHOICES
from octosim.model.durations import Span
from octosim.model.engine import DEFAULT_TASK_CAP
from octosim.model.health import HealthSettings
from octosim.model.machine_environment import (
    LINUX_ETC_ENVIRONMENT,
    WINDOWS_MACHINE_ENVIRONMENT,
    MachineEnvironment,
)
from octosim.model.tenants import TenantedDeploymentParticipation
from octosim.options import ServerOptions
from octosim.scenario._knob import Knob, ScenarioError, knob, show
from octosim.scenario.deployment_schema import (
    MAX_PROJECTS,
    MAX_TENANTS,
    LifecycleSpec,
    ProjectGroupSpec,
    ProjectSpec,
    TenantSpec,
    WorkersSpec,
    check_deployments,
)
from octosim.scenario.fleet_schema import (
    AgentGroupSpec,
    RolloutSpec,
    check_agent_group,
    check_fleet,
)
from octosim.scenario.read import from_dict as read_dict
from octosim.scenario.read import from_toml as read_toml
from octosim.scenario.read import load as read_file_or_preset
from octosim.scenario.read import presets
from octosim.scenario.write import to_dict as write_dict
from octosim.scenario.write import to_toml as write_toml

__all__ = [
    "FAULT_KEYS",
    "MAX_AGENTS",
    "MAX_BACKGROUND_TASKS",
    "MAX_ENVIRONMENTS",
    "MAX_FAULTS",
    "MAX_INSTANCES",
    "MAX_ROLES",
    "MAX_TASK_CAP",
    "MIN_INTERVAL",
    "OS_FAMILIES",
    "STYLES",
    "AgentSpec",
    "BackgroundLoad",
    "MachinePolicySpec",
    "Scenario",
    "ScenarioError",
    "ServerSpec",
    "restart_presets",
]

#: Bounds on counts. They keep a mistyped number from exhausting memory while allowing
#: fleets: 10,000 agents build in under a second.
MAX_AGENTS = 10_000
MAX_ENVIRONMENTS = 1_000
MAX_INSTANCES = 32
MAX_ROLES = 100
MAX_FAULTS = 100
MAX_BACKGROUND_TASKS = 10_000
MAX_TASK_CAP = 10_000
#: The shortest interval, in virtual seconds, of anything that repeats (a watchdog, a retry
#: round, a replaced background task). Shorter ones add nothing to a float clock late in a
#: run: the event would reschedule itself at the same instant, for ever.
MIN_INTERVAL = 1e-3

OS_FAMILIES = ("Windows", "Linux")
STYLES = ("listening", "polling")

_TIMING = ServiceTiming()
_SECONDS = Knob(unit="seconds")
_RATE = Knob(high=1.0)


# -- [[agents]] ---------------------------------------------------------------------------------
def _check_agent(agent: AgentSpec) -> Iterator[tuple[str, str]]:
    names = [i.lower() for i in agent.instances]
    if any(not i.strip() for i in agent.instances):
        yield "instances", f"expected non-empty instance names, got {show(list(agent.instances))}"
    elif len(set(names)) != len(names):
        yield "instances", f"instance names must be unique, got {show(list(agent.instances))}"
    if agent.instance is not None and agent.instance.lower() not in names:
        yield "instance", (f"expected one of the instances {show(list(agent.instances))}, "
                           f"got {show(agent.instance)}")
    if (agent.watchdog_interval is not None and agent.fail_to_start_rate == 1.0
            and agent.start_seconds[0] == 0):
        yield "start_seconds", ("a start that takes 0 s and always fails, with a watchdog, "
                                "restarts for ever at one instant; make start_seconds > 0, "
                                "fail_to_start_rate < 1, or drop watchdog_interval")


@dataclass(frozen=True)
class AgentSpec:
    """One deployment target and its Tentacle (a ``[[agents]]`` table).

    ``environment_name`` is written ``environment`` in TOML (None: the scenario's first
    environment). ``instance``: the instance registered as the machine (None: the first of
    ``instances``). ``machine_environment``: machine-level variables added to (or replacing
    ones of) the OS's fresh machine environment (the registry's, or ``/etc/environment``).
    ``powershell_core``: whether ``pwsh`` is installed (a Linux Tentacle needs it to run
    PowerShell; default: not). ``unit_reads_etc_environment`` (Linux): whether the Tentacle
    unit is given ``/etc/environment`` (default: the simulator's choice, not).
    ``tenants`` / ``tenanted_deployment_participation``: the tenants whose deployments the
    machine is a target of, and how (None: ``Untenanted``, Octopus's default).
    """

    name: str = field(default="web-01", metadata=knob(pattern=r"(?s).*\S.*",
                                                      pattern_text="a name that is not blank"))
    os: str = field(default="Windows", metadata=knob(choices=OS_FAMILIES, fold_case=True))
    communication_style: str = field(default="listening",
                                     metadata=knob(choices=STYLES, fold_case=True))
    instances: tuple[str, ...] = field(default=(DEFAULT_INSTANCE,),
                                       metadata=knob(low=1, high=MAX_INSTANCES))
    instance: str | None = None
    environment_name: str | None = field(default=None, metadata=knob(toml="environment"))
    roles: tuple[str, ...] = field(default=("web-server",), metadata=knob(high=MAX_ROLES))
    stop_seconds: Span = field(default=_TIMING.stop_seconds, metadata=knob(unit="seconds"))
    start_seconds: Span = field(default=_TIMING.start_seconds, metadata=knob(unit="seconds"))
    startup_delay: Span = field(default=_TIMING.startup_delay, metadata=knob(unit="seconds"))
    script_seconds: Span = field(default=_TIMING.script_seconds, metadata=knob(unit="seconds"))
    fail_to_start_rate: float = field(default=_TIMING.fail_to_start_rate, metadata=knob(high=1.0))
    watchdog_interval: float | None = field(default=_TIMING.watchdog_interval,
                                            metadata=knob(low=MIN_INTERVAL, unit="seconds"))
    machine_environment: Mapping[str, str] | None = None
    powershell_core: bool | None = None
    unit_reads_etc_environment: bool | None = None
    tenanted_deployment_participation: TenantedDeploymentParticipation | None = field(
        default=None, metadata=knob(fold_case=True))
    tenants: tuple[str, ...] | None = field(default=None, metadata=knob(high=MAX_TENANTS))

    def make_environment(self) -> MachineEnvironment:
        """Return a new :class:`MachineEnvironment` for this agent (its first snapshot is
        taken at once, as if the service had started with the machine)."""
        base = WINDOWS_MACHINE_ENVIRONMENT if self.os == "Windows" else LINUX_ETC_ENVIRONMENT
        choices = DEFAULT_CHOICES
        if self.unit_reads_etc_environment is not None:
            choices = replace(choices, linux_unit_reads_etc_environment=(
                self.unit_reads_etc_environment))
        return MachineEnvironment(self.os, {**base, **(self.machine_environment or {})},
                                  choices=choices)

    @property
    def timing(self) -> ServiceTiming:
        """The agent's service timing."""
        return ServiceTiming(
            self.stop_seconds, self.start_seconds, self.startup_delay, self.script_seconds,
            self.fail_to_start_rate, self.watchdog_interval,
        )


# -- [server] -----------------------------------------------------------------------------------
def _check_load(load: BackgroundLoad) -> Iterator[tuple[str, str]]:
    if load.repeat_until > 0 and load.duration[0] < MIN_INTERVAL:
        yield "duration", (f"a task that may take under {MIN_INTERVAL:g} s, replaced until "
                           "repeat_until, replaces itself at one instant for ever; make "
                           f"duration >= {MIN_INTERVAL:g} or repeat_until 0")


@dataclass(frozen=True)
class BackgroundLoad:
    """Generic tasks that keep execution slots busy (``[server.background_load]``).

    ``count`` tasks of type ``task`` are queued at time 0, each running ``duration``
    seconds; while the clock is before ``repeat_until``, each one that finishes is replaced.
    """

    count: int = field(default=0, metadata=knob(high=MAX_BACKGROUND_TASKS))
    duration: Span = field(default=(60.0, 120.0), metadata=knob(unit="seconds"))
    task: str = "Retention"
    repeat_until: float = field(default=0.0, metadata=knob(unit="seconds"))


#: ``[server.options]`` is read by ServerOptions' own fields and types; these add bounds.
_OPTION_KNOBS = {
    "version": Knob(pattern=r"[0-9]+(\.[0-9]+){1,3}",
                    pattern_text='dotted digits such as "2021.2.7727"'),
    "base_url": Knob(pattern=r"https?://\S+", pattern_text="an http:// or https:// URL"),
    "wrong_key_status": Knob(choices=(401, 403)),
    "max_body_bytes": Knob(low=1),
    "default_read_timeout": Knob(low=0.0, low_open=True, unit="seconds"),
}
#: The ServerOptions fields [server] holds itself.
_SERVER_OWN = ("task_cap", "cancel_delay")


def _check_server(server: ServerSpec) -> Iterator[tuple[str, str]]:
    try:
        ServerOptions(**server.options)
    except (TypeError, ValueError) as exc:  # what ServerOptions itself refuses
        yield "options", str(exc)


@dataclass(frozen=True)
class ServerSpec:
    """The server (``[server]``): task cap, cancel delay, background load, and any other
    :class:`~octosim.options.ServerOptions` field under ``options``."""

    task_cap: int = field(default=DEFAULT_TASK_CAP, metadata=knob(low=1, high=MAX_TASK_CAP))
    cancel_delay: float = field(default=2.0, metadata=knob(unit="seconds"))
    background_load: BackgroundLoad = field(default_factory=BackgroundLoad,
                                            metadata=knob(check=_check_load))
    options: Mapping[str, Any] = field(default_factory=dict,
                                       metadata=knob(table=ServerOptions, exclude=_SERVER_OWN,
                                                     of=_OPTION_KNOBS))


# -- [machine_policy], [health], [[faults]] -----------------------------------------------------
@dataclass(frozen=True)
class MachinePolicySpec:
    """The default machine policy (``[machine_policy]``)."""

    may_be_offline: bool = False
    retry_window: float = field(default=150.0, metadata=knob(unit="seconds"))
    retry_interval: float = field(default=10.0, metadata=knob(low=MIN_INTERVAL, unit="seconds"))


_HEALTH_TEXTS = ("unavailable_summary", "unhealthy_summary", "error_message")


def _check_health(health: HealthSettings) -> Iterator[tuple[str, str]]:
    for key in _HEALTH_TEXTS:
        try:
            getattr(health, key).format(last_checked="", count=0, total=0, machines="")
        except (KeyError, IndexError, ValueError) as exc:
            yield key, (f"cannot be filled in ({exc!s}); the placeholders are "
                        "{last_checked}, {count}, {total}, {machines}")


#: The keys a fault rule of each kind takes (a key meant for another kind is a mistake).
FAULT_KEYS: Mapping[FaultKind, tuple[str, ...]] = {
    FaultKind.Status: ("kind", "rate", "status", "retry_after", "window", "route", "method"),
    FaultKind.ConnectError: ("kind", "rate", "window", "route", "method"),
    FaultKind.ReadTimeout: ("kind", "rate", "window", "route", "method"),
    FaultKind.Latency: ("kind", "rate", "latency", "window", "route", "method"),
}


def _fault_keys(table: Mapping[str, Any]) -> tuple[str, ...] | None:
    try:
        return FAULT_KEYS[FaultKind(str(table.get("kind")))]
    except ValueError:
        return None  # the kind's own problem is reported


_FAULT_KNOBS = {
    "rate": _RATE,
    "status": Knob(choices=tuple(sorted(FAULT_STATUSES))),
    "retry_after": _SECONDS,
    "latency": _SECONDS,
    "window": _SECONDS,
    "method": Knob(pattern="[A-Za-z]+", pattern_text='an HTTP method such as "GET"'),
}
_HEALTH_KNOBS = {
    "check_seconds": _SECONDS,
    "flaky_activation_rate": _RATE,
    "flaky_failure_rate": _RATE,
}


# -- the whole ----------------------------------------------------------------------------------
#: A fresh server's one Tentacle, in Development as the ``default`` preset says.
_DEFAULT_AGENT = AgentSpec(environment_name="Development")
#: What a group's agent is before the group says otherwise.
_GROUP_AGENT = AgentSpec()


def _names_fill_in(group: AgentGroupSpec) -> bool:
    # A pattern that cannot be filled in is the group's own problem (check_agent_group).
    try:
        group.agent_name(1)
    except (KeyError, IndexError, ValueError):
        return False
    return True


def _check_scenario(scenario: Scenario) -> Iterator[tuple[str, str]]:
    lowered = [e.lower() for e in scenario.environments]
    if len(set(lowered)) != len(lowered):
        yield "environments", ("environment names must be unique, got "
                                f"{show(list(scenario.environments))}")
    count = len(scenario.agents) + sum(g.count for g in scenario.agent_groups)
    if not count:
        yield "agents", (f"expected 1 to {MAX_AGENTS} [[agents]] tables, got 0; or generate "
                         "agents with [[agent_groups]]")
    elif count > MAX_AGENTS:
        yield "agent_groups", (f"the scenario would have {count} agents ([[agents]] and "
                               f"[[agent_groups]] together); at most {MAX_AGENTS}")
    if count <= MAX_AGENTS and all(_names_fill_in(g) for g in scenario.agent_groups):
        named = Counter(a.name.lower() for a in scenario.all_agents())
        for dup in sorted(n for n, times in named.items() if times > 1):
            yield "agents", f"two agents are named {dup!r}; machine names must be unique"
    for i, agent in enumerate(scenario.agents):
        if agent.environment_name not in (None, *scenario.environments):
            yield f"agents[{i}].environment", (
                f"expected one of the environments {show(list(scenario.environments))}, "
                f"got {show(agent.environment_name)}")
    yield from check_deployments(scenario)
    yield from check_fleet(scenario, [t.name for t in scenario.tenants])


@dataclass(frozen=True)
class Scenario:
    """A whole world, as data. Read one with :meth:`load`, :meth:`from_dict` or
    :meth:`from_toml`; write it with :meth:`to_dict` or :meth:`to_toml`.

    ``lifecycles``, ``project_groups``, ``projects``, ``tenants`` and ``workers`` declare
    what is deployed (:mod:`.deployment_schema`); ``Simulation.from_scenario`` builds them
    into ``sim.deployments``.
    """

    name: str = "custom"
    description: str = ""
    environments: tuple[str, ...] = field(default=("Development", "Test", "Production"),
                                          metadata=knob(low=1, high=MAX_ENVIRONMENTS))
    agents: tuple[AgentSpec, ...] = field(default=(_DEFAULT_AGENT,), metadata=knob(
        low=0, high=MAX_AGENTS, check=_check_agent))
    server: ServerSpec = field(default_factory=ServerSpec, metadata=knob(check=_check_server))
    machine_policy: MachinePolicySpec = field(default_factory=MachinePolicySpec)
    health: HealthSettings = field(default_factory=HealthSettings,
                                   metadata=knob(of=_HEALTH_KNOBS, check=_check_health))
    faults: tuple[FaultRule, ...] = field(default=(),
                                          metadata=knob(high=MAX_FAULTS, of=_FAULT_KNOBS,
                                                        keys=_fault_keys))
    lifecycles: tuple[LifecycleSpec, ...] = field(default=(), metadata=knob(
        high=MAX_PROJECTS))
    project_groups: tuple[ProjectGroupSpec, ...] = field(default=(), metadata=knob(
        high=MAX_PROJECTS))
    projects: tuple[ProjectSpec, ...] = field(default=(), metadata=knob(high=MAX_PROJECTS))
    tenants: tuple[TenantSpec, ...] = field(default=(), metadata=knob(high=MAX_TENANTS))
    workers: WorkersSpec = field(default_factory=WorkersSpec)
    agent_groups: tuple[AgentGroupSpec, ...] = field(default=(), metadata=knob(
        high=MAX_AGENTS, check=check_agent_group))
    rollout: RolloutSpec | None = None

    def all_agents(self) -> tuple[AgentSpec, ...]:
        """Every agent: those listed (``agents``), then those each group generates, in
        order (:mod:`.fleet_schema`)."""
        made = [replace(_GROUP_AGENT, name=group.agent_name(n), os=group.os,
                        communication_style=group.communication_style,
                        environment_name=group.environment_name, roles=group.roles,
                        instances=(group.named_instance if group.is_named(n)
                                   else DEFAULT_INSTANCE,),
                        stop_seconds=group.stop_seconds, start_seconds=group.start_seconds,
                        startup_delay=group.startup_delay,
                        fail_to_start_rate=group.fail_to_start_rate)
                for group in self.agent_groups for n in range(1, group.count + 1)]
        return (*self.agents, *made)

    @classmethod
    def load(cls, name_or_path: str | Path) -> Scenario:
        """Return the preset named ``name_or_path`` (see
        :func:`~octosim.scenario.read.presets`), or the scenario in that TOML file (a Path,
        or a string ending in ``.toml`` or containing a folder). Raises ScenarioError for
        an unknown preset, a missing or unreadable file, text that is not UTF-8, invalid
        TOML, or an invalid scenario."""
        return read_file_or_preset(cls, name_or_path, _check_scenario)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "") -> Scenario:
        """Return the scenario described by ``data`` (the TOML schema as Python values).
        Raises ScenarioError listing every problem."""
        return read_dict(cls, data, source=source, check=_check_scenario)

    @classmethod
    def from_toml(cls, text: str, *, source: str = "") -> Scenario:
        """Return the scenario in TOML ``text``. Raises ScenarioError listing every
        problem."""
        return read_toml(cls, text, source=source, check=_check_scenario)

    def to_dict(self) -> dict[str, Any]:
        """Return this scenario in the TOML schema (``from_dict(s.to_dict()) == s``)."""
        return write_dict(self)

    def to_toml(self) -> str:
        """Return this scenario as a TOML document (``from_toml(s.to_toml()) == s``)."""
        return write_toml(self)


def restart_presets() -> list[str]:
    """Return the presets that declare no project, sorted: the worlds made to exercise
    Tentacle restarts, ``restart-tentacle validate``'s default set. The others
    (``seed-deployment``, ``seed-deployment-linux``, ``task-cap-deadlock``) tell a
    deployment's or a fleet's story; a restart over them would repeat what ``default`` and
    ``linux`` show."""
    return [name for name in presets() if not Scenario.load(name).projects]
