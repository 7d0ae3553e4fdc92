"""How the server reaches a Tentacle (octopus-api.md §5–§6), for every task that talks to one.

A listening Tentacle whose service is down refuses the connection; Halibut tries 5 times,
1 s apart, and then the machine policy's "recover from communication errors" waits
``retry_interval`` and tries again, for up to ``retry_window`` seconds (150 s by default).
A polling Tentacle collects the request as soon as it is back, or the request times out
after 2 minutes.

A machine's ``HealthStatus``, ``StatusSummary`` and ``LastChecked`` change only through
:func:`record_health`: called with the outcome of a health check, or with ``Unavailable``
when a task fails to reach the machine (§5). A machine marked ``Unavailable`` stays so after
its Tentacle returns, until a health check succeeds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from octosim.journal import Kind
from octosim.model.agents import HealthRecord
from octosim.model.datetext import long_date
from octosim.model.executors import Delay, FirstOf, Flow, Resume, Subflow, TaskRun
from octosim.model.states import HealthStatus, ServiceState
from octosim.model.tasks import ActivityElement, LogCategory
from octosim.model.timespan import format_timespan
from octosim.model.world import CommunicationStyle

if TYPE_CHECKING:
    from octosim.model.agents import TentacleAgent, TentacleService
    from octosim.model.world import Machine

__all__ = [
    "HALIBUT_ATTEMPTS",
    "HALIBUT_RETRY_DELAY",
    "POLLING_TIMEOUT",
    "Contact",
    "TentacleBack",
    "record_health",
]

#: Halibut's connection attempts per request to a listening Tentacle, and the pause between.
HALIBUT_ATTEMPTS = 5
HALIBUT_RETRY_DELAY = 1.0
#: How long a request waits for a polling Tentacle to collect it.
POLLING_TIMEOUT = 120.0


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
        machine.agent.last_health = HealthRecord(now, status)
    change = f"{old} → {status}" if old is not status else f"stays {status}"
    run.note(Kind.Health, f"{run.task.id}: {machine.name} HealthStatus {change} ({why})",
             machine.id)


class TentacleBack:
    """A wait for ``agent``'s registered instance to be Running again (a polling Tentacle
    coming back for its requests); resumes with None."""

    def __init__(self, agent: TentacleAgent) -> None:
        self.agent = agent

    def begin(self, run: TaskRun, resume: Resume) -> Callable[[], None]:
        """Watch the agent's services until the registered instance is Running."""
        agent = self.agent

        def seen(service: TentacleService, old: ServiceState, new: ServiceState) -> None:
            if service is agent.instance and new is ServiceState.Running:
                unwatch()
                resume(None)

        unwatch = agent.watch(seen)
        return unwatch


class Contact:
    """A wait: a task reaching ``machine``'s Tentacle, with every retry of §6.

    Resumes with None once the Tentacle answers, or with the reason it could not be
    reached: the retries ran out, or ``deadline`` (virtual time) passed (the reason is
    then ``deadline_reason``). Each failed attempt is logged to ``element`` as the real
    server logs it. Raises RuntimeError when it begins if the machine has no agent.
    """

    def __init__(
        self,
        machine: Machine,
        element: ActivityElement,
        *,
        deadline: float | None = None,
        deadline_reason: str = "",
    ) -> None:
        self.machine = machine
        self.element = element
        self.deadline = deadline
        self.deadline_reason = deadline_reason

    @staticmethod
    def at_once(machine: Machine) -> bool:
        """True if a task reaches ``machine``'s Tentacle at once (it is up, listening or
        polling): a Contact would resume with None without waiting. A flow can then skip the
        wait: ``None if Contact.at_once(m) else (yield Contact(m, element))``."""
        agent = machine.agent
        return agent is not None and agent.is_up

    def begin(self, run: TaskRun, resume: Resume) -> Callable[[], None]:
        """Start trying (the first attempt happens now)."""
        if self.at_once(self.machine):
            resume(None)
            return _nothing
        return Subflow(self._reach(run)).begin(run, resume)

    def _reach(self, run: TaskRun) -> Flow:
        agent = self.machine.agent
        if agent is None:
            raise RuntimeError(
                f"{self.machine.name} has no Tentacle agent: call install_tentacles"
            )
        started = run.clock.now()
        if self.deadline is None:
            return (yield from self._rounds(run, agent, started))
        which, reason = yield FirstOf(
            Delay(self.deadline - started), self._rounds(run, agent, started)
        )
        if which == 0:
            self._log(run, self.deadline_reason, LogCategory.Error)
            return self.deadline_reason
        return reason

    def _rounds(self, run: TaskRun, agent: TentacleAgent, started: float) -> Flow:
        """Rounds of Halibut attempts, the machine policy's pause between them."""
        while True:
            if agent.is_up:
                return None
            if self.machine.communication_style is CommunicationStyle.Polling:
                # The request waits in the polling queue until the Tentacle comes back for it.
                which, _ = yield FirstOf(TentacleBack(agent), Delay(POLLING_TIMEOUT))
                if which == 0:
                    return None
                self._log(
                    run,
                    "A request was sent to a polling endpoint, but the polling endpoint did "
                    "not collect the request within the allowed time "
                    f"({format_timespan(POLLING_TIMEOUT)}), so the request timed out.",
                    LogCategory.Verbose,
                )
            else:
                for attempt in range(1, HALIBUT_ATTEMPTS + 1):
                    if agent.is_up:
                        return None
                    self._log(
                        run,
                        f"The remote host at {self.machine.uri} refused the connection. This "
                        "may mean that the expected listening service is not running.",
                        LogCategory.Verbose,
                    )
                    if attempt < HALIBUT_ATTEMPTS:
                        yield Delay(HALIBUT_RETRY_DELAY)
            elapsed = run.clock.now() - started
            policy = run.world.policy_for(self.machine)
            if elapsed + policy.retry_interval >= policy.retry_window:
                reason = (
                    f"Could not communicate with Tentacle after {elapsed:.0f} seconds. "
                    "No more retries will be attempted."
                )
                self._log(run, reason, LogCategory.Error)
                return reason
            self._log(
                run,
                "An error occurred communicating with Tentacle. This action will be retried "
                f"after {_seconds(policy.retry_interval)} seconds...",
                LogCategory.Warning,
            )
            yield Delay(policy.retry_interval)

    def _log(self, run: TaskRun, message: str, category: LogCategory) -> None:
        run.log(message, category, self.element)


def _nothing() -> None:
    """Nothing to stop: the Tentacle answered at once."""


def _seconds(value: float) -> str:
    return f"{value:.0f}" if value == int(value) else f"{value:g}"
