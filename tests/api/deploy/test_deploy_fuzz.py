"""No body breaks a deployment route: every key the routes read, with values of every JSON
type (and the right ones often enough to get past the first check), answers 2xx or an
Octopus error body, never an exception (OctopusApi lets a bug raise, so it fails here)."""

from __future__ import annotations

import json
from typing import Any

from deploy_world import deployments_in
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from octosim.api.messages import ApiRequest
from octosim.simulation import Simulation

ROUTES = [
    ("POST", "/api/Spaces-1/releases/create/v1"),
    ("POST", "/api/Spaces-1/deployments/create/untenanted/v1"),
    ("POST", "/api/Spaces-1/deployments/create/tenanted/v1"),
    ("POST", "/api/Spaces-1/runbook-runs/create/v1"),
    ("POST", "/api/releases/create/v1"),
    ("POST", "/api/Spaces-1/projects"),
    ("POST", "/api/Spaces-1/environments"),
    ("POST", "/api/Spaces-1/releases"),
    ("POST", "/api/Spaces-1/deployments"),
    ("POST", "/api/Spaces-1/runbooks"),
    ("POST", "/api/Spaces-1/projects/Projects-1/runbookSnapshots"),
    ("POST", "/api/Spaces-1/runbookRuns"),
    ("POST", "/api/Spaces-1/runbooks/Runbooks-1/run"),
    ("PUT", "/api/Spaces-1/deploymentprocesses/deploymentprocess-Projects-1"),
    ("PUT", "/api/Spaces-1/runbookProcesses/RunbookProcess-Runbooks-1"),
    ("PUT", "/api/Spaces-1/variables/variableset-Projects-1"),
]
GOOD = {
    "ProjectName": "Web", "ProjectId": "Projects-1", "ReleaseVersion": "0.0.1",
    "Version": "3.0.0", "EnvironmentNames": ["Development"], "EnvironmentName": "Development",
    "EnvironmentId": "Environments-1", "EnvironmentIds": ["Environments-1"],
    "ReleaseId": "Releases-1", "RunbookId": "Runbooks-1", "RunbookName": "Restart",
    "Tenants": ["Acme"], "TenantTags": ["Tier/Gold"], "Name": "Fuzzed", "ChannelName": "Default",
    "spaceIdOrName": "Default", "spaceId": "Spaces-1", "RunAt": "2024-01-15T09:10:00Z",
    "Snapshot": "Snapshots-9", "SpecificMachineNames": ["web-01"], "UseGuidedFailure": None,
    "Steps": [{"Name": "S", "Actions": [{"Name": "A", "Properties": {"x": {"Value": "1"}}}]}],
    "Variables": [{"Name": "V", "Value": "1", "Scope": {"Environment": ["Environments-1"]}}],
}
scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=8)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=6)
fields = st.dictionaries(st.sampled_from(sorted(GOOD)),
                         st.one_of(values, st.sampled_from(list(GOOD.values()))), max_size=8)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(ROUTES), fields, st.booleans()), min_size=1,
                max_size=6))
def test_no_body_breaks_a_deployment_route(
    batch: list[tuple[tuple[str, str], dict[str, Any], bool]],
) -> None:
    sim = Simulation(seed=8)
    deployments_in(sim, "Spaces-1", "Environments-1")
    headers = {"x-octopus-apikey": sim.api_key, "content-type": "application/json"}
    for (method, path), body, lower in batch:
        sent = {k.lower() if lower else k: v for k, v in body.items()}
        response = sim.handle(ApiRequest(method, path, (), headers, json.dumps(sent).encode()))
        assert response.status < 500, (path, sent, response.data)
        if response.status >= 400:
            assert response.data["ErrorMessage"], response.data
        sim.clock.sleep(5)
