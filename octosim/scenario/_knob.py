"""The vocabulary the schema is written in: :class:`Knob` (what a field is called in TOML,
its bounds and unit) and :class:`ScenarioError`.

A schema dataclass carries a Knob in each field's metadata (:func:`knob`); the reader and the
writer walk ``dataclasses.fields`` and read these, so a new field is declared once, where
its dataclass is. Dataclasses the scenario reuses from the model (``HealthSettings``,
``FaultRule``) cannot carry them: the field that holds them gives their Knobs in ``of``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["KNOB", "Check", "Knob", "ScenarioError", "knob", "knob_of", "show"]

#: A whole-table check: given the table's dataclass, yields ``(key, problem)`` pairs, the key
#: being the TOML key the problem is about ("" for the table itself).
Check = Callable[[Any], Iterable[tuple[str, str]]]


class ScenarioError(ValueError):
    """A scenario that cannot be used; ``problems`` lists each as ``field: what is wrong``.

    The message gives each problem on its own line (one problem stays on the first line).
    """

    def __init__(self, problems: list[str], source: str = "") -> None:
        self.problems = problems
        self.source = source
        where = f"scenario {source}:" if source else "scenario:"
        if len(problems) == 1:
            text = problems[0] if not source else f"{where} {problems[0]}"
        else:
            text = "\n".join([f"{where} {len(problems)} problems", *(f"  {p}" for p in problems)])
        super().__init__(text)


@dataclass(frozen=True)
class Knob:
    """How one field of a schema dataclass reads and writes.

    - ``toml``: its TOML key, when that is not the field's name.
    - ``low`` / ``high``: bounds of a number (inclusive; ``low_open``: ``low`` itself is
      not allowed), or of a list's length.
    - ``unit``: what a number counts ("seconds"), named in messages and docs.
    - ``choices``: the values allowed; ``fold_case``: strings match ignoring case and read
      as the choice they match.
    - ``pattern`` / ``pattern_text``: a regular expression a string must match in full, and
      how a message describes it.
    - ``of``: Knobs of a nested dataclass's fields that cannot carry their own (a model
      dataclass), or of the fields of ``table``.
    - ``table``: for a mapping field, the dataclass whose fields are its keys and types.
    - ``exclude``: fields of ``table`` that are not keys here.
    - ``keys``: which keys a table may have, given its raw contents (None: all fields).
    - ``check``: problems that involve several fields of the table (after it is built).
    - ``required``: what a missing key's message says it must be.
    """

    toml: str = ""
    low: float | None = 0.0
    high: float | None = None
    low_open: bool = False
    unit: str = ""
    choices: tuple[Any, ...] = ()
    fold_case: bool = False
    pattern: str = ""
    pattern_text: str = ""
    of: Mapping[str, Knob] = field(default_factory=dict)
    table: type | None = None
    exclude: tuple[str, ...] = ()
    keys: Callable[[Mapping[str, Any]], tuple[str, ...] | None] | None = None
    check: Check | None = None
    required: str = ""


#: The Knob of a field that declares none: a number >= 0, a string, a list of any length.
KNOB = Knob()


def knob(**settings: Any) -> dict[str, Knob]:
    """Return the field metadata that holds the Knob made of ``settings``:
    ``os: str = field(default="Windows", metadata=knob(choices=OS_FAMILIES))``."""
    return {"knob": Knob(**settings)}


def knob_of(f: dataclasses.Field[Any], overlay: Mapping[str, Knob]) -> Knob:
    """Return the Knob of field ``f``: the overlay's for it, else its own, else :data:`KNOB`."""
    found = overlay.get(f.name) or f.metadata.get("knob")
    return found if isinstance(found, Knob) else KNOB


def show(value: Any) -> str:
    """Return ``value`` as a message shows it: as JSON (as the TOML was), else its repr."""
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)
