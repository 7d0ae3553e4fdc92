"""The :class:`Simulation`: one simulated Octopus server, its clock, journal and faults.

This is the object users hold. It wires the layers together (clock → model → api →
transport) and hands out what a test needs: an ``httpx`` transport, bound clients, a respx
mount, the direct request handler, and the timeline.
"""

from __future__ import annotations

import functools
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import octosim.intercept as intercept
from octosim.api.app import OctopusApi
from octosim.clock import VirtualClock
from octosim.delivery import ServerParts
from octosim.faults import FaultPlan
from octosim.intercept.via_httpx import SimulationRouter
from octosim.journal import Journal
from octosim.model.background import start_background_load
from octosim.model.deploy_executor import DeployServices
from octosim.model.deployment_store import DeploymentStore
from octosim.model.engine import TaskEngine
from octosim.model.health import HealthSettings
from octosim.model.install import install_deployments, install_tentacles
from octosim.model.randomness import Streams
from octosim.model.world import World
from octosim.options import DEFAULT_BASE_URL, ServerOptions
from octosim.requestlog import RequestLog
from octosim.scenario import Scenario, build, build_world
from octosim.scenario.build_deployments import build_deployments, build_workers

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

    import httpx
    import respx

    from octosim.api.messages import ApiRequest, ApiResponse
    from octosim.model.deadlock import Deadlock
    from octosim.transport import SimulatorTransport

__all__ = ["DEFAULT_BASE_URL", "STEP_ACTIONS_GROUP", "ServerOptions", "Simulation"]

#: The entry point group of Python step actions packages add (Simulation.install_step_actions).
STEP_ACTIONS_GROUP = "octosim.step_actions"


class Simulation:
    """A simulated Octopus server.

    Build one with a seed (every random stream is derived from it,
    :mod:`octosim.model.randomness`) and optionally a hand-built
    :class:`~octosim.model.world.World`; scenarios build both for you
    (:meth:`from_scenario`). The same seed and the same requests give the same journal.
    """

    def __init__(
        self,
        world: World | None = None,
        seed: int = 0,
        options: ServerOptions | None = None,
        api_key: str | None = None,
        journal_limit: int | None = None,
        health: HealthSettings | None = None,
    ) -> None:
        self.seed = seed
        self.options = options if options is not None else ServerOptions()
        self.journal_limit = journal_limit
        #: The seed's random streams, one per purpose: the world, each agent, health, faults,
        #: background load, each task type (:mod:`octosim.model.randomness`).
        self.streams = Streams(seed)
        #: The ``user`` stream: the simulator never draws from it, so a test may, without
        #: shifting anything the simulation does.
        self.rng = self.streams.stream("user")
        self.clock = VirtualClock()
        self.journal = Journal(limit=journal_limit)
        if world is None:  # the default world is the default scenario's
            world = build_world(Scenario(), self.streams.stream("world"), api_key=api_key)
        elif api_key is not None and api_key not in world.api_keys:
            admin = next(iter(world.users.values()))
            world.add_api_key(admin.id, api_key)
        #: The simulated server's domain state: spaces, machines, agents, users and keys.
        self.world: World = world
        self.api_key: str = api_key if api_key is not None else next(iter(world.api_keys))
        self.engine = TaskEngine(
            self.clock, self.journal, self.world, self.streams,
            task_cap=self.options.task_cap, cancel_delay=self.options.cancel_delay,
        )
        install_tentacles(self.engine, health=health)
        #: Projects, releases, deployments and runbooks (octopus-deployments.md §5).
        self.deployments = DeploymentStore(self.world)
        #: What Deploy/RunbookRun tasks share: ``interruptions``, ``actions``, ``workers``.
        self.deploy: DeployServices = install_deployments(
            self.engine, self.deployments, server_uri=self.options.base_url)
        self._routers: list[respx.MockRouter] = []
        self.api = OctopusApi(
            world=self.world, engine=self.engine, clock=self.clock, journal=self.journal,
            options=self.options, deployments=self.deployments,
            interruptions=self.deploy.interruptions,
        )
        #: What a request passes through on every edge (octosim.delivery.deliver, the httpx
        #: transport, the live server): the fault plan, the clock, the ``faults`` stream, the
        #: journal, the options and the routes.
        self.parts = ServerParts(
            faults=FaultPlan(), clock=self.clock, rng=self.streams.stream("faults"),
            journal=self.journal,
            options=self.options, handler=self.api.handle,
        )

    @classmethod
    def from_scenario(
        cls, scenario: Scenario | str | Path = "default", *, seed: int = 0,
        journal_limit: int | None = None, **overrides: Any,
    ) -> Simulation:
        """Build a simulation from a scenario (a preset name, a path to a TOML file, or a
        :class:`~octosim.scenario.Scenario`) and a seed.

        ``overrides``: ``api_key``, ``options`` (a whole ServerOptions), or any single
        ServerOptions field (``task_cap=1``), which wins over the scenario. Raises
        ScenarioError for a bad scenario, TypeError for an unknown override.
        """
        built = build(scenario, seed, **overrides)
        sim = cls(world=built.world, seed=seed, options=built.options,
                  api_key=overrides.get("api_key"), journal_limit=journal_limit,
                  health=built.health)
        # The world stream continues where building the world left it: the same state
        # Simulation() reaches by building the default world from its own.
        world_stream = sim.streams.stream("world")
        world_stream.setstate(built.world.rng.getstate())
        built.world.rng = world_stream
        # After the swap: the GUIDs of steps and actions are drawn from the world stream.
        sim.deploy.workers = build_workers(built.scenario, sim.world, sim.engine)
        build_deployments(built.scenario, sim.deployments)
        sim.faults.rules.extend(built.faults)
        load = built.background_load
        start_background_load(
            sim.engine, sim.world.default_space.id, task=load.task, count=load.count,
            duration=load.duration, repeat_until=load.repeat_until,
        )
        return sim

    def install_step_actions(self, *names: str) -> Simulation:
        """Enable the Python step actions that installed packages publish as entry points of
        the group ``octosim.step_actions`` (each a function taking the simulation): the ones
        named, or every one when none is. This project publishes ``restart``
        (``Octosim.RestartTentacle``). Returns the simulation.

        Raises LookupError for a name no installed package publishes, naming those that do.
        """
        published = _published_step_actions()
        unknown = [name for name in names if name not in published]
        if unknown:
            raise LookupError(
                f"no installed package publishes step actions named {', '.join(unknown)} "
                f"(entry point group {STEP_ACTIONS_GROUP}: {', '.join(sorted(published)) or 'none'}"
                "); install the package that provides them, or reinstall this one "
                "(pip install -e .) if its entry points are missing")
        for name in names or sorted(published):
            published[name].load()(self)
        return self

    @property
    def requests(self) -> RequestLog:
        """Every request an in-process HTTP client made to this simulation, in order
        (:mod:`octosim.requestlog`)."""
        return self.parts.requests

    @property
    def faults(self) -> FaultPlan:
        """The HTTP faults injected on every edge; assign a new plan at any time."""
        return self.parts.faults

    @faults.setter
    def faults(self, plan: FaultPlan) -> None:
        self.parts.faults = plan

    def __repr__(self) -> str:  # never show the key
        return (
            f"Simulation(seed={self.seed}, now={self.clock.now():.3f}, "
            f"tasks={len(self.engine.tasks)}, base_url={self.base_url!r})"
        )

    @property
    def base_url(self) -> str:
        """The URL the mounted simulation answers at."""
        return self.options.base_url

    # -- the seams to clients ---------------------------------------------------------------
    def handle(self, request: ApiRequest) -> ApiResponse:
        """Serve one request through the routes, with no HTTP and no faults."""
        return self.api.handle(request)

    def transport(self) -> SimulatorTransport:
        """Return an ``httpx`` transport (sync and async) serving this simulation."""
        from octosim.transport import SimulatorTransport

        return SimulatorTransport(self.parts)

    def client(self, *, api_key: str | None = None, **kwargs: Any) -> httpx.Client:
        """Return an ``httpx.Client`` bound to this simulation with a valid key."""
        import httpx

        headers = {"X-Octopus-ApiKey": api_key or self.api_key}
        headers.update(kwargs.pop("headers", {}))
        return httpx.Client(
            base_url=self.base_url, transport=self.transport(), headers=headers, **kwargs
        )

    def async_client(self, *, api_key: str | None = None, **kwargs: Any) -> httpx.AsyncClient:
        """Return an ``httpx.AsyncClient`` bound to this simulation with a valid key."""
        import httpx

        headers = {"X-Octopus-ApiKey": api_key or self.api_key}
        headers.update(kwargs.pop("headers", {}))
        return httpx.AsyncClient(
            base_url=self.base_url, transport=self.transport(), headers=headers, **kwargs
        )

    def mount(self, router: respx.Router | None = None) -> respx.Route:
        """Route every request under :attr:`base_url` through ``router`` (default: the
        global ``respx.mock``) to this simulation; returns the respx route. Other routes
        on the same router keep working."""
        from octosim.transport import mount

        return mount(self.parts, router)

    def __enter__(self) -> Simulation:
        """Mount this simulation for every httpx client until ``__exit__``: a respx router
        of its own is started, so it coexists with the test's ``respx_mock`` routes; and
        for requests, urllib3 and aiohttp (:mod:`octosim.intercept`). Other loopback
        addresses pass through (a live server in the same test); a request to any other
        host fails loudly instead of reaching the network."""
        router = SimulationRouter(assert_all_called=False, assert_all_mocked=True)
        self.mount(router)
        # Other loopback servers (a live octosim, a test's own server) can only be on this
        # machine: let requests to them through, after this simulation's own route.
        router.route(host__in=("127.0.0.1", "localhost", "[::1]", "::1")).pass_through()
        router.__enter__()
        self._routers.append(router)
        intercept.enter(self.parts)  # requests, urllib3, aiohttp
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        intercept.leave(self.parts)
        self._routers.pop().__exit__(exc_type, exc, tb)

    def timeline(self, *, last: int | None = None) -> str:
        """Return the journal as a readable timeline."""
        return self.journal.timeline(last=last)

    @property
    def deadlock(self) -> Deadlock | None:
        """The task-cap deadlock in force now (octosim.model.deadlock), or None; every
        deadlock and stall seen is in ``sim.engine.deadlocks.history``."""
        return self.engine.deadlock


@functools.cache
def _published_step_actions() -> dict[str, EntryPoint]:
    # Read once per process: the plugin installs them in every simulation it makes, and
    # scanning the installed distributions costs milliseconds. Loaded only when used.
    from importlib.metadata import entry_points

    return {ep.name: ep for ep in entry_points(group=STEP_ACTIONS_GROUP)}
