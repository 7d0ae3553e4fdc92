"""Extending the API (``sim.api.add_route``), the unhandled-request record, the journal, and
the router's own rules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from octosim.api import ApiError, ApiRequest, ApiResponse, RequestContext, RouteError
from octosim.api.router import Route, Router
from octosim.journal import Kind
from octosim.model.world import Permission
from octosim.simulation import Simulation

Call = Callable[..., ApiResponse]


def project(ctx: RequestContext) -> dict[str, Any]:
    if ctx.params["id"] == "Projects-0":
        raise ApiError(404, "The resource 'Projects-0' was not found.")
    return {"Id": ctx.params["id"], "SpaceId": ctx.space().id, "Scoped": ctx.scoped}


def test_added_route_is_served_at_three_forms(sim: Simulation, call: Call) -> None:
    sim.api.add_route("GET", "/api/projects/{id}", project, permission=Permission.TaskView)
    assert call("GET", "/api/projects/Projects-1").data == {
        "Id": "Projects-1", "SpaceId": "Spaces-1", "Scoped": False}
    assert call("GET", "/api/Spaces-1/projects/Projects-1").data["Scoped"] is True
    assert call("GET", "/api/spaces/Spaces-1/projects/Projects-1").data["Scoped"] is True
    assert call("GET", "/api/Spaces-7/projects/Projects-1").status == 404
    assert list(sim.api.unhandled) == []


def test_added_route_has_auth_errors_and_journal(sim: Simulation, call: Call) -> None:
    sim.api.add_route("GET", "/api/projects/{id}", project, permission=Permission.TaskCreate)
    assert call("GET", "/api/projects/Projects-1", key=None).status == 401
    viewer = sim.world.add_user("viewer", system_permissions=[Permission.TaskView])
    key = sim.world.add_api_key(viewer.id).key
    denied = call("GET", "/api/projects/Projects-1", key=key)
    assert denied.status == 403
    assert denied.data["ErrorMessage"].endswith("Missing permission: TaskCreate")
    missing = call("GET", "/api/projects/Projects-0")
    assert (missing.status, missing.data["ErrorMessage"]) == (
        404, "The resource 'Projects-0' was not found.")
    assert "GET /api/projects/Projects-0 → 404" in sim.timeline()


def test_added_unscoped_route_and_response_objects(sim: Simulation, call: Call) -> None:
    sim.api.add_route(
        "get", "/api/serverstatus/health",
        lambda ctx: ApiResponse(200, text="OK"), space_scoped=False,
    )
    response = call("GET", "/api/serverstatus/health")
    assert (response.status, response.content) == (200, b"OK")
    assert call("GET", "/api/Spaces-1/serverstatus/health").status == 404


def test_added_route_can_override_a_builtin(sim: Simulation, call: Call) -> None:
    sim.api.add_route("GET", "/api/tasks/{taskId}", lambda ctx: {"Mine": ctx.params["taskId"]})
    assert call("GET", "/api/Spaces-1/tasks/ServerTasks-5").data == {"Mine": "ServerTasks-5"}


def test_added_route_makes_405_for_other_methods(sim: Simulation, call: Call) -> None:
    sim.api.add_route("POST", "/api/feeds", lambda ctx: ApiResponse(201, ctx.body()))
    created = call("POST", "/api/Spaces-1/feeds", json_body={"Name": "P"})
    assert (created.status, created.data) == (201, {"Name": "P"})
    assert call("GET", "/api/feeds").status == 405
    assert call("POST", "/api/feeds").status == 400  # ctx.body() requires one


@pytest.mark.parametrize("pattern", ["/projects", "api/x/{", "/api/{id:nope}", "/api/{bad"])
def test_bad_patterns_are_refused(sim: Simulation, pattern: str) -> None:
    with pytest.raises(RouteError):
        sim.api.add_route("GET", pattern, project)


def test_bad_method_is_refused(sim: Simulation) -> None:
    with pytest.raises(ValueError, match="HTTP method"):
        sim.api.add_route("GET /x", "/api/x", project)


def test_unhandled_records_404s_and_405s_only(sim: Simulation, call: Call) -> None:
    call("GET", "/api/tasks")
    call("GET", "/api/feeds/all")
    call("PUT", "/api/machines/Machines-1")
    call("GET", "/api/tasks/ServerTasks-9")  # a route: its 404 is an answer, not a gap
    assert [(r.method, r.path) for r in sim.api.unhandled] == [
        ("GET", "/api/feeds/all"), ("PUT", "/api/machines/Machines-1")]


def test_journal_has_one_line_per_request(sim: Simulation, call: Call) -> None:
    call("POST", "/api/tasks", json_body={"Name": "Upgrade"})
    for _ in range(2):
        call("GET", "/api/Spaces-1/tasks/ServerTasks-1")
    call("GET", "/api/nowhere")
    requests = sim.journal.entries(kind=Kind.Request)
    assert [e.text for e in requests] == [
        "POST /api/tasks → 201",
        "GET /api/Spaces-1/tasks/ServerTasks-1 → 200",
        "GET /api/Spaces-1/tasks/ServerTasks-1 → 200",
        "GET /api/nowhere → 404",
    ]
    assert requests[1].subject == "ServerTasks-1"


def test_a_handler_bug_is_not_hidden(sim: Simulation, call: Call) -> None:
    def broken(ctx: RequestContext) -> None:
        raise ZeroDivisionError("bug")

    sim.api.add_route("GET", "/api/broken", broken)
    with pytest.raises(ZeroDivisionError):
        call("GET", "/api/broken")
    assert "GET /api/broken → raised ZeroDivisionError" in sim.timeline()


def test_router_prefers_literals_and_backtracks() -> None:
    router = Router()

    def handler(ctx: RequestContext) -> None:
        return None

    a = router.add(Route("GET", "/api/things/special", handler, space_scoped=False))
    b = router.add(Route("GET", "/api/things/{id}", handler, space_scoped=False))
    c = router.add(Route("POST", "/api/things/special/{x}", handler, space_scoped=False))
    d = router.add(Route("GET", "/api/things/{id}/{x}", handler, space_scoped=False))
    found = router.match("GET", "/api/THINGS/special")
    assert not isinstance(found, list) and found is not None and found.route is a
    found = router.match("GET", "/api/things/other/")
    assert not isinstance(found, list) and found is not None
    assert (found.route, found.params) == (b, {"id": "other"})
    # the literal branch has only POST here; the parameter branch has GET
    found = router.match("GET", "/api/things/special/1")
    assert not isinstance(found, list) and found is not None
    assert (found.route, found.params) == (d, {"id": "special", "x": "1"})
    found = router.match("POST", "/api/things/special/1")
    assert not isinstance(found, list) and found is not None and found.route is c
    assert router.match("DELETE", "/api/things/x") == ["GET"]
    assert router.match("GET", "/api/nothing") is None


def test_collection_links_come_from_the_routes() -> None:
    router = Router()

    def handler(ctx: RequestContext) -> None:
        return None

    router.add(Route("GET", "/api/{spaceId:space}", handler, space_scoped=False,
                     link="SpaceHome"))
    router.add(Route("GET", "/api/projects", handler, link="Projects",
                     link_template="{/id}{?skip,take}"))
    router.add(Route("GET", "/api/projects/{id}", handler))
    assert router.links.root() == {"SpaceHome": "/api/{spaceId}",
                                   "Projects": "/api/projects{/id}{?skip,take}"}
    router.add(Route("GET", "/api/projects", handler, link="Projects"))  # the first link stays
    router.add(Route("GET", "/api/releases", handler, link="Releases"))
    assert router.links.space("Spaces-2") == {
        "Projects": "/api/Spaces-2/projects{/id}{?skip,take}",
        "Releases": "/api/Spaces-2/releases"}


def test_the_root_document_and_space_homes_list_every_area_in_table_order(call: Call) -> None:
    from octosim.api.routes import TABLE

    linked = [r.link for r in TABLE if r.link is not None]
    assert list(call("GET", "/api").data["Links"]) == ["Self", *linked, "Web"]
    home = call("GET", "/api/Spaces-1").data["Links"]
    scoped = [r.link for r in TABLE if r.link is not None and r.space_scoped]
    assert list(home) == ["Self", *scoped, "Web"]
    assert home["Tasks"].startswith("/api/Spaces-1/tasks{/id}{?skip,")
    space = call("GET", "/api/spaces/Spaces-1").data["Links"]
    assert {k: space[k] for k in scoped} == {k: home[k] for k in scoped}


def test_an_added_collection_is_listed_in_the_root_document(sim: Simulation, call: Call) -> None:
    before = call("GET", "/api").data["Links"]
    sim.api.add_route("GET", "/api/feeds", lambda ctx: [], link="Feeds",
                      link_template="{/id}{?skip,take}")
    assert call("GET", "/api").data["Links"]["Feeds"] == "/api/feeds{/id}{?skip,take}"
    assert call("GET", "/api/Spaces-1").data["Links"]["Feeds"] == (
        "/api/Spaces-1/feeds{/id}{?skip,take}")
    assert "Feeds" not in before and "Feeds" not in Simulation(seed=1).handle(
        ApiRequest("GET", "/api")).data["Links"]  # other simulations are untouched
