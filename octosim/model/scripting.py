"""Running a script on a target Tentacle: contact, then effects, then killed if it stops.

A :class:`ScriptRun` is what any task waits for while a script runs on one machine:

1. the server reaches the Tentacle with every retry of §6
   (:class:`~octosim.model.contact.Contact`); if it cannot, the machine is marked
   Unavailable and the script fails with the reason;
2. the script's *effects* (read from its text by a
   :class:`~octosim.model.scripts.ScriptInterpreter`) are acted out by *behaviours* (a
   table: effect type → function, :func:`default_behaviours`), each with a
   :class:`ScriptContext` to look at and act on;
3. the script runs for the agent's ``script_seconds`` unless the Tentacle running it stops
   first: then it is killed, on Windows with exit code -46 ("result unknown"), on Linux
   with 1 (§7). A script with no effect logs its body.

It resumes with None when the script succeeded, or the reason it failed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from octosim.journal import Kind
from octosim.model.contact import Contact, record_health
from octosim.model.durations import draw
from octosim.model.executors import Flow, Resume, Subflow, TaskRun
from octosim.model.scripts import (
    DetachedRestart,
    ScriptSyntax,
    SelfRestart,
    ServiceTarget,
    WitnessProbe,
)
from octosim.model.states import HealthStatus, ServiceState
from octosim.model.tasks import ActivityElement, ActivityStatus, LogCategory
from octosim.model.witness import format_process_start

if TYPE_CHECKING:
    from octosim.model.agents import TentacleAgent, TentacleService
    from octosim.model.world import Machine

__all__ = [
    "EXIT_CODES",
    "Behaviour",
    "ScriptContext",
    "ScriptRun",
    "default_behaviours",
    "detached_restart",
    "self_restart",
    "witness_probe",
]

#: The exit code a script gets when its own Tentacle is restarted under it (§7): -46 is
#: Tentacle's "result unknown"; on Linux the shell dies with 1.
EXIT_CODES: Mapping[str, int] = {"Windows": -46, "Linux": 1}
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
    delay = effect.delay_seconds + draw(ctx.agent.rng, ctx.agent.timing.startup_delay)
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


def default_behaviours() -> dict[type, Behaviour]:
    """Return a fresh table of the built-in behaviours (effect type → behaviour)."""
    return {
        DetachedRestart: detached_restart,
        SelfRestart: self_restart,
        WitnessProbe: witness_probe,
    }


class ScriptRun:
    """A wait: ``body`` (read as ``effects``) run on ``machine``, logged to ``element``,
    which it finishes (Success or Failed). Resumes with None or the failure's reason.

    ``behaviours``: what each effect type does (:func:`default_behaviours`).
    ``unavailable_summary``: the StatusSummary the machine gets when it cannot be reached.
    Raises LookupError, as the script starts, for an effect with no behaviour.
    """

    def __init__(
        self,
        machine: Machine,
        element: ActivityElement,
        syntax: ScriptSyntax,
        body: str,
        effects: tuple[object, ...],
        *,
        behaviours: Mapping[type, Behaviour],
        unavailable_summary: str,
    ) -> None:
        self.machine = machine
        self.element = element
        self.syntax = syntax
        self.body = body
        self.effects = effects
        self.behaviours = behaviours
        self.unavailable_summary = unavailable_summary

    def begin(self, run: TaskRun, resume: Resume) -> Callable[[], None]:
        """Contact the Tentacle, then run the script."""
        return Subflow(self._flow(run)).begin(run, resume)

    def _flow(self, run: TaskRun) -> Flow:
        machine, element = self.machine, self.element
        assert machine.agent is not None, "install_tentacles attaches an agent to every machine"
        reason = yield Contact(machine, element)
        if reason is not None:
            # A failed contact during a task is a health interaction too (§5).
            record_health(run, machine, HealthStatus.Unavailable, self.unavailable_summary,
                          reason)
        else:
            ctx = ScriptContext(run, machine, machine.agent, element, self.syntax, self.body)
            reason = yield _Execution(ctx, self.effects, self.behaviours)
        element.finish(run.clock.now(), ActivityStatus.Failed if reason else ActivityStatus.Success)
        return reason


class _Execution:
    """The script itself, once the Tentacle answered: effects, then its run time, unless
    the Tentacle stops under it. Behaviours act inside ``begin`` with the kill watch
    already armed, because a synchronous restart kills the script at the very moment
    its Tentacle starts to stop, before the behaviour has even returned."""

    def __init__(
        self, ctx: ScriptContext, effects: tuple[object, ...],
        behaviours: Mapping[type, Behaviour],
    ) -> None:
        self.ctx = ctx
        self.effects = effects
        self.behaviours = behaviours

    def begin(self, run: TaskRun, resume: Resume) -> Callable[[], None]:
        """Act out the effects; resume when the script ends or is killed."""
        ctx, agent = self.ctx, self.ctx.agent
        ctx.log(f"Executing {ctx.syntax.value} script on {ctx.machine.name}", LogCategory.Verbose)

        def end(outcome: str | None) -> None:
            ctx.ended = True
            unwatch()
            resume(outcome)

        def killed(service: TentacleService, old: ServiceState, new: ServiceState) -> None:
            # Stopping the Tentacle that runs the script kills the script with it.
            if service is agent.instance and new is ServiceState.StopPending and not ctx.ended:
                code = EXIT_CODES.get(agent.os_family, 1)
                ctx.killed_with = code
                message = f"The remote script failed with exit code {code}"
                ctx.log(message, LogCategory.Error)
                ctx.note(f"script killed by the Tentacle stopping (exit code {code})")
                end(message)

        def completed() -> None:
            if not ctx.ended:
                end(None)

        unwatch = agent.watch(killed)
        if not self.effects:
            ctx.log(ctx.body, LogCategory.Verbose)
        for effect in self.effects:
            if ctx.killed_with is not None:
                break  # a killed script runs no further
            behaviour = self.behaviours.get(type(effect))
            if behaviour is None:
                unwatch()
                raise LookupError(
                    f"no behaviour for {type(effect).__name__}: register one with "
                    "AdHocScriptExecutor.on(EffectType, behaviour)"
                )
            behaviour(ctx, effect)
        if ctx.killed_with is not None:
            return _nothing
        timer = run.call_later(draw(agent.rng, agent.timing.script_seconds), completed)

        def stop() -> None:
            unwatch()
            timer.cancel()

        return stop


def _nothing() -> None:
    """Nothing left to stop: the script was killed."""
