"""Writing a scenario: the schema's dataclasses → Python values in the TOML schema → TOML text.

The writer walks ``dataclasses.fields`` as the reader does and writes each field under its
Knob's TOML name, so what it writes reads back as the same scenario
(``from_dict(to_dict(s)) == s``, ``from_toml(to_toml(s)) == s``). TOML has no null: a
field that is None is left out, which reads back as None.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import math
from collections.abc import Mapping
from typing import Any

from octosim.scenario._knob import KNOB, Knob, knob_of

__all__ = ["dumps", "to_dict", "to_toml"]


def to_dict(value: Any) -> dict[str, Any]:
    """Return dataclass ``value`` as a table of the TOML schema (plain Python values)."""
    table = _value(value, KNOB)
    assert isinstance(table, dict)
    return table


def _table(value: Any, outer: Knob) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in dataclasses.fields(value):
        if not f.init:
            continue
        k = knob_of(f, outer.of)
        item = getattr(value, f.name)
        if item is not None:
            out[k.toml or f.name] = _value(item, k)
    if outer.keys is not None:
        valid = outer.keys(out) or tuple(out)
        out = {key: item for key, item in out.items() if key in valid}
    return out


def _value(value: Any, k: Knob) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _table(value, k)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Mapping):
        return {key: _value(item, KNOB) for key, item in value.items()}
    if isinstance(value, tuple | list):
        if len(value) == 2 and all(_is_number(x) for x in value):
            # A span (or window): a fixed one is written as the one number it is.
            return value[0] if value[0] == value[1] else [value[0], value[1]]
        return [_value(item, k) for item in value]
    return value


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


# -- TOML text ----------------------------------------------------------------------------------
def to_toml(value: Any) -> str:
    """Return dataclass ``value`` as a TOML document."""
    return dumps(to_dict(value))


def dumps(table: Mapping[str, Any]) -> str:
    """Return ``table`` (strings, numbers, booleans, lists and tables) as a TOML document.
    Raises TypeError for a value TOML cannot hold (None, an object)."""
    lines: list[str] = []
    _emit(table, [], lines)
    return "\n".join(lines).strip() + "\n"


def _emit(table: Mapping[str, Any], path: list[str], lines: list[str]) -> None:
    # Plain keys first: in TOML, a key after a [header] belongs to that header's table.
    nested = {k: v for k, v in table.items() if isinstance(v, Mapping) or _is_tables(v)}
    for key, item in table.items():
        if key not in nested:
            lines.append(f"{_key(key)} = {_scalar(item)}")
    for key, item in nested.items():
        where = [*path, _key(key)]
        if isinstance(item, Mapping):
            lines.extend(["", f"[{'.'.join(where)}]"])
            _emit(item, where, lines)
        else:
            for entry in item:
                lines.extend(["", f"[[{'.'.join(where)}]]"])
                _emit(entry, where, lines)


def _is_tables(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, Mapping) for v in value)


def _key(key: str) -> str:
    bare = key and all(c.isascii() and (c.isalnum() or c in "-_") for c in key)
    return key if bare else _string(key)


def _string(text: str) -> str:
    # JSON's escapes are TOML's; TOML also wants DEL escaped.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    if isinstance(value, Mapping):  # an empty or inline table
        return "{" + ", ".join(f"{_key(k)} = {_scalar(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {value!r} as TOML")
