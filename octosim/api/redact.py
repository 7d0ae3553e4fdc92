"""Which query parameters carry secrets, so that nothing the API writes down (journal lines,
page links, a request's repr) repeats one.

The key itself comes as ``apikey`` (octopus-api.md §2), but clients and people also send
look-alikes the server does not read as a key (``api_key=``, ``X-Octopus-ApiKey=``,
``token=``): a mistyped key is still a key, so those are masked too. A value shaped like
an Octopus API key is masked whatever its parameter is called.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["MASK", "is_key_name", "masked_query", "without_keys"]

#: What a masked value reads as (letters only, so it reads the same URL-encoded).
MASK = "REDACTED"

# Names compared with case and separators folded away: X-Octopus-ApiKey, api_key and API-KEY
# all become "...apikey".
_FOLD = re.compile(r"[^a-z0-9]")
_KEY_WORDS = ("apikey", "token", "secret", "password", "authorization")
_KEY_NAMES = frozenset({"key", "auth", "bearer"})
# API- and 20 or more letters and digits: the real format (27 after the dash) and its kin.
_KEY_SHAPE = re.compile(r"API-[A-Z0-9]{20,}", re.IGNORECASE)


def is_key_name(name: str) -> bool:
    """Return True if a parameter called ``name`` (any case, any separators) may carry a key
    or another credential."""
    folded = _FOLD.sub("", name.lower())
    return folded in _KEY_NAMES or any(word in folded for word in _KEY_WORDS)


def masked_query(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Return ``pairs`` with the value of every key-like parameter, and every value shaped
    like an API key, replaced by :data:`MASK`; ``apikey`` itself (the real key) is left
    out altogether."""
    kept = []
    for name, value in pairs:
        if name.lower() == "apikey":
            continue
        secret = is_key_name(name) or _KEY_SHAPE.search(value) is not None
        kept.append((name, MASK if secret else value))
    return kept


def without_keys(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Return ``pairs`` without any key-like parameter (for links echoed to the client)."""
    return [(name, value) for name, value in pairs if not is_key_name(name)]
