"""Sensitive values hidden in a task log as Octopus hides them: ``SensitiveDataMask``
(OctopusDeploy/OctopusTentacle, ``source/Octopus.Shared/Security/Masking/
SensitiveDataMask.cs``).

- A value that is empty, white space only or shorter than 4 characters (UTF-16 code units)
  is never masked: a three-letter password shows in the log as it is.
- A value of one line is replaced by ``********`` wherever a log line holds it, the longer
  values first (so a value holding another is hidden whole).
- A value of several lines (split at ``\\r\\n`` and ``\\n``, empty lines dropped) is masked
  only when consecutive log lines hold its lines in order, each line of the log holding the
  value's line of the same rank: those log lines are then written as **one**, the first
  of them with the value's first line masked; the others are dropped. Lines that may
  start such a value are held back until the match is made or missed, then written as the
  one-line values mask them. A single line of the value met alone is not masked.

:class:`LogMask` follows a stream of log lines so (one script's output);
:func:`mask` masks one text on its own (what the simulator writes in one piece: a step
action's message, a journal note), with the one-line rule and whole multi-line values.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterable

from octosim.model.dotnet import is_null_or_white_space, utf16_length

__all__ = ["MASK", "LogMask", "mask", "masked_values"]

#: What a sensitive value looks like in a task log.
MASK = "********"
#: Octopus leaves values shorter than this (UTF-16 code units) as they are.
_SHORTEST_MASKED = 4
#: Where SensitiveDataMask splits a value into lines (``"\r\n"``, ``"\n"``).
_VALUE_LINES = re.compile(r"\r\n|\n")


def masked_values(values: Iterable[str]) -> list[str]:
    """The values Octopus masks at all (not blank, 4 UTF-16 code units or more), each once."""
    return list(dict.fromkeys(
        v for v in values
        if not is_null_or_white_space(v) and utf16_length(v) >= _SHORTEST_MASKED))


def mask(text: str, sensitive_values: Iterable[str]) -> str:
    """``text`` with each sensitive value Octopus masks replaced by ``********``, longer
    values first."""
    for value in sorted(masked_values(sensitive_values), key=len, reverse=True):
        text = text.replace(value, MASK)
    return text


#: A log line, and what writes it once it is masked.
_Pending = tuple[str, Callable[[str], None]]


class _PartialMatch:
    """Log lines that hold a multi-line value's first lines, in order."""

    def __init__(self, lines: tuple[str, ...], first: str) -> None:
        self.lines = lines
        self.first = first  # the log line holding the value's first line
        self.matched = 1  # how many of the value's lines are matched
        self.seen = {first}

    @property
    def next_line(self) -> str:
        return self.lines[self.matched]


class LogMask:
    """A stream of log lines masked as Octopus masks one (the module docstring).

    :meth:`apply` takes each line with the function that writes it (a line may be held back,
    and written later by another line's :meth:`apply` or by :meth:`flush`); :meth:`flush`
    writes what is held back when the stream ends.
    """

    def __init__(self, sensitive_values: Iterable[str]) -> None:
        singles: list[str] = []
        self._multi: list[tuple[str, ...]] = []
        for value in masked_values(sensitive_values):
            lines = tuple(line for line in _VALUE_LINES.split(value) if line)
            if len(lines) > 1:
                self._multi.append(lines)
            else:
                singles.append(value)  # as written: "key\n" stays one value with its newline
        self._longest_first = sorted(singles, key=len, reverse=True)
        self._partial: list[_PartialMatch] = []
        self._pending: deque[_Pending] = deque()

    def __bool__(self) -> bool:
        """Whether there is anything to mask."""
        return bool(self._longest_first or self._multi)

    def apply(self, line: str, write: Callable[[str], None]) -> None:
        """Mask ``line``, then ``write`` it, now or once a multi-line match is decided."""
        if not self._multi_line(line, write):
            self._single_line(line, write)

    def flush(self) -> None:
        """Write the lines held back for a multi-line match that the stream's end missed."""
        while self._pending:
            line, write = self._pending.popleft()
            self._single_line(line, write)

    def _single_line(self, line: str, write: Callable[[str], None]) -> None:
        write(self._masked(line, self._longest_first))

    @staticmethod
    def _masked(line: str, longest_first: Iterable[str]) -> str:
        for value in longest_first:
            line = line.replace(value, MASK)
        return line

    def _multi_line(self, line: str, write: Callable[[str], None]) -> bool:
        """Follow the multi-line values' partial matches with ``line``; return whether it was
        written or held back (False: it is not part of one, and is masked on its own)."""
        held = False
        if self._partial:
            missed = []
            for partial in self._partial:
                if partial.next_line not in line:
                    missed.append(partial)
                    continue
                if partial.matched == len(partial.lines) - 1:
                    # The whole value: its lines are written as the first, masked.
                    values = sorted([*self._longest_first, partial.lines[0]], key=len,
                                    reverse=True)
                    write(self._masked(partial.first, values))
                    self._partial.clear()
                    self._pending.clear()
                    return True
                partial.matched += 1
                partial.seen.add(line)
                if not held:
                    self._pending.append((line, write))
                    held = True
            for partial in missed:
                self._partial.remove(partial)
            while self._pending and all(self._pending[0][0] not in partial.seen
                                        for partial in self._partial):
                self._single_line(*self._pending.popleft())
        for lines in self._multi:
            if lines[0] in line:
                self._partial.append(_PartialMatch(lines, line))
                self._partial.sort(key=lambda partial: len(partial.lines), reverse=True)
                if not held:
                    self._pending.append((line, write))
                    held = True
        return held
