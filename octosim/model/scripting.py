"""Running a script on a target Tentacle: contact, then effects, then killed if it stops.

A :class:`ScriptRun` is what any task waits for while a script runs on one machine:

1. the server reaches the Tentacle with every retry of §6
   (:class:`~octosim.model.contact.Contact`); if it cannot, the machine is marked
   Unavailable and the script fails with the reason;
2. the script's *effects* (read from its text by a
   :class:`~octosim.model.scripts.ScriptInterpreter`) are acted out by *behaviours* (a
   table: effect type → function, :func:`default_behaviours`), each with a
   :class:`ScriptContext` to look at and act on;
3. the script itself runs (:func:`~octosim.model.scripts.run_script`) in the environment
   the Tentacle gives it (§4: the snapshot its service took when it started, Tentacle's own
   variables, the step's additions): its sleeps take their virtual time, its output goes to
   the log, its machine-level sets change the agent's store; then the agent's
   ``script_seconds`` pass (Calamari's own start and finish);
4. unless the Tentacle running it stops first: then it is killed, on Windows with exit code
   -46 ("result unknown"), on Linux with 1 (§7). A script with no effect logs its body.

A PowerShell script sent to a Linux Tentacle without PowerShell Core (``pwsh``) fails as
Calamari's process start does (:data:`PWSH_MISSING`). It resumes with None when the script
succeeded, or the reason it failed: ``The remote script failed with exit code N``, or the
``Fail-Step`` message.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from octosim.journal import Kind
from octosim.model.contact import Contact, record_health
from octosim.model.durations import draw
from octosim.model.executors import Flow, Resume, Subflow, TaskRun
from octosim.model.machine_environment import EnvironmentBlock, tentacle_process_variables
from octosim.model.masking import LogMask, mask
from octosim.model.scripts import (
    DetachedRestart,
    OutputLevel,
    ScriptResult,
    ScriptSyntax,
    SelfRestart,
    ServiceTarget,
    WitnessProbe,
    run_script,
)
from octosim.model.states import HealthStatus, ServiceState
from octosim.model.tasks import ActivityElement, ActivityStatus, LogCategory
from octosim.model.witness import format_process_start

if TYPE_CHECKING:
    from octosim.model.agents import TentacleAgent, TentacleService
    from octosim.model.variables import VariableDictionary
    from octosim.model.world import Machine

__all__ = [
    "EXIT_CODES",
    "PWSH_MISSING",
    "PWSH_MISSING_EXIT_CODE",
    "Behaviour",
    "OutputSink",
    "ScriptContext",
    "ScriptRun",
    "TentacleShell",
    "default_behaviours",
    "detached_restart",
    "self_restart",
    "witness_probe",
]

#: The exit code a script gets when its own Tentacle is restarted under it (§7): -46 is
#: Tentacle's "result unknown"; on Linux the shell dies with 1.
EXIT_CODES: Mapping[str, int] = {"Windows": -46, "Linux": 1}
_WILDCARD_CHARS = frozenset("*?[")
#: What Calamari logs when it cannot start ``pwsh`` on Linux (its process runner's wording
#: around .NET's Process.Start error; ``{directory}``: the script's working directory).
PWSH_MISSING = (
    "Error when attempting to execute pwsh: An error occurred trying to start process "
    "'pwsh' with working directory '{directory}'. No such file or directory"
)
#: Calamari's exit code for an error that is not a CommandException (its ``OtherError``).
PWSH_MISSING_EXIT_CODE = 100
#: Where a script's output variables go: ``(name, value, sensitive)``.
OutputSink = Callable[[str, str, bool], None]

_CATEGORIES: Mapping[OutputLevel, LogCategory] = {
    "info": LogCategory.Info, "warning": LogCategory.Warning,
    "error": LogCategory.Error, "verbose": LogCategory.Verbose,
}


@dataclass
class ScriptContext:
    """One script running on one target: what a behaviour may look at and act on.

    ``element`` is the target's activity element (``Running script on web-01``);
    ``ended`` is set once the script has finished, been killed or been stopped (its task
    cancelled, or its action's execution timeout), ``killed_with`` to the
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
    #: The step's sensitive values, hidden in what is logged or journaled (the script itself
    #: runs with the real values).
    sensitive: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # The log is masked as a stream: Octopus holds back lines that may begin a
        # multi-line sensitive value (octosim.model.masking).
        log_mask = LogMask(self.sensitive) if self.sensitive else None
        self._log_mask = log_mask if log_mask else None  # None: nothing Octopus would mask

    def log(self, message: str, category: LogCategory = LogCategory.Info) -> None:
        """Write a line of script output to this target's log, masked as Octopus masks it:
        perhaps later, when it may begin a multi-line sensitive value (:meth:`end_log`)."""
        if self._log_mask is None:
            self.run.log(message, category, self.element)
        elif "\n" in message or "\r" in message:
            # Not a line of output but a text the simulator writes in one piece (the body it
            # shows when no effect was recognised): masked whole, after what is held back.
            self._log_mask.flush()
            self.run.log(self.masked(message), category, self.element)
        else:
            self._log_mask.apply(message,
                                 lambda text: self.run.log(text, category, self.element))
            if self.ended:
                self._log_mask.flush()

    def end_log(self) -> None:
        """The script's output ended: write the lines held back for a multi-line match."""
        if self._log_mask is not None:
            self._log_mask.flush()

    def masked(self, text: str) -> str:
        """``text`` with the sensitive values masked, as one piece (a journal note)."""
        return mask(text, self.sensitive) if self.sensitive else text

    def note(self, text: str) -> None:
        """Journal what the script did (``Kind.Script``), about this task."""
        self.run.note(Kind.Script,
                      f"{self.run.task.id} on {self.machine.name}: {self.masked(text)}")

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


class TentacleShell:
    """The :class:`~octosim.model.scripts.ScriptHost` a script runs on: its own environment
    (the agent's snapshot, Tentacle's variables, ``additions``), the agent's machine store,
    and the target's log."""

    def __init__(self, ctx: ScriptContext, additions: Mapping[str, str] | None = None,
                 outputs: OutputSink | None = None,
                 variables: VariableDictionary | None = None) -> None:
        self.ctx = ctx
        self.store = ctx.agent.environment
        self._additions = additions
        self._outputs = outputs
        self._variables = variables
        self._environment: EnvironmentBlock | None = None

    @property
    def environment(self) -> EnvironmentBlock:
        """The script's own environment, built when the script first reads or changes it
        (most scripts never do; building it copies the whole snapshot)."""
        if self._environment is None:
            agent = self.ctx.agent
            tentacle = tentacle_process_variables(agent.os_family, agent.instance.instance)
            self._environment = self.store.script_environment(tentacle, self._additions)
        return self._environment

    @property
    def os_family(self) -> str:
        """``Windows`` or ``Linux``."""
        return self.ctx.agent.os_family

    def getenv(self, name: str) -> str | None:
        """The script's own value of ``name``."""
        return self.environment.get(name)

    def setenv(self, name: str, value: str | None) -> None:
        """Set (None: remove) ``name`` in the script's own environment only."""
        if value is not None:
            self.environment[name] = value
        elif name in self.environment:
            del self.environment[name]

    def machine_value(self, name: str) -> str | None:
        """The machine store's value of ``name``."""
        return self.store.machine_value(name)

    def machine_names(self) -> list[str]:
        """Every name in the machine store."""
        return list(self.store.store)

    def set_machine_variable(self, name: str, value: str | None) -> None:
        """Change the machine store (journalled); the snapshot is untouched."""
        self.store.set_machine_variable(name, value)
        if value is None:
            what = "removed"
        else:
            # Masked before repr: repr doubles each backslash, so the note's own masking would
            # not find a sensitive C:\Secrets\key in 'C:\\Secrets\\key'.
            shown = self.ctx.masked(value)
            what = f"set to {shown!r}"
        self.ctx.note(f"machine environment variable {name} {what}")

    def write(self, line: str, level: OutputLevel = "info") -> None:
        """A line of output, to the target's log."""
        self.ctx.log(line, _CATEGORIES[level])

    def service_names(self) -> list[str]:
        """The agent's Tentacle services, in name order."""
        return sorted(self.ctx.agent.services)

    def octopus_variable(self, name: str) -> str | None:
        """The running step's variable ``name``, evaluated (None outside a step, or
        unknown)."""
        return self._variables.evaluated_value(name) if self._variables is not None else None

    def octopus_variable_names(self) -> list[str]:
        """The running step's variable names (none outside a step)."""
        return list(self._variables) if self._variables is not None else []

    def set_output(self, name: str, value: str, sensitive: bool) -> None:
        """Hand an output variable to the step that runs this script (if any)."""
        if self._outputs is not None:
            self._outputs(name, value, sensitive)


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
    ``environment``: the step's additions to the script's environment.
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
        environment: Mapping[str, str] | None = None,
        outputs: OutputSink | None = None,
        variables: VariableDictionary | None = None,
        sensitive: Sequence[str] = (),
    ) -> None:
        self.machine = machine
        self.element = element
        self.syntax = syntax
        self.body = body
        self.effects = effects
        self.behaviours = behaviours
        self.unavailable_summary = unavailable_summary
        self.environment = dict(environment or {})
        self.outputs = outputs
        self.variables = variables
        self.sensitive = tuple(sensitive)

    def begin(self, run: TaskRun, resume: Resume) -> Callable[[], None]:
        """Contact the Tentacle, then run the script."""
        return Subflow(self.flow(run)).begin(run, resume)

    def flow(self, run: TaskRun) -> Flow:
        """The script run as a flow, for a flow that runs it in its own frame
        (``reason = yield from script.flow(run)``, as ``reason = yield script``)."""
        machine, element = self.machine, self.element
        agent = machine.agent
        assert agent is not None, "install_tentacles attaches an agent to every machine"
        reason = None if Contact.at_once(machine) else (yield Contact(machine, element))
        if reason is not None:
            # A failed contact during a task is a health interaction too (§5).
            record_health(run, machine, HealthStatus.Unavailable, self.unavailable_summary,
                          reason)
        else:
            ctx = ScriptContext(run, machine, agent, element, self.syntax, self.body,
                                sensitive=self.sensitive)
            reason = yield _Execution(ctx, self.effects, self.behaviours, self.environment,
                                      self.outputs, self.variables)
        element.finish(run.clock.now(), ActivityStatus.Failed if reason else ActivityStatus.Success)
        return reason


class _Execution:
    """The script itself, once the Tentacle answered: effects, then its run time, unless
    the Tentacle stops under it. Behaviours act inside ``begin`` with the kill watch
    already armed, because a synchronous restart kills the script at the very moment
    its Tentacle starts to stop, before the behaviour has even returned."""

    def __init__(
        self, ctx: ScriptContext, effects: tuple[object, ...],
        behaviours: Mapping[type, Behaviour], additions: Mapping[str, str],
        outputs: OutputSink | None = None,
        variables: VariableDictionary | None = None,
    ) -> None:
        self.ctx = ctx
        self.effects = effects
        self.behaviours = behaviours
        self.additions = additions
        self.outputs = outputs
        self.variables = variables

    def begin(self, run: TaskRun, resume: Resume) -> Callable[[], None]:
        """Act out the effects; resume when the script ends or is killed."""
        ctx, agent = self.ctx, self.ctx.agent
        ctx.log(f"Executing {ctx.syntax.value} script on {ctx.machine.name}", LogCategory.Verbose)

        def end(outcome: str | None) -> None:
            ctx.ended = True
            ctx.end_log()
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

        unwatch = agent.watch(killed)
        if ctx.syntax is ScriptSyntax.PowerShell and _lacks_pwsh(agent):
            end(_pwsh_missing(ctx))
            return _nothing
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
        overhead = draw(agent.rng, agent.timing.script_seconds)
        program = run_script(ctx.body, ctx.syntax, TentacleShell(ctx, self.additions, self.outputs,
                                                           self.variables))
        timer: list[Callable[[], None]] = []

        def completed(reason: str | None) -> None:
            if not ctx.ended:
                end(reason)

        def advance() -> None:
            # One stretch of the script, up to its next sleep (or its end).
            if ctx.ended:
                return  # killed while it slept: the rest never runs
            try:
                seconds = next(program)
            except StopIteration as stop:
                reason = _failure(ctx, stop.value)
                timer.append(run.call_later(overhead, lambda: completed(reason)).cancel)
                return
            if seconds == math.inf:
                return  # `sleep infinity`: only a kill or a cancel ends the script now
            timer.append(run.call_later(seconds, advance).cancel)

        advance()

        def stop() -> None:
            # Cancelled (its task, or its action's execution timeout): it runs no further.
            ctx.ended = True
            ctx.end_log()
            unwatch()
            for cancel in timer:
                cancel()

        return stop


def _lacks_pwsh(agent: TentacleAgent) -> bool:
    return agent.os_family == "Linux" and not agent.powershell_core


def _pwsh_missing(ctx: ScriptContext) -> str:
    """Log Calamari's failure to start ``pwsh``; return the task's reason."""
    home = tentacle_process_variables("Linux", ctx.agent.instance.instance)["TentacleHome"]
    ctx.log(PWSH_MISSING.format(directory=f"{home}/Work/{ctx.run.task.id}"), LogCategory.Error)
    ctx.note("PowerShell script refused: PowerShell Core (pwsh) is not installed")
    reason = _failure(ctx, ScriptResult(PWSH_MISSING_EXIT_CODE))
    assert reason is not None, "a non-zero exit code is a failure"
    return reason


def _failure(ctx: ScriptContext, result: ScriptResult) -> str | None:
    """Log how a script that ran to its end failed; return the reason (None: success)."""
    if not result.failed:
        return None
    message = f"The remote script failed with exit code {result.exit_code}"
    ctx.log(message, LogCategory.Error)
    ctx.note(f"script exited with code {result.exit_code}")
    return result.message or message


def _nothing() -> None:
    """Nothing left to stop: the script was killed."""
