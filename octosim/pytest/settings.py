"""Options, ini values and the ``octopus`` marker, merged into one test's settings.

Precedence, closest first: the factory's own arguments; the ``octopus`` marker (markers on
the function, class and module merge, the closest winning per key); then, for the seed only,
inside a Hypothesis example, a seed drawn from the example's own data; then
``--octosim-scenario`` / ``--octosim-seed``; then the ``octosim_scenario`` /
``octosim_seed`` ini options; then ``default`` / 0.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

__all__ = ["STATE", "OctopusSettings", "SessionState", "settings_for"]

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
    parser.addini("octosim_step_actions", "Python step actions to enable in every simulation "
                  "the fixtures make: entry point names of the group octosim.step_actions "
                  "(restart: Octosim.RestartTentacle)", type="args", default=[])


@dataclass
class SessionState:
    """Per-session plugin state, kept on the config: pytester runs sessions inside sessions
    in one process, so nothing of this may live in a module global."""

    item: pytest.Item | None = None  # the test running now, for the session-wide factory


STATE = pytest.StashKey[SessionState]()


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker and check the options now, so a typo stops the run at once.

    Raises pytest.UsageError for an ini seed that is not a whole number, or a configured
    scenario that cannot be loaded.
    """
    config.addinivalue_line("markers", _MARKER_DOC)
    config.stash[STATE] = SessionState()
    _default_seed(config)
    scenario, source = _default_scenario(config)
    if scenario != "default":  # the default preset needs no check, nor the import
        from octosim.scenario import Scenario, ScenarioError

        try:
            Scenario.load(scenario)
        except ScenarioError as exc:
            raise pytest.UsageError(f"octosim: {source} {scenario!r}: {exc}") from None


def pytest_report_header(config: pytest.Config) -> str:
    """Return the header line naming the session's default scenario, seed and strictness."""
    scenario = config.getoption("--octosim-scenario", None) or config.getini("octosim_scenario")
    strict = "true" if config.getini("octosim_strict") else "false"
    return (f"octosim: scenario={scenario} seed={_default_seed(config)} strict={strict} "
            "(--octosim-scenario / --octosim-seed to change)")


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


def settings_for(config: pytest.Config, item: pytest.Item | None) -> OctopusSettings:
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
