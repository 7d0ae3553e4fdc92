""":class:`OctopusApi`: the simulated server's REST surface, ``ApiRequest`` in, ``ApiResponse``
out, no HTTP objects anywhere (the transport does that conversion).

Each request is routed (:mod:`octosim.api.router`), authenticated, authorised and handed to
its handler; every *input* problem becomes an Octopus error body with a 4xx status. An
unexpected exception is a simulator bug and is deliberately not caught: the fuzz tests are
there to find it, and a 500 would hide it. Every request leaves one journal line.
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from octosim.api.auth import authenticate, presented_key
from octosim.api.context import RequestContext
from octosim.api.errors import (
    MISSING_KEY,
    NOT_FOUND_ROUTE,
    ApiError,
    bad_request,
    error_response,
    fault_response,
    missing_permission,
    space_not_found,
)
from octosim.api.messages import ApiRequest, ApiResponse
from octosim.api.redact import masked_query
from octosim.api.router import Handler, Match, Route, Router
from octosim.api.routes import TABLE
from octosim.api.task_cache import TaskCache
from octosim.api.tasks import task_fixed_fields, task_resource
from octosim.api.timefmt import Dates
from octosim.api.unhandled import UnhandledRequests
from octosim.journal import Kind
from octosim.model.deploy_errors import DeploymentModelError
from octosim.model.engine import EngineError
from octosim.model.executors import ArgumentError
from octosim.model.tasks import Task
from octosim.model.world import Permission, User

if TYPE_CHECKING:
    from octosim.clock import VirtualClock
    from octosim.faults import FaultRule
    from octosim.journal import Journal
    from octosim.model.deployment_store import DeploymentStore
    from octosim.model.engine import TaskEngine
    from octosim.model.interruptions import InterruptionBoard
    from octosim.model.world import World
    from octosim.options import ServerOptions

__all__ = ["OctopusApi"]


#: Characters of a request's path and query written in its journal line.
_TARGET_LIMIT = 2048


def _build_router() -> Router:
    router = Router()
    for route in TABLE:
        router.add(route)
    return router


@functools.cache
def _builtin_router() -> Router:
    """The built-in routes, compiled once per process and shared by every simulation that
    adds none of its own (a router holds no per-simulation state: its memo maps method and
    path to routes only)."""
    return _build_router()


@functools.lru_cache(maxsize=256)
def _journal_query(query: tuple[tuple[str, str], ...]) -> str:
    """The query as a journal line shows it: never a key (nor what looks like one); the rest
    helps a reader. Memoised on the pairs: a waiting client sends the same poll again and
    again, and masking and encoding it cost more than the rest of the line."""
    return urlencode(masked_query(query), safe=",")


class OctopusApi:
    """The routes of one simulation. ``unhandled`` lists the method and path of requests
    that matched no route (404) or no method of their path (405), for strict test modes
    (:class:`~octosim.api.unhandled.UnhandledRequests`: the newest, never a body)."""

    def __init__(
        self,
        *,
        world: World,
        engine: TaskEngine,
        clock: VirtualClock,
        journal: Journal,
        options: ServerOptions,
        deployments: DeploymentStore,
        interruptions: InterruptionBoard,
    ) -> None:
        self.world = world
        self.deployments = deployments
        self.interruptions = interruptions
        self.engine = engine
        self.clock = clock
        self._date_second: int | None = None
        self._date_text = ""
        self.journal = journal
        self.options = options
        # Every simulation starts with the same built-in table: share one compiled router
        # (building it costs more than a whole simulated restart) and copy it the first time
        # this simulation adds a route of its own.
        self.router = _builtin_router()
        self._own_router = False
        self.dates = Dates(clock)
        pending = interruptions.has_pending

        def render(task: Task, dates: Dates, now: float,
                   fixed: dict[str, Any] | None) -> dict[str, Any]:
            return task_resource(task, dates, now, fixed, pending=pending)

        self.task_renders = TaskCache(self.dates, render=render, fixed_fields=task_fixed_fields)
        self.unhandled = UnhandledRequests()

    def add_route(
        self,
        method: str,
        pattern: str,
        handler: Handler,
        *,
        permission: Permission | None = None,
        space_scoped: bool = True,
        link: str | None = None,
        link_template: str = "",
    ) -> Route:
        """Serve ``method pattern`` with ``handler``, with the same authentication, error
        bodies and journal as the built-in routes; returns the route.

        ``pattern`` is the unscoped URL path, e.g. ``/api/projects/{id}``; with
        ``space_scoped`` it is also served at ``/api/{spaceId}/projects/{id}`` and
        ``/api/spaces/{spaceId}/projects/{id}``. ``handler(ctx)`` gets a
        :class:`~octosim.api.context.RequestContext` and returns an ``ApiResponse`` or a
        JSON value (sent as 200); it raises :class:`~octosim.api.errors.ApiError` for an
        error body. ``permission`` is checked in the request's space (the default space in
        the unscoped form). A route with the same method and path replaces the old one.
        ``link`` lists the route under that name in the root document's ``Links`` (and each
        space home's, if space-scoped), ``link_template`` following its path.

        Raises RouteError for a pattern not under ``/api``; ValueError for a bad method.
        """
        verb = method.upper()
        if not verb.isalpha() or not verb.isascii():
            raise ValueError(f"method must be an HTTP method such as GET, not {method!r}")
        if not self._own_router:
            self.router = _build_router()
            self._own_router = True
        return self.router.add(
            Route(verb, pattern, handler, permission=permission, space_scoped=space_scoped,
                  link=link, link_template=link_template)
        )

    def fault_response(self, rule: FaultRule) -> ApiResponse:
        """Return what the server answers when a ``Status`` fault rule fires (the request
        is not processed): the rule's status, an Octopus error body, ``Retry-After`` on a
        429/503 if the rule sets one. Shared by the transport and the live server."""
        return fault_response(rule)

    # -- serving ----------------------------------------------------------------------------
    def handle(self, request: ApiRequest) -> ApiResponse:
        """Serve one request and journal it. Returns the response; raises only on a bug."""
        method = request.method.upper()
        matched = self.router.match(method, request.path)
        subject = ""
        try:
            if isinstance(matched, Match):
                subject = matched.params.get("id", "")[:_TARGET_LIMIT]
                response = self._serve(matched, request)
            else:
                response = self._unhandled(method, request, matched)
        except BaseException as exc:
            self._journal(method, request, f"raised {type(exc).__name__}", subject)
            raise
        self._journal(method, request, str(response.status), subject)
        response.headers["date"] = self._http_date()
        return response

    def _http_date(self) -> str:
        # Every Octopus answer carries the server's Date (RFC 9110 §6.6.1): clients learn the
        # server's clock from it (the restart client dates its tasks' QueueTimeExpiry so).
        # Whole seconds, so one text per virtual second is formatted.
        second = math.floor(self.clock.now())
        if second != self._date_second:
            self._date_second = second
            self._date_text = self.dates.http(second)
        return self._date_text

    def _serve(self, matched: Match, request: ApiRequest) -> ApiResponse:
        route = matched.route
        options, world = self.options, self.world
        ctx = RequestContext(request, matched.params, matched.scoped, self)
        user: User | None = None
        try:
            if not (route.anonymous and options.anonymous_root and presented_key(request) is None):
                ctx.user = user = authenticate(
                    world, request, wrong_key_status=options.wrong_key_status
                )
            if len(request.body) > options.max_body_bytes:
                raise bad_request(
                    f"The request body is {len(request.body)} bytes; this server accepts at "
                    f"most {options.max_body_bytes} (ServerOptions.max_body_bytes)."
                )
            space_id = ctx.space_id
            if space_id is not None and space_id not in world.spaces:
                raise space_not_found(space_id)  # before anything else about the space
            permission = route.permission
            if permission is not None and (ctx.scoped or not route.authorizes_itself):
                if space_id is None and route.space_scoped:
                    space_id = world.default_space.id
                if user is None:
                    raise ApiError(401, MISSING_KEY)
                if not user.can(permission, space_id):
                    raise missing_permission(permission.value)
            result = route.handler(ctx)
        except ApiError as exc:
            return exc.response()
        except ArgumentError as exc:  # domain refusals raised straight from user handlers
            return bad_request(*exc.problems).response()
        except EngineError as exc:
            return bad_request(str(exc)).response()
        except DeploymentModelError as exc:  # the deployment model's refusals, Octopus's words
            return error_response(exc.status_code, exc.error_message, exc.errors)
        return result if isinstance(result, ApiResponse) else ApiResponse(200, result)

    def _unhandled(
        self, method: str, request: ApiRequest, allowed: list[str] | None
    ) -> ApiResponse:
        self.unhandled.record(method, request.path)
        if allowed:
            return error_response(
                405,
                f"The method {method} is not allowed for {request.path}.",
                [f"This resource answers {', '.join(allowed)}."],
                headers={"allow": ", ".join(allowed)},
            )
        return error_response(
            404,
            NOT_FOUND_ROUTE,
            [
                f"No route matches {method} {request.path}. The simulator serves the routes "
                "listed in docs/api.md; add others with sim.api.add_route(...)."
            ],
        )

    def _journal(self, method: str, request: ApiRequest, outcome: str, subject: str) -> None:
        target = request.path
        if request.query:
            shown = _journal_query(request.query)
            if shown:
                target = f"{target}?{shown}"
        if len(target) > _TARGET_LIMIT:  # anyone may send a long path; a reader needs its start
            target = f"{target[:_TARGET_LIMIT]}… ({len(target)} characters)"
        self.journal.record(
            self.clock.now(), Kind.Request, f"{method} {target} → {outcome}",
            subject,
        )
