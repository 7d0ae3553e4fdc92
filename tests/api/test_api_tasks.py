"""Task operations (octopus-api.md §3): create, get, cancel, rerun, state, details, raw,
queued-behind, task types — and the TaskResource's fields."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from octosim.api.messages import ApiRequest, ApiResponse, encode_json
from octosim.api.tasks import raw_log, raw_log_size
from octosim.api.timefmt import Dates, duration_text
from octosim.clock import VirtualClock
from octosim.model.states import TaskState
from octosim.model.tasks import LogCategory
from octosim.simulation import Simulation

Call = Callable[..., ApiResponse]
MakeTask = Callable[..., dict[str, Any]]
ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00")
TASK_FIELDS = {
    "Id", "SpaceId", "Name", "Description", "Arguments", "State", "Completed", "QueueTime",
    "QueueTimeExpiry", "StartTime", "LastUpdatedTime", "CompletedTime", "ServerNode", "Duration",
    "ErrorMessage", "HasBeenPickedUpByProcessor", "IsCompleted", "FinishedSuccessfully",
    "HasPendingInterruptions", "HasPendingPreconditions", "PendingInterruptionTypes", "CanRerun",
    "HasWarningsOrErrors", "ProjectId", "EstimatedRemainingQueueDurationSeconds", "Links",
}
LINKS = {"Self", "Web", "Raw", "Rerun", "Cancel", "State", "QueuedBehind", "Details",
         "Artifacts", "Interruptions"}


def fill_slots(sim: Simulation, make_task: MakeTask) -> list[dict[str, Any]]:
    """Occupy every execution slot with a task; return them."""
    return [make_task() for _ in range(sim.engine.task_cap)]


# -- create -----------------------------------------------------------------------------------
def test_create_answers_201_with_the_full_resource(call: Call, sim: Simulation) -> None:
    response = call("POST", "/api/tasks", json_body={
        "Name": "Upgrade", "Description": "Upgrade web-01", "Arguments": {"Foo": "bar"},
    })
    assert response.status == 201
    task = response.data
    assert set(task) == TASK_FIELDS
    assert set(task["Links"]) == LINKS
    assert task["Id"] == "ServerTasks-1"
    assert task["SpaceId"] == "Spaces-1"
    assert (task["Name"], task["Description"]) == ("Upgrade", "Upgrade web-01")
    assert task["Arguments"] == {"Foo": "bar"}
    assert task["Links"]["Self"] == "/api/tasks/ServerTasks-1"
    assert task["Links"]["Web"] == "/app#/Spaces-1/tasks/ServerTasks-1"
    assert task["Links"]["Details"] == "/api/tasks/ServerTasks-1/details{?verbose,tail,ranges}"
    assert response.headers["location"] == "/api/tasks/ServerTasks-1"
    assert call("GET", task["Links"]["Self"]).data["Id"] == "ServerTasks-1"


def test_unscoped_create_uses_body_space_else_default(call: Call, sim: Simulation) -> None:
    second = sim.world.add_space("Second")
    assert call("POST", "/api/tasks", json_body={"Name": "Upgrade"}).data["SpaceId"] == "Spaces-1"
    body = {"Name": "Upgrade", "SpaceId": second.id}
    assert call("POST", "/api/tasks", json_body=body).data["SpaceId"] == second.id
    # the path's space wins over the body's
    scoped = call("POST", "/api/Spaces-1/tasks", json_body=body).data
    assert scoped["SpaceId"] == "Spaces-1"
    scoped = call("POST", f"/api/spaces/{second.id}/tasks", json_body={"Name": "Upgrade"}).data
    assert scoped["SpaceId"] == second.id


def test_body_keys_are_case_insensitive(call: Call) -> None:
    response = call("POST", "/api/tasks", json_body={"name": "Upgrade", "description": "lower"})
    assert response.status == 201
    assert response.data["Description"] == "lower"


def test_fresh_task_fields(sim: Simulation, make_task: MakeTask) -> None:
    fill_slots(sim, make_task)
    queued = make_task()
    assert queued["State"] == "Queued"
    assert queued["Completed"] == "Queued..."
    assert queued["IsCompleted"] is False and queued["CanRerun"] is False
    assert queued["StartTime"] is None and queued["CompletedTime"] is None
    assert queued["HasBeenPickedUpByProcessor"] is False
    assert ISO.fullmatch(queued["QueueTime"]) and ISO.fullmatch(queued["LastUpdatedTime"])
    assert queued["QueueTime"] == "2024-01-15T09:00:00.000+00:00"


def test_completed_task_fields(sim: Simulation, call: Call, make_task: MakeTask) -> None:
    sim.clock.sleep(17.2057)
    task_id = make_task()["Id"]
    running = call("GET", f"/api/tasks/{task_id}").data
    assert running["State"] == "Executing" and running["Completed"] == "Executing..."
    assert running["StartTime"] == "2024-01-15T09:00:17.205+00:00"
    assert running["ServerNode"] and running["HasBeenPickedUpByProcessor"] is True
    sim.clock.sleep(60)
    done = call("GET", f"/api/tasks/{task_id}").data
    assert done["State"] == "Success"
    assert done["IsCompleted"] is True and done["FinishedSuccessfully"] is True
    assert done["CanRerun"] is True and done["ErrorMessage"] == ""
    assert ISO.fullmatch(done["CompletedTime"])
    assert done["Completed"] == "Monday, 15 January 2024 9:00:27 AM +00:00"
    assert done["Duration"] == "10 seconds"


@pytest.mark.parametrize("state", list(TaskState))
def test_derived_fields_are_the_tasks_own_in_every_state(state: TaskState) -> None:
    # The resource reads IsCompleted, FinishedSuccessfully and CanRerun off the state
    # itself (a fast road): they must agree with Task's properties whatever the state.
    from octosim.api.tasks import task_resource
    from octosim.model.tasks import Task

    task = Task("ServerTasks-9", "Spaces-1", "Health", "d", {}, 0.0, None, 0.0, state=state,
                completed_time=4.0 if state.is_completed else None)
    data = task_resource(task, Dates(VirtualClock()), 5.0)
    assert data["State"] == state.value and type(data["State"]) is str
    assert (data["IsCompleted"], data["FinishedSuccessfully"], data["CanRerun"],
            data["HasWarningsOrErrors"]) == (task.is_completed, task.finished_successfully,
                                             task.can_rerun, task.has_warnings_or_errors)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "less than a second"), (1, "1 second"), (32.9, "32 seconds"), (60, "1 minute"),
     (150, "2 minutes"), (3600, "1 hour"), (7300, "2 hours"), (90000, "1 day")],
)
def test_duration_text(seconds: float, text: str) -> None:
    assert duration_text(seconds) == text


def test_queue_time_delays_and_expiry_times_out(sim: Simulation, call: Call,
                                                make_task: MakeTask) -> None:
    later = make_task(QueueTime="2024-01-15T09:01:00Z")
    assert later["State"] == "Queued"
    assert later["QueueTime"] == "2024-01-15T09:01:00.000+00:00"
    sim.clock.sleep(61)
    assert call("GET", f"/api/tasks/{later['Id']}").data["State"] != "Queued"

    fill_slots(sim, make_task)
    doomed = make_task(QueueTimeExpiry="2024-01-15T09:01:05+00:00")  # slots free at +71s
    sim.clock.sleep(0.5)
    assert call("GET", f"/api/tasks/{doomed['Id']}").data["State"] == "Queued"
    sim.clock.advance_to(66)
    assert call("GET", f"/api/tasks/{doomed['Id']}").data["State"] == "TimedOut"


def test_far_future_dates_render(make_task: MakeTask) -> None:
    task = make_task(QueueTimeExpiry="9999-12-31T23:59:59.9999999+00:00")
    assert task["QueueTimeExpiry"].startswith("9999-12-31T23:59:59")


# -- cancel -----------------------------------------------------------------------------------
@pytest.mark.parametrize("body", [None, {}])
def test_cancel_a_queued_task_at_once(sim: Simulation, call: Call, make_task: MakeTask,
                                      body: dict[str, Any] | None) -> None:
    fill_slots(sim, make_task)
    task_id = make_task()["Id"]
    response = call("POST", f"/api/tasks/{task_id}/cancel", json_body=body)
    assert response.status == 200
    assert response.data["State"] == "Canceled"
    assert response.data["IsCompleted"] is True


def test_cancel_an_executing_task_goes_through_cancelling(sim: Simulation, call: Call,
                                                          make_task: MakeTask) -> None:
    task_id = make_task()["Id"]
    response = call("POST", f"/api/Spaces-1/tasks/{task_id}/cancel")
    assert response.data["State"] == "Cancelling"
    assert response.data["Completed"] == "Cancelling..."
    sim.clock.sleep(sim.options.cancel_delay)
    assert call("GET", f"/api/tasks/{task_id}").data["State"] == "Canceled"
    # cancelling a completed task changes nothing
    again = call("POST", f"/api/spaces/Spaces-1/tasks/{task_id}/cancel", body=b"")
    assert (again.status, again.data["State"]) == (200, "Canceled")


# -- rerun ------------------------------------------------------------------------------------
def test_rerun_a_completed_task(sim: Simulation, call: Call, make_task: MakeTask) -> None:
    first = make_task(Description="again", Arguments={"A": 1})
    assert call("POST", f"/api/tasks/rerun/{first['Id']}").status == 400
    sim.clock.sleep(60)
    response = call("POST", f"/api/Spaces-1/tasks/rerun/{first['Id']}")
    assert response.status == 200
    rerun = response.data
    assert rerun["Id"] != first["Id"]
    assert (rerun["Name"], rerun["Description"], rerun["Arguments"]) == (
        "Upgrade", "again", {"A": 1})


def test_rerun_of_an_active_task_is_refused(call: Call, make_task: MakeTask) -> None:
    task_id = make_task()["Id"]
    response = call("POST", f"/api/tasks/rerun/{task_id}")
    assert response.status == 400
    assert response.data["Errors"] == ["This task cannot be re-run."]


# -- state ------------------------------------------------------------------------------------
def test_set_state_of_a_completed_task(sim: Simulation, call: Call, make_task: MakeTask) -> None:
    task_id = make_task()["Id"]
    sim.clock.sleep(60)
    response = call("POST", f"/api/tasks/{task_id}/state",
                    json_body={"State": "failed", "Reason": "bad deploy"})
    assert response.status == 200
    assert response.data["State"] == "Failed"
    assert response.data["FinishedSuccessfully"] is False


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (None, "No body was provided."),
        ({"Reason": "r"}, "No state was provided."),
        ({"State": "Failed"}, "No reason was provided."),
        ({"State": "Failed", "Reason": "  "}, "No reason was provided."),
        ({"State": "Queued", "Reason": "r"}, "Valid states are: Canceled, Failed, Success."),
        ({"State": "Success", "Reason": "r"}, "The task is already in the state."),
    ],
)
def test_set_state_refusals(sim: Simulation, call: Call, make_task: MakeTask,
                            body: dict[str, Any] | None, error: str) -> None:
    task_id = make_task()["Id"]
    sim.clock.sleep(60)
    response = call("POST", f"/api/tasks/{task_id}/state", json_body=body)
    assert response.status == 400
    assert error in response.data["Errors"][0]


def test_set_state_of_an_active_task_is_refused(call: Call, make_task: MakeTask) -> None:
    task_id = make_task()["Id"]
    response = call("POST", f"/api/tasks/{task_id}/state",
                    json_body={"State": "Failed", "Reason": "r"})
    assert response.status == 400
    assert "can only be changed out of the states" in response.data["Errors"][0]


# -- details and raw -------------------------------------------------------------------------
def _lines(node: dict[str, Any]) -> list[dict[str, Any]]:
    out = list(node["LogElements"])
    for child in node["Children"]:
        out += _lines(child)
    return out


def test_details_tree(sim: Simulation, call: Call, make_task: MakeTask) -> None:
    task_id = make_task()["Id"]
    sim.clock.sleep(60)
    details = call("GET", f"/api/tasks/{task_id}/details").data
    assert set(details) == {"Id", "Task", "Progress", "PhysicalLogSize", "ActivityLogs", "Links"}
    assert details["Task"]["Id"] == task_id
    assert details["Progress"]["ProgressPercentage"] == 100
    (root,) = details["ActivityLogs"]
    assert root["Status"] == "Success" and root["Children"]
    for node in [root, *root["Children"]]:
        assert set(node) >= {"Id", "Name", "Started", "Ended", "Status", "Children",
                             "ShowAtSummaryLevel", "LogElements", "ProgressPercentage",
                             "ProgressMessage"}
    for line in _lines(root):
        assert set(line) >= {"Category", "OccurredAt", "MessageText"}
        assert ISO.fullmatch(line["OccurredAt"])


def test_details_verbose_and_tail(sim: Simulation, call: Call, make_task: MakeTask) -> None:
    task_id = make_task()["Id"]
    sim.clock.sleep(60)
    path = f"/api/tasks/{task_id}/details"
    quiet = _lines(call("GET", path).data["ActivityLogs"][0])
    verbose = _lines(call("GET", path, query={"verbose": "true"}).data["ActivityLogs"][0])
    assert all(line["Category"] != "Verbose" for line in quiet)
    assert any(line["Category"] == "Verbose" for line in verbose)
    assert len(verbose) > len(quiet)
    tailed = call("GET", path, query={"verbose": "True", "tail": "1"}).data["ActivityLogs"][0]
    assert len(tailed["LogElements"]) <= 1
    assert all(len(c["LogElements"]) <= 1 for c in tailed["Children"])
    nothing = call("GET", path, query={"tail": "0"}).data["ActivityLogs"][0]
    assert _lines(nothing) == []
    # ranges is accepted and ignored
    assert call("GET", path, query={"ranges": "0-10"}).status == 200


def test_raw_log(sim: Simulation, call: Call, make_task: MakeTask) -> None:
    task_id = make_task()["Id"]
    sim.clock.sleep(60)
    response = call("GET", f"/api/Spaces-1/tasks/{task_id}/raw")
    assert response.status == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    details = call("GET", f"/api/tasks/{task_id}/details", query={"verbose": "true"}).data
    assert len(lines) == len(_lines(details["ActivityLogs"][0]))
    pattern = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \+00:00  (\w+) +(.*)")
    first = pattern.fullmatch(lines[0])
    assert first is not None
    assert first.group(1) == "Verbose" and first.group(2).startswith(f"Task {task_id} queued")
    assert lines[0].startswith("2024-01-15 09:00:00.000 +00:00  Verbose     ")


@given(st.lists(st.tuples(st.sampled_from(list(LogCategory)), st.text()), max_size=6),
       st.floats(0, 1e6, allow_nan=False))
def test_physical_log_size_is_the_raw_logs_byte_length(
    lines: list[tuple[LogCategory, str]], at: float
) -> None:
    # The details compute the size without formatting the log: it must stay exact, for
    # any message (non-ASCII too), any category and any time.
    sim = Simulation()
    task = sim.engine.create("Spaces-1", "Upgrade", {})
    for category, message in lines:
        task.log.child("Step", started=at).write(at, message, category)
    dates = Dates(sim.clock)
    assert raw_log_size(task, dates) == len(raw_log(task, dates).encode())
    details = sim.handle(ApiRequest("GET", f"/api/tasks/{task.id}/details", (),
                                    {"x-octopus-apikey": sim.api_key or ""}))
    assert details.data["PhysicalLogSize"] == len(raw_log(task, dates).encode())


@pytest.mark.parametrize("polled_first", [False, True])
@pytest.mark.parametrize("advance", [0.0, 3.0, 600.0])
@pytest.mark.parametrize("query", [{}, {"verbose": "true"}, {"tail": "1"}])
def test_details_body_is_exactly_its_data_as_json(
    sim: Simulation, call: Call, make_task: MakeTask, polled_first: bool, advance: float,
    query: dict[str, str],
) -> None:
    # The details embed the task's memoised TaskResource: the body must be byte for byte
    # what serialising the whole resource gives, whatever the task's state and cache.
    fill_slots(sim, make_task)
    queued = make_task()["Id"]
    sim.clock.sleep(advance)
    for task_id in ("ServerTasks-1", queued):
        if polled_first:
            call("GET", f"/api/tasks/{task_id}")
        response = call("GET", f"/api/tasks/{task_id}/details", query=query)
        assert response.status == 200
        assert response.content == encode_json(response.data)
        assert response.data["Task"] == call("GET", f"/api/tasks/{task_id}").data


# -- queued-behind and task types -----------------------------------------------------------
def test_queued_behind(sim: Simulation, call: Call, make_task: MakeTask) -> None:
    fill_slots(sim, make_task)
    first, second = make_task(), make_task()
    ahead = call("GET", f"/api/tasks/{second['Id']}/queued-behind").data
    assert ahead["ItemType"] == "Task"
    assert [t["Id"] for t in ahead["Items"]] == [first["Id"]]
    none = call("GET", f"/api/Spaces-1/tasks/{first['Id']}/queued-behind").data
    assert none["TotalResults"] == 0


def test_task_types(call: Call) -> None:
    types = call("GET", "/api/tasks/tasktypes").data
    ids = [t["Id"] for t in types]
    assert {"Health", "AdHocScript", "Upgrade"} <= set(ids)
    assert ids == sorted(ids)
    assert all(set(t) == {"Id", "Name", "Links"} for t in types)


def test_machine_tasks(call: Call, make_task: MakeTask) -> None:
    make_task()
    mine = make_task("Health", Arguments={"MachineIds": ["Machines-1"]})
    for path in ("/api/machines/Machines-1/tasks", "/api/Spaces-1/machines/Machines-1/tasks"):
        listed = call("GET", path).data
        assert [t["Id"] for t in listed["Items"]] == [mine["Id"]]


def test_health_task_runs_through_the_api(sim: Simulation, call: Call,
                                          make_task: MakeTask) -> None:
    task = make_task("Health", Description="Check web-01",
                     Arguments={"MachineIds": ["Machines-1"], "Timeout": "00:05:00",
                                "MachineTimeout": "0:01:00", "OnlyTestConnection": "false"})
    sim.clock.sleep(300)
    done = call("GET", f"/api/tasks/{task['Id']}").data
    assert done["IsCompleted"] is True
    machine = call("GET", "/api/machines/Machines-1").data
    assert machine["HealthStatus"] != "Unknown"
