"""The requests no route answered, kept as the strict test modes need them and no more.

Anyone may send them, unauthenticated, with bodies up to the transport's limit, so only the
method and the path are kept (never a body, never a header), the newest :data:`LIMIT` of
them, each path cut at :data:`PATH_LIMIT` characters: memory stays bounded whatever is sent.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from typing import NamedTuple, overload

__all__ = ["LIMIT", "PATH_LIMIT", "UnhandledRequest", "UnhandledRequests"]

#: Requests kept (the newest): far more than any test's mistakes, far less than a crawler or
#: a fuzzer sends.
LIMIT = 1000
#: Characters of a path kept; a longer one is cut and ends in "…".
PATH_LIMIT = 1024


class UnhandledRequest(NamedTuple):
    """One request no route answered: its method and path, nothing else."""

    method: str
    path: str


class UnhandledRequests(Sequence[UnhandledRequest]):
    """The newest :data:`LIMIT` requests no route answered, oldest first: a read-only
    sequence of :class:`UnhandledRequest`. ``total`` counts every one, including those no
    longer kept."""

    def __init__(self) -> None:
        self._kept: deque[UnhandledRequest] = deque(maxlen=LIMIT)
        self.total = 0

    def record(self, method: str, path: str) -> None:
        """Note one unhandled request (only its method and path)."""
        self.total += 1
        if len(path) > PATH_LIMIT:
            path = path[: PATH_LIMIT - 1] + "…"
        self._kept.append(UnhandledRequest(method[:16], path))

    @overload
    def __getitem__(self, index: int) -> UnhandledRequest: ...

    @overload
    def __getitem__(self, index: slice) -> list[UnhandledRequest]: ...

    def __getitem__(self, index: int | slice) -> UnhandledRequest | list[UnhandledRequest]:
        if isinstance(index, slice):
            return list(self._kept)[index]
        return self._kept[index]

    def __iter__(self) -> Iterator[UnhandledRequest]:
        return iter(self._kept)

    def __len__(self) -> int:
        return len(self._kept)

    def __repr__(self) -> str:
        return f"UnhandledRequests({list(self._kept)!r}, total={self.total})"
