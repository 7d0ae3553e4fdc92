"""End-to-end tests: the restart client's three drivers against the octosim presets.

Every run uses the simulation's virtual clock (``sim.clock``), so nothing here waits in real
time. anyio runs the async tests on asyncio only: the client's async driver is written for
asyncio (it uses ``asyncio.shield`` for its cleanup).
"""

from __future__ import annotations

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
