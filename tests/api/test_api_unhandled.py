"""Requests no route answers (issue 14 #1): only their method and path are kept, in a
bounded record, so unauthenticated traffic cannot grow the server's memory."""

from __future__ import annotations

import tracemalloc

import httpx
import pytest

from octosim.api import unhandled
from octosim.api.messages import ApiRequest
from octosim.simulation import ServerOptions, Simulation

MiB = 1 << 20


def _post(sim: Simulation, path: str, body: bytes) -> int:
    return sim.handle(ApiRequest("POST", path, (), {}, body)).status


def test_large_unknown_route_posts_are_not_kept() -> None:
    sim = Simulation(seed=1)
    _post(sim, "/api/no-such-route", b"warm-up")  # the first request builds what stays
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        for _ in range(12):
            assert _post(sim, "/api/no-such-route", bytes(8 * MiB)) == 404  # a new body each
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert after - before < MiB, f"the unknown-route path kept {after - before} bytes"
    assert list(sim.api.unhandled) == [("POST", "/api/no-such-route")] * 13
    assert sim.api.unhandled.total == 13


def test_many_distinct_unknown_paths_stay_bounded() -> None:
    sim = Simulation(seed=1)
    long_tail = "x" * 100_000
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        for n in range(2 * unhandled.LIMIT):
            _post(sim, f"/api/nowhere/{n}/{long_tail}", b"")
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    record = sim.api.unhandled
    assert len(record) == unhandled.LIMIT and record.total == 2 * unhandled.LIMIT
    assert all(len(r.path) <= unhandled.PATH_LIMIT for r in record)
    first_kept = f"/api/nowhere/{unhandled.LIMIT}/xxx"  # the newest are kept
    assert record[0].path.startswith(first_kept) and record[0].path.endswith("…")
    # The record's LIMIT paths of PATH_LIMIT characters and one journal line (its path cut
    # to 2,048 characters, two bytes each once the line holds a "→") per request: about
    # 10 MB, where the 200 MB of paths sent were kept twice over when the router remembered
    # every 404 and the journal wrote whole paths.
    assert after - before < 16 * MiB, f"{after - before} bytes kept"
    assert max(len(e.text) for e in sim.journal) < 2200


def test_the_record_keeps_order_repeats_and_405s() -> None:
    sim = Simulation(seed=1, options=ServerOptions())
    with sim.client() as client:
        client.get("/api/feeds")
        client.delete("/api/tasks")
        client.get("/api/feeds")
    record = sim.api.unhandled
    assert [(r.method, r.path) for r in record] == [
        ("GET", "/api/feeds"), ("DELETE", "/api/tasks"), ("GET", "/api/feeds")]
    assert record[1].method == "DELETE" and record[-2:] == list(record)[1:]
    assert record.total == 3 and "DELETE" in repr(record)


@pytest.mark.parametrize("size", [0, 2 * MiB])
def test_unknown_routes_through_http_keep_no_body(size: int) -> None:
    sim = Simulation(seed=1)
    with sim.client() as client:
        response = client.post("/api/no-such-route", content=b"x" * size)
    assert response.status_code == 404
    (entry,) = sim.api.unhandled
    assert entry == ("POST", "/api/no-such-route")
    assert not any(isinstance(v, bytes | httpx.Request) for v in entry)


def test_long_paths_that_match_a_route_are_not_remembered_either() -> None:
    sim = Simulation(seed=1)
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        for n in range(500):  # a 404 of a task id, before any key is checked
            sim.handle(ApiRequest("GET", f"/api/tasks/ServerTasks-{n}{'9' * 100_000}"))
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert after - before < 8 * MiB, f"{after - before} bytes kept"
