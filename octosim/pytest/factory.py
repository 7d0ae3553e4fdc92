"""The session-wide :class:`SimulationFactory`, and what the plugin records of each
simulation it makes: its scenario and strictness (the plugin's business, not the
simulation's), and the newest ones of each test for its failure report.

Inside a Hypothesis example the seed is drawn from the example's own data (see
:meth:`SimulationFactory.__call__`).
"""

from __future__ import annotations

import sys
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

import pytest

from octosim.pytest.settings import STATE, OctopusSettings, settings_for

if TYPE_CHECKING:
    from octosim.scenario import Scenario
    from octosim.simulation import Simulation

__all__ = ["RECORD", "SimulationFactory", "SimulationRecord", "TestRecord", "record_of"]

#: Failed tests show this many of their newest simulations: a Hypothesis test makes one per
#: example, and the last one made is the shrunk example Hypothesis replays at the end.
_REPORTED_SIMS = 3


@dataclass
class SimulationRecord:
    """What the plugin knows of one simulation it made (``octopus_factory.record_of(sim)``).

    Set ``strict`` to False to allow requests the simulator does not implement for this
    simulation only.
    """

    scenario: Scenario  # what it was built from
    strict: bool  # fail the test on requests the simulator does not implement


#: Per simulation, as long as the simulation lives: weak keys, so a Hypothesis test's
#: hundreds of simulations are not kept alive by the plugin.
_SIMULATIONS: WeakKeyDictionary[Simulation, SimulationRecord] = WeakKeyDictionary()


def record_of(sim: Simulation) -> SimulationRecord | None:
    """Return the plugin's record of ``sim``, or None for a simulation it did not make."""
    return _SIMULATIONS.get(sim)


@dataclass
class TestRecord:
    """The simulations one test made, for its failure report and its strictness check."""

    __test__ = False  # not a test class, whatever pytest's name pattern says

    recent: deque[Simulation] = field(default_factory=lambda: deque(maxlen=_REPORTED_SIMS))
    example: object = None  # the Hypothesis example that made ``recent``
    pending: list[Simulation] = field(default_factory=list)  # not yet checked for strictness
    unhandled: list[str] = field(default_factory=list)  # found in finished Hypothesis examples
    reported: bool = False


RECORD = pytest.StashKey[TestRecord]()


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
        return settings_for(self._config, self._item)

    @property
    def made(self) -> list[Simulation]:
        """The newest simulations made for the running test (at most a few)."""
        item = self._item
        return list(item.stash[RECORD].recent) if item and RECORD in item.stash else []

    @staticmethod
    def record_of(sim: Simulation) -> SimulationRecord:
        """Return what the plugin records of ``sim``: its scenario and strictness.

        Raises LookupError for a simulation this factory did not make.
        """
        record = record_of(sim)
        if record is None:
            raise LookupError(f"{sim!r} was not made by octopus_factory (nor a fixture), "
                              "so the plugin keeps no record of it")
        return record

    @property
    def _item(self) -> pytest.Item | None:
        return self._config.stash[STATE].item if STATE in self._config.stash else None

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
        from octosim.scenario import Scenario, ScenarioError
        from octosim.simulation import Simulation

        item = self._item
        settings = settings_for(self._config, item)
        if seed is None:
            drawn = None if settings.seed_is_explicit else _seed_from_hypothesis()
            seed = settings.seed if drawn is None else drawn
        chosen = settings.scenario if scenario is None else scenario
        try:
            loaded = chosen if isinstance(chosen, Scenario) else Scenario.load(chosen)
            sim = Simulation.from_scenario(loaded, seed=seed, **{**settings.overrides, **overrides})
        except ScenarioError as exc:
            if scenario is not None:
                raise
            raise pytest.UsageError(f"octosim: the configured scenario: {exc}") from None
        step_actions = self._config.getini("octosim_step_actions")
        if step_actions:
            try:
                sim.install_step_actions(*step_actions)
            except LookupError as exc:
                raise pytest.UsageError(
                    f"octosim: ini option octosim_step_actions: {exc}") from None
        _SIMULATIONS[sim] = SimulationRecord(
            scenario=loaded, strict=settings.strict if strict is None else strict,
        )
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
    record = item.stash.setdefault(RECORD, TestRecord())
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
        record.unhandled.extend(unhandled(sim))
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


def unhandled(sim: Simulation) -> list[str]:
    """Return the requests a strict ``sim`` could not serve, as ``METHOD /path`` lines."""
    record = record_of(sim)
    if record is not None and not record.strict:
        return []
    return [f"{r.method.upper()} {r.path}" for r in sim.api.unhandled]
