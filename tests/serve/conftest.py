"""Fixtures of the live-server tests: servers on 127.0.0.1 and port 0, always stopped."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from octosim.server import LiveServer
from octosim.simulation import Simulation

ServerFactory = Callable[..., LiveServer]  # the type of the serve fixture


@pytest.fixture
def serve() -> Iterator[ServerFactory]:
    """Start ``LiveServer(sim, **kwargs)`` (a fresh default simulation unless ``sim=`` is
    given) on an ephemeral loopback port; every server started is stopped at teardown."""
    started: list[LiveServer] = []

    def start(sim: Simulation | None = None, **kwargs: Any) -> LiveServer:
        server = LiveServer(sim if sim is not None else Simulation(), **kwargs)
        started.append(server.start())
        return server

    yield start
    for server in started:
        server.stop()
