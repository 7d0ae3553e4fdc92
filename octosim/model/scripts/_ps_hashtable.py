"""PowerShell's hashtable literals, read from their text: ``@{ A = 1; 'B' = "x" }`` split into
its entries (:func:`_hashtable_entries`), each key a text and its value an expression for the
interpreter (:mod:`._ps_exec`) to evaluate; and the members a table answers itself
(:data:`_HASHTABLE_PROPERTIES`)."""

from __future__ import annotations

import functools
import re

from octosim.model.scripts._ps_expr import _closing
from octosim.model.scripts._ps_parse import _statements
from octosim.model.scripts._running import Unknown, split_top

__all__: list[str] = []

#: ``@{`` opening a hashtable literal.
_HASHTABLE_OPEN = re.compile(r"@\{")
#: An entry's key: a bare word, or a quoted text that expands nothing (ASCII: PowerShell's
#: hashtable compares keys by the culture, ignoring case, which the simulator reads as
#: ASCII's).
_KEY = re.compile(r"(?:([A-Za-z_][A-Za-z0-9_]*)|'([ -&(-~]*)'|\"([ !#%-_a-~]*)\")\s*$")
_EQUALS = re.compile(r"=(?!=)")

#: The Hashtable's own properties: a member of that name that is no key gives the property
#: (``Count`` is the entries'; the others, and the keys' order, are not modelled).
_HASHTABLE_PROPERTIES = frozenset({"count", "keys", "values", "isreadonly", "isfixedsize",
                                   "issynchronized", "syncroot", "comparer", "hcp",
                                   "equalitycomparer"})


@functools.lru_cache(maxsize=256)
def _hashtable_entries(text: str) -> tuple[tuple[str, str], ...] | None:
    """The entries of ``text`` if it is a hashtable literal, ``@{ ... }`` and nothing else:
    each key (lowercased: keys ignore case) with its value's text, in order; None if it is
    none. A literal the simulator does not read exactly (a key that is a number or an
    expression, an entry it cannot split, two keys alike: PowerShell's "Duplicate keys"
    error) raises :class:`Unknown`."""
    text = text.strip()
    if not _HASHTABLE_OPEN.match(text) or _closing(text, 1) != len(text) - 1:
        return None
    entries: list[tuple[str, str]] = []
    for statement in _statements(text[2:-1]):
        parts = split_top(statement, _EQUALS, escape="`", single_doubles=True)
        if len(parts) < 2:
            raise Unknown(statement)
        key = _KEY.match(parts[0].strip())
        value = statement[len(parts[0]) + 1 :].strip()
        if key is None or not value:
            raise Unknown(statement)
        name = (key.group(1) or key.group(2) or key.group(3) or "").lower()
        if not name or any(name == known for known, _ in entries):
            raise Unknown(statement)
        entries.append((name, value))
    return tuple(entries)
