"""The journal: every request, state change, script effect and fault, on the virtual clock.

It is what a person reads when a test fails, so each entry is one line of plain words;
and it is how determinism is tested, so rendering is a pure function of the entries.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from enum import StrEnum
from typing import NamedTuple

__all__ = ["Entry", "Journal", "Kind"]


class Kind(StrEnum):
    """What an entry records. The width-aligned tag in the timeline is the value."""

    Request = "request"
    Task = "task"
    Script = "script"
    Service = "service"
    Health = "health"
    Fault = "fault"
    Note = "note"
    #: The task cap full of tasks waiting on tasks that cannot start (model/deadlock.py).
    Deadlock = "deadlock"


class Entry(NamedTuple):
    """One journal line: virtual time in seconds, kind, and a sentence. Immutable."""

    t: float
    kind: Kind
    text: str
    subject: str = ""  # the id it is about (ServerTasks-3, Machines-1) for filtering

    def render(self) -> str:
        """Return the entry as one timeline line, e.g. ``[  35.000s] task     ...``."""
        return f"[{self.t:9.3f}s] {self.kind.value:<8} {self.text}"


class Journal:
    """An append-only, ordered record of what happened in one simulation."""

    def __init__(self, *, limit: int | None = None) -> None:
        # A long Monte Carlo run can make millions of entries; ``limit`` keeps the newest
        # (a bounded deque drops the oldest in O(1)). Each is kept as a plain tuple of
        # Entry's fields and made an Entry when read: a restart records dozens, and a
        # benchmark or Monte Carlo run never reads them.
        self._entries: deque[tuple[float, Kind, str, str]] = deque(maxlen=limit)
        self._limit = limit
        self.dropped = 0

    def record(self, t: float, kind: Kind, text: str, subject: str = "") -> None:
        """Append an entry: at virtual time ``t``, of ``kind``, saying ``text``, about
        ``subject`` (an id, or empty)."""
        if self._limit is not None and len(self._entries) == self._limit:
            self.dropped += 1
        self._entries.append((t, kind, text, subject))

    def __iter__(self) -> Iterator[Entry]:
        return map(Entry._make, self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def entries(self, *, kind: Kind | None = None, subject: str | None = None) -> list[Entry]:
        """Return the entries, optionally only those of one kind and/or about one subject."""
        return [
            e
            for e in self
            if (kind is None or e.kind is kind) and (subject is None or e.subject == subject)
        ]

    def timeline(self, *, kinds: set[Kind] | None = None, last: int | None = None) -> str:
        """Return the journal as a readable multi-line timeline.

        ``kinds`` keeps only those kinds; ``last`` keeps only the newest N lines (the
        earlier ones are summarised in one line so the reader knows something is missing).
        """
        entries = [e for e in self if kinds is None or e.kind in kinds]
        head: list[str] = []
        if self.dropped:
            head.append(f"... {self.dropped} earlier entries dropped (journal limit)")
        if last is not None and len(entries) > last:
            head.append(f"... {len(entries) - last} earlier entries not shown")
            entries = entries[len(entries) - last :]
        return "\n".join(head + [e.render() for e in entries])

    def __str__(self) -> str:
        return self.timeline()
