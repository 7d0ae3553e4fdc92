"""A Hypothesis state machine over the deployment store: projects change, releases are made
and deployed, outcomes arrive; the model's invariants hold after every step."""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from octosim.model.deploy_errors import DeploymentModelError
from octosim.model.deployment_rules import (
    allowed_environment_ids,
    create_deployment,
    create_release,
    record_deployment_outcome,
)
from octosim.model.releases import parse_version
from octosim.model.variables import Variable
from tests.model.deploy.builders import fresh_store, script_step

ENVIRONMENTS = ["Environments-1", "Environments-2", "Environments-3"]


class DeploymentModel(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.store = fresh_store()
        self.project = self.store.add_project("Spaces-1", "App")
        self.store.set_process(self.project.deployment_process_id,
                               [script_step("Hello", on_server=True)])
        self.frozen: dict[str, str] = {}
        self.allowed: dict[str, list[str]] = {}

    @rule(body=st.sampled_from(["exit 1", "Write-Host hi", "Start-Sleep 5"]))
    def edit_process(self, body: str) -> None:
        process = self.store.process_of(self.project.id)
        process.steps.append(script_step(f"Step {len(process.steps) + 1}", body, on_server=True))

    @rule(value=st.text(max_size=5))
    def edit_variables(self, value: str) -> None:
        self.store.variables_of(self.project.id).variables.append(Variable("X", value))

    @rule(version=st.none() | st.sampled_from(["1.0", "1.0.1", "2.0-beta", "0.0.2"]))
    def release(self, version: str | None) -> None:
        existing = {r.version for r in self.store.releases_of(self.project.id)}
        try:
            release = create_release(self.store, self.project.id, version=version)
        except DeploymentModelError as refused:
            assert version in existing, refused
            return
        assert release.version not in existing
        self.frozen[release.id] = repr((release.process, release.variables))
        self.allowed[release.id] = allowed_environment_ids(self.store, release)

    @precondition(lambda self: bool(self.frozen))
    @rule(data=st.data(), environment=st.sampled_from(ENVIRONMENTS), succeeds=st.booleans())
    def deploy(self, data: st.DataObject, environment: str, succeeds: bool) -> None:
        release_id = data.draw(st.sampled_from(sorted(self.frozen)))
        release = self.store.releases[release_id]
        allowed = allowed_environment_ids(self.store, release)
        try:
            deployment = create_deployment(self.store, release_id, environment)
        except DeploymentModelError:
            assert environment not in allowed
            return
        assert environment in allowed
        record_deployment_outcome(self.store, deployment.id, succeeds)

    @invariant()
    def snapshots_never_change(self) -> None:
        for release_id, frozen in self.frozen.items():
            release = self.store.releases[release_id]
            assert repr((release.process, release.variables)) == frozen

    @invariant()
    def promotion_only_grows(self) -> None:
        for release_id, before in self.allowed.items():
            now = allowed_environment_ids(self.store, self.store.releases[release_id])
            assert now[: len(before)] == before
            self.allowed[release_id] = now

    @invariant()
    def versions_are_unique_and_ids_distinct(self) -> None:
        releases = self.store.releases_of(self.project.id)
        assert len({parse_version(r.version).text for r in releases}) == len(releases)
        ids = [*self.store.releases, *self.store.deployments]
        assert len(ids) == len(set(ids))


TestDeploymentModel = DeploymentModel.TestCase
