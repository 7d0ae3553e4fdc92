"""Handlers for the connect sequence: the root document, spaces, space homes and users."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from octosim.api.context import RequestContext
from octosim.api.errors import missing_permission, resource_not_found
from octosim.api.messages import ApiResponse, encode_json
from octosim.api.paging import collection, page_window
from octosim.api.params import by_id_and_name
from octosim.api.resources_world import (
    SPACE_QUERY,
    root_resource,
    space_home,
    space_resource,
    user_resource,
)
from octosim.model.world import Permission, Space, User

__all__ = [
    "get_root",
    "get_space",
    "get_space_home",
    "get_user_spaces",
    "get_users_me",
    "list_all_spaces",
    "list_spaces",
]

_SPACES_TEMPLATE = f"/api/spaces{SPACE_QUERY}"


def get_root(ctx: RequestContext) -> ApiResponse:
    """``GET /api``: the root document (the first request of every client session; it
    depends only on the server's options, so it is rendered and serialised once)."""
    options = ctx.options
    data, content = _root(options.version, options.installation_id)
    return ApiResponse(200, data, content=content)


@lru_cache(maxsize=16)
def _root(version: str, installation_id: str) -> tuple[dict[str, Any], bytes]:
    data = root_resource(version, installation_id)
    return data, encode_json(data)


def _visible_spaces(ctx: RequestContext, user: User) -> list[Space]:
    """The spaces ``user`` may view, sorted by name (Octopus lists spaces by name)."""
    spaces = [s for s in ctx.world.spaces.values() if user.can(Permission.SpaceView, s.id)]
    return sorted(spaces, key=lambda s: (s.name.casefold(), s.id))


def list_spaces(ctx: RequestContext) -> dict[str, Any]:
    """``GET /api/spaces``: paged, filtered by ``partialName`` (name contains, any case),
    ``name`` (exact, any case) and ``ids``; only spaces the caller may view."""
    query = ctx.query
    skip, take = page_window(query)
    spaces = by_id_and_name(query, _visible_spaces(ctx, ctx.require_user()))
    return collection(
        "Space", spaces, space_resource, skip=skip, take=take,
        path=ctx.request.path, template=_SPACES_TEMPLATE, query=ctx.request.query,
    )


def list_all_spaces(ctx: RequestContext) -> list[dict[str, Any]]:
    """``GET /api/spaces/all``: a plain array of the spaces the caller may view."""
    return [space_resource(s) for s in _visible_spaces(ctx, ctx.require_user())]


def get_space(ctx: RequestContext) -> dict[str, Any]:
    """``GET /api/spaces/{id}``: a SpaceResource (which also carries the space home's
    links). 404 for an unknown space, 403 without SpaceView in it."""
    space = ctx.path_space()
    ctx.require(Permission.SpaceView, space.id)
    return space_resource(space)


def get_space_home(ctx: RequestContext) -> dict[str, Any]:
    """``GET /api/{spaceId}``: the space home ``{Id, Links}``. 404 for an unknown space."""
    space = ctx.path_space()
    ctx.require(Permission.SpaceView, space.id)
    return space_home(space)


def get_users_me(ctx: RequestContext) -> dict[str, Any]:
    """``GET /api/users/me``: the caller as a UserResource."""
    return user_resource(ctx.require_user())


def get_user_spaces(ctx: RequestContext) -> list[dict[str, Any]]:
    """``GET /api/users/{id}/spaces``: the spaces that user may view. 404 for an unknown
    user; a user may list only their own spaces unless they may view every space."""
    caller = ctx.require_user()
    user_id = ctx.params["id"]
    user = caller if user_id.lower() == "me" else ctx.world.users.get(user_id)
    if user is None:
        raise resource_not_found(user_id)
    if user is not caller and Permission.SpaceView not in caller.system_permissions:
        raise missing_permission(Permission.SpaceView.value)
    return [space_resource(s) for s in _visible_spaces(ctx, user)]
