"""Health tasks: check each target machine and set its HealthStatus (octopus-api.md §5–§6).

Each target is reached with every retry of §6 (:class:`~octosim.model.contact.Contact`),
within the task's ``MachineTimeout``, then checked; the whole task is bounded by its
``Timeout``. A machine's HealthStatus changes through
:func:`~octosim.model.contact.record_health` only.

Flaky health is drawn in two levels so rare combinations appear: once per simulation,
whether flakiness is *active* (``flaky_activation_rate``); then, if it is, for each check
of a reachable machine, whether this check *fails* (``flaky_failure_rate``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from octosim.journal import Kind
from octosim.model.contact import Contact, record_health
from octosim.model.durations import Span, draw, span
from octosim.model.executors import AllOf, ArgumentError, Delay, FirstOf, Flow, TaskRun
from octosim.model.script_mutex import ScriptIsolation, TakeScriptMutex
from octosim.model.states import HealthStatus
from octosim.model.targets import machine_ids_argument, select_targets
from octosim.model.tasks import ActivityElement, ActivityStatus, LogCategory
from octosim.model.timespan import format_timespan, parse_timespan

if TYPE_CHECKING:
    from octosim.model.world import Machine, World

__all__ = ["HEALTHY_SUMMARY", "HealthExecutor", "HealthSettings"]

HEALTHY_SUMMARY = "This machine was successfully health checked."


@dataclass(frozen=True)
class HealthSettings:
    """How health checks behave (the scenario's ``[health]`` table).

    - ``check_seconds``: how long checking one reachable machine takes.
    - ``flaky_activation_rate`` / ``flaky_failure_rate``: the two-level flakiness draw.
    - ``unavailable_summary``: StatusSummary of an Unavailable machine; ``{last_checked}`` is
      replaced by the time (unconfirmed wording, octopus-api.md §6).
    - ``error_message``: ErrorMessage of a failed health task; ``{count}``, ``{total}`` and
      ``{machines}`` are replaced (unconfirmed wording).
    """

    check_seconds: Span = (1.0, 3.0)
    flaky_activation_rate: float = 0.0
    flaky_failure_rate: float = 0.0
    unavailable_summary: str = (
        "There was a problem communicating with this machine (last checked: {last_checked})."
    )
    unhealthy_summary: str = (
        "The health check of this machine failed (last checked: {last_checked})."
    )
    error_message: str = (
        "The health check failed for {count} of {total} deployment targets: {machines}"
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "check_seconds", span(self.check_seconds))
        for name in ("flaky_activation_rate", "flaky_failure_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], not {value}")


@dataclass
class HealthExecutor:
    """Runs ``Health`` tasks: checks each target machine and sets its HealthStatus.

    Targets: ``MachineIds`` (within ``EnvironmentId`` if both are given), else every
    enabled machine in ``EnvironmentId``, else every enabled machine in the space.
    ``Timeout`` bounds the task, ``MachineTimeout`` each machine (TimeSpan strings;
    C# defaults 5 min and 1 min). Other arguments are accepted and ignored.
    """

    settings: HealthSettings = field(default_factory=HealthSettings)
    name: str = "Health"
    description: str = "Check deployment target health"
    # Drawn once per simulation on the first check, from the ("health", "flaky") stream:
    # is flakiness active for this run?
    flaky_active: bool | None = None

    def validate(
        self, arguments: Mapping[str, Any], space_id: str, world: World
    ) -> dict[str, Any]:
        """Return the arguments (``MachineIds`` as a list); raise ArgumentError naming every
        bad field: unknown machines or environment, a Timeout/MachineTimeout that is not a
        positive TimeSpan."""
        args = dict(arguments)
        problems: list[str] = []
        try:
            if "MachineIds" in args:
                args["MachineIds"] = machine_ids_argument(args, space_id, world, required=False)
        except ArgumentError as exc:
            problems.extend(exc.problems)
        env = args.get("EnvironmentId")
        if env not in (None, ""):
            known = world.environments.get(env) if isinstance(env, str) else None
            if known is None or known.space_id != space_id:
                problems.append(f"EnvironmentId: environment {env!r} does not exist in {space_id}")
        for key in ("Timeout", "MachineTimeout"):
            try:
                _timeout(args, key)
            except ValueError as exc:
                problems.append(f"{key}: {exc}")
        if problems:
            raise ArgumentError(problems)
        return args

    def execute(self, run: TaskRun) -> Flow:
        """Check every target side by side; fail if one fails (unless its policy lets it
        be offline) or if they are not all done within Timeout."""
        args = run.task.arguments
        env = args.get("EnvironmentId") or None
        ids = args.get("MachineIds") or None
        targets = select_targets(run.world, run.task.space_id, machine_ids=ids,
                                 environment_ids=[env] if env else ())
        now = run.clock.now()
        run.log(f"Checking {len(targets)} deployment target(s)", LogCategory.Info)
        if not targets:
            run.log("There are no deployment targets to check.", LogCategory.Info)
            return None
        timeout = _timeout(args, "Timeout")
        machine_timeout = _timeout(args, "MachineTimeout")
        checks = AllOf([self._check(run, m, now + machine_timeout, machine_timeout)
                        for m in targets])
        which, outcomes = yield FirstOf(checks, Delay(timeout))
        if which == 1:
            return (f"The health check did not finish within its Timeout of "
                    f"{format_timespan(timeout)}.")
        failed = [
            m for m, status in zip(targets, outcomes, strict=True)
            if status is HealthStatus.Unhealthy
            or (status is HealthStatus.Unavailable and not run.world.policy_for(m).may_be_offline)
        ]
        if failed:
            return self.settings.error_message.format(
                count=len(failed), total=len(targets),
                machines=", ".join(m.name for m in failed),
            )
        return None

    # -- one machine ----------------------------------------------------------------------------
    def _check(
        self, run: TaskRun, machine: Machine, deadline: float, machine_timeout: float
    ) -> Flow:
        """Check one machine; return the HealthStatus it gets."""
        element = run.task.log.child(f"Check {machine.name} health", started=run.clock.now())
        reason = yield Contact(
            machine, element, deadline=deadline,
            deadline_reason=(
                f"The health check of {machine.name} did not finish within its MachineTimeout "
                f"of {format_timespan(machine_timeout)}."
            ),
        )
        if reason is not None:
            return self._outcome(run, machine, element, HealthStatus.Unavailable,
                                 self.settings.unavailable_summary, reason)
        # A health check reads the Tentacle's script mutex: it waits, holding its task slot,
        # while a FullIsolation script (a deployment step) runs there (§2.7).
        lease = yield TakeScriptMutex(machine, ScriptIsolation.NoIsolation, element)
        run.log(f"Performing health check on {machine.name}", LogCategory.Verbose, element)
        yield Delay(draw(run.stream("health", machine.id), self.settings.check_seconds))
        lease.release()
        assert machine.agent is not None
        if not machine.agent.is_up:  # it went away while being checked
            reason = f"The connection to {machine.uri} was closed while checking its health."
            run.log(reason, LogCategory.Error, element)
            return self._outcome(run, machine, element, HealthStatus.Unavailable,
                                 self.settings.unavailable_summary, reason)
        if self._flaky_fires(run, machine):
            reason = "The health check script failed (flaky health)."
            run.log(reason, LogCategory.Error, element)
            return self._outcome(run, machine, element, HealthStatus.Unhealthy,
                                 self.settings.unhealthy_summary, reason)
        run.log(f"Tentacle version {machine.tentacle_version}", LogCategory.Info, element)
        run.log(HEALTHY_SUMMARY, LogCategory.Info, element)
        return self._outcome(run, machine, element, HealthStatus.Healthy, HEALTHY_SUMMARY,
                             "health check succeeded")

    @staticmethod
    def _outcome(
        run: TaskRun, machine: Machine, element: ActivityElement, status: HealthStatus,
        summary: str, why: str,
    ) -> HealthStatus:
        record_health(run, machine, status, summary, why)
        if status is HealthStatus.Healthy:
            element.finish(run.clock.now(), ActivityStatus.Success)
        elif status is HealthStatus.Unavailable and run.world.policy_for(machine).may_be_offline:
            run.log(
                f"{machine.name} is unavailable; its machine policy lets it be offline, "
                "so it is skipped.", LogCategory.Warning, element,
            )
            element.finish(run.clock.now(), ActivityStatus.SuccessWithWarning)
        else:
            element.finish(run.clock.now(), ActivityStatus.Failed)
        return status

    def _flaky_fires(self, run: TaskRun, machine: Machine) -> bool:
        settings = self.settings
        if self.flaky_active is None:
            rate = settings.flaky_activation_rate
            self.flaky_active = rate > 0 and run.stream("health", "flaky").random() < rate
            if self.flaky_active:
                run.note(Kind.Health, "flaky health is active for this run")
        return self.flaky_active and (
            run.stream("health", machine.id).random() < settings.flaky_failure_rate
        )

_DEFAULT_TIMEOUTS = {"Timeout": 300.0, "MachineTimeout": 60.0}


def _timeout(args: Mapping[str, Any], key: str) -> float:
    raw = args.get(key)
    if raw is None or raw == "":
        return _DEFAULT_TIMEOUTS[key]
    seconds = parse_timespan(raw)
    if seconds <= 0:
        raise ValueError(f"{raw!r} must be a positive TimeSpan, e.g. \"00:01:00\"")
    return seconds
