"""Error answers: every input problem is a 4xx Octopus error body that names the problem."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from octosim.api.errors import BAD_REQUEST, NO_BODY, NOT_FOUND_ROUTE
from octosim.api.messages import JSON_CONTENT_TYPE, ApiResponse
from octosim.simulation import ServerOptions, Simulation

Call = Callable[..., ApiResponse]
ERROR_KEYS = {
    "ErrorMessage", "Errors", "FullException", "HelpText", "HelpLink", "ParsedHelpLinks",
    "Details",
}


def assert_error(response: ApiResponse, status: int, *, message: str | None = None,
                 mentions: str | None = None) -> dict[str, Any]:
    assert response.status == status, response.data
    assert response.headers["content-type"] == JSON_CONTENT_TYPE
    body: dict[str, Any] = response.data
    assert set(body) == ERROR_KEYS
    assert body["FullException"] is None and body["ParsedHelpLinks"] == []
    if message is not None:
        assert body["ErrorMessage"] == message
    if mentions is not None:
        text = " ".join([body["ErrorMessage"], *body["Errors"]])
        assert mentions in text, text
    return body


def test_unknown_route_is_404_and_recorded(call: Call, sim: Simulation) -> None:
    response = call("GET", "/api/feeds")
    assert_error(response, 404, message=NOT_FOUND_ROUTE, mentions="add_route")
    assert [(r.method, r.path) for r in sim.api.unhandled] == [("GET", "/api/feeds")]


@pytest.mark.parametrize("path", ["/", "/app", "/api/Spaces-1/feeds", "/api/tasks/x/y/z"])
def test_paths_outside_the_table_are_404(call: Call, path: str) -> None:
    assert_error(call("GET", path), 404, message=NOT_FOUND_ROUTE)


def test_wrong_method_is_405_with_allow(call: Call, sim: Simulation) -> None:
    response = call("DELETE", "/api/Spaces-1/tasks")
    assert_error(response, 405, mentions="DELETE")
    assert response.headers["allow"] == "GET, POST"
    assert sim.api.unhandled[-1].method == "DELETE"


def test_unknown_task_is_404_with_octopus_text(call: Call) -> None:
    for path in ("/api/tasks/ServerTasks-42", "/api/Spaces-1/tasks/ServerTasks-42/details",
                 "/api/spaces/Spaces-1/tasks/ServerTasks-42/raw"):
        assert_error(call("GET", path), 404,
                     message="The resource 'ServerTasks-42' was not found.")


def test_task_of_another_space_is_404_in_a_scoped_form(call: Call, sim: Simulation) -> None:
    second = sim.world.add_space("Second")
    call("POST", "/api/tasks", json_body={"Name": "Upgrade"})
    assert call("GET", "/api/Spaces-1/tasks/ServerTasks-1").status == 200
    assert_error(call("GET", f"/api/{second.id}/tasks/ServerTasks-1"), 404)


@pytest.mark.parametrize("path", ["/api/Spaces-9", "/api/spaces/Spaces-9", "/api/Spaces-9/tasks",
                                  "/api/spaces/Spaces-9/machines"])
def test_unknown_space_is_404(call: Call, path: str) -> None:
    assert_error(call("GET", path), 404, message="The requested space Spaces-9 does not exist")


def test_unknown_machine_and_environment_are_404(call: Call) -> None:
    assert_error(call("GET", "/api/machines/Machines-77"), 404,
                 message="The resource 'Machines-77' was not found.")
    assert_error(call("GET", "/api/Spaces-1/environments/Environments-77"), 404)


# -- bodies -----------------------------------------------------------------------------------
def test_empty_create_body_is_400_not_500(call: Call) -> None:
    for body in (b"", b"  \n"):
        assert_error(call("POST", "/api/tasks", body=body), 400, message=BAD_REQUEST,
                     mentions=NO_BODY)


def test_latin1_body_is_read_as_aspnet_does_unless_strict() -> None:
    """Windows PowerShell 5.1 sends a string body with no charset as ISO-8859-1: the seed's
    no-break space arrives as byte 0xA0. The server reads it with U+FFFD and says so; a
    strict server answers 400 saying how to send UTF-8."""
    body = (
        '{"Name": "AdHocScript", "Arguments": {"MachineIds": ["Machines-1"], '
        '"ScriptBody": "Write-Host a\u00a0b"}}'
    ).encode("latin-1")
    lenient = Simulation(seed=1)
    with lenient.client() as client:
        answer = client.post("/api/tasks", content=body,
                             headers={"Content-Type": "application/json"})
    assert answer.status_code == 201
    assert answer.json()["Arguments"]["ScriptBody"] == "Write-Host a\ufffdb"
    assert "not valid UTF-8" in lenient.timeline()
    strict = Simulation(seed=1, options=ServerOptions(strict_content_type=True))
    with strict.client() as client:
        answer = client.post("/api/tasks", content=body,
                             headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    assert "charset=utf-8" in " ".join(answer.json()["Errors"] + [answer.json()["ErrorMessage"]])


@pytest.mark.parametrize(
    ("body", "mentions"),
    [
        (b"{", "not valid JSON"),
        (b'{"Name": "Upgrade",}', "not valid JSON"),
        (b'{"Name": NaN}', "not valid JSON"),
        (b"\xff\xfe{}", "not valid JSON"),  # read with U+FFFD, as ASP.NET does: not JSON
        (b"[1, 2]", "must be a JSON object"),
        (b'"Upgrade"', "must be a JSON object"),
        (b"42", "must be a JSON object"),
        (b"[" * 100_000, "nested too deeply"),
        (b"9" * 5_000, "not valid JSON"),
        (b"\xef\xbb\xbf\xef\xbb\xbf[]", "not valid JSON"),  # one BOM is dropped, not two
        (b"\xef\xbb\xbf[]", "must be a JSON object"),  # one BOM is dropped
    ],
)
def test_malformed_bodies_are_400_naming_the_problem(
    call: Call, body: bytes, mentions: str
) -> None:
    response = call("POST", "/api/tasks", body=body, headers={"content-type": "application/json"})
    assert_error(response, 400, message=BAD_REQUEST, mentions=mentions)


@pytest.mark.parametrize(
    ("payload", "mentions"),
    [
        ({"Description": "no name"}, "Name: the task type is required"),
        ({"Name": ""}, "Name: the task type is required"),
        ({"Name": 5}, "Name: the task type is required"),
        ({"Name": "Deploy"}, "a Deploy task cannot be queued directly"),
        ({"Name": "NoSuchType"}, "'NoSuchType' is not supported"),
        ({"Name": "Upgrade", "Arguments": [1]}, "Arguments: expected an object"),
        ({"Name": "Upgrade", "Description": 3}, "Description: expected a string"),
        ({"Name": "Upgrade", "QueueTime": "tomorrow"}, "QueueTime: 'tomorrow' is not a date"),
        ({"Name": "Upgrade", "QueueTimeExpiry": 12}, "QueueTimeExpiry: 12 is not a date"),
        ({"Name": "Upgrade", "SpaceId": "Spaces-9"}, "the space 'Spaces-9' does not exist"),
        ({"Name": "Upgrade", "SpaceId": 1}, "SpaceId: expected a space id"),
        ({"Name": "Upgrade", "Arguments": {"MachineIds": ["Machines-404"]}}, "Machines-404"),
        ({"Name": "Health", "Arguments": {"MachineIds": "Machines-404"}}, "Machines-404"),
    ],
)
def test_bad_create_requests_are_400_naming_the_problem(
    call: Call, payload: dict[str, Any], mentions: str
) -> None:
    assert_error(call("POST", "/api/tasks", json_body=payload), 400, mentions=mentions)


def test_every_create_problem_is_reported_at_once(call: Call) -> None:
    body = assert_error(
        call("POST", "/api/tasks", json_body={"Description": 1, "QueueTime": "x"}), 400
    )
    assert len(body["Errors"]) == 3


def test_oversized_body_is_400() -> None:
    sim = Simulation(options=ServerOptions(max_body_bytes=100))
    with sim.client() as client:
        response = client.post("/api/tasks", json={"Name": "Upgrade", "Description": "x" * 200})
        assert response.status_code == 400
        assert "max_body_bytes" in " ".join(response.json()["Errors"])
        assert client.post("/api/tasks", json={"Name": "Upgrade"}).status_code == 201


@pytest.mark.parametrize(
    ("query", "mentions"),
    [
        ({"skip": "x"}, "skip: 'x' is not an integer"),
        ({"take": "1.5"}, "take: '1.5' is not an integer"),
        ({"take": "-1"}, "take: -1 is not allowed"),
        ({"skip": "1_000"}, "not an integer"),
        ({"take": "9" * 40}, "not an integer"),
        ({"states": "Running"}, "states: 'Running' is not a task state"),
        ({"active": "maybe"}, "active: 'maybe' is not a boolean"),
        ({"fromQueueDate": "2024-13-45"}, "fromQueueDate: '2024-13-45' is not a date"),
        ({"toCompletedDate": "yesterday"}, "toCompletedDate"),
    ],
)
def test_bad_query_values_are_400(call: Call, query: dict[str, str], mentions: str) -> None:
    assert_error(call("GET", "/api/Spaces-1/tasks", query=query), 400, mentions=mentions)


def test_bad_machine_filters_are_400(call: Call) -> None:
    assert_error(call("GET", "/api/machines", query={"healthStatuses": "Sick"}), 400,
                 mentions="'Sick' is not a health status")
    assert_error(call("GET", "/api/machines", query={"isDisabled": "perhaps"}), 400)


def test_bad_details_tail_is_400(call: Call) -> None:
    call("POST", "/api/tasks", json_body={"Name": "Upgrade"})
    assert_error(call("GET", "/api/tasks/ServerTasks-1/details", query={"tail": "-2"}), 400)


# -- content type ---------------------------------------------------------------------------
def test_json_sent_as_a_form_is_accepted_and_noted(sim: Simulation) -> None:
    """The seed's second Invoke-RestMethod sends JSON as application/x-www-form-urlencoded."""
    with sim.client() as client:
        response = client.post(
            "/api/Spaces-1/tasks", content=b'{"Name": "Upgrade"}',
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    assert response.status_code == 201
    assert "a stricter server would reject it" in sim.timeline()


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain", None])
def test_strict_content_type_rejects_non_json(content_type: str | None) -> None:
    sim = Simulation(options=ServerOptions(strict_content_type=True))
    headers = {"Content-Type": content_type} if content_type else {}
    with sim.client() as client:
        response = client.post("/api/tasks", content=b'{"Name": "Upgrade"}', headers=headers)
        assert response.status_code == 415
        assert "Content-Type: application/json" in " ".join(response.json()["Errors"])
        ok = client.post("/api/tasks", content=b'{"Name": "Upgrade"}',
                         headers={"Content-Type": "application/json; charset=utf-8"})
        assert ok.status_code == 201


def test_errors_never_500(client: httpx.Client) -> None:
    """An empty POST once made real servers answer 500; every body here is a 4xx."""
    for body in (b"", b"null", b"{}", b"[]", b"{\"Name\": null}"):
        response = client.post("/api/tasks", content=body,
                               headers={"content-type": "application/json"})
        assert 400 <= response.status_code < 500, (body, response.text)
