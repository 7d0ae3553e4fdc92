"""Running a process's steps on Tentacles: the flow shared by Deploy and RunbookRun tasks.

octopus-deployments.md §2.3–§2.7, as one flow per task:

- the activity log is a tree: the task's root → ``Step N: <name>`` → one node per target
  (``<machine>``), worker (``<worker>``) or "on behalf of" execution
  (``<worker> on behalf of <machine>``), and under it one node per action when the step has
  more than one; a step with roles whose actions differ in ``Octopus.Action.RunOnServer`` runs,
  for each target, each action where its own property says, under one node named as a
  target's (``<machine>``): the ``Executing … on <host>`` line of each action says where it
  ran;
- step groups run in order (a ``StartWithPrevious`` step joins the previous step's group; at
  most ``Octopus.Action.MaxParallelism`` steps of a group at once: the project variable as
  resolved for the task, 10 without one); a step whose run condition says no after what
  failed before is Skipped; a step whose roles match no machine is skipped with Octopus's
  line;
- a step runs on its targets side by side, at most ``Octopus.Action.MaxParallelism`` at once,
  a rolling window (:class:`~octosim.model.step_plan.RollingWindow`): the step's own property,
  else the project variable, else 10; a project value that is not a positive whole number
  fails the task before any step runs;
- each action runs, for each target, either a registered Python action
  (:mod:`octosim.model.step_actions`) or its script body, ``#{...}`` substituted with the
  variables resolved for that target, as a :class:`~octosim.model.scripting.ScriptRun` on the
  target (or on a worker), holding that machine's ``RunningScript`` mutex
  (:mod:`octosim.model.script_mutex`): FullIsolation on a target, NoIsolation on a worker or
  when ``OctopusBypassDeploymentMutex`` is true; sensitive values are masked in what is logged;
- an action with ``Octopus.Action.ExecutionTimeout.Minutes`` fails when a run of it takes
  longer (its script cancelled); a failed action runs again, up to
  ``Octopus.Action.AutoRetry.MaximumCount`` runs in all, each after ``…MinimumBackoff``
  seconds;
- a failure fails the step, or with guided failure waits for an operator's answer
  (:mod:`octosim.model.interruptions`); any failed step fails the task with Octopus's
  ErrorMessage.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from octosim.model.executors import AllOf, Delay, FirstOf, Flow, TaskRun
from octosim.model.health import HealthSettings
from octosim.model.interruptions import GuidedFailure, GuidedFailureAnswer, InterruptionBoard
from octosim.model.projects import (
    AUTO_RETRY_MAXIMUM_COUNT,
    AUTO_RETRY_MINIMUM_BACKOFF,
    EXECUTION_TIMEOUT_MINUTES,
    MAX_PARALLELISM,
    ActionCondition,
    DeploymentAction,
    whole_number,
)
from octosim.model.projects import StepCondition as Condition
from octosim.model.script_mutex import ScriptIsolation, TakeScriptMutex
from octosim.model.scripting import ScriptRun, default_behaviours
from octosim.model.scripts import ScriptInterpreter, parse_syntax
from octosim.model.step_actions import PythonAction, StepActions, StepContext, unregistered_action
from octosim.model.step_plan import (
    DeploymentPlan,
    PlannedStep,
    PlannedTarget,
    RollingWindow,
    StepPlacement,
    parse_max_parallelism,
    should_run,
    with_max_parallelism,
)
from octosim.model.system_variables import (
    action_variables,
    machine_variables,
    tentacle_agent_variables,
    variables_for_target,
    variables_over,
    worker_pool_variables,
)
from octosim.model.tasks import ActivityElement, ActivityStatus, LogCategory
from octosim.model.variables import (
    OutputVariables,
    ScopeContext,
    Variable,
    VariableDictionary,
)

if TYPE_CHECKING:
    from octosim.model.deployment_store import DeploymentStore
    from octosim.model.workers import WorkerPool, WorkerPools
    from octosim.model.world import Machine

__all__ = [
    "ACTION_CONDITION_EXPRESSION",
    "ACTION_SKIPPED_AFTER_FAILURE",
    "ACTION_SKIPPED_BY_VARIABLE",
    "BYPASS_MUTEX",
    "CONDITION_EXPRESSION",
    "FAILED_MESSAGE",
    "GUIDED_FAILURE_OFF",
    "MAX_STEPS_AT_ONCE",
    "SCRIPT_ACTION_TYPE",
    "SCRIPT_SOURCE",
    "SKIPPED_AFTER_FAILURE",
    "SUCCEEDED_LINE",
    "ProcessRun",
    "ProcessRunner",
    "not_modelled_action",
    "windowed",
]

FAILED_MESSAGE = (
    "The deployment failed because one or more steps failed. "
    "Please see the deployment log for details."
)
GUIDED_FAILURE_OFF = "Guided failure is not enabled for this task"
SUCCEEDED_LINE = "The deployment completed successfully."
#: The line of a step its run condition skips (wordings UNCONFIRMED), by condition.
SKIPPED_AFTER_FAILURE = "This step was skipped because a previous step failed."
_SKIPPED_BY = {
    Condition.Success: SKIPPED_AFTER_FAILURE,
    Condition.Failure: "This step was skipped because no previous step failed.",
    Condition.Variable: "This step was skipped because its run condition evaluated to false.",
}
BYPASS_MUTEX = "OctopusBypassDeploymentMutex"
#: The step property holding a ``Variable`` run condition's expression.
CONDITION_EXPRESSION = "Octopus.Step.ConditionVariableExpression"
#: The action property holding an action's ``Variable`` run condition's expression.
ACTION_CONDITION_EXPRESSION = "Octopus.Action.ConditionVariableExpression"
#: The one built-in action type the simulator runs: an inline script.
SCRIPT_ACTION_TYPE = "Octopus.Script"
#: Where an ``Octopus.Script`` action's script comes from: ``Inline`` (the default) or
#: ``Package`` (a script file in a package, not modelled).
SCRIPT_SOURCE = "Octopus.Action.Script.ScriptSource"
#: The line of an action its run condition skips on a target (wordings UNCONFIRMED, made
#: like the step's).
ACTION_SKIPPED_AFTER_FAILURE = "This action was skipped because a previous action failed."
ACTION_SKIPPED_BY_VARIABLE = (
    "This action was skipped because its run condition evaluated to false.")
#: At most this many steps of a ``StartWithPrevious`` group run at once (§2.4) unless the
#: project variable ``Octopus.Action.MaxParallelism`` says otherwise.
MAX_STEPS_AT_ONCE = 10

_Item = TypeVar("_Item")


def windowed(items: Sequence[_Item], limit: int, start: Callable[[_Item], Flow]) -> Flow:
    """A flow: run ``start(item)`` for every item, at most ``limit`` at once, the next
    starting as one finishes; return their results in the order of ``items``."""
    # One item (a step alone in its group, a step on one target): nothing runs beside it.
    if len(items) == 1 and limit >= 1:
        return [(yield from start(items[0]))]
    results: list[Any] = [None] * len(items)
    window = RollingWindow(range(len(items)), limit)

    def lane(index: int | None) -> Flow:
        # ``yield from``, not a Subflow: an item that ends without waiting (a Python action
        # that returns at once) lets the lane go on to the next in this frame, where a
        # Subflow would resume the lane from inside the item's driver, one stack level
        # deeper per item, until a 100-target step overflowed the stack.
        while index is not None:
            results[index] = yield from start(items[index])
            following = window.finished(index)
            index = following[0] if following else None

    yield AllOf([lane(index) for index in window.start()])
    return results


@dataclass(frozen=True)
class ProcessRun:
    """What one Deploy or RunbookRun task runs: the snapshot of project ``variables``, the
    task-level system variables, the scope common to every target, the plan, and whether
    guided failure is on."""

    space_id: str
    variables: tuple[Variable, ...]
    task_level: VariableDictionary
    scope: ScopeContext
    plan: DeploymentPlan
    guided_failure: bool
    specific_machines: tuple[str, ...] = ()


class ProcessRunner:
    """Runs one :class:`ProcessRun` during ``run``: :meth:`flow` is its flow."""

    def __init__(
        self, run: TaskRun, process: ProcessRun, *, store: DeploymentStore,
        workers: WorkerPools, interruptions: InterruptionBoard, actions: StepActions,
    ) -> None:
        self.run = run
        self.process = process
        self.store = store
        self.workers = workers
        self.interruptions = interruptions
        self.actions = actions
        self.outputs = OutputVariables()
        #: Why each failed step failed, in order: ``Octopus.Deployment.Error`` for later
        #: ``Failure``/``Always`` steps.
        self.errors: list[str] = []
        # Layers of a target's variables that are the same for every target of a step (its
        # action's, by step and action number) or on every Tentacle of a kind (the agent's),
        # each made once: a target's variables copy them and never change them.
        self._action_layers: dict[tuple[int, int], VariableDictionary] = {}
        self._agent_layers: dict[tuple[str, str, str], VariableDictionary] = {}
        # A target's machine layer, by what it is made of (a machine renamed or given other
        # roles mid-deployment gets a new one).
        self._machine_layers: dict[tuple[str, str, str, tuple[str, ...]], VariableDictionary] = {}
        # The first layers of every target's variables, the project values resolved and the
        # task-level system variables: unless a project value is scoped to an action, a
        # machine or a role, they resolve alike for every action on every target, and are
        # made once.
        self._first_layers = None if any(
            v.scope.action or v.scope.machine or v.scope.role for v in process.variables
        ) else variables_for_target(process.variables, process.task_level, context=process.scope)
        # Scripts are read and acted out as AdHocScript reads them, so what a user taught
        # that executor (handlers, behaviours) holds for deployment scripts too.
        adhoc = run.engine.executors.get("AdHocScript")
        self.interpreter: ScriptInterpreter = getattr(adhoc, "interpreter", ScriptInterpreter())
        self.behaviours = getattr(adhoc, "behaviours", None) or default_behaviours()
        health = getattr(run.engine.executors.get("Health"), "settings", None)
        self.unavailable_summary = (health if isinstance(health, HealthSettings)
                                    else HealthSettings()).unavailable_summary

    def flow(self) -> Flow:
        """Run every step group in order; return None or the task's ErrorMessage."""
        run, process = self.run, self.process
        if process.specific_machines:
            run.log("Deploying only to these specifically included machines: "
                    + ", ".join(process.specific_machines))
        if not process.guided_failure:
            run.log(GUIDED_FAILURE_OFF)
        try:
            window = self._max_parallelism()
        except ValueError as bad:
            run.log(str(bad), LogCategory.Error)
            return str(bad)
        failed = False
        for group in with_max_parallelism(process.plan, window).groups:
            results = yield from windowed(
                group, window, functools.partial(self._step, failed_before=failed))
            self.errors.extend(reason for reason in results if reason is not None)
            failed = bool(self.errors)
        if failed:
            return FAILED_MESSAGE
        run.log(SUCCEEDED_LINE)
        return None

    def _max_parallelism(self) -> int:
        """Return the project variable ``Octopus.Action.MaxParallelism`` resolved for the
        task (values scoped to an action, machine or role do not apply here), or 10: how
        many steps of a group run at once, and the window of a step without its own (§2.4).

        Raises ValueError saying so if it is not a positive whole number.
        """
        process = self.process
        task_level = self._first_layers
        if task_level is None:  # some value is scoped to an action, a machine or a role
            task_level = variables_for_target(
                process.variables, process.task_level, context=process.scope)
        raw = task_level.get(MAX_PARALLELISM)
        if raw is None:
            return MAX_STEPS_AT_ONCE
        return parse_max_parallelism(task_level.substitute(raw), "The project variable")

    # -- one step ---------------------------------------------------------------------------
    def _step(self, planned: PlannedStep, failed_before: bool) -> Flow:
        run = self.run
        element = run.task.log.child(planned.node_name, started=run.clock.now())
        step = planned.step
        holds = False
        if step.condition is Condition.Variable:
            # Evaluated once per step, at deployment level: no target is in scope yet. What
            # failed before is there, as for a target (#{Octopus.Deployment.Error}).
            errors = self._error_layer()
            deployment_level = variables_for_target(
                self.process.variables, self.process.task_level, context=self.process.scope,
                layers=() if errors is None else (errors,), outputs=self.outputs)
            holds = deployment_level.evaluate_truthy(step.properties.get(CONDITION_EXPRESSION, ""))
        if not should_run(step.condition, failed_before, holds):
            run.log(_SKIPPED_BY[step.condition], element=element)
            element.finish(run.clock.now(), ActivityStatus.Skipped)
            return None
        if planned.skipped_reason is not None:
            run.log(planned.skipped_reason, element=element)
            element.finish(run.clock.now(), ActivityStatus.Success)
            return None
        results = yield from windowed(
            planned.targets, planned.max_parallelism,
            functools.partial(self._target, planned, step_element=element))
        reasons = [reason for reason in results if reason is not None]
        element.finish(run.clock.now(),
                       ActivityStatus.Failed if reasons else ActivityStatus.Success)
        return reasons[0] if reasons else None

    # -- one target -------------------------------------------------------------------------
    def _target(self, planned: PlannedStep, target: PlannedTarget,
                step_element: ActivityElement) -> Flow:
        run = self.run
        machine = run.world.machines.get(target.machine_id) if target.machine_id else None
        # The worker this execution runs on, taken at its first action that runs on one (all
        # of a step's actions for one target share it).
        worker: tuple[Machine, WorkerPool] | None = None
        if planned.placement in (StepPlacement.Target, StepPlacement.TargetAndWorker):
            assert machine is not None, "a target step's targets are machines"
            node = target.node_name
        else:
            worker = self._worker()
            node = (self.store.choices.on_behalf_node_name.format(worker=worker[0].name,
                                                                  machine=target.machine_name)
                    if machine is not None else worker[0].name)
        element = step_element.child(node, started=run.clock.now())
        # Why an action of this execution failed: later actions still have their run
        # condition read (a Success one is skipped, a Variable one runs if it says so).
        failures: list[str] = []
        ran = False
        for number, action in enumerate(planned.actions, start=1):
            host: Machine
            pool: WorkerPool | None = None
            if planned.runs_on_worker(action):
                worker = worker or self._worker()
                host, pool = worker
            else:
                assert machine is not None, "an action on a target has a target"
                host = machine
            variables = self._variables(planned, action, number, machine, host, pool,
                                        failures)
            action_element = (element if len(planned.actions) == 1
                              else element.child(action.name, started=run.clock.now()))
            skipped = _action_skipped(action, variables, failed_before=bool(failures))
            if skipped is not None:
                run.log(skipped, element=action_element)
                if action_element is not element:
                    action_element.finish(run.clock.now(), ActivityStatus.Skipped)
                continue
            ran = True
            # An action without retries, timeout or guided failure runs once, as it is.
            attempts = (self._attempts if self.process.guided_failure
                        or _has_retries_or_timeout(action, variables) else self._action)
            reason = yield from attempts(action, variables, host, machine, action_element)
            if reason is not None:
                failures.append(reason)
            if action_element is not element:
                # Its own outcome: a later action of this execution may still fail or succeed.
                action_element.finish(run.clock.now(), ActivityStatus.Failed if reason
                                      else ActivityStatus.Success)
        status = (ActivityStatus.Failed if failures
                  else ActivityStatus.Success if ran else ActivityStatus.Skipped)
        element.finish(run.clock.now(), status)
        return failures[0] if failures else None

    def _worker(self) -> tuple[Machine, WorkerPool]:
        """Return the next worker of the space's default pool, and the pool."""
        pool = self.workers.default_pool(self.process.space_id)
        return pool.next_worker(), pool

    def _variables(
        self, planned: PlannedStep, action: DeploymentAction, number: int,
        target: Machine | None, host: Machine, pool: WorkerPool | None,
        failures: Sequence[str] = (),
    ) -> VariableDictionary:
        """Return what ``action`` sees on ``host`` for ``target``; ``failures`` are the
        reasons earlier actions of this execution failed (they count as the deployment's
        errors after those of earlier steps)."""
        assert host.agent is not None
        action_layer = self._action_layers.get((planned.number, number))
        if action_layer is None:
            action_layer = action_variables(planned, action, number)
            self._action_layers[planned.number, number] = action_layer
        agent = (host.os_family, host.agent.instance.instance, host.tentacle_version)
        agent_layer = self._agent_layers.get(agent)
        if agent_layer is None:
            agent_layer = self._agent_layers[agent] = tentacle_agent_variables(*agent)
        layers = [action_layer]
        if target is not None:
            made_of = (target.id, target.name, target.uri, tuple(target.roles))
            machine_layer = self._machine_layers.get(made_of)
            if machine_layer is None:
                machine_layer = self._machine_layers[made_of] = machine_variables(target)
            layers.append(machine_layer)
        layers.append(agent_layer)
        if pool is not None:
            layers.append(worker_pool_variables(pool.id, pool.name))
        errors = self._error_layer(failures)
        if errors is not None:
            layers.append(errors)
        machine_name = target.name if target else None
        process = self.process
        if self._first_layers is not None:
            return variables_over(self._first_layers, layers, outputs=self.outputs,
                                  machine_name=machine_name)
        scope = process.scope.for_action(
            action.id, target.id if target else None, tuple(target.roles) if target else ())
        return variables_for_target(
            process.variables, process.task_level, context=scope, layers=layers,
            outputs=self.outputs, machine_name=machine_name,
        )

    def _error_layer(self, failures: Sequence[str] = ()) -> VariableDictionary | None:
        """Return ``Octopus.Deployment.Error`` (the first failure's reason) and
        ``…ErrorDetail`` (all, a line each) for what failed so far, or None."""
        errors = [*self.errors, *failures]
        if not errors:
            return None
        return VariableDictionary.of_system({
            "Octopus.Deployment.Error": errors[0],
            "Octopus.Deployment.ErrorDetail": "\n".join(errors),
        })

    # -- one action on one target -----------------------------------------------------------
    def _attempts(self, action: DeploymentAction, variables: VariableDictionary,
                  host: Machine, target: Machine | None, element: ActivityElement) -> Flow:
        """Run the action with its retries; under guided failure ask after they fail what to
        do (§2.6: guided failure begins once the retries are spent; Retry runs the action
        and its retries again)."""
        while True:
            reason = yield from self._retried(action, variables, host, target, element)
            if reason is None or not self.process.guided_failure:
                return reason
            title = f"{action.name} failed on {host.name}" + (
                f" on behalf of {target.name}" if target is not None and target is not host
                else "")
            answer = yield GuidedFailure(self.interruptions, title, element)
            if answer is GuidedFailureAnswer.Ignore:
                return None
            if answer is GuidedFailureAnswer.Fail:
                return reason
            element.reopen()

    def _retried(self, action: DeploymentAction, variables: VariableDictionary,
                 host: Machine, target: Machine | None, element: ActivityElement) -> Flow:
        """Run the action; after a failure run it again as its
        ``Octopus.Action.AutoRetry.MaximumCount`` allows, each retry after its
        ``…MinimumBackoff`` (§2.6)."""
        run, choices = self.run, self.store.choices
        try:
            count, backoff, minutes = (_run_number(action, variables, name) for name in (
                AUTO_RETRY_MAXIMUM_COUNT, AUTO_RETRY_MINIMUM_BACKOFF, EXECUTION_TIMEOUT_MINUTES))
        except ValueError as bad:  # a variable's value, or a property changed since saving
            run.log(str(bad), LogCategory.Error, element)
            return str(bad)
        retries = max(count - 1, 0) if choices.retry_count_includes_first_run else count
        retry = 0
        while True:
            reason = yield from self._timed(action, variables, host, target, element, minutes)
            if reason is None or retry == retries:
                return reason
            retry += 1
            element.reopen()  # Running again, through the backoff too
            wait = backoff if retry > 1 or choices.first_retry_waits else 0
            run.log(choices.action_retry_line.format(
                action=action.name, machine=host.name, seconds=wait, retry=retry,
                retries=retries), LogCategory.Info, element)
            if wait:
                yield Delay(wait)

    def _timed(self, action: DeploymentAction, variables: VariableDictionary, host: Machine,
               target: Machine | None, element: ActivityElement, minutes: int) -> Flow:
        """Run the action once, failing it if it runs past ``minutes`` (0: no limit). The
        limit covers the whole run: waiting for the Tentacle and its script mutex too."""
        attempt = self._action(action, variables, host, target, element)
        if not minutes:
            return (yield from attempt)
        winner, reason = yield FirstOf(attempt, _limit(minutes * 60))
        if winner == 0:
            return reason
        run = self.run
        message = self.store.choices.execution_timed_out.format(
            action=action.name, machine=host.name, minutes=minutes)
        run.log(message, LogCategory.Error, element)
        # The script is cancelled where it stands (FirstOf stopped what it waited on);
        # closing the flow gives back its script mutex (a Python action's bug on being
        # closed is logged by _guarded, as its other bugs are).
        attempt.close()
        element.finish(run.clock.now(), ActivityStatus.Failed)  # as a failed script's is
        return message

    def _action(self, action: DeploymentAction, variables: VariableDictionary,
                host: Machine, target: Machine | None, element: ActivityElement) -> Flow:
        run = self.run
        run.log(f"Executing {action.name} (type {action.action_type}) on {host.name}",
                LogCategory.Info, element)
        python = self.actions.get(action.action_type)
        if python is not None:
            context = StepContext(run, element, variables, host, target, self.store,
                                  action.name, self.outputs)
            reason = yield from _guarded(action.action_type, python, context)
            return None if reason is None else str(reason)
        reason = _not_modelled(action)
        if reason is not None:
            # Running its (empty) inline script instead would pass the step without doing
            # what it says.
            run.log(reason, LogCategory.Error, element)
            return reason
        try:
            # Strict: a block that cannot be evaluated (an #{if} with no #{/if}) fails the
            # action saying where, rather than run what is left of the script.
            syntax = parse_syntax(variables.substitute(action.script_syntax, strict=True))
            body = variables.substitute(action.script_body, strict=True)
        except ValueError as bad:  # TemplateError is a ValueError
            run.log(str(bad), LogCategory.Error, element)
            return str(bad)
        bypass = variables.get(BYPASS_MUTEX, "").strip().lower() == "true"
        on_worker = host is not target
        isolation = (ScriptIsolation.NoIsolation if bypass or on_worker
                     else ScriptIsolation.FullIsolation)
        lease = yield TakeScriptMutex(host, isolation, element)
        # The script acts on what it says; the log shows it with sensitive values masked.
        machine = target.name if target is not None else None

        def output(name: str, value: str, sensitive: bool) -> None:
            # Set-OctopusVariable: later steps read Octopus.Action[<action>].Output.<name>.
            self.outputs.set(action.name, name, value, machine=machine, is_sensitive=sensitive)

        sensitive = variables.sensitive_values()
        script = ScriptRun(host, element, syntax, body,
                           self.interpreter.interpret(body, syntax),
                           behaviours=self.behaviours,
                           unavailable_summary=self.unavailable_summary, outputs=output,
                           variables=variables,
                           sensitive=sensitive)
        try:
            return (yield from script.flow(run))
        finally:  # also when an execution timeout closes this flow mid-script
            lease.release()


def _has_retries_or_timeout(action: DeploymentAction, variables: VariableDictionary) -> bool:
    """Return True if the action may have retries or an execution timeout: a count or a
    timeout other than 0 in its properties, or a variable for either
    (:func:`_run_number` reads them, and says what is malformed)."""
    get = action.properties.get
    count, timeout = _indexed_names(action.name)
    return (get(AUTO_RETRY_MAXIMUM_COUNT, "").strip() not in ("", "0")
            or get(EXECUTION_TIMEOUT_MINUTES, "").strip() not in ("", "0")
            or variables.get(count) is not None or variables.get(timeout) is not None)


@functools.lru_cache(maxsize=512)
def _indexed_names(action_name: str) -> tuple[str, str]:
    # Asked for every action on every target: the names are made once per action name.
    return (_indexed(action_name, AUTO_RETRY_MAXIMUM_COUNT),
            _indexed(action_name, EXECUTION_TIMEOUT_MINUTES))


def _indexed(action_name: str, name: str) -> str:
    """``Octopus.Action.X`` as the variable ``Octopus.Action[<action>].X`` that sets it."""
    return f"Octopus.Action[{action_name}].{name.removeprefix('Octopus.Action.')}"


def _run_number(action: DeploymentAction, variables: VariableDictionary, name: str) -> int:
    """The whole-number property ``name`` as the action runs with ``variables``: the
    variable ``Octopus.Action[<action>].<…>`` when one is set (the execution timeouts
    announcement's way to set a timeout), else the property, ``#{...}`` substituted.

    Raises ValueError naming the action unless that is a whole number (0 to Int32's
    largest) or blank.
    """
    raw = variables.get(_indexed(action.name, name))
    if raw is None:
        raw = action.properties.get(name, "")
    try:
        return whole_number({name: variables.substitute(raw, strict=True)}, name)
    except ValueError as bad:  # TemplateError is a ValueError
        raise ValueError(f"action {action.name!r}: {bad}") from None


def _limit(seconds: float) -> Flow:
    """An execution timeout's wait: ``seconds``, then the rest of that instant, so that a
    run ending at the very instant of its limit has not run past it."""
    yield Delay(seconds)
    yield Delay(0)
    return None


def not_modelled_action(action_type: str, action_name: str, what: str) -> str:
    """Return why an action of a built-in Octopus type (``what`` describes it) fails: the
    simulator does not model it, and says what it does model."""
    return (f"The action {action_name!r} has the ActionType {action_type!r}{what}, which the "
            f"simulator does not model: it runs {SCRIPT_ACTION_TYPE} actions with an inline "
            "script body and Python step actions registered under an ActionType of your own "
            "(sim.deploy.actions.register(...), docs/deployment-tasks.md, \"Python step "
            "actions\"). Replace this action with one of those to simulate what it does.")


def _not_modelled(action: DeploymentAction) -> str | None:
    """Return why ``action`` (no Python action registered for it) cannot run, or None if
    it is an inline script."""
    action_type = action.action_type.strip()
    if not action_type.lower().startswith("octopus."):
        return unregistered_action(action.action_type, action.name)
    if action_type.lower() != SCRIPT_ACTION_TYPE.lower():
        return not_modelled_action(action.action_type, action.name, "")
    source = action.properties.get(SCRIPT_SOURCE, "").strip()
    if source and source.lower() != "inline":
        return not_modelled_action(action.action_type, action.name,
                                   f" with {SCRIPT_SOURCE} {source!r} (a script from a package)")
    return None


def _action_skipped(action: DeploymentAction, variables: VariableDictionary,
                    failed_before: bool) -> str | None:
    """Return the line of ``action`` skipped by its run ``Condition`` on this target, or None
    if it runs: ``Success`` runs unless an earlier action of the step failed here;
    ``Variable`` runs when ``Octopus.Action.ConditionVariableExpression``, evaluated with the
    target's variables, is not false (whatever failed before, as a step's)."""
    if action.condition is ActionCondition.Variable:
        holds = variables.evaluate_truthy(action.properties.get(ACTION_CONDITION_EXPRESSION, ""))
        if should_run(Condition.Variable, failed_before, holds):
            return None
        return ACTION_SKIPPED_BY_VARIABLE
    return ACTION_SKIPPED_AFTER_FAILURE if failed_before else None


def _guarded(action_type: str, python: PythonAction, context: StepContext) -> Flow:
    """Run a Python action; a bug in it fails the action (its log says why), not the
    simulation."""
    flow = python(context)
    result: object
    if not isinstance(flow, Generator):
        result = (f"The Python action {action_type!r} returned {flow!r}, not a flow: write it "
                  "as a generator function (with at least one yield)")
    else:
        try:
            result = yield from flow
        except Exception as bug:  # whatever it raised, the step fails with it
            result = f"The Python action {action_type!r} raised {type(bug).__name__}: {bug}"
    # Logged here, not by the caller: a bug raised while an execution timeout closes the
    # action is said too, though nobody reads what this returns then.
    if result is not None:
        context.run.log(str(result), LogCategory.Error, context.element)
    return result
