"""The connect sequence as Octopus areas go: the root document, spaces, space homes and users.

Handlers, resources (domain → Octopus JSON) and :data:`ROUTES`, the shape every area has.
The root document and space homes list the collections every area's routes name
(:attr:`~octosim.api.router.Route.link`), so they are never edited by hand.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from octosim.api.bodies import Body, read_body
from octosim.api.context import RequestContext
from octosim.api.errors import bad_request, missing_permission, resource_not_found
from octosim.api.links import CollectionLinks
from octosim.api.messages import ApiResponse, encode_json
from octosim.api.paging import collection, page_window
from octosim.api.params import by_id_and_name
from octosim.api.router import Route
from octosim.model.world import ALL_PERMISSIONS, Permission, Space, User, WorldError

__all__ = [
    "API_VERSION",
    "ROUTES",
    "SPACE_QUERY",
    "TASK_QUEUE_RUNNING",
    "create_space",
    "delete_space",
    "get_root",
    "get_space",
    "get_space_home",
    "get_user_spaces",
    "get_users_me",
    "list_all_spaces",
    "list_spaces",
    "modify_space",
    "root_resource",
    "space_home",
    "space_resource",
    "user_resource",
]

#: The C# client refuses servers outside 3.0.0–3.0.99 (octopus-api.md §1).
API_VERSION = "3.0.0"
#: The RFC 6570 query template of the space list, as real servers send it.
SPACE_QUERY = "{?skip,ids,take,partialName}"
#: The 400 for deleting a space whose task queue still runs: every client stops it first
#: ("we need to stop the task queue on a space before we can delete it", the Go CLI; the
#: docs' delete-a-space script). The server's own wording is UNCONFIRMED.
TASK_QUEUE_RUNNING = (
    "The task queue of the space '{name}' must be stopped before the space can be deleted: "
    "PUT the space with \"TaskQueueStopped\": true first."
)


# -- resources ---------------------------------------------------------------------------------
def root_resource(version: str, installation_id: str, links: CollectionLinks) -> dict[str, Any]:
    """Return the root document served at ``GET /api`` (octopus-api.md §1)."""
    return {
        "Application": "Octopus Deploy",
        "Version": version,
        "ApiVersion": API_VERSION,
        "InstallationId": installation_id,
        "IsEarlyAccessProgram": False,
        "HasLongTermSupport": False,
        "Links": {"Self": "/api", **links.root(), "Web": "/app"},
    }


def space_home(space: Space, links: CollectionLinks) -> dict[str, Any]:
    """Return a space's home document (SpaceRootResource): ``{Id, Links}``."""
    return {"Id": space.id, "Links": _space_home_links(space.id, links)}


def space_resource(space: Space, links: CollectionLinks) -> dict[str, Any]:
    """Return a SpaceResource. Its links include the space home's collection links, so a
    client reading ``{Id, Links}`` from ``/api/spaces/{id}`` finds what a space home has."""
    return {
        "Id": space.id,
        "Name": space.name,
        "Slug": space.slug,
        "Description": space.description,
        "IsDefault": space.is_default,
        "TaskQueueStopped": space.task_queue_stopped,
        "SpaceManagersTeams": [f"teams-spacemanagers-{space.id}"],
        "SpaceManagersTeamMembers": list(space.space_managers_team_members),
        "Links": _space_resource_links(space.id, links),
    }


# A space's links depend on its id and the route table alone, and a SpaceResource lists some
# twenty: they are built once per space (and shared by every simulation with the built-in
# routes), so the dicts are shared between renders: read-only, like all rendered data.
@lru_cache(maxsize=1024)
def _space_home_links(space_id: str, links: CollectionLinks) -> dict[str, str]:
    return {"Self": f"/api/{space_id}", **links.space(space_id), "Web": f"/app#/{space_id}"}


@lru_cache(maxsize=1024)
def _space_resource_links(space_id: str, links: CollectionLinks) -> dict[str, str]:
    return {
        "Self": f"/api/spaces/{space_id}",
        "SpaceHome": f"/api/{space_id}",
        **links.space(space_id),
        "Web": f"/app#/spaces/{space_id}",
        "Logo": f"/api/spaces/{space_id}/logo",
        "Search": f"/api/spaces/{space_id}/search",
    }


def user_resource(user: User) -> dict[str, Any]:
    """Return a UserResource (``Links.Spaces`` is ``/api/users/{id}/spaces``)."""
    base = f"/api/users/{user.id}"
    return {
        "Id": user.id,
        "Username": user.username,
        "DisplayName": user.display_name,
        "IsActive": True,
        "IsService": user.is_service,
        "EmailAddress": user.email,
        "CanPasswordBeEdited": not user.is_service,
        "IsRequestor": True,
        "Identities": [],
        "Links": {
            "Self": base,
            "Spaces": f"{base}/spaces",
            "Permissions": f"{base}/permissions",
            "ApiKeys": f"{base}/apikeys{{/id}}{{?skip,take}}",
            "Web": f"/app#/users/{user.id}",
        },
    }


# -- handlers ----------------------------------------------------------------------------------
def get_root(ctx: RequestContext) -> ApiResponse:
    """``GET /api``: the root document (the first request of every client session; it
    depends only on the server's options and routes, so it is rendered and serialised once)."""
    options = ctx.options
    data, content = _root(options.version, options.installation_id, ctx.links)
    return ApiResponse(200, data, content=content)


@lru_cache(maxsize=16)
def _root(
    version: str, installation_id: str, links: CollectionLinks
) -> tuple[dict[str, Any], bytes]:
    data = root_resource(version, installation_id, links)
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
        "Space", spaces, lambda s: space_resource(s, ctx.links), skip=skip, take=take,
        path=ctx.request.path, template=f"/api/spaces{SPACE_QUERY}", query=ctx.request.query,
    )


def list_all_spaces(ctx: RequestContext) -> list[dict[str, Any]]:
    """``GET /api/spaces/all``: a plain array of the spaces the caller may view."""
    return [space_resource(s, ctx.links) for s in _visible_spaces(ctx, ctx.require_user())]


def get_space(ctx: RequestContext) -> dict[str, Any]:
    """``GET /api/spaces/{id}``: a SpaceResource (which also carries the space home's
    links). 404 for an unknown space, 403 without SpaceView in it."""
    space = ctx.path_space()
    ctx.require(Permission.SpaceView, space.id)
    return space_resource(space, ctx.links)


def get_space_home(ctx: RequestContext) -> dict[str, Any]:
    """``GET /api/{spaceId}``: the space home ``{Id, Links}``. 404 for an unknown space."""
    space = ctx.path_space()
    ctx.require(Permission.SpaceView, space.id)
    return space_home(space, ctx.links)


def _managers(ctx: RequestContext, body: Body) -> list[str]:
    """``SpaceManagersTeamMembers``: user ids, each of which must exist."""
    members = body.texts("SpaceManagersTeamMembers")
    unknown = [m for m in members if m not in ctx.world.users]
    if unknown:
        raise bad_request(f"SpaceManagersTeamMembers: no user has the id {', '.join(unknown)}; "
                          "GET /api/users/me gives yours.")
    return members


def _appoint(ctx: RequestContext, space: Space, members: list[str]) -> None:
    """Make ``members`` the space's managers: each holds every permission in it."""
    space.space_managers_team_members = list(members)
    for member in members:
        ctx.world.users[member].space_permissions[space.id] = ALL_PERMISSIONS


def create_space(ctx: RequestContext) -> ApiResponse:
    """``POST /api/spaces`` ``{Name, Description?, IsDefault?, TaskQueueStopped?,
    SpaceManagersTeamMembers?, SpaceManagersTeams?}``: 201 and the space, with its default
    machine policy, project group and lifecycle (the TS client's own set-up path, §6.1)."""
    ctx.require(Permission.SpaceCreate, None)
    body = read_body(ctx)
    members = _managers(ctx, body)
    try:
        space = ctx.world.add_space(body.required_text("Name", '"Staging"'),
                                    is_default=body.flag("IsDefault"),
                                    description=body.text("Description", "") or "")
    except WorldError as taken:
        raise bad_request(f"{taken}; choose another name.") from None
    space.task_queue_stopped = body.flag("TaskQueueStopped")
    _appoint(ctx, space, members)
    ctx.deployments.open_space(space.id)
    return ApiResponse(201, space_resource(space, ctx.links))


def modify_space(ctx: RequestContext) -> dict[str, Any]:
    """``PUT /api/spaces/{id}``: the SpaceResource as read, changed (``Name``,
    ``Description``, ``IsDefault``, ``TaskQueueStopped``, ``SpaceManagersTeamMembers``);
    the space as it now is. A stopped task queue starts no task of the space; restarting it
    starts what was waiting."""
    space = ctx.path_space()
    ctx.require(Permission.SpaceEdit, space.id)
    body = read_body(ctx)
    name = body.text("Name", space.name) or space.name
    if any(s is not space and s.name.lower() == name.lower() for s in ctx.world.spaces.values()):
        raise bad_request(f"a space named {name!r} already exists; choose another name.")
    members = _managers(ctx, body) if body.raw("SpaceManagersTeamMembers") is not None else None
    space.name = name
    space.description = body.text("Description", "") or ""
    if body.flag("IsDefault", space.is_default) and not space.is_default:
        for other in ctx.world.spaces.values():
            other.is_default = other is space
    was_stopped = space.task_queue_stopped
    space.task_queue_stopped = body.flag("TaskQueueStopped", was_stopped)
    if members is not None:
        _appoint(ctx, space, members)
    if was_stopped and not space.task_queue_stopped:
        ctx.engine.space_queue_changed()
    return space_resource(space, ctx.links)


def delete_space(ctx: RequestContext) -> ApiResponse:
    """``DELETE /api/spaces/{id}``: 200 with no body. The space's task queue must be
    stopped first (:data:`TASK_QUEUE_RUNNING`) and none of its tasks still running; its
    environments, projects, releases, deployments, tenants, runbooks and tasks go with it."""
    space = ctx.path_space()
    ctx.require(Permission.SpaceDelete, space.id)
    if not space.task_queue_stopped:
        raise bad_request(TASK_QUEUE_RUNNING.format(name=space.name))
    running = [t.id for t in ctx.engine.tasks.values()
               if t.space_id == space.id and not t.is_completed]
    if running:
        raise bad_request(f"The space '{space.name}' still has unfinished tasks "
                          f"({', '.join(running)}); wait for them or cancel them first.")
    try:
        ctx.world.remove_space(space.id)
    except WorldError as refused:
        raise bad_request(str(refused)) from None
    ctx.deployments.close_space(space.id)
    ctx.engine.forget_space(space.id)
    return ApiResponse(200, None)


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
    return [space_resource(s, ctx.links) for s in _visible_spaces(ctx, user)]


#: None of these is space-scoped: they are how a client finds its space.
ROUTES: tuple[Route, ...] = (
    Route("GET", "/api", get_root, space_scoped=False, anonymous=True),
    Route("GET", "/api/{spaceId:space}", get_space_home, space_scoped=False, link="SpaceHome"),
    Route("GET", "/api/spaces", list_spaces, space_scoped=False,
          link="Spaces", link_template="{/id}" + SPACE_QUERY),
    Route("GET", "/api/spaces/all", list_all_spaces, space_scoped=False),
    Route("POST", "/api/spaces", create_space, space_scoped=False),
    Route("GET", "/api/spaces/{id}", get_space, space_scoped=False),
    Route("PUT", "/api/spaces/{id}", modify_space, space_scoped=False),
    Route("DELETE", "/api/spaces/{id}", delete_space, space_scoped=False),
    Route("GET", "/api/users/me", get_users_me, space_scoped=False, link="CurrentUser"),
    Route("GET", "/api/users/{id}/spaces", get_user_spaces, space_scoped=False),
)
