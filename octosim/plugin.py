"""The octosim pytest plugin: fixtures, the ``octopus`` marker, options, failure timelines.

Loaded through the ``pytest11`` entry point. Importing it has no side effects: it imports
only pytest and the standard library, nothing is patched, and no simulation exists until
a test asks for a fixture.

Fixtures (docs/pytest.md has a copy-paste example of each):

- ``octopus``: a ready :class:`~octosim.simulation.Simulation` (the configured scenario and
  seed) mounted for every httpx client in the test at its base URL.
- ``octopus_factory``: a :class:`SimulationFactory` making fresh simulations, one per
  Hypothesis example (``with octopus_factory(seed=n) as sim:`` mounts it for the block).
- ``octopus_client`` / ``octopus_async_client``: httpx clients bound to ``octopus`` with a
  valid key (through its transport; no mounting needed).
- ``octopus_clock``: the virtual clock of ``octopus``.
- ``octopus_time``: ``octopus`` with ``time.sleep``/``monotonic``/``time`` running on its
  clock for the test, for code that calls the ``time`` module directly.
- ``octopus_server``: a live HTTP server on 127.0.0.1 and a free port, for other clients.

Precedence, closest first: the factory's own arguments; the ``octopus`` marker (markers on
the function, class and module merge, the closest winning per key); then, for the seed only,
inside a Hypothesis example, a seed drawn from the example's own data (see
:meth:`SimulationFactory.__call__`); then ``--octosim-scenario`` / ``--octosim-seed``; then
the ``octosim_scenario`` / ``octosim_seed`` ini options; then ``default`` / 0.
"""

from __future__ import annotations

import dataclasses
import sys
from collections import Counter, deque
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import httpx

    from octosim.clock import VirtualClock
    from octosim.server import LiveServer
    from octosim.simulation import Simulation

__all__ = ["OctopusSettings", "SimulationFactory"]

_MARKER_DOC = (
    "octopus(scenario=None, seed=None, strict=None, rate=None, **overrides): configure the "
    "simulations of the octosim fixtures for this test. scenario: a preset name, a TOML "
    "path or a Scenario; seed: int; strict: fail on requests the simulator does not "
    "implement (default: ini octosim_strict, true); rate: virtual seconds per real second "
    "of octopus_server (default 1); overrides: api_key, journal_limit, options, or any "
    "ServerOptions field such as task_cap=2 or strict_content_type=True."
)
#: Marker keys the plugin reads itself; every other key goes to Simulation.from_scenario.
_OWN_KEYS = ("scenario", "seed", "strict", "rate")
#: Simulation.from_scenario's overrides besides the ServerOptions fields.
_SIMULATION_KEYS = ("api_key", "journal_limit", "options")
#: The fixtures that hold one simulation for the whole test.
_PER_TEST_FIXTURES = (
    "octopus", "octopus_client", "octopus_async_client", "octopus_clock", "octopus_time",
    "octopus_server",
)
#: Failed tests show this many of their newest simulations: a Hypothesis test makes one per
#: example, and the last one made is the shrunk example Hypothesis replays at the end.
_REPORTED_SIMS = 3
#: Lines of each simulation's timeline in a failure report (the newest ones).
_TIMELINE_LINES = 400


# -- options and configuration ---------------------------------------------------------------
def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--octosim-scenario``, ``--octosim-seed`` and the ini options."""
    group = parser.getgroup("octosim", "octosim: simulated Octopus Deploy server")
    group.addoption("--octosim-scenario", default=None, metavar="NAME",
                    help="scenario of the octosim fixtures: a preset name or a TOML path "
                         "(default: ini octosim_scenario, else 'default')")
    group.addoption("--octosim-seed", default=None, type=int, metavar="N",
                    help="seed of the octosim fixtures (default: ini octosim_seed, else 0)")
    parser.addini("octosim_scenario", "default scenario of the octosim fixtures: a preset "
                  "name or a TOML path", default="default")
    parser.addini("octosim_seed", "default seed of the octosim fixtures", default="0")
    parser.addini("octosim_strict", "fail tests that make requests the simulator does not "
                  "implement (default true)", type="bool", default=True)


@dataclass
class _State:
    """Per-session plugin state, kept on the config: pytester runs sessions inside sessions
    in one process, so nothing of this may live in a module global."""

    item: pytest.Item | None = None  # the test running now, for the session-wide factory


_STATE = pytest.StashKey[_State]()


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker and check the options now, so a typo stops the run at once.

    Raises pytest.UsageError for an ini seed that is not a whole number, or a configured
    scenario that cannot be loaded.
    """
    config.addinivalue_line("markers", _MARKER_DOC)
    config.stash[_STATE] = _State()
    _default_seed(config)
    scenario, source = _default_scenario(config)
    if scenario != "default":  # the default preset needs no check, nor the import
        from octosim.scenario import Scenario, ScenarioError

        try:
            Scenario.load(scenario)
        except ScenarioError as exc:
            raise pytest.UsageError(f"octosim: {source} {scenario!r}: {exc}") from None


def _default_scenario(config: pytest.Config) -> tuple[str, str]:
    """Return the session's scenario (a preset name, or a TOML path made absolute) and
    where it came from. A relative path is taken from where it was written: the directory
    pytest was started in for ``--octosim-scenario``, the ini file's for the ini option."""
    option = config.getoption("--octosim-scenario", None)
    if option:
        return _locate(str(option), config.invocation_params.dir), "--octosim-scenario"
    raw = str(config.getini("octosim_scenario") or "default")
    base = config.inipath.parent if config.inipath is not None else config.rootpath
    return _locate(raw, base), "ini option octosim_scenario"


def _locate(scenario: str, base: Path) -> str:
    # The same test Scenario.load applies to tell a path from a preset name.
    path = Path(scenario)
    if (path.suffix == ".toml" or len(path.parts) > 1) and not path.is_absolute():
        return str(base / path)
    return scenario


def _default_seed(config: pytest.Config) -> int:
    seed = config.getoption("--octosim-seed", None)
    if seed is not None:
        return int(seed)
    raw = str(config.getini("octosim_seed")).strip()
    try:
        return int(raw)
    except ValueError:
        raise pytest.UsageError(
            f"octosim: ini option octosim_seed must be a whole number, not {raw!r}"
        ) from None


def pytest_report_header(config: pytest.Config) -> str:
    """Return the header line naming the session's default scenario, seed and strictness."""
    scenario = config.getoption("--octosim-scenario", None) or config.getini("octosim_scenario")
    strict = "true" if config.getini("octosim_strict") else "false"
    return (f"octosim: scenario={scenario} seed={_default_seed(config)} strict={strict} "
            "(--octosim-scenario / --octosim-seed to change)")


@dataclass(frozen=True)
class OctopusSettings:
    """What the octosim fixtures of one test use, once options and markers are merged.

    ``seed_is_explicit``: the seed came from the ``octopus`` marker (so it also holds
    inside Hypothesis examples, which otherwise draw their own). ``overrides``: keyword
    arguments for :meth:`~octosim.simulation.Simulation.from_scenario`.
    """

    scenario: Any = "default"
    seed: int = 0
    seed_is_explicit: bool = False
    strict: bool = True
    rate: float = 1.0
    overrides: Mapping[str, Any] = field(default_factory=dict)


def _settings_for(config: pytest.Config, item: pytest.Item | None) -> OctopusSettings:
    """Return the settings for ``item`` (None: outside any test, the session's defaults).

    Raises pytest.UsageError for an ``octopus`` marker with positional arguments, an
    unknown key, or a value of the wrong type.
    """
    __tracebackhide__ = True
    scenario, _ = _default_scenario(config)
    settings = OctopusSettings(scenario, _default_seed(config),
                               strict=bool(config.getini("octosim_strict")))
    if item is None:
        return settings
    kwargs: dict[str, Any] = {}
    # Farthest first (module, class, function), so the closest marker wins key by key.
    for marker in reversed(list(item.iter_markers("octopus"))):
        if marker.args:
            raise pytest.UsageError(
                f"{item.nodeid}: @pytest.mark.octopus takes keyword arguments only, e.g. "
                "@pytest.mark.octopus(scenario='linux', seed=3)"
            )
        kwargs.update(marker.kwargs)
    if not kwargs:
        return settings
    return _apply_marker(settings, kwargs, item.nodeid, item.path.parent)


def _apply_marker(settings: OctopusSettings, kwargs: dict[str, Any], nodeid: str,
                  test_dir: Path) -> OctopusSettings:
    __tracebackhide__ = True
    from octosim.options import ServerOptions

    def usage(text: str) -> pytest.UsageError:
        return pytest.UsageError(f"{nodeid}: @pytest.mark.octopus: {text}")

    option_fields = tuple(f.name for f in dataclasses.fields(ServerOptions))
    valid = _OWN_KEYS + _SIMULATION_KEYS + option_fields
    unknown = sorted(k for k in kwargs if k not in valid)
    if unknown:
        raise usage(f"unknown option(s) {', '.join(map(repr, unknown))}; valid: "
                    f"{', '.join(valid)}")
    changes: dict[str, Any] = {}
    if "scenario" in kwargs:
        scenario = kwargs["scenario"]
        from octosim.scenario import Scenario

        if not isinstance(scenario, str | Path | Scenario):
            raise usage(f"scenario must be a preset name, a TOML path or a Scenario, "
                        f"not {scenario!r}")
        # A relative path is taken from the test file's directory, where it was written.
        if isinstance(scenario, str):
            scenario = _locate(scenario, test_dir)
        elif isinstance(scenario, Path) and not scenario.is_absolute():
            scenario = test_dir / scenario
        changes["scenario"] = scenario
    if kwargs.get("seed") is not None:
        seed = kwargs["seed"]
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise usage(f"seed must be a whole number, not {seed!r}")
        changes.update(seed=seed, seed_is_explicit=True)
    if kwargs.get("strict") is not None:
        if not isinstance(kwargs["strict"], bool):
            raise usage(f"strict must be True or False, not {kwargs['strict']!r}")
        changes["strict"] = kwargs["strict"]
    if kwargs.get("rate") is not None:
        rate = kwargs["rate"]
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not rate > 0:
            raise usage(f"rate must be a positive number of virtual seconds per real second, "
                        f"not {rate!r}")
        changes["rate"] = float(rate)
    overrides = {k: v for k, v in kwargs.items() if k not in _OWN_KEYS}
    fields = {k: v for k, v in overrides.items() if k in option_fields}
    try:  # ServerOptions checks its own values; say so now rather than at the first sim
        dataclasses.replace(ServerOptions(), **fields)
    except (TypeError, ValueError) as exc:
        raise usage(str(exc)) from None
    changes["overrides"] = overrides
    return dataclasses.replace(settings, **changes)


# -- the factory -----------------------------------------------------------------------------
@dataclass
class _TestRecord:
    """The simulations one test made, for its failure report and its strictness check."""

    recent: deque[Simulation] = field(default_factory=lambda: deque(maxlen=_REPORTED_SIMS))
    example: object = None  # the Hypothesis example that made ``recent``
    pending: list[Simulation] = field(default_factory=list)  # not yet checked for strictness
    unhandled: list[str] = field(default_factory=list)  # found in finished Hypothesis examples
    reported: bool = False


_RECORD = pytest.StashKey[_TestRecord]()


class SimulationFactory:
    """Makes fresh simulations. Call it: ``factory(scenario=None, seed=None, *,
    strict=None, **overrides)``; use the result as a context manager to mount it.

    One factory serves the whole session (the fixture is session-scoped), and each call
    reads the settings of the test running at that moment. That is why it is safe inside
    ``@given``: it holds no simulation itself, so no state can leak from one example to the
    next, and Hypothesis's ``function_scoped_fixture`` health check has nothing to warn of.
    """

    def __init__(self, config: pytest.Config) -> None:
        self._config = config

    @property
    def settings(self) -> OctopusSettings:
        """The settings of the running test (the session's outside a test)."""
        return _settings_for(self._config, self._item)

    @property
    def made(self) -> list[Simulation]:
        """The newest simulations made for the running test (at most a few)."""
        item = self._item
        return list(item.stash[_RECORD].recent) if item and _RECORD in item.stash else []

    @property
    def _item(self) -> pytest.Item | None:
        return self._config.stash[_STATE].item if _STATE in self._config.stash else None

    def __call__(self, scenario: Any = None, seed: int | None = None, *,
                 strict: bool | None = None, **overrides: Any) -> Simulation:
        """Return a new simulation, not yet mounted: use it as a context manager (``with
        factory() as sim:`` mounts it for every httpx client in the block), or its
        ``client()`` / ``async_client()`` / ``transport()``.

        ``scenario``, ``overrides`` and ``strict`` default to the marker's and the options'.
        ``seed`` defaults to the marker's; failing that, inside a Hypothesis example it is
        drawn from the example's data (so examples differ, shrink toward seed 0 and replay
        from Hypothesis's database; the drawn seed is printed with a failing example);
        failing that, the ``--octosim-seed`` / ``octosim_seed`` option, else 0.

        Raises ScenarioError for a bad ``scenario`` argument, TypeError for an unknown
        override, pytest.UsageError for a bad marker or configured scenario.
        """
        __tracebackhide__ = True
        from octosim.scenario import ScenarioError
        from octosim.simulation import Simulation

        item = self._item
        settings = _settings_for(self._config, item)
        if seed is None:
            drawn = None if settings.seed_is_explicit else _seed_from_hypothesis()
            seed = settings.seed if drawn is None else drawn
        try:
            sim = Simulation.from_scenario(
                settings.scenario if scenario is None else scenario, seed=seed,
                **{**settings.overrides, **overrides},
            )
        except ScenarioError as exc:
            if scenario is not None:
                raise
            raise pytest.UsageError(f"octosim: the configured scenario: {exc}") from None
        sim.strict = settings.strict if strict is None else strict
        if item is not None:
            _remember(item, sim)
        return sim


def _seed_from_hypothesis() -> int | None:
    """Return a seed drawn from the running Hypothesis example's data, or None when no
    example is running (or it is an explicit ``@example``, which has nothing to draw from).

    Why a draw and not a random number: a draw is part of the example's choice sequence,
    exactly like a value from ``st.data()``, so Hypothesis shrinks it, stores it in its
    database and replays it with ``@reproduce_failure``. It uses Hypothesis's build context
    the way ``st.data()`` does; if a future Hypothesis lacks those attributes this returns
    None and the configured seed is used, as it would be outside Hypothesis.
    """
    example = _running_example()
    if example is None:
        return None
    data = getattr(example, "data", None)
    draw = getattr(data, "draw", None)
    if draw is None:
        return None
    if getattr(data, "max_choices", None) == 0:
        return None  # an explicit @example runs on empty data: a draw would abort it
    from hypothesis import note

    from octosim.strategies import seeds

    seed = int(draw(seeds()))
    note(f"octopus_factory: seed={seed} (drawn by Hypothesis)")
    return seed


def _remember(item: pytest.Item, sim: Simulation) -> None:
    record = item.stash.setdefault(_RECORD, _TestRecord())
    record.pending.append(sim)
    example = _running_example()
    if example is None:
        record.recent.append(sim)
        return
    from hypothesis.control import cleanup

    # Report only the newest example's simulations: when a test fails, that is the shrunk
    # example Hypothesis replays last, not whatever ran before it.
    if record.example is not example:
        record.example = example
        record.recent.clear()
    record.recent.append(sim)

    # Collect the example's unhandled requests when it ends and let the simulation go: a
    # test of 500 examples must not keep 500 simulations alive until it ends.
    def harvest() -> None:
        record.unhandled.extend(_unhandled(sim))
        if sim in record.pending:
            record.pending.remove(sim)

    cleanup(harvest)


def _running_example() -> object | None:
    """Return the running Hypothesis example's build context, or None outside one."""
    if "hypothesis" not in sys.modules:
        return None  # never imported: no @given test can be running
    from hypothesis import control

    if not control.currently_in_test_context():
        return None
    # Undocumented (the public API only says whether an example runs, not which one);
    # without it every example looks like the first, which costs only report precision.
    current = getattr(control, "current_build_context", None)
    return current() if current is not None else control


def _unhandled(sim: Simulation) -> list[str]:
    if not sim.strict:
        return []
    return [f"{r.method.upper()} {r.path}" for r in sim.api.unhandled]


def _check_strict(item: pytest.Item) -> None:
    """Fail the test if a strict simulation saw requests it does not implement."""
    __tracebackhide__ = True
    record = item.stash.get(_RECORD, None)
    if record is None:
        return
    lines = list(record.unhandled)
    for sim in record.pending:
        lines.extend(_unhandled(sim))
    record.pending.clear()
    record.unhandled.clear()
    if not lines:
        return
    counts = Counter(lines)
    shown = [f"  {line}" + (f"  (x{n})" if n > 1 else "") for line, n in counts.items()]
    more = len(shown) - 20
    pytest.fail(
        "octosim: the test made requests the simulator does not implement (it answered "
        "404 or 405):\n" + "\n".join(shown[:20]) + (f"\n  ... and {more} more" if more > 0
                                                      else "")
        + "\n\nServe them with sim.api.add_route(method, pattern, handler), or allow them "
        "for this test with @pytest.mark.octopus(strict=False) (octopus_factory(strict="
        "False) for one simulation), or for every test with the ini option "
        "octosim_strict = false.",
        pytrace=False,
    )


# -- fixtures --------------------------------------------------------------------------------
def _refuse_inside_given(request: pytest.FixtureRequest, fixture: str) -> None:
    """Fail at once if ``request``'s test is a Hypothesis test: a per-test simulation would
    be shared by all its examples."""
    __tracebackhide__ = True
    if "hypothesis" not in sys.modules:
        return  # never imported: the test cannot be a @given test
    from hypothesis import is_hypothesis_test

    if not is_hypothesis_test(getattr(request, "function", None)):
        return
    used = [f for f in _PER_TEST_FIXTURES if f in request.fixturenames] or [fixture]
    name = getattr(request.node, "originalname", request.node.name)
    if fixture == "octopus_server":
        replacement = ("        with LiveServer(octopus_factory()) as server:  "
                       "# from octosim.server\n")
    else:
        replacement = "        with octopus_factory() as sim:  # mounted for the block\n"
    pytest.fail(
        f"{request.node.name} uses {', '.join(used)} inside @given. These fixtures are made "
        "once per test, so every Hypothesis example would share one simulation, its clock "
        "and its journal.\nMake a fresh one in each example with the octopus_factory "
        "fixture instead:\n\n"
        f"    @given(...)\n    def {name}(octopus_factory, ...):\n"
        + replacement + "            ...\n",
        pytrace=False,
    )


@pytest.fixture(scope="session")
def octopus_factory(pytestconfig: pytest.Config) -> SimulationFactory:
    """A factory for fresh simulations: one per Hypothesis example, or several per test.

    Session-scoped because it holds no simulation: each call builds a new one with the
    settings of the test running at that moment (see :class:`SimulationFactory`).
    """
    return SimulationFactory(pytestconfig)


@pytest.fixture
def octopus(request: pytest.FixtureRequest,
            octopus_factory: SimulationFactory) -> Iterator[Simulation]:
    """A ready simulation, mounted for every httpx client in the test at its base URL.

    Fails at once inside ``@given`` (use ``octopus_factory``).
    """
    _refuse_inside_given(request, "octopus")
    with octopus_factory() as sim:
        yield sim


@pytest.fixture
def octopus_clock(octopus: Simulation) -> VirtualClock:
    """The virtual clock shared by ``octopus`` and the code under test."""
    return octopus.clock


@pytest.fixture
def octopus_time(octopus: Simulation) -> Iterator[Simulation]:
    """``octopus``, with ``time.sleep``/``monotonic``/``perf_counter``/``time`` running on its
    virtual clock for the whole test (synchronous code only: an asyncio loop reads
    ``time.monotonic`` too)."""
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
    """An ``httpx.AsyncClient`` bound to ``octopus`` with a valid API key.

    A plain (sync) fixture, so it works under any async test runner (anyio's
    ``@pytest.mark.anyio``, pytest-asyncio, pytest-trio) and needs no event loop of its own.
    """
    client = octopus.async_client()
    yield client
    _close_async_client(client)


def _close_async_client(client: httpx.AsyncClient) -> None:
    """Close ``client`` from synchronous code, inside or outside a running event loop.

    Raises RuntimeError if closing had to wait for I/O (a transport that is not the
    simulator's was mounted on the client).
    """
    # The simulator's transport holds no sockets, so aclose() never suspends: it runs to
    # the end on its first step. Stepping it by hand works under asyncio, trio or no loop,
    # where asyncio.run() would fail inside the test runner's running loop.
    closing = client.aclose()
    try:
        closing.send(None)
    except StopIteration:
        return
    closing.close()
    raise RuntimeError("octopus_async_client: closing the client waited for I/O; close it "
                       "yourself (async with octopus_async_client: ...) in the test")


@pytest.fixture
def octopus_server(request: pytest.FixtureRequest,
                   octopus_factory: SimulationFactory) -> Iterator[LiveServer]:
    """A live server on 127.0.0.1 and a free port serving a fresh simulation; its ``url``,
    ``sim`` and ``sim.api_key`` are what a non-Python client needs. Safe under xdist.

    Virtual time follows real time at the marker's ``rate`` (default 1).
    """
    _refuse_inside_given(request, "octopus_server")
    from octosim.server import LiveServer

    rate = octopus_factory.settings.rate
    with LiveServer(octopus_factory(), rate=rate) as server:
        yield server


# -- hooks: the running test, strictness, Faker, failure reports ------------------------------
@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[
        None, object, object]:
    """Tell the session-wide factory which test is running."""
    state = item.config.stash.get(_STATE, None)
    if state is None:
        return (yield)
    state.item = item
    try:
        return (yield)
    finally:
        state.item = None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, list[object], list[object]]:
    """Fail a test that passed but made requests a strict simulation does not implement.

    Checked after the call rather than at teardown, so it is the test that fails (as with
    an assertion), not its teardown, and the failure report carries the timeline.
    """
    result = yield
    _check_strict(item)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef: pytest.FixtureDef[Any],
                         request: pytest.FixtureRequest) -> Generator[None, object, object]:
    """Add :class:`~octosim.faker_provider.OctopusProvider` to Faker's ``faker`` fixture.

    A hook on the fixture's result rather than an autouse fixture: it costs nothing in
    tests that do not use Faker and also reaches ``request.getfixturevalue("faker")``.
    """
    __tracebackhide__ = True  # a failing fixture's traceback should start at the fixture
    value = yield
    # Faker's own fixture hands out one session-wide instance: add the provider once.
    if (fixturedef.argname == "faker" and hasattr(value, "add_provider")
            and not hasattr(value, "octopus_api_key")):
        from octosim.faker_provider import OctopusProvider

        value.add_provider(OctopusProvider)
    return value


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Add the timelines of the test's newest simulations to its first failing report."""
    report = yield
    record = item.stash.get(_RECORD, None)
    if record is not None and call.when == "teardown":
        # Items live as long as the session: let their simulations go with the test.
        del item.stash[_RECORD]
    if report.failed and record is not None and record.recent and not record.reported:
        record.reported = True
        sims = list(record.recent)
        for n, sim in enumerate(sims, 1):
            name = getattr(sim.scenario, "name", "custom")
            which = f", {n} of the last {len(sims)}" if len(sims) > 1 else ""
            title = f"octosim timeline (scenario {name}, seed {sim.seed}{which})"
            timeline = sim.timeline(last=_TIMELINE_LINES) or "(nothing happened: no requests)"
            report.sections.append((title, timeline))
    return report
