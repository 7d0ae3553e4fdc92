"""Route matching: a trie of path segments, so a request costs one dict lookup per segment
however many routes exist (the latency benchmark runs thousands of requests per second).

Patterns are URL paths with ``{name}`` parameters; ``{name:space}`` only matches a space id
(``Spaces-12``), which is what lets ``/api/{spaceId}/...`` sit beside literal routes such as
``/api/projects`` without swallowing them. Literal segments match case-insensitively (real
servers do); parameters keep the request's case. A space-scoped route is registered at all
three URL forms (octopus-api.md §1).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import KW_ONLY, dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, TypeAlias

from octosim.api.links import CollectionLink, CollectionLinks

if TYPE_CHECKING:
    from octosim.api.context import RequestContext
    from octosim.model.world import Permission

__all__ = ["Handler", "Match", "Route", "RouteError", "Router", "split_path"]

#: A handler takes the request context and returns an ApiResponse or a JSON value (→ 200).
Handler: TypeAlias = "Callable[[RequestContext], Any]"


def _is_space_id(segment: str) -> bool:
    # Not a regex: this runs on the hot path of every space-scoped request.
    number = segment[7:]
    return segment[:7].lower() == "spaces-" and number.isascii() and number.isdigit()


_CONSTRAINTS: dict[str, Callable[[str], bool]] = {"space": _is_space_id}
_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::([a-z]+))?\}")


#: Distinct (method, path) pairs remembered; a fuzz test or a crawl of many ids just clears
#: and refills it.
_MEMO_LIMIT = 4096
#: Longer paths are matched every time: real ones are a few dozen characters.
_MEMO_PATH_LIMIT = 256


class RouteError(ValueError):
    """A pattern the router cannot register (not starting with ``/api``, a bad parameter)."""


@dataclass(frozen=True, eq=False)
class Route:
    """One registered operation: ``method``, ``pattern`` and ``handler``, then keywords.

    ``permission`` is checked against the request's space before the handler runs.
    ``authorizes_itself``: in the unscoped form the handler checks the permission against
    the space of the resource it finds (a task id is global, its space is only known once
    the task is found); built-in routes use it, user routes normally do not.
    ``anonymous``: served without credentials when ``ServerOptions.anonymous_root`` is set
    (only ``GET /api``).
    ``link``: the name under which the root document (and, if space-scoped, each space home)
    lists this route as a collection, with ``link_template`` after the path
    (``{/id}{?skip,take}``); None for routes that are not listed.
    """

    method: str
    pattern: str
    handler: Handler
    _: KW_ONLY
    permission: Permission | None = None
    space_scoped: bool = True
    authorizes_itself: bool = False
    anonymous: bool = False
    link: str | None = None
    link_template: str = ""


class Match(NamedTuple):
    """A matched route: its parameters, and whether the space came from the path."""

    route: Route
    params: dict[str, str]
    scoped: bool


class _Target(NamedTuple):
    route: Route
    names: tuple[str, ...]  # parameter names, by position of the parameter segments
    scoped: bool


@dataclass(slots=True)
class _Node:
    literals: dict[str, _Node] = field(default_factory=dict)
    # (constraint name or "", predicate or None, child): constrained edges are tried first.
    params: list[tuple[str, Callable[[str], bool] | None, _Node]] = field(default_factory=list)
    targets: dict[str, _Target] = field(default_factory=dict)

    def param_child(self, constraint: str) -> _Node:
        for name, _, child in self.params:
            if name == constraint:
                return child
        child = _Node()
        predicate = _CONSTRAINTS[constraint] if constraint else None
        self.params.append((constraint, predicate, child))
        self.params.sort(key=lambda edge: edge[0] == "")  # constrained before catch-all
        return child


def split_path(path: str) -> list[str]:
    """Return the non-empty segments of ``path`` (so ``/api/`` and ``/api`` are the same)."""
    return [s for s in path.split("/") if s]


class Router:
    """The route table, compiled into a segment trie."""

    def __init__(self) -> None:
        self._root = _Node()
        self.routes: list[Route] = []
        self._links: CollectionLinks | None = None
        # (method, path) → result. Clients poll the same few URLs over and over; a hit
        # costs one dict lookup. Cleared when a route is added and when full.
        self._memo: dict[tuple[str, str], Match] = {}

    def add(self, route: Route) -> Route:
        """Register ``route`` (at all three URL forms if space-scoped); it replaces any
        earlier route with the same method and path (so users may override built-ins).
        Returns it.

        Raises RouteError for a pattern outside ``/api`` or with an unknown constraint.
        """
        segments = split_path(route.pattern)
        if not segments or segments[0].lower() != "api":
            raise RouteError(f"route pattern must start with /api, not {route.pattern!r}")
        if route.space_scoped:
            rest = segments[1:]
            self._insert(route, ["api", "{spaceId:space}", *rest], scoped=True)
            self._insert(route, ["api", "spaces", "{spaceId:space}", *rest], scoped=True)
            self._insert(route, segments, scoped=False)
        else:
            self._insert(route, segments, scoped=False)
        self.routes.append(route)
        self._memo.clear()
        self._links = None
        return route

    @property
    def links(self) -> CollectionLinks:
        """The collection links the routes name (:attr:`Route.link`), in the order added."""
        if self._links is None:
            self._links = CollectionLinks.of(
                CollectionLink(r.link, r.pattern, r.link_template, r.space_scoped)
                for r in self.routes
                if r.link is not None
            )
        return self._links

    def _insert(self, route: Route, segments: list[str], *, scoped: bool) -> None:
        node = self._root
        names: list[str] = []
        for segment in segments:
            param = _PARAM.fullmatch(segment)
            if param is None:
                if "{" in segment or "}" in segment:
                    raise RouteError(f"bad parameter {segment!r} in {route.pattern!r}")
                node = node.literals.setdefault(segment.lower(), _Node())
                continue
            constraint = param.group(2) or ""
            if constraint and constraint not in _CONSTRAINTS:
                raise RouteError(
                    f"unknown constraint {constraint!r} in {route.pattern!r}; "
                    f"known: {', '.join(sorted(_CONSTRAINTS))}"
                )
            names.append(param.group(1))
            node = node.param_child(constraint)
        node.targets[route.method.upper()] = _Target(route, tuple(names), scoped)

    def match(self, method: str, path: str) -> Match | list[str] | None:
        """Return the Match for ``method`` and ``path``; if the path exists only for other
        methods, the sorted list of those methods (a 405); None if no route has the path.
        The result is shared between calls: do not modify it."""
        key = (method, path)
        try:
            return self._memo[key]
        except KeyError:
            found = self._match(method, path)
            # Only matches of paths a client polls are remembered: a 404 or 405 is rare in a
            # client that works, and remembering what a fuzzer invents (any path, any length,
            # before authentication) would hold its paths for nothing.
            if isinstance(found, Match) and len(path) <= _MEMO_PATH_LIMIT:
                if len(self._memo) >= _MEMO_LIMIT:
                    self._memo.clear()
                self._memo[key] = found
            return found

    def _match(self, method: str, path: str) -> Match | list[str] | None:
        segments = split_path(path)
        # Fast path: literals first, no backtracking. It is right for every built-in route
        # and is what keeps routing to a few microseconds.
        node = self._root
        values: list[str] = []
        for segment in segments:
            child = node.literals.get(segment.lower())
            if child is None:
                for _, ok, param_child in node.params:
                    if ok is None or ok(segment):
                        child = param_child
                        values.append(segment)
                        break
                else:
                    break
            node = child
        else:
            target = node.targets.get(method)
            if target is not None:
                return Match(target.route, dict(zip(target.names, values, strict=True)),
                             target.scoped)
        # Slow path: every way the path can match, literal-first, for the first one that
        # has this method; else the methods the first matching path allows.
        allowed: list[str] | None = None
        for found, vals in self._walk(self._root, segments, 0, []):
            target = found.targets.get(method)
            if target is not None:
                return Match(target.route, dict(zip(target.names, vals, strict=True)),
                             target.scoped)
            if allowed is None:
                allowed = sorted(found.targets)
        return allowed

    def _walk(
        self, node: _Node, segments: list[str], i: int, values: list[str]
    ) -> Iterator[tuple[_Node, list[str]]]:
        if i == len(segments):
            if node.targets:
                yield node, values
            return
        segment = segments[i]
        child = node.literals.get(segment.lower())
        if child is not None:
            yield from self._walk(child, segments, i + 1, values)
        for _, ok, param_child in node.params:
            if ok is None or ok(segment):
                yield from self._walk(param_child, segments, i + 1, [*values, segment])
