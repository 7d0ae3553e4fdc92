"""Validate simulator responses against Octopus's own Swagger 2.0 spec (server 2021.2).

The spec is read from ``../shared`` beside the repository (what CI has) or from the copy in
``tests/data`` (what a fresh clone has). Swagger 2.0 definitions become one JSON Schema
document whose ``$ref: #/definitions/X`` resolve as they are; every property is made
nullable because the real server sends null for unset values (``CompletedTime`` of a
running task, ``HelpText`` of an error) and Swagger 2.0 cannot say so.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import jsonschema

__all__ = ["SWAGGER_PATH", "assert_valid", "definition_names", "validator"]

_NAME = "octopus-swagger-2021.2.json"
_REPO = Path(__file__).resolve().parents[2]
_CANDIDATES = (_REPO.parent / "shared" / _NAME, _REPO / "tests" / "data" / _NAME)
SWAGGER_PATH = next((p for p in _CANDIDATES if p.exists()), _CANDIDATES[-1])


def _nullable(schema: Any) -> Any:
    """Return ``schema`` with every object property (recursively) also allowing null."""
    if isinstance(schema, list):
        return [_nullable(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _nullable(v) for k, v in schema.items() if k != "properties"}
    if "properties" in schema:
        out["properties"] = {
            name: {"anyOf": [{"type": "null"}, _nullable(prop)]}
            for name, prop in schema["properties"].items()
        }
    return out


@functools.cache
def _spec() -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(SWAGGER_PATH.read_text(encoding="utf-8"))
    return spec


@functools.cache
def _definitions() -> dict[str, Any]:
    return {name: _nullable(d) for name, d in _spec()["definitions"].items()}


def definition_names() -> set[str]:
    """Return the names of every definition in the spec."""
    return set(_spec()["definitions"])


@functools.cache
def validator(definition: str, *, array: bool = False) -> Any:
    """Return a jsonschema validator for ``definition`` (or an array of it when ``array``).
    Raises KeyError for a name the spec does not define."""
    if definition not in _definitions():
        raise KeyError(f"no definition {definition!r} in {SWAGGER_PATH.name}")
    ref = {"$ref": f"#/definitions/{definition}"}
    schema = {"definitions": _definitions(), **({"type": "array", "items": ref} if array else ref)}
    cls: Any = jsonschema.validators.validator_for(schema, default=jsonschema.Draft4Validator)
    return cls(schema)


def assert_valid(value: Any, definition: str, *, array: bool = False, where: str = "") -> None:
    """Fail with every schema violation if ``value`` does not match ``definition``."""
    errors = sorted(validator(definition, array=array).iter_errors(value), key=str)
    if errors:
        lines = "\n".join(
            f"  at {'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"
            for e in errors[:10]
        )
        raise AssertionError(f"{where or definition}: not a valid {definition}:\n{lines}")
