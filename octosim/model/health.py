"""Health tasks, TimeSpan arguments, and how the server reaches a Tentacle (octopus-api.md §5–§6).

Reaching a Tentacle (:class:`Contact`) is shared by every task that talks to one. A listening
Tentacle whose service is down refuses the connection; Halibut tries 5 times, 1 s apart, and
then the machine policy's "recover from communication errors" waits ``retry_interval`` and
tries again, for up to ``retry_window`` seconds (150 s by default). A polling Tentacle
collects the request as soon as it is back, or the request times out after 2 minutes.

A machine's ``HealthStatus``, ``StatusSummary`` and ``LastChecked`` change only through
:func:`record_health`: called with the outcome of a health check, or with ``Unavailable``
when a task fails to reach the machine (§5). A machine marked ``Unavailable`` stays so after
its Tentacle returns, until a health check succeeds.

Flaky health is drawn in two levels so rare combinations appear: once per simulation,
whether flakiness is *active* (``flaky_activation_rate``); then, if it is, for each check
of a reachable machine, whether this check *fails* (``flaky_failure_rate``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from octosim.clock import ScheduledCall
from octosim.journal import Kind
from octosim.model.agents import Span, draw, span
from octosim.model.datetext import long_date
from octosim.model.executors import ArgumentError, TaskRun, machine_ids_argument
from octosim.model.states import HealthStatus, ServiceState
from octosim.model.tasks import ActivityElement, ActivityStatus, LogCategory
from octosim.model.world import CommunicationStyle

if TYPE_CHECKING:
    from octosim.model.agents import TentacleService
    from octosim.model.world import Machine, MachinePolicy, World

__all__ = [
    "HALIBUT_ATTEMPTS",
    "HALIBUT_RETRY_DELAY",
    "HEALTHY_SUMMARY",
    "POLLING_TIMEOUT",
    "Contact",
    "HealthExecutor",
    "HealthSettings",
    "format_timespan",
    "parse_timespan",
    "record_health",
]

#: Halibut's connection attempts per request to a listening Tentacle, and the pause between.
HALIBUT_ATTEMPTS = 5
HALIBUT_RETRY_DELAY = 1.0
#: How long a request waits for a polling Tentacle to collect it.
POLLING_TIMEOUT = 120.0
HEALTHY_SUMMARY = "This machine was successfully health checked."

_TIMESPAN = re.compile(
    r"""\s*(?P<sign>-)?(?:
        (?P<days_only>\d+)
      | (?:(?P<days>\d+)\.)?(?P<h>\d{1,2}):(?P<m>\d{1,2})(?::(?P<s>\d{1,2})(?:\.(?P<f>\d{1,7}))?)?
    )\s*""",
    re.VERBOSE,
)
_TIMESPAN_FORM = '[-][d.]hh:mm:ss[.fffffff], e.g. "00:05:00"'


def parse_timespan(text: str) -> float:
    """Return the seconds in a .NET TimeSpan string, as ``TimeSpan.Parse`` reads it.

    Accepts ``[-][d.]hh:mm[:ss[.fffffff]]`` and a bare day count: ``"00:05:00"``,
    ``"0:05:00"``, ``"1.00:00:00"``, ``"00:00:30.5"``, ``"-00:01:00"``, ``"2"``.
    Raises ValueError saying what is wrong (not a string, the wrong shape, hours > 23,
    minutes or seconds > 59).
    """
    if not isinstance(text, str):
        raise ValueError(f"expected a TimeSpan string ({_TIMESPAN_FORM}), got {text!r}")
    return _parse_timespan(text)


@lru_cache(maxsize=256)  # clients send the same few TimeSpans ("00:01:00") again and again
def _parse_timespan(text: str) -> float:
    match = _TIMESPAN.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not a TimeSpan; use {_TIMESPAN_FORM}")
    parts = match.groupdict()
    if parts["days_only"] is not None:
        seconds = int(parts["days_only"]) * 86_400.0
    else:
        h, m, s = int(parts["h"]), int(parts["m"]), int(parts["s"] or 0)
        if h > 23 or m > 59 or s > 59:
            raise ValueError(
                f"{text!r} is out of range: hours must be 0-23, minutes and seconds 0-59"
            )
        fraction = int((parts["f"] or "0").ljust(7, "0")) / 10_000_000
        seconds = int(parts["days"] or 0) * 86_400 + h * 3600 + m * 60 + s + fraction
    return -seconds if parts["sign"] else seconds


def format_timespan(seconds: float) -> str:
    """Return ``seconds`` as .NET's constant TimeSpan format: ``00:01:00``, ``1.00:00:00``,
    ``00:00:01.5000000`` (the inverse of :func:`parse_timespan` for what it returns)."""
    sign = "-" if seconds < 0 else ""
    ticks = round(abs(seconds) * 10_000_000)
    whole, fraction = divmod(ticks, 10_000_000)
    days, rest = divmod(whole, 86_400)
    h, rest = divmod(rest, 3600)
    m, s = divmod(rest, 60)
    return (
        sign + (f"{days}." if days else "") + f"{h:02d}:{m:02d}:{s:02d}"
        + (f".{fraction:07d}" if fraction else "")
    )


def _seconds(value: float) -> str:
    return f"{value:.0f}" if value == int(value) else f"{value:g}"


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


def record_health(
    run: TaskRun, machine: Machine, status: HealthStatus, summary: str, why: str
) -> None:
    """Set ``machine``'s HealthStatus, StatusSummary and LastChecked to the outcome of a
    health interaction during ``run``'s task, now, and remember it on its agent (the
    invariants compare the two). ``summary`` may contain ``{last_checked}``. The journal
    says what changed and why."""
    now = run.clock.now()
    old = machine.health_status
    machine.health_status = status
    # Render the date only for a summary that has a field for it (most have none).
    machine.status_summary = (
        summary.format(last_checked=long_date(run.clock.wall(now)))
        if "{" in summary or "}" in summary else summary
    )
    machine.last_checked = now
    if machine.agent is not None:
        machine.agent.last_health = (now, status)
    change = f"{old} → {status}" if old is not status else f"stays {status}"
    run.note(Kind.Health, f"{run.task.id}: {machine.name} HealthStatus {change} ({why})",
             machine.id)


class Contact:
    """One attempt by a task to reach ``machine``'s Tentacle, with every retry of §6.

    Calls ``on_done(True, "")`` once the Tentacle answers, or ``on_done(False, reason)``
    when the retries run out or ``deadline`` (virtual time) passes. Each failed attempt is
    logged to ``element`` as the real server logs it. All its timers belong to ``run``, so
    cancelling the task stops it.
    """

    def __init__(
        self,
        run: TaskRun,
        machine: Machine,
        element: ActivityElement,
        on_done: Callable[[bool, str], None],
        *,
        deadline: float | None = None,
        deadline_reason: str = "",
    ) -> None:
        if machine.agent is None:
            raise RuntimeError(f"{machine.name} has no Tentacle agent: call install_tentacles")
        self.run = run
        self.machine = machine
        self.agent = machine.agent
        self.element = element
        self._on_done = on_done
        self._deadline = deadline
        self._deadline_reason = deadline_reason
        self._started = 0.0
        self._done = False
        self._calls: list[ScheduledCall] = []
        self._unwatch: Callable[[], None] | None = None

    @property
    def policy(self) -> MachinePolicy:
        """The machine policy whose retry settings govern this contact."""
        return self.run.world.policy_for(self.machine)

    def start(self) -> None:
        """Begin trying (the first attempt happens now)."""
        if self.agent.is_up:  # answers at once (listening or polling): nothing to arm
            self._done = True
            if not self.run.finished:
                self._on_done(True, "")
            return
        self._started = self.run.clock.now()
        self.run.on_cancel(self._stop)
        if self._deadline is not None:
            self._later(self._deadline - self._started, self._timed_out)
        self._round()

    # -- one round of Halibut attempts --------------------------------------------------------
    def _round(self) -> None:
        if self.machine.communication_style is CommunicationStyle.Polling:
            self._poll()
        else:
            self._attempt(1)

    def _attempt(self, n: int) -> None:
        if self._done:
            return
        if self.agent.is_up:
            self._finish(True, "")
            return
        self._log(
            f"The remote host at {self.machine.uri} refused the connection. This may mean "
            "that the expected listening service is not running.",
            LogCategory.Verbose,
        )
        if n < HALIBUT_ATTEMPTS:
            self._later(HALIBUT_RETRY_DELAY, lambda: self._attempt(n + 1))
        else:
            self._round_failed()

    def _poll(self) -> None:
        if self.agent.is_up:
            self._finish(True, "")
            return
        # The request waits in the polling queue until the Tentacle comes back for it.
        def collected(service: TentacleService, old: ServiceState, new: ServiceState) -> None:
            if service is self.agent.instance and new is ServiceState.Running and not self._done:
                self._drop_watch()
                timer.cancel()
                self._finish(True, "")

        def timed_out() -> None:
            self._drop_watch()
            self._log(
                "A request was sent to a polling endpoint, but the polling endpoint did not "
                f"collect the request within the allowed time ({format_timespan(POLLING_TIMEOUT)}),"
                " so the request timed out.",
                LogCategory.Verbose,
            )
            self._round_failed()

        self._unwatch = self.agent.watch(collected)
        timer = self._later(POLLING_TIMEOUT, timed_out)

    def _round_failed(self) -> None:
        now = self.run.clock.now()
        elapsed = now - self._started
        policy = self.policy
        interval = policy.retry_interval
        if elapsed + interval < policy.retry_window:
            self._log(
                "An error occurred communicating with Tentacle. This action will be retried "
                f"after {_seconds(interval)} seconds...",
                LogCategory.Warning,
            )
            self._later(interval, self._round)
            return
        reason = (
            f"Could not communicate with Tentacle after {elapsed:.0f} seconds. "
            "No more retries will be attempted."
        )
        self._log(reason, LogCategory.Error)
        self._finish(False, reason)

    def _timed_out(self) -> None:
        self._log(self._deadline_reason, LogCategory.Error)
        self._finish(False, self._deadline_reason)

    # -- bookkeeping ----------------------------------------------------------------------------
    def _later(self, delay: float, callback: Callable[[], object]) -> ScheduledCall:
        call = self.run.call_later(delay, callback)
        self._calls.append(call)
        return call

    def _log(self, message: str, category: LogCategory) -> None:
        self.run.log(message, category, self.element)

    def _drop_watch(self) -> None:
        if self._unwatch is not None:
            self._unwatch()
            self._unwatch = None

    def _stop(self) -> None:
        self._done = True
        self._drop_watch()
        for call in self._calls:
            call.cancel()

    def _finish(self, connected: bool, reason: str) -> None:
        if self._done:
            return
        self._stop()
        if not self.run.finished:  # the task may have ended meanwhile (its Timeout)
            self._on_done(connected, reason)


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
    # Drawn once per simulation on the first check: is flakiness active for this run?
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

    def start(self, run: TaskRun) -> None:
        """Check every target at once; end the task when all are done or Timeout passes."""
        args = run.task.arguments
        targets = self._targets(args, run.task.space_id, run.world)
        now = run.clock.now()
        run.log(f"Checking {len(targets)} deployment target(s)", LogCategory.Info)
        if not targets:
            run.log("There are no deployment targets to check.", LogCategory.Info)
            run.succeed()
            return
        timeout = _timeout(args, "Timeout")
        machine_timeout = _timeout(args, "MachineTimeout")
        outcomes: dict[str, HealthStatus] = {}

        def done(machine: Machine, status: HealthStatus) -> None:
            outcomes[machine.id] = status
            if len(outcomes) == len(targets):
                self._finish(run, targets, outcomes)

        for machine in targets:
            self._check(run, machine, now + machine_timeout, machine_timeout, done)

        def task_timed_out() -> None:
            run.fail(
                f"The health check did not finish within its Timeout of {format_timespan(timeout)}."
            )

        run.call_later(timeout, task_timed_out)

    # -- one machine ----------------------------------------------------------------------------
    def _check(
        self, run: TaskRun, machine: Machine, deadline: float, machine_timeout: float,
        done: Callable[[Machine, HealthStatus], None],
    ) -> None:
        element = run.task.log.child(f"Check {machine.name} health", started=run.clock.now())
        policy = run.world.policy_for(machine)

        def outcome(status: HealthStatus, summary: str, why: str) -> None:
            record_health(run, machine, status, summary, why)
            if status is HealthStatus.Healthy:
                element.finish(run.clock.now(), ActivityStatus.Success)
            elif status is HealthStatus.Unavailable and policy.may_be_offline:
                run.log(
                    f"{machine.name} is unavailable; its machine policy lets it be offline, "
                    "so it is skipped.", LogCategory.Warning, element,
                )
                element.finish(run.clock.now(), ActivityStatus.SuccessWithWarning)
            else:
                element.finish(run.clock.now(), ActivityStatus.Failed)
            done(machine, status)

        def connected(ok: bool, reason: str) -> None:
            if not ok:
                outcome(HealthStatus.Unavailable, self.settings.unavailable_summary, reason)
                return
            run.log(f"Performing health check on {machine.name}", LogCategory.Verbose, element)
            run.call_later(draw(run.rng, self.settings.check_seconds), checked)

        def checked() -> None:
            assert machine.agent is not None
            if not machine.agent.is_up:  # it went away while being checked
                reason = f"The connection to {machine.uri} was closed while checking its health."
                run.log(reason, LogCategory.Error, element)
                outcome(HealthStatus.Unavailable, self.settings.unavailable_summary, reason)
            elif self._flaky_fires(run):
                reason = "The health check script failed (flaky health)."
                run.log(reason, LogCategory.Error, element)
                outcome(HealthStatus.Unhealthy, self.settings.unhealthy_summary, reason)
            else:
                run.log(f"Tentacle version {machine.tentacle_version}", LogCategory.Info, element)
                run.log(HEALTHY_SUMMARY, LogCategory.Info, element)
                outcome(HealthStatus.Healthy, HEALTHY_SUMMARY, "health check succeeded")

        Contact(
            run, machine, element, connected, deadline=deadline,
            deadline_reason=(
                f"The health check of {machine.name} did not finish within its MachineTimeout "
                f"of {format_timespan(machine_timeout)}."
            ),
        ).start()

    def _flaky_fires(self, run: TaskRun) -> bool:
        settings = self.settings
        if self.flaky_active is None:
            rate = settings.flaky_activation_rate
            self.flaky_active = rate > 0 and run.rng.random() < rate
            if self.flaky_active:
                run.note(Kind.Health, "flaky health is active for this run")
        return self.flaky_active and run.rng.random() < settings.flaky_failure_rate

    def _finish(
        self, run: TaskRun, targets: list[Machine], outcomes: Mapping[str, HealthStatus]
    ) -> None:
        failed = [
            m for m in targets
            if outcomes[m.id] is HealthStatus.Unhealthy
            or (outcomes[m.id] is HealthStatus.Unavailable
                and not run.world.policy_for(m).may_be_offline)
        ]
        if failed:
            run.fail(self.settings.error_message.format(
                count=len(failed), total=len(targets),
                machines=", ".join(m.name for m in failed),
            ))
        else:
            run.succeed()

    @staticmethod
    def _targets(args: Mapping[str, Any], space_id: str, world: World) -> list[Machine]:
        env = args.get("EnvironmentId") or None
        ids = args.get("MachineIds") or []
        if ids:
            machines = [world.machines[i] for i in ids if i in world.machines]
            return [m for m in machines if env is None or env in m.environment_ids]
        return [
            m for m in world.machines.values()
            if m.space_id == space_id and not m.is_disabled
            and (env is None or env in m.environment_ids)
        ]


_DEFAULT_TIMEOUTS = {"Timeout": 300.0, "MachineTimeout": 60.0}


def _timeout(args: Mapping[str, Any], key: str) -> float:
    raw = args.get(key)
    if raw is None or raw == "":
        return _DEFAULT_TIMEOUTS[key]
    seconds = parse_timespan(raw)
    if seconds <= 0:
        raise ValueError(f"{raw!r} must be a positive TimeSpan, e.g. \"00:01:00\"")
    return seconds
