"""PowerShell ``-like`` wildcards (``WildcardPattern``), as ``Get-Service NAME`` applies them.

Semantics (PowerShell's ``WildcardOptions.IgnoreCase``): whole-string, case-insensitive;
``*`` any run of characters (also none), ``?`` exactly one character, ``[abc]`` one of a set,
``[a-z]`` a range inside a set, and a backtick escapes the next character so it is literal
(`` `* ``, `` `? ``, `` `[ ``). Everything else is literal. An unterminated ``[`` is an error,
as in PowerShell (``WildcardPatternException``), raised here as :class:`ValueError`.

Known limits: PowerShell has no negated sets (``[!a]`` means ``!`` or ``a``, as here); a
trailing lone backtick is taken literally.
"""

from __future__ import annotations

import functools
import re

__all__ = ["compile_wildcard", "wildcard_match"]


@functools.lru_cache(maxsize=512)
def compile_wildcard(pattern: str) -> re.Pattern[str]:
    """Return a compiled regex that fully matches what ``-like pattern`` matches.

    Raises :class:`ValueError` when ``pattern`` has a ``[`` with no closing ``]``.
    """
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "`" and i + 1 < n:
            out.append(re.escape(pattern[i + 1]))
            i += 2
        elif c == "*":
            out.append(".*")
            i += 1
        elif c == "?":
            out.append(".")
            i += 1
        elif c == "[":
            cls, i = _bracket(pattern, i)
            out.append(cls)
        else:
            out.append(re.escape(c))
            i += 1
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


def _bracket(pattern: str, start: int) -> tuple[str, int]:
    """Translate the set starting at ``pattern[start] == '['``; return (regex, next index)."""
    members: list[str] = []
    i, n = start + 1, len(pattern)
    while i < n and pattern[i] != "]":
        c = pattern[i]
        if c == "`" and i + 1 < n:
            # An escaped character inside a set is a plain member (`] included).
            members.append(re.escape(pattern[i + 1]))
            i += 2
        elif i + 2 < n and pattern[i + 1] == "-" and pattern[i + 2] != "]":
            lo, hi = c, pattern[i + 2]
            if lo > hi:
                raise ValueError(
                    f"invalid wildcard pattern {pattern!r}: range {lo}-{hi} is out of order"
                )
            members.append(f"{re.escape(lo)}-{re.escape(hi)}")
            i += 3
        else:
            members.append(re.escape(c))
            i += 1
    if i >= n:
        raise ValueError(
            f"invalid wildcard pattern {pattern!r}: '[' at position {start} has no closing ']'"
        )
    if not members:
        # "[]" can match nothing; PowerShell treats it as an error too.
        raise ValueError(f"invalid wildcard pattern {pattern!r}: empty set '[]' at {start}")
    return "[" + "".join(members) + "]", i + 1


def wildcard_match(pattern: str, name: str) -> bool:
    """Return whether ``name -like pattern`` in PowerShell (case-insensitive, whole string).

    Raises :class:`ValueError` for an invalid pattern (see :func:`compile_wildcard`).
    """
    return compile_wildcard(pattern).fullmatch(name) is not None
