"""Step planning: which steps of a release run, where, how many at once, and after a failure.

Pure functions over a process and the world's machines (octopus-deployments.md §2.4–§2.6):

- steps run in order; a ``StartWithPrevious`` step joins the previous step's group, and a
  group's steps run together;
- a step with ``Octopus.Action.TargetRoles`` runs on the machines of those roles in the
  deployment's environment (and serving its tenant, not disabled, not excluded); with none it
  is skipped with ``Skipping this step as no machines were found in the role: <role>``;
- it runs on at most ``Octopus.Action.MaxParallelism`` (10) targets at once; a
  :class:`RollingWindow` hands out the next target as one finishes. The step property is the
  step's own window; a step without one takes the project's (:func:`with_max_parallelism`);
- an action with ``Octopus.Action.RunOnServer`` true runs on a worker: once, or once per target
  ("on behalf of") when the step targets roles (§2.5); RunOnServer is per action, so in a step
  with roles whose actions differ (:attr:`StepPlacement.TargetAndWorker`, the rolling-deployment
  pattern: take the target out of the load balancer from a worker, deploy on the target) each
  action runs where its own property says, for each target in turn;
- steps whose actions are all filtered out for the environment/channel, disabled or skipped are
  not in the plan; a plan with no step at all is Octopus's "no steps to run" refusal;
- after a failure only ``Failure`` and ``Always`` steps run (:data:`RUN_CONDITIONS`).
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Generic, NamedTuple, TypeVar

from octosim.model.deploy_choices import DEFAULT_CHOICES, DeploymentChoices
from octosim.model.projects import (
    DEFAULT_MAX_PARALLELISM,
    MAX_PARALLELISM,
    DeploymentAction,
    DeploymentProcess,
    DeploymentStep,
    StartTrigger,
)
from octosim.model.projects import StepCondition as Condition
from octosim.model.tenants import MachineTenancy, Tenant

if TYPE_CHECKING:
    from octosim.model.world import Machine

_Item = TypeVar("_Item")

__all__ = [
    "RUN_CONDITIONS",
    "DeploymentPlan",
    "PlannedStep",
    "PlannedTarget",
    "RollingWindow",
    "StepPlacement",
    "applicable_actions",
    "parse_max_parallelism",
    "plan_steps",
    "should_run",
    "skipped_for_no_machines",
    "with_max_parallelism",
]

#: Whether a step with this condition runs, given whether an earlier step failed (§2.6).
RUN_CONDITIONS: dict[tuple[Condition, bool], bool] = {
    (Condition.Success, False): True,
    (Condition.Success, True): False,
    (Condition.Failure, False): False,
    (Condition.Failure, True): True,
    (Condition.Always, False): True,
    (Condition.Always, True): True,
}


def should_run(condition: Condition, failed: bool, expression_holds: bool = False) -> bool:
    """Return True if a step with ``condition`` runs when an earlier step ``failed``.

    A ``Variable`` condition runs when its expression holds, whatever failed before
    (``VariableDictionary.evaluate_truthy`` decides, as Octostache's ``EvaluateTruthy``).
    """
    if condition is Condition.Variable:
        return expression_holds
    return RUN_CONDITIONS[(condition, failed)]


def skipped_for_no_machines(roles: Sequence[str]) -> str:
    """Return Octopus's log line for a step whose roles match no machine (§2.4)."""
    return f"Skipping this step as no machines were found in the role: {', '.join(roles)}"


class StepPlacement(StrEnum):
    """Where a step's actions run (§2.5)."""

    Target = "Target"  # on each target's Tentacle
    Worker = "Worker"  # once, on a worker (no roles)
    WorkerOnBehalf = "WorkerOnBehalf"  # once per target, on a worker, with its variables
    #: Once per target, each action where its own RunOnServer says: on a worker on behalf of
    #: the target, or on the target itself. The target's node is named as on a Target step.
    TargetAndWorker = "TargetAndWorker"


class PlannedTarget(NamedTuple):
    """A machine a step runs for, and the name of its activity node."""

    machine_id: str
    machine_name: str
    node_name: str


class PlannedStep(NamedTuple):
    """One step of the plan; ``skipped_reason`` is the log line when it has no target."""

    number: int
    step: DeploymentStep
    actions: tuple[DeploymentAction, ...]
    placement: StepPlacement
    targets: tuple[PlannedTarget, ...]
    max_parallelism: int
    skipped_reason: str | None = None

    @property
    def name(self) -> str:
        """Return the step's name."""
        return self.step.name

    @property
    def node_name(self) -> str:
        """Return the step's activity node name, ``Step N: <name>``."""
        return f"Step {self.number}: {self.step.name}"

    @property
    def is_skipped(self) -> bool:
        """Return True if the step has nothing to run on."""
        return self.skipped_reason is not None

    def runs_on_worker(self, action: DeploymentAction) -> bool:
        """Return True if ``action`` of this step runs on a worker (§2.5)."""
        if self.placement is StepPlacement.TargetAndWorker:
            return action.runs_on_server
        return self.placement is not StepPlacement.Target


@dataclass(frozen=True)
class DeploymentPlan:
    """The steps that run, in order, grouped by ``StartWithPrevious``."""

    groups: tuple[tuple[PlannedStep, ...], ...]

    @property
    def steps(self) -> tuple[PlannedStep, ...]:
        """Return every planned step in order."""
        return tuple(itertools.chain.from_iterable(self.groups))

    @property
    def machine_ids(self) -> tuple[str, ...]:
        """Return the machines some step runs for, each once, in the order first planned."""
        return tuple(dict.fromkeys(target.machine_id for step in self.steps
                                   for target in step.targets if target.machine_id))

    @property
    def has_targets(self) -> bool:
        """Return True if some step runs somewhere (a worker-only step counts)."""
        return any(not step.is_skipped for step in self.steps)


def applicable_actions(
    step: DeploymentStep, environment_id: str, channel_id: str, skip_actions: Iterable[str] = ()
) -> tuple[DeploymentAction, ...]:
    """Return the actions of ``step`` that run for this environment and channel.

    ``skip_actions`` are action ids or names the deployment was asked to skip.
    """
    skipped = set(skip_actions)
    return tuple(
        action for action in step.actions
        if action.applies_to(environment_id, channel_id)
        and action.id not in skipped and action.name not in skipped
    )


def plan_steps(
    process: DeploymentProcess,
    environment_id: str,
    channel_id: str,
    machines: Iterable[Machine],
    *,
    tenant: Tenant | None = None,
    tenancy: Callable[[str], MachineTenancy] = lambda _machine_id: MachineTenancy(),
    specific_machine_ids: Iterable[str] = (),
    excluded_machine_ids: Iterable[str] = (),
    skip_actions: Iterable[str] = (),
    worker_name: str = "a worker",
    choices: DeploymentChoices = DEFAULT_CHOICES,
) -> DeploymentPlan:
    """Return the plan of ``process`` deployed to ``environment_id`` on ``channel_id``.

    ``machines`` are the world's machines (any space or environment: they are filtered here);
    ``tenancy`` gives a machine's tenanted participation; ``worker_name`` names the worker
    in "on behalf of" node names. Raises ValueError naming the step if a step's
    MaxParallelism is not a positive whole number.
    """
    specific, excluded = set(specific_machine_ids), set(excluded_machine_ids)
    eligible = sorted(
        (m for m in machines
         if environment_id in m.environment_ids and not m.is_disabled
         and m.id not in excluded and (not specific or m.id in specific)
         and tenancy(m.id).serves(tenant)),
        key=lambda m: m.name.lower(),
    )
    # In target order, each with its roles lower-cased: once for every step.
    candidates = [(m, set(map(str.lower, m.roles))) for m in eligible]
    groups: list[list[PlannedStep]] = []
    skip = tuple(skip_actions)
    for number, step in enumerate(process.steps, start=1):
        actions = applicable_actions(step, environment_id, channel_id, skip)
        if not actions:
            continue
        planned = _plan_step(number, step, actions, candidates, worker_name, choices)
        if step.start_trigger is StartTrigger.StartWithPrevious and groups:
            groups[-1].append(planned)
        else:
            groups.append([planned])
    return DeploymentPlan(tuple(map(tuple, groups)))


def _plan_step(
    number: int, step: DeploymentStep, actions: tuple[DeploymentAction, ...],
    candidates: Sequence[tuple[Machine, set[str]]], worker_name: str, choices: DeploymentChoices,
) -> PlannedStep:
    roles = step.target_roles
    window = step.max_parallelism
    if not roles:
        worker = PlannedTarget("", worker_name, worker_name)
        return PlannedStep(number, step, actions, StepPlacement.Worker, (worker,), window)
    wanted = set(map(str.lower, roles))
    on_server = [action.runs_on_server for action in actions]
    if all(on_server):
        placement, template = StepPlacement.WorkerOnBehalf, choices.on_behalf_node_name
    else:
        # The target's node holds what runs on it and what runs on a worker for it.
        placement = StepPlacement.TargetAndWorker if any(on_server) else StepPlacement.Target
        template = choices.target_node_name
    targets = tuple(
        PlannedTarget(m.id, m.name, template.format(machine=m.name, worker=worker_name))
        for m, roles in candidates if wanted & roles
    )
    reason = None if targets else skipped_for_no_machines(roles)
    return PlannedStep(number, step, actions, placement, targets, window, reason)


def parse_max_parallelism(raw: str | None, whose: str) -> int:
    """Return the window ``raw`` says (:data:`DEFAULT_MAX_PARALLELISM` when it is None or
    blank).

    Raises ValueError naming ``whose`` value it is unless it is a positive whole number.
    """
    text = (raw or "").strip()
    if not text:
        return DEFAULT_MAX_PARALLELISM
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"{whose} {MAX_PARALLELISM} must be a positive whole number, "
                         f"not {raw!r}")
    return value


def with_max_parallelism(plan: DeploymentPlan, window: int) -> DeploymentPlan:
    """Return ``plan`` with ``window`` as the window of every step that has no
    ``Octopus.Action.MaxParallelism`` property of its own (§2.4: the project variable caps
    the targets per step; a rolling step's own window wins for its targets)."""
    if window == DEFAULT_MAX_PARALLELISM:
        return plan  # what the plan already holds for such steps
    return DeploymentPlan(tuple(
        tuple(step if step.step.properties.get(MAX_PARALLELISM, "").strip()
              else step._replace(max_parallelism=window) for step in group)
        for group in plan.groups))


class RollingWindow(Generic[_Item]):
    """Hands out a step's targets (or a group's steps: at most 10 run at once, §2.4) so
    that no more than ``max_parallelism`` run at once.

    :meth:`start` returns the first items; each :meth:`finished` returns the next one to
    start (if any). Items start in the order given.
    """

    def __init__(self, targets: Sequence[_Item], max_parallelism: int) -> None:
        if max_parallelism < 1:
            raise ValueError(f"max_parallelism must be at least 1, not {max_parallelism}")
        # A deque: a step's targets leave from the front, and a list would shift every
        # waiting target each time one starts (quadratic in a step's targets).
        self._waiting = deque(targets)
        self._limit = max_parallelism
        self.running: list[_Item] = []
        self.done: list[_Item] = []

    def _take(self) -> list[_Item]:
        started: list[_Item] = []
        while self._waiting and len(self.running) < self._limit:
            target = self._waiting.popleft()
            self.running.append(target)
            started.append(target)
        return started

    def start(self) -> list[_Item]:
        """Return the items to start now."""
        return self._take()

    def finished(self, target: _Item) -> list[_Item]:
        """Record that ``target`` finished; return the items to start now.

        Raises ValueError if ``target`` was not running.
        """
        if target not in self.running:
            name = target.machine_name if isinstance(target, PlannedTarget) else target
            raise ValueError(f"{name!r} is not running in this window")
        self.running.remove(target)
        self.done.append(target)
        return self._take()

    @property
    def is_complete(self) -> bool:
        """Return True when every item has finished."""
        return not self._waiting and not self.running
