"""Releases: Octopus's version rules and texts, the default template, channels, the snapshot."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from octosim.model.deploy_errors import DeploymentModelError
from octosim.model.deployment_rules import create_release
from octosim.model.deployment_store import DeploymentStore
from octosim.model.projects import (
    ActionCondition,
    DeploymentAction,
    DeploymentProcess,
    DeploymentStep,
    StartTrigger,
    StepCondition,
)
from octosim.model.releases import next_version, parse_version
from octosim.model.variables import Variable
from tests.model.deploy.builders import fresh_store, script_step


def test_releases_without_a_version_count_up_from_0_0_1(store: DeploymentStore) -> None:
    project = store.add_project("Spaces-1", "App")
    versions = [create_release(store, project.id).version for _ in range(3)]
    assert versions == ["0.0.1", "0.0.2", "0.0.3"]
    assert [r.id for r in store.releases_of(project.id)] == ["Releases-3", "Releases-2",
                                                              "Releases-1"]


def test_the_template_continues_from_the_highest_version(store: DeploymentStore) -> None:
    project = store.add_project("Spaces-1", "App")
    create_release(store, project.id, version="2.4")
    create_release(store, project.id, version="1.0.9")
    assert create_release(store, project.id).version == "2.4.1"


def test_a_duplicate_version_is_refused_with_octopus_s_text(store: DeploymentStore) -> None:
    project = store.add_project("Spaces-1", "App")
    first = create_release(store, project.id, version="1.0.0")
    with pytest.raises(DeploymentModelError) as caught:
        create_release(store, project.id, version="1.0.0")
    assert caught.value.errors == (
        "Release '1.0.0' already exists for this project. Please use a different version, "
        "or look at using a mask to auto-increment the number.",)
    assert caught.value.error_message == "There was a problem with your request."
    assert caught.value.status_code == 400
    again = create_release(store, project.id, version="1.0.0", ignore_if_already_exists=True)
    assert again is first


@pytest.mark.parametrize("bad", ["", "1.2.3.4.5", "v1", "1..2", "1.2-", "abc", "1.2.3 beta",
                                 "2147483648", pytest.param("1." + "9" * 5000, id="1.9999…")])
def test_an_invalid_version_is_refused_with_octopus_s_text(bad: str) -> None:
    with pytest.raises(DeploymentModelError) as caught:
        parse_version(bad)
    assert caught.value.errors[0].startswith(
        f"The release number '{bad}' does not appear to be a valid version number. The "
        "version must consist of between 1 and 4 number only parts")


@pytest.mark.parametrize("good", ["2", "2.1", "2.4.0.23", "2.4-beta", "1-beta.2", "1.0.0+abc"])
def test_octopus_s_examples_of_valid_versions_parse(good: str) -> None:
    assert parse_version(good).text == good


def test_versions_order_like_semver() -> None:
    ordered = ["1.0-alpha", "1.0-alpha.2", "1.0-beta", "1.0", "1.0.1", "1.2", "10.0"]
    assert sorted(ordered, key=parse_version) == ordered


def test_the_largest_version_numbers_are_an_int32_s(store: DeploymentStore) -> None:
    # Found by review: 4,300 nines were accepted, and every release after it then raised.
    project = store.add_project("Spaces-1", "Huge")
    create_release(store, project.id, version="2147483647.1-" + "9" * 5000)
    assert create_release(store, project.id).version == "2147483647.1.1"
    assert parse_version("1-2") < parse_version("1-10")


def test_a_disabled_project_cannot_have_releases(store: DeploymentStore) -> None:
    project = store.add_project("Spaces-1", "App")
    project.is_disabled = True
    with pytest.raises(DeploymentModelError) as caught:
        create_release(store, project.id)
    assert caught.value.errors == ("The project is disabled, so releases cannot be created",)


def test_a_channel_is_required_when_there_is_no_default_and_more_than_one(
    store: DeploymentStore,
) -> None:
    project = store.add_project("Spaces-1", "App")
    hotfix = store.add_channel(project.id, "Hotfix")
    assert create_release(store, project.id).channel_id == "Channels-1"
    assert create_release(store, project.id, channel="Hotfix").channel_id == hotfix.id
    for channel in store.channels_of(project.id):
        channel.is_default = False
    with pytest.raises(DeploymentModelError) as caught:
        create_release(store, project.id)
    assert caught.value.errors == (
        "A channelId must be provided for a release when more than one exists for that "
        "project and no default channel has been specified.",)
    with pytest.raises(DeploymentModelError) as unknown:
        create_release(store, project.id, channel="Nope")
    assert unknown.value.status_code == 404


def test_another_project_s_channel_is_refused_with_octopus_s_text(
    store: DeploymentStore,
) -> None:
    web = store.add_project("Spaces-1", "Web")
    api = store.add_project("Spaces-1", "Api")
    [api_channel] = store.channels_of(api.id)
    with pytest.raises(DeploymentModelError) as caught:
        create_release(store, web.id, channel=api_channel.id)
    assert caught.value.status_code == 400
    assert caught.value.errors == (
        f"The channel Default specified for this release belongs to the project {api.id}. "
        "It does not belong to the same project as the release.",)
    assert create_release(store, web.id, channel="Default").channel_id != api_channel.id
    elsewhere = store.add_project(store.world.add_space("Elsewhere").id, "Far")
    [far_channel] = store.channels_of(elsewhere.id)
    with pytest.raises(DeploymentModelError) as hidden:  # another space's: not found here
        create_release(store, web.id, channel=far_channel.id)
    assert hidden.value.status_code == 404


def test_a_release_snapshots_the_process_and_variables(store: DeploymentStore) -> None:
    project = store.add_project("Spaces-1", "App")
    store.set_process(project.deployment_process_id, [script_step("One")])
    store.set_variables(project.variable_set_id, [Variable("Greeting", "hello")])
    release = create_release(store, project.id)
    process = store.process_of(project.id)
    process.steps[0].actions[0].properties["Octopus.Action.Script.ScriptBody"] = "exit 1"
    process.steps.append(script_step("Two"))
    store.set_variables(project.variable_set_id, [Variable("Greeting", "changed")])
    assert [s.name for s in release.process.steps] == ["One"]
    assert release.process.steps[0].actions[0].script_body == "Write-Host 'hello'"
    assert [(v.name, v.value) for v in release.variables] == [("Greeting", "hello")]
    assert release.project_deployment_process_snapshot_id == "deploymentprocess-Projects-1-s-1"
    assert release.project_variable_set_snapshot_id == "variableset-Projects-1-s-1"


def _shared_mutables(copied: object, original: object, path: str = "process") -> list[str]:
    # Every list, dict or dataclass reachable through the fields that the copy shares with
    # the original: a field added later and forgotten by the copy shows up here by name.
    if isinstance(copied, (list, dict)) and copied is original:
        return [path]
    if isinstance(copied, list) and isinstance(original, list):
        return [bad for i, (c, o) in enumerate(zip(copied, original, strict=True))
                for bad in _shared_mutables(c, o, f"{path}[{i}]")]
    if dataclasses.is_dataclass(copied) and not isinstance(copied, type):
        if copied is original:
            return [path]
        return [bad for f in dataclasses.fields(copied) for bad in _shared_mutables(
            getattr(copied, f.name), getattr(original, f.name), f"{path}.{f.name}")]
    return []


def test_a_release_s_process_shares_nothing_mutable_with_the_project_s() -> None:
    store = fresh_store()
    project = store.add_project("Spaces-1", "App")
    step = script_step("One", roles="web-server")
    step.actions[0].environments.append("Environments-1")
    step.actions.append(dataclasses.replace(step.actions[0], name="Two", channels=["C"]))
    store.set_process(project.deployment_process_id, [step, script_step("Three")])
    release = create_release(store, project.id)
    process = store.process_of(project.id)
    assert release.process == process
    assert _shared_mutables(release.process, process) == []


def _unlike_its_default(field: dataclasses.Field[object], value: object) -> bool:
    if field.default is not dataclasses.MISSING:
        return value != field.default
    if field.default_factory is not dataclasses.MISSING:
        return value != field.default_factory()
    return True


def test_a_snapshot_copies_every_field_of_the_process_its_steps_and_actions() -> None:
    # Every field set to something other than its default: a copy that builds its value
    # field by field and forgets one (or swaps two) differs from the original here.
    action = DeploymentAction(
        "Act", "Octopus.TentaclePackage", {"P": "1"}, ["Environments-1"], ["Environments-2"],
        ["Channels-1"], ["Tier/Gold"], ActionCondition.Variable, True, "action-id",
    )
    step = DeploymentStep("Step", [action], {"Octopus.Action.TargetRoles": "web"},
                          StepCondition.Always, StartTrigger.StartWithPrevious,
                          "DeployToAll", "step-id")
    process = DeploymentProcess("deploymentprocess-Projects-1", "Spaces-1", "Projects-1",
                                [step], 4)
    for original in (process, step, action):
        assert all(_unlike_its_default(f, getattr(original, f.name))
                   for f in dataclasses.fields(original)), original
    copied = process.snapshot()
    assert copied == process
    assert _shared_mutables(copied, process) == []


_edits = st.lists(st.sampled_from(["add", "rename", "body", "vars", "remove"]), max_size=8)


@given(edits=_edits)
def test_a_release_s_snapshot_never_changes_whatever_the_project_does(edits: list[str]) -> None:
    store = fresh_store()
    project = store.add_project("Spaces-1", "App")
    store.set_process(project.deployment_process_id, [script_step("One"), script_step("Two")])
    store.set_variables(project.variable_set_id, [Variable("X", "1")])
    release = create_release(store, project.id)
    before = (repr(release.process), release.variables)
    process = store.process_of(project.id)
    for edit in edits:
        if edit == "add":
            process.steps.append(script_step("More"))
        elif edit == "rename" and process.steps:
            process.steps[0].name += "!"
        elif edit == "body" and process.steps:
            process.steps[-1].actions[0].properties["Octopus.Action.Script.ScriptBody"] = "x"
        elif edit == "vars":
            store.variables_of(project.id).variables.append(Variable("Y", "2"))
        elif edit == "remove" and process.steps:
            process.steps.pop()
        create_release(store, project.id)
    assert (repr(release.process), release.variables) == before


@given(explicit=st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30), st.integers(0, 30)),
                         max_size=5),
       automatic=st.integers(1, 5))
def test_template_numbering_is_monotone_and_never_collides(
    explicit: list[tuple[int, int, int]], automatic: int
) -> None:
    existing = [".".join(map(str, v)) for v in explicit]
    versions = list(dict.fromkeys(existing))
    for _ in range(automatic):
        new = next_version(versions)
        assert new not in versions
        assert all(parse_version(new) > parse_version(v) for v in versions)
        versions.append(new)
