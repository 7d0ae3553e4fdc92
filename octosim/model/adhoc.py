"""AdHocScript tasks: run a script on each target Tentacle and act out what it would do.

The script text is read by a :class:`~octosim.model.scripts.ScriptInterpreter` into
*effects* (a detached delayed restart, a synchronous self-restart, a witness probe); a table
of *behaviours* (:attr:`AdHocScriptExecutor.behaviours`, effect type → function) says what
each effect does to the agent. Users extend both: ``executor.interpreter.register(handler)``
to recognise new script text, ``executor.on(EffectType, behaviour)`` to act on new effects.
A script with no effect runs briefly, succeeds and logs its body.

A script runs only while its Tentacle is reachable: the task first contacts the machine
with every retry of §6 (:class:`~octosim.model.health.Contact`) and fails, marking the
machine Unavailable, when that runs out. A script whose own Tentacle stops under it is
killed: on Windows with exit code -46 ("result unknown"), on Linux with 1 (§7).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from octosim.journal import Kind
from octosim.model.agents import draw, format_process_start
from octosim.model.executors import ArgumentError, TaskRun, machine_ids_argument
from octosim.model.health import Contact, HealthSettings, record_health
from octosim.model.scripts import (
    DetachedRestart,
    ScriptInterpreter,
    ScriptSyntax,
    SelfRestart,
    ServiceTarget,
    WitnessProbe,
    parse_syntax,
)
from octosim.model.states import HealthStatus, ServiceState
from octosim.model.tasks import ActivityElement, ActivityStatus, LogCategory

if TYPE_CHECKING:
    from octosim.model.agents import TentacleAgent, TentacleService
    from octosim.model.world import Machine, World

__all__ = [
    "EXIT_CODES",
    "TARGET_TYPES",
    "AdHocScriptExecutor",
    "Behaviour",
    "ScriptContext",
    "detached_restart",
    "self_restart",
    "witness_probe",
]

#: The exit code a script gets when its own Tentacle is restarted under it (§7): -46 is
#: Tentacle's "result unknown"; on Linux the shell dies with 1.
EXIT_CODES: Mapping[str, int] = {"Windows": -46, "Linux": 1}
TARGET_TYPES = ("Machines", "Environments", "Workers", "WorkerPools", "OctopusServer")
_WILDCARD_CHARS = frozenset("*?[")


@dataclass
class ScriptContext:
    """One script running on one target: what a behaviour may look at and act on.

    ``element`` is the target's activity element (``Running script on web-01``);
    ``ended`` is set once the script has finished or been killed, ``killed_with`` to the
    exit code when it was killed.
    """

    run: TaskRun
    machine: Machine
    agent: TentacleAgent
    element: ActivityElement
    syntax: ScriptSyntax
    body: str
    ended: bool = False
    killed_with: int | None = None

    def log(self, message: str, category: LogCategory = LogCategory.Info) -> None:
        """Write a line of script output to this target's log."""
        self.run.log(message, category, self.element)

    def note(self, text: str) -> None:
        """Journal what the script did (``Kind.Script``), about this task."""
        self.run.note(Kind.Script, f"{self.run.task.id} on {self.machine.name}: {text}")

    def resolve(self, targets: tuple[ServiceTarget, ...]) -> list[TentacleService]:
        """Return the agent's services the targets name (each once, in order), logging for
        every target that names none what the real command would print: nothing for a
        PowerShell wildcard (only a Verbose note from the simulator), an Error line for a
        literal name. Neither fails the script, as neither stops PowerShell's pipeline."""
        found: list[TentacleService] = []
        for target in targets:
            try:
                matched = self.agent.matching(target)
            except ValueError:  # an unterminated [ : PowerShell's WildcardPatternException
                self.log(
                    "Get-Service : The specified wildcard character pattern is not valid: "
                    f"{target.name}", LogCategory.Error,
                )
                continue
            if not matched:
                self._no_match(target)
            found.extend(s for s in matched if s not in found)
        return found

    def _no_match(self, target: ServiceTarget) -> None:
        name = target.name
        if target.kind == "windows-service" and _WILDCARD_CHARS & set(name):
            self.log(
                f"octosim: no service on {self.machine.name} matches '{name}' (Get-Service "
                "prints nothing for a wildcard that matches nothing), so nothing is restarted.",
                LogCategory.Verbose,
            )
        elif target.kind == "windows-service":
            self.log(
                f"Get-Service : Cannot find any service with service name '{name}'.",
                LogCategory.Error,
            )
        elif target.kind == "systemd-unit":
            unit = name if name.endswith(".service") else f"{name}.service"
            self.log(f"Failed to restart {unit}: Unit {unit} not found.", LogCategory.Error)
        else:
            self.log(
                f"Instance {name} of tentacle has not been configured on this machine.",
                LogCategory.Error,
            )


#: What an effect does: called once per target as the script starts.
Behaviour = Callable[[ScriptContext, Any], None]


def _names(services: list[TentacleService]) -> str:
    return ", ".join(repr(s.name) for s in services)


def _restarting(what: str, targets: tuple[ServiceTarget, ...],
                services: list[TentacleService], when: str) -> str:
    if services:
        return f"{what} of {_names(services)}{when}"
    patterns = ", ".join(repr(t.name) for t in targets)
    return f"{what}: {patterns} matches no service; nothing restarts"


def detached_restart(ctx: ScriptContext, effect: DetachedRestart) -> None:
    """A new process that sleeps, then restarts the matching services: the script ends at
    once and the task can succeed; ``delay_seconds`` plus the agent's process start-up
    delay later, every matching service restarts."""
    services = ctx.resolve(effect.targets)
    delay = effect.delay_seconds + draw(ctx.run.rng, ctx.agent.timing.startup_delay)
    ctx.note(_restarting("detached restart", effect.targets, services, f" in {delay:.1f}s"))
    if not services:
        return
    ctx.log(
        f"octosim: a detached process will restart {_names(services)} in {delay:.1f} s",
        LogCategory.Verbose,
    )
    agent, cause = ctx.agent, f"detached restart from {ctx.run.task.id}"
    # Not the task's timer: a detached process outlives the task, even a canceled one.
    ctx.run.clock.call_later(delay, lambda: agent.restart(services, cause=cause))


def self_restart(ctx: ScriptContext, effect: SelfRestart) -> None:
    """Restart the matching services now. If that stops the Tentacle running the script,
    the script is killed (the task fails with §7's exit code) and the restart goes on."""
    services = ctx.resolve(effect.targets)
    ctx.note(_restarting("synchronous restart", effect.targets, services, ""))
    ctx.agent.restart(services, cause=f"synchronous restart from {ctx.run.task.id}")


def witness_probe(ctx: ScriptContext, effect: WitnessProbe) -> None:
    """Print each running Tentacle process's start time, one Info line each, the line
    being exactly the time in the style the script asked for."""
    times = ctx.agent.process_start_times
    for started in times.values():
        ctx.log(format_process_start(ctx.run.clock.wall(started), effect.style))
    ctx.note(f"witness probe printed {len(times)} process start time(s)")


def _default_behaviours() -> dict[type, Behaviour]:
    return {
        DetachedRestart: detached_restart,
        SelfRestart: self_restart,
        WitnessProbe: witness_probe,
    }


@dataclass
class AdHocScriptExecutor:
    """Runs ``AdHocScript`` tasks (octopus-api.md §4).

    Arguments: ``ScriptBody`` (required), ``Syntax`` (PowerShell by default, any case),
    targets by ``MachineIds``, or ``EnvironmentIds`` and/or ``TargetRoles``, or
    ``TargetType: OctopusServer``. Other arguments are accepted and ignored.
    """

    interpreter: ScriptInterpreter = field(default_factory=ScriptInterpreter)
    behaviours: dict[type, Behaviour] = field(default_factory=_default_behaviours)
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
    def start(self, run: TaskRun) -> None:
        """Contact each target, run the script there, end the task when all are done."""
        args = run.task.arguments
        body: str = args["ScriptBody"]
        syntax = _syntax(args)
        effects = self.interpreter.interpret(body, syntax)
        run.note(Kind.Script, f"{run.task.id} script read as: "
                 + (", ".join(type(e).__name__ for e in effects) or "plain script"))
        targets = _targets(args, run.task.space_id, run.world)
        if not targets:
            self._on_server(run, body)
            return
        failures: dict[str, str] = {}
        remaining = [len(targets)]

        def target_done(machine: Machine, failure: str | None) -> None:
            if failure is not None:
                failures[machine.id] = failure
            remaining[0] -= 1
            if remaining[0] == 0:
                if failures:
                    # Distinct reasons, in target order: one target gives its message exactly.
                    run.fail("; ".join(dict.fromkeys(failures.values())))
                else:
                    run.succeed()

        for machine in targets:
            self._run_on(run, machine, body, syntax, effects, target_done)

    def _run_on(
        self, run: TaskRun, machine: Machine, body: str, syntax: ScriptSyntax,
        effects: tuple[object, ...], done: Callable[[Machine, str | None], None],
    ) -> None:
        element = run.task.log.child(f"Running script on {machine.name}", started=run.clock.now())
        assert machine.agent is not None, "install_tentacles attaches an agent to every machine"
        ctx = ScriptContext(run, machine, machine.agent, element, syntax, body)

        def finish(failure: str | None) -> None:
            status = ActivityStatus.Failed if failure else ActivityStatus.Success
            element.finish(run.clock.now(), status)
            done(machine, failure)

        def connected(ok: bool, reason: str) -> None:
            if not ok:
                # A failed contact during a task is a health interaction too (§5).
                record_health(run, machine, HealthStatus.Unavailable,
                              _unavailable_summary(run), reason)
                finish(reason)
                return
            self._execute(ctx, effects, finish)

        Contact(run, machine, element, connected).start()

    def _execute(
        self, ctx: ScriptContext, effects: tuple[object, ...],
        finish: Callable[[str | None], None],
    ) -> None:
        run, agent = ctx.run, ctx.agent
        ctx.log(f"Executing {ctx.syntax.value} script on {ctx.machine.name}", LogCategory.Verbose)

        def end_script() -> None:
            ctx.ended = True
            unwatch()

        def killed(service: TentacleService, old: ServiceState, new: ServiceState) -> None:
            # Stopping the Tentacle that runs the script kills the script with it.
            if service is agent.instance and new is ServiceState.StopPending and not ctx.ended:
                end_script()
                code = EXIT_CODES.get(agent.os_family, 1)
                ctx.killed_with = code
                message = f"The remote script failed with exit code {code}"
                ctx.log(message, LogCategory.Error)
                ctx.note(f"script killed by the Tentacle stopping (exit code {code})")
                finish(message)

        unwatch = agent.watch(killed)
        run.on_cancel(unwatch)

        if not effects:
            ctx.log(ctx.body, LogCategory.Verbose)
        for effect in effects:
            if ctx.killed_with is not None:
                break  # a killed script runs no further
            behaviour = self.behaviours.get(type(effect))
            if behaviour is None:
                raise LookupError(
                    f"no behaviour for {type(effect).__name__}: register one with "
                    "AdHocScriptExecutor.on(EffectType, behaviour)"
                )
            behaviour(ctx, effect)
        if ctx.killed_with is not None:
            return

        def completed() -> None:
            if not ctx.ended:
                end_script()
                finish(None)

        run.call_later(draw(run.rng, agent.timing.script_seconds), completed)

    @staticmethod
    def _on_server(run: TaskRun, body: str) -> None:
        element = run.task.log.child("Running script on the Octopus Server",
                                     started=run.clock.now())
        run.log(body, LogCategory.Verbose, element)

        def completed() -> None:
            element.finish(run.clock.now(), ActivityStatus.Success)
            run.succeed()

        run.call_later(1.0, completed)


def _unavailable_summary(run: TaskRun) -> str:
    executor = run.engine.executors.get("Health")
    settings = getattr(executor, "settings", None)
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


def _id_list(args: Mapping[str, Any], key: str) -> list[str]:
    raw = args.get(key)
    if raw is None or raw == "":
        return []
    if isinstance(raw, str):
        return [part.strip() for part in raw.split(",") if part.strip()]
    if isinstance(raw, list) and all(isinstance(x, str) for x in raw):
        return list(raw)
    raise ArgumentError([f"{key}: expected a list of strings, got {raw!r}"])


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
        return [world.machines[i] for i in checked]
    env_ids = _id_list(args, "EnvironmentIds")
    unknown = [e for e in env_ids if getattr(world.environments.get(e), "space_id", None)
               != space_id]
    if unknown:
        raise ArgumentError([f"EnvironmentIds: {', '.join(unknown)} do not exist in {space_id}"])
    roles = {r.lower() for r in _id_list(args, "TargetRoles")}
    return [
        m for m in world.machines.values()
        if m.space_id == space_id and not m.is_disabled
        and (not env_ids or any(e in m.environment_ids for e in env_ids))
        and (not roles or any(r.lower() in roles for r in m.roles))
    ]
