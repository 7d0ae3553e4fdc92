"""Properties of running deployments (issue 17), as a Hypothesis state machine over a live
simulation plus a few ``@given`` properties (docs/properties.md, "Deployments").

The machine adds projects with drawn processes (steps with roles, rolling windows,
``StartWithPrevious``, run conditions, scripts that sleep, hang, fail or print a variable,
Python actions that work, hang, fail or set an output variable, steps on a worker on behalf
of targets, actions with retries and a one-minute execution timeout),
creates releases, queues deployments and runbook runs (over the REST API or the model's
functions), runs ad-hoc scripts that compete for the script mutex, advances virtual time,
cancels tasks, answers guided-failure interruptions, changes the task cap, and edits the
process and variables after releasing. What ran is *observed*, not taken from the model's
bookkeeping: every script announces itself through an effect the interpreter is taught to
add, every Python action records when it starts, resumes and returns. Time advances event
by event so the "never at once" properties are judged at every instant.

A failure prints the seed and the last 60 lines of the simulation's timeline.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from hypothesis import event, given, note
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from octosim.model.adhoc import AdHocScriptExecutor
from octosim.model.agents import ServiceTiming, TentacleAgent
from octosim.model.deploy_errors import DeploymentModelError
from octosim.model.deploy_tasks import queue_deployment, queue_runbook_run
from octosim.model.deployment_rules import (
    create_deployment,
    create_release,
    create_runbook_run,
    publish_runbook_snapshot,
)
from octosim.model.executors import Delay, Flow
from octosim.model.interruptions import GuidedFailureAnswer
from octosim.model.invariants import check_invariants
from octosim.model.process_runner import BYPASS_MUTEX, CONDITION_EXPRESSION, FAILED_MESSAGE
from octosim.model.projects import (
    AUTO_RETRY_MAXIMUM_COUNT,
    EXECUTION_TIMEOUT_MINUTES,
    DeploymentAction,
    DeploymentProcess,
    DeploymentStep,
    StartTrigger,
    StepCondition,
    whole_number,
)
from octosim.model.releases import Release
from octosim.model.runbooks import RunbookSnapshot
from octosim.model.script_mutex import mutex_for
from octosim.model.scripting import ScriptContext
from octosim.model.scripts import ScriptInterpreter, ScriptSyntax
from octosim.model.states import TaskState
from octosim.model.step_actions import StepContext
from octosim.model.tasks import ActivityElement, ActivityStatus, Task
from octosim.model.variables import Variable
from octosim.model.world import Machine
from octosim.simulation import Simulation

#: Agents answer at once and Calamari's own overhead is short, so deployments are quick.
TIMING = ServiceTiming(stop_seconds=(2, 2), start_seconds=(5, 5), startup_delay=(1, 1),
                       script_seconds=(1, 3))
#: The targets added to the default world (``web-01``, role ``web-server``, is there too).
TARGETS = (("app-01", "Development", ("app",)), ("app-02", "Development", ("app", "db")),
           ("app-03", "Development", ("app",)), ("db-01", "Development", ("db",)),
           ("app-04", "Test", ("app",)))
#: Step roles drawn: one role, two, a role no machine has, and none (a worker step).
ROLES = ("app", "db", "app,db", "cache", "")
#: Script bodies by a short name (PowerShell; the default world's agents are Windows).
SCRIPTS = {
    "hello": "Write-Host 'hello #{Greeting}'",
    "sleep": "Start-Sleep -Seconds 4\nWrite-Host 'slept'",
    "exit1": "Start-Sleep -Seconds 1\nexit 1",
    "throw": "throw 'boom'",
    "hang": "Start-Sleep -Seconds 90\nWrite-Host 'woke'",  # past a one-minute timeout
}
#: Python step action types (registered by :func:`register_actions`).
PYTHON = ("Props.Work", "Props.Fail", "Props.Output", "Props.Hang")
#: How long each Python action takes (virtual seconds).
PYTHON_SECONDS = {"Props.Work": 3, "Props.Fail": 1, "Props.Output": 3, "Props.Hang": 90}
#: The execution timeout drawn for an action (minutes).
TIMEOUT_MINUTES = 1
ACTION_KINDS = (*SCRIPTS, *PYTHON)
CONDITIONS = tuple(StepCondition)
ANSWERS = ("Retry", "Fail", "Ignore")
DEPLOY_KINDS = ("Deploy", "RunbookRun")
_STEP_NODE = re.compile(r"^Step (\d+): ")
_DURATION = re.compile(r"^(\d+) (second|minute|hour|day)s?$")
_UNIT = {"second": 1, "minute": 60, "hour": 3600, "day": 86_400}


# -- drawn processes ---------------------------------------------------------------------------
@dataclass(frozen=True)
class StepSpec:
    """One drawn step: its actions (names in :data:`ACTION_KINDS`), roles, whether each
    action runs on a worker (on behalf of its roles' targets; a step may mix the two),
    rolling window, trigger and condition, and its actions'
    ``Octopus.Action.AutoRetry.MaximumCount`` and whether they have an execution timeout."""

    actions: tuple[str, ...]
    roles: str
    on_worker: tuple[bool, bool]
    window: int | None
    with_previous: bool
    condition: StepCondition
    retry_count: int = 0
    timeout: bool = False


step_specs = st.builds(
    StepSpec,
    actions=st.lists(st.sampled_from(ACTION_KINDS), min_size=1, max_size=2).map(tuple),
    roles=st.sampled_from(ROLES),
    on_worker=st.tuples(st.booleans(), st.booleans()),
    window=st.none() | st.integers(1, 3),
    with_previous=st.booleans(),
    condition=st.sampled_from(CONDITIONS),
    retry_count=st.sampled_from([0, 0, 2, 3]),
    timeout=st.booleans(),
)
processes = st.lists(step_specs, min_size=1, max_size=4).map(tuple)


@dataclass(frozen=True)
class VariableSpec:
    """The project variables drawn: what ``hello`` prints, a Variable condition's value,
    and whether deployment scripts bypass the script mutex."""

    greeting: str
    run_it: str
    bypass: bool


variable_specs = st.builds(VariableSpec, greeting=st.sampled_from(["alpha", "beta", "gamma"]),
                           run_it=st.sampled_from(["True", "False", "0", "yes", "No", "off", ""]),
                           bypass=st.booleans())


def build_steps(label: str, specs: tuple[StepSpec, ...]) -> list[DeploymentStep]:
    """Return the steps of ``specs``, named after ``label`` (each edit has its own label, so
    a step's name says which version of the process it came from)."""
    steps = []
    for number, spec in enumerate(specs, start=1):
        name = f"{label} S{number}"
        actions = []
        for index, kind in enumerate(spec.actions, start=1):
            on_worker = spec.on_worker[index - 1]
            properties = {"Octopus.Action.RunOnServer": "true" if on_worker else "false",
                          AUTO_RETRY_MAXIMUM_COUNT: str(spec.retry_count)}
            if spec.timeout:
                properties[EXECUTION_TIMEOUT_MINUTES] = str(TIMEOUT_MINUTES)
            if kind in SCRIPTS:
                properties["Octopus.Action.Script.ScriptBody"] = SCRIPTS[kind]
                properties["Octopus.Action.Script.Syntax"] = "PowerShell"
                actions.append(DeploymentAction(f"{name} A{index}", properties=properties))
            else:
                actions.append(DeploymentAction(f"{name} A{index}", action_type=kind,
                                                properties=properties))
        step_properties = {CONDITION_EXPRESSION: "#{RunIt}"}
        if spec.roles:
            step_properties["Octopus.Action.TargetRoles"] = spec.roles
        if spec.window is not None:
            step_properties["Octopus.Action.MaxParallelism"] = str(spec.window)
        steps.append(DeploymentStep(
            name, actions, step_properties, condition=spec.condition,
            start_trigger=(StartTrigger.StartWithPrevious if spec.with_previous
                           else StartTrigger.StartAfterPrevious)))
    return steps


def build_variables(spec: VariableSpec) -> list[Variable]:
    """Return the project variables of ``spec``."""
    variables = [Variable("Greeting", spec.greeting), Variable("RunIt", spec.run_it)]
    if spec.bypass:
        variables.append(Variable(BYPASS_MUTEX, "True"))
    return variables


# -- what ran, observed ------------------------------------------------------------------------
@dataclass(frozen=True)
class Announce:
    """A script effect the interpreter adds to every script: "a script starts here"."""


@dataclass(eq=False)
class Execution:
    """One script or Python action that started on ``host`` for ``task``, logging to
    ``element``. A script is over when its context says so; a Python action when it
    returned; either is over once its task stopped executing (a cancel stops it)."""

    task: Task
    element: ActivityElement
    host: Machine
    started: float
    on_target: bool  # on a deployment target (not a worker)
    script: ScriptContext | None = None
    returned: float | None = None
    resumed: list[float] = field(default_factory=list)

    @property
    def over(self) -> bool:
        if self.task.state is not TaskState.Executing:
            return True
        if self.script is not None:
            return self.script.ended
        return self.returned is not None


@dataclass
class Tracked:
    """A Deploy or RunbookRun task and what it should have run: the snapshot's process and
    variables, and the key no two running tasks may share (project + environment, or
    project + runbook + environment)."""

    task: Task
    process: DeploymentProcess
    variables: tuple[Variable, ...]
    key: tuple[str, ...]
    record_id: str  # Deployments-N or RunbookRuns-N
    cancel_requested: float | None = None
    log_version_at_end: int | None = None
    duration_at_end: str | None = None

    @property
    def bypass(self) -> bool:
        return any(v.name == BYPASS_MUTEX and v.value.lower() == "true" for v in self.variables)

    @property
    def run_it(self) -> str:
        return next((v.value for v in self.variables if v.name == "RunIt"), "")


class Observer:
    """Records every execution in ``sim`` (see the module's docstring)."""

    def __init__(self, sim: Simulation, tracked: dict[str, Tracked]) -> None:
        self.sim = sim
        self.tracked = tracked
        self.executions: list[Execution] = []
        self.hosts: dict[str, Machine] = {}
        adhoc = sim.engine.executors["AdHocScript"]
        assert isinstance(adhoc, AdHocScriptExecutor)
        builtin = ScriptInterpreter()

        def announce(body: str, syntax: ScriptSyntax) -> tuple[object, ...]:
            return (Announce(), *builtin.interpret(body, syntax))

        adhoc.interpreter.register(announce, first=True)
        adhoc.on(Announce, self._script_started)
        for kind in PYTHON:
            sim.deploy.actions.register(kind, self._python(kind))

    def _script_started(self, ctx: ScriptContext, _effect: Announce) -> None:
        on_target = ctx.machine.id in self.sim.world.machines
        self._add(Execution(ctx.run.task, ctx.element, ctx.machine, ctx.run.clock.now(),
                            on_target, script=ctx))

    def _python(self, kind: str) -> Callable[[StepContext], Flow]:
        def action(ctx: StepContext) -> Flow:
            clock = ctx.run.clock
            execution = Execution(ctx.run.task, ctx.element, ctx.machine, clock.now(),
                                  ctx.machine is ctx.target)
            self._add(execution)
            try:
                yield Delay(PYTHON_SECONDS[kind])
            finally:  # also when its execution timeout closes it
                execution.returned = clock.now()
            execution.resumed.append(clock.now())
            if kind == "Props.Output":
                ctx.set_output("Done", "yes")
            return "it failed on purpose" if kind == "Props.Fail" else None
        return action

    def _add(self, execution: Execution) -> None:
        self.executions.append(execution)
        self.hosts[execution.host.id] = execution.host

    def running(self) -> list[Execution]:
        return [e for e in self.executions if not e.over]


def step_of(task: Task, element: ActivityElement) -> tuple[ActivityElement, str] | None:
    """Return the step node an element of a Deploy/RunbookRun task belongs to and the id of
    its target node (``ServerTasks-N/step/target``), or None for the task's root."""
    parts = element.id.split("/")
    if len(parts) < 3:
        return None
    step = task.log.children[int(parts[1]) - 1]
    return step, "/".join(parts[:3])


def step_number(node: ActivityElement) -> int:
    match = _STEP_NODE.match(node.name)
    assert match, f"a step node is named 'Step N: <name>', not {node.name!r}"
    return int(match.group(1))


def groups_of(process: DeploymentProcess) -> list[int]:
    """Return each step's group index (``StartWithPrevious`` joins the previous group)."""
    out: list[int] = []
    for number, step in enumerate(process.steps):
        joins = step.start_trigger is StartTrigger.StartWithPrevious and number > 0
        out.append(out[-1] if joins else (out[-1] + 1 if out else 0))
    return out


def should_run(condition: StepCondition, failed_before: bool, run_it: str) -> bool:
    """When a step runs (octopus-deployments.md §2.6), stated here apart from the model."""
    return {
        StepCondition.Success: not failed_before,
        StepCondition.Failure: failed_before,
        StepCondition.Always: True,
        # Octostache's truthiness: "" and "0" are false, and "no"/"false" in any case.
        StepCondition.Variable: (run_it not in ("", "0")
                                 and run_it.strip().lower() not in ("no", "false")),
    }[condition]


def duration_fits(text: str, seconds: float) -> bool:
    """Return True if Octopus's human ``Duration`` text describes ``seconds``."""
    if text == "less than a second":
        return seconds < 1
    match = _DURATION.match(text)
    if not match:
        return False
    n, size = int(match.group(1)), _UNIT[match.group(2)]
    return n * size <= seconds + 1e-6 and (seconds < (n + 1) * size or size == 86_400)


# -- the instantaneous properties --------------------------------------------------------------
def action_of(t: Tracked, e: Execution) -> DeploymentAction | None:
    """Return the action of ``t``'s process that ``e`` is a run of (None for the root)."""
    found = step_of(t.task, e.element)
    if found is None:
        return None
    actions = t.process.steps[step_number(found[0]) - 1].actions
    # A step of one action logs it on the target's node, of several on the action's node.
    return actions[0] if len(actions) == 1 else next(
        (a for a in actions if a.name == e.element.name), None)


def overrun_problems(observer: Observer, tracked: dict[str, Tracked], until: float) -> list[str]:
    """What would break if nothing happened before ``until`` (the next event): an action
    still running then past its execution timeout. Nothing changes between events, so this
    judges every instant up to ``until``, where the instantaneous properties are judged at
    the events themselves."""
    out = []
    for e in observer.running():
        t = tracked.get(e.task.id)
        action = action_of(t, e) if t is not None else None
        if action is None:
            continue
        minutes = whole_number(action.properties, EXECUTION_TIMEOUT_MINUTES)
        if minutes and until - e.started > minutes * 60 + 1e-6:
            out.append(f"{e.task.id}: {action.name} on {e.host.name} would run past its "
                       f"{minutes}-minute timeout ({until - e.started:.1f}s)")
    return out


def full_isolation(e: Execution, tracked: dict[str, Tracked]) -> bool:
    """Whether a script takes the whole target (§2.7): an ad-hoc script does; a deployment
    script does on a target, unless the project bypasses the mutex; on a worker it does not."""
    if e.task.name == "AdHocScript":
        return True
    t = tracked.get(e.task.id)
    return e.on_target and t is not None and not t.bypass


def instant_problems(sim: Simulation, observer: Observer,
                     tracked: dict[str, Tracked]) -> list[str]:
    """What breaks, right now: two FullIsolation scripts on a host (or one beside another
    script), more targets running a step than its window, two running tasks sharing a
    concurrency key, more tasks executing than the cap allows."""
    out: list[str] = []
    running = observer.running()
    by_host: dict[str, list[Execution]] = {}
    for e in running:
        if e.script is not None:
            by_host.setdefault(e.host.name, []).append(e)
    for host, scripts in by_host.items():
        full = [e for e in scripts if full_isolation(e, tracked)]
        if full and len(scripts) > 1:
            out.append(f"{host}: a FullIsolation script of {full[0].task.id} runs beside "
                       f"{[e.task.id for e in scripts if e is not full[0]]}")
    targets: dict[str, set[str]] = {}
    windows: dict[str, int] = {}
    for e in running:
        t = tracked.get(e.task.id)
        found = step_of(e.task, e.element) if t is not None else None
        if t is None or found is None:
            continue
        step, target_node = found
        targets.setdefault(step.id, set()).add(target_node)
        windows[step.id] = t.process.steps[step_number(step) - 1].max_parallelism
    for step_id, nodes in targets.items():
        if len(nodes) > windows[step_id]:
            out.append(f"{step_id}: {len(nodes)} targets run at once (window "
                       f"{windows[step_id]})")
    keys: dict[tuple[str, ...], str] = {}
    for t in tracked.values():
        if t.task.is_running:
            if t.key in keys:
                out.append(f"{t.task.id} runs beside {keys[t.key]}, both {'/'.join(t.key)}")
            keys[t.key] = t.task.id
    return out


def deployment_world(seed: int) -> Simulation:
    """Return the default world plus the :data:`TARGETS`, their agents quick to answer."""
    sim = Simulation(seed=seed)
    envs = {e.name: e for e in sim.world.environments.values()}
    for name, env, roles in TARGETS:
        machine = sim.world.add_machine("Spaces-1", name, [envs[env].id], roles=list(roles))
        TentacleAgent(machine, timing=TIMING).bind(sim.engine)
    return sim


def explain(sim: Simulation, seed: int, problems: list[str]) -> str:
    """Return what broke, the seed, and the end of the timeline."""
    return ("deployment properties broken:\n" + "\n".join(f"- {p}" for p in problems)
            + f"\nSimulation(seed={seed}) at {sim.clock.now():.3f}s\n"
            + f"--- timeline (last 60 lines) ---\n{sim.timeline(last=60)}")


class DeploymentsMachine(RuleBasedStateMachine):
    """Deployments, runbook runs and ad-hoc scripts on one live simulation."""

    sim: Simulation

    @initialize(seed=st.integers(0, 2**16), process=processes, variables=variable_specs)
    def build(self, seed: int, process: tuple[StepSpec, ...], variables: VariableSpec) -> None:
        note(f"Simulation(seed={seed})")
        self.seed = seed
        self.sim = sim = deployment_world(seed)
        self.client = sim.client(timeout=30)
        self.tracked: dict[str, Tracked] = {}
        self.observer = Observer(sim, self.tracked)
        self.projects: list[str] = []
        self.labels = 0
        self.frozen: dict[str, str] = {}  # release/snapshot id -> repr of its snapshot
        self.adhoc: list[Task] = []
        # One project released from the start, so deployments begin at the first rule.
        self.add_project(process, variables)
        project = self.sim.deployments.projects[self.projects[0]]
        release = create_release(sim.deployments, project.id)
        self.frozen[release.id] = repr((release.process, release.variables))

    def teardown(self) -> None:
        if not hasattr(self, "client"):
            return
        self.client.close()
        # What the run reached, for --hypothesis-show-statistics.
        for state in sorted({t.task.state for t in self.tracked.values()}):
            event(f"a deployment or runbook run was {state}")
        if self.sim.deploy.interruptions.interruptions:
            event("guided failure raised an interruption")
        if any("Waiting for the script in task" in line.text for line in self.sim.journal):
            event("a script waited for the mutex")

    # -- helpers ------------------------------------------------------------------------
    def fail(self, problems: list[str]) -> None:
        if problems:
            raise AssertionError(explain(self.sim, self.seed, problems))

    def label(self) -> str:
        self.labels += 1
        return f"v{self.labels}"

    def track(self, task: Task, process: DeploymentProcess, variables: tuple[Variable, ...],
              key: tuple[str, ...], record_id: str) -> None:
        self.tracked[task.id] = Tracked(task, process, variables, key, record_id)
        note(f"{task.id}: {task.description}")

    def ok(self, response: httpx.Response) -> dict[str, Any]:
        assert response.status_code < 300, f"{response.status_code}: {response.text}"
        body = response.json()
        assert isinstance(body, dict)
        return body

    # -- rules --------------------------------------------------------------------------
    @precondition(lambda self: len(self.projects) < 3)
    @rule(process=processes, variables=variable_specs)
    def add_project(self, process: tuple[StepSpec, ...], variables: VariableSpec) -> None:
        store = self.sim.deployments
        project = store.add_project("Spaces-1", f"P{len(self.projects) + 1}")
        store.set_process(project.deployment_process_id, build_steps(self.label(), process))
        store.set_variables(project.variable_set_id, build_variables(variables))
        runbook = store.add_runbook(project.id, "Ops")
        store.set_process(runbook.process.id, build_steps(self.label(), process))
        self.projects.append(project.id)

    @precondition(lambda self: bool(self.projects))
    @rule(data=st.data(), what=st.sampled_from(["process", "runbook process", "variables"]),
          process=processes, variables=variable_specs)
    def edit(self, data: st.DataObject, what: str, process: tuple[StepSpec, ...],
             variables: VariableSpec) -> None:
        """Edit a project's process, its runbook's process or its variables (after some
        releases and snapshots were taken of them)."""
        store = self.sim.deployments
        project = store.projects[data.draw(st.sampled_from(self.projects))]
        if what == "variables":
            store.set_variables(project.variable_set_id, build_variables(
                dataclasses.replace(variables, greeting=f"{variables.greeting}-{self.label()}")))
            return
        target = (store.runbooks_of(project.id)[0].process.id if what == "runbook process"
                  else project.deployment_process_id)
        store.set_process(target, build_steps(self.label(), process))

    @precondition(lambda self: bool(self.projects))
    @rule(data=st.data(), how=st.sampled_from(["api", "model", "runbook snapshot"]))
    def release(self, data: st.DataObject, how: str) -> None:
        """Create a release (over the executions API or the model) or publish a runbook
        snapshot; remember what it froze."""
        store = self.sim.deployments
        project = store.projects[data.draw(st.sampled_from(self.projects))]
        frozen: Release | RunbookSnapshot
        if how == "api":
            body = self.ok(self.client.post("/api/Spaces-1/releases/create/v1",
                                            json={"ProjectName": project.name}))
            frozen = store.releases[body["ReleaseId"]]
        elif how == "model":
            frozen = create_release(store, project.id, now=self.sim.clock.now())
        else:
            frozen = publish_runbook_snapshot(store, store.runbooks_of(project.id)[0].id,
                                              now=self.sim.clock.now())
        self.frozen[frozen.id] = repr((frozen.process, frozen.variables))

    @precondition(lambda self: bool(self.sim.deployments.releases))
    @rule(data=st.data(), environment=st.sampled_from(["Development", "Test"]),
          guided=st.booleans(), over_api=st.booleans())
    def deploy(self, data: st.DataObject, environment: str, guided: bool,
               over_api: bool) -> None:
        store = self.sim.deployments
        release = store.releases[data.draw(st.sampled_from(sorted(store.releases)))]
        project = store.projects[release.project_id]
        if over_api:
            response = self.client.post("/api/Spaces-1/deployments/create/untenanted/v1", json={
                "ProjectName": project.name, "ReleaseVersion": release.version,
                "EnvironmentNames": [environment], "UseGuidedFailure": guided})
            if response.status_code == 400:  # the lifecycle's refusal: nothing was queued
                return
            [started] = self.ok(response)["DeploymentServerTasks"]
            deployment = store.deployments[started["DeploymentId"]]
            task = self.sim.engine.tasks[started["ServerTaskId"]]
        else:
            try:
                deployment = create_deployment(store, release.id, environment,
                                               now=self.sim.clock.now(),
                                               use_guided_failure=guided)
            except DeploymentModelError:
                return
            task = queue_deployment(self.sim.engine, store, deployment.id)
        self.track(task, release.process, release.variables,
                   ("deployment", project.id, deployment.environment_id), deployment.id)

    @precondition(lambda self: any(
        r.published_runbook_snapshot_id for r in self.sim.deployments.runbooks.values()))
    @rule(data=st.data(), guided=st.booleans(), over_api=st.booleans())
    def run_runbook(self, data: st.DataObject, guided: bool, over_api: bool) -> None:
        store = self.sim.deployments
        published = sorted(r.id for r in store.runbooks.values()
                           if r.published_runbook_snapshot_id)
        runbook = store.runbooks[data.draw(st.sampled_from(published))]
        if over_api:
            body = self.ok(self.client.post("/api/Spaces-1/runbook-runs/create/v1", json={
                "ProjectName": store.projects[runbook.project_id].name,
                "RunbookName": runbook.name, "EnvironmentNames": ["Development"],
                "UseGuidedFailure": guided}))
            [started] = body["RunbookRunServerTasks"]
            run = store.runbook_runs[started["RunbookRunId"]]
            task = self.sim.engine.tasks[started["ServerTaskId"]]
        else:
            run = create_runbook_run(store, runbook.id, "Development",
                                     now=self.sim.clock.now(), use_guided_failure=guided)
            task = queue_runbook_run(self.sim.engine, store, run.id)
        snapshot = store.runbook_snapshots[run.runbook_snapshot_id]
        self.track(task, snapshot.process, snapshot.variables,
                   ("runbook run", run.project_id, run.runbook_id, run.environment_id), run.id)

    @rule(machine=st.sampled_from([name for name, _, _ in TARGETS]))
    def adhoc_script(self, machine: str) -> None:
        [found] = [m for m in self.sim.world.machines.values() if m.name == machine]
        body = self.ok(self.client.post("/api/Spaces-1/tasks", json={
            "Name": "AdHocScript", "Description": f"sleep on {machine}", "Arguments": {
                "MachineIds": [found.id], "Syntax": "PowerShell",
                "ScriptBody": "Start-Sleep -Seconds 5"}}))
        self.adhoc.append(self.sim.engine.tasks[body["Id"]])

    @rule(seconds=st.sampled_from([0.5, 2.0, 5.0, 15.0, 60.0]))
    def advance(self, seconds: float) -> None:
        """Advance event by event, judging the instantaneous properties at every instant."""
        self._advance(self.sim.clock.now() + seconds, until=lambda: False)

    @rule()
    def settle(self) -> None:
        """Advance until every task has ended or waits for an operator (at most an hour)."""
        board = self.sim.deploy.interruptions

        def quiet() -> bool:
            return all(t.task.is_completed or board.pending(t.task.id)
                       for t in self.tracked.values())
        self._advance(self.sim.clock.now() + 3600, until=quiet)

    def _advance(self, end: float, until: Callable[[], bool]) -> None:
        clock = self.sim.clock
        while not until() and (t := clock.next_event_time()) is not None and t <= end:
            self.fail(overrun_problems(self.observer, self.tracked, t))
            clock.advance_to(t)
            self.fail(instant_problems(self.sim, self.observer, self.tracked))
        if not until():
            self.fail(overrun_problems(self.observer, self.tracked, end))
            clock.advance_to(end)

    @precondition(lambda self: any(
        not t.task.is_completed for t in self.tracked.values()))
    @rule(data=st.data(), over_api=st.booleans())
    def cancel(self, data: st.DataObject, over_api: bool) -> None:
        active = sorted(i for i, t in self.tracked.items() if not t.task.is_completed)
        tracked = self.tracked[data.draw(st.sampled_from(active))]
        if tracked.cancel_requested is None:
            tracked.cancel_requested = self.sim.clock.now()
        if over_api:
            self.ok(self.client.post(f"/api/tasks/{tracked.task.id}/cancel", json={}))
        else:
            self.sim.engine.cancel(tracked.task)

    @precondition(lambda self: bool(self.sim.deploy.interruptions.pending()))
    @rule(data=st.data(), answer=st.sampled_from(ANSWERS), over_api=st.booleans())
    def answer(self, data: st.DataObject, answer: str, over_api: bool) -> None:
        board = self.sim.deploy.interruptions
        pending = data.draw(st.sampled_from([i.id for i in board.pending()]))
        if over_api:
            self.ok(self.client.post(f"/api/interruptions/{pending}/submit",
                                     json={"Result": answer}))
        else:
            board.submit(pending, answer, now=self.sim.clock.now())

    @rule(cap=st.integers(1, 5))
    def change_cap(self, cap: int) -> None:
        self.sim.engine.task_cap = cap

    # -- invariants -----------------------------------------------------------------------
    @invariant()
    def simulator_invariants_hold(self) -> None:
        sim = self.sim
        check_invariants(sim.engine, sim.world, sim.clock, sim.journal)
        self.fail(instant_problems(sim, self.observer, self.tracked))

    @invariant()
    def snapshots_never_change_and_are_what_runs(self) -> None:
        store, problems = self.sim.deployments, []
        for owner_id, frozen in self.frozen.items():
            owner = store.releases.get(owner_id) or store.runbook_snapshots[owner_id]
            if repr((owner.process, owner.variables)) != frozen:
                problems.append(f"{owner_id}'s snapshot changed after it was taken")
        for t in self.tracked.values():
            names = {f"Step {n}: {s.name}" for n, s in enumerate(t.process.steps, start=1)}
            ran = [node.name for node in t.task.log.children]
            if not set(ran) <= names:
                problems.append(f"{t.task.id} ran {ran}, not its snapshot's steps {sorted(names)}")
            greeting = next(v.value for v in t.variables if v.name == "Greeting")
            for node in t.task.log.walk():
                for line in node.log:
                    if line.message.startswith("hello ") and line.message != f"hello {greeting}":
                        problems.append(f"{t.task.id} printed {line.message!r}, but its "
                                        f"snapshot's Greeting is {greeting!r}")
        self.fail(problems)

    @invariant()
    def run_conditions_hold(self) -> None:
        problems = []
        for t in self.tracked.values():
            groups = groups_of(t.process)
            failed_groups: set[int] = set()
            for node in t.task.log.children:
                number = step_number(node)
                group = groups[number - 1]
                step = t.process.steps[number - 1]
                failed_before = any(g < group for g in failed_groups)
                expected = should_run(step.condition, failed_before, t.run_it)
                if not expected and node.status is not ActivityStatus.Skipped:
                    problems.append(f"{t.task.id} {node.name!r} ({step.condition}, failed "
                                    f"before: {failed_before}) ran: {node.status}")
                if not expected and any(e.element.id.startswith(node.id + "/")
                                        for e in self.observer.executions):
                    problems.append(f"{t.task.id} {node.name!r} was skipped but ran something")
                if expected and node.status is ActivityStatus.Skipped:
                    problems.append(f"{t.task.id} {node.name!r} ({step.condition}, failed "
                                    f"before: {failed_before}) was skipped")
                if node.status is ActivityStatus.Failed:
                    failed_groups.add(group)
            if t.task.state in (TaskState.Success, TaskState.Failed):
                failed = any(n.status is ActivityStatus.Failed for n in t.task.log.children)
                if t.task.log.children and len(t.task.log.children) != len(t.process.steps):
                    problems.append(f"{t.task.id} ended {t.task.state} after "
                                    f"{len(t.task.log.children)} of {len(t.process.steps)} steps")
                if t.task.log.children and failed != (t.task.state is TaskState.Failed):
                    problems.append(f"{t.task.id} is {t.task.state} but a step failed: {failed}")
                if failed and t.task.error_message != FAILED_MESSAGE:
                    problems.append(f"{t.task.id}: ErrorMessage {t.task.error_message!r}")
        self.fail(problems)

    @invariant()
    def cancel_stops_everything(self) -> None:
        problems = []
        board = self.sim.deploy.interruptions
        for t in self.tracked.values():
            task = t.task
            if task.state is TaskState.Canceled and t.log_version_at_end is None:
                t.log_version_at_end = task.log.version
            if t.log_version_at_end is not None and task.log.version != t.log_version_at_end:
                problems.append(f"{task.id} wrote to its log after it was Canceled")
            if task.state not in (TaskState.Cancelling, TaskState.Canceled):
                continue
            if t.cancel_requested is None:
                problems.append(f"{task.id} is {task.state} but nobody cancelled it")
                continue
            if task.state is TaskState.Cancelling and (
                    self.sim.clock.now() > t.cancel_requested + self.sim.engine.cancel_delay):
                late = self.sim.clock.now() - t.cancel_requested
                problems.append(f"{task.id} still Cancelling {late:.1f}s after the cancel")
            for e in self.observer.executions:
                if e.task is task and (e.started > t.cancel_requested or any(
                        r > t.cancel_requested for r in e.resumed)):
                    problems.append(f"{task.id}: something ran on {e.host.name} after the cancel")
            for host in self.observer.hosts.values():
                mutex = mutex_for(self.sim.engine, host)
                if any(lease.task_id == task.id for lease in mutex.holders + mutex.waiting):
                    problems.append(f"{task.id} still holds or waits for {host.name}'s mutex")
            if board.pending(task.id):
                problems.append(f"{task.id} is {task.state} with a pending interruption")
            if task.state is TaskState.Canceled and any(
                    node.status is ActivityStatus.Running for node in task.log.walk()):
                problems.append(f"{task.id} is Canceled with log nodes still Running")
        for e in self.observer.executions:
            if e.task.is_completed and e.task.state is not TaskState.Canceled and (
                    (e.script is not None and not e.script.ended)
                    or (e.script is None and e.returned is None)):
                problems.append(f"{e.task.id} ended {e.task.state} with {e.element.name} "
                                "still running")
        self.fail(problems)

    @invariant()
    def retries_are_bounded(self) -> None:
        """An action runs on a target at most ``Octopus.Action.AutoRetry.MaximumCount`` times
        (the first run counts; at least once), that many again for each guided-failure
        Retry answered in its task."""
        board, problems = self.sim.deploy.interruptions, []
        runs: dict[tuple[str, str], int] = {}
        for e in self.observer.executions:
            if e.task.id in self.tracked:
                runs[e.task.id, e.element.id] = runs.get((e.task.id, e.element.id), 0) + 1
        for (task_id, element_id), count in runs.items():
            t = self.tracked[task_id]
            e = next(x for x in self.observer.executions
                     if x.task.id == task_id and x.element.id == element_id)
            action = action_of(t, e)
            if action is None:
                continue
            answered = sum(1 for i in board.regarding(task_id)
                           if i.answer is GuidedFailureAnswer.Retry)
            count = whole_number(action.properties, AUTO_RETRY_MAXIMUM_COUNT)
            allowed = max(count, 1)
            if count > allowed * (1 + answered):
                problems.append(f"{task_id}: {action.name} ran {count} times on "
                                f"{e.element.name} with a retry count of "
                                f"{count} and {answered} Retry answers")
        self.fail(problems)

    @invariant()
    def resources_agree_with_the_state(self) -> None:
        """What the REST API says of each task, deployment and runbook run agrees with
        the model's state (and guided failure keeps a task Executing while it waits)."""
        if not self.tracked:
            return
        sim, problems = self.sim, []
        board = sim.deploy.interruptions
        for i in board.interruptions.values():
            task = sim.engine.tasks[i.task_id]
            if i.is_pending and task.state is not TaskState.Executing:
                problems.append(f"{i.id} is pending but {task.id} is {task.state}")
            if not i.is_pending and i.answer is None and task.state is TaskState.Executing:
                problems.append(f"{i.id} was withdrawn while {task.id} still executes")
        now = sim.clock.now()
        items = self.ok(self.client.get("/api/tasks", params={"take": 1000}))["Items"]
        resources = {r["Id"]: r for r in items}
        for t in self.tracked.values():
            task, r = t.task, resources[t.task.id]
            state = task.state
            expected = {
                "State": state.value, "IsCompleted": state.is_completed,
                "FinishedSuccessfully": state is TaskState.Success, "CanRerun": False,
                "HasPendingInterruptions": bool(board.pending(task.id)),
                "ErrorMessage": task.error_message,
            }
            for key, value in expected.items():
                if r[key] != value:
                    problems.append(f"{task.id} {key} is {r[key]!r}, expected {value!r} "
                                    f"({state})")
            if state in (TaskState.Queued, TaskState.Executing, TaskState.Success) and r[
                    "ErrorMessage"]:
                problems.append(f"{task.id} is {state} with ErrorMessage {r['ErrorMessage']!r}")
            since = task.start_time if task.start_time is not None else task.queue_time
            seconds = (task.completed_time if task.completed_time is not None else now) - since
            if not duration_fits(r["Duration"], seconds):
                problems.append(f"{task.id} Duration {r['Duration']!r} for {seconds:.3f}s")
            if task.is_completed:
                if t.duration_at_end is None:
                    t.duration_at_end = r["Duration"]
                elif r["Duration"] != t.duration_at_end:
                    problems.append(f"{task.id} Duration moved after it completed")
            path = ("deployments" if task.name == "Deploy" else "runbookRuns")
            record = self.ok(self.client.get(f"/api/Spaces-1/{path}/{t.record_id}"))
            link = record["Links"].get("Task")
            if record["TaskId"] != task.id or link != f"/api/tasks/{task.id}":
                problems.append(f"{t.record_id} points at {record['TaskId']}, not {task.id}")
            if record["FailureEncountered"] != (state is TaskState.Failed):
                problems.append(f"{t.record_id} FailureEncountered is "
                                f"{record['FailureEncountered']} while {task.id} is {state}")
        self.fail(problems)


TestDeploymentsMachine = DeploymentsMachine.TestCase


# -- @given properties -------------------------------------------------------------------------
def _deploy(sim: Simulation, tracked: dict[str, Tracked], project_id: str,
            environment: str = "Development", **fields: Any) -> Tracked:
    """Release ``project_id``, deploy it and track the task; return what is tracked."""
    store, now = sim.deployments, sim.clock.now()
    release = create_release(store, project_id, now=now)
    deployment = create_deployment(store, release.id, environment, now=now, **fields)
    task = queue_deployment(sim.engine, store, deployment.id)
    tracked[task.id] = Tracked(task, release.process, release.variables,
                               ("deployment", project_id, deployment.environment_id),
                               deployment.id)
    return tracked[task.id]


def _step_through(sim: Simulation, end: float, check: Callable[[], None]) -> None:
    """Advance to ``end`` event by event, calling ``check`` at every instant."""
    clock = sim.clock
    while (t := clock.next_event_time()) is not None and t <= end:
        clock.advance_to(t)
        check()
    clock.advance_to(end)


@given(seed=st.integers(0, 2**16), bypass=st.tuples(st.booleans(), st.booleans()),
       roles=st.sampled_from(["app", "db", "app,db"]))
def test_the_bypass_lifts_the_script_mutex(seed: int, bypass: tuple[bool, bool],
                                           roles: str) -> None:
    """Two projects deploy a 20 s script to the same targets at once: their scripts overlap
    on a target exactly when both bypass the mutex (``OctopusBypassDeploymentMutex``);
    one FullIsolation script keeps the other out, whichever started first."""
    sim = deployment_world(seed)
    tracked: dict[str, Tracked] = {}
    observer = Observer(sim, tracked)
    spec = StepSpec(("sleep",), roles, (False, False), None, False, StepCondition.Success)
    for n, lifts in enumerate(bypass, start=1):
        project = sim.deployments.add_project("Spaces-1", f"P{n}")
        sim.deployments.set_process(project.deployment_process_id, build_steps(f"P{n}", (spec,)))
        sim.deployments.set_variables(project.variable_set_id, build_variables(
            VariableSpec("alpha", "True", lifts)))
        _deploy(sim, tracked, project.id)
    most: dict[str, int] = {}

    def check() -> None:
        problems = instant_problems(sim, observer, tracked)
        assert not problems, explain(sim, seed, problems)
        for e in observer.running():
            here = sum(1 for o in observer.running() if o.host is e.host)
            most[e.host.name] = max(most.get(e.host.name, 0), here)

    _step_through(sim, 600, check)
    assert all(t.task.state is TaskState.Success for t in tracked.values()), explain(
        sim, seed, [f"{t.task.id} {t.task.state}" for t in tracked.values()])
    expected = 2 if all(bypass) else 1
    assert set(most.values()) == {expected}, explain(
        sim, seed, [f"scripts at once per target: {most}, expected {expected} (bypass "
                    f"{bypass})"])


@given(seed=st.integers(0, 2**16), process=processes, guided=st.booleans(),
       moment=st.floats(0, 30), over_api=st.booleans())
def test_a_cancelled_deployment_stops_everywhere_and_the_next_one_runs(
    seed: int, process: tuple[StepSpec, ...], guided: bool, moment: float, over_api: bool,
) -> None:
    """Cancelled at any moment, a deployment is Canceled within the engine's cancel delay;
    from the cancel on nothing of it runs, on any Tentacle or worker, its log is closed,
    its guided-failure questions are withdrawn and no script mutex keeps it; the next
    deployment of the same project to the same environment then runs to its end."""
    sim = deployment_world(seed)
    tracked: dict[str, Tracked] = {}
    observer = Observer(sim, tracked)
    project = sim.deployments.add_project("Spaces-1", "P1")
    sim.deployments.set_process(project.deployment_process_id, build_steps("v1", process))
    sim.deployments.set_variables(project.variable_set_id, build_variables(
        VariableSpec("alpha", "True", False)))
    first = _deploy(sim, tracked, project.id, use_guided_failure=guided)

    def check() -> None:
        problems = instant_problems(sim, observer, tracked)
        assert not problems, explain(sim, seed, problems)

    _step_through(sim, moment, check)
    if first.task.is_completed:
        return  # it ended before the moment came: nothing to cancel
    cancelled_at = sim.clock.now()
    if over_api:
        with sim.client() as client:
            assert client.post(f"/api/tasks/{first.task.id}/cancel").status_code == 200
    else:
        sim.engine.cancel(first.task)
    _step_through(sim, cancelled_at + sim.engine.cancel_delay, check)
    task = first.task
    assert task.state is TaskState.Canceled, explain(sim, seed, [f"{task.id} {task.state}"])
    version = task.log.version
    second = _deploy(sim, tracked, project.id, use_guided_failure=False)
    _step_through(sim, sim.clock.now() + 3600, check)
    problems = [f"{e.task.id}: something ran on {e.host.name} after the cancel"
                for e in observer.executions if e.task is task and (
                    e.started > cancelled_at or any(r > cancelled_at for r in e.resumed))]
    if task.log.version != version:
        problems.append(f"{task.id} wrote to its log after it was Canceled")
    if any(node.status is ActivityStatus.Running for node in task.log.walk()):
        problems.append(f"{task.id} is Canceled with log nodes still Running")
    if sim.deploy.interruptions.pending(task.id):
        problems.append(f"{task.id} still asks an operator")
    for host in observer.hosts.values():
        mutex = mutex_for(sim.engine, host)
        if mutex.holders or mutex.waiting:
            problems.append(f"{host.name}'s mutex is still held or waited for")
    if second.task.state not in (TaskState.Success, TaskState.Failed):
        problems.append(f"the next deployment {second.task.id} is {second.task.state}")
    assert not problems, explain(sim, seed, problems)
