"""Reading the bodies of the deployment routes: keys in any case, typed fields, clear 400s.

Real clients disagree on casing (octopus-deployments.md §1.1): the Go CLI sends
``projectName``, the TS client ``ProjectName`` plus ``spaceId``, ``octopus-deploy`` camelCase
on classic routes. The server binds case-insensitively, so every deployment route reads its
body through :class:`Body`, which folds the keys once and names the field (in Octopus's
PascalCase) in each problem it reports.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from octosim.api.context import RequestContext, json_type_name
from octosim.api.errors import bad_request
from octosim.api.params import parse_date

__all__ = ["Body", "read_body"]


class Body:
    """A JSON object whose keys are matched case-insensitively.

    Each getter returns the default for a missing key or a JSON null (the Go client sends
    ``"useGuidedFailure": null`` to mean "the default"), and raises ApiError (400) naming the
    field when the value has the wrong type.
    """

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = {key.lower(): value for key, value in data.items()}

    def raw(self, name: str) -> Any:
        """Return the value of ``name`` (any case), or None."""
        return self.data.get(name.lower())

    def text(self, name: str, default: str | None = None) -> str | None:
        """Return a string field (stripped), ``default`` if absent, null or blank."""
        value = self.raw(name)
        if value is None:
            return default
        if not isinstance(value, str):
            raise bad_request(f"{name}: expected a string, got {json_type_name(value)}.")
        return value.strip() or default

    def required_text(self, name: str, example: str) -> str:
        """Return a string field that must be present and not blank."""
        value = self.text(name)
        if value is None:
            raise bad_request(f"{name} is required, e.g. {example}.")
        return value

    def flag(self, name: str, default: bool = False) -> bool:
        """Return a boolean field (``"true"``/``"false"`` strings accepted)."""
        value = self.raw(name)
        if value is None:
            return default
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        if not isinstance(value, bool):
            raise bad_request(f"{name}: expected true or false, got {json_type_name(value)}.")
        return value

    def optional_flag(self, name: str) -> bool | None:
        """Return a tri-state boolean field: None when absent or null (the caller's default
        applies), else the value (``"true"``/``"false"`` strings accepted)."""
        if self.raw(name) is None:
            return None
        return self.flag(name)

    def texts(self, name: str) -> list[str]:
        """Return an array-of-strings field (a single string counts as one element)."""
        value = self.raw(name)
        if value is None:
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise bad_request(f"{name}: expected an array of strings, got {json_type_name(value)}.")
        return [v.strip() for v in value if v.strip()]

    def mapping(self, name: str) -> dict[str, Any]:
        """Return an object field (``{}`` if absent)."""
        value = self.raw(name)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise bad_request(f"{name}: expected an object, got {json_type_name(value)}.")
        return value

    def moment(self, ctx: RequestContext, name: str) -> float | None:
        """Return a date field as virtual seconds since the clock's epoch, or None."""
        value = self.raw(name)
        if value is None or value == "":
            return None
        return (parse_date(value, name) - ctx.clock.epoch).total_seconds()


def read_body(ctx: RequestContext, *, required: bool = True) -> Body:
    """Return the request's JSON object body as a :class:`Body` (400 if it is not one)."""
    return Body(ctx.body(required=required))
