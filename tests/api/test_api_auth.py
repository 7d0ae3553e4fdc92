"""Authentication and permissions (octopus-api.md §2)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from octosim.api.errors import MISSING_KEY, WRONG_KEY
from octosim.api.messages import ApiRequest, ApiResponse
from octosim.model.world import Permission
from octosim.simulation import ServerOptions, Simulation

Call = Callable[..., ApiResponse]  # the `call` fixture: one request through sim.handle
TASKS = "/api/Spaces-1/tasks"


def test_header_key_is_accepted(call: Call) -> None:
    assert call("GET", TASKS).status == 200


@pytest.mark.parametrize("name", ["apikey", "ApiKey", "APIKEY", "apiKey"])
def test_query_key_in_any_case_is_accepted(call: Call, sim: Simulation, name: str) -> None:
    assert call("GET", TASKS, key=None, query={name: sim.api_key or ""}).status == 200


def test_bearer_token_is_accepted(call: Call, sim: Simulation) -> None:
    response = call("GET", TASKS, key=None, headers={"Authorization": f"Bearer {sim.api_key}"})
    assert response.status == 200


def test_missing_key_is_401_with_octopus_text(call: Call) -> None:
    response = call("GET", TASKS, key=None)
    assert response.status == 401
    assert response.data["ErrorMessage"] == MISSING_KEY
    assert MISSING_KEY == (
        "You must be logged in to perform this action. "
        "Please provide a valid API key or log in again."
    )


def test_empty_header_counts_as_no_key(call: Call, sim: Simulation) -> None:
    assert call("GET", TASKS, key="").status == 401
    assert call("GET", TASKS, key="  ").status == 401
    # ... and does not hide a key given another way
    assert call("GET", TASKS, key="", query={"apikey": sim.api_key or ""}).status == 200


@pytest.mark.parametrize("scheme", ["Basic abc", "Bearer", "Bearer   "])
def test_other_authorization_schemes_are_no_key(call: Call, scheme: str) -> None:
    assert call("GET", TASKS, key=None, headers={"Authorization": scheme}).status == 401


def test_wrong_key_is_401_with_octopus_text(call: Call) -> None:
    response = call("GET", TASKS, key="API-WRONGWRONGWRONG")
    assert response.status == 401
    assert response.data["ErrorMessage"] == WRONG_KEY
    assert WRONG_KEY == (
        "The API key you provided was not valid. Please double-check your API key and try again."
    )


def test_wrong_key_status_is_configurable() -> None:
    sim = Simulation(options=ServerOptions(wrong_key_status=403))
    with sim.client(api_key="API-WRONG") as client:
        response = client.get(TASKS)
    assert response.status_code == 403
    assert response.json()["ErrorMessage"] == WRONG_KEY


def test_missing_permission_is_403_naming_it(sim: Simulation, call: Call) -> None:
    viewer = sim.world.add_user("viewer", system_permissions=[Permission.TaskView])
    key = sim.world.add_api_key(viewer.id).key
    assert call("GET", TASKS, key=key).status == 200
    response = call("POST", TASKS, key=key, json_body={"Name": "Upgrade"})
    assert response.status == 403
    assert response.data["ErrorMessage"] == (
        "You do not have permission to perform this action. Please contact your Octopus "
        "administrator. Missing permission: TaskCreate"
    )


@pytest.mark.parametrize(
    ("method", "path", "permission"),
    [
        ("GET", "/api/Spaces-1/tasks/ServerTasks-1", "TaskView"),
        ("GET", "/api/tasks/ServerTasks-1", "TaskView"),
        ("POST", "/api/tasks/ServerTasks-1/cancel", "TaskCancel"),
        ("POST", "/api/Spaces-1/tasks/ServerTasks-1/cancel", "TaskCancel"),
        ("POST", "/api/tasks/ServerTasks-1/state", "TaskEdit"),
        ("POST", "/api/tasks/rerun/ServerTasks-1", "TaskCreate"),
        ("GET", "/api/machines", "MachineView"),
        ("GET", "/api/machines/Machines-1", "MachineView"),
        ("GET", "/api/Spaces-1/environments", "EnvironmentView"),
        ("GET", "/api/environments/Environments-1", "EnvironmentView"),
        ("GET", "/api/Spaces-1", "SpaceView"),
        ("GET", "/api/spaces/Spaces-1", "SpaceView"),
    ],
)
def test_each_route_checks_its_permission(
    sim: Simulation, call: Call, method: str, path: str, permission: str
) -> None:
    call("POST", "/api/tasks", json_body={"Name": "Upgrade"})
    nobody = sim.world.add_user("nobody", system_permissions=[])
    key = sim.world.add_api_key(nobody.id).key
    response = call(method, path, key=key, json_body={"State": "Failed", "Reason": "r"})
    assert response.status == 403, response.data
    assert response.data["ErrorMessage"].endswith(f"Missing permission: {permission}")


def test_space_permissions_apply_per_space(sim: Simulation, call: Call) -> None:
    second = sim.world.add_space("Second")
    call("POST", "/api/tasks", json_body={"Name": "Upgrade"})  # ServerTasks-1 in Spaces-1
    call("POST", "/api/tasks", json_body={"Name": "Upgrade", "SpaceId": second.id})
    user = sim.world.add_user(
        "scoped", system_permissions=[],
        space_permissions={second.id: [Permission.TaskView, Permission.SpaceView]},
    )
    key = sim.world.add_api_key(user.id).key
    assert call("GET", f"/api/{second.id}/tasks", key=key).status == 200
    assert call("GET", "/api/Spaces-1/tasks", key=key).status == 403
    # the unscoped list shows only what the user may see; a by-id get checks the task's space
    listed = call("GET", "/api/tasks", key=key).data
    assert [t["Id"] for t in listed["Items"]] == ["ServerTasks-2"]
    assert call("GET", "/api/tasks/ServerTasks-2", key=key).status == 200
    assert call("GET", "/api/tasks/ServerTasks-1", key=key).status == 403
    spaces = call("GET", "/api/spaces/all", key=key).data
    assert [s["Id"] for s in spaces] == [second.id]


def test_root_is_anonymous_by_default(call: Call) -> None:
    response = call("GET", "/api", key=None)
    assert response.status == 200
    assert response.data["Application"] == "Octopus Deploy"


def test_root_needs_a_key_when_configured() -> None:
    sim = Simulation(options=ServerOptions(anonymous_root=False))
    with sim.client(api_key="") as client:
        client.headers.pop("X-Octopus-ApiKey")
        assert client.get("/api").status_code == 401
    with sim.client() as client:
        assert client.get("/api").status_code == 200


def test_root_with_a_wrong_key_is_refused(call: Call) -> None:
    """A key that is sent is checked even where none is needed: clients learn at connect."""
    assert call("GET", "/api", key="API-WRONG").status == 401


def test_the_key_never_reaches_the_journal(sim: Simulation, call: Call) -> None:
    key = sim.api_key or ""
    call("GET", TASKS, key=None, query=[("ApiKey", key), ("take", "1")])
    call("GET", TASKS, key=None, query=[("apikey", "API-SOMETHINGELSE")])
    call("GET", TASKS)
    timeline = sim.timeline()
    assert key not in timeline
    assert "API-SOMETHINGELSE" not in timeline
    assert f"GET {TASKS}?take=1 → 200" in timeline


@pytest.mark.parametrize("name", ["api_key", "API_KEY", "X-Octopus-ApiKey", "apiKeys", "token"])
def test_key_like_query_names_are_masked_in_the_journal(
    sim: Simulation, call: Call, name: str
) -> None:
    """Not the key, so not read as one, but a mistyped key is still a secret (issue 14)."""
    key = sim.api_key or ""
    call("GET", TASKS, query=[(name, key), ("take", "1")])
    call("GET", TASKS, query=[(name, "hunter2")])
    timeline = sim.timeline()
    assert key not in timeline and "hunter2" not in timeline
    assert f"GET {TASKS}?{name}=REDACTED&take=1 → 200" in timeline
    page = call("GET", TASKS, query=[(name, "hunter2"), ("take", "1")]).data
    assert "hunter2" not in str(page["Links"])  # nor echoed into page links


def test_a_value_shaped_like_a_key_is_masked_under_any_name(sim: Simulation, call: Call) -> None:
    key = sim.api_key or ""
    call("GET", TASKS, query=[("partialName", key)])
    assert key not in sim.timeline()


def test_a_request_repr_never_shows_a_key(sim: Simulation, call: Call) -> None:
    key = sim.api_key or ""
    request = ApiRequest("GET", "/api/nowhere", (("ApiKey", key), ("api_key", key)),
                         {"authorization": f"Bearer {key}"})
    assert key not in repr(request)
    assert "authorization" in repr(request) and "/api/nowhere" in repr(request)
    call("GET", "/api/nowhere", query={"ApiKey": key},
         headers={"Authorization": f"Bearer {key}"})
    (unhandled,) = sim.api.unhandled  # only the method and the path are kept
    assert unhandled == ("GET", "/api/nowhere") and key not in repr(sim.api.unhandled)
