"""Hypothesis strategies for octosim worlds (the restart client's policies are
:mod:`restart.strategies`: the simulator knows nothing of the client).

Every strategy draws plain data and builds octosim's own frozen dataclasses from it, so
Hypothesis can shrink a failing example to its simplest form and replay it from its
database or a ``@reproduce_failure`` blob. The simplest form is always the ordinary one:
seed 0, the ``default`` preset's single Windows Tentacle, the default timings, no faults;
for what is deployed (:func:`deployment_steps`, :func:`projects`,
:func:`deployment_scenarios`), one project of one PowerShell step that prints a variable.

**How a value is drawn, and how it shrinks.** A strategy here draws its knobs as one row of
bytes (a fixed-size ``st.binary``), one choice for Hypothesis however many knobs the value
has, and reads the knobs off the row in order (:class:`Knobs`): a knob of ``n`` values
reads as few bytes as hold them, spread evenly over its values; an optional knob reads one
byte more, which keeps its default half the time. Hypothesis shrinks every byte toward 0 on
its own, and a knob whose bytes are 0 reads as its default, the first of its choices or the
low end of its range, so a failing example shrinks knob by knob toward the ordinary world,
keeping only the knobs its failure needs. Every knob is read whatever the others decoded
to (a fault rule's latency also when it is a status), so each keeps its own bytes. A
strategy passed in (``agents(timing=...)``, ``scenarios(agent=...)``) is drawn as usual.
A project's steps and variables are slots each kept by a knob of its own, not a count and
the first so many, so a failure that needs the third step alone shrinks to that step.

Every random stream of a simulation is derived from its one seed
(:mod:`octosim.model.randomness`), so the seed *is* its randomness: draw it with
:func:`seeds` and the simulation's every coin flip is part of the
example. (That is also why these strategies never call ``hypothesis.register_random``:
docs/pytest.md explains.)

Bounds keep one example's virtual run short (minutes, not hours) and its failures
transient: rates of faults and failed starts are capped, not merely probabilities.
"""

from __future__ import annotations

import dataclasses
import math
import zlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

from hypothesis import strategies as st

from octosim.faults import FAULT_STATUSES, FaultKind, FaultPlan, FaultRule
from octosim.model.agents import DEFAULT_INSTANCE, ServiceTiming
from octosim.model.durations import Span
from octosim.model.health import HealthSettings
from octosim.model.projects import StartTrigger, StepCondition
from octosim.scenario import (
    ActionSpec,
    AgentSpec,
    BackgroundLoad,
    MachinePolicySpec,
    ProjectSpec,
    Scenario,
    ServerSpec,
    StepSpec,
    VariableSpec,
    WorkersSpec,
)
from octosim.scenario import presets as preset_names
from octosim.scenario.deployment_schema import MAX_STEPS
from octosim.scenario.schema import MAX_AGENTS, MAX_TASK_CAP, OS_FAMILIES, STYLES
from octosim.simulation import Simulation

__all__ = [
    "EXECUTION_LOCATIONS",
    "MAX_SEED",
    "SCRIPT_BODY_SYNTAXES",
    "SCRIPT_KINDS",
    "Knobs",
    "agents",
    "deployment_scenarios",
    "deployment_steps",
    "fault_plans",
    "fault_rules",
    "knob_values",
    "presets",
    "projects",
    "scenarios",
    "seeds",
    "simulations",
    "timings",
]

T = TypeVar("T")

#: The largest seed :func:`seeds` draws (seeds are 32-bit, as Hypothesis's own are).
MAX_SEED = 2**32 - 1

#: Instance names drawn for named instances: real-looking ones, and one with a space (a
#: Linux unit name turns it into ``Blue-Green.service``).
_INSTANCE_NAMES = ("Web", "Api", "Worker", "Blue Green")
_ROLES = (("web-server",), ("app-server",), ("web-server", "app-server"))
#: The statuses of transient server errors, simplest (and commonest) first.
_STATUSES = (503, 500, 502, 504, 429)
#: The shortest latency a Latency rule adds (seconds).
_LEAST_LATENCY = 0.1
#: How a drawn agent's Tentacle instances are laid out (see :func:`agents`).
_LAYOUTS = ("default", "named", "several")


def seeds() -> st.SearchStrategy[int]:
    """Return a strategy for simulation seeds, 0 to :data:`MAX_SEED`; shrinks toward 0."""
    return st.integers(0, MAX_SEED)


# -- knobs read off a row of drawn bytes -------------------------------------------------------
class Knobs:
    """The knobs of one drawn value, read in order off a row of bytes Hypothesis drew
    (what a reader given to :func:`knob_values` reads from).

    Hypothesis draws every byte uniformly and shrinks each toward 0 by itself; here 0 reads
    as the default, the first choice or the low end of a range. A row is one choice for
    Hypothesis to record and mutate where a knob per draw would cost one each (most of the
    time drawing a world took), and it shrinks knob by knob all the same.
    """

    def __init__(self, row: bytes) -> None:
        self._row = row
        self._at = 0

    @property
    def used(self) -> int:
        """How many bytes the knobs read so far took."""
        return self._at

    def below(self, n: int) -> int:
        """A whole number in [0, n): 0 when its bytes are 0 and larger as they grow, every
        value about as often as any other. Reads as few bytes as hold ``n`` values."""
        width = ((n - 1).bit_length() + 7) // 8
        # Scaled rather than taken modulo n: a larger byte never reads as a smaller value.
        return self._take(width) * n >> (8 * width)

    def _take(self, width: int) -> int:
        start, self._at = self._at, self._at + width
        if self._at > len(self._row):
            raise ValueError(f"a row of {len(self._row)} bytes is too short for its knobs")
        return int.from_bytes(self._row[start:self._at], "big")

    def pick(self, choices: Sequence[T]) -> T:
        """One of ``choices``, the first when its byte is 0."""
        return choices[self.below(len(choices))]

    def tenths(self, low: float, high: float) -> float:
        """Tenths of a second in [low, high]: readable in a falsifying example, and still
        covering ties."""
        lo, hi = round(low * 10), round(high * 10)
        return (lo + self.below(hi - lo + 1)) / 10

    def span(self, low: float, high: float) -> Span:
        """A [min, max] span of tenths of a second within [low, high]: two values, ordered
        (a fixed duration when they are equal)."""
        first, second = self.tenths(low, high), self.tenths(low, high)
        return min(first, second), max(first, second)

    def chosen(self, default: T, value: T) -> T:
        """``value`` half the time, else ``default`` (when this knob's byte is below 128, so
        where it shrinks). The value is read first, as an argument, whichever is returned:
        every knob keeps its bytes."""
        return value if self.below(2) else default


class _Zeros(Knobs):
    """A row of zeros as long as its reader reads: it tells how long a row is."""

    def __init__(self) -> None:
        super().__init__(b"")

    def _take(self, width: int) -> int:
        self._at += width
        return 0


@dataclasses.dataclass(frozen=True)
class _Rows:
    """The rows one reader reads, and the label they are drawn under.

    Hypothesis's generator copies the choices of one span onto another of the same label
    (its mutator). Every ``st.binary`` has the same label, and a row copied onto a row of
    another size does not fit: Hypothesis reads it as zeros, the defaults, which made every
    other policy ``RestartPolicy()``. So each size of each reader's row has a label of its
    own.
    """

    strategy: st.SearchStrategy[bytes]
    label: int

    def draw(self, draw: st.DrawFn) -> bytes:
        return draw(self.strategy, label=self.label)


def _rows(read: Callable[[Knobs], object], what: str) -> _Rows:
    """The rows ``read`` reads: as many bytes as it takes, which reading zeros tells (every
    knob is read whatever the others decoded to). ``what``: the value's kind, unique to it,
    which with the row's size makes its label."""
    probe = _Zeros()
    read(probe)
    label = zlib.crc32(f"{what}, {probe.used} bytes".encode())
    return _Rows(st.binary(min_size=probe.used, max_size=probe.used), label)


def _read_all(read: Callable[[Knobs], T], row: bytes) -> T:
    knobs = Knobs(row)
    value = read(knobs)
    if knobs.used != len(row):
        raise ValueError(f"knobs read {knobs.used} bytes of a row of {len(row)}: a knob was "
                         "read on one branch only")
    return value


def knob_values(read: Callable[[Knobs], T], what: str) -> st.SearchStrategy[T]:
    """Return a strategy for the values ``read`` decodes off one row of drawn bytes, as
    octosim's own strategies draw theirs (see the module's docstring): one choice for
    Hypothesis however many knobs ``read`` reads, shrinking knob by knob toward what a row
    of zeros reads as.

    ``read`` must read every knob whatever the others decoded to (the row's size is found by
    reading zeros; a row read short raises ValueError). ``what`` names the kind of value,
    unique to it (e.g. ``"mytool.strategies release"``): Hypothesis copies drawn values
    between spans of the same label, and a row of another kind would not fit.
    """
    rows = _rows(read, what)

    @st.composite
    def drawn(draw: st.DrawFn) -> T:
        return _read_all(read, rows.draw(draw))

    return drawn()


# -- agents --------------------------------------------------------------------------------------
def _timing_reader(max_stop: float, max_start: float, max_startup_delay: float,
                   max_fail_to_start_rate: float, watchdog: bool
                   ) -> Callable[[Knobs], ServiceTiming]:
    d = ServiceTiming()

    def read(knobs: Knobs) -> ServiceTiming:
        return ServiceTiming(
            stop_seconds=knobs.chosen(d.stop_seconds, knobs.span(0, max_stop)),
            start_seconds=knobs.chosen(d.start_seconds, knobs.span(0, max_start)),
            startup_delay=knobs.chosen(d.startup_delay, knobs.span(0, max_startup_delay)),
            script_seconds=knobs.chosen(d.script_seconds, knobs.span(0.1, 5)),
            fail_to_start_rate=knobs.chosen(
                d.fail_to_start_rate, knobs.below(round(max_fail_to_start_rate * 1000) + 1)
                / 1000),
            watchdog_interval=(knobs.chosen(None, knobs.tenths(10, 300)) if watchdog
                               else None),
        )

    return read


def timings(
    *,
    max_stop: float = 60.0,
    max_start: float = 180.0,
    max_startup_delay: float = 10.0,
    max_fail_to_start_rate: float = 0.2,
    watchdog: bool = True,
) -> st.SearchStrategy[ServiceTiming]:
    """Return a strategy for a Tentacle's service timing (virtual seconds).

    Stops take up to ``max_stop``, starts up to ``max_start``, a detached restart's new
    process up to ``max_startup_delay`` to start; scripts run 0.1–5 s. A start fails with
    a chance of at most ``max_fail_to_start_rate``; with ``watchdog``, a watchdog may start
    a failed service again 10–300 s later. Each of these keeps its default half the time;
    otherwise spans are two tenths of a second in their range, ordered. Shrinks toward
    ``ServiceTiming()``, the defaults (which never fail), knob by knob.

    Raises ValueError for a negative or infinite bound, or a rate outside [0, 1].
    """
    for what, bound in (("max_stop", max_stop), ("max_start", max_start),
                        ("max_startup_delay", max_startup_delay)):
        if not 0 <= bound < math.inf:
            raise ValueError(f"{what} must be a finite number of seconds >= 0, got {bound!r}")
    _rate("max_fail_to_start_rate", max_fail_to_start_rate)
    return knob_values(_timing_reader(max_stop, max_start, max_startup_delay,
                                      max_fail_to_start_rate, watchdog),
                       "octosim.strategies timing")


#: Every name a layout of several instances draws from, the default instance first.
_ALL_INSTANCES = (DEFAULT_INSTANCE, *_INSTANCE_NAMES)


def _layout(knobs: Knobs, layouts: tuple[str, ...]) -> tuple[tuple[str, ...], str | None]:
    """The instances of a Tentacle and the one registered as the machine (None: the only
    one). Every layout's knobs are read, whichever is drawn."""
    kind = knobs.pick(layouts)
    named = knobs.pick(_INSTANCE_NAMES)
    # Several: two or three distinct names, each picked from those not taken yet, and
    # which of them is the machine's (six picks spread evenly on two or three).
    pool = list(_ALL_INSTANCES)
    several = [pool.pop(knobs.below(len(pool))) for _ in range(3)]
    several = several[:2 + knobs.below(2)]
    registered = several[knobs.below(6) % len(several)]
    if kind == "default":
        return (DEFAULT_INSTANCE,), None
    if kind == "named":
        return (named,), None
    return tuple(several), registered


def _agent_reader(name: str, os: tuple[str, ...], layouts: tuple[str, ...],
                  styles: tuple[str, ...], environments: tuple[str, ...]
                  ) -> Callable[[Knobs, ServiceTiming], AgentSpec]:
    """How to read an agent's own knobs; its timing is read or drawn apart."""

    def read(knobs: Knobs, timing_: ServiceTiming) -> AgentSpec:
        os_ = knobs.pick(os)
        names, registered = _layout(knobs, layouts)
        style = knobs.pick(styles)
        environment = knobs.pick(environments)
        roles = knobs.pick(_ROLES)
        return AgentSpec(
            name=name, os=os_, communication_style=style, instances=names,
            instance=registered, environment_name=environment, roles=roles,
            stop_seconds=timing_.stop_seconds, start_seconds=timing_.start_seconds,
            startup_delay=timing_.startup_delay, script_seconds=timing_.script_seconds,
            fail_to_start_rate=timing_.fail_to_start_rate,
            watchdog_interval=timing_.watchdog_interval,
        )

    return read


def _agent_timed_reader(name: str, os: tuple[str, ...], layouts: tuple[str, ...],
                        styles: tuple[str, ...], environments: tuple[str, ...]
                        ) -> Callable[[Knobs], AgentSpec]:
    """How to read an agent with a timing drawn as by ``timings()``, off one row."""
    read = _agent_reader(name, os, layouts, styles, environments)
    timing = _timing_reader(60.0, 180.0, 10.0, 0.2, True)  # timings()'s defaults
    return lambda knobs: read(knobs, timing(knobs))


def agents(
    *,
    name: str = "web-01",
    os: Sequence[str] = ("Windows", "Linux"),
    instances: Sequence[str] = ("default", "named", "several"),
    communication_styles: Sequence[str] = ("listening", "polling"),
    environments: Sequence[str] = ("Development",),
    timing: st.SearchStrategy[ServiceTiming] | None = None,
) -> st.SearchStrategy[AgentSpec]:
    """Return a strategy for one deployment target and its Tentacle, named ``name``.

    ``os``: drawn from these. ``instances``: the layouts to draw from: ``"default"`` (the
    default instance only, ``OctopusDeploy Tentacle``), ``"named"`` (one named instance such
    as ``Web``), ``"several"`` (two or three instances, one of them registered as the
    machine). ``timing``: default ``timings()`` (read off the agent's own row). Shrinks
    toward a Windows listening Tentacle with the default instance, as the ``default``
    preset has: toward the first of each of these.

    Raises ValueError for an unknown OS, layout or communication style, or no environment.
    """
    _known("os", os, OS_FAMILIES)
    _known("instances", instances, _LAYOUTS)
    _known("communication_styles", communication_styles, STYLES)
    if not environments:
        raise ValueError("environments: expected at least one environment")
    if timing is None:
        return knob_values(_agent_timed_reader(name, tuple(os), tuple(instances),
                                               tuple(communication_styles),
                                               tuple(environments)),
                           "octosim.strategies agent")
    read = _agent_reader(name, tuple(os), tuple(instances), tuple(communication_styles),
                         tuple(environments))
    rows = _rows(lambda knobs: read(knobs, ServiceTiming()),
                 "octosim.strategies agent, timing apart")
    timing_s = timing

    @st.composite
    def agent(draw: st.DrawFn) -> AgentSpec:
        row = rows.draw(draw)
        drawn = draw(timing_s)
        return _read_all(lambda knobs: read(knobs, drawn), row)

    return agent()


# -- faults ----------------------------------------------------------------------------------
def _rule_reader(*, max_rate: float = 0.1, kinds: Sequence[FaultKind] = tuple(FaultKind),
                 statuses: Sequence[int] = _STATUSES, max_latency: float = 5.0,
                 windows: bool = True) -> Callable[[Knobs], FaultRule]:
    _rate("max_rate", max_rate)
    # The kinds as FaultKind members: a StrEnum's value equals it, so "status" passes
    # _known, and FaultRule tells its kinds apart by identity.
    kinds = tuple(FaultKind(kind) for kind in _known("kinds", kinds, tuple(FaultKind)))
    statuses = _known("statuses", statuses, sorted(FAULT_STATUSES))
    if FaultKind.Latency in kinds and not _LEAST_LATENCY <= max_latency < math.inf:
        raise ValueError(f"max_latency must be a finite number of seconds >= "
                         f"{_LEAST_LATENCY}, got {max_latency!r}")
    most = round(max_rate * 1000)  # thousandths: shrinks toward 0, where a rule never fires

    def read(knobs: Knobs) -> FaultRule:
        # Every field is read whatever the kind, so shrinking moves between kinds freely,
        # toward the first (a status).
        kind = knobs.pick(kinds)
        rate = knobs.below(most + 1) / 1000
        status = knobs.pick(statuses)
        retry_after = knobs.chosen(None, knobs.tenths(0, 30))
        latency = knobs.tenths(_LEAST_LATENCY, max(max_latency, _LEAST_LATENCY))
        window = knobs.chosen(None, knobs.span(0, 600)) if windows else None
        args: dict[str, Any] = {"kind": kind, "rate": rate, "window": window}
        if kind is FaultKind.Status:
            args["status"] = status
            if status in (429, 503):  # the statuses that carry Retry-After
                args["retry_after"] = retry_after
        elif kind is FaultKind.Latency:
            args["latency"] = latency
        return FaultRule(**args)

    return read


def fault_rules(
    *,
    max_rate: float = 0.1,
    kinds: Sequence[FaultKind] = tuple(FaultKind),
    statuses: Sequence[int] = _STATUSES,
    max_latency: float = 5.0,
    windows: bool = True,
) -> st.SearchStrategy[FaultRule]:
    """Return a strategy for one transient HTTP fault rule.

    ``kinds``: error statuses (``statuses``, with an optional ``Retry-After`` of 0–30 s on
    503 and 429), connection errors, read timeouts, latency (0.1–``max_latency`` s). Each
    fires with a chance of at most ``max_rate`` (0 ≤ max_rate ≤ 1); with ``windows`` it
    may apply only during a stretch of the first ten minutes (half the time). Shrinks
    toward the first of ``kinds`` and of ``statuses`` (a 503) with rate 0, which never
    fires.

    Raises ValueError for a ``max_rate`` outside [0, 1], an unknown kind, a status other
    than the transient ones a Status rule may use (``octosim.faults.FAULT_STATUSES``), or
    a ``max_latency`` below 0.1 s when latency may be drawn.
    """
    return knob_values(_rule_reader(max_rate=max_rate, kinds=kinds, statuses=statuses,
                                    max_latency=max_latency, windows=windows),
                       "octosim.strategies fault rule")


def _rules(knobs: Knobs, read: Callable[[Knobs], FaultRule], most: int
           ) -> tuple[FaultRule, ...]:
    """Up to ``most`` rules: how many, then every rule's knobs (those past the count too,
    so each rule keeps its bytes)."""
    count = knobs.below(most + 1)
    return tuple([read(knobs) for _ in range(most)][:count])


def fault_plans(*, max_rules: int = 3, **rule_options: Any) -> st.SearchStrategy[FaultPlan]:
    """Return a strategy for a :class:`~octosim.faults.FaultPlan` of up to ``max_rules``
    rules drawn as by :func:`fault_rules` (``rule_options`` are its keyword arguments),
    as many of each count. Each draw is a new plan; apply one with
    ``sim.faults.rules.extend(plan.rules)``. Shrinks toward the empty plan."""
    rule = _rule_reader(**rule_options)
    return knob_values(lambda knobs: FaultPlan(rules=list(_rules(knobs, rule, max_rules))),
                       "octosim.strategies fault plan")


# -- scenarios -------------------------------------------------------------------------------
def presets(*names: str) -> st.SearchStrategy[Scenario]:
    """Return a strategy for the shipped presets (all, or those named), as Scenarios.

    ``default`` comes first when included, so failures shrink toward it. Raises
    ScenarioError for an unknown name.
    """
    chosen = list(names) or preset_names()
    if "default" in chosen:
        chosen.remove("default")
        chosen.insert(0, "default")
    return st.sampled_from([Scenario.load(n) for n in chosen])


def _server(knobs: Knobs, max_task_cap: int) -> ServerSpec:
    task_cap = knobs.chosen(ServerSpec.task_cap, 1 + knobs.below(max_task_cap))
    # The background load's count is at most the cap: a pick mapped onto 1..cap.
    count = knobs.below(max(max_task_cap, ServerSpec.task_cap))
    load = knobs.chosen(BackgroundLoad(), BackgroundLoad(
        count=1 + count % task_cap,
        duration=knobs.chosen(BackgroundLoad.duration, knobs.span(10, 120)),
        repeat_until=knobs.tenths(0, 600)))
    return ServerSpec(task_cap=task_cap, background_load=load)


def _health(knobs: Knobs, max_flaky_rate: float) -> HealthSettings:
    d = HealthSettings()
    return knobs.chosen(d, HealthSettings(
        check_seconds=knobs.chosen(d.check_seconds, knobs.span(0.5, 10)),
        flaky_activation_rate=knobs.below(1001) / 1000,
        flaky_failure_rate=knobs.below(round(max_flaky_rate * 1000) + 1) / 1000,
    ))


def _policy(knobs: Knobs) -> MachinePolicySpec:
    return knobs.chosen(MachinePolicySpec(), MachinePolicySpec(
        may_be_offline=bool(knobs.below(2)),
        retry_window=knobs.tenths(0, 300),
        retry_interval=knobs.tenths(1, 30),
    ))


#: Up to this many agents are read off a world's own row; more are drawn a row each (the
#: row holds every slot, and Hypothesis caps how much one example may draw).
_AGENTS_IN_ROW = 8


@dataclasses.dataclass(frozen=True)
class _World:
    """What a world's row reads: its agents (or how many to draw), server, policy, health
    and faults."""

    count: int
    agents: list[AgentSpec]
    server: ServerSpec
    policy: MachinePolicySpec
    health: HealthSettings
    faults: tuple[FaultRule, ...]


def scenarios(
    *,
    max_agents: int = 2,
    agent: st.SearchStrategy[AgentSpec] | None = None,
    faults: bool = True,
    max_fault_rate: float = 0.1,
    max_task_cap: int = 5,
    max_flaky_rate: float = 0.5,
) -> st.SearchStrategy[Scenario]:
    """Return a strategy for whole worlds, as :class:`~octosim.scenario.Scenario` objects.

    1 to ``max_agents`` agents (``agent``: default ``agents()``, read off the world's own
    row; renamed ``web-01``, ``web-02``, ... in order so machine names are unique), spread
    over the three default environments; a task cap of 1 to ``max_task_cap``, perhaps kept
    busy by background tasks for up to ten minutes; a machine policy; health checks flaky
    in some runs (a check fails with a chance of at most ``max_flaky_rate``); with
    ``faults``, up to three :func:`fault_rules` firing at most ``max_fault_rate`` each.
    The cap, the load, the machine policy and the health settings each keep their defaults
    half the time. Every scenario drawn builds (``Simulation.from_scenario``) and survives
    ``Scenario.from_dict(s.to_dict())``. Shrinks toward the ``default`` preset's world
    without faults: one agent, then each knob toward its default.

    Raises ValueError for ``max_agents`` outside 1 to 10,000, ``max_task_cap`` outside 1
    to 10,000 (the scenario file's bounds), or a rate outside [0, 1].
    """
    _within("max_agents", max_agents, 1, MAX_AGENTS)
    _within("max_task_cap", max_task_cap, 1, MAX_TASK_CAP)
    _rate("max_fault_rate", max_fault_rate)
    _rate("max_flaky_rate", max_flaky_rate)
    environments = Scenario.environments
    own_agent = None
    if agent is None and max_agents <= _AGENTS_IN_ROW:  # agents(environments=environments)
        own_agent = _agent_timed_reader("web-01", ("Windows", "Linux"),
                                        ("default", "named", "several"),
                                        ("listening", "polling"), environments)
    elif agent is None:
        agent = agents(environments=environments)
    rule = _rule_reader(max_rate=max_fault_rate)

    def read(knobs: Knobs) -> _World:
        count = 1 + knobs.below(max_agents)
        # The world's own agents: every one of max_agents read, the first count kept.
        specs = [own_agent(knobs) for _ in range(max_agents)] if own_agent else []
        return _World(count, specs[:count], _server(knobs, max_task_cap), _policy(knobs),
                      _health(knobs, max_flaky_rate), _rules(knobs, rule, 3) if faults else ())

    rows = _rows(read, "octosim.strategies world")
    agent_s = agent

    @st.composite
    def world(draw: st.DrawFn) -> Scenario:
        drawn = _read_all(read, rows.draw(draw))
        specs = drawn.agents if agent_s is None else [draw(agent_s) for _ in range(drawn.count)]
        named = tuple(dataclasses.replace(a, name=f"web-{i:02d}")
                      for i, a in enumerate(specs, 1))
        return Scenario(name="drawn", environments=environments, agents=named,
                        server=drawn.server, machine_policy=drawn.policy, health=drawn.health,
                        faults=drawn.faults)

    return world()


# -- deployments -------------------------------------------------------------------------------
#: What a drawn step's script does, the ordinary first: print a variable (``#{Name}``),
#: sleep a few seconds, set an output variable, set a machine-level environment variable
#: (which the Tentacle's scripts see only once it has restarted, on Linux only if its unit
#: reads ``/etc/environment``), fail with exit code 1.
SCRIPT_KINDS = ("print", "sleep", "output variable", "machine variable", "fail")

#: Where a step runs, in the words of a script step's "Execution Location" in Octopus, the
#: ordinary first. Both worker locations run on the ``Default Worker Pool``.
EXECUTION_LOCATIONS = ("on each deployment target", "once on a worker",
                       "on a worker on behalf of each deployment target")
_ON_TARGETS, _ONCE_ON_A_WORKER, _ON_BEHALF = EXECUTION_LOCATIONS

#: The syntaxes there are bodies for: PowerShell (Windows PowerShell, or PowerShell Core on
#: Linux) and Bash.
SCRIPT_BODY_SYNTAXES = ("PowerShell", "Bash")

#: Each kind of script in each syntax; ``{variable}`` and ``{seconds}`` are filled in. The
#: text is what an Octopus user writes, and what octosim's interpreters run.
_BODIES: Mapping[str, Mapping[str, str]] = {
    "PowerShell": {
        "print": 'Write-Host "{variable} is #{{{variable}}}"',
        "sleep": "Start-Sleep -Seconds {seconds}",
        "output variable": 'Set-OctopusVariable -name "Deployed" -value "True"',
        "machine variable": ("[Environment]::SetEnvironmentVariable('APP_HOME', "
                             "'C:\\Apps\\Shop', 'Machine')"),
        "fail": "Write-Host 'The smoke test failed'\nexit 1",
    },
    "Bash": {
        "print": 'echo "{variable} is #{{{variable}}}"',
        "sleep": "sleep {seconds}",
        "output variable": 'set_octopusvariable "Deployed" "True"',
        "machine variable": "echo 'APP_HOME=/opt/apps/shop' | sudo tee -a /etc/environment",
        "fail": "echo 'The smoke test failed'\nexit 1",
    },
}
#: A step's name, after what its script does (made unique in its process by a number).
_TITLES: Mapping[str, str] = {
    "print": "Print {variable}", "sleep": "Sleep {seconds} s",
    "output variable": "Set an output variable", "machine variable": "Set APP_HOME",
    "fail": "Run the smoke test",
}
#: What a step prints when its process has no variable: every deployment and run has it.
_SYSTEM_VARIABLE = "Octopus.Environment.Name"
#: Project variables: name, value, and the value a scoped one has. The values read the same
#: inside double quotes in PowerShell and Bash (no ``$``, backtick, quote or backslash), and
#: none is part of another or of a name, so a masked one hides only itself.
_VARIABLES = (
    ("Greeting", "Hello", "Welcome"),
    ("LogLevel", "Information", "Warning"),
    ("AppPort", "8080", "8443"),
    ("ConnectionString", "Server=db01;Database=Shop", "Server=db02;Database=Shop"),
    ("SmtpHost", "smtp.example.com", "smtp.example.net"),
    ("DatabasePassword", "Correct-Horse-Battery", "Staple-Horse-Battery"),
)
_VALUES = {name: (value, scoped) for name, value, scoped in _VARIABLES}
#: A project variable's extra, scoped value: none, one for an environment, one for a role.
_SCOPES = ("none", "environment", "role")
_PROJECT_NAMES = ("Shop", "Payments", "Identity", "Catalog")
_CONDITIONS = (StepCondition.Success, StepCondition.Failure, StepCondition.Always)
_TRIGGERS = (StartTrigger.StartAfterPrevious, StartTrigger.StartWithPrevious)


def _known(what: str, given: Sequence[T], known: Sequence[T]) -> tuple[T, ...]:
    """``given`` as a tuple; raises ValueError unless it is some of ``known``."""
    if not given or any(g not in known for g in given):
        raise ValueError(f"{what}: expected some of {list(known)!r}, got {list(given)!r}")
    return tuple(given)


def _rate(what: str, value: float) -> None:
    """Raises ValueError unless ``0 <= value <= 1``."""
    if not 0 <= value <= 1:
        raise ValueError(f"{what} must be between 0 and 1, got {value!r}")


def _within(what: str, value: int, low: int, high: int) -> None:
    """Raises ValueError unless ``low <= value <= high``."""
    if not low <= value <= high:
        raise ValueError(f"{what} must be from {low} to {high}, got {value!r}")


@dataclasses.dataclass(frozen=True)
class _StepOptions:
    """What a step's knobs choose among: kinds of script, execution locations, and how many
    roles, syntaxes and variables the step's indices range over."""

    scripts: tuple[str, ...]
    locations: tuple[str, ...]
    roles: int
    syntaxes: int
    variables: int


@dataclasses.dataclass(frozen=True)
class _StepRead:
    """A step's knobs as read, before they are resolved against its process and its world
    (the roles there are, the syntax its machines run, the variables it may print)."""

    kind: str
    variable: int
    seconds: int
    syntax: int
    location: str
    roles: int
    max_parallelism: int | None
    condition: StepCondition
    start_trigger: StartTrigger


def _read_step(knobs: Knobs, options: _StepOptions) -> _StepRead:
    return _StepRead(
        kind=knobs.pick(options.scripts), variable=knobs.below(options.variables),
        seconds=1 + knobs.below(5), syntax=knobs.below(options.syntaxes),
        location=knobs.pick(options.locations), roles=knobs.below(options.roles),
        max_parallelism=knobs.chosen(None, 1 + knobs.below(5)),
        condition=knobs.pick(_CONDITIONS), start_trigger=knobs.pick(_TRIGGERS))


def _title(read: _StepRead, variable: str) -> str:
    return _TITLES[read.kind].format(variable=variable, seconds=read.seconds)


def _step_spec(read: _StepRead, name: str, roles: tuple[str, ...], syntax: str,
               variable: str) -> StepSpec:
    """The step ``read`` says, one script action named as its step. A step run once on a
    worker has no roles, so no rolling window either."""
    if read.location == _ONCE_ON_A_WORKER:
        roles = ()
    body = _BODIES[syntax][read.kind].format(variable=variable, seconds=read.seconds)
    action = ActionSpec(syntax=syntax, script_body=body,
                        run_on_server=read.location != _ON_TARGETS)
    return StepSpec(name=name, actions=(action,), roles=roles,
                    max_parallelism=read.max_parallelism if roles else None,
                    condition=read.condition, start_trigger=read.start_trigger)


def _step_options(scripts: Sequence[str], locations: Sequence[str], roles: int,
                  syntaxes: int, variables: int) -> _StepOptions:
    return _StepOptions(_known("scripts", scripts, SCRIPT_KINDS),
                        _known("execution_locations", locations, EXECUTION_LOCATIONS),
                        roles, syntaxes, variables)


def _role_sets(roles: Sequence[Sequence[str]]) -> tuple[tuple[str, ...], ...]:
    if not roles or any(not r or not all(n.strip() for n in r) for r in roles):
        raise ValueError(f"roles: expected role lists that are not empty, got {list(roles)!r}")
    return tuple(tuple(r) for r in roles)


def deployment_steps(
    *,
    name: str | None = None,
    roles: Sequence[Sequence[str]] = _ROLES,
    syntaxes: Sequence[str] = SCRIPT_BODY_SYNTAXES,
    scripts: Sequence[str] = SCRIPT_KINDS,
    execution_locations: Sequence[str] = EXECUTION_LOCATIONS,
    variables: Sequence[str] = (),
) -> st.SearchStrategy[StepSpec]:
    """Return a strategy for one deployment process step
    (:class:`~octosim.scenario.StepSpec`) with one script action.

    Its script (``scripts``, of :data:`SCRIPT_KINDS`) prints a variable (one of
    ``variables``; none: ``#{Octopus.Environment.Name}``), sleeps 1–5 s, sets an output
    variable, sets a machine environment variable or fails with exit code 1, in one of
    ``syntaxes`` (PowerShell, Bash). A syntax must suit the machines that run it, which
    only the caller knows here: PowerShell on Windows (on Linux only with PowerShell Core,
    ``AgentSpec(powershell_core=True)``), Bash on Linux; the ``Default Worker Pool`` is
    Windows unless ``WorkersSpec(os="Linux")``. :func:`deployment_scenarios` chooses by
    OS itself. It runs ``execution_locations`` (of :data:`EXECUTION_LOCATIONS`) on the
    targets of one of ``roles``, perhaps a rolling window of 1–5 at a time, or once on a
    worker (no roles), or on a worker on behalf of each target; its condition is Success,
    Failure or Always; half the time it starts with the previous step (a process's first
    step cannot: :func:`projects` starts it after). ``name``: None names the step after its
    script (``Print Greeting``). Shrinks toward a PowerShell step printing a variable on
    the targets of the first ``roles``, condition Success, after the previous step.

    Raises ValueError for an unknown script kind, syntax or location, or an empty role list.
    """
    role_sets = _role_sets(roles)
    languages = _known("syntaxes", syntaxes, SCRIPT_BODY_SYNTAXES)
    names = tuple(variables)
    options = _step_options(scripts, execution_locations, len(role_sets), len(languages),
                            max(len(names), 1))

    def read(knobs: Knobs) -> StepSpec:
        step = _read_step(knobs, options)
        variable = names[step.variable] if names else _SYSTEM_VARIABLE
        return _step_spec(step, name or _title(step, variable), role_sets[step.roles],
                          languages[step.syntax], variable)

    return knob_values(read, "octosim.strategies deployment step")


@dataclasses.dataclass(frozen=True)
class _VariableRead:
    """A project variable's knobs: its name, whether it is sensitive, its scoped value's
    scope and where it points (an index into the environments and into the roles)."""

    name: str
    sensitive: bool
    scope: str
    environment: int
    role: int


@dataclasses.dataclass(frozen=True)
class _ProjectRead:
    """A project's knobs: its steps and its variables, before they are resolved."""

    steps: list[_StepRead]
    variables: list[_VariableRead]


def _kept(knobs: Knobs, read: Callable[[Knobs], T], slots: int, least: int) -> list[T]:
    """Up to ``slots`` values, each with a knob of its own saying whether it is kept (fewer
    than ``least`` kept: the first ``least``). Every slot is read, kept or not, so each
    keeps its bytes. A count and the first so many slots would make a failure that needs
    the second slot's value shrink to two, the first kept for the count; here the first
    drops out by itself."""
    read_slots = [(knobs.below(2), read(knobs)) for _ in range(slots)]
    kept = [value for keep, value in read_slots if keep]
    return kept if len(kept) >= least else [value for _, value in read_slots[:least]]


def _read_project(knobs: Knobs, options: _StepOptions, max_steps: int, max_variables: int,
                  environments: int, roles: int) -> _ProjectRead:
    """Up to ``max_steps`` steps (at least one) and ``max_variables`` variables, each slot
    kept or not by a knob of its own (:func:`_kept`)."""
    pool = [name for name, _, _ in _VARIABLES]  # each name once: a name's values are one slot

    def variable(knobs: Knobs) -> _VariableRead:
        return _VariableRead(pool.pop(knobs.below(len(pool))), bool(knobs.below(2)),
                             knobs.pick(_SCOPES), knobs.below(environments), knobs.below(roles))

    variables = _kept(knobs, variable, max_variables, 0)
    return _ProjectRead(_kept(knobs, lambda k: _read_step(k, options), max_steps, 1), variables)


def _variable_specs(read: _VariableRead, environments: Sequence[str],
                    roles: Sequence[str]) -> tuple[VariableSpec, ...]:
    """A variable's value everywhere, and perhaps another for one environment or role: so
    ``#{Name}`` always has a value, and the scoped one wins where its scope holds."""
    value, scoped = _VALUES[read.name]
    plain = VariableSpec(read.name, value, read.sensitive)
    if read.scope == "environment":
        return plain, VariableSpec(read.name, scoped, read.sensitive,
                                   environments=(environments[read.environment],))
    if read.scope == "role":
        return plain, VariableSpec(read.name, scoped, read.sensitive,
                                   roles=(roles[read.role],))
    return (plain,)


class _Machines(Protocol):
    """What a step's role and syntax indices resolve against: the roles there are, and the
    syntax the machines a step runs on can run."""

    def roles(self, index: int) -> tuple[str, ...]: ...

    def syntax(self, index: int, roles: tuple[str, ...], location: str) -> str: ...


@dataclasses.dataclass(frozen=True)
class _Listed:
    """The caller's roles and syntaxes, taken as listed (:func:`projects`)."""

    role_sets: tuple[tuple[str, ...], ...]
    syntaxes: tuple[str, ...]

    def roles(self, index: int) -> tuple[str, ...]:
        return self.role_sets[index]

    def syntax(self, index: int, roles: tuple[str, ...], location: str) -> str:
        return self.syntaxes[index]


def _unique(title: str, taken: set[str]) -> str:
    """``title``, or ``title 2``, ``title 3``, ...: step names are unique in a process."""
    name, n = title, 1
    while name.lower() in taken:
        n += 1
        name = f"{title} {n}"
    taken.add(name.lower())
    return name


def _project_spec(read: _ProjectRead, name: str, environments: Sequence[str],
                  role_names: Sequence[str], machines: _Machines) -> ProjectSpec:
    variables = [spec for v in read.variables
                 for spec in _variable_specs(v, environments, role_names)]
    names = [v.name for v in read.variables]
    steps: list[StepSpec] = []
    taken: set[str] = set()
    for step in read.steps:
        if not steps:  # Octopus starts a process's first step after nothing, whatever it says
            step = dataclasses.replace(step, start_trigger=StartTrigger.StartAfterPrevious)
        variable = names[step.variable % len(names)] if names else _SYSTEM_VARIABLE
        roles = machines.roles(step.roles)
        steps.append(_step_spec(step, _unique(_title(step, variable), taken), roles,
                                machines.syntax(step.syntax, roles, step.location), variable))
    return ProjectSpec(name=name, steps=tuple(steps), variables=tuple(variables))


def _flat(role_sets: Sequence[Sequence[str]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(r for roles in role_sets for r in roles))


def projects(
    *,
    name: str = "Shop",
    max_steps: int = 3,
    max_variables: int = 3,
    environments: Sequence[str] = Scenario.environments,
    roles: Sequence[Sequence[str]] = _ROLES,
    syntaxes: Sequence[str] = SCRIPT_BODY_SYNTAXES,
    scripts: Sequence[str] = SCRIPT_KINDS,
    execution_locations: Sequence[str] = EXECUTION_LOCATIONS,
) -> st.SearchStrategy[ProjectSpec]:
    """Return a strategy for a project (:class:`~octosim.scenario.ProjectSpec`) named
    ``name``: a deployment process of 1 to ``max_steps`` steps drawn as by
    :func:`deployment_steps` (named after their scripts, unique), and 0 to
    ``max_variables`` project variables (at most six: Greeting, LogLevel, AppPort,
    ConnectionString, SmtpHost, DatabasePassword), each sensitive half the time and
    perhaps with a second value scoped to one of ``environments`` or to one role of
    ``roles``. A step that prints prints one of them (``#{Greeting}``).

    Put it in a :class:`~octosim.scenario.Scenario` whose environments include
    ``environments`` and whose machines run ``syntaxes`` (see :func:`deployment_steps`);
    :func:`deployment_scenarios` does both. Shrinks toward one step printing
    ``#{Octopus.Environment.Name}`` and no variables.

    Raises ValueError for ``max_steps`` outside 1 to MAX_STEPS, ``max_variables`` outside
    0 to 6, no environments, or what :func:`deployment_steps` refuses.
    """
    read = _project_reader(max_steps, max_variables, len(environments), roles, syntaxes,
                           scripts, execution_locations)
    listed = _Listed(_role_sets(roles), _known("syntaxes", syntaxes, SCRIPT_BODY_SYNTAXES))
    role_names = _flat(listed.role_sets)
    return knob_values(
        lambda knobs: _project_spec(read(knobs), name, tuple(environments), role_names,
                                    listed),
        "octosim.strategies project")


def _project_reader(max_steps: int, max_variables: int, environments: int,
                    roles: Sequence[Sequence[str]], syntaxes: Sequence[str],
                    scripts: Sequence[str], locations: Sequence[str]
                    ) -> Callable[[Knobs], _ProjectRead]:
    """How to read a project's knobs, its bounds checked."""
    _within("max_steps", max_steps, 1, MAX_STEPS)
    _within("max_variables", max_variables, 0, len(_VARIABLES))
    if not environments:
        raise ValueError("environments: expected at least one environment")
    role_count = len(_flat(_role_sets(roles)))
    options = _step_options(scripts, locations, len(roles), len(syntaxes),
                            max(max_variables, 1))
    return lambda knobs: _read_project(knobs, options, max_steps, max_variables,
                                       environments, role_count)


#: The shell each OS runs scripts in as it comes (a Linux machine runs PowerShell only with
#: PowerShell Core installed; a worker never has it).
_SHELLS: Mapping[str, str] = {"Windows": "PowerShell", "Linux": "Bash"}


@dataclasses.dataclass(frozen=True)
class _Fleet:
    """A drawn world's agents, its worker OS and the syntaxes allowed: steps target roles
    its agents have, in a syntax the machines that run them run."""

    agents: tuple[AgentSpec, ...]
    worker_os: str
    syntaxes: tuple[str, ...]

    def roles(self, index: int) -> tuple[str, ...]:
        # The role lists some agent has a role of, in _ROLES's order: an index into _ROLES
        # read whatever the agents decoded to, mapped onto those.
        held = {r for a in self.agents for r in a.roles}
        options = [roles for roles in _ROLES if held.intersection(roles)]
        return options[index % len(options)]

    def targets(self, roles: Sequence[str]) -> list[AgentSpec]:
        return [a for a in self.agents if set(a.roles).intersection(roles)]

    def syntax(self, index: int, roles: tuple[str, ...], location: str) -> str:
        """PowerShell on Windows, Bash on Linux. Linux targets alone run Bash or PowerShell
        Core (then installed on them); Windows and Linux targets together run PowerShell, as
        a mixed fleet does; a worker runs its own OS's shell (a Linux worker has no pwsh).
        :func:`_worker_families` and ``deployment_scenarios``'s checks make each allowed."""
        if location != _ON_TARGETS:
            return _SHELLS[self.worker_os]
        if {a.os for a in self.targets(roles)} != {"Linux"}:
            return "PowerShell"
        native = [s for s in ("Bash", "PowerShell") if s in self.syntaxes]
        return native[index % len(native)]

    def with_powershell_core(self, projects: Sequence[ProjectSpec]) -> tuple[AgentSpec, ...]:
        """The agents, with PowerShell Core on each Linux one a PowerShell step targets."""
        runs_pwsh = {a.name for p in projects for s in p.steps
                     if s.actions[0].syntax == "PowerShell" and not s.actions[0].run_on_server
                     for a in self.targets(s.roles)}
        return tuple(dataclasses.replace(a, powershell_core=True)
                     if a.os == "Linux" and a.name in runs_pwsh else a
                     for a in self.agents)


def _worker_families(families: tuple[str, ...], syntaxes: tuple[str, ...]) -> tuple[str, ...]:
    """The OSes the worker may have: those of ``families`` whose shell is allowed, else
    Windows (PowerShell is allowed then: a Linux fleet may have a Windows worker)."""
    return tuple(f for f in families if _SHELLS[f] in syntaxes) or ("Windows",)


def _fleet_families(os: Sequence[str], syntaxes: Sequence[str]
                    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The agents' OSes and the syntaxes allowed, checked: Windows runs PowerShell only."""
    families = _known("os", os, OS_FAMILIES)
    languages = _known("syntaxes", syntaxes, SCRIPT_BODY_SYNTAXES)
    if "Windows" in families and "PowerShell" not in languages:
        raise ValueError("syntaxes: Windows agents run PowerShell; allow it, or draw "
                         "os=('Linux',)")
    return families, languages


def deployment_scenarios(
    *,
    max_agents: int = 2,
    max_projects: int = 1,
    max_steps: int = 3,
    max_variables: int = 3,
    os: Sequence[str] = OS_FAMILIES,
    syntaxes: Sequence[str] = SCRIPT_BODY_SYNTAXES,
    environments: Sequence[str] = ("Development",),
    scripts: Sequence[str] = SCRIPT_KINDS,
    execution_locations: Sequence[str] = EXECUTION_LOCATIONS,
) -> st.SearchStrategy[Scenario]:
    """Return a strategy for worlds to deploy to, as :class:`~octosim.scenario.Scenario`
    objects: 1 to ``max_agents`` agents drawn as by :func:`agents` (of ``os``, in one of
    ``environments``, with the roles ``web-server``, ``app-server`` or both; renamed
    ``web-01``, ``web-02``, ...), a ``Default Worker Pool`` of one worker, and 1 to
    ``max_projects`` projects drawn as by :func:`projects` (``Shop``, ``Payments``,
    ``Identity``, ``Catalog``) whose steps target roles the agents have.

    Each step's syntax, of ``syntaxes``, suits the machines it runs on: PowerShell on
    Windows targets, Bash or PowerShell Core on Linux ones (PowerShell Core is then
    installed on them: ``powershell_core``), PowerShell Core on a mix of both, and the
    worker's own shell on a worker (whose OS is one of ``os`` whose shell is allowed, else
    Windows). So every step runs where it is sent, and one drawn to fail fails by its
    ``exit 1`` alone. The agents are in ``environments`` (default Development, where the
    default lifecycle lets a new release go first); a variable may be scoped to any of the
    scenario's three environments.

    Every scenario drawn builds (``Simulation.from_scenario``) and survives
    ``Scenario.from_dict(s.to_dict())``. Shrinks toward the ``default`` preset's agent with
    one project, ``Shop``, of one PowerShell step that prints a variable on it.

    Raises ValueError for a count outside its bounds (``max_agents`` 1 to 8,
    ``max_projects`` 1 to 4), an unknown OS, syntax or environment, Windows without
    PowerShell, or what :func:`projects` refuses.
    """
    _within("max_agents", max_agents, 1, _AGENTS_IN_ROW)
    _within("max_projects", max_projects, 1, len(_PROJECT_NAMES))
    families, languages = _fleet_families(os, syntaxes)
    everywhere = Scenario.environments
    agent = _agent_timed_reader("web-01", families, ("default", "named", "several"),
                                ("listening", "polling"),
                                _known("environments", environments, everywhere))
    workers = _worker_families(families, languages)
    project = _project_reader(max_steps, max_variables, len(everywhere), _ROLES,
                              SCRIPT_BODY_SYNTAXES, scripts, execution_locations)

    def read(knobs: Knobs) -> Scenario:
        count = 1 + knobs.below(max_agents)
        drawn = [agent(knobs) for _ in range(max_agents)][:count]
        fleet = _Fleet(tuple(dataclasses.replace(a, name=f"web-{i:02d}")
                             for i, a in enumerate(drawn, 1)), knobs.pick(workers), languages)
        kept = 1 + knobs.below(max_projects)
        pool = list(_PROJECT_NAMES)  # distinct names, each picked from those not taken yet
        names = [pool.pop(knobs.below(len(pool))) for _ in range(max_projects)]
        reads = [project(knobs) for _ in range(max_projects)]
        specs = tuple(_project_spec(p, n, everywhere, _flat(_ROLES), fleet)
                      for n, p in list(zip(names, reads, strict=True))[:kept])
        return Scenario(name="drawn", environments=everywhere,
                        agents=fleet.with_powershell_core(specs),
                        workers=WorkersSpec(os=fleet.worker_os), projects=specs)

    return knob_values(read, "octosim.strategies deployment world")


# simulations() names its parameters after these strategies: keep a way to reach them.
_all_scenarios, _all_seeds = scenarios, seeds


def simulations(
    scenarios: st.SearchStrategy[Scenario] | None = None,
    seeds: st.SearchStrategy[int] | None = None,
    **overrides: Any,
) -> st.SearchStrategy[Simulation]:
    """Return a strategy for fresh, unmounted simulations: a scenario (default
    ``scenarios()``) and a seed (default ``seeds()``) given to
    :meth:`Simulation.from_scenario <octosim.simulation.Simulation.from_scenario>` with
    ``overrides``. A falsifying example prints as that call, so it can be pasted back to
    replay.

    Inside pytest, ``octopus_factory(scenario=..., seed=...)`` with drawn values does the
    same and also puts the simulation's timeline in the failure report.

    Raises ValueError for a ``scenario`` or ``seed`` among ``overrides``: pass a strategy
    as ``scenarios`` or ``seeds`` (``st.just(...)`` for one value).
    """
    for drawn, name in (("scenario", "scenarios"), ("seed", "seeds")):
        if drawn in overrides:
            raise ValueError(f"{drawn} is drawn: pass {name}=st.just({overrides[drawn]!r}), "
                             f"or another strategy, rather than {drawn}=")
    return st.builds(
        Simulation.from_scenario,
        scenarios if scenarios is not None else _all_scenarios(),
        seed=seeds if seeds is not None else _all_seeds(),
        **{k: st.just(v) for k, v in overrides.items()},
    )
