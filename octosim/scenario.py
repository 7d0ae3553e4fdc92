"""Scenarios: small, seedable descriptions of a simulated world, as TOML or as data.

A :class:`Scenario` says which Tentacles exist (OS, instances, communication style, how long
a stop and a start take, the chance a start fails, a watchdog), how health checks behave,
the server (task cap, background load, options), the machine policy and the HTTP faults.
Named presets ship inside the package (``octosim/presets/*.toml``); users write their own
in the same schema (``docs/scenarios.md``). :func:`build_simulation` turns one into a
:class:`~octosim.simulation.Simulation` for a seed.

Reading is strict: an unknown key, a wrong type or an impossible value is a
:class:`ScenarioError` naming the field and the problem
(``agents[0].stop_seconds: expected a number or [min, max], got "fast"``), every problem
of the file at once.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import random
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from octosim.faults import FAULT_STATUSES, FaultKind, FaultRule
from octosim.model.agents import DEFAULT_INSTANCE, ServiceTiming, Span, TentacleAgent, draw
from octosim.model.engine import DEFAULT_TASK_CAP
from octosim.model.executors import TaskRun
from octosim.model.health import HealthExecutor, HealthSettings
from octosim.model.tasks import ActivityStatus
from octosim.model.world import CommunicationStyle, World

if TYPE_CHECKING:
    from octosim.simulation import Simulation

__all__ = [
    "AgentSpec",
    "BackgroundLoad",
    "MachinePolicySpec",
    "Scenario",
    "ScenarioError",
    "ServerSpec",
    "build_simulation",
    "build_world",
    "presets",
]

_TIMING = ServiceTiming()
_HEALTH = HealthSettings()
_STYLES = {"listening": CommunicationStyle.Listening, "polling": CommunicationStyle.Polling}
_OS = ("Windows", "Linux")


class ScenarioError(ValueError):
    """A scenario that cannot be used; ``problems`` lists each as ``field: what is wrong``."""

    def __init__(self, problems: list[str], source: str = "") -> None:
        self.problems = problems
        self.source = source
        where = f"scenario {source}: " if source else ""
        super().__init__(where + "; ".join(problems))


@dataclass(frozen=True)
class AgentSpec:
    """One deployment target and its Tentacle (a ``[[agents]]`` table)."""

    name: str = "web-01"
    os: str = "Windows"
    communication_style: str = "listening"
    instances: tuple[str, ...] = (DEFAULT_INSTANCE,)
    instance: str | None = None  # the instance registered as the machine; None: the first
    environment: str = "Development"
    roles: tuple[str, ...] = ("web-server",)
    stop_seconds: Span = _TIMING.stop_seconds
    start_seconds: Span = _TIMING.start_seconds
    startup_delay: Span = _TIMING.startup_delay
    script_seconds: Span = _TIMING.script_seconds
    fail_to_start_rate: float = _TIMING.fail_to_start_rate
    watchdog_interval: float | None = _TIMING.watchdog_interval

    @property
    def timing(self) -> ServiceTiming:
        """The agent's service timing."""
        return ServiceTiming(
            self.stop_seconds, self.start_seconds, self.startup_delay, self.script_seconds,
            self.fail_to_start_rate, self.watchdog_interval,
        )


@dataclass(frozen=True)
class BackgroundLoad:
    """Generic tasks that keep execution slots busy (``[server.background_load]``).

    ``count`` tasks of type ``task`` are queued at time 0, each running ``duration``
    seconds; while the clock is before ``repeat_until``, each one that finishes is replaced.
    """

    count: int = 0
    duration: Span = (60.0, 120.0)
    task: str = "Retention"
    repeat_until: float = 0.0


@dataclass(frozen=True)
class ServerSpec:
    """The server (``[server]``): task cap, cancel delay, background load, and any other
    :class:`~octosim.simulation.ServerOptions` field under ``options``."""

    task_cap: int = DEFAULT_TASK_CAP
    cancel_delay: float = 2.0
    background_load: BackgroundLoad = field(default_factory=BackgroundLoad)
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MachinePolicySpec:
    """The default machine policy (``[machine_policy]``)."""

    may_be_offline: bool = False
    retry_window: float = 150.0
    retry_interval: float = 10.0


@dataclass(frozen=True)
class Scenario:
    """A whole world, as data. Build with :meth:`load` or :meth:`from_dict`."""

    name: str = "custom"
    description: str = ""
    environments: tuple[str, ...] = ("Development", "Test", "Production")
    agents: tuple[AgentSpec, ...] = (AgentSpec(),)
    server: ServerSpec = field(default_factory=ServerSpec)
    machine_policy: MachinePolicySpec = field(default_factory=MachinePolicySpec)
    health: HealthSettings = field(default_factory=HealthSettings)
    faults: tuple[FaultRule, ...] = ()

    @classmethod
    def load(cls, name_or_path: str | Path) -> Scenario:
        """Return the preset named ``name_or_path`` (see :func:`presets`), or the scenario
        in that TOML file. Raises ScenarioError for an unknown preset, a missing or
        unreadable file, invalid TOML, or an invalid scenario."""
        path = Path(name_or_path)
        if isinstance(name_or_path, Path) or path.suffix == ".toml" or len(path.parts) > 1:
            try:
                text = path.read_text(encoding="utf-8")
            except OSError as exc:
                raise ScenarioError([f"cannot read it: {exc.strerror}"], str(path)) from None
            return _parse(text, str(path), default_name=path.stem)
        return _preset(str(name_or_path))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "") -> Scenario:
        """Return the scenario described by ``data`` (the TOML schema as Python values).
        Raises ScenarioError listing every problem."""
        problems: list[str] = []
        scenario = _read_scenario(_Reader(data, "", problems))
        if problems:
            raise ScenarioError(problems, source)
        assert scenario is not None
        return scenario

    def to_dict(self) -> dict[str, Any]:
        """Return this scenario in the TOML schema (``from_dict(s.to_dict()) == s``)."""
        return {
            "name": self.name,
            "description": self.description,
            "environments": list(self.environments),
            "agents": [_agent_dict(a) for a in self.agents],
            "server": {
                "task_cap": self.server.task_cap,
                "cancel_delay": self.server.cancel_delay,
                "background_load": {
                    "count": self.server.background_load.count,
                    "duration": _span_value(self.server.background_load.duration),
                    "task": self.server.background_load.task,
                    "repeat_until": self.server.background_load.repeat_until,
                },
                "options": dict(self.server.options),
            },
            "machine_policy": dataclasses.asdict(self.machine_policy),
            "health": {
                k: _span_value(v) if k == "check_seconds" else v
                for k, v in dataclasses.asdict(self.health).items()
            },
            "faults": [_fault_dict(rule) for rule in self.faults],
        }


def presets() -> list[str]:
    """Return the names of the presets shipped with octosim, sorted."""
    folder = resources.files("octosim").joinpath("presets")
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir()
                  if p.name.endswith(".toml"))


@functools.cache
def _preset(name: str) -> Scenario:
    # Cached: Scenarios are immutable, and one may be built for every Hypothesis example.
    resource = resources.files("octosim").joinpath("presets", f"{name}.toml")
    if not resource.is_file():
        raise ScenarioError(
            [f"there is no preset named {name!r}; presets: {', '.join(presets())} "
             "(or give the path of a .toml file)"]
        )
    return _parse(resource.read_text(encoding="utf-8"), f"preset {name!r}", default_name=name)


def _parse(text: str, source: str, *, default_name: str) -> Scenario:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([f"invalid TOML: {exc}"], source) from None
    data.setdefault("name", default_name)
    return Scenario.from_dict(data, source=source)


# -- reading, field by field, with the path of each ---------------------------------------------
def _show(value: Any) -> str:
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


class _Reader:
    """Reads one table, recording ``path.key: problem`` for everything wrong in it."""

    def __init__(self, data: Any, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        self.data: Mapping[str, Any] = data if isinstance(data, Mapping) else {}
        if not isinstance(data, Mapping):
            self.problem("", f"expected a table, got {_show(data)}")

    def where(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def problem(self, key: str, text: str) -> None:
        self.problems.append(f"{self.where(key) if key else self.path or 'scenario'}: {text}")

    def keys(self, valid: tuple[str, ...]) -> None:
        for key in self.data:
            if key not in valid:
                self.problem("", f"unknown key {key!r}; valid keys: {', '.join(sorted(valid))}")

    def has(self, key: str) -> bool:
        return key in self.data

    def sub(self, key: str) -> _Reader:
        return _Reader(self.data.get(key, {}), self.where(key), self.problems)

    def items(self, key: str) -> Iterator[_Reader]:
        raw = self.data.get(key, [])
        if not isinstance(raw, list):
            self.problem(key, f"expected a list of tables ([[{key}]]), got {_show(raw)}")
            return
        for i, item in enumerate(raw):
            yield _Reader(item, f"{self.where(key)}[{i}]", self.problems)

    def number(self, key: str, default: float, *, low: float | None = 0.0,
               high: float | None = None) -> float:
        raw = self.data.get(key, default)
        if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
            self.problem(key, f"expected a number, got {_show(raw)}")
            return default
        if (low is not None and raw < low) or (high is not None and raw > high):
            bounds = f"between {low} and {high}" if high is not None else f">= {low}"
            self.problem(key, f"expected a number {bounds}, got {_show(raw)}")
            return default
        return float(raw)

    def integer(self, key: str, default: int, *, low: int) -> int:
        raw = self.data.get(key, default)
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < low:
            self.problem(key, f"expected a whole number >= {low}, got {_show(raw)}")
            return default
        return raw

    def optional_number(self, key: str) -> float | None:
        if key not in self.data:
            return None
        raw = self.data[key]
        if isinstance(raw, bool) or not isinstance(raw, int | float) or not raw > 0 or (
            not math.isfinite(raw)
        ):
            self.problem(key, f"expected a number of seconds > 0 (omit it for none), got "
                              f"{_show(raw)}")
            return None
        return float(raw)

    def span(self, key: str, default: Span) -> Span:
        raw = self.data.get(key, default)
        if isinstance(raw, tuple):
            raw = list(raw)
        numbers = (isinstance(raw, list) and len(raw) == 2 and all(
            isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)
            for x in raw))
        if not numbers and (isinstance(raw, bool) or not isinstance(raw, int | float)):
            self.problem(key, f"expected a number or [min, max], got {_show(raw)}")
            return default
        lo, hi = (raw[0], raw[1]) if isinstance(raw, list) else (raw, raw)
        if not (math.isfinite(lo) and math.isfinite(hi)) or lo < 0 or lo > hi:
            self.problem(key, f"expected seconds >= 0 with min <= max, got {_show(raw)}")
            return default
        return (float(lo), float(hi))

    def string(self, key: str, default: str, *, choices: tuple[str, ...] = ()) -> str:
        raw = self.data.get(key, default)
        if not isinstance(raw, str):
            self.problem(key, f"expected a string, got {_show(raw)}")
            return default
        if choices and raw not in choices:
            self.problem(key, f"expected one of {', '.join(map(_show, choices))}, got {_show(raw)}")
            return default
        return raw

    def strings(self, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        raw = self.data.get(key, list(default))
        if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
            self.problem(key, f"expected a list of strings, got {_show(raw)}")
            return default
        return tuple(raw)

    def boolean(self, key: str, default: bool) -> bool:
        raw = self.data.get(key, default)
        if not isinstance(raw, bool):
            self.problem(key, f"expected true or false, got {_show(raw)}")
            return default
        return raw


def _fields(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def _read_scenario(r: _Reader) -> Scenario | None:
    r.keys(_fields(Scenario))
    environments = r.strings("environments", Scenario.environments)
    if not environments:
        r.problem("environments", "expected at least one environment")
    agents = tuple(_read_agent(a, environments) for a in r.items("agents")) if r.has(
        "agents") else Scenario.agents
    if not agents:
        r.problem("agents", "expected at least one [[agents]] table")
    names = [a.name.lower() for a in agents]
    for dup in sorted({n for n in names if names.count(n) > 1}):
        r.problem("agents", f"two agents are named {dup!r}; machine names must be unique")
    return Scenario(
        name=r.string("name", Scenario.name),
        description=r.string("description", ""),
        environments=environments,
        agents=agents,
        server=_read_server(r.sub("server")),
        machine_policy=_read_policy(r.sub("machine_policy")),
        health=_read_health(r.sub("health")),
        faults=tuple(rule for f in r.items("faults") if (rule := _read_fault(f)) is not None),
    )


def _read_agent(r: _Reader, environments: tuple[str, ...]) -> AgentSpec:
    r.keys(_fields(AgentSpec))
    d = AgentSpec()
    instances = r.strings("instances", d.instances)
    lowered = [i.lower() for i in instances]
    if not instances or any(not i.strip() for i in instances):
        r.problem("instances", f"expected one or more non-empty instance names, got "
                               f"{_show(list(instances))}")
        instances = d.instances
    elif len(set(lowered)) != len(lowered):
        r.problem("instances", f"instance names must be unique, got {_show(list(instances))}")
        instances = d.instances
    instance: str | None = None
    if r.has("instance"):
        instance = r.string("instance", instances[0])
        if instance.lower() not in {i.lower() for i in instances}:
            r.problem("instance", f"expected one of the instances {_show(list(instances))}, got "
                                  f"{_show(instance)}")
            instance = None
    environment = r.string("environment", environments[0] if environments else d.environment)
    if environments and environment not in environments:
        r.problem("environment", f"expected one of the environments "
                                 f"{_show(list(environments))}, got {_show(environment)}")
    return AgentSpec(
        name=r.string("name", d.name),
        os=r.string("os", d.os, choices=_OS),
        communication_style=r.string("communication_style", d.communication_style,
                                     choices=tuple(_STYLES)),
        instances=instances,
        instance=instance,
        environment=environment,
        roles=r.strings("roles", d.roles),
        stop_seconds=r.span("stop_seconds", d.stop_seconds),
        start_seconds=r.span("start_seconds", d.start_seconds),
        startup_delay=r.span("startup_delay", d.startup_delay),
        script_seconds=r.span("script_seconds", d.script_seconds),
        fail_to_start_rate=r.number("fail_to_start_rate", d.fail_to_start_rate, high=1.0),
        watchdog_interval=r.optional_number("watchdog_interval"),
    )


def _read_server(r: _Reader) -> ServerSpec:
    r.keys(_fields(ServerSpec))
    from octosim.options import ServerOptions

    load = r.sub("background_load")
    load.keys(_fields(BackgroundLoad))
    d = BackgroundLoad()
    options_reader = r.sub("options")
    allowed = tuple(n for n in _fields(ServerOptions) if n not in ("task_cap", "cancel_delay"))
    options_reader.keys(allowed)
    options = {k: v for k, v in options_reader.data.items() if k in allowed}
    task_cap = r.integer("task_cap", DEFAULT_TASK_CAP, low=1)
    cancel_delay = r.number("cancel_delay", ServerSpec.cancel_delay)
    try:
        ServerOptions(**options)
    except (TypeError, ValueError) as exc:
        options_reader.problem("", str(exc))
        options = {}
    return ServerSpec(
        task_cap=task_cap,
        cancel_delay=cancel_delay,
        background_load=BackgroundLoad(
            count=load.integer("count", d.count, low=0),
            duration=load.span("duration", d.duration),
            task=load.string("task", d.task),
            repeat_until=load.number("repeat_until", d.repeat_until),
        ),
        options=options,
    )


def _read_policy(r: _Reader) -> MachinePolicySpec:
    r.keys(_fields(MachinePolicySpec))
    d = MachinePolicySpec()
    retry_interval = r.number("retry_interval", d.retry_interval)
    if retry_interval == 0:
        r.problem("retry_interval", "expected a number > 0, got 0")
        retry_interval = d.retry_interval
    return MachinePolicySpec(
        may_be_offline=r.boolean("may_be_offline", d.may_be_offline),
        retry_window=r.number("retry_window", d.retry_window),
        retry_interval=retry_interval,
    )


def _read_health(r: _Reader) -> HealthSettings:
    r.keys(_fields(HealthSettings))
    d = _HEALTH
    texts = {}
    for key in ("unavailable_summary", "unhealthy_summary", "error_message"):
        texts[key] = r.string(key, getattr(d, key))
        try:
            texts[key].format(last_checked="", count=0, total=0, machines="")
        except (KeyError, IndexError, ValueError) as exc:
            r.problem(key, f"cannot be filled in ({exc!s}); the placeholders are "
                           "{last_checked}, {count}, {total}, {machines}")
            texts[key] = getattr(d, key)
    return HealthSettings(
        check_seconds=r.span("check_seconds", d.check_seconds),
        flaky_activation_rate=r.number("flaky_activation_rate", d.flaky_activation_rate,
                                       high=1.0),
        flaky_failure_rate=r.number("flaky_failure_rate", d.flaky_failure_rate, high=1.0),
        **texts,
    )


#: The keys a fault rule of each kind takes (a key meant for another kind is a mistake).
_FAULT_KEYS: Mapping[FaultKind, tuple[str, ...]] = {
    FaultKind.Status: ("kind", "rate", "status", "retry_after", "window", "route", "method"),
    FaultKind.ConnectError: ("kind", "rate", "window", "route", "method"),
    FaultKind.ReadTimeout: ("kind", "rate", "window", "route", "method"),
    FaultKind.Latency: ("kind", "rate", "latency", "window", "route", "method"),
}


def _read_fault(r: _Reader) -> FaultRule | None:
    kinds = tuple(k.value for k in FaultKind)
    if "kind" not in r.data:
        r.problem("kind", f"is required: one of {', '.join(map(_show, kinds))}")
        return None
    kind_name = r.string("kind", "", choices=kinds)
    if not kind_name:
        return None
    kind = FaultKind(kind_name)
    before = len(r.problems)
    r.keys(_FAULT_KEYS[kind])
    status = 503
    if kind is FaultKind.Status:
        status = r.integer("status", 503, low=100)
        if status not in FAULT_STATUSES:
            r.problem("status", f"expected one of {sorted(FAULT_STATUSES)}, got {_show(status)}")
    window: tuple[float, float] | None = None
    if r.has("window"):
        lo, hi = r.span("window", (0.0, 0.0))
        window = (lo, hi)
    method = r.string("method", "") or None
    route = r.string("route", "") or None
    retry_after = r.number("retry_after", 0.0) if r.has("retry_after") else None
    rule_args: dict[str, Any] = dict(
        kind=kind, rate=r.number("rate", 1.0, high=1.0), status=status,
        retry_after=retry_after, latency=r.number("latency", 0.0), window=window,
        route=route, method=method,
    )
    if len(r.problems) > before:
        return None
    try:
        return FaultRule(**rule_args)
    except ValueError as exc:  # e.g. a route that is not a regular expression
        r.problem("", str(exc))
        return None


# -- writing ------------------------------------------------------------------------------------
def _span_value(value: Span) -> float | list[float]:
    return value[0] if value[0] == value[1] else [value[0], value[1]]


def _agent_dict(agent: AgentSpec) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in dataclasses.fields(AgentSpec):
        value = getattr(agent, f.name)
        if value is None:
            continue  # TOML has no null: an absent key means None
        if f.name.endswith(("_seconds", "_delay")):
            value = _span_value(value)
        elif isinstance(value, tuple):
            value = list(value)
        out[f.name] = value
    return out


def _fault_dict(rule: FaultRule) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": rule.kind.value, "rate": rule.rate}
    if rule.kind is FaultKind.Status:
        out["status"] = rule.status
        if rule.retry_after is not None:
            out["retry_after"] = rule.retry_after
    if rule.kind is FaultKind.Latency:
        out["latency"] = rule.latency
    if rule.window is not None:
        out["window"] = list(rule.window)
    if rule.route is not None:
        out["route"] = rule.route
    if rule.method is not None:
        out["method"] = rule.method
    return out


# -- building -----------------------------------------------------------------------------------
def build_world(scenario: Scenario, rng: random.Random, *, api_key: str | None = None) -> World:
    """Return the world of ``scenario``, drawing ids and thumbprints from ``rng`` in the same
    order :func:`~octosim.model.world.default_world` does (so the ``default`` preset builds
    exactly the default world). Each machine gets its Tentacle agent, not yet bound."""
    world = World(rng)
    space = world.add_space("Default", is_default=True)
    envs = {name: world.add_environment(space.id, name) for name in scenario.environments}
    for spec in scenario.agents:
        machine = world.add_machine(
            space.id, spec.name, [envs[spec.environment].id], roles=spec.roles,
            os_family=spec.os, communication_style=_STYLES[spec.communication_style],
        )
        TentacleAgent(machine, spec.instances, timing=spec.timing, registered=spec.instance)
    admin = world.add_user("admin", display_name="Administrator")
    world.add_api_key(admin.id, api_key, purpose="octosim")
    policy = next(p for p in world.policies.values() if p.space_id == space.id and p.is_default)
    policy.may_be_offline = scenario.machine_policy.may_be_offline
    policy.retry_window = scenario.machine_policy.retry_window
    policy.retry_interval = scenario.machine_policy.retry_interval
    return world


_SIMULATION_KEYS = ("api_key", "journal_limit", "options")


def build_simulation(
    scenario: Scenario | str | Path = "default", seed: int = 0, **overrides: Any
) -> Simulation:
    """Return a simulation of ``scenario`` (a Scenario, a preset name or a TOML path).

    ``overrides``: ``api_key``, ``journal_limit``, ``options`` (a whole ServerOptions), or
    any single ServerOptions field (``task_cap=1``, ``strict_content_type=True``), which
    wins over the scenario. Raises ScenarioError for a bad scenario, TypeError for an
    unknown override.
    """
    from octosim.simulation import ServerOptions, Simulation

    sc = scenario if isinstance(scenario, Scenario) else Scenario.load(scenario)
    option_fields = _fields(ServerOptions)
    unknown = [k for k in overrides if k not in _SIMULATION_KEYS + option_fields]
    if unknown:
        raise TypeError(
            f"unknown override(s) {', '.join(unknown)}; valid: "
            f"{', '.join(_SIMULATION_KEYS + option_fields)}"
        )
    options = overrides.get("options") or ServerOptions(
        **{**sc.server.options, "task_cap": sc.server.task_cap,
           "cancel_delay": sc.server.cancel_delay}
    )
    options = dataclasses.replace(options, **{k: v for k, v in overrides.items()
                                              if k in option_fields})
    rng = random.Random(seed)
    world = build_world(sc, rng, api_key=overrides.get("api_key"))
    sim = Simulation(world=world, seed=seed, options=options,
                     api_key=overrides.get("api_key"),
                     journal_limit=overrides.get("journal_limit"))
    # One random source for everything, continuing where building the world left it: the
    # same state Simulation() reaches by building the default world from its own source.
    sim.rng.setstate(rng.getstate())
    world.rng = sim.rng
    sim.engine.register(HealthExecutor(sc.health))
    sim.faults.rules.extend(sc.faults)
    _start_background_load(sim, sc.server.background_load)
    return sim


@dataclass
class _BackgroundExecutor:
    """Stands in for real server work that keeps execution slots busy."""

    name: str
    load: BackgroundLoad
    description: str = "Background load"

    def validate(self, arguments: Mapping[str, Any], space_id: str, world: World
                 ) -> dict[str, Any]:
        return dict(arguments)

    def start(self, run: TaskRun) -> None:
        step = run.task.log.child(run.task.description, started=run.clock.now())

        def done() -> None:
            step.finish(run.clock.now(), ActivityStatus.Success)
            run.succeed()
            # Replace it after it frees its slot, so a task queued meanwhile goes first.
            if run.clock.now() < self.load.repeat_until:
                run.engine.create(run.task.space_id, self.name, {},
                                  description=run.task.description)

        run.call_later(draw(run.rng, self.load.duration), done)


def _start_background_load(sim: Simulation, load: BackgroundLoad) -> None:
    if load.count == 0:
        return
    sim.engine.register(_BackgroundExecutor(load.task, load))
    space_id = sim.world.default_space.id
    for i in range(load.count):
        sim.engine.create(space_id, load.task, {}, description=f"Background load {i + 1}")

