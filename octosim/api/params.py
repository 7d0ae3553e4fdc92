"""Query-string parameters as Octopus reads them: case-insensitive keys, lists that come
comma-joined *or* as repeated keys, and typed values whose problems are 400s.

Every parser raises :class:`~octosim.api.errors.ApiError` (400) naming the parameter, the
value it got and what it expects, so a client author sees the fix in the error body.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Protocol, TypeVar

from octosim.api.errors import bad_request

__all__ = ["QueryParams", "by_id_and_name", "parse_date"]

_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})


class QueryParams:
    """The query of one request, keyed by lower-cased name, repeated keys kept in order."""

    __slots__ = ("_values",)

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        values: dict[str, list[str]] = {}
        for key, value in pairs:
            values.setdefault(key.lower(), []).append(value)
        self._values = values

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._values

    def __bool__(self) -> bool:
        return bool(self._values)

    def names(self) -> list[str]:
        """Return the lower-cased names present, in first-seen order."""
        return list(self._values)

    def get(self, name: str) -> str | None:
        """Return the last value of ``name`` (any case), or None if absent."""
        values = self._values.get(name.lower())
        return values[-1] if values else None

    def values(self, name: str) -> list[str] | None:
        """Return every value of ``name``, comma-joined ones split, blanks dropped and
        whitespace trimmed; None if the parameter is absent (an empty list if present but
        empty, which callers treat as "no filter")."""
        values = self._values.get(name.lower())
        if values is None:
            return None
        return [part.strip() for value in values for part in value.split(",") if part.strip()]

    def flag(self, name: str) -> bool | None:
        """Return ``name`` as a boolean (true/false, 1/0, any case); None if absent or
        empty. Raises ApiError (400) for anything else."""
        value = self.get(name)
        if value is None or not value.strip():
            return None
        low = value.strip().lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise bad_request(f"{name}: {value!r} is not a boolean; use true or false.")

    def integer(self, name: str, default: int, *, minimum: int = 0) -> int:
        """Return ``name`` as an integer >= ``minimum`` (``default`` if absent or empty).
        Raises ApiError (400) for a non-integer or a value below ``minimum``."""
        value = self.get(name)
        if value is None or not value.strip():
            return default
        text = value.strip()
        # int() accepts "1_000" and 4,000-digit strings; a query parameter should not.
        digits = text[1:] if text[:1] in "+-" else text
        if not digits.isascii() or not digits.isdigit() or len(digits) > 18:
            raise bad_request(f"{name}: {value!r} is not an integer; use a whole number.")
        number = int(text)
        if number < minimum:
            raise bad_request(f"{name}: {number} is not allowed; use a number >= {minimum}.")
        return number

    def date(self, name: str) -> datetime | None:
        """Return ``name`` as an aware datetime (None if absent or empty). Raises ApiError
        (400) if it is not an ISO-8601 date."""
        value = self.get(name)
        if value is None or not value.strip():
            return None
        return parse_date(value, name)


def parse_date(value: object, what: str) -> datetime:
    """Return ``value`` (an ISO-8601 string) as an aware datetime, UTC if it has no offset.

    Raises ApiError (400) naming ``what`` if it is not a string or not a date.
    """
    if isinstance(value, str):
        text = value.strip()
        # "Z" is ISO-8601 but only Python 3.11+ fromisoformat takes it; be explicit anyway.
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
            # In UTC, so every later sum stays inside datetime's range (year 1 to 9999).
            return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
        except (ValueError, OverflowError):
            pass
    raise bad_request(
        f"{what}: {value!r} is not a date; use ISO 8601, e.g. 2024-01-15T09:00:00.000+00:00."
    )


class _Named(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...


Named = TypeVar("Named", bound=_Named)


def by_id_and_name(query: QueryParams, items: list[Named]) -> list[Named]:
    """Return ``items`` kept by the filters spaces, environments and machines share:
    ``ids``, ``name`` (exact, any case) and ``partialName`` (a substring, any case)."""
    ids = query.values("ids")
    if ids:
        wanted = set(ids)
        items = [item for item in items if item.id in wanted]
    name = query.get("name")
    if name:
        items = [item for item in items if item.name.casefold() == name.casefold()]
    partial = query.get("partialName")
    if partial:
        items = [item for item in items if partial.casefold() in item.name.casefold()]
    return items
