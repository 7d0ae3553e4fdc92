"""The restart witness as a script prints it: a Tentacle process's start time.

Each real start of a Tentacle service launches a new process with a new start time; that
time is the one thing a restart client can read to prove a restart happened. This module
says how ``Get-Process``/``ps`` print it; :mod:`octosim.model.agents` keeps the times.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from octosim.model.datetext import iso_microseconds

if TYPE_CHECKING:
    from datetime import datetime

__all__ = ["WitnessStyle", "format_process_start"]

#: How a script prints the start time: PowerShell's round-trip ``"o"`` or ``ps -o lstart=``.
WitnessStyle = Literal["powershell", "bash"]


def format_process_start(wall: datetime, style: WitnessStyle) -> str:
    """Return a process start time as a script would print it.

    ``powershell``: ``(Get-Process).StartTime.ToString("o")`` on a DateTimeOffset, seven
    fractional digits (``2024-01-15T09:00:17.2050000+00:00``). ``bash``: ``ps -o lstart=``
    (``Mon Jan 15 09:00:17 2024``, the day space-padded as ps pads it).
    """
    if style == "powershell":
        iso = iso_microseconds(wall)  # ...T09:00:17.205000+00:00
        return f"{iso[:26]}0{iso[26:]}"  # .NET's "o" has seven fractional digits
    # English names from tables: ps prints them in the C locale, whatever this machine's
    # locale is (strftime's %a/%b would follow it).
    return (
        f"{_PS_DAYS[wall.weekday()]} {_PS_MONTHS[wall.month - 1]} {wall.day:>2} "
        f"{wall.hour:02d}:{wall.minute:02d}:{wall.second:02d} {wall.year}"
    )


_PS_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_PS_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
