"""The octosim pytest plugin: fixtures, the ``octopus`` marker, options, failure timelines.

Loaded through the ``pytest11`` entry point. Importing it has no side effects: nothing is
patched and no simulation exists until a test asks for a fixture.

Fixtures (see docs/pytest.md for a copy-paste example of each):

- ``octopus``: a ready :class:`~octosim.simulation.Simulation` (the configured scenario and
  seed) mounted for every httpx client in the test at its base URL.
- ``octopus_factory``: makes fresh simulations; one per Hypothesis example
  (``with octopus_factory(seed=n) as sim: ...`` mounts it for the block).
- ``octopus_client`` / ``octopus_async_client``: httpx clients bound to ``octopus`` with a
  valid key (through its transport; no mounting needed).
- ``octopus_clock``: the virtual clock of ``octopus``.
- ``octopus_time``: ``octopus`` with ``time.sleep``/``monotonic``/``time`` patched onto its
  clock for the test, for code that calls the ``time`` module directly.
- ``octopus_server``: a live HTTP server on 127.0.0.1 and a free port, for other clients.

Precedence for scenario and seed: the ``octopus`` marker, then ``--octosim-scenario`` /
``--octosim-seed``, then the ``octosim_scenario`` / ``octosim_seed`` ini options, then
``default`` / 0.
"""

from __future__ import annotations

import asyncio
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import httpx

    from octosim.clock import VirtualClock
    from octosim.server import LiveServer
    from octosim.simulation import Simulation

__all__ = ["SimulationFactory"]

_SIMS = pytest.StashKey[list["Simulation"]]()
_MARKER_DOC = (
    "octopus(scenario=None, seed=None, strict=None, rate=1.0, **options): configure the "
    "simulation of the octosim fixtures for this test. scenario: a preset name or TOML path; "
    "seed: int; strict: fail on requests the simulator does not implement (default true); "
    "rate: virtual seconds per real second of octopus_server; options: ServerOptions fields "
    "such as strict_content_type=True or task_cap=2."
)
_FACTORY_HINT = (
    "Create one simulation per example with the octopus_factory fixture instead:\n\n"
    "    @given(...)\n"
    "    def test_it(octopus_factory, ...):\n"
    "        with octopus_factory(seed=...) as sim:\n"
    "            ...\n"
)


# -- options and configuration ---------------------------------------------------------------
def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("octosim", "octosim: simulated Octopus Deploy server")
    group.addoption("--octosim-scenario", default=None, metavar="NAME",
                    help="scenario of the octosim fixtures: a preset name or a TOML path "
                         "(default: ini octosim_scenario, else 'default')")
    group.addoption("--octosim-seed", default=None, type=int, metavar="N",
                    help="seed of the octosim fixtures (default: ini octosim_seed, else 0)")
    parser.addini("octosim_scenario", "default scenario of the octosim fixtures",
                  default="default")
    parser.addini("octosim_seed", "default seed of the octosim fixtures", default="0")
    parser.addini("octosim_strict", "fail tests that make requests the simulator does not "
                  "implement", type="bool", default=True)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", _MARKER_DOC)


def _default_scenario(config: pytest.Config) -> str:
    return str(config.getoption("--octosim-scenario") or config.getini("octosim_scenario"))


def _default_seed(config: pytest.Config) -> int:
    seed = config.getoption("--octosim-seed")
    if seed is not None:
        return int(seed)
    raw = str(config.getini("octosim_seed"))
    try:
        return int(raw)
    except ValueError:
        raise pytest.UsageError(
            f"ini option octosim_seed must be a whole number, not {raw!r}"
        ) from None


def pytest_report_header(config: pytest.Config) -> str:
    return (f"octosim: scenario={_default_scenario(config)} seed={_default_seed(config)} "
            f"(override with --octosim-scenario / --octosim-seed)")


@dataclass
class _Settings:
    scenario: Any
    seed: int
    strict: bool
    rate: float = 1.0  # octopus_server only: virtual seconds per real second
    options: dict[str, Any] = field(default_factory=dict)


def _settings(request: pytest.FixtureRequest) -> _Settings:
    config = request.config
    settings = _Settings(_default_scenario(config), _default_seed(config),
                         bool(config.getini("octosim_strict")))
    marker = request.node.get_closest_marker("octopus")
    if marker is not None:
        if marker.args:
            raise pytest.UsageError(
                "@pytest.mark.octopus takes keyword arguments only, e.g. "
                "@pytest.mark.octopus(scenario='linux', seed=3)"
            )
        kwargs = dict(marker.kwargs)
        settings.scenario = kwargs.pop("scenario", settings.scenario)
        settings.seed = int(kwargs.pop("seed", settings.seed))
        strict = kwargs.pop("strict", None)
        settings.strict = settings.strict if strict is None else bool(strict)
        settings.rate = float(kwargs.pop("rate", settings.rate))
        settings.options = kwargs
    return settings


# -- the factory -----------------------------------------------------------------------------
class SimulationFactory:
    """Makes fresh simulations for one test, remembering them for its failure report and
    its strictness check. Call it: ``factory(scenario=None, seed=None, **options)``."""

    def __init__(self, item: pytest.Item, settings: _Settings) -> None:
        self._item = item
        self._settings = settings
        self.made: list[Simulation] = item.stash.setdefault(_SIMS, [])

    def __call__(self, scenario: Any = None, seed: int | None = None,
                 **options: Any) -> Simulation:
        """Return a new simulation (not mounted: use it as a context manager, or its
        ``client()`` / ``transport()``). Defaults come from the marker and options."""
        from octosim.scenario import ScenarioError
        from octosim.simulation import Simulation

        merged = {**self._settings.options, **options}
        try:
            sim = Simulation.from_scenario(
                self._settings.scenario if scenario is None else scenario,
                seed=self._settings.seed if seed is None else seed,
                **merged,
            )
        except ScenarioError as exc:
            raise pytest.UsageError(f"octosim: {exc}") from None
        sim.strict = self._settings.strict
        self.made.append(sim)
        return sim

    def check_strict(self) -> None:
        """Fail the test if a strict simulation saw requests it does not implement."""
        problems = []
        for sim in self.made:
            if sim.strict and sim.api.unhandled:
                lines = "\n".join(f"  {r.method} {r.path}" for r in sim.api.unhandled[:20])
                problems.append(lines)
        if problems:
            pytest.fail(
                "octosim: the test made requests the simulator does not implement:\n"
                + "\n".join(problems)
                + "\nServe them with sim.api.add_route(method, pattern, handler), or allow "
                "them with @pytest.mark.octopus(strict=False) or the ini option "
                "octosim_strict = false.",
                pytrace=False,
            )


def _is_hypothesis_test(request: pytest.FixtureRequest) -> bool:
    return hasattr(getattr(request, "function", None), "hypothesis")


@pytest.fixture
def octopus_factory(request: pytest.FixtureRequest) -> Iterator[SimulationFactory]:
    """A factory for fresh simulations: one per Hypothesis example, or several per test."""
    factory = SimulationFactory(request.node, _settings(request))
    yield factory
    factory.check_strict()


@pytest.fixture
def octopus(request: pytest.FixtureRequest,
            octopus_factory: SimulationFactory) -> Iterator[Simulation]:
    """A ready simulation, mounted for every httpx client in the test at its base URL."""
    if _is_hypothesis_test(request):
        pytest.fail(
            f"{request.node.name} uses the function-scoped `octopus` fixture inside "
            "@given: every Hypothesis example would share one simulation and its clock.\n"
            + _FACTORY_HINT,
            pytrace=False,
        )
    sim = octopus_factory()
    with sim:
        yield sim


@pytest.fixture
def octopus_clock(octopus: Simulation) -> VirtualClock:
    """The virtual clock shared by ``octopus`` and the code under test."""
    return octopus.clock


@pytest.fixture
def octopus_time(octopus: Simulation) -> Iterator[Simulation]:
    """``octopus``, with ``time.sleep``/``monotonic``/``perf_counter``/``time`` running on its
    virtual clock for the whole test."""
    from octosim.timepatch import virtual_time

    with virtual_time(octopus.clock):
        yield octopus


@pytest.fixture
def octopus_client(octopus: Simulation) -> Iterator[httpx.Client]:
    """An ``httpx.Client`` bound to ``octopus`` with a valid API key."""
    with octopus.client() as client:
        yield client


@pytest.fixture
def octopus_async_client(octopus: Simulation) -> Iterator[httpx.AsyncClient]:
    """An ``httpx.AsyncClient`` bound to ``octopus`` with a valid API key."""
    client = octopus.async_client()
    yield client
    # The transport holds no sockets; closing just marks the client closed.
    asyncio.run(client.aclose())


@pytest.fixture
def octopus_server(request: pytest.FixtureRequest,
                   octopus_factory: SimulationFactory) -> Iterator[LiveServer]:
    """A live server on 127.0.0.1 and a free port serving a fresh simulation; its ``url``,
    ``sim`` and ``sim.api_key`` are what a non-Python client needs. Safe under xdist."""
    from octosim.server import LiveServer

    with LiveServer(octopus_factory(), rate=_settings(request).rate) as server:
        yield server


@pytest.fixture(autouse=True)
def _octosim_faker(request: pytest.FixtureRequest) -> None:
    """Register the Octopus provider on Faker's own ``faker`` fixture when a test uses it."""
    if "faker" in request.fixturenames:
        from octosim.faker_provider import OctopusProvider

        request.getfixturevalue("faker").add_provider(OctopusProvider)


# -- failure reports -------------------------------------------------------------------------
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    sims = item.stash.get(_SIMS, [])
    if report.failed and sims and call.when in ("call", "setup", "teardown"):
        for n, sim in enumerate(sims[-3:], 1):  # the last few: a Hypothesis test makes many
            title = f"octosim timeline (seed {sim.seed}" + (f", #{n})" if len(sims) > 1 else ")")
            report.sections.append((title, sim.timeline(last=400)))

