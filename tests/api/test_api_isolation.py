"""Space isolation (issue 14 #2): a key allowed only in Spaces-1 never learns of another
space's resources through any list, in any URL form, with any key form: not their ids, not
their number (``TotalResults``)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from deploy_world import deployments_in

from octosim.api.messages import ApiRequest, ApiResponse
from octosim.api.router import Route
from octosim.api.routes import TABLE
from octosim.model.world import ALL_PERMISSIONS
from octosim.simulation import Simulation

ONE = "Spaces-1"


class World2:
    """A simulation with resources in two spaces and a key allowed only in Spaces-1."""

    def __init__(self) -> None:
        self.sim = sim = Simulation(seed=3)
        world = sim.world
        second = world.add_space("Second")
        env = world.add_environment(second.id, "Elsewhere")
        machine = world.add_machine(second.id, "db-02", [env.id], roles=["db"])
        sim.engine.task_cap = 1  # so that tasks wait in the one queue, across spaces
        create = sim.engine.create
        # Spaces-2 first: its tasks execute or wait ahead of Spaces-1's.
        theirs = [create(second.id, "Upgrade", {}) for _ in range(3)]
        ours = [create(ONE, "Upgrade", {}) for _ in range(2)]
        assert theirs[0].state.value == "Executing" and ours[-1].state.value == "Queued"
        self.ours = ours
        self.mine = deployments_in(sim, ONE, "Environments-1")
        elsewhere = deployments_in(sim, second.id, env.id)
        theirs_deployed = [v for k, v in elsewhere.items() if k.startswith("/api/")]
        theirs_deployed += elsewhere["tasks"].split(",")
        user = world.add_user("one-space", system_permissions=[],
                              space_permissions={ONE: ALL_PERMISSIONS})
        self.user_id = user.id
        self.key = world.add_api_key(user.id).key
        others = [second.id, env.id, machine.id, *(t.id for t in theirs), *theirs_deployed]
        # Whole ids only: ServerTasks-3 must not match ServerTasks-30.
        self.leak = re.compile("|".join(rf"(?<![\w-]){re.escape(i)}(?![\w])" for i in others))

    def get(self, path: str, form: str = "header") -> ApiResponse:
        headers: dict[str, str] = {}
        query: tuple[tuple[str, str], ...] = ()
        if form == "header":
            headers["x-octopus-apikey"] = self.key
        elif form == "query":
            query = (("apikey", self.key),)
        else:
            headers["authorization"] = f"Bearer {self.key}"
        return self.sim.handle(ApiRequest("GET", path, query, headers))


@pytest.fixture
def two() -> World2:
    return World2()


def _paths(route: Route, two: World2) -> Iterator[str]:
    """``route``'s path in every URL form, its ``{id}`` one of Spaces-1's own resources."""
    ids = {
        "/api/tasks": [t.id for t in two.ours],
        "/api/machines": [m.id for m in two.sim.world.machines.values() if m.space_id == ONE],
        "/api/environments": ["Environments-1"],
        "/api/deploymentsettings": [f"deploymentsettings-{two.mine['/api/projects']}"],
        "/api/spaces": [ONE],
        "/api/users": [two.user_id, "me"],
        **{area: [item] for area, item in two.mine.items() if area.startswith("/api/")},
    }
    snapshot = two.sim.deployments.runbook_snapshots[two.mine["/api/runbookSnapshots"]]
    pattern = route.pattern.replace("{spaceId:space}", ONE).replace(
        "{version}", two.mine["version"]).replace(
        "{processId}", two.mine["/api/runbookProcesses"]).replace(
        "{name}", snapshot.name).replace(
        "{environment}", "Environments-1").replace("{tenant}", two.mine["/api/tenants"])
    area = next((k for k in ids if pattern.startswith(k)), None)
    for item in ids[area] if area and "{id}" in pattern else [""]:
        path = pattern.replace("{id}", item)
        yield path
        if route.space_scoped:
            yield path.replace("/api", f"/api/{ONE}", 1)
            yield path.replace("/api", f"/api/spaces/{ONE}", 1)


def test_queued_behind_lists_only_tasks_the_caller_may_view(two: World2) -> None:
    last = two.ours[-1]
    for form in ("header", "query", "bearer"):
        for prefix in ("/api", f"/api/{ONE}", f"/api/spaces/{ONE}"):
            page = two.get(f"{prefix}/tasks/{last.id}/queued-behind", form)
            assert page.status == 200, page.data
            assert [t["Id"] for t in page.data["Items"]] == [two.ours[0].id]
            assert page.data["TotalResults"] == 1
            assert not two.leak.search(page.content.decode())


def test_every_list_route_in_every_form_shows_only_the_callers_space(two: World2) -> None:
    walked = 0
    for route in TABLE:
        if route.method != "GET":
            continue
        for path in _paths(route, two):
            response = two.get(path)
            assert response.status == 200, (path, response.data)
            body = response.content.decode()
            assert not two.leak.search(body), (path, body)
            data = response.data
            if isinstance(data, dict) and "TotalResults" in data:
                assert data["TotalResults"] == len(data["Items"]), path  # nothing hidden
            walked += 1
    assert walked > 40


def test_another_spaces_task_is_refused_not_shown(two: World2) -> None:
    theirs = "ServerTasks-3"
    assert two.get(f"/api/tasks/{theirs}/queued-behind").status == 403
    assert two.get(f"/api/{ONE}/tasks/{theirs}/queued-behind").status == 404
    assert two.get(f"/api/Spaces-2/tasks/{theirs}/queued-behind").status == 403
