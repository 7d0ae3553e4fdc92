"""Paged collections: ``skip``/``take`` and the Octopus ``ResourceCollection`` envelope.

Octopus clients page by following ``Links["Page.Next"]`` until it is **absent** (it is left
out on the last page, not set to null), so the links keep the request's filters: a client
that follows them sees the same filtered list, page after page.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlencode

from octosim.api.params import QueryParams
from octosim.api.redact import without_keys

__all__ = ["ALL", "DEFAULT_TAKE", "collection", "page_window"]

#: Octopus's default page size for tasks and most collections (octopus-api.md §3).
DEFAULT_TAKE = 30
#: What clients send for "everything" (int.MaxValue); also used in ``Page.All``.
ALL = 2147483647

T = TypeVar("T")

# Rewritten per link (and the key, or anything named like one, is never echoed).
_PAGING = frozenset({"skip", "take"})


def page_window(query: QueryParams, default_take: int = DEFAULT_TAKE) -> tuple[int, int]:
    """Return ``(skip, take)`` from the query. Raises ApiError (400) for a value that is
    not a whole number >= 0."""
    return query.integer("skip", 0), query.integer("take", default_take)


@functools.lru_cache(maxsize=256)
def _link_start(path: str, query: tuple[tuple[str, str], ...]) -> str:
    """Every page link's start: ``path?`` and the filters of ``query``, quoted, then ``&``
    when there are any (the same in every link, so quoted once). Memoised on the pairs: a
    waiting client lists the same filtered page again and again."""
    kept = [(k, v) for k, v in without_keys(query) if k.lower() not in _PAGING]
    return f"{path}?{urlencode(kept, safe=',')}&" if kept else f"{path}?"


def collection(
    item_type: str,
    items: Sequence[T],
    render: Callable[[T], dict[str, Any]],
    *,
    skip: int,
    take: int,
    path: str,
    template: str,
    query: Sequence[tuple[str, str]] = (),
) -> dict[str, Any]:
    """Return the collection document for ``items`` (every match, already filtered and
    sorted): the ``skip``/``take`` window of them rendered with ``render``, the counts, and
    links built on ``path`` keeping the non-paging parameters of ``query``.

    ``Page.Next`` is present only when items follow this page.
    """
    total = len(items)
    window = items[skip : skip + take] if take else []
    pages = max(1, -(-total // take)) if take else 1
    filters = _link_start(path, tuple(query))

    def link(s: int, t: int) -> str:
        return f"{filters}skip={s}&take={t}"

    links = {
        "Self": link(skip, take),
        "Template": template,
        "Page.All": link(0, ALL),
        "Page.Current": link(skip, take),
        "Page.Last": link((pages - 1) * take, take),
    }
    if take and skip + take < total:
        links["Page.Next"] = link(skip + take, take)
    return {
        "ItemType": item_type,
        "TotalResults": total,
        "ItemsPerPage": take,
        "NumberOfPages": pages,
        "LastPageNumber": pages - 1,
        "Items": [render(item) for item in window],
        "Links": links,
    }
