"""Hypothesis strategies for octosim worlds (the restart client's policies are
:mod:`restart.strategies`: the simulator knows nothing of the client).

Every strategy draws plain data and builds octosim's own frozen dataclasses from it, so
Hypothesis can shrink a failing example to its simplest form and replay it from its
database or a ``@reproduce_failure`` blob. The simplest form is always the ordinary one:
seed 0, the ``default`` preset's single Windows Tentacle, the default timings, no faults.

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
import zlib
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from hypothesis import strategies as st

from octosim.faults import FaultKind, FaultPlan, FaultRule
from octosim.model.agents import DEFAULT_INSTANCE, ServiceTiming
from octosim.model.durations import Span
from octosim.model.health import HealthSettings
from octosim.scenario import (
    AgentSpec,
    BackgroundLoad,
    MachinePolicySpec,
    Scenario,
    ServerSpec,
)
from octosim.scenario import presets as preset_names
from octosim.simulation import Simulation

__all__ = [
    "MAX_SEED",
    "Knobs",
    "agents",
    "fault_plans",
    "fault_rules",
    "knob_values",
    "presets",
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
    """
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

    Raises ValueError for an unknown layout.
    """
    unknown = set(instances) - {"default", "named", "several"}
    if unknown or not instances:
        raise ValueError(f"instances: expected layouts among 'default', 'named', 'several', "
                         f"got {list(instances)!r}")
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
    if not 0 <= max_rate <= 1:
        raise ValueError(f"max_rate must be between 0 and 1, got {max_rate!r}")
    kinds, statuses = tuple(kinds), tuple(statuses)
    most = round(max_rate * 1000)  # thousandths: shrinks toward 0, where a rule never fires

    def read(knobs: Knobs) -> FaultRule:
        # Every field is read whatever the kind, so shrinking moves between kinds freely,
        # toward the first (a status).
        kind = knobs.pick(kinds)
        rate = knobs.below(most + 1) / 1000
        status = knobs.pick(statuses)
        retry_after = knobs.chosen(None, knobs.tenths(0, 30))
        latency = knobs.tenths(0.1, max_latency)
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

    Raises ValueError for a ``max_rate`` outside [0, 1].
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
    """
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
    """
    return st.builds(
        Simulation.from_scenario,
        scenarios if scenarios is not None else _all_scenarios(),
        seed=seeds if seeds is not None else _all_seeds(),
        **{k: st.just(v) for k, v in overrides.items()},
    )
