"""Hypothesis strategies for octosim worlds (the restart client's policies are
:mod:`restart.strategies`: the simulator knows nothing of the client).

Every strategy draws plain data (numbers, choices, lists) and builds octosim's own frozen
dataclasses from it, so Hypothesis can shrink a failing example to its simplest form and
replay it from its database or a ``@reproduce_failure`` blob. The simplest form is always
the ordinary one: seed 0, the ``default`` preset's single Windows Tentacle, the default
timings, no faults.

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
import functools
from collections.abc import Sequence
from typing import Any

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
    "agents",
    "fault_plans",
    "fault_rules",
    "presets",
    "scenarios",
    "seeds",
    "simulations",
    "timings",
]

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


# -- small pieces ------------------------------------------------------------------------------
# The pieces are cached: composite strategies call them inside every draw, and a new strategy
# object costs Hypothesis a fresh analysis each time (most of the time spent drawing a
# scenario). Strategies are immutable, so sharing them is safe; arguments are hashable.
@functools.lru_cache(maxsize=1024)
def _seconds(low: float, high: float) -> st.SearchStrategy[float]:
    # Tenths of a second: readable in a falsifying example, and still covering ties.
    return st.integers(round(low * 10), round(high * 10)).map(lambda n: n / 10)


@functools.lru_cache(maxsize=1024)
def _rate(high: float) -> st.SearchStrategy[float]:
    # Thousandths; shrinks toward 0, where a rule stops firing and drops out of the story.
    return st.integers(0, round(high * 1000)).map(lambda n: n / 1000)


def _ordered_tenths(pair: tuple[int, int]) -> tuple[float, float]:
    low, high = sorted(pair)
    return low / 10, high / 10


@functools.lru_cache(maxsize=1024)
def _range(low: float, high: float) -> st.SearchStrategy[tuple[float, float]]:
    """A [min, max] pair of tenths of a second within [low, high]. Two integers mapped once,
    not two mapped floats: every draw is a span Hypothesis records and mutates, and a world
    draws a dozen of these."""
    tenths = st.integers(round(low * 10), round(high * 10))
    return st.tuples(tenths, tenths).map(_ordered_tenths)


#: The widest integer :func:`_span` draws in one choice: Hypothesis draws bounded integers
#: uniformly up to 24 bits and favours small ones beyond.
_UNIFORM = 2**24


@functools.lru_cache(maxsize=1024)
def _span(low: float, high: float, default: Span) -> st.SearchStrategy[Span]:
    """The default span, a fixed duration, or a [min, max] range, all within [low, high].

    One integer encodes all three: the lower half is the default (where it shrinks), the
    upper half a pair of tenths, uniform as two independent draws would be. One choice
    instead of a one_of's five to seven (the one_of, its branch, the map, the tuple, two
    integers), and a world draws a dozen spans. Ranges too wide for a uniform draw keep the
    one_of.
    """
    lo, hi = round(low * 10), round(high * 10)
    size = hi - lo + 1
    if 2 * size * size > _UNIFORM:
        return st.one_of(st.just(default), _range(low, high))

    def decode(n: int) -> Span:
        if n < size * size:
            return default
        first, second = divmod(n - size * size, size)
        return _ordered_tenths((lo + first, lo + second))

    return st.integers(0, 2 * size * size - 1).map(decode)


@functools.lru_cache(maxsize=1024)
def _default_or(default: Any, low: int, high: int, scale: float) -> st.SearchStrategy[Any]:
    """``default``, or an integer of [low, high] divided by ``scale``, as one integer: its
    lower half is the default (where it shrinks, drawn about as often as a one_of's first
    branch), its upper half the value. One choice instead of a one_of's three or four."""
    size = high - low + 1

    def decode(n: int) -> Any:
        return default if n < size else (low + n - size) / scale

    return st.integers(0, 2 * size - 1).map(decode)


@functools.lru_cache(maxsize=1024)
def _or_default(default: Any, strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    # The default first: Hypothesis shrinks a one_of toward its first branch.
    return st.one_of(st.just(default), strategy)


# -- agents --------------------------------------------------------------------------------------
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
    a failed service again 10–300 s later. Shrinks toward ``ServiceTiming()``, the
    defaults (which never fail).
    """
    d = ServiceTiming()
    return st.builds(
        ServiceTiming,
        stop_seconds=_span(0, max_stop, d.stop_seconds),
        start_seconds=_span(0, max_start, d.start_seconds),
        startup_delay=_span(0, max_startup_delay, d.startup_delay),
        script_seconds=_span(0.1, 5, d.script_seconds),
        fail_to_start_rate=_default_or(0.0, 0, round(max_fail_to_start_rate * 1000), 1000),
        watchdog_interval=_default_or(None, 100, 3000, 10) if watchdog else st.none(),
    )


# Drawing a layout: strategies built once (one built inside a draw is built and validated
# again for every example). Which instance of "several" is the machine's is a pick mapped
# onto the names drawn, as a sampled_from of them would be, shrinking to the first.
_NAMED = st.sampled_from(_INSTANCE_NAMES)
_SEVERAL = st.lists(st.sampled_from((DEFAULT_INSTANCE, *_INSTANCE_NAMES)),
                    min_size=2, max_size=3, unique=True)
_PICK = st.integers(0, 5)  # an index into two or three names: 6 picks spread evenly on both


@functools.lru_cache(maxsize=64)
def _instances(layouts: tuple[str, ...]
               ) -> st.SearchStrategy[tuple[tuple[str, ...], str | None]]:
    chosen = st.sampled_from(layouts)

    @st.composite
    def layout(draw: st.DrawFn) -> tuple[tuple[str, ...], str | None]:
        kind = draw(chosen)
        if kind == "default":
            return (DEFAULT_INSTANCE,), None
        if kind == "named":
            return (draw(_NAMED),), None
        names = draw(_SEVERAL)
        return tuple(names), names[draw(_PICK) % len(names)]

    return layout()


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
    machine). ``timing``: default ``timings()``. Shrinks toward a Windows listening
    Tentacle with the default instance, as the ``default`` preset has.

    Raises ValueError for an unknown layout.
    """
    unknown = set(instances) - {"default", "named", "several"}
    if unknown or not instances:
        raise ValueError(f"instances: expected layouts among 'default', 'named', 'several', "
                         f"got {list(instances)!r}")

    def make(os_: str, layout: tuple[tuple[str, ...], str | None], style: str,
             environment: str, roles: tuple[str, ...], timing_: ServiceTiming) -> AgentSpec:
        names, registered = layout
        return AgentSpec(
            name=name, os=os_, communication_style=style, instances=names,
            instance=registered, environment_name=environment, roles=roles,
            stop_seconds=timing_.stop_seconds, start_seconds=timing_.start_seconds,
            startup_delay=timing_.startup_delay, script_seconds=timing_.script_seconds,
            fail_to_start_rate=timing_.fail_to_start_rate,
            watchdog_interval=timing_.watchdog_interval,
        )

    return st.builds(
        make, st.sampled_from(tuple(os)), _instances(tuple(instances)),
        st.sampled_from(tuple(communication_styles)), st.sampled_from(tuple(environments)),
        st.sampled_from(_ROLES), timing if timing is not None else timings(),
    )


# -- faults ----------------------------------------------------------------------------------
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
    may apply only during a stretch of the first ten minutes. Shrinks toward the first of
    ``kinds`` and of ``statuses`` (a 503) with rate 0, which never fires.

    Raises ValueError for a ``max_rate`` outside [0, 1].
    """
    if not 0 <= max_rate <= 1:
        raise ValueError(f"max_rate must be between 0 and 1, got {max_rate!r}")
    window = _range(0, 600)
    # Built once, outside the draw: a strategy built inside it is built and validated again
    # for every example.
    kind_s = st.sampled_from(tuple(kinds))
    rate_s = st.integers(0, round(max_rate * 1000))  # thousandths, as _rate
    status_s = st.sampled_from(tuple(statuses))
    # Tenths drawn as integers and divided here: one span fewer per field than a map.
    # Retry-After is one integer, not a one_of(none(), ...)'s three draws: its lower half
    # (where it shrinks) means no header, its upper half 0-30 s.
    retry_after_s = st.integers(0, 2 * 301 - 1)
    latency_s = st.integers(1, round(max_latency * 10))
    during_s = st.one_of(st.none(), window)

    @st.composite
    def rule(draw: st.DrawFn) -> FaultRule:
        # Every field is drawn whatever the kind, so all kinds cost the same number of
        # choices and shrinking moves between them freely, toward the first (a status).
        kind = draw(kind_s)
        rate = draw(rate_s) / 1000
        status = draw(status_s)
        retry_after = draw(retry_after_s)
        latency = draw(latency_s) / 10
        during = draw(during_s) if windows else None
        args: dict[str, Any] = {"kind": kind, "rate": rate, "window": during}
        if kind is FaultKind.Status:
            args["status"] = status
            if status in (429, 503):  # the statuses that carry Retry-After
                args["retry_after"] = None if retry_after < 301 else (retry_after - 301) / 10
        elif kind is FaultKind.Latency:
            args["latency"] = latency
        return FaultRule(**args)

    return rule()


def fault_plans(*, max_rules: int = 3, **rule_options: Any) -> st.SearchStrategy[FaultPlan]:
    """Return a strategy for a :class:`~octosim.faults.FaultPlan` of up to ``max_rules``
    rules drawn by :func:`fault_rules` (``rule_options`` are its keyword arguments). Each
    draw is a new plan; apply one with ``sim.faults.rules.extend(plan.rules)``. Shrinks
    toward the empty plan."""
    return st.lists(fault_rules(**rule_options), max_size=max_rules).map(
        lambda rules: FaultPlan(rules=rules)
    )


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


@functools.lru_cache(maxsize=64)
def _server(max_task_cap: int) -> st.SearchStrategy[ServerSpec]:
    # The background load's count is at most the drawn cap: a pick mapped onto 1..cap
    # (shrinking to 1), so no strategy is built inside the draw (each would be built and
    # validated again for every example).
    cap_s = _or_default(ServerSpec.task_cap, st.integers(1, max_task_cap))
    load_s = _or_default(None, st.tuples(
        st.integers(0, max(max_task_cap, ServerSpec.task_cap) - 1),
        _span(10, 120, BackgroundLoad.duration),
        _seconds(0, 600),
    ))

    @st.composite
    def server(draw: st.DrawFn) -> ServerSpec:
        task_cap = draw(cap_s)
        drawn = draw(load_s)
        load = BackgroundLoad() if drawn is None else BackgroundLoad(
            count=1 + drawn[0] % task_cap, duration=drawn[1], repeat_until=drawn[2])
        return ServerSpec(task_cap=task_cap, background_load=load)

    return server()


def _health(max_flaky_rate: float) -> st.SearchStrategy[HealthSettings]:
    d = HealthSettings()
    return _or_default(d, st.builds(
        HealthSettings,
        check_seconds=_span(0.5, 10, d.check_seconds),
        flaky_activation_rate=_rate(1.0),
        flaky_failure_rate=_rate(max_flaky_rate),
    ))


def _policy() -> st.SearchStrategy[MachinePolicySpec]:
    return _or_default(MachinePolicySpec(), st.builds(
        MachinePolicySpec,
        may_be_offline=st.booleans(),
        retry_window=_seconds(0, 300),
        retry_interval=_seconds(1, 30),
    ))


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

    1 to ``max_agents`` agents (``agent``: default ``agents()``, renamed ``web-01``,
    ``web-02``, ... in order so machine names are unique), spread over the three default
    environments; a task cap of 1 to ``max_task_cap``, perhaps kept busy by background
    tasks for up to ten minutes; a machine policy; health checks flaky in some runs (a check
    fails with a chance of at most ``max_flaky_rate``); with ``faults``, up to three
    :func:`fault_rules` firing at most ``max_fault_rate`` each. Every scenario drawn builds
    (``Simulation.from_scenario``) and survives ``Scenario.from_dict(s.to_dict())``. Shrinks toward
    the ``default`` preset's world without faults.
    """
    environments = Scenario.environments
    one_agent = agent if agent is not None else agents(environments=environments)
    fault_list = (st.lists(fault_rules(max_rate=max_fault_rate), max_size=3).map(tuple)
                  if faults else st.just(()))

    def make(specs: list[AgentSpec], server: ServerSpec, policy: MachinePolicySpec,
             health: HealthSettings, rules: tuple[FaultRule, ...]) -> Scenario:
        named = tuple(dataclasses.replace(a, name=f"web-{i:02d}")
                      for i, a in enumerate(specs, 1))
        return Scenario(name="drawn", environments=environments, agents=named,
                        server=server, machine_policy=policy, health=health, faults=rules)

    return st.builds(
        make, st.lists(one_agent, min_size=1, max_size=max_agents), _server(max_task_cap),
        _policy(), _health(max_flaky_rate), fault_list,
    )


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
