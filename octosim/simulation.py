"""The :class:`Simulation`: one simulated Octopus server, its clock, journal and faults.

This is the object users hold. It wires the layers together (clock → model → api →
transport) and hands out what a test needs: an ``httpx`` transport, bound clients, a respx
mount, the direct request handler, and the timeline.
"""

from __future__ import annotations

import random
from types import TracebackType
from typing import TYPE_CHECKING, Any

from octosim.clock import VirtualClock
from octosim.faults import FaultPlan
from octosim.journal import Journal
from octosim.model.engine import TaskEngine
from octosim.model.world import World, default_world
from octosim.options import DEFAULT_BASE_URL, ServerOptions
from octosim.requestlog import RequestLog

if TYPE_CHECKING:
    import httpx
    import respx

    from octosim.api.app import OctopusApi
    from octosim.api.messages import ApiRequest, ApiResponse
    from octosim.transport import SimulatorTransport

__all__ = ["DEFAULT_BASE_URL", "ServerOptions", "Simulation"]



class Simulation:
    """A simulated Octopus server.

    Build one with a seed (everything random is drawn from it) and optionally a hand-built
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
    ) -> None:
        self.seed = seed
        self.options = options if options is not None else ServerOptions()
        self.journal_limit = journal_limit
        self.rng = random.Random(seed)
        self.clock = VirtualClock()
        self.journal = Journal(limit=journal_limit)
        #: Every request an HTTP client made to this simulation (octosim.requestlog).
        self.requests = RequestLog()
        if world is None:
            world = default_world(self.rng, api_key=api_key)
        elif api_key is not None and api_key not in world.api_keys:
            admin = next(iter(world.users.values()))
            world.add_api_key(admin.id, api_key)
        #: The simulated server's domain state: spaces, machines, agents, users and keys.
        self.world: World = world
        self.api_key: str = api_key if api_key is not None else next(iter(world.api_keys))
        self.engine = TaskEngine(
            self.clock, self.journal, self.world, self.rng,
            task_cap=self.options.task_cap, cancel_delay=self.options.cancel_delay,
        )
        from octosim.model.agents import install_tentacles  # agents + Health/AdHocScript

        install_tentacles(self.engine)
        self.faults = FaultPlan()
        self.scenario: Any = None
        self.strict = True  # the pytest plugin fails tests that hit unimplemented routes
        self._routers: list[respx.MockRouter] = []
        from octosim.api.app import OctopusApi  # the api layer sits above the model

        self.api: OctopusApi = OctopusApi(
            world=self.world, engine=self.engine, clock=self.clock, journal=self.journal,
            options=self.options,
        )

    @classmethod
    def from_scenario(
        cls, scenario: Any = "default", *, seed: int = 0, **kwargs: Any
    ) -> Simulation:
        """Build a simulation from a scenario (a preset name, a path to a TOML file, or a
        :class:`~octosim.scenario.Scenario`) and a seed."""
        from octosim.scenario import build_simulation

        return build_simulation(scenario, seed=seed, **kwargs)

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

        return SimulatorTransport(self)

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

        return mount(self, router)

    def __enter__(self) -> Simulation:
        """Mount this simulation for every httpx client until ``__exit__``: a respx router
        of its own is started, so it coexists with the test's ``respx_mock`` routes; and
        for requests, urllib3 and aiohttp (:mod:`octosim.intercept`). Other loopback
        addresses pass through (a live server in the same test); a request to any other
        host fails loudly instead of reaching the network."""
        from octosim.intercept.via_httpx import SimulationRouter

        router = SimulationRouter(assert_all_called=False, assert_all_mocked=True)
        self.mount(router)
        # Other loopback servers (a live octosim, a test's own server) can only be on this
        # machine: let requests to them through, after this simulation's own route.
        router.route(host__in=("127.0.0.1", "localhost", "[::1]", "::1")).pass_through()
        router.__enter__()
        self._routers.append(router)
        from octosim import intercept  # requests, urllib3, aiohttp

        intercept.enter(self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        from octosim import intercept

        intercept.leave(self)
        self._routers.pop().__exit__(exc_type, exc, tb)

    def timeline(self, *, last: int | None = None) -> str:
        """Return the journal as a readable timeline."""
        return self.journal.timeline(last=last)
