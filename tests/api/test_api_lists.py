"""Lists: paging (Page.Next absent on the last page), every filter, comma-joined and repeated
values, and the spaces / users / machines / environments collections."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from octosim.api.messages import ApiResponse
from octosim.model.states import HealthStatus
from octosim.model.world import CommunicationStyle
from octosim.simulation import Simulation

Call = Callable[..., ApiResponse]
MakeTask = Callable[..., dict[str, Any]]
TASKS = "/api/Spaces-1/tasks"


def ids_of(response: ApiResponse) -> list[str]:
    assert response.status == 200, response.data
    return [item["Id"] for item in response.data["Items"]]


def t(n: int) -> str:
    return f"ServerTasks-{n}"


# -- paging -----------------------------------------------------------------------------------
def test_default_page_is_30_newest_first(call: Call, make_task: MakeTask) -> None:
    for _ in range(35):
        make_task()
    page = call("GET", TASKS).data
    assert page["ItemType"] == "Task"
    assert (page["TotalResults"], page["ItemsPerPage"]) == (35, 30)
    assert (page["NumberOfPages"], page["LastPageNumber"]) == (2, 1)
    assert [i["Id"] for i in page["Items"]] == [t(n) for n in range(35, 5, -1)]
    links = page["Links"]
    assert links["Page.Next"] == f"{TASKS}?skip=30&take=30"
    assert links["Page.Current"] == links["Self"] == f"{TASKS}?skip=0&take=30"
    assert links["Page.Last"] == f"{TASKS}?skip=30&take=30"
    assert links["Page.All"] == f"{TASKS}?skip=0&take=2147483647"
    assert links["Template"].startswith(f"{TASKS}{{?skip,")
    last = call("GET", TASKS, query={"skip": "30"}).data
    assert "Page.Next" not in last["Links"]
    assert [i["Id"] for i in last["Items"]] == [t(n) for n in range(5, 0, -1)]


def test_following_next_visits_every_match_once(client: httpx.Client, make_task: MakeTask,
                                                sim: Simulation) -> None:
    for n in range(23):
        make_task(Description=f"{'even' if n % 2 else 'odd'} {n}")
    url: str | None = f"{TASKS}?partialName=even&take=4"
    seen: list[str] = []
    pages = 0
    while url is not None:
        page = client.get(url).json()
        seen += [i["Id"] for i in page["Items"]]
        url = page["Links"].get("Page.Next")
        pages += 1
    assert pages == 3
    assert len(seen) == len(set(seen)) == 11
    assert all(sim.engine.tasks[i].description.startswith("even") for i in seen)


def test_skip_applies_after_filtering(call: Call, make_task: MakeTask, sim: Simulation) -> None:
    for _ in range(6):
        make_task()
    sim.clock.sleep(60)  # the first five complete
    make_task()
    assert ids_of(call("GET", TASKS, query={"states": "Success", "skip": "2", "take": "2"})) == [
        t(4), t(3)]


def test_take_zero_and_all(call: Call, make_task: MakeTask) -> None:
    make_task()
    empty = call("GET", TASKS, query={"take": "0"}).data
    assert (empty["TotalResults"], empty["Items"]) == (1, [])
    assert "Page.Next" not in empty["Links"]
    assert ids_of(call("GET", TASKS, query={"take": "2147483647"})) == [t(1)]


def test_empty_list(call: Call) -> None:
    page = call("GET", TASKS).data
    assert (page["TotalResults"], page["NumberOfPages"], page["LastPageNumber"]) == (0, 1, 0)
    assert "Page.Next" not in page["Links"]


# -- task filters ------------------------------------------------------------------------------
@pytest.fixture
def tasks(sim: Simulation, call: Call, make_task: MakeTask) -> None:
    """ServerTasks-1..3 Success (Upgrade), 4 Failed by hand, 5..9 executing, 10 queued,
    11 canceled; 1 has Description "Nightly upgrade"."""
    make_task(Description="Nightly upgrade")
    make_task(Arguments={"EnvironmentId": "Environments-2"})
    make_task(Arguments={"EnvironmentIds": ["Environments-3"]})
    make_task("Backup")
    sim.clock.sleep(60)
    call("POST", "/api/tasks/ServerTasks-4/state", json_body={"State": "Failed", "Reason": "x"})
    for _ in range(5):
        make_task("Retention")
    make_task()
    make_task()
    call("POST", "/api/tasks/ServerTasks-11/cancel")


@pytest.mark.usefixtures("tasks")
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"ids": "ServerTasks-2,ServerTasks-7"}, [7, 2]),
        ({"ids": "ServerTasks-2, ServerTasks-999 ,ServerTasks-7,"}, [7, 2]),
        ([("ids", "ServerTasks-2"), ("ids", "ServerTasks-7")], [7, 2]),
        ([("IDS", "ServerTasks-2"), ("Ids", "ServerTasks-3")], [3, 2]),
        ({"ids": "ServerTasks-999"}, []),
        ({"ids": "ServerTasks-2,ServerTasks-2"}, [2]),
        ({"states": "Success"}, [3, 2, 1]),
        ({"states": "failed,Canceled"}, [11, 4]),
        ([("states", "Queued"), ("states", "Failed")], [10, 4]),
        ({"name": "backup"}, [4]),
        ({"active": "true"}, [10, 9, 8, 7, 6, 5]),
        ({"active": "false"}, list(range(11, 0, -1))),
        ({"running": "true"}, [9, 8, 7, 6, 5]),
        ({"partialName": "NIGHTLY"}, [1]),
        ({"partialName": "retention"}, [9, 8, 7, 6, 5]),
        ({"description": "nightly"}, [1]),
        ({"environment": "Environments-2"}, [2]),
        ({"environment": "Environments-3"}, [3]),
        ({"hasWarningsOrErrors": "true"}, [11, 4]),
        ({"hasPendingInterruptions": "true"}, []),
        ({"project": "Projects-1"}, []),
        ({"spaces": "Spaces-1"}, list(range(11, 0, -1))),
        ({"spaces": "Spaces-2"}, []),
        ({"includeSystem": "true"}, list(range(11, 0, -1))),
        ({"node": "OCTOPUS-SIM-01", "states": "Queued"}, []),
        ({"fromQueueDate": "2024-01-15T09:00:30Z"}, [11, 10, 9, 8, 7, 6, 5]),
        ({"toQueueDate": "2024-01-15T09:00:30+00:00"}, [4, 3, 2, 1]),
        ({"fromCompletedDate": "2024-01-15T09:00:30Z"}, [11]),
        ({"toCompletedDate": "2024-01-15T09:00:30Z"}, [4, 3, 2, 1]),  # 4's state changed later
        ({"states": "Success", "ids": "ServerTasks-1,ServerTasks-5"}, [1]),
    ],
)
def test_task_filters(call: Call, query: Any, expected: list[int]) -> None:
    for path in (TASKS, "/api/tasks", "/api/spaces/Spaces-1/tasks"):
        assert ids_of(call("GET", path, query=query)) == [t(n) for n in expected], path


def test_comma_joined_ids_through_http_encoded_or_not(client: httpx.Client,
                                                      make_task: MakeTask) -> None:
    for _ in range(3):
        make_task()
    for url in (f"{TASKS}?ids=ServerTasks-1,ServerTasks-3",
                f"{TASKS}?ids=ServerTasks-1%2CServerTasks-3",
                f"{TASKS}?ids=ServerTasks-1&ids=ServerTasks-3&skip=0&take=300"):
        assert [i["Id"] for i in client.get(url).json()["Items"]] == [t(3), t(1)]
    response = client.get(TASKS, params={"ids": ["ServerTasks-2", "ServerTasks-404"]})
    assert [i["Id"] for i in response.json()["Items"]] == [t(2)]


def test_list_by_ids_does_not_visit_every_task(sim: Simulation, call: Call,
                                               make_task: MakeTask,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    for _ in range(3):
        make_task()

    def forbidden() -> None:
        raise AssertionError("listing by ids must look tasks up by id")

    monkeypatch.setattr(sim.engine, "newest_first", forbidden)
    assert ids_of(call("GET", TASKS, query={"ids": "ServerTasks-2"})) == [t(2)]


def test_list_other_space(sim: Simulation, call: Call, make_task: MakeTask) -> None:
    second = sim.world.add_space("Second")
    make_task()
    make_task(SpaceId=second.id)
    assert ids_of(call("GET", f"/api/{second.id}/tasks")) == [t(2)]
    assert ids_of(call("GET", TASKS)) == [t(1)]
    assert ids_of(call("GET", "/api/tasks")) == [t(2), t(1)]
    assert ids_of(call("GET", "/api/tasks", query={"spaces": second.id})) == [t(2)]


# -- spaces, users, root ------------------------------------------------------------------------
def test_root_document(call: Call, sim: Simulation) -> None:
    for path in ("/api", "/api/"):
        root = call("GET", path).data
        assert root["Application"] == "Octopus Deploy"
        assert root["Version"] == sim.options.version
        assert root["ApiVersion"] == "3.0.0"
        assert {"Self", "SpaceHome", "Spaces", "CurrentUser", "Tasks", "TaskTypes", "Machines",
                "Environments", "Web"} <= set(root["Links"])
        assert root["Links"]["SpaceHome"] == "/api/{spaceId}"
        assert root["Links"]["CurrentUser"] == "/api/users/me"


def test_spaces_ts_client_connect(call: Call, sim: Simulation) -> None:
    sim.world.add_space("Default Two")
    page = call("GET", "/api/spaces",
                query={"partialName": "Default", "skip": "0", "take": "2147483647"}).data
    assert page["TotalResults"] == 2
    exact = [s for s in page["Items"] if s["Name"] == "Default"]
    assert exact[0]["Id"] == "Spaces-1" and exact[0]["IsDefault"] is True
    assert ids_of(call("GET", "/api/spaces", query={"name": "default two"})) == ["Spaces-2"]
    assert ids_of(call("GET", "/api/spaces", query={"ids": "Spaces-2"})) == ["Spaces-2"]


def test_spaces_all_and_get(call: Call) -> None:
    spaces = call("GET", "/api/spaces/all").data
    assert isinstance(spaces, list) and spaces[0]["Id"] == "Spaces-1"
    space = call("GET", "/api/spaces/Spaces-1").data
    assert {"Id", "Name", "Slug", "Description", "IsDefault", "TaskQueueStopped",
            "SpaceManagersTeams", "SpaceManagersTeamMembers", "Links"} <= set(space)
    assert space["Links"]["SpaceHome"] == "/api/Spaces-1"


def test_space_home(call: Call) -> None:
    home = call("GET", "/api/Spaces-1").data
    assert set(home) == {"Id", "Links"}
    assert home["Id"] == "Spaces-1"
    assert home["Links"]["Tasks"].startswith("/api/Spaces-1/tasks")
    # ids are exact: another case is a space that does not exist
    assert call("GET", "/api/spaces-1").status == 404


def test_users_me_and_spaces(call: Call, sim: Simulation) -> None:
    me = call("GET", "/api/users/me").data
    assert me["Links"]["Spaces"] == f"/api/users/{me['Id']}/spaces"
    spaces = call("GET", me["Links"]["Spaces"]).data
    assert [s["Id"] for s in spaces] == ["Spaces-1"]
    assert call("GET", "/api/users/me/spaces").data == spaces
    assert call("GET", "/api/users/Users-99/spaces").status == 404


# -- machines and environments ----------------------------------------------------------------
@pytest.fixture
def machines(sim: Simulation) -> None:
    """Machines-1 web-01 (Development, web-server, Listening, Unknown); Machines-2 db-01
    (Test, db, Polling, Linux, Healthy); Machines-3 app-01 (Production, web-server, disabled,
    Unavailable)."""
    world = sim.world
    world.add_machine("Spaces-1", "db-01", ["Environments-2"], roles=["db"], os_family="Linux",
                      communication_style=CommunicationStyle.Polling,
                      health_status=HealthStatus.Healthy)
    world.add_machine("Spaces-1", "App-01", ["Environments-3"], roles=["web-server"],
                      is_disabled=True, health_status=HealthStatus.Unavailable)


@pytest.mark.usefixtures("machines")
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, [3, 2, 1]),  # sorted by name, any case
        ({"ids": "Machines-1,Machines-2"}, [2, 1]),
        ([("ids", "Machines-1"), ("ids", "Machines-3")], [3, 1]),
        ({"name": "WEB-01"}, [1]),
        ({"partialName": "-01"}, [3, 2, 1]),
        ({"partialName": "app"}, [3]),
        ({"roles": "web-server"}, [3, 1]),
        ({"roles": "db,nothing"}, [2]),
        ({"isDisabled": "true"}, [3]),
        ({"isDisabled": "false"}, [2, 1]),
        ({"healthStatuses": "healthy,Unavailable"}, [3, 2]),
        ({"environmentIds": "Environments-1,Environments-2"}, [2, 1]),
        ({"commStyles": "TentacleActive"}, [2]),
        ({"commStyles": "TentaclePassive"}, [3, 1]),
    ],
)
def test_machine_filters(call: Call, query: Any, expected: list[int]) -> None:
    for path in ("/api/machines", "/api/Spaces-1/machines", "/api/spaces/Spaces-1/machines"):
        response = call("GET", path, query=query)
        assert response.data["ItemType"] == "Machine"
        assert ids_of(response) == [f"Machines-{n}" for n in expected], path


def test_machine_thumbprint_filter_and_all(call: Call, sim: Simulation) -> None:
    thumbprint = sim.world.machines["Machines-1"].thumbprint
    assert ids_of(call("GET", "/api/machines", query={"thumbprint": thumbprint.lower()})) == [
        "Machines-1"]
    everything = call("GET", "/api/Spaces-1/machines/all").data
    assert [m["Id"] for m in everything] == ["Machines-1"]


def test_machine_resource(call: Call, sim: Simulation) -> None:
    machine = call("GET", "/api/Spaces-1/machines/Machines-1").data
    assert {"Id", "Name", "SpaceId", "Slug", "EnvironmentIds", "Roles", "TenantIds", "TenantTags",
            "TenantedDeploymentParticipation", "IsDisabled", "IsInProcess", "MachinePolicyId",
            "HealthStatus", "StatusSummary", "HasLatestCalamari", "OperatingSystem", "ShellName",
            "ShellVersion", "Architecture", "Endpoint", "Links"} <= set(machine)
    endpoint = machine["Endpoint"]
    assert endpoint["CommunicationStyle"] == "TentaclePassive"
    assert endpoint["Uri"].startswith("https://web-01:10933")
    assert endpoint["TentacleVersionDetails"]["Version"] == sim.world.machines[
        "Machines-1"].tentacle_version
    assert machine["Links"]["Connection"] == "/api/Spaces-1/machines/Machines-1/connection"


def test_machine_connection(call: Call, sim: Simulation) -> None:
    machine = sim.world.machines["Machines-1"]
    status = call("GET", "/api/machines/Machines-1/connection").data
    assert (status["MachineId"], status["LastChecked"], status["Logs"]) == (
        "Machines-1", None, [])
    machine.last_checked = 5.0
    machine.connection_logs.append("Tentacle version 6.3.417")
    status = call("GET", "/api/Spaces-1/machines/Machines-1/connection").data
    assert status["LastChecked"] == "2024-01-15T09:00:05.000+00:00"
    assert status["Logs"][0]["MessageText"] == "Tentacle version 6.3.417"
    assert status["CurrentTentacleVersion"] == machine.tentacle_version


def test_environments(call: Call) -> None:
    page = call("GET", "/api/Spaces-1/environments").data
    assert page["ItemType"] == "Environment"
    assert [e["Name"] for e in page["Items"]] == ["Development", "Test", "Production"]
    assert ids_of(call("GET", "/api/environments", query={"name": "test"})) == ["Environments-2"]
    assert ids_of(call("GET", "/api/environments", query={"partialName": "o"})) == [
        "Environments-1", "Environments-3"]
    assert ids_of(call("GET", "/api/environments", query={"ids": "Environments-3"})) == [
        "Environments-3"]
    assert len(call("GET", "/api/spaces/Spaces-1/environments/all").data) == 3
    env = call("GET", "/api/environments/Environments-1").data
    assert env["Name"] == "Development" and env["SpaceId"] == "Spaces-1"
