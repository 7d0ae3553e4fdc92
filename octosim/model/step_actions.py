"""Python step actions: a step whose ``ActionType`` names a Python generator function.

A user registers a function under an ``ActionType`` name; a deployment or runbook run then
runs it, in virtual time, wherever the step would run a script (on each target, on a worker,
or on a worker on behalf of each target). It receives a :class:`StepContext` (the step's
resolved variables, the machine it runs on, the target it runs for, the task run with its
clock, log and engine) and yields the same waits an executor yields
(:class:`~octosim.model.executors.Delay`, :class:`~octosim.model.scripting.ScriptRun`, …).
What it returns ends the action: None succeeded, a string failed with that reason::

    def wait_for_java(ctx):
        if "JAVA_HOME" not in ctx.variables:
            return "JAVA_HOME is not set"
        ctx.log(f"JAVA_HOME is {ctx.variables['JAVA_HOME']}")
        yield Delay(5)
        return None

    sim.deploy.actions.register("Octosim.WaitForJava", wait_for_java)

The step is then ``DeploymentAction("Wait", action_type="Octosim.WaitForJava")``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from octosim.model.executors import Flow, TaskRun
from octosim.model.tasks import ActivityElement, LogCategory, Task
from octosim.model.variables import OutputVariables, VariableDictionary, mask

if TYPE_CHECKING:
    from octosim.model.deployment_store import DeploymentStore
    from octosim.model.world import Machine

__all__ = ["PythonAction", "StepActions", "StepContext", "unregistered_action"]


@dataclass
class StepContext:
    """What a Python step action sees: one execution of one action.

    ``machine``: where it runs (the target, or the worker); ``target``: the deployment target
    it runs for (None for a worker-only step); ``variables``: every variable the action
    sees, resolved for that target; ``store``: the projects and deployments; ``outputs``:
    the output variables later steps see (:meth:`set_output`).
    """

    run: TaskRun
    element: ActivityElement
    variables: VariableDictionary
    machine: Machine
    target: Machine | None
    store: DeploymentStore
    action_name: str
    outputs: OutputVariables

    def set_output(self, name: str, value: str, *, is_sensitive: bool = False) -> None:
        """Set an output variable, as ``Set-OctopusVariable`` does: later steps see it as
        ``Octopus.Action[<action>].Output.<name>``."""
        machine = self.target.name if self.target is not None else None
        self.outputs.set(self.action_name, name, value, machine=machine,
                         is_sensitive=is_sensitive)

    def log(self, message: str, category: LogCategory = LogCategory.Info) -> None:
        """Write a line to this execution's log node, sensitive values masked."""
        self.run.log(mask(message, self.variables.sensitive_values()), category, self.element)

    def queue_task(
        self, name: str, arguments: Mapping[str, Any], *, description: str | None = None,
        queue_time_expiry: float | None = None,
    ) -> Task:
        """Queue a task (``AdHocScript``, ``Health``, …) on behalf of this step's task, as
        a script calling ``POST /api/tasks`` would; return it (perhaps already Executing).

        It is a child of the step's task (``engine.children_of``) and, like Octopus's, it
        gets no exemption from the task cap: a step that waits for it while the cap is
        full of such steps waits forever (docs/fleets.md). ``queue_time_expiry``: virtual
        time after which it times out if still Queued. Raises what ``engine.create`` raises
        (an unknown task type, bad arguments).
        """
        engine = self.run.engine
        with engine.on_behalf_of(self.run.task):
            return engine.create(self.run.task.space_id, name, arguments,
                                 description=description,
                                 queue_time_expiry=queue_time_expiry)


#: A Python step action: called with the context, returns the flow that runs it.
PythonAction = Callable[[StepContext], Flow]


def unregistered_action(action_type: str, action_name: str) -> str:
    """Return why an action whose ``ActionType`` is neither a built-in ``Octopus.*`` type
    nor registered fails, and how to register it."""
    return (f"The action {action_name!r} has the ActionType {action_type!r}, which is not "
            "an Octopus.* type and has no Python step action registered for it. Register "
            f"one before deploying: sim.deploy.actions.register({action_type!r}, function) "
            "(docs/deployment-tasks.md, \"Python step actions\"). The restart package's "
            "actions, such as Octosim.RestartTentacle, are registered by "
            "restart.step_actions.register(sim.deploy.actions).")


class StepActions:
    """The Python step actions by ``ActionType`` name (compared case-insensitively)."""

    def __init__(self) -> None:
        self._actions: dict[str, tuple[str, PythonAction]] = {}

    def register(self, action_type: str, action: PythonAction) -> PythonAction:
        """Run ``action`` for steps whose ``ActionType`` is ``action_type`` (replacing any
        before); return it, so this works as a decorator's body.

        Raises ValueError for a built-in ``Octopus.*`` type or an empty name.
        """
        name = action_type.strip()
        if not name or name.lower().startswith("octopus."):
            raise ValueError(f"{action_type!r}: name a Python action type of your own "
                             "(e.g. 'Octosim.RestartTentacle'), not a built-in Octopus.* one")
        self._actions[name.lower()] = (name, action)
        return action

    def get(self, action_type: str) -> PythonAction | None:
        """Return the action registered for ``action_type``, or None."""
        found = self._actions.get(action_type.strip().lower())
        return found[1] if found else None

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._actions.values())
