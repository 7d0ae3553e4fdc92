"""Fuzzing the whole surface through the transport: whatever a client sends, the simulator
answers a well-formed response below 500 (no fault rules are set, so a 5xx can only be a
bug), never raises, and leaves the model's invariants intact."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import httpx
from hypothesis import given
from hypothesis import strategies as st

from octosim.journal import Kind
from octosim.model.states import COMPLETED, TaskState
from octosim.simulation import ServerOptions, Simulation

MAX_BODY = 4096
REAL_SEGMENTS = [
    "api", "spaces", "Spaces-1", "Spaces-2", "Spaces-99", "spaces-1", "tasks", "ServerTasks-1",
    "ServerTasks-2", "ServerTasks-3", "ServerTasks-999", "rerun", "cancel", "state", "details",
    "raw", "queued-behind", "tasktypes", "machines", "Machines-1", "Machines-9", "connection",
    "environments", "Environments-1", "all", "users", "me", "Users-1", "", "..", "%",
]
FILTERS = [
    "skip", "take", "ids", "states", "name", "active", "running", "node", "environment",
    "partialName", "description", "hasPendingInterruptions", "hasWarningsOrErrors", "spaces",
    "includeSystem", "fromQueueDate", "toQueueDate", "fromCompletedDate", "toCompletedDate",
    "verbose", "tail", "ranges", "roles", "isDisabled", "healthStatuses", "environmentIds",
    "commStyles", "thumbprint", "apikey", "ApiKey", "IDS", "Take",
]
VALUES = [
    "0", "1", "30", "-1", "2147483647", "99999999999999999999", "x", "", "true", "FALSE", "1.5",
    "ServerTasks-1,ServerTasks-2", "Queued,Success", "Executing", "Spaces-1", "Healthy,Unknown",
    "TentacleActive", "2024-01-15T09:00:00Z", "2024-13-01", "Health", "web-server",
]
TASK_TYPES = ["Health", "AdHocScript", "Upgrade", "Backup", "Deploy", "", "health"]
ARG_NAMES = ["MachineIds", "ScriptBody", "Syntax", "TargetType", "EnvironmentId", "Timeout",
             "MachineTimeout", "EnvironmentIds", "TargetRoles", "WorkerpoolId", "RestrictedTo",
             "OnlyTestConnection"]
ARG_VALUES = [
    ["Machines-1"], ["Machines-9"], "Machines-1", [], "00:05:00", "0:01:00", "1.00:00:00", "5",
    "Bash", "Powershell", "CSharp", "Machines", "Environments-1", "Write-Host hi", "echo hi",
    "Start-Process powershell.exe -ArgumentList \"-Command `\"&{Start-Sleep 3 ; "
    "Get-Service 'OctopusDeploy Tentacle*' | Restart-Service}`\"\"",
    "nohup sh -c 'sleep 3; systemctl restart Tentacle.service' &",
]

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**40), 2**40),
                         st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20))
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=3),
    max_leaves=8,
)
arguments = st.dictionaries(st.sampled_from(ARG_NAMES),
                            st.sampled_from(ARG_VALUES) | json_values, max_size=5)
create_bodies = st.fixed_dictionaries(
    {"Name": st.sampled_from(TASK_TYPES) | json_scalars},
    optional={
        "Description": st.text(max_size=30) | json_scalars,
        "Arguments": arguments | json_values,
        "SpaceId": st.sampled_from(["Spaces-1", "Spaces-2", "Spaces-9", ""]) | json_scalars,
        "QueueTime": st.sampled_from(["2024-01-15T09:00:10Z", "bad", "0001-01-01T00:00:00+14:00",
                                      "9999-12-31T23:59:59-12:00"]) | json_scalars,
        "QueueTimeExpiry": st.sampled_from(["2024-01-15T09:00:05Z", "2024-01-15"]),
        "State": st.sampled_from(["Failed", "Success", "Canceled", "Queued", "nope"]),
        "Reason": st.text(max_size=10),
    },
)
bodies = st.one_of(
    st.just(b""),
    create_bodies.map(lambda b: json.dumps(b).encode()),
    create_bodies.map(lambda b: json.dumps(b).encode()),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=40),
    st.sampled_from([b"{", b"[" * 5000, b"NaN", b"\xef\xbb\xbf{}", b"9" * 5000,
                     b'{"Name": "Upgrade"' + b" " * MAX_BODY + b"}"]),
)
segments = st.sampled_from(REAL_SEGMENTS) | st.text(max_size=12)
paths = st.lists(segments, min_size=1, max_size=6).map(
    lambda parts: "/" + "/".join(quote(p, safe="") for p in parts)
)
scoped_paths = st.tuples(
    st.sampled_from(["/api", "/api/Spaces-1", "/api/spaces/Spaces-1", "/api/Spaces-2"]),
    st.sampled_from(["/tasks", "/tasks/ServerTasks-1", "/tasks/ServerTasks-2/cancel",
                     "/tasks/rerun/ServerTasks-1", "/tasks/ServerTasks-1/state",
                     "/tasks/ServerTasks-3/details", "/tasks/ServerTasks-2/raw",
                     "/tasks/ServerTasks-4/queued-behind", "/machines", "/machines/Machines-1",
                     "/machines/Machines-1/tasks", "/environments/all", "/tasks/tasktypes"]),
).map("".join)
ascii_text = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=30)
# Mostly valid keys and real routes, or the fuzz would only ever meet 401s and 404s.
valid = st.just("VALID")
headers = st.fixed_dictionaries({
    "X-Octopus-ApiKey": st.one_of(valid, valid, valid, valid,
                                  st.sampled_from(["", "API-WRONG", "ABSENT"]), ascii_text),
}, optional={
    "Content-Type": st.sampled_from(["application/json", "application/x-www-form-urlencoded",
                                     "text/plain", "application/merge-patch+json"]) | ascii_text,
    "Authorization": st.sampled_from(["Bearer VALID", "Bearer ", "Basic x"]) | ascii_text,
})
any_requests = st.fixed_dictionaries({
    "method": st.sampled_from(["GET"] * 5 + ["POST"] * 5 + ["PUT", "DELETE", "PATCH", "HEAD",
                                                              "OPTIONS", "FOO"]),
    "path": st.one_of(scoped_paths, scoped_paths, scoped_paths, paths),
    "query": st.lists(st.tuples(st.sampled_from(FILTERS) | ascii_text,
                                st.sampled_from(VALUES) | st.text(max_size=12)), max_size=4),
    "headers": headers,
    "body": bodies,
    "sleep": st.sampled_from([0.0, 0.0, 1.0, 5.0, 30.0]),
})


# Creating tasks needs everything right at once; draw such requests on purpose.
good_names = st.sampled_from(["Health", "AdHocScript", "Upgrade", "Backup"])
create_requests = st.fixed_dictionaries({
    "method": st.just("POST"),
    "path": st.sampled_from(["/api/tasks", "/api/Spaces-1/tasks", "/api/spaces/Spaces-1/tasks"]),
    "query": st.just([]),
    "headers": st.just({"X-Octopus-ApiKey": "VALID", "Content-Type": "application/json"}),
    "body": st.fixed_dictionaries(
        {"Name": good_names,
         "Arguments": st.fixed_dictionaries({"MachineIds": st.just(["Machines-1"])},
                                            optional={k: st.sampled_from(ARG_VALUES)
                                                      for k in ARG_NAMES[1:]})},
        optional={"Description": st.text(max_size=20),
                  "QueueTimeExpiry": st.sampled_from(["2024-01-15T09:00:05Z"])},
    ).map(lambda b: json.dumps(b).encode()),
    "sleep": st.sampled_from([0.0, 3.0, 30.0]),
})
requests = st.one_of(any_requests, any_requests, create_requests)


def _check_invariants(sim: Simulation) -> None:
    engine = sim.engine
    for task in engine.tasks.values():
        assert isinstance(task.state, TaskState)
        assert task.is_completed == (task.state in COMPLETED)
        assert task.finished_successfully == (task.state is TaskState.Success)
        assert (task.completed_time is not None) == task.is_completed, task
        assert task.can_rerun == task.is_completed
    assert engine.executing <= engine.task_cap
    running = sum(1 for t in engine.tasks.values() if t.is_running)
    assert running == engine.executing


@given(st.lists(requests, min_size=1, max_size=12))
def test_no_request_breaks_the_simulator(batch: list[dict[str, Any]]) -> None:
    sim = Simulation(seed=7, options=ServerOptions(max_body_bytes=MAX_BODY))
    assert not sim.faults.rules
    key = sim.api_key or ""
    with sim.client() as client:
        client.headers.pop("X-Octopus-ApiKey")
        # a couple of tasks so ids in paths exist
        client.post("/api/tasks", json={"Name": "Upgrade"}, headers={"X-Octopus-ApiKey": key})
        client.post("/api/tasks", json={"Name": "Backup"}, headers={"X-Octopus-ApiKey": key})
        for request in batch:
            sent = {k: v.replace("VALID", key) for k, v in request["headers"].items()
                    if v != "ABSENT"}
            response = client.request(  # absolute: a relative URL may not start with //
                request["method"], sim.base_url + request["path"], params=request["query"],
                headers=sent, content=request["body"],
            )
            assert response.status_code < 500, (request, response.text)
            if response.headers["content-type"].startswith("application/json"):
                body = response.json()
                if response.status_code >= 400:
                    assert body["ErrorMessage"], body
            sim.clock.sleep(request["sleep"])
            _check_invariants(sim)
    assert len(sim.journal.entries(kind=Kind.Request)) == len(batch) + 2


def test_fuzz_strategy_reaches_real_routes() -> None:
    """Guard against a strategy that only ever produces 404s."""
    sim = Simulation(seed=7)
    with sim.client() as client:
        statuses = {
            client.request("GET", path).status_code
            for path in ("/api/Spaces-1/tasks", "/api/machines/Machines-1", "/api/nope")
        }
    assert statuses == {200, 404}
    assert isinstance(httpx.URL("/api/" + quote("ü/%", safe="")).path, str)
