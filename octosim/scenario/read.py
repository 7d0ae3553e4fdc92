"""Reading a scenario: TOML text, a file or a preset → the schema's dataclasses, strictly.

The reader walks ``dataclasses.fields`` of the class it is asked for and reads each key by
the field's type and :class:`~octosim.scenario._knob.Knob` (its TOML name, bounds, unit,
choices). Nothing here knows the scenario's own classes, so a new field is read as soon as
it is declared. Every problem of a document is collected, each named by its key
(``agents[0].stop_seconds: expected a number or [min, max], got "fast"``), and raised at
once as a :class:`ScenarioError`.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import math
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from octosim.scenario._knob import KNOB, Check, Knob, ScenarioError, knob_of, show

__all__ = ["from_dict", "from_toml", "load", "presets", "read_text"]

T = TypeVar("T")

#: What a value that could not be read reads as: its field keeps its default.
_BAD: Any = object()

_BOMS = {
    b"\xef\xbb\xbf": "a UTF-8 byte order mark (BOM); save it as UTF-8 without one",
    b"\xff\xfe": "a UTF-16 byte order mark: it is UTF-16 text; save it as UTF-8",
    b"\xfe\xff": "a UTF-16 byte order mark: it is UTF-16 text; save it as UTF-8",
}


def presets() -> list[str]:
    """Return the names of the presets shipped with octosim, sorted."""
    folder = resources.files("octosim").joinpath("presets")
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir()
                  if p.name.endswith(".toml"))


def load(cls: type[T], name_or_path: str | Path, check: Check | None = None) -> T:
    """Return the preset named ``name_or_path`` or the scenario in that TOML file (a Path,
    or a string ending in ``.toml`` or containing a folder), as ``cls``; ``check`` finds the
    problems that involve several of its fields.

    Raises ScenarioError for an unknown preset, a missing or unreadable file, text that is
    not UTF-8, invalid TOML, or an invalid scenario.
    """
    path = Path(name_or_path)
    if isinstance(name_or_path, Path) or path.suffix == ".toml" or len(path.parts) > 1:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ScenarioError([f"cannot read it: {exc.strerror}"], str(path)) from None
        return from_toml(cls, read_text(data, str(path)), source=str(path),
                         default_name=path.stem, check=check)
    return typing.cast(T, _preset(typing.cast(type, cls), str(name_or_path), check))


@functools.cache
def _preset(cls: type, name: str, check: Check | None) -> Any:
    # Cached: scenarios are immutable, and one may be built for every Hypothesis example.
    resource = resources.files("octosim").joinpath("presets", f"{name}.toml")
    if not resource.is_file():
        raise ScenarioError(
            [f"there is no preset named {name!r}; presets: {', '.join(presets())} "
             "(or give the path of a .toml file)"]
        )
    return from_toml(cls, read_text(resource.read_bytes(), f"preset {name!r}"),
                     source=f"preset {name!r}", default_name=name, check=check)


def read_text(data: bytes, source: str) -> str:
    """Return ``data`` decoded as UTF-8. Raises ScenarioError naming a byte order mark, or
    the first byte that is not UTF-8."""
    for bom, what in _BOMS.items():
        if data.startswith(bom):
            raise ScenarioError([f"the file starts with {what}"], source)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            [f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
             f"{exc.start}); save it as UTF-8"], source) from None


def from_toml(cls: type[T], text: str, *, source: str = "", default_name: str = "",
              check: Check | None = None) -> T:
    """Return the scenario in TOML ``text`` as ``cls``; a document without ``name`` is
    named ``default_name`` (if given). Raises ScenarioError listing every problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([f"invalid TOML: {exc}"], source) from None
    if default_name:
        data.setdefault("name", default_name)
    return from_dict(cls, data, source=source, check=check)


def from_dict(cls: type[T], data: Mapping[str, Any], *, source: str = "",
              check: Check | None = None) -> T:
    """Return ``data`` (the TOML schema as Python values) read as ``cls``; ``check`` finds
    the problems that involve several of its fields. Raises ScenarioError listing every
    problem."""
    problems: list[str] = []
    value = _table(cls, data, "", problems, Knob(check=check) if check else KNOB)
    if problems or value is None:
        raise ScenarioError(problems or ["cannot be read"], source)
    return typing.cast(T, value)


# -- the walk ---------------------------------------------------------------------------------
def _at(path: str, key: str) -> str:
    return f"{path}.{key}" if path and key else path or key or "scenario"


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _is_optional(tp: Any) -> tuple[bool, Any]:
    args = typing.get_args(tp)
    if typing.get_origin(tp) in (typing.Union, types.UnionType) and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return True, rest[0]
    return False, tp


def _required(f: dataclasses.Field[Any]) -> bool:
    return f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING


def _table(cls: type, raw: Any, path: str, problems: list[str], outer: Knob) -> Any:
    """Read ``raw`` as dataclass ``cls``; None if it cannot be built."""
    if not isinstance(raw, Mapping):
        problems.append(f"{_at(path, '')}: expected a table, got {show(raw)}")
        return None
    by_key = {(knob_of(f, outer.of).toml or f.name): f
              for f in dataclasses.fields(cls) if f.init}
    valid = (outer.keys(raw) if outer.keys else None) or tuple(by_key)
    for key in raw:
        if key not in valid:
            problems.append(f"{_at(path, '')}: unknown key {key!r}; valid keys: "
                            f"{', '.join(sorted(valid))}")
    values: dict[str, Any] = {}
    buildable = True
    for key, f in by_key.items():
        k = knob_of(f, outer.of)
        if key in raw and key in valid:
            value = _value(_hints(cls)[f.name], k, raw[key], _at(path, key), problems)
            if value is not _BAD:
                values[f.name] = value
            elif _required(f):  # its problem is reported; there is nothing to build
                buildable = False
        elif _required(f):
            choices = _choices(_hints(cls)[f.name], k)
            what = f": one of {', '.join(map(show, choices))}" if choices else ""
            problems.append(f"{_at(path, key)}: is required{what}")
            buildable = False
    if not buildable:
        return None
    try:
        built = cls(**values)
    except (TypeError, ValueError) as exc:  # what the model's own dataclasses refuse
        problems.append(f"{_at(path, '')}: {exc}")
        return None
    if outer.check is not None:
        problems.extend(f"{_at(path, key)}: {text}" for key, text in outer.check(built))
    return built


def _choices(tp: Any, k: Knob) -> tuple[Any, ...]:
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return tuple(member.value for member in tp)
    return k.choices


def _bounds(k: Knob, integer: bool = False) -> str:
    def num(x: float) -> str:
        return str(int(x)) if integer or x == int(x) else f"{x:g}"

    low = None if k.low is None else num(k.low)
    if low is not None and k.high is not None and not k.low_open:
        return f" between {low} and {num(k.high)}"
    text = "" if low is None else f" {'>' if k.low_open else '>='} {low}"
    if k.high is not None:
        text += f"{' and' if text else ''} <= {num(k.high)}"
    return text


def _in_bounds(x: float, k: Knob) -> bool:
    if k.low is not None and (x < k.low or (k.low_open and x == k.low)):
        return False
    return k.high is None or x <= k.high


def _value(tp: Any, k: Knob, raw: Any, where: str, problems: list[str]) -> Any:
    """Read one value of type ``tp``; record a problem and return _BAD if it is wrong."""
    optional, tp = _is_optional(tp)

    def bad(expected: str) -> Any:
        omit = " (omit it for none)" if optional else ""
        problems.append(f"{where}: expected {expected}{omit}, got {show(raw)}")
        return _BAD

    unit = f" of {k.unit}" if k.unit else ""
    if tp is bool:
        return raw if isinstance(raw, bool) else bad("true or false")
    if tp is int:
        if k.choices:
            ok = isinstance(raw, int) and not isinstance(raw, bool) and raw in k.choices
            return raw if ok else bad(f"one of {list(k.choices)}")
        if isinstance(raw, bool) or not isinstance(raw, int) or not _in_bounds(raw, k):
            return bad(f"a whole number{unit}{_bounds(k, integer=True)}")
        return raw
    if tp is float:
        if (isinstance(raw, bool) or not isinstance(raw, int | float)
                or not math.isfinite(raw) or not _in_bounds(raw, k)):
            return bad(f"a number{unit}{_bounds(k)}")
        return float(raw)
    if tp is str or (isinstance(tp, type) and issubclass(tp, enum.Enum)):
        return _string(tp, k, raw, bad)
    if dataclasses.is_dataclass(tp):
        built = _table(typing.cast(type, tp), raw, where, problems, k)
        return _BAD if built is None else built
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is tuple and args == (float, float):
        return _pair(k, raw, bad)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return _list(args[0], k, raw, where, problems, bad)
    if origin is Mapping and k.table is not None:
        return _mapping(k, raw, where, problems)
    if origin is Mapping and args == (str, str):
        if not isinstance(raw, Mapping) or not all(isinstance(v, str) for v in raw.values()):
            return bad("a table of strings ({NAME = \"value\"})")
        return dict(raw)
    raise TypeError(f"{where}: the scenario reader cannot read a field of type {tp!r}")


def _string(tp: Any, k: Knob, raw: Any, bad: Any) -> Any:
    if not isinstance(raw, str):
        return bad("a string")
    choices = _choices(tp, k)
    if choices:
        match = [c for c in choices if c == raw or (k.fold_case and c.lower() == raw.lower())]
        if not match:
            return bad(f"one of {', '.join(map(show, choices))}")
        return tp(match[0]) if tp is not str else match[0]
    if k.pattern and not re.fullmatch(k.pattern, raw):
        return bad(k.pattern_text or f"a string matching {k.pattern}")
    return raw


def _pair(k: Knob, raw: Any, bad: Any) -> Any:
    # A number is a fixed span; [min, max] a range drawn from.
    numbers = raw if isinstance(raw, list | tuple) else [raw]
    if len(numbers) not in (1, 2) or not isinstance(raw, list | tuple | int | float) or any(
        isinstance(x, bool) or not isinstance(x, int | float) for x in numbers
    ):
        return bad("a number or [min, max]")
    lo, hi = numbers[0], numbers[-1]
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo > hi or not _in_bounds(lo, k):
        low = "0" if k.low is None else f"{k.low:g}"
        return bad(f"seconds {'>' if k.low_open else '>='} {low} with min <= max")
    if isinstance(raw, list | tuple) and len(raw) == 1:
        return bad("a number or [min, max]")
    return (float(lo), float(hi))


def _list(item: Any, k: Knob, raw: Any, where: str, problems: list[str], bad: Any) -> Any:
    tables = dataclasses.is_dataclass(item)
    key = where.rsplit(".", 1)[-1]
    what = f"[[{key}]] tables" if tables else "strings"
    if not isinstance(raw, list) or not all(tables or isinstance(x, str) for x in raw):
        return bad(f"a list of tables ([[{key}]])" if tables else "a list of strings")
    least = int(k.low or 0)
    if len(raw) < least or (k.high is not None and len(raw) > k.high):
        most = "" if k.high is None else f" to {int(k.high)}"
        problems.append(f"{where}: expected {least}{most} {what}, got {len(raw)}")
        return _BAD
    if not tables:
        return tuple(raw)
    read = [_table(item, x, f"{where}[{i}]", problems, k) for i, x in enumerate(raw)]
    return tuple(x for x in read if x is not None)


def _mapping(k: Knob, raw: Any, where: str, problems: list[str]) -> Any:
    """Read a table whose keys are the fields of ``k.table`` (``[server.options]``): each
    value is checked against that field's type and the Knob in ``k.of``."""
    assert k.table is not None
    if not isinstance(raw, Mapping):
        problems.append(f"{where}: expected a table, got {show(raw)}")
        return _BAD
    fields = {f.name: f for f in dataclasses.fields(k.table)
              if f.init and f.name not in k.exclude}
    out: dict[str, Any] = {}
    for key, value in raw.items():
        f = fields.get(key)
        if f is None:
            problems.append(f"{where}: unknown key {key!r}; valid keys: "
                            f"{', '.join(sorted(fields))}")
            continue
        read = _value(_hints(k.table)[key], knob_of(f, k.of), value, f"{where}.{key}", problems)
        if read is not _BAD:
            out[key] = read
    return out
