"""What a handler gets: the request, its route parameters, the caller, the space, and
helpers that turn every input problem into a 400 that names it.

The query and the JSON body are parsed on first use only, so a plain ``GET`` by id never
pays for parsing it does not need.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from octosim.api.errors import (
    MISSING_KEY,
    NO_BODY,
    ApiError,
    bad_request,
    missing_permission,
    resource_not_found,
    space_not_found,
)
from octosim.api.messages import ApiRequest
from octosim.api.params import QueryParams
from octosim.journal import Kind
from octosim.model.world import Permission, Space, User

if TYPE_CHECKING:
    from octosim.api.links import CollectionLinks
    from octosim.api.task_cache import TaskCache
    from octosim.api.timefmt import Dates
    from octosim.clock import VirtualClock
    from octosim.journal import Journal
    from octosim.model.deployment_store import DeploymentStore
    from octosim.model.engine import TaskEngine
    from octosim.model.interruptions import InterruptionBoard
    from octosim.model.world import World
    from octosim.options import ServerOptions

__all__ = ["RequestContext", "Server", "json_type_name"]


def _reject_constant(name: str) -> Any:
    # json accepts NaN and Infinity, which are not JSON and cannot be echoed back as JSON.
    raise ValueError(f"{name} is not valid JSON")


# One decoder for every body: json.loads with a keyword argument builds a new one per call,
# which costs as much as reading a task's arguments. (It also refuses a text that still
# starts with a BOM; utf-8-sig has removed the one a body may start with, and a second is
# refused here too, as a value that is not JSON.)
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


_BOM = b"\xef\xbb\xbf"


@functools.lru_cache(maxsize=256)
def _query_params(query: tuple[tuple[str, str], ...]) -> QueryParams:
    # Memoised on the pairs (a QueryParams is read-only, so requests with the same query
    # share one): a waiting client lists the same page again and again, and building one
    # was a twentieth of serving the list.
    return QueryParams(query)


def json_type_name(value: object) -> str:
    """Name the JSON type of a decoded value, for a 400 that says what was sent instead."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return "a string" if isinstance(value, str) else "null"


class _InSpace(Protocol):
    @property
    def space_id(self) -> str: ...


InSpace = TypeVar("InSpace", bound=_InSpace)


class _Routes(Protocol):
    @property
    def links(self) -> CollectionLinks: ...


class Server(Protocol):
    """What serves a request (an :class:`~octosim.api.app.OctopusApi`): the simulation's
    parts a :class:`RequestContext` hands its handler."""

    @property
    def world(self) -> World: ...
    @property
    def deployments(self) -> DeploymentStore: ...
    @property
    def interruptions(self) -> InterruptionBoard: ...
    @property
    def engine(self) -> TaskEngine: ...
    @property
    def clock(self) -> VirtualClock: ...
    @property
    def journal(self) -> Journal: ...
    @property
    def options(self) -> ServerOptions: ...
    @property
    def task_renders(self) -> TaskCache: ...
    @property
    def router(self) -> _Routes: ...


class RequestContext:
    """One request being handled.

    ``params``: the route's path parameters. ``scoped``: the space came from the path
    (``/api/{spaceId}/...`` or ``/api/spaces/{spaceId}/...``), in which case ``space_id`` is
    that (existing) space; otherwise ``space_id`` is None and :meth:`space` picks one.
    ``user`` is None only for an anonymous ``GET /api``. ``world``, ``engine``, ``clock``,
    ``journal``, ``options`` and ``deployments`` (projects, releases, …) are the simulation's
    parts; ``task_renders`` memoises
    TaskResources; ``links`` are the collections the routes name; ``deployments`` holds the
    projects, releases, deployments and runbooks;
    ``interruptions`` the guided-failure interruptions the tasks raised.
    """

    __slots__ = ("_body", "_query", "clock", "dates", "deployments", "engine", "interruptions",
                 "journal", "links", "options", "params", "request", "scoped", "space_id",
                 "task_renders", "user", "world")

    def __init__(
        self, request: ApiRequest, params: dict[str, str], scoped: bool, server: Server,
    ) -> None:
        # ``server`` (the OctopusApi serving the request) rather than a dozen keywords: a
        # class called with keywords gathers them into a dict on every request. Its parts
        # are copied in, as a handler reads them often.
        #: The simulation's parts a handler may read and change.
        self.world = server.world
        self.deployments = server.deployments
        self.interruptions = server.interruptions
        self.engine = server.engine
        self.clock = server.clock
        self.journal = server.journal
        self.options = server.options
        self.request = request
        self.params = params
        self.scoped = scoped
        self.task_renders: TaskCache = server.task_renders  # memoised until a task changes
        self.dates: Dates = server.task_renders.dates
        self.links: CollectionLinks = server.router.links  # what the root document lists
        self.space_id: str | None = params.get("spaceId") if scoped else None
        self.user: User | None = None
        self._query: QueryParams | None = None
        self._body: Any = None

    @property
    def query(self) -> QueryParams:
        """The query parameters (case-insensitive names)."""
        if self._query is None:
            self._query = _query_params(self.request.query)
        return self._query

    @property
    def now(self) -> float:
        """The current virtual time."""
        return self.clock.now()

    # -- spaces and permissions -------------------------------------------------------------
    def space(self, explicit: object = None, *, what: str = "SpaceId") -> Space:
        """Return the space this request acts in: the path's space when scoped, else
        ``explicit`` (a body's ``SpaceId``) if given, else the default space.

        Raises ApiError: 400 if ``explicit`` is not a string naming an existing space.
        """
        world = self.world
        if self.space_id is not None:
            return world.spaces[self.space_id]
        if explicit is None or explicit == "":
            return world.default_space
        if not isinstance(explicit, str):
            raise bad_request(f"{what}: expected a space id such as \"Spaces-1\", got {explicit!r}")
        space = world.spaces.get(explicit)
        if space is None:
            raise bad_request(f"{what}: the space {explicit!r} does not exist.")
        return space

    def require_user(self) -> User:
        """Return the caller. Raises ApiError 401 if the request is anonymous."""
        if self.user is None:
            raise ApiError(401, MISSING_KEY)
        return self.user

    def require(self, permission: Permission, space_id: str | None) -> User:
        """Return the caller if it holds ``permission`` in ``space_id``. Raises ApiError 403
        naming the permission (401 if the request is anonymous)."""
        user = self.require_user()
        if not user.can(permission, space_id):
            raise missing_permission(permission.value)
        return user

    def find(
        self,
        lookup: Callable[[str], InSpace | None],
        permission: Permission,
        item_id: str | None = None,
    ) -> InSpace:
        """Return the space-scoped resource ``lookup(id)`` finds for the ``id`` path parameter
        (or ``item_id``), as the caller may see it.

        Ids are unique across the server, so the unscoped form finds a resource in any space
        and checks ``permission`` in *that* space; a scoped form was authorised against its
        own space already, and another space's resource does not exist there.

        Raises ApiError: 404 ``The resource 'X' was not found.`` if unknown (or in another
        space than the path's); 403 naming ``permission`` if the caller lacks it there.
        """
        item_id = self.params["id"] if item_id is None else item_id
        item = lookup(item_id)
        if item is None or (self.space_id is not None and item.space_id != self.space_id):
            raise resource_not_found(item_id)
        if not self.scoped:
            self.require(permission, item.space_id)
        return item

    def may_view(self, permission: Permission, items: list[InSpace]) -> list[InSpace]:
        """Return the ``items`` whose space the caller holds ``permission`` in, in order:
        what every list must do with resources gathered from more than one space."""
        user = self.require_user()
        allowed: dict[str, bool] = {}
        kept = []
        for item in items:
            ok = allowed.get(item.space_id)
            if ok is None:
                ok = allowed[item.space_id] = user.can(permission, item.space_id)
            if ok:
                kept.append(item)
        return kept

    def path_space(self) -> Space:
        """Return the space named by the ``spaceId`` or ``id`` path parameter. Raises
        ApiError 404 "The requested space ... does not exist" if there is none."""
        space_id = self.params.get("spaceId") or self.params.get("id") or ""
        space = self.world.spaces.get(space_id)
        if space is None:
            raise space_not_found(space_id)
        return space

    # -- the body ---------------------------------------------------------------------------
    def json(self) -> Any:
        """Return the parsed JSON body, or None if the body is empty.

        A JSON body declared as another content type is accepted (and noted in the journal)
        unless ``options.strict_content_type``, where it is a 415. A body that is not UTF-8
        is read with U+FFFD for bad bytes, as ASP.NET does (a 400 when strict). Raises
        ApiError 400 for a body that is not JSON.
        """
        if self._body is not None:
            return self._body
        raw = self.request.body
        if not raw.strip():
            return None
        declared = (self.request.header("content-type") or "").split(";")[0].strip().lower()
        if declared != "application/json" and not declared.endswith("+json"):
            self._content_type_mismatch(declared)
        try:
            # As raw.decode("utf-8-sig"), whose codec is Python code: drop one BOM, decode.
            text = (raw[3:] if raw.startswith(_BOM) else raw).decode()
        except UnicodeDecodeError:
            text = self._not_utf8(raw)
        try:
            self._body = _DECODER.decode(text)
        except RecursionError:
            raise bad_request("The request body is nested too deeply to read.") from None
        except ValueError as exc:
            raise bad_request(f"The request body is not valid JSON: {exc}.") from None
        return self._body

    def _not_utf8(self, raw: bytes) -> str:
        # Windows PowerShell 5.1 sends a string -Body with no charset as ISO-8859-1, so the
        # seed's no-break space arrives as the byte 0xA0. ASP.NET's UTF-8 decoder does not
        # refuse such a body: it puts U+FFFD in place of each bad byte. Do the same (and
        # say so), unless strict, where it is the 400 a stricter server would send.
        if self.options.strict_content_type:
            raise bad_request(
                "The request body is not UTF-8 text; send UTF-8 JSON (in Windows PowerShell: "
                "-ContentType 'application/json; charset=utf-8')."
            )
        self.journal.record(
            self.now, Kind.Note,
            "the request body is not valid UTF-8: read with U+FFFD for each bad byte, as "
            "ASP.NET does (in Windows PowerShell send -ContentType "
            "'application/json; charset=utf-8')",
        )
        return raw.decode("utf-8-sig", errors="replace")

    def _content_type_mismatch(self, declared: str) -> None:
        shown = declared or "no content type"
        if self.options.strict_content_type:
            raise ApiError(
                415,
                "The request body has an unsupported content type.",
                [
                    f"The body was sent as {shown}; this server (strict_content_type) "
                    "only reads JSON. Send the header Content-Type: application/json."
                ],
            )
        if not declared:
            return  # hand-built requests (the direct driver) often carry no headers at all
        self.journal.record(
            self.now, Kind.Note,
            f"accepted a JSON body sent as {shown} (a stricter server would reject it; "
            "send Content-Type: application/json)",
        )

    def body(self, *, required: bool = True, empty: str = NO_BODY) -> dict[str, Any]:
        """Return the JSON body as an object (``{}`` if empty and not ``required``).

        Raises ApiError 400: ``empty`` for a missing body when ``required``, or for a body
        that is not a JSON object.
        """
        value = self.json()
        if value is None:
            if required:
                raise bad_request(empty)
            return {}
        if not isinstance(value, dict):
            raise bad_request(
                f"The request body must be a JSON object ({{...}}), not {json_type_name(value)}."
            )
        return value
