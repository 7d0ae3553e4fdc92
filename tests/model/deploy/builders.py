"""Builders shared by the deployment model's tests (importable, unlike conftest)."""

from __future__ import annotations

import random

from octosim.model.deployment_store import DeploymentStore
from octosim.model.projects import DeploymentAction, DeploymentStep
from tests.worlds import default_world


def fresh_store(seed: int = 0) -> DeploymentStore:
    """Return a store over :func:`default_world` (Spaces-1; Development, Test, Production;
    ``web-01`` in Development with role ``web-server``)."""
    return DeploymentStore(default_world(random.Random(seed), api_key="API-" + "A" * 27))


def script_step(
    name: str, body: str = "Write-Host 'hello'", *, roles: str = "", on_server: bool = False,
    **step_fields: object,
) -> DeploymentStep:
    """Return a one-action script step (``roles`` is ``Octopus.Action.TargetRoles``)."""
    properties = {"Octopus.Action.TargetRoles": roles} if roles else {}
    action = DeploymentAction(name, properties={
        "Octopus.Action.RunOnServer": "true" if on_server else "false",
        "Octopus.Action.Script.ScriptBody": body,
        "Octopus.Action.Script.Syntax": "PowerShell",
    })
    step = DeploymentStep(name, [action], properties)
    for key, value in step_fields.items():
        setattr(step, key, value)
    return step
