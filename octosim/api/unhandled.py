"""The requests no route answered, kept as the strict test modes need them and no more.

Anyone may send them, unauthenticated, with bodies up to the transport's limit, so only the
method and the path are kept (never a body, never a header), each distinct pair once, up to
a fixed number of pairs and a fixed path length: memory stays bounded whatever is sent.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import NamedTuple, overload

__all__ = ["UnhandledRequest", "UnhandledRequests"]

#: Distinct (method, path) pairs kept: far more than any test's mistakes, far less than a
#: crawler or a fuzzer sends.
LIMIT = 256
#: Characters of a path kept; a longer one is cut and ends in "…".
PATH_LIMIT = 1024


class UnhandledRequest(NamedTuple):
    """One distinct request no route answered, and how many ``times`` it came."""

    method: str
    path: str
    times: int = 1


class UnhandledRequests(Sequence[UnhandledRequest]):
    """The distinct (method, path) pairs no route answered, in first-seen order.

    A read-only sequence of :class:`UnhandledRequest`; ``total`` counts every unhandled
    request, including repeats and those beyond :data:`LIMIT` distinct pairs.
    """

    def __init__(self) -> None:
        self._counts: dict[tuple[str, str], int] = {}
        self.total = 0

    def record(self, method: str, path: str) -> None:
        """Count one unhandled request (only its method and path are kept)."""
        self.total += 1
        if len(path) > PATH_LIMIT:
            path = path[: PATH_LIMIT - 1] + "…"
        key = (method[:16], path)
        if key in self._counts:
            self._counts[key] += 1
        elif len(self._counts) < LIMIT:
            self._counts[key] = 1

    def _entries(self) -> list[UnhandledRequest]:
        return [UnhandledRequest(m, p, n) for (m, p), n in self._counts.items()]

    @overload
    def __getitem__(self, index: int) -> UnhandledRequest: ...

    @overload
    def __getitem__(self, index: slice) -> list[UnhandledRequest]: ...

    def __getitem__(self, index: int | slice) -> UnhandledRequest | list[UnhandledRequest]:
        return self._entries()[index]

    def __iter__(self) -> Iterator[UnhandledRequest]:
        return iter(self._entries())

    def __len__(self) -> int:
        return len(self._counts)

    def __repr__(self) -> str:
        return f"UnhandledRequests({self._entries()!r}, total={self.total})"
