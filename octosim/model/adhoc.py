"""AdHocScript tasks: run a script on each target Tentacle and act out what it would do.

The script text is read by a :class:`~octosim.model.scripts.ScriptInterpreter` into
*effects* (a detached delayed restart, a synchronous self-restart, a witness probe); a table
of *behaviours* (:attr:`AdHocScriptExecutor.behaviours`, effect type → function) says what
each effect does to the agent. Users extend both: ``executor.interpreter.register(handler)``
to recognise new script text, ``executor.on(EffectType, behaviour)`` to act on new effects.
A script with no effect logs its body. Every script is also *run*
(:func:`~octosim.model.scripts.run_script`): its sleeps take their time, its output reaches
the log, its exit code decides the target's outcome (docs/deployments.md, "Scripts and
environments").

Each target runs the script as a :class:`~octosim.model.scripting.ScriptRun`: contact
(failing, and marking the machine Unavailable, when that runs out), then the effects, then
killed if its own Tentacle stops under it (§7).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from octosim.journal import Kind
from octosim.model.executors import AllOf, ArgumentError, Delay, Flow, TaskRun
from octosim.model.health import HealthSettings
from octosim.model.script_mutex import ScriptIsolation, TakeScriptMutex
from octosim.model.scripting import Behaviour, ScriptRun, default_behaviours
from octosim.model.scripts import ScriptInterpreter, ScriptSyntax, parse_syntax
from octosim.model.targets import (
    environment_ids_argument,
    id_list,
    machine_ids_argument,
    select_targets,
)
from octosim.model.tasks import ActivityStatus, LogCategory

if TYPE_CHECKING:
    from octosim.model.world import Machine, World

__all__ = ["TARGET_TYPES", "AdHocScriptExecutor"]

TARGET_TYPES = ("Machines", "Environments", "Workers", "WorkerPools", "OctopusServer")


@dataclass
class AdHocScriptExecutor:
    """Runs ``AdHocScript`` tasks (octopus-api.md §4).

    Arguments: ``ScriptBody`` (required), ``Syntax`` (PowerShell by default, any case),
    targets by ``MachineIds``, or ``EnvironmentIds`` and/or ``TargetRoles``, or
    ``TargetType: OctopusServer``. Other arguments are accepted and ignored.
    """

    interpreter: ScriptInterpreter = field(default_factory=ScriptInterpreter)
    behaviours: dict[type, Behaviour] = field(default_factory=default_behaviours)
    name: str = "AdHocScript"
    description: str = "Script run from management console"

    def on(self, effect_type: type, behaviour: Behaviour) -> None:
        """Make ``behaviour`` what effects of ``effect_type`` do (replacing any before)."""
        self.behaviours[effect_type] = behaviour

    # -- arguments ------------------------------------------------------------------------------
    def validate(
        self, arguments: Mapping[str, Any], space_id: str, world: World
    ) -> dict[str, Any]:
        """Return the arguments (``MachineIds`` as a list when given); raise ArgumentError
        naming every problem: no ScriptBody, an unknown Syntax or TargetType, unknown
        machines or environments, or no target at all."""
        args = dict(arguments)
        problems: list[str] = []
        body = args.get("ScriptBody")
        if not isinstance(body, str) or not body.strip():
            problems.append("ScriptBody: a script to run is required")
        try:
            _syntax(args)
        except ValueError as exc:
            problems.append(f"Syntax: {exc}")
        try:
            checked = None
            if "MachineIds" in args:
                checked = args["MachineIds"] = machine_ids_argument(
                    args, space_id, world, required=False
                )
            targets = _targets(args, space_id, world, checked)
        except ArgumentError as exc:
            problems.extend(exc.problems)
        else:
            if targets == [] and _target_type(args) != "OctopusServer":
                problems.append(
                    "No deployment targets match: give MachineIds, or EnvironmentIds and/or "
                    "TargetRoles that select at least one enabled machine"
                )
        if problems:
            raise ArgumentError(problems)
        return args

    # -- running ------------------------------------------------------------------------------
    def execute(self, run: TaskRun) -> Flow:
        """Run the script on every target side by side (or on the server itself); the
        task fails with each distinct reason a target failed for."""
        args = run.task.arguments
        body: str = args["ScriptBody"]
        syntax = _syntax(args)
        effects = self.interpreter.interpret(body, syntax)
        run.note(Kind.Script, f"{run.task.id} script read as: "
                 + (", ".join(type(e).__name__ for e in effects) or "plain script"))
        targets = _targets(args, run.task.space_id, run.world)
        if not targets:
            element = run.task.log.child("Running script on the Octopus Server",
                                         started=run.clock.now())
            run.log(body, LogCategory.Verbose, element)
            yield Delay(1.0)
            element.finish(run.clock.now(), ActivityStatus.Success)
            return None
        runs = [
            ScriptRun(
                machine,
                run.task.log.child(f"Running script on {machine.name}", started=run.clock.now()),
                syntax, body, effects, behaviours=self.behaviours,
                unavailable_summary=_unavailable_summary(run),
            )
            for machine in targets
        ]
        failures = yield AllOf([_wait_for(script) for script in runs])
        # Distinct reasons, in target order: one target gives its message exactly.
        reasons = [f for f in failures if f is not None]
        return "; ".join(dict.fromkeys(reasons)) if reasons else None


def _wait_for(script: ScriptRun) -> Flow:
    # An ad-hoc script takes FullIsolation (§2.7, UNCONFIRMED): it waits for a deployment
    # step on its target, and health checks wait for it.
    lease = yield TakeScriptMutex(script.machine, ScriptIsolation.FullIsolation, script.element)
    reason = yield script
    lease.release()
    return reason


def _unavailable_summary(run: TaskRun) -> str:
    # The machine's StatusSummary is the Health executor's wording (the scenario's
    # [health] table), whichever Health executor is registered when the task runs.
    settings = getattr(run.engine.executors.get("Health"), "settings", None)
    if isinstance(settings, HealthSettings):
        return settings.unavailable_summary
    return HealthSettings().unavailable_summary


def _syntax(args: Mapping[str, Any]) -> ScriptSyntax:
    raw = args.get("Syntax")
    if raw is None or raw == "":
        return parse_syntax("PowerShell")
    if not isinstance(raw, str):
        raise ValueError(f"expected a syntax name such as \"PowerShell\" or \"Bash\", got {raw!r}")
    return parse_syntax(raw)


def _target_type(args: Mapping[str, Any]) -> str:
    raw = args.get("TargetType")
    if raw in (None, ""):
        has_env = bool(args.get("EnvironmentIds") or args.get("TargetRoles"))
        return "Environments" if has_env and not args.get("MachineIds") else "Machines"
    if not isinstance(raw, str) or raw not in TARGET_TYPES:
        raise ArgumentError([f"TargetType: {raw!r} is not one of {', '.join(TARGET_TYPES)}"])
    return raw


def _targets(
    args: Mapping[str, Any], space_id: str, world: World, checked: list[str] | None = None
) -> list[Machine]:
    """Return the machines a script runs on (empty for the Octopus Server itself).
    ``checked``: the MachineIds argument as :func:`machine_ids_argument` has just returned
    it (validation reads it once, not twice); by default it is checked here, since a
    queued task's machine may be gone by the time it starts."""
    kind = _target_type(args)
    if kind in ("Workers", "WorkerPools"):
        raise ArgumentError([f"TargetType: the simulated server has no workers ({kind})"])
    if kind == "OctopusServer":
        return []
    if kind == "Machines":
        if checked is None:
            checked = machine_ids_argument(args, space_id, world, required=False)
        return select_targets(world, space_id, machine_ids=checked)
    return select_targets(
        world, space_id,
        environment_ids=environment_ids_argument(args, space_id, world),
        roles=id_list(args, "TargetRoles"),
    )
