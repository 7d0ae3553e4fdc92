"""Shared pieces of the property suite (DESIGN.md §3, docs/properties.md).

Test modules cannot import a conftest by name (every ``conftest.py`` is a module called
``conftest``), so everything here is handed out by the session-scoped ``props`` fixture: the
narrow strategies the properties draw from, the harness that runs the restart client (sync
or async driver) or the seed port against a simulation while recording what the *model*
saw, and one predicate per property. A predicate returns ``None`` when the property holds,
else a sentence saying what broke; :func:`explain` turns that into an assertion message
carrying the case, the seed and the end of the timeline.

Session scope is safe inside ``@given``: nothing here holds state between examples (each
example builds its own simulation with ``octopus_factory``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import math
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from hypothesis import strategies as st

from octosim.faults import NO_FAULT, Decision, FaultKind, FaultPlan, FaultRule
from octosim.model.contact import HALIBUT_RETRY_DELAY
from octosim.model.generic import GenericExecutor
from octosim.model.states import ServiceState, TaskState
from octosim.model.tasks import Task
from octosim.model.truth import TentacleTruth
from octosim.scenario import AgentSpec, Scenario, ServerSpec
from octosim.simulation import Simulation
from octosim.strategies import (
    Knobs,
    agents,
    fault_plans,
    fault_rules,
    knob_values,
    presets,
    scenarios,
    seeds,
    timings,
)
from restart import (
    RestartError,
    RestartPolicy,
    RestartProcedure,
    RestartReport,
    RestartTarget,
    run_async,
    run_sync,
)
from restart.drivers.direct import direct_transport
from restart.drivers.loop import drive, logging_sink
from restart.policy import DEFAULT_DEADLINE
from restart.report import Outcome, Progress
from restart.seedport import SeedScript, SeedVariables, run_seed_script
from restart.strategies import restart_policies

#: Every task description the client writes ends with this tag (restart/procedure.py), so
#: its tasks can be found in the model even when the client lost track of one.
_TOKEN_TAG = re.compile(r"\(restart-tentacle ([0-9a-f]{8})/\d+\)$")
#: The seed port's task descriptions (restart/seedport.py); nothing else in a scenario
#: writes them.
_SEED_DESCRIPTIONS = ("Restarting Tentacle on ", "Health check for ")
#: The longest Retry-After ``fault_rules`` draws (seconds): part of the retry allowance.
MAX_RETRY_AFTER = 30.0
#: Where the seed port is declared unbounded: twice the client's own default deadline, the
#: seed's intended worst case (293 s, restart/policy.py) with ample slack.
SEED_GUARD = 2 * DEFAULT_DEADLINE
#: The task type a jam fills the task cap with: long deployments hogging the server.
JAM_TASK = "Deploy"

DRIVERS = ("sync", "async")


# -- drawn cases ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Jam:
    """At virtual time ``at``, ``count`` tasks that each run ``duration`` seconds are queued:
    once they hold every execution slot, anything queued after them waits (``count`` >= the
    task cap and a long ``duration`` make a Health task that never starts)."""

    at: float
    count: int
    duration: float


@dataclass(frozen=True)
class Case:
    """One drawn input of a property: a world, its seed, the client's policy and seed, and
    what else happens to the run. Its repr is a complete reproduction: Hypothesis prints it
    as the falsifying example, and ``octopus_factory(scenario=case.scenario,
    seed=case.seed)`` plus :func:`run_client` replays it."""

    scenario: Scenario
    seed: int
    policy: RestartPolicy
    client_seed: int = 0
    by: str = "id"  # the target by machine "id" or by "name"
    faults: tuple[FaultRule, ...] = ()  # on top of the scenario's own
    jam: Jam | None = None
    interrupt_after: float | None = None  # Ctrl-C / task cancellation after this long

    def target(self) -> RestartTarget:
        """The first agent's machine, ``Machines-1`` (``web-01``), by id or by name."""
        if self.by == "name":
            return RestartTarget("Spaces-1", machine_name=self.scenario.all_agents()[0].name)
        return RestartTarget("Spaces-1", machine_id="Machines-1")


def describe(case: Case) -> str:
    """Return a few readable lines summarising ``case`` (the repr has every detail)."""
    sc = case.scenario
    lines = [f"seed={case.seed} client_seed={case.client_seed} scenario={sc.name!r} "
             f"target by {case.by}"]
    for a in sc.all_agents():
        lines.append(
            f"  agent {a.name}: {a.os} {a.communication_style} instances={list(a.instances)} "
            f"registered={a.instance or a.instances[0]!r} stop={a.stop_seconds} "
            f"start={a.start_seconds} startup={a.startup_delay} script={a.script_seconds} "
            f"fail_to_start={a.fail_to_start_rate} watchdog={a.watchdog_interval}")
    load, mp, health = sc.server.background_load, sc.machine_policy, sc.health
    lines.append(f"  server: cap={sc.server.task_cap} load={load.count}x{load.duration} until "
                 f"{load.repeat_until}; machine policy: may_be_offline={mp.may_be_offline} "
                 f"retry {mp.retry_interval:g}s/{mp.retry_window:g}s; health checks "
                 f"{health.check_seconds} s, flaky {health.flaky_activation_rate}/"
                 f"{health.flaky_failure_rate}")
    for rule in (*sc.faults, *case.faults):
        lines.append(f"  fault: {_rule(rule)}")
    if case.jam:
        lines.append(f"  jam: {case.jam}")
    if case.interrupt_after is not None:
        lines.append(f"  interrupt after {case.interrupt_after:g} s")
    d = RestartPolicy()
    changed = {f.name: getattr(case.policy, f.name) for f in dataclasses.fields(d)
               if getattr(case.policy, f.name) != getattr(d, f.name)}
    lines.append(f"  policy: {changed or 'RestartPolicy()'}")
    return "\n".join(lines)


def _rule(rule: FaultRule) -> str:
    what = {FaultKind.Status: f"{rule.status}" + (
        f" Retry-After {rule.retry_after:g}" if rule.retry_after is not None else ""),
        FaultKind.Latency: f"latency {rule.latency:g}s"}.get(rule.kind, rule.kind.value)
    when = f" during {rule.window}" if rule.window else ""
    return f"{what} at rate {rule.rate:g}{when}"


def _registered(agent: AgentSpec) -> str:
    return agent.instance or agent.instances[0]


def _instance_choices(scenario: Scenario) -> tuple[str | None, ...]:
    # None (the client's default) and every instance of the target machine: choosing one that
    # is not the registered instance is a user's legitimate (if odd) request.
    return (None, *scenario.all_agents()[0].instances)


#: How long a jam's tasks each run: 10 s to beyond any deadline drawn here (never done).
JAM_DURATIONS = (10.0, 60.0, 300.0, 10_000.0)


def jams(max_count: int = 6) -> st.SearchStrategy[Jam | None]:
    """None (half the time; shrinks to it), or a jam in the first five minutes: 1..max_count
    tasks of 10 s to ten thousand seconds each (beyond any deadline drawn here: never done).
    One row of knobs (:func:`~octosim.strategies.knob_values`): whether, how many, how long,
    when; zeros read as None, and each knob shrinks toward one task of 10 s at 0 s."""

    def jam(knobs: Knobs) -> Jam | None:
        jammed, count = knobs.below(2), 1 + knobs.below(max_count)
        duration, at = knobs.pick(JAM_DURATIONS), knobs.tenths(0, 300)
        return Jam(at=at, count=count, duration=duration) if jammed else None

    return knob_values(jam, "tests.properties jam")


# Strategies are built once: building one (octosim's composites inspect their own source)
# and validating it on first use cost more than drawing from it, and a strategy made inside
# a draw is made again for every example.
_WORLDS = st.one_of(presets(), scenarios(max_fault_rate=0.2))
_POLICIES = restart_policies()
_FAULT_PLANS = fault_plans(max_rules=2, max_rate=0.2)
_JAMS = jams()
_PER_MILLE = st.integers(0, 1000)
_TENTHS_OF_A_MINUTE = st.integers(0, 600).map(lambda n: n / 10)
_SEEDS = seeds()
_BY = st.sampled_from(("id", "name"))
#: Which instance to restart: an index into the target machine's choices (None and its
#: instances, at most four), built once instead of a sampled_from of them per example;
#: 12 picks spread evenly over 2, 3 or 4 choices and shrink to the first, None.
_INSTANCE_PICK = st.integers(0, 11)
#: A case's small knobs as one row (one choice, not three): the instance pick, the target
#: by id or by name, interrupted or not. Zeros read as None, by id, not.
_CASE_PICKS = knob_values(lambda knobs: (knobs.below(12), knobs.below(2), knobs.below(2)),
                          "tests.properties instance, by, interrupted")


def _pick(choices: tuple[Any, ...], n: int) -> Any:
    return choices[n % len(choices)]


@st.composite
def _any_cases(draw: st.DrawFn, interrupts: bool) -> Case:
    scenario = draw(_WORLDS, label="scenario")
    policy = draw(_POLICIES, label="policy")
    instance, by, interrupted = draw(_CASE_PICKS, label="instance, by, interrupted")
    policy = dataclasses.replace(policy,
                                 instance=_pick(_instance_choices(scenario), instance))
    interrupt = None
    if interrupts and interrupted:
        interrupt = round(policy.deadline * draw(_PER_MILLE, label="interrupt") / 1000, 1)
    # Every draw labelled: Hypothesis's generator copies a draw onto another of the same
    # label, and one that does not fit there (a fault plan onto a jam) reads as the default.
    return Case(
        scenario=scenario,
        seed=draw(_SEEDS, label="seed"),
        policy=policy,
        client_seed=draw(_SEEDS, label="client_seed"),
        by=("id", "name")[by],
        faults=tuple(draw(_FAULT_PLANS, label="fault plan").rules),
        jam=draw(_JAMS, label="jam"),
        interrupt_after=interrupt,
    )


_ANY = {flag: _any_cases(flag) for flag in (False, True)}


def any_cases(*, interrupts: bool = False) -> st.SearchStrategy[Case]:
    """Every world the strategies can draw (presets included: never-returns, flaky-network,
    busy-server, ...) with faults at rates up to 0.2 and an extra fault plan on top, a
    jammed task queue, any valid policy with any instance of the target machine, the target
    by id or name; with ``interrupts``, a Ctrl-C at a drawn moment of the run (or none)."""
    return _ANY[interrupts]


# -- the live family -----------------------------------------------------------------------------
def live_budget(scenario: Scenario, policy: RestartPolicy) -> tuple[float, float]:
    """Return ``(window, work)``: the least ``health_window`` and ``work_time`` (deadline
    minus cleanup allowance) with which the client must report ``restarted`` on a scenario
    of the live family, computed from the scenario's worst-case timings. docs/properties.md
    derives each term; all times are relative to the restart task's creation ``c``, which
    itself comes at most one probe (``S + p``) after the run starts.
    """
    agent = scenario.all_agents()[0]
    s = agent.script_seconds[1]  # a probe's or the restart script's run time
    p = policy.poll_interval  # a task's end is seen at most one poll later
    c = scenario.health.check_seconds[1]  # one health check of a reachable Tentacle
    # The longest a task waits for a Tentacle that has just come back: the next Halibut
    # attempt, or the next round of the machine policy's retries (polling Tentacles are
    # collected at once, so this bounds them too).
    r = max(HALIBUT_RETRY_DELAY, scenario.machine_policy.retry_interval)
    k = policy.stable_checks
    wait = policy.post_restart_wait
    # Restart accepted -> the registered instance Running again with a new process.
    up = policy.script_delay + agent.startup_delay[1] + agent.stop_seconds[1] + (
        agent.start_seconds[1])
    first_good_check = max(
        up + max(r, 2 * p) + s + p,  # the probe that sees the new start time, seen done
        (s + p + wait) + s + p,  # ... or the first probe after the wait, if it was back
        up + r + c + 2 * p,  # a check in flight when it came back ends (or fails) + next
    )
    last_check = first_good_check + (k - 1) * (c + 2 * p)  # the k-th success in a row
    window = max(0.0, last_check - wait) + 0.1  # it must *start* inside the window
    # ... and be seen done (its Timeout sized >= c + 1 s) before the work stops.
    work = (s + p) + last_check + c + p + 1.0
    return window, work


def _legit_instances(agent: AgentSpec) -> tuple[str | None, ...]:
    """The ``--instance`` values a user would pass to restart this machine's Tentacle:
    none (the client then restarts every instance, docs/restart.md), or its registered
    instance's name as ``Tentacle list-instances`` prints it (``Tentacle`` for the default
    instance)."""
    return (None, _registered(agent))


_LIVE_WORLDS = scenarios(
    agent=agents(timing=timings(max_fail_to_start_rate=0.0, watchdog=False)),
    faults=False, max_flaky_rate=0.0)


@st.composite
def _live_cases(draw: st.DrawFn) -> Case:
    drawn = draw(_LIVE_WORLDS, label="scenario")
    scenario = dataclasses.replace(
        drawn, server=ServerSpec(task_cap=max(2, drawn.server.task_cap)))
    first = scenario.all_agents()[0]
    base = draw(_POLICIES, label="policy knobs")
    check = scenario.health.check_seconds[1]
    task_timeout = max(base.health_task_timeout, math.ceil(check) + 1.0)
    machine_timeout = min(task_timeout, max(base.health_machine_timeout, math.ceil(check) + 1))
    knobs = dataclasses.replace(
        base, instance=_pick(_legit_instances(first), draw(_INSTANCE_PICK, label="instance")),
        health_task_timeout=task_timeout, health_machine_timeout=machine_timeout)
    window, work = live_budget(scenario, knobs)
    window += draw(_TENTHS_OF_A_MINUTE, label="window slack")
    work += draw(_TENTHS_OF_A_MINUTE, label="work slack")
    policy = dataclasses.replace(
        knobs, health_window=round(window, 1),
        deadline=round(work + knobs.cleanup_allowance, 1) + 0.1)
    return Case(scenario=scenario, seed=draw(_SEEDS, label="seed"), policy=policy,
                client_seed=draw(_SEEDS, label="client_seed"), by=draw(_BY))


_LIVE = _live_cases()


def live_cases() -> st.SearchStrategy[Case]:
    """The live family: worlds with nothing random that can stop a restart (no HTTP
    faults, starts never fail, health checks never flaky, no background load, no jam),
    drawn agent timings and machine policies, and a policy whose health window and work
    time are :func:`live_budget` plus 0..60 s each; health task timeouts long enough for
    one check (``check_seconds`` max + 1 s)."""
    return _LIVE


# -- transient faults the world's random source never sees ----------------------------------------
@dataclass
class TransientFaults(FaultPlan):
    """A fault plan that is *transient by construction*: its rules fire from a random
    source of their own (so the world's draws stay the world's), no request fails
    ``max_in_a_row`` times in a row (the next attempt goes through), and at most ``budget``
    requests fail in all. Applied with ``sim.faults = TransientFaults(...)``, it goes
    through octosim's delivery like any plan: the same journal lines, Retry-After headers,
    processed-then-lost read timeouts."""

    rng: random.Random = field(default_factory=random.Random)
    max_in_a_row: int = 1
    budget: int = 8
    fired: int = field(default=0, init=False)
    _in_a_row: dict[tuple[str, str], int] = field(default_factory=dict, init=False)

    def decide(self, method: str, path: str, now: float, rng: random.Random) -> Decision:
        decision = super().decide(method, path, now, self.rng)
        key = (method.upper(), path)
        if decision.failure is None:
            self._in_a_row[key] = 0
            return decision
        if self.fired >= self.budget or self._in_a_row.get(key, 0) >= self.max_in_a_row:
            self._in_a_row[key] = 0  # this attempt is let through
            return Decision(decision.latency) if decision.latency else NO_FAULT
        self.fired += 1
        self._in_a_row[key] = self._in_a_row.get(key, 0) + 1
        return decision


@dataclass
class NthRequestFault(FaultPlan):
    """Fails exactly one request, the ``index``-th (0-based) the server receives, with
    ``rule`` (draws nothing from the world's random source)."""

    index: int = 0
    rule: FaultRule = field(
        default_factory=lambda: FaultRule(FaultKind.Status, status=503, retry_after=5))
    seen: int = field(default=0, init=False)

    def decide(self, method: str, path: str, now: float, rng: random.Random) -> Decision:
        n, self.seen = self.seen, self.seen + 1
        return Decision(0.0, self.rule) if n == self.index else NO_FAULT


#: The transient failures the Tolerant property is about (no latency: it is not a failure).
TRANSIENT_KINDS = (FaultKind.Status, FaultKind.ConnectError, FaultKind.ReadTimeout)
TRANSIENT_STATUSES = (503, 502, 504, 429)


_TRANSIENT_RULES = st.lists(fault_rules(kinds=TRANSIENT_KINDS, statuses=TRANSIENT_STATUSES,
                                        max_rate=0.2, windows=False), min_size=1, max_size=3)
MAX_TRANSIENT_RATE = 0.2


@st.composite
def _transient_plans(draw: st.DrawFn) -> tuple[tuple[FaultRule, ...], int, int]:
    rules = draw(_TRANSIENT_RULES, label="fault rules")
    total = sum(r.rate for r in rules)
    if total > MAX_TRANSIENT_RATE:  # scaled down rather than filtered: every draw is usable
        rules = [dataclasses.replace(
            r, rate=math.floor(r.rate * MAX_TRANSIENT_RATE / total * 1000) / 1000)
            for r in rules]
    budget = draw(st.integers(1, 8), label="fault budget")
    return tuple(rules), budget, draw(seeds(), label="fault seed")


_TRANSIENT = _transient_plans()


def transient_plans() -> st.SearchStrategy[tuple[tuple[FaultRule, ...], int, int]]:
    """``(rules, budget, fault_seed)``: one to three rules of the transient kinds whose
    rates add up to at most 0.2, how many requests may fail in all (1..8), and the seed of
    the plan's own random source."""
    return _TRANSIENT


def retry_allowance(policy: RestartPolicy, budget: int) -> float:
    """Seconds ``budget`` transient failures can cost a run at most: each one waits out a
    read timeout (``request_timeout``), then the longer of its backoff (<= ``retry_cap``),
    a Retry-After (<= 30 s) or a missed poll (``poll_interval``), plus one poll interval
    for the next poll to line up again."""
    per_fault = policy.request_timeout + max(policy.retry_cap, MAX_RETRY_AFTER,
                                             policy.poll_interval) + policy.poll_interval
    return budget * per_fault


# -- running the client against the model -------------------------------------------------------
@dataclass(frozen=True)
class Sent:
    """One HTTP request as the client sent it, and how it ended (virtual times)."""

    t: float
    done: float
    method: str
    path: str
    query: str
    body: bytes
    status: int | None  # None: a transport error (connect error, read timeout)
    error: str | None = None
    retry_after: float | None = None
    created: str | None = None  # the task Id a successful create answered with

    @property
    def failed_transiently(self) -> bool:
        return self.status is None or self.status in (408, 429, 500, 502, 503, 504)

    def same_request(self, other: Sent) -> bool:
        return (self.method, self.path, self.query, self.body) == (
            other.method, other.path, other.query, other.body)


class Recorder(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Serves a simulation (its own transport, faults included) and records every request
    with its send and end times: the client's requests as it made them, including those a
    fault answered or swallowed, which the journal only shows as faults."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.inner = sim.transport()
        self.sent: list[Sent] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        return self._record(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        return self._record(request)

    def _record(self, request: httpx.Request) -> httpx.Response:
        now = self.sim.clock.now
        sent = Sent(now(), now(), request.method, request.url.path,
                    request.url.query.decode(), request.content, None)
        try:
            response = self.inner.exchange(request)
        except httpx.TransportError as exc:
            self.sent.append(dataclasses.replace(sent, done=now(), error=type(exc).__name__))
            raise
        created = None
        if request.method == "POST" and request.url.path.endswith("/tasks") and (
                response.status_code == 201):
            response.read()  # an in-memory stream: reading it here leaves it readable
            created = response.json().get("Id")
        ra = response.headers.get("retry-after")
        self.sent.append(dataclasses.replace(
            sent, done=now(), status=response.status_code,
            retry_after=float(ra) if ra else None, created=created))
        return response


@dataclass
class Run:
    """What one run did, read from the model (not from what the client says).

    ``states`` and ``after`` are snapshots taken the moment the run returned (or raised):
    every task's state, and the target machine's process start times.
    """

    sim: Simulation
    case: Case
    driver: str
    procedure: str  # "restart" (the client) or "seed" (the seed port)
    started: float
    returned_at: float = 0.0
    report: RestartReport | None = None
    error: BaseException | None = None
    before: dict[str, float] = field(default_factory=dict)
    after: dict[str, float] = field(default_factory=dict)
    target_service: str | None = None
    registered_service: str = ""
    registered_up: bool = False
    changes: list[tuple[float, str, ServiceState, ServiceState]] = field(default_factory=list)
    states: dict[str, TaskState] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    progress: list[Progress] = field(default_factory=list)
    unbounded: bool = False  # the seed port was stopped by the SEED_GUARD

    @property
    def outcome(self) -> Outcome | None:
        """The report's outcome; None when the run has no report (cancelled, unbounded)."""
        return self.report.outcome if self.report is not None else None

    @property
    def reason(self) -> str:
        """The report's reason, or the last progress line (an async cancellation)."""
        if self.report is not None:
            return self.report.reason
        return self.progress[-1].text if self.progress else ""

    def client_tasks(self) -> list[Task]:
        """Every task in the model the run created, in creation order: those tagged with
        the client's token (so also any it lost track of), or the seed's descriptions."""
        def mine(task: Task) -> bool:
            if self.procedure == "seed":
                return task.description.startswith(_SEED_DESCRIPTIONS)
            return _TOKEN_TAG.search(task.description) is not None
        found = [t for t in self.sim.engine.tasks.values() if mine(t)]
        reported = {t.id for t in self.report.tasks} if self.report is not None else set()
        extra = [self.sim.engine.tasks[i] for i in reported - {t.id for t in found}
                 if i in self.sim.engine.tasks]
        return sorted(found + extra, key=lambda t: t.number)

    def outcome_line(self) -> str:
        """``<procedure> via <driver>: <outcome>: <reason>`` in one line."""
        if self.unbounded:
            return (f"{self.procedure} via {self.driver}: still running when the guard "
                    f"stopped it at {self.returned_at - self.started:g} s: {self.reason}")
        what = self.outcome.value if self.outcome else type(self.error).__name__
        return f"{self.procedure} via {self.driver}: {what}: {self.reason}"


def build(factory: Callable[..., Simulation], case: Case, **overrides: Any) -> Simulation:
    """Return the case's simulation from ``octopus_factory`` (so the plugin reports its
    timeline and checks it strictly), with the case's extra faults and jam applied."""
    sim = factory(scenario=case.scenario, seed=case.seed, **overrides)
    sim.faults.rules.extend(case.faults)
    if case.jam is not None:
        apply_jam(sim, case.jam)
    return sim


def apply_jam(sim: Simulation, jam: Jam) -> None:
    """Schedule ``jam`` on ``sim``: its tasks are queued at ``jam.at``."""
    sim.engine.register(GenericExecutor(JAM_TASK, "Deploy release", duration=jam.duration))
    space = sim.world.default_space.id

    def fill() -> None:
        for i in range(jam.count):
            sim.engine.create(space, JAM_TASK, {}, description=f"Long deployment {i + 1}")

    sim.clock.call_at(jam.at, fill)


def _prepare(sim: Simulation, case: Case, driver: str, procedure: str
             ) -> tuple[Run, TentacleTruth]:
    truth = TentacleTruth(sim.world.machines["Machines-1"], sim.clock)
    run = Run(sim, case, driver, procedure, started=sim.clock.now(),
              before=dict(truth.process_start_times_before),
              target_service=truth.service_of(case.policy.instance),
              registered_service=truth.service)
    return run, truth


def _finish(run: Run, truth: TentacleTruth) -> Run:
    truth.close()
    run.returned_at = run.sim.clock.now()
    run.after = dict(truth.process_start_times)
    run.registered_up = truth.is_up
    run.changes = [(c.at, c.service, c.old, c.new) for c in truth.changes()]
    run.states = {t.id: t.state for t in run.sim.engine.tasks.values()}
    return run


def run_client(sim: Simulation, case: Case, driver: str, *, target: RestartTarget | None = None,
               api_key: str | None = None) -> Run:
    """Run the restart client on ``sim`` through ``driver`` (``sync``: ``run_sync`` over
    ``sim.client()``; ``async``: ``run_async`` over ``sim.async_client()`` under
    ``asyncio.run``; ``direct``, for the benchmark only: no HTTP), with the simulation's
    clock and a client ``random.Random`` seeded from the case. A typed error is caught
    (``run.error``, and ``run.report`` from it); a case with ``interrupt_after`` is
    interrupted then: Ctrl-C (KeyboardInterrupt out of ``sleep``) for sync and direct,
    cancellation of the running task for async (as Ctrl-C under ``asyncio.run``)."""
    run, truth = _prepare(sim, case, driver, "restart")
    recorder = Recorder(sim)
    target = target if target is not None else case.target()
    due = math.inf if case.interrupt_after is None else run.started + case.interrupt_after
    pending = [case.interrupt_after is not None]

    def interrupt_now(seconds: float) -> bool:
        # The interrupt lands part-way through the sleep that crosses its moment.
        if pending[0] and sim.clock.now() + seconds >= due:
            pending[0] = False
            sim.clock.sleep(max(0.0, due - sim.clock.now()))
            return True
        return False

    common: dict[str, Any] = {"clock": sim.clock.now, "rng": random.Random(case.client_seed),
                              "on_event": run.progress.append}
    mounts = {"all://": recorder}
    def sleep(seconds: float) -> None:
        if interrupt_now(seconds):
            raise KeyboardInterrupt
        sim.clock.sleep(seconds)

    try:
        if driver == "sync":
            with sim.client(api_key=api_key, mounts=mounts) as client:
                run.report = run_sync(client, target, case.policy, sleep=sleep, **common)
        elif driver == "direct":  # for bench/bench_properties.py; requests are not recorded
            assert api_key is None, "the direct driver always uses the simulation's own key"
            procedure = RestartProcedure(target, case.policy, rng=common["rng"],
                                         web_base_url=sim.base_url,
                                         on_progress=logging_sink(run.progress.append))
            run.report = drive(procedure, direct_transport(sim), clock=sim.clock.now,
                               sleep=sleep)
        else:
            async def asleep(seconds: float) -> None:
                if interrupt_now(seconds):
                    task = asyncio.current_task()
                    assert task is not None
                    task.cancel()
                    await asyncio.sleep(0)  # the cancellation is delivered here
                sim.clock.sleep(seconds)

            async def main() -> RestartReport:
                async with sim.async_client(api_key=api_key, mounts=mounts) as client:
                    return await run_async(client, target, case.policy, sleep=asleep, **common)

            run.report = asyncio.run(main())
    except RestartError as exc:
        run.error, run.report = exc, exc.report
    except asyncio.CancelledError as exc:
        run.error = exc
    finally:
        run.sent = recorder.sent
        _finish(run, truth)
    if run.report is not None and run.report.interrupted and case.interrupt_after is None:
        # A real Ctrl-C (this case asked for no interrupt): the client returned its report
        # as its contract says; the test run stops, as Ctrl-C stops pytest anywhere else.
        raise KeyboardInterrupt
    return run


class _Unbounded(Exception):
    """Raised by the guard's sleep: the seed port ran past :data:`SEED_GUARD`."""


def run_seed(sim: Simulation, case: Case, driver: str = "sync") -> Run:
    """Run the seed port (BASELINE) on ``sim`` with a guard: a sleep that stops it once
    virtual time would pass :data:`SEED_GUARD` (``run.unbounded``; the seed has no deadline
    of its own, so without the guard it would poll for ever). ``driver``: ``sync``
    (``run_seed_script`` over ``sim.client()``) or ``direct`` (no HTTP, the same requests
    and journal, about three times faster: for searches that run it hundreds of times)."""
    run, truth = _prepare(sim, case, driver, "seed")
    recorder = Recorder(sim)
    machine = sim.world.machines["Machines-1"]
    variables = SeedVariables(sim.base_url, "Spaces-1", machine.id, machine.name,
                              machine.environment_ids[0])

    def sleep(seconds: float) -> None:
        if sim.clock.now() + seconds > run.started + SEED_GUARD:
            raise _Unbounded
        sim.clock.sleep(seconds)

    try:
        if driver == "direct":
            script = SeedScript(variables, on_progress=run.progress.append)
            run.report = drive(script, direct_transport(sim), clock=sim.clock.now,
                               sleep=sleep)
        else:
            with sim.client(mounts={"all://": recorder}) as client:
                run.report = run_seed_script(client, variables, clock=sim.clock.now,
                                             sleep=sleep, on_event=run.progress.append)
    except _Unbounded:
        run.unbounded = True
    finally:
        run.sent = recorder.sent
        _finish(run, truth)
    return run


# -- the properties, as predicates ---------------------------------------------------------------
def bounded_problem(run: Run) -> str | None:
    """Bounded: the run returned (or raised) by ``start + policy.deadline``, virtual time."""
    took = run.returned_at - run.started
    if run.unbounded:
        return f"still running at {took:g} s (stopped by the guard): it has no deadline"
    if took > run.case.policy.deadline + 1e-6:
        return f"returned after {took:g} s, past its deadline of {run.case.policy.deadline:g} s"
    return None


def safe_problem(run: Run) -> str | None:
    """Safe: ``restarted`` only if (a) the target instance's witness (its process start
    time, from the model) changed to a time after the restart task was accepted, and (b) a
    Health task of the run *started* after the machine's registered instance was last back
    up (Running ever since, through the return) and ended Success."""
    if run.outcome is not Outcome.RESTARTED:
        return None
    tasks = run.client_tasks()
    restarts = [t for t in tasks if t.description.startswith("Restarting Tentacle on")]
    if not restarts:
        return "reported restarted, but it created no restart task"
    accepted = min(t.created for t in restarts)
    service = run.target_service
    if service is None:
        return (f"reported restarted, but the machine has no instance "
                f"{run.case.policy.instance!r} to restart")
    before, after = run.before.get(service), run.after.get(service)
    if after is None or after == before or after <= accepted:
        return (f"reported restarted, but {service!r} did not restart after the restart task "
                f"was accepted at {accepted:g} s: process start {before} before, {after} "
                f"when the run returned")
    registered = run.registered_service
    if not run.registered_up:
        return f"reported restarted, but the machine's Tentacle {registered!r} is not Running"
    ups = [t for t, name, _, new in run.changes if name == registered
           and new is ServiceState.Running]
    back = max(ups, default=-math.inf)
    good = [t for t in tasks if t.name == "Health" and run.states.get(t.id) is TaskState.Success
            and t.start_time is not None and t.start_time >= back]
    if not good:
        checks = ", ".join(f"{t.id} started {t.start_time} {run.states.get(t.id)}"
                           for t in tasks if t.name == "Health") or "none"
        return (f"reported restarted, but no health check that started after {registered!r} "
                f"was last back up (at {back:g} s) succeeded; its health checks: {checks}")
    return None


def clean_problem(run: Run) -> str | None:
    """Clean, the moment the run returned: no task the run created is Queued or Executing,
    when cleaning up was possible (no fault fired, a cleanup allowance > 0); otherwise
    every one that is still Queued or Executing is named in the outcome's reason."""
    left = [t for t in run.client_tasks()
            if run.states.get(t.id) in (TaskState.Queued, TaskState.Executing)]
    if not left:
        return None
    faults = any(e.kind.value == "fault" and e.t <= run.returned_at for e in run.sim.journal)
    possible = not faults and run.case.policy.cleanup_allowance > 0
    unnamed = [t for t in left if t.id not in run.reason and t.description not in run.reason]
    what = ", ".join(f"{t.id} ({t.name}, {run.states[t.id]})" for t in left)
    if possible:
        return f"left {what} running although it could clean up (no faults, an allowance)"
    if unnamed:
        return f"left {what} running and did not say so in its reason: {run.reason!r}"
    return None


def frugal_problem(run: Run) -> str | None:
    """Frugal: (1) a task is polled no sooner than ``poll_interval`` after its creation or
    its previous poll (reading it back after a cancel Octopus refused is no poll); (2) a
    request repeated after a transient failure waits at least the backoff's least value,
    ``retry_base * (1 - retry_jitter)``, or the poll interval for polls, and never less
    than the server's Retry-After (the cleanup's back-to-back task-list lookups and the
    read-back after a refused cancel are new requests, not retries); (3) at most
    :func:`request_bound` requests."""
    policy = run.case.policy
    p, sent = policy.poll_interval, run.sent
    tasks_path = re.compile(r"^/api/[^/]+/tasks/([^/]+)$")
    cleanup_from = math.inf
    if run.report is not None:
        cleanup_from = min((ph.started for ph in run.report.phases if ph.name == "cleanup"),
                           default=math.inf)
    last: dict[str, float] = {}
    cancelled: set[str] = set()
    for s in sent:
        if s.created:
            last[s.created] = s.done
        m = tasks_path.match(s.path)
        if s.method == "POST" and s.path.endswith("/cancel"):
            cancelled.add(s.path.split("/")[-2])
        if not (s.method == "GET" and m):
            continue
        task_id = m.group(1)
        if task_id in cancelled:
            continue  # read-backs after a cancel Octopus refused: calls, not polls (see (2))
        if task_id in last and s.t - last[task_id] < p - 1e-9:
            return (f"polled {task_id} at {s.t:g} s, {s.t - last[task_id]:g} s after the "
                    f"previous poll or its creation (poll_interval {p:g} s)")
        last[task_id] = s.t
    least = policy.retry_base * (1 - policy.retry_jitter)
    for i, failed in enumerate(sent):
        if not failed.failed_transiently:
            continue
        j = next((j for j in range(i + 1, len(sent)) if sent[j].same_request(failed)), None)
        if j is None:
            continue
        again = sent[j]
        task_id = (m.group(1) if (m := tasks_path.match(failed.path)) else None)
        # Not a retry, though the same request: the read-back of a task after a cancel
        # Octopus refused, and the cleanup's task-list lookups, one per create it is unsure
        # of, back to back (creates of one task type list the same page).
        cancels = [k for k, s in enumerate(sent) if task_id and s.method == "POST"
                   and s.path.endswith(f"/tasks/{task_id}/cancel")]
        if any(i < k < j for k in cancels):
            continue
        if again.t >= cleanup_from and again.path.endswith("/tasks") and again.method == "GET":
            continue
        # A GET of a task is a poll (retried a poll interval later) until the run asked to
        # cancel it; afterwards it is a read-back, retried with backoff like any call.
        poll = failed.method == "GET" and task_id is not None and not any(
            k < i for k in cancels)
        floor = max(p if poll else least, failed.retry_after or 0.0)
        if again.t - failed.done < floor - 1e-9:
            return (f"repeated {failed.method} {failed.path} {again.t - failed.done:g} s after "
                    f"it failed ({failed.status or failed.error}); it must wait >= {floor:g} s")
    bound = request_bound(run)
    if len(sent) > bound:
        failures = sum(s.failed_transiently for s in sent)
        return f"sent {len(sent)} requests; the bound is {bound} ({failures} failed)"
    return None


def request_bound(run: Run) -> int:
    """Frugal's bound on the requests of a run: three per poll interval of the deadline
    (a poll, a details read, the next create), eight for the preflight, the first create and
    the cleanup, and two per failed request (its repeat, and a task-list lookup after a lost
    create)."""
    failures = sum(s.failed_transiently for s in run.sent)
    return 3 * math.floor(run.case.policy.deadline / run.case.policy.poll_interval) + 8 + (
        2 * failures)


def explain(run: Run, problem: str, *, last: int = 60) -> str:
    """The assertion message of a broken property: what broke, the case (with its seed),
    the outcome, and the last ``last`` lines of the timeline."""
    return (f"{problem}\n{run.outcome_line()}\n{describe(run.case)}\n"
            f"reproduce: octopus_factory(scenario=<case.scenario>, seed={run.case.seed}), "
            f"client rng random.Random({run.case.client_seed})\n"
            f"--- timeline (last {last} lines) ---\n{run.sim.timeline(last=last)}")


class _Props(SimpleNamespace):
    def __repr__(self) -> str:  # a falsifying example prints its arguments: keep this one short
        return "props"


@pytest.fixture(scope="module", autouse=True)
def _quiet_restart_log() -> Iterator[None]:
    """Keep the client's progress lines (logged to ``restart`` at INFO/WARNING) out of the
    captured log: a failing property test would otherwise show every line of every example
    Hypothesis ran, burying the shrunk example's timeline. Module-scoped, so Hypothesis sees
    no function-scoped fixture and the level is restored before other directories run; a
    test that wants the records (Honest) sets its own level with ``caplog``."""
    logger = logging.getLogger("restart")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.fixture(scope="session")
def props() -> SimpleNamespace:
    """The suite's strategies, harness and property predicates (stateless)."""
    return _Props(
        DRIVERS=DRIVERS, SEED_GUARD=SEED_GUARD, JAM_TASK=JAM_TASK,
        Case=Case, Jam=Jam, Run=Run, TransientFaults=TransientFaults,
        NthRequestFault=NthRequestFault,
        any_cases=any_cases, live_cases=live_cases, jams=jams, transient_plans=transient_plans,
        live_budget=live_budget, retry_allowance=retry_allowance,
        build=build, apply_jam=apply_jam, run_client=run_client, run_seed=run_seed,
        describe=describe, explain=explain,
        bounded_problem=bounded_problem, safe_problem=safe_problem,
        clean_problem=clean_problem, frugal_problem=frugal_problem, request_bound=request_bound,
    )
