"""Dates as Octopus Server (.NET, invariant culture) writes them in human-readable text.

The English day and month names come from tables, never from ``strftime``: ``%A``/``%B``/
``%p`` follow the machine's locale, and a German test runner must see what a real server
sends. Tables are also several times faster, which matters on the request path; so is
:func:`iso_milliseconds`, the JSON form, built from tables of digits (``isoformat`` goes
through a printf of every field and was the costliest C call of a simulated restart).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import lru_cache

__all__ = ["iso_microseconds", "iso_milliseconds", "long_date"]

_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


def long_date(wall: datetime) -> str:
    """Return ``wall`` in .NET's long date and time form with its offset, as Octopus puts
    it in a task's ``Completed`` and a machine's status summary.

    >>> from datetime import UTC
    >>> long_date(datetime(2024, 1, 15, 13, 5, 7, tzinfo=UTC))
    'Monday, 15 January 2024 1:05:07 PM +00:00'
    """
    hour = wall.hour % 12 or 12
    offset = _offset_text(wall.utcoffset())  # "+00:00"
    return (
        f"{_DAYS[wall.weekday()]}, {wall.day} {_MONTHS[wall.month - 1]} {wall.year} "
        f"{hour}:{wall.minute:02d}:{wall.second:02d} {'AM' if wall.hour < 12 else 'PM'} "
        f"{offset}"
    )


_TWO = tuple(f"{n:02d}" for n in range(100))
_THREE = tuple(f"{n:03d}" for n in range(1000))


def iso_milliseconds(wall: datetime) -> str:
    """Return ``wall.isoformat(timespec="milliseconds")``, the same text, faster.

    >>> from datetime import UTC
    >>> iso_milliseconds(datetime(2024, 1, 15, 9, 0, 17, 205999, tzinfo=UTC))
    '2024-01-15T09:00:17.205+00:00'
    """
    if wall.year < 1000:  # isoformat pads the year to four digits
        return wall.isoformat(timespec="milliseconds")
    return f"{_seconds(wall)}.{_THREE[wall.microsecond // 1000]}{_offset_text(wall.utcoffset())}"


def iso_microseconds(wall: datetime) -> str:
    """Return ``wall.isoformat(timespec="microseconds")``, the same text, faster.

    >>> from datetime import UTC
    >>> iso_microseconds(datetime(2024, 1, 15, 9, 0, 17, 205999, tzinfo=UTC))
    '2024-01-15T09:00:17.205999+00:00'
    """
    if wall.year < 1000:
        return wall.isoformat(timespec="microseconds")
    micro = wall.microsecond
    return (
        f"{_seconds(wall)}.{_THREE[micro // 1000]}{_THREE[micro % 1000]}"
        f"{_offset_text(wall.utcoffset())}"
    )


def _seconds(wall: datetime) -> str:
    """``wall`` as isoformat writes it up to the seconds (a year of four digits)."""
    return (
        f"{wall.year}-{_TWO[wall.month]}-{_TWO[wall.day]}T{_TWO[wall.hour]}:"
        f"{_TWO[wall.minute]}:{_TWO[wall.second]}"
    )


@lru_cache(maxsize=64)
def _offset_text(offset: timedelta | None) -> str:
    """A UTC offset as ``isoformat`` writes it (``+00:00``, ``-05:30``; empty for a naive
    time), written by ``isoformat`` itself once per offset."""
    if offset is None:
        return ""
    return datetime(2000, 1, 1, tzinfo=timezone(offset)).isoformat(timespec="milliseconds")[23:]
