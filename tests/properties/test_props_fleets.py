"""Properties over fleets (issue 18): many restart clients in one simulation, one task cap.

Hypothesis draws a small fleet: 2 to 8 agents in one to four groups (Windows or Linux,
listening or polling, a share of each group running a named instance), a task cap of 1 to
6, background load holding slots, maybe HTTP faults and Tentacles that fail to start, one
restart policy for every client (deadlines up to 330 s), a seed, and ONE rollout:

- ``rolling``: one deployment whose *Restart Tentacle* step (``Octosim.RestartTentacle``,
  ``RestartMethod = Client``) runs on behalf of every group's role, ``MaxParallelism`` 1-4;
- ``concurrent``: one project per group, all deployed within the first two minutes;
- ``arrivals``: the restart client from outside the server, one per agent, arriving at a
  fixed interval or at a rate.

The fleet is built as Scenario dataclasses and run with ``Fleet.from_scenario(...).run``.
Every restart client of the fleet is then judged, each on its own machine (one client per
machine, found in the model by the ``- Machines-N (restart-tentacle ...)`` tail of its
task descriptions):

- **finished**: every client and every deployment ended before the horizon (no hang);
- **bounded**: a client ended by its start + ``policy.deadline``;
- **clean**: when a client ended, none of its tasks was Queued or Executing, unless a fault
  fired during its run and its reason names each one left; at the horizon, none is active;
- **safe**: ``restarted`` only when ``TentacleTruth`` saw the registered instance launch a
  new process after the client's restart task was created, Running again by the time the
  client ended, and a Health task of the client's that started after it was last back up
  succeeded (in a deployment, ``Verified`` is True exactly when it restarted);
- the engine's invariants (``check_invariants``) hold at a drawn moment and at the end;
- **the cap**: at no moment of the run did more tasks hold a slot than the task cap,
  counted afresh from every task's StartTime and CompletedTime.

Reaching the clients' verdicts: an outside client's is its ``ClientResult.report``; a
restart inside a deployment sets only output variables, so the step action is wrapped (the
same function, registered again under its ``ActionType``) to record when it started and
ended on each target, its ``Outcome`` / ``Reason`` / ``Verified`` outputs and the states
of its tasks the moment it returned. For outside clients those states are read back from
the journal's task lines (the last change at or before the client's end).
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

from hypothesis import event, given, note, settings
from hypothesis import strategies as st

from octosim.journal import Kind
from octosim.model.invariants import check_invariants
from octosim.model.states import ServiceState, TaskState
from octosim.model.truth import TentacleTruth
from octosim.scenario import Scenario
from octosim.scenario.deployment_schema import (
    ActionSpec,
    ProjectSpec,
    StepSpec,
    VariableSpec,
    WorkersSpec,
)
from octosim.scenario.fleet_schema import (
    AgentGroupSpec,
    RestartArrivalsSpec,
    RolloutDeploymentSpec,
    RolloutSpec,
)
from octosim.scenario.schema import BackgroundLoad, ServerSpec
from octosim.simulation import Simulation
from octosim.strategies import fault_plans, seeds
from restart.fleet import Fleet
from restart.policy import KNOBS, RestartPolicy
from restart.report import Outcome
from restart.step_actions import ACTION_TYPE, METHOD_VARIABLE, POLICY_PREFIX
from restart.strategies import restart_policies

#: The longest deadline drawn: long enough for every phase, short enough to keep it fast.
MAX_DEADLINE = 330.0
#: Slack added to the horizon for everything a client's deadline does not bound: a
#: deployment waiting for a slot, its script and health tasks ending after their client.
SLACK = 900.0
_TAG = re.compile(r" - (Machines-\d+) \(restart-tentacle [0-9a-f]{8}/\d+\)$")
_ACTIVE = (TaskState.Queued, TaskState.Executing)


@dataclass(frozen=True)
class FleetCase:
    """One drawn fleet: its scenario (the whole fleet), seed and the clients' policy. Its
    repr is a complete reproduction: ``Fleet.from_scenario(case.scenario, seed=case.seed,
    policy=case.policy).run(until=case.horizon)``."""

    scenario: Scenario
    seed: int
    policy: RestartPolicy
    kind: str
    moment: float  # a fraction of the horizon: the invariants are checked there too

    @property
    def horizon(self) -> float:
        rollout = self.scenario.rollout
        assert rollout is not None
        return rollout.horizon


def _variables(policy: RestartPolicy) -> tuple[VariableSpec, ...]:
    # The step reads its policy from RestartTentacle.<Knob> variables (restart/step_actions).
    knobs = [VariableSpec(POLICY_PREFIX + "".join(w.capitalize() for w in k.name.split("_")),
                          f"{getattr(policy, k.name)!r}") for k in KNOBS]
    return (VariableSpec(METHOD_VARIABLE, "Client"), *knobs)


def _restart_project(name: str, roles: tuple[str, ...], policy: RestartPolicy) -> ProjectSpec:
    return ProjectSpec(name, steps=(StepSpec(
        "Restart Tentacle", (ActionSpec(action_type=ACTION_TYPE, run_on_server=True),),
        roles=roles),), variables=_variables(policy))


_GROUPS = st.lists(st.tuples(
    st.integers(1, 3),  # agents
    st.sampled_from(("Windows", "Linux")),
    st.sampled_from(("listening", "polling")),
    st.sampled_from((0.0, 0.5, 1.0)),  # the share running the named instance
    st.sampled_from((0.0, 0.0, 0.2)),  # fail_to_start_rate
), min_size=1, max_size=4)
_POLICIES = restart_policies(max_deadline=MAX_DEADLINE)
_FAULTS = fault_plans(max_rules=2, max_rate=0.1)
_LOADS = st.tuples(st.integers(0, 3), st.sampled_from(((5.0, 30.0), (60.0, 300.0))),
                   st.sampled_from((0.0, 120.0, 600.0)))
_AT = st.sampled_from((0.0, 0.0, 5.0, 30.0, 120.0))


@st.composite
def fleets(draw: st.DrawFn) -> FleetCase:
    """A fleet as the module docstring describes; shrinks toward one group of two Windows
    agents deployed by one rolling deployment, cap 1, no load, no faults."""
    groups_drawn = draw(_GROUPS, label="groups")
    while sum(g[0] for g in groups_drawn) > 8:
        groups_drawn = groups_drawn[:-1]
    if sum(g[0] for g in groups_drawn) < 2:
        groups_drawn = [(2, *groups_drawn[0][1:]), *groups_drawn[1:]]
    groups = tuple(AgentGroupSpec(
        name=f"g{i}-{{n:02}}", count=count, os=os, communication_style=style,
        environment_name="Production", roles=(f"svc-{i}",), named_instances=share,
        fail_to_start_rate=fail) for i, (count, os, style, share, fail)
        in enumerate(groups_drawn, 1))
    roles = tuple(g.roles[0] for g in groups)
    agents = sum(g.count for g in groups)
    policy = draw(_POLICIES, label="policy")
    kind = draw(st.sampled_from(("rolling", "concurrent", "arrivals")), label="rollout")
    window = draw(st.integers(1, 4), label="max_parallelism")
    projects: tuple[ProjectSpec, ...] = ()
    deployments: tuple[RolloutDeploymentSpec, ...] = ()
    restarts = None
    last_start = 0.0
    if kind == "rolling":
        projects = (_restart_project("Service", roles, policy),)
        deployments = (RolloutDeploymentSpec("Service", "Production"),)
    elif kind == "concurrent":
        projects = tuple(_restart_project(f"Service {i}", (role,), policy)
                         for i, role in enumerate(roles, 1))
        deployments = tuple(RolloutDeploymentSpec(p.name, "Production", at=draw(_AT))
                            for p in projects)
        last_start = max(d.at for d in deployments)
    else:
        first = draw(_AT, label="first")
        if draw(st.booleans(), label="at a rate"):
            restarts = RestartArrivalsSpec(method="Client", first=first,
                                           rate=draw(st.sampled_from((0.5, 2.0, 10.0))))
            last_start = first + 3600.0  # random gaps: bounded generously
        else:
            interval = draw(st.sampled_from((0.0, 10.0, 60.0)), label="interval")
            restarts = RestartArrivalsSpec(method="Client", first=first, interval=interval)
            last_start = first + interval * agents
    count, duration, until = draw(_LOADS, label="background load")
    load = BackgroundLoad(count=count, duration=duration, repeat_until=until)
    # Deployments restart their targets a window at a time: each batch takes at most a
    # deadline; the background load and the other deployments may hold every slot first.
    batches = agents if kind != "rolling" else math.ceil(agents / window)
    horizon = last_start + until + duration[1] * (count + 1) + batches * (
        policy.deadline + 60.0) + SLACK
    scenario = Scenario(
        name="drawn fleet", environments=("Production",), agents=(),
        server=ServerSpec(task_cap=draw(st.integers(1, 6), label="task cap"),
                          background_load=load),
        faults=tuple(draw(_FAULTS, label="faults").rules),
        workers=WorkersSpec(count=1, os="Windows"),
        agent_groups=groups, projects=projects,
        rollout=RolloutSpec(deployments=deployments, restarts=restarts,
                            max_parallelism=window if deployments else None,
                            horizon=round(horizon)))
    return FleetCase(scenario, draw(seeds(), label="seed"), policy, kind,
                     draw(st.integers(1, 99), label="moment") / 100)


def describe(case: FleetCase) -> str:
    """A few lines: the rollout, the agents, the server, the policy (the repr has all)."""
    sc = case.scenario
    rollout = sc.rollout
    assert rollout is not None
    lines = [f"seed={case.seed} rollout={case.kind} horizon={case.horizon:g}s "
             f"invariants also at {case.moment * case.horizon:g}s"]
    if rollout.deployments:
        lines.append(f"  deployments (max_parallelism {rollout.max_parallelism}): " + ", ".join(
            f"{d.project} at {d.at:g}s" for d in rollout.deployments))
    if rollout.restarts is not None:
        r = rollout.restarts
        lines.append(f"  restarts from outside: first at {r.first:g}s, "
                     + (f"rate {r.rate:g}/min" if r.rate else f"every {r.interval:g}s"))
    for g in sc.agent_groups:
        lines.append(f"  group {g.name} x{g.count}: {g.os} {g.communication_style} role "
                     f"{g.roles[0]} named share {g.named_instances:g} fail_to_start "
                     f"{g.fail_to_start_rate:g}")
    load = sc.server.background_load
    lines.append(f"  server: cap {sc.server.task_cap}, background {load.count}x{load.duration} "
                 f"until {load.repeat_until:g}s; faults: {list(sc.faults) or 'none'}")
    d = RestartPolicy()
    changed = {f.name: getattr(case.policy, f.name) for f in dataclasses.fields(d)
               if getattr(case.policy, f.name) != getattr(d, f.name)}
    lines.append(f"  policy: {changed or 'RestartPolicy()'}")
    return "\n".join(lines)


# -- running a fleet, recording what each restart client did -------------------------------------
@dataclass
class Verdict:
    """One restart client of the fleet, however it ran: where, when, and how it ended."""

    name: str
    machine_id: str
    started: float | None
    ended: float | None = None
    outcome: str | None = None
    reason: str = ""
    verified: str | None = None  # a deployment's Verified output; None for outside clients
    states: dict[str, TaskState] = field(default_factory=dict)  # its tasks when it ended


def _observed(sim: Simulation, verdicts: list[Verdict]) -> Any:
    # Octosim.RestartTentacle, registered again around itself: it records when it ran on
    # each target, its outputs and its tasks' states the moment it returned.
    original = sim.deploy.actions.get(ACTION_TYPE)
    assert original is not None

    def action(ctx: Any) -> Generator[Any, Any, str | None]:
        target = ctx.target
        verdict = Verdict(f"{ctx.run.task.id} on {target.name}", target.id, sim.clock.now())
        verdicts.append(verdict)
        result: str | None = yield from original(ctx)
        verdict.ended = sim.clock.now()
        verdict.states = {t.id: t.state for t in _tasks_of(sim, target.id)}
        outputs = ctx.outputs.for_machine(target.name)
        prefix = f"Octopus.Action[{ctx.action_name}].Output."
        verdict.outcome = outputs.get(prefix + "Outcome")
        verdict.reason = outputs.get(prefix + "Reason") or ""
        verdict.verified = outputs.get(prefix + "Verified")
        return result

    return action


def _tasks_of(sim: Simulation, machine_id: str) -> list[Any]:
    return [t for t in sim.engine.tasks.values()
            if (m := _TAG.search(t.description)) and m.group(1) == machine_id]


def _state_at(sim: Simulation, task_id: str, t: float) -> TaskState | None:
    # The journal's task lines: "ServerTasks-N ... created (Queued)", "ServerTasks-N A → B".
    state = None
    for entry in sim.journal.entries(kind=Kind.Task, subject=task_id):
        if entry.t > t:
            break
        if "→" in entry.text:
            state = TaskState(entry.text.split("→")[1].split()[0])
        elif entry.text.endswith("(Queued)"):
            state = TaskState.Queued
    return state


@dataclass
class FleetRun:
    case: FleetCase
    sim: Simulation
    fleet: Fleet
    verdicts: list[Verdict]
    truths: dict[str, TentacleTruth]


def run_fleet(case: FleetCase) -> FleetRun:
    """Build the fleet, watch every agent's Tentacle, run to the drawn moment, check the
    engine's invariants there, then run to the horizon."""
    fleet = Fleet.from_scenario(case.scenario, seed=case.seed, policy=case.policy)
    sim = fleet.sim
    verdicts: list[Verdict] = []
    sim.deploy.actions.register(ACTION_TYPE, _observed(sim, verdicts))
    names = {a.name for a in case.scenario.all_agents()}
    truths = {m.id: TentacleTruth(m, sim.clock) for m in sim.world.machines.values()
              if m.name in names}
    fleet.run(until=case.moment * case.horizon)
    check_invariants(sim.engine, sim.world, sim.clock, sim.journal)
    results = fleet.run(until=case.horizon)
    for result in results:
        if result.kind != "restart":
            continue
        machine_id = result.name.rsplit("(", 1)[1].rstrip(")")
        report = result.report
        verdict = Verdict(result.name, machine_id, result.started, result.ended,
                          report.outcome.value if report else None,
                          report.reason if report else result.error or "")
        if result.ended is not None:
            verdict.states = {t.id: s for t in _tasks_of(sim, machine_id)
                              if (s := _state_at(sim, t.id, result.ended)) is not None}
        verdicts.append(verdict)
    return FleetRun(case, sim, fleet, verdicts, truths)


# -- the properties, as predicates: None when it holds, else what broke --------------------------
def finished_problem(run: FleetRun) -> str | None:
    """Every client and every deployment ended before the horizon, and every agent was
    restarted by one client."""
    going = [r.verdict for r in run.fleet.results() if not r.finished]
    going += [f"{v.name}: still running" for v in run.verdicts if v.ended is None]
    if going:
        return "still going at the horizon: " + "; ".join(going)
    restarted = sorted(v.machine_id for v in run.verdicts)
    if restarted != sorted(run.truths):
        return f"clients ran on {restarted}, the fleet's agents are {sorted(run.truths)}"
    return None


def bounded_problem(run: FleetRun, v: Verdict) -> str | None:
    """Bounded: the client ended by its start + the policy's deadline."""
    assert v.started is not None and v.ended is not None
    took = v.ended - v.started
    if took > run.case.policy.deadline + 1e-6:
        return (f"{v.name} ran {took:g} s (from {v.started:g} s), past its deadline of "
                f"{run.case.policy.deadline:g} s")
    return None


def clean_problem(run: FleetRun, v: Verdict) -> str | None:
    """Clean: none of its tasks Queued or Executing when it ended, unless a fault fired
    during its run and its reason names every one left; at the horizon none is active."""
    assert v.started is not None and v.ended is not None
    left = [i for i, s in v.states.items() if s in _ACTIVE]
    if left:
        faults = any(e.kind is Kind.Fault and v.started <= e.t <= v.ended
                     for e in run.sim.journal)
        tasks = run.sim.engine.tasks
        unnamed = [i for i in left if i not in v.reason and tasks[i].description not in v.reason]
        what = ", ".join(f"{i} ({v.states[i]})" for i in left)
        if not faults:
            return f"{v.name} left {what} when it ended at {v.ended:g} s, with no fault to stop it"
        if unnamed:
            return f"{v.name} left {what} and did not say so: {v.reason!r}"
    active = [t.id for t in _tasks_of(run.sim, v.machine_id) if not t.is_completed]
    if active:
        return f"{v.name}'s tasks {active} are still active at the horizon"
    return None


def safe_problem(run: FleetRun, v: Verdict) -> str | None:
    """Safe: ``restarted`` only when the registered instance really launched a new process
    after the client's restart task was created, and was Running when the client ended."""
    assert v.ended is not None
    if v.verified is not None and (v.verified == "True") != (v.outcome == Outcome.RESTARTED):
        return f"{v.name}: Verified={v.verified} but the outcome is {v.outcome}"
    if v.outcome != Outcome.RESTARTED:
        return None
    restarts = [t for t in _tasks_of(run.sim, v.machine_id)
                if t.description.startswith("Restarting Tentacle on")]
    if not restarts:
        return f"{v.name} reported restarted, but it created no restart task"
    asked = min(t.queue_time for t in restarts)
    truth = run.truths[v.machine_id]
    new = [r for r in truth.restarts(truth.service) if r.launched > asked and r.running <= v.ended]
    if not new:
        return (f"{v.name} reported restarted at {v.ended:g} s, but {truth.service!r} launched "
                f"no process after the restart was asked for at {asked:g} s: "
                f"{truth.restarts(truth.service)}")
    changes = [c for c in truth.changes(truth.service) if c.at <= v.ended]
    if changes and changes[-1].new is not ServiceState.Running:
        return (f"{v.name} reported restarted at {v.ended:g} s, but {truth.service!r} was "
                f"{changes[-1].new} then")
    # ... and a health check of its own vouched for the Tentacle as it was when it ended:
    # one that started after the registered instance was last back up, and succeeded.
    back = max((c.at for c in changes if c.new is ServiceState.Running), default=-math.inf)
    checks = [t for t in _tasks_of(run.sim, v.machine_id) if t.name == "Health"]
    if not any(t.state is TaskState.Success and t.start_time is not None
               and t.start_time >= back for t in checks):
        seen = ", ".join(f"{t.id} started {t.start_time} {t.state}" for t in checks) or "none"
        return (f"{v.name} reported restarted, but no health check of its own that started "
                f"after {truth.service!r} was last back up (at {back:g} s) succeeded: {seen}")
    return None


def cap_problem(run: FleetRun) -> str | None:
    """No more tasks held a slot than the cap at any moment: at every StartTime, count the
    tasks started by then and not yet completed (a task that ended then freed its slot)."""
    cap = run.case.scenario.server.task_cap
    spans = [(t.start_time, math.inf if t.completed_time is None else t.completed_time, t.id)
             for t in run.sim.engine.tasks.values() if t.start_time is not None]
    for start, _, task_id in spans:
        holding = [i for s, e, i in spans if s <= start < e]
        if len(holding) > cap:
            return f"at {start:g} s ({task_id} started) {len(holding)} tasks held slots: {holding}"
    return None


def explain(run: FleetRun, problems: list[str], last: int = 60) -> str:
    """What broke, the seed and the drawn fleet, every client's verdict, the timeline's tail."""
    verdicts = "\n".join(f"  {v.name}: {v.started}..{v.ended} {v.outcome}: {v.reason}"
                         for v in run.verdicts)
    return ("\n".join(problems) + f"\n{describe(run.case)}\nclients:\n{verdicts}\n"
            f"reproduce: Fleet.from_scenario(case.scenario, seed={run.case.seed}, "
            f"policy=case.policy).run(until={run.case.horizon:g})\n"
            f"--- timeline (last {last} lines) ---\n{run.sim.timeline(last=last)}")


def fleet_problems(run: FleetRun) -> list[str]:
    """Every property broken by the run, as sentences (empty: all hold)."""
    problems = [p for p in (finished_problem(run), cap_problem(run)) if p]
    for v in run.verdicts:
        if v.ended is None or v.started is None:
            continue
        problems += [p for p in (bounded_problem(run, v), clean_problem(run, v),
                                 safe_problem(run, v)) if p]
    return problems


_FLEETS = fleets()


# Three times the profile's examples, as the other properties: a fleet is one example.
@settings(max_examples=3 * settings().max_examples)
@given(data=st.data())
def test_every_client_of_a_fleet_is_bounded_clean_and_safe(data: st.DataObject) -> None:
    case = data.draw(_FLEETS, label="fleet")
    note(describe(case))
    run = run_fleet(case)  # the engine's invariants are checked at the drawn moment
    check_invariants(run.sim.engine, run.sim.world, run.sim.clock, run.sim.journal)
    event(f"rollout: {case.kind}")
    for v in run.verdicts:
        event(f"outcome: {v.outcome}")
    history = run.sim.engine.deadlocks.history
    event("blocked (a stall or deadlock)" if history else "never blocked")
    problems = fleet_problems(run)
    assert not problems, explain(run, problems)
