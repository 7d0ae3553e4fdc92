""".NET TimeSpan text, as Octopus's API reads and writes it (``"00:05:00"``).

Task arguments such as a Health task's ``Timeout`` and ``MachineTimeout`` are TimeSpans,
and the server's own messages print durations the same way.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["format_timespan", "parse_timespan"]

_TIMESPAN = re.compile(
    r"""\s*(?P<sign>-)?(?:
        (?P<days_only>\d+)
      | (?:(?P<days>\d+)\.)?(?P<h>\d{1,2}):(?P<m>\d{1,2})(?::(?P<s>\d{1,2})(?:\.(?P<f>\d{1,7}))?)?
    )\s*""",
    re.VERBOSE,
)
_TIMESPAN_FORM = '[-][d.]hh:mm:ss[.fffffff], e.g. "00:05:00"'


def parse_timespan(text: str) -> float:
    """Return the seconds in a .NET TimeSpan string, as ``TimeSpan.Parse`` reads it.

    Accepts ``[-][d.]hh:mm[:ss[.fffffff]]`` and a bare day count: ``"00:05:00"``,
    ``"0:05:00"``, ``"1.00:00:00"``, ``"00:00:30.5"``, ``"-00:01:00"``, ``"2"``.
    Raises ValueError saying what is wrong (not a string, the wrong shape, hours > 23,
    minutes or seconds > 59).
    """
    if not isinstance(text, str):
        raise ValueError(f"expected a TimeSpan string ({_TIMESPAN_FORM}), got {text!r}")
    return _parse_timespan(text)


@lru_cache(maxsize=256)  # clients send the same few TimeSpans ("00:01:00") again and again
def _parse_timespan(text: str) -> float:
    match = _TIMESPAN.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not a TimeSpan; use {_TIMESPAN_FORM}")
    parts = match.groupdict()
    if parts["days_only"] is not None:
        seconds = int(parts["days_only"]) * 86_400.0
    else:
        h, m, s = int(parts["h"]), int(parts["m"]), int(parts["s"] or 0)
        if h > 23 or m > 59 or s > 59:
            raise ValueError(
                f"{text!r} is out of range: hours must be 0-23, minutes and seconds 0-59"
            )
        fraction = int((parts["f"] or "0").ljust(7, "0")) / 10_000_000
        seconds = int(parts["days"] or 0) * 86_400 + h * 3600 + m * 60 + s + fraction
    return -seconds if parts["sign"] else seconds


def format_timespan(seconds: float) -> str:
    """Return ``seconds`` as .NET's constant TimeSpan format: ``00:01:00``, ``1.00:00:00``,
    ``00:00:01.5000000`` (the inverse of :func:`parse_timespan` for what it returns)."""
    sign = "-" if seconds < 0 else ""
    ticks = round(abs(seconds) * 10_000_000)
    whole, fraction = divmod(ticks, 10_000_000)
    days, rest = divmod(whole, 86_400)
    h, rest = divmod(rest, 3600)
    m, s = divmod(rest, 60)
    return (
        sign + (f"{days}." if days else "") + f"{h:02d}:{m:02d}:{s:02d}"
        + (f".{fraction:07d}" if fraction else "")
    )
