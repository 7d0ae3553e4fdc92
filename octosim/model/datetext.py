"""Dates as Octopus Server (.NET, invariant culture) writes them in human-readable text.

The English day and month names come from tables, never from ``strftime``: ``%A``/``%B``/
``%p`` follow the machine's locale, and a German test runner must see what a real server
sends. Tables are also several times faster, which matters on the request path.
"""

from __future__ import annotations

from datetime import datetime

__all__ = ["long_date"]

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
    offset = wall.isoformat(timespec="milliseconds")[23:]  # "+00:00"
    return (
        f"{_DAYS[wall.weekday()]}, {wall.day} {_MONTHS[wall.month - 1]} {wall.year} "
        f"{hour}:{wall.minute:02d}:{wall.second:02d} {'AM' if wall.hour < 12 else 'PM'} "
        f"{offset}"
    )
