"""The collection links of the root document and of each space home, derived from the
route table: a route that names a ``link`` is listed, so a new area's collections appear in
``GET /api`` and ``GET /api/{spaceId}`` by declaring its routes, never by editing a list.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["CollectionLink", "CollectionLinks"]

# "{spaceId:space}" is how a route constrains a parameter; a link is an RFC 6570 template.
_CONSTRAINT = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*):[a-z]+\}")


@dataclass(frozen=True)
class CollectionLink:
    """One link: its name in ``Links`` (``Tasks``), the route's unscoped pattern
    (``/api/tasks``), what follows it (``{/id}{?skip,take}``), and whether a space home
    lists it too (space-scoped routes only)."""

    name: str
    pattern: str
    template: str = ""
    space_scoped: bool = True

    def under(self, prefix: str) -> str:
        """Return the link as served below ``prefix`` (``/api`` or ``/api/Spaces-1``)."""
        return f"{prefix}{self._path}{self.template}"

    @functools.cached_property
    def _path(self) -> str:
        # The pattern below /api, constraints dropped: the same below every prefix, and a
        # space resource lists some twenty links.
        return _CONSTRAINT.sub(r"{\1}", self.pattern)[len("/api"):]


@dataclass(frozen=True)
class CollectionLinks:
    """Every collection link, in route-table order (hashable, so the root document built
    from it can be rendered once and shared)."""

    links: tuple[CollectionLink, ...] = ()

    def __hash__(self) -> int:
        # GET /api's rendering is memoised on the links: hashed on every request, so the
        # hash of the 21 links is computed once (they are frozen).
        return self._hash

    @functools.cached_property
    def _hash(self) -> int:
        return hash(self.links)

    @classmethod
    def of(cls, links: Iterable[CollectionLink]) -> CollectionLinks:
        """Return the links, the first of each name kept (a user route that replaces a
        built-in one keeps the built-in's link)."""
        seen: dict[str, CollectionLink] = {}
        for link in links:
            seen.setdefault(link.name, link)
        return cls(tuple(seen.values()))

    def root(self) -> dict[str, str]:
        """Return the root document's links: every collection, in the unscoped form."""
        return {link.name: link.under("/api") for link in self.links}

    def space(self, space_id: str) -> dict[str, str]:
        """Return a space's collection links: the space-scoped ones, below ``/api/{space_id}``."""
        prefix = f"/api/{space_id}"
        return {link.name: link.under(prefix) for link in self.links if link.space_scoped}
