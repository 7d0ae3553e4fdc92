"""Every test: the inner pytest sessions (``pytester``) run with pytest-asyncio installed."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _inner_sessions_set_the_asyncio_loop_scope(request: pytest.FixtureRequest) -> None:
    # An inner session has no ini of its own, so pytest-asyncio would ask every one of them
    # to set this option: a warning about the test's scaffolding, not about the plugin.
    # Set after pytester starts, which clears PYTEST_ADDOPTS.
    if "pytester" in request.fixturenames:
        request.getfixturevalue("pytester")
        monkeypatch: pytest.MonkeyPatch = request.getfixturevalue("monkeypatch")
        monkeypatch.setenv("PYTEST_ADDOPTS", "-o asyncio_default_fixture_loop_scope=function")
