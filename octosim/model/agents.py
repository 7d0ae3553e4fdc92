"""Tentacle agents: the Windows services or systemd units behind a machine, and the witness.

A :class:`TentacleAgent` is what a deployment target runs: one or more Tentacle *instances*,
each a Windows service (``OctopusDeploy Tentacle`` for the default instance,
``OctopusDeploy Tentacle: NAME`` for a named one) or a systemd unit (``Tentacle.service``,
``NAME.service`` with whitespace runs turned into ``-``), named exactly as real ones are
(octopus-api.md §7). One of them, :attr:`TentacleAgent.instance`, is the instance registered
as the machine: the machine is reachable only while that one is ``Running``.

Every service change goes through :data:`~octosim.model.states.SERVICE_TRANSITIONS` and is
journalled (``Kind.Service``). Each real start launches a new process with a new start time:
that start time is the *restart witness*, the one thing a restart client can read to prove a
restart happened. Durations and the chance a start fails are drawn from the agent's own random
stream (:mod:`octosim.model.randomness`), so a seed replays exactly and another agent's draws
never shift this one's.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, NamedTuple, Protocol

from octosim.journal import Kind
from octosim.model.durations import Span, draw, span
from octosim.model.machine_environment import MachineEnvironment
from octosim.model.states import SERVICE_TRANSITIONS, HealthStatus, ServiceState, check
from octosim.model.wildcard import wildcard_match
from octosim.model.witness import format_process_start

if TYPE_CHECKING:
    import random

    from octosim.clock import VirtualClock
    from octosim.journal import Journal
    from octosim.model.randomness import Streams
    from octosim.model.scripts import ServiceTarget

__all__ = [
    "DEFAULT_INSTANCE",
    "INITIAL_PROCESS_START",
    "WINDOWS_SERVICE",
    "AgentBinding",
    "AgentHost",
    "HealthRecord",
    "ServiceTiming",
    "ServiceWatcher",
    "TentacleAgent",
    "TentacleService",
    "service_name",
]

#: Tentacle's own name for the instance created without ``--instance``.
DEFAULT_INSTANCE = "Tentacle"
#: The Windows service name of the default instance; a named one appends ``: NAME``.
WINDOWS_SERVICE = "OctopusDeploy Tentacle"
#: Virtual time at which every agent's processes were started before the simulation began:
#: a day before the epoch, with a fraction so the witness shows all its digits
#: (``2024-01-14T09:00:17.2050000+00:00``). Fixed, not drawn, so building an agent consumes
#: no random numbers and a scenario's world equals the default one draw for draw.
INITIAL_PROCESS_START = -86_400.0 + 17.205

#: Called on every service change: ``(service, old state, new state)``.
ServiceWatcher = Callable[["TentacleService", ServiceState, ServiceState], None]


class AgentHost(Protocol):
    """What an agent needs of the machine it runs on (a :class:`~octosim.model.world.Machine`
    is one): the world sits below the agents and knows nothing of them but this slot."""

    id: str
    name: str
    os_family: str
    agent: TentacleAgent | None


class AgentBinding(Protocol):
    """Where a bound agent takes time, randomness and its journal from (a
    :class:`~octosim.model.engine.TaskEngine` is one)."""

    @property
    def clock(self) -> VirtualClock: ...

    @property
    def streams(self) -> Streams: ...

    @property
    def journal(self) -> Journal: ...


def service_name(os_family: str, instance: str) -> str:
    """Return the Windows service or systemd unit name of Tentacle instance ``instance``.

    >>> service_name("Windows", "Tentacle"), service_name("Windows", "Web")
    ('OctopusDeploy Tentacle', 'OctopusDeploy Tentacle: Web')
    >>> service_name("Linux", "Tentacle"), service_name("Linux", "My  App")
    ('Tentacle.service', 'My-App.service')
    """
    if os_family == "Windows":
        default = instance.lower() == DEFAULT_INSTANCE.lower()
        return WINDOWS_SERVICE if default else f"{WINDOWS_SERVICE}: {instance}"
    return "-".join(instance.split()) + ".service"


class HealthRecord(NamedTuple):
    """The outcome of a machine's last health interaction: when, and the status it set."""

    at: float
    status: HealthStatus


@dataclass(frozen=True)
class ServiceTiming:
    """How an agent's services behave; every duration is a Span in virtual seconds.

    - ``stop_seconds``: Running → Stopped (StopPending in between).
    - ``start_seconds``: Stopped → Running (StartPending in between).
    - ``startup_delay``: a detached restart's new process (``Start-Process powershell.exe``,
      ``nohup``) takes this long to start before its own sleep begins.
    - ``script_seconds``: how long an ad-hoc script that does nothing special runs.
    - ``fail_to_start_rate``: the chance a start ends Stopped instead of Running.
    - ``watchdog_interval``: seconds after a failed start until a watchdog
      (``Tentacle.exe watchdog``) starts the service again; None: no watchdog, it stays down.
    """

    stop_seconds: Span = (2.0, 5.0)
    start_seconds: Span = (5.0, 15.0)
    startup_delay: Span = (1.0, 1.0)
    script_seconds: Span = (0.5, 1.5)
    fail_to_start_rate: float = 0.0
    watchdog_interval: float | None = None

    def __post_init__(self) -> None:
        for name in ("stop_seconds", "start_seconds", "startup_delay", "script_seconds"):
            object.__setattr__(self, name, span(getattr(self, name)))
        if not 0.0 <= self.fail_to_start_rate <= 1.0:
            raise ValueError(f"fail_to_start_rate must be in [0, 1], not {self.fail_to_start_rate}")
        if self.watchdog_interval is not None and not (
            math.isfinite(self.watchdog_interval) and self.watchdog_interval > 0
        ):
            raise ValueError(f"watchdog_interval must be > 0 seconds, not {self.watchdog_interval}")


@dataclass
class TentacleService:
    """One Tentacle instance's service (Windows) or unit (Linux).

    ``process_started``: virtual time the current (or last) process was launched, the
    restart witness. ``starts``: how many times it was launched during the simulation.
    """

    name: str
    instance: str
    state: ServiceState = ServiceState.Running
    process_started: float = INITIAL_PROCESS_START
    starts: int = 0

    @property
    def has_process(self) -> bool:
        """True while a Tentacle process exists (any state but Stopped)."""
        return self.state is not ServiceState.Stopped


class TentacleAgent:
    """The Tentacle software on one machine: its services, their timing and the witness.

    Building one attaches it to ``machine`` (``machine.agent``). ``instances`` are Tentacle
    instance names (``"Tentacle"`` is the default instance); ``registered`` names the one the
    machine is (default: the first). ``environment``: the machine's environment store and
    the snapshot the registered instance took when it last started (default: the OS's fresh
    one); ``powershell_core``: whether ``pwsh`` is installed, which a Linux machine needs to
    run PowerShell scripts (default: not). It acts on the clock only once bound to an engine
    (:meth:`bind`, done by :func:`~octosim.model.install.install_tentacles`). Raises
    ValueError for no instances, duplicate names or an unknown ``registered``.
    """

    def __init__(
        self,
        machine: AgentHost,
        instances: Sequence[str] = (DEFAULT_INSTANCE,),
        *,
        timing: ServiceTiming | None = None,
        registered: str | None = None,
        environment: MachineEnvironment | None = None,
        powershell_core: bool = False,
    ) -> None:
        if not instances:
            raise ValueError(f"{machine.name}: an agent needs at least one Tentacle instance")
        self.machine = machine
        self.timing = timing or ServiceTiming()
        self.services: dict[str, TentacleService] = {}
        for i, instance in enumerate(instances):
            name = service_name(machine.os_family, instance)
            if any(n.lower() == name.lower() for n in self.services):
                raise ValueError(f"{machine.name}: instance {instance!r} is listed twice")
            # A small per-instance offset: two instances never share a start time.
            self.services[name] = TentacleService(
                name, instance, process_started=INITIAL_PROCESS_START + 0.731 * i
            )
        wanted = registered if registered is not None else instances[0]
        by_instance = {s.instance.lower(): s for s in self.services.values()}
        if wanted.lower() not in by_instance:
            raise ValueError(
                f"{machine.name}: registered instance {wanted!r} is not one of {list(instances)}"
            )
        self.instance = by_instance[wanted.lower()]
        self.environment = environment or MachineEnvironment(machine.os_family)
        self.powershell_core = powershell_core
        # The outcome of the machine's last health interaction, written with its HealthStatus
        # by contact.record_health; the invariants check that the two agree.
        self.last_health: HealthRecord | None = None
        self._engine: AgentBinding | None = None
        self._watchers: list[ServiceWatcher] = []
        machine.agent = self

    def __repr__(self) -> str:
        states = ", ".join(f"{s.name!r}: {s.state}" for s in self.services.values())
        return f"TentacleAgent({self.machine.name!r}, {{{states}}})"

    # -- wiring -----------------------------------------------------------------------------
    def bind(self, engine: AgentBinding) -> None:
        """Use ``engine``'s clock, journal and random streams from now on."""
        self._engine = engine

    @property
    def _bound(self) -> AgentBinding:
        if self._engine is None:
            raise RuntimeError(
                f"the agent on {self.machine.name} is not bound to a simulation: "
                "call install_tentacles(engine) or agent.bind(engine) first"
            )
        return self._engine

    @property
    def clock(self) -> VirtualClock:
        """The simulation's clock (raises RuntimeError before :meth:`bind`)."""
        return self._bound.clock

    @property
    def rng(self) -> random.Random:
        """This agent's own random stream (``"agent", machine id``): its stop and start
        durations, fail-to-start draws and script timings (raises RuntimeError before
        :meth:`bind`)."""
        return self._bound.streams.stream("agent", self.machine.id)

    @property
    def journal(self) -> Journal:
        """The simulation's journal (raises RuntimeError before :meth:`bind`)."""
        return self._bound.journal

    def watch(self, watcher: ServiceWatcher) -> Callable[[], None]:
        """Call ``watcher`` on every service change; return a function that stops it."""
        self._watchers.append(watcher)

        def unwatch() -> None:
            if watcher in self._watchers:
                self._watchers.remove(watcher)

        return unwatch

    # -- what a client can observe ----------------------------------------------------------
    @property
    def os_family(self) -> str:
        """``Windows`` or ``Linux`` (the machine's)."""
        return self.machine.os_family

    @property
    def is_up(self) -> bool:
        """True while the instance registered as the machine is Running."""
        return self.instance.state is ServiceState.Running

    @property
    def witness(self) -> float:
        """The registered instance's process start time (virtual seconds): the witness."""
        return self.instance.process_started

    @property
    def process_start_times(self) -> dict[str, float]:
        """Start time of each running Tentacle process, by service name, in name order."""
        return {
            s.name: s.process_started
            for s in sorted(self.services.values(), key=lambda s: s.name)
            if s.has_process
        }

    def matching(self, target: ServiceTarget) -> list[TentacleService]:
        """Return the services ``target`` names on this agent, in name order.

        ``windows-service``: PowerShell wildcards on Windows service names (nothing on Linux).
        ``systemd-unit``: systemctl's case-sensitive globs on unit names, the ``.service``
        suffix optional (nothing on Windows). ``tentacle-instance``: ``Tentacle service
        --instance NAME`` (case-insensitive; ``*`` is every instance).
        """
        services = sorted(self.services.values(), key=lambda s: s.name)
        if target.kind == "windows-service":
            if self.os_family != "Windows":
                return []
            return [s for s in services if wildcard_match(target.name, s.name)]
        if target.kind == "systemd-unit":
            if self.os_family != "Linux":
                return []
            pattern = target.name if target.name.endswith(".service") else target.name + ".service"
            return [s for s in services if fnmatchcase(s.name, pattern)]
        if target.name == "*":
            return services
        return [s for s in services if s.instance.lower() == target.name.lower()]

    # -- what scripts do ----------------------------------------------------------------------
    def restart(self, services: Iterable[TentacleService], *, cause: str = "") -> None:
        """Restart each service: a Running one stops then starts, a Stopped one starts, one
        already stopping or starting carries on (``Restart-Service`` waits for it). Every
        change happens later on the clock and is journalled."""
        for service in services:
            why = f" ({cause})" if cause else ""
            self._note(f"restart of {self._what(service)} requested{why}")
            if service.state is ServiceState.Running:
                self._stop(service, then_start=True)
            elif service.state is ServiceState.Stopped:
                self._start(service)

    def stop(self, services: Iterable[TentacleService]) -> None:
        """Stop each Running service (StopPending, then Stopped); others are left alone."""
        for service in services:
            if service.state is ServiceState.Running:
                self._stop(service, then_start=False)

    def start(self, services: Iterable[TentacleService]) -> None:
        """Start each Stopped service (StartPending, then Running or, if it fails, Stopped)."""
        for service in services:
            if service.state is ServiceState.Stopped:
                self._start(service)

    # -- the state machine --------------------------------------------------------------------
    def _stop(self, service: TentacleService, *, then_start: bool) -> None:
        self._move(service, ServiceState.StopPending)

        def stopped() -> None:
            self._move(service, ServiceState.Stopped)
            if then_start:
                self._start(service)

        self.clock.call_later(draw(self.rng, self.timing.stop_seconds), stopped)

    def _start(self, service: TentacleService) -> None:
        # The process is launched as the start begins: that launch time is what Get-Process
        # and ps report, so it is the witness once the service is Running.
        launched = self.clock.now()
        self._move(service, ServiceState.StartPending)
        fails = self.timing.fail_to_start_rate > 0 and (
            self.rng.random() < self.timing.fail_to_start_rate
        )

        def done() -> None:
            if fails:
                self._move(service, ServiceState.Stopped, "failed to start")
                self._watchdog(service)
                return
            service.process_started = launched
            service.starts += 1
            if service is self.instance:  # the new process reads its environment afresh (§4)
                self.environment.service_started(launched)
            wall = format_process_start(self.clock.wall(launched), "powershell")
            self._move(service, ServiceState.Running, f"new process started {wall}")

        self.clock.call_later(draw(self.rng, self.timing.start_seconds), done)

    def _watchdog(self, service: TentacleService) -> None:
        interval = self.timing.watchdog_interval
        if interval is None:
            return

        def tick() -> None:
            if service.state is ServiceState.Stopped:  # someone may have started it already
                self._note(f"the watchdog starts {self._what(service)}")
                self._start(service)

        self.clock.call_later(interval, tick)

    def _move(self, service: TentacleService, new: ServiceState, why: str = "") -> None:
        what = f"{self.machine.name}: {self._what(service)}"
        check(SERVICE_TRANSITIONS, service.state, new, what)
        old = service.state
        service.state = new
        self._note(f"{self._what(service)} {old} → {new}" + (f" ({why})" if why else ""))
        for watcher in list(self._watchers):
            watcher(service, old, new)

    def _what(self, service: TentacleService) -> str:
        return f"{'service' if self.os_family == 'Windows' else 'unit'} {service.name!r}"

    def _note(self, text: str) -> None:
        self.journal.record(
            self.clock.now(), Kind.Service, f"{self.machine.name}: {text}", self.machine.id
        )
