"""The restart witness: the Tentacle process start times, read from a probe task's log.

A probe (:data:`~restart.scripts.WINDOWS_PROBE` / :data:`~restart.scripts.LINUX_PROBE`)
prints one start time per Tentacle process. Octopus stores each printed line as a log
element's ``MessageText`` somewhere in the task's ``ActivityLogs`` tree. The witness is the
sorted tuple of every such time, in UTC; it changes only when a Tentacle process restarts.

Only lines that are *entirely* a timestamp count (a message may hold several lines):
Octopus's own log lines also carry dates ("Task started at ..."), and a witness that caught
them would change on every probe and prove restarts that never happened.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

__all__ = ["parse_start_time", "task_log_lines", "witness_from_details"]

# Round-trip ("o") format: 2026-11-26T06:47:20.1230000+00:00 or ...Z; fractions optional.
_ISO = re.compile(
    r"(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d{1,7}))?(Z|[+-]\d{2}:\d{2})",
)
# `ps -o lstart=`: "Thu Nov 26 06:47:20 2026"; ps pads one-digit days with a space.
_LSTART = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\s+"
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+(\d{1,2})\s+"
    r"(\d{2}):(\d{2}):(\d{2})\s+(\d{4})"
)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def parse_start_time(text: str) -> datetime | None:
    """Return the UTC datetime ``text`` is (ISO round-trip or ``ps`` lstart format, with
    nothing else on the line but whitespace), or None when it is anything else."""
    line = text.strip()
    iso = _ISO.fullmatch(line)
    if iso:
        date, clock, fraction, zone = iso.groups()
        micro = (fraction or "").ljust(6, "0")[:6]
        zone = "+00:00" if zone == "Z" else zone
        try:
            parsed = datetime.fromisoformat(f"{date}T{clock}.{micro}{zone}")
        except ValueError:
            return None
        return parsed.astimezone(UTC)
    ps = _LSTART.fullmatch(line)
    if ps:
        month, day, hour, minute, second, year = ps.groups()
        try:
            return datetime(
                int(year),
                _MONTHS.index(month) + 1,
                int(day),
                int(hour),
                int(minute),
                int(second),
                tzinfo=UTC,
            )
        except ValueError:
            return None
    return None


def witness_from_details(details: object) -> tuple[datetime, ...] | None:
    """Return the sorted start times in a TaskDetailsResource (``GET .../details``), or None
    when it holds none (the probe printed nothing usable)."""
    times = sorted(t for t in map(parse_start_time, task_log_lines(details)) if t is not None)
    return tuple(times) or None


def task_log_lines(details: object) -> list[str]:
    """Return every log line in a TaskDetailsResource, in log order ([] for anything else)."""
    if not isinstance(details, dict):
        return []
    return [line for m in _messages(details.get("ActivityLogs")) for line in m.splitlines()]


def _messages(elements: object) -> Iterator[str]:
    # Walks ActivityElement trees: each has LogElements (with MessageText) and Children.
    if not isinstance(elements, list):
        return
    for element in elements:
        if not isinstance(element, dict):
            continue
        logs = element.get("LogElements")
        if isinstance(logs, list):
            for log in logs:
                if isinstance(log, dict) and isinstance(log.get("MessageText"), str):
                    yield log["MessageText"]
        yield from _messages(element.get("Children"))
