"""Fixtures for the API tests: a fresh simulation, a bound client, a direct caller."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from octosim.api.messages import ApiRequest, ApiResponse
from octosim.simulation import Simulation

Call = Callable[..., ApiResponse]


@pytest.fixture
def sim() -> Simulation:
    """A fresh default simulation (space Spaces-1, machine Machines-1, one admin key)."""
    return Simulation(seed=1)


@pytest.fixture
def client(sim: Simulation) -> Iterator[httpx.Client]:
    """A client bound to ``sim`` with a valid key."""
    with sim.client() as c:
        yield c


@pytest.fixture
def call(sim: Simulation) -> Call:
    """``call(method, path, json=..., body=..., query=..., headers=..., key=...)``: one
    request straight through ``sim.handle`` (no HTTP), with the admin key by default."""

    def _call(
        method: str,
        path: str,
        *,
        json_body: Any = None,
        body: bytes | None = None,
        query: dict[str, str] | list[tuple[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        key: str | None = "default",
    ) -> ApiResponse:
        all_headers = {}
        if key == "default":
            key = sim.api_key
        if key is not None:
            all_headers["x-octopus-apikey"] = key
        if json_body is not None:
            body = json.dumps(json_body).encode()
            all_headers["content-type"] = "application/json"
        all_headers.update({k.lower(): v for k, v in (headers or {}).items()})
        pairs = tuple(query.items() if isinstance(query, dict) else (query or ()))
        return sim.handle(ApiRequest(method, path, pairs, all_headers, body or b""))

    return _call


@pytest.fixture
def make_task(call: Call) -> Callable[..., dict[str, Any]]:
    """``make_task(name="Upgrade", **body)``: create a task through the API and return its
    TaskResource (asserting the 201)."""

    def _make(name: str = "Upgrade", **body: Any) -> dict[str, Any]:
        response = call("POST", "/api/tasks", json_body={"Name": name, **body})
        assert response.status == 201, response.data
        data: dict[str, Any] = response.data
        return data

    return _make
