"""``Octosim.RestartTentacle``: the restart client and the recipe's port as a Python step action.

A deployment step with this ``ActionType``, run on a worker on behalf of a target role
(``Octopus.Action.RunOnServer`` true), restarts the Tentacle of each target the way the
recipe's step does in production, but inside the simulation, in virtual time: every request
goes to the simulated API as the deployment runs (:mod:`restart.flows`), so the restart's
AdHocScript and Health tasks queue behind the same task cap as the deployment holding its
slot. octosim never imports this module; enable it on a simulation with one line::

    restart.step_actions.install(sim)

(or ``register(actions, server)`` for a :class:`~octosim.model.step_actions.StepActions` of
your own). The variables it reads, all optional:

- ``RestartMethod``: ``Client`` (default) runs the restart client's procedure; ``Recipe``
  runs the port of the seed recipe (:mod:`restart.seedport`), which believes what it sees.
- ``RestartTentacle.ApiKey``: the API key its requests carry (default: the simulation's).
- ``RestartTentacle.<Knob>`` (Client only): a policy knob of :data:`restart.policy.KNOBS`,
  named in PascalCase (``RestartTentacle.Deadline``, ``RestartTentacle.HealthWindow``,
  ``RestartTentacle.PostRestartWait``), and ``RestartTentacle.Instance``.

It logs the procedure's narration to its node, sets the output variables ``Method``,
``Outcome`` (``restarted``, ``not_restarted``, ``timed_out``, ``failed``), ``Reason`` and
``Verified`` (``True`` only when the client saw the Tentacle's start time change), and
succeeds when the client verified the restart, or, for the recipe, whenever the recipe
*believed* it did: a false success stays a success, which is the recipe's whole story.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from octosim.model.tasks import LogCategory
from restart.errors import ConfigurationError
from restart.flows import DelayFlow, ProcedureRun, SimulatedServer
from restart.octopus import read_step_context
from restart.policy import KNOBS, PolicyError, RestartPolicy, knob
from restart.procedure import RestartProcedure
from restart.report import Outcome, Progress
from restart.seedport import SeedScript

if TYPE_CHECKING:
    from octosim.model.step_actions import PythonAction, StepActions, StepContext
    from octosim.model.variables import VariableDictionary
    from octosim.simulation import Simulation
    from restart.drivers.loop import Procedure

__all__ = [
    "ACTION_TYPE",
    "API_KEY_VARIABLE",
    "METHOD_VARIABLE",
    "POLICY_PREFIX",
    "RestartMethod",
    "install",
    "policy_from_variables",
    "register",
    "restart_tentacle",
]

#: The step's ``ActionType``.
ACTION_TYPE = "Octosim.RestartTentacle"
#: The variable that chooses what restarts the Tentacle.
METHOD_VARIABLE = "RestartMethod"
#: The variable holding the API key the requests carry (the real step reads the same).
API_KEY_VARIABLE = "RestartTentacle.ApiKey"
#: Policy knobs are read from ``RestartTentacle.<Knob>`` variables.
POLICY_PREFIX = "RestartTentacle."


class RestartMethod(StrEnum):
    """What restarts the Tentacle: the restart client, or the recipe it replaces."""

    Client = "Client"
    Recipe = "Recipe"


#: The procedures' progress levels as log categories (the seed's are PowerShell's streams).
_CATEGORIES = {
    "highlight": LogCategory.Highlight,
    "warning": LogCategory.Warning,
    "error": LogCategory.Error,
    "verbose": LogCategory.Verbose,
}


def _variable_name(knob_name: str) -> str:
    return POLICY_PREFIX + "".join(word.capitalize() for word in knob_name.split("_"))


#: Each policy field the step can set, by the variable that sets it.
_POLICY_VARIABLES = {
    **{_variable_name(k.name): k.name for k in KNOBS},
    _variable_name("instance"): "instance",
}


def policy_from_variables(variables: VariableDictionary) -> RestartPolicy:
    """Return the restart client's policy: the defaults, with each ``RestartTentacle.<Knob>``
    variable the step sees (``RestartTentacle.Deadline = 600``).

    Raises ConfigurationError naming the variable for a value that is not a number in the
    knob's range, or a policy that cannot work (PolicyError, in the variables' names).
    """
    values: dict[str, Any] = {}
    for variable, field in _POLICY_VARIABLES.items():
        text = variables.get(variable)
        if text is None or not text.strip():
            continue
        if field == "instance":
            values[field] = text.strip()
            continue
        try:
            values[field] = knob(field).parse(text.strip())
        except ValueError as bad:
            raise ConfigurationError(f"variable {variable} {bad}") from None
    try:
        return RestartPolicy(**values)
    except PolicyError as bad:
        names = {field: f"variable {variable}" for variable, field in _POLICY_VARIABLES.items()}
        raise ConfigurationError(bad.spelled(names)) from None


def _method(variables: VariableDictionary) -> RestartMethod:
    text = (variables.get(METHOD_VARIABLE) or RestartMethod.Client.value).strip()
    for method in RestartMethod:
        if method.value.lower() == text.lower():
            return method
    raise ConfigurationError(
        f"variable {METHOD_VARIABLE} is {text!r}: set it to Client (the restart client, the "
        "default) or Recipe (the seed recipe's port)"
    )


def restart_tentacle(server: SimulatedServer) -> PythonAction:
    """Return the ``Octosim.RestartTentacle`` action, sending its requests to ``server``."""

    def action(ctx: StepContext) -> DelayFlow[str | None]:
        try:
            method = _method(ctx.variables)
            procedure = _procedure(ctx, method, _narrator(ctx))
        except ConfigurationError as bad:
            return str(bad)
        key = ctx.variables.get(API_KEY_VARIABLE) or server.api_key
        # The restart's tasks are the deployment's children: a cap full of deployments
        # waiting on them is the task-cap deadlock (docs/fleets.md).
        driven = ProcedureRun(procedure, server.with_key(key).on_behalf_of(ctx.run),
                              ctx.run.clock)
        ctx.run.on_cancel(driven.cancel)
        report = yield from driven.flow()
        verified = method is RestartMethod.Client and report.ok
        ctx.set_output("Method", method.value)
        ctx.set_output("Outcome", report.outcome.value)
        ctx.set_output("Reason", report.reason)
        ctx.set_output("Verified", str(verified))
        if method is RestartMethod.Recipe:
            # What the recipe believed ends the step, as it does in production.
            return None if report.outcome is Outcome.RESTARTED else report.reason
        return None if verified else f"Tentacle restart {report.outcome.value}: {report.reason}"

    return action


def _procedure(ctx: StepContext, method: RestartMethod,
               narrate: Callable[[Progress], None]) -> Procedure:
    # The seed's own guard and variables: on behalf of a target role, with its machine.
    step = read_step_context(ctx.variables.get)
    clock = ctx.run.clock
    if method is RestartMethod.Recipe:
        return SeedScript(step.seed_variables(), on_progress=narrate, wall_clock=clock.wall)
    return RestartProcedure(
        step.target(),
        policy_from_variables(ctx.variables),
        # One stream per target: the run token and retry jitter never shift other draws.
        rng=ctx.run.stream("restart", step.machine_id),
        web_base_url=step.server_url,
        on_progress=narrate,
        wall_clock=clock.wall,
    )


def _narrator(ctx: StepContext) -> Callable[[Progress], None]:
    def narrate(progress: Progress) -> None:
        text = progress.text
        if progress.link and progress.link not in text:
            text = f"{text} {progress.link}"
        ctx.log(text, _CATEGORIES.get(progress.level, LogCategory.Info))

    return narrate


def register(actions: StepActions, server: SimulatedServer) -> None:
    """Register ``Octosim.RestartTentacle`` in ``actions``, sending requests to ``server``."""
    actions.register(ACTION_TYPE, restart_tentacle(server))


def install(sim: Simulation) -> Simulation:
    """Enable ``Octosim.RestartTentacle`` in ``sim``'s deployments; return ``sim``."""
    register(sim.deploy.actions, SimulatedServer.of(sim))
    return sim
