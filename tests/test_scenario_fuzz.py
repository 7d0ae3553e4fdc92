"""Scenario fuzzing over the whole schema (issue 14): random TOML documents, drawn from the
schema's own fields and Knobs, with good values, wrong types, and the values that make
zero-time loops or exhaust memory.

- Reading never raises anything but ScenarioError, whatever the bytes.
- What reads builds, and a restart of its first machine runs to completion.
- Writing what was read and reading it again gives the same scenario.

Good values are drawn from small sets (durations of 0.5 s and up, a few background tasks) so
that one example's restart runs in milliseconds; the bad ones go to the edges.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import math
import typing
from collections.abc import Mapping
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from octosim.scenario import Scenario, ScenarioError
from octosim.scenario._knob import Knob, knob_of
from octosim.scenario.read import read_text
from octosim.scenario.write import dumps
from octosim.simulation import Simulation
from restart.drivers.direct import run_direct
from restart.policy import RestartPolicy
from restart.target import RestartTarget

#: Values that are wrong for most keys: other types, and numbers at every edge.
_BAD = st.sampled_from([
    "x", "", True, -1, 0, 1e-300, 10**12, -0.5, math.nan, math.inf, -math.inf, [1, 2], {},
    ["a", 1], {"k": 1},
])
_SECONDS = (0, 0.5, 1, 5, 30, 120)
_NAMES = ("web-01", "web-02", "Development", "Test", "Production", "Tentacle", "Web", "Api")
_EXAMPLES = {  # good strings for keys with a pattern
    "version": ("2021.2.7727", "2024.1", "3.0.0.1"),
    "base_url": ("http://127.0.0.1:8065", "https://octopus.example/octopus/"),
}


def _good_number(k: Knob, integer: bool) -> st.SearchStrategy[Any]:
    if k.choices:
        return st.sampled_from(k.choices)
    low = k.low or 0
    if integer:
        high = low + 5 if k.high is None else min(k.high, low + 5)
        return st.integers(int(low), int(high))
    values = [v for v in (*_SECONDS, 0.001, 0.1, 0.5, 1.0)
              if v >= low and (not k.low_open or v > low) and (k.high is None or v <= k.high)]
    return st.sampled_from(values)


def _good(tp: Any, k: Knob, name: str) -> st.SearchStrategy[Any]:
    """Values the schema may accept for a key of type ``tp``."""
    if typing.get_origin(tp) in (typing.Union, type(int | None)):
        tp = next(a for a in typing.get_args(tp) if a is not type(None))
    if tp is bool:
        return st.booleans()
    if tp in (int, float):
        return _good_number(k, tp is int)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return st.sampled_from([m.value for m in tp])
    if tp is str:
        if k.choices:
            return st.sampled_from([*k.choices, *(c.upper() for c in k.choices)])
        return st.sampled_from(_EXAMPLES.get(name, _NAMES))
    if dataclasses.is_dataclass(tp):
        return _document(typing.cast(type, tp), k)
    args = typing.get_args(tp)
    if args == (float, float):
        seconds = st.sampled_from(_SECONDS)
        return st.one_of(seconds, st.tuples(seconds, seconds).map(lambda p: sorted(p)))
    if typing.get_origin(tp) is tuple:
        item = (_document(typing.cast(type, args[0]), k) if dataclasses.is_dataclass(args[0])
                else st.sampled_from(_NAMES))
        return st.lists(item, min_size=int(k.low or 0), max_size=3)
    if args == (str, str):  # an agent's machine_environment
        return st.dictionaries(st.sampled_from(_NAMES), st.sampled_from(_NAMES), max_size=3)
    if k.table is not None:  # [server.options]: ServerOptions' own fields and types
        hints = typing.get_type_hints(k.table)
        keys = {f.name: _value(hints[f.name], knob_of(f, k.of), f.name)
                for f in dataclasses.fields(k.table) if f.name not in k.exclude}
        return st.fixed_dictionaries({}, optional=keys)
    raise AssertionError(f"the fuzzer has no values for {name}: {tp!r}")


def _value(tp: Any, k: Knob, name: str) -> st.SearchStrategy[Any]:
    # Mostly good values, so that many documents read and their worlds run; a bad one in
    # twenty (and shrinking toward it, as the bad values are what a failure is about).
    good = _good(tp, k, name)
    return st.integers(0, 19).flatmap(lambda n: _BAD if n == 0 else good)


def _document(cls: type, outer: Knob) -> st.SearchStrategy[dict[str, Any]]:
    """A table for dataclass ``cls``: any of its keys, each good or bad."""
    hints = typing.get_type_hints(cls)
    required: dict[str, st.SearchStrategy[Any]] = {}
    optional: dict[str, st.SearchStrategy[Any]] = {}
    for f in dataclasses.fields(cls):
        if f.init:
            k = knob_of(f, outer.of)
            missing = f.default is f.default_factory is dataclasses.MISSING
            (required if missing else optional)[k.toml or f.name] = _value(
                hints[f.name], k, f.name)
    return st.fixed_dictionaries(required, optional=optional)


# The loop-makers of issue 14, drawn on purpose beside the random documents.
_LOOPS = st.sampled_from([
    {"server": {"background_load": {"count": 1, "duration": 0, "repeat_until": 10}}},
    {"agents": [{"start_seconds": 0, "fail_to_start_rate": 1.0, "watchdog_interval": 1e-300}]},
    {"agents": [{"start_seconds": 0, "fail_to_start_rate": 1.0, "watchdog_interval": 1}]},
    {"server": {"background_load": {"count": 100_000_000}}},
    {"server": {"options": {"default_read_timeout": "30"}}},
    {"no_such_key": 1, "agents": [{"environment_name": "Test"}]},
])

DOCUMENTS = st.one_of(_document(Scenario, Knob()), _LOOPS)
POLICY = RestartPolicy(deadline=120, cleanup_allowance=10)


def _read(document: Mapping[str, Any]) -> Scenario | None:
    try:
        return Scenario.from_toml(dumps(document), source="fuzz")
    except ScenarioError:
        return None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCUMENTS, st.integers(0, 3))
def test_any_document_reads_or_is_a_scenario_error_and_what_reads_runs(
    document: dict[str, Any], seed: int
) -> None:
    scenario = _read(document)
    if scenario is None:
        return
    assert Scenario.from_toml(scenario.to_toml()) == scenario
    assert Scenario.from_dict(scenario.to_dict()) == scenario
    sim = Simulation.from_scenario(scenario, seed=seed)
    report = run_direct(sim, RestartTarget(machine_id="Machines-1"), POLICY, raise_errors=False)
    assert report.outcome is not None
    assert sim.clock.now() <= POLICY.deadline + 1


def test_the_fuzzer_reaches_worlds_that_run() -> None:
    # Without this, a fuzzer whose every document were refused would pass vacuously.
    readable = []

    @settings(max_examples=120, deadline=None, database=None, derandomize=True)
    @given(_document(Scenario, Knob()))
    def count(document: dict[str, Any]) -> None:
        readable.append(_read(document) is not None)

    count()
    assert 0.1 <= sum(readable) / len(readable) < 1, sum(readable)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode)))
def test_any_bytes_read_or_are_a_scenario_error(data: bytes) -> None:
    with contextlib.suppress(ScenarioError):
        Scenario.from_toml(read_text(data, "fuzz"))
