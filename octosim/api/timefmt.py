"""Virtual time as Octopus writes it: ISO-8601 dates, human durations, the "Completed" text.

Dates are rendered from :meth:`VirtualClock.wall`, so they are reproducible byte for byte;
the same few instants are rendered over and over (a task polled every 5 s re-sends its
QueueTime each time), so rendered dates are memoised per virtual time, and shared by every
clock on the same epoch (the simulations of one scenario, a Monte Carlo run's, all start at
its epoch and render the same instants).
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, tzinfo
from email.utils import format_datetime

from octosim.clock import VirtualClock
from octosim.model.datetext import iso_milliseconds, long_date

__all__ = ["Dates", "duration_text"]

# Enough for every timestamp a long simulation keeps re-sending; cleared (not LRU) when full
# because a clear costs nothing and the hot timestamps come straight back.
_CACHE_LIMIT = 65_536


class Dates:
    """Renders virtual times of one clock. ``iso(17.205)`` → ``2024-01-15T09:00:17.205+00:00``.

    Each rendered text is memoised per virtual time: the same few instants are rendered over
    and over.
    """

    __slots__ = ("_clock", "_http", "_iso", "_long")

    def __init__(self, clock: VirtualClock) -> None:
        self._clock = clock
        self._iso, self._long, self._http = _texts_of(clock.epoch, clock.epoch.tzinfo)

    def iso(self, t: float) -> str:
        """Return virtual time ``t`` as ISO-8601 with milliseconds and offset."""
        text = self._iso.get(t)
        if text is None:
            text = _remember(self._iso, t, iso_milliseconds(self._wall(t)))
        return text

    def iso_or_none(self, t: float | None) -> str | None:
        """Return :meth:`iso` of ``t``, or None when ``t`` is None (not happened yet)."""
        return None if t is None else self.iso(t)

    def long(self, t: float) -> str:
        """Return ``t`` in the long human form Octopus puts in a task's ``Completed``:
        ``Monday, 15 January 2024 9:00:17 AM +00:00``
        (:func:`~octosim.model.datetext.long_date`)."""
        text = self._long.get(t)
        if text is None:
            text = _remember(self._long, t, long_date(self._wall(t)))
        return text

    def http(self, second: int) -> str:
        """Return whole virtual second ``second`` as an HTTP date (RFC 9110 §5.6.7):
        ``Mon, 15 Jan 2024 09:00:17 GMT``."""
        text = self._http.get(second)
        if text is None:
            text = _remember(self._http, second, format_datetime(self._clock.wall(second),
                                                                 usegmt=True))
        return text

    def _wall(self, t: float) -> datetime:
        # A client may send QueueTimeExpiry 9999-12-31; a float round trip can step past
        # datetime's range, where the nearest representable instant is the honest answer.
        try:
            return self._clock.wall(t)
        except OverflowError:
            return datetime.max.replace(tzinfo=UTC) if t > 0 else datetime.min.replace(tzinfo=UTC)

    def raw(self, t: float) -> str:
        """Return ``t`` as the raw task log writes it: ``2024-01-15 09:00:17.205 +00:00``."""
        iso = self.iso(t)
        return f"{iso[:10]} {iso[11:23]} {iso[23:]}"


@functools.lru_cache(maxsize=16)
def _texts_of(
    epoch: datetime, zone: tzinfo | None
) -> tuple[dict[float, str], dict[float, str], dict[float, str]]:
    # The memos (ISO, long and HTTP texts by virtual time) of every clock on ``epoch`` in
    # ``zone``: the same instant in two zones compares equal, but is written differently.
    return {}, {}, {}


def _remember(memo: dict[float, str], t: float, text: str) -> str:
    if len(memo) >= _CACHE_LIMIT:
        memo.clear()
    memo[t] = text
    return text


def duration_text(seconds: float) -> str:
    """Return a duration as Octopus's human text: ``less than a second``, ``1 second``,
    ``32 seconds``, ``1 minute``, ``5 minutes``, ``2 hours``, ``3 days`` (whole units, rounded
    down, the largest unit that fits)."""
    if seconds < 1:
        return "less than a second"
    for size, unit in ((86_400, "day"), (3_600, "hour"), (60, "minute"), (1, "second")):
        if seconds >= size:
            n = int(seconds // size)
            return f"{n} {unit}" if n == 1 else f"{n} {unit}s"
    raise AssertionError("unreachable: seconds >= 1 always fits a unit")  # pragma: no cover
