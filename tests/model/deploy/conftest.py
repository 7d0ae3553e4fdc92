"""Fixtures for the deployment model's tests: a default world with its deployment store."""

from __future__ import annotations

import pytest

from octosim.model.deployment_store import DeploymentStore
from tests.model.deploy.builders import fresh_store


@pytest.fixture
def store() -> DeploymentStore:
    return fresh_store()
