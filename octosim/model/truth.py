"""The simulator's truth about a Tentacle: what really happened, not what a client was told.

A restart client can only *believe* a restart happened (a task succeeded, a witness read
back changed). The model *knows*. :class:`TentacleTruth` watches one machine's Tentacle
from the moment it is made and answers, at any later moment: did the registered instance
restart (its process start time, the witness, changed), when did each new process start
and run, how many starts failed, when did it first go down, and the whole history of
service states. It reads only the model, never the API, and changes nothing::

    with TentacleTruth(machine, sim.clock) as truth:
        ...  # run the restart client
    assert truth.restarted and truth.restarts()[0].running < truth.clock.now()
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from octosim.model.states import ServiceState
from octosim.model.witness import WitnessStyle, format_process_start

if TYPE_CHECKING:
    from octosim.clock import VirtualClock
    from octosim.model.agents import TentacleAgent, TentacleService
    from octosim.model.world import Machine

__all__ = ["ServiceChange", "ServiceRestart", "TentacleTruth"]


class ServiceChange(NamedTuple):
    """One service state change: when (virtual seconds), which service, from and to."""

    at: float
    service: str
    old: ServiceState
    new: ServiceState


class ServiceRestart(NamedTuple):
    """A new Tentacle process: launched at ``launched`` (the new witness), ``Running``
    from ``running`` (virtual seconds)."""

    service: str
    launched: float
    running: float


class TentacleTruth:
    """What happens to ``machine``'s Tentacle services from now on (see the module).

    Use it as a context manager, or call :meth:`close` when done watching; what was seen
    stays readable. Raises ValueError if the machine has no Tentacle agent.
    """

    def __init__(self, machine: Machine, clock: VirtualClock) -> None:
        agent = machine.agent
        if agent is None:
            raise ValueError(f"machine {machine.id} has no Tentacle agent")
        self.machine = machine
        self.clock = clock
        self._agent: TentacleAgent = agent
        #: Virtual time the watch began.
        self.since = clock.now()
        #: The registered instance's witness (process start time) when the watch began.
        self.witness_before = agent.witness
        #: Every running process's start time, by service name, when the watch began.
        self.process_start_times_before = agent.process_start_times
        self._changes: list[ServiceChange] = []
        self._restarts: list[ServiceRestart] = []
        self._unwatch = agent.watch(self._seen)

    def __enter__(self) -> TentacleTruth:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop watching (what was seen stays readable). Closing twice is harmless."""
        self._unwatch()

    def _seen(self, service: TentacleService, old: ServiceState, new: ServiceState) -> None:
        now = self.clock.now()
        self._changes.append(ServiceChange(now, service.name, old, new))
        if old is ServiceState.StartPending and new is ServiceState.Running:
            # process_started is the launch (StartPending began): the witness a probe reads.
            self._restarts.append(ServiceRestart(service.name, service.process_started, now))

    # -- the registered instance (the machine's Tentacle) -------------------------------------
    @property
    def service(self) -> str:
        """The service (or unit) name of the instance registered as the machine."""
        return self._agent.instance.name

    @property
    def witness(self) -> float:
        """The registered instance's witness now."""
        return self._agent.witness

    @property
    def restarted(self) -> bool:
        """True once the registered instance's witness differs from the one at the start."""
        return self._agent.witness != self.witness_before

    @property
    def is_up(self) -> bool:
        """True while the registered instance is Running (the machine is reachable)."""
        return self._agent.is_up

    @property
    def went_down(self) -> float | None:
        """When the registered instance first left Running during the watch, or None."""
        for change in self._changes:
            if change.service == self.service and change.old is ServiceState.Running:
                return change.at
        return None

    # -- any service -----------------------------------------------------------------------------
    def service_of(self, instance: str | None) -> str | None:
        """Return the service name of Tentacle instance ``instance`` (case-insensitive;
        None: the registered one), or None if the machine has no such instance."""
        if instance is None:
            return self.service
        for service in self._agent.services.values():
            if service.instance.lower() == instance.lower():
                return service.name
        return None

    def changes(self, service: str | None = None) -> tuple[ServiceChange, ...]:
        """Every state change seen, in order (only ``service``'s if given)."""
        return tuple(c for c in self._changes if service is None or c.service == service)

    def restarts(self, service: str | None = None) -> tuple[ServiceRestart, ...]:
        """Every new process seen (only ``service``'s if given), in order."""
        return tuple(r for r in self._restarts if service is None or r.service == service)

    def failed_starts(self, service: str | None = None) -> int:
        """How many starts ended Stopped instead of Running (the registered instance's
        unless ``service`` is given)."""
        name = self.service if service is None else service
        return sum(1 for c in self._changes if c.service == name
                   and c.old is ServiceState.StartPending and c.new is ServiceState.Stopped)

    def state(self, service: str | None = None) -> ServiceState:
        """The current state of ``service`` (default: the registered instance)."""
        name = self.service if service is None else service
        return self._agent.services[name].state

    @property
    def process_start_times(self) -> dict[str, float]:
        """Every running Tentacle process's start time now, by service name."""
        return self._agent.process_start_times

    def witness_text(self, t: float, style: WitnessStyle = "powershell") -> str:
        """Return process start time ``t`` as a script would print it."""
        return format_process_start(self.clock.wall(t), style)
