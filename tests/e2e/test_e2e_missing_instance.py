"""``--instance NAME`` for a service that does not exist fails at once, naming the Tentacle
services there are, instead of waiting out the health window (issue 15 #13)."""

from __future__ import annotations

import pytest

from restart.exitcodes import ExitCode
from restart.policy import RestartPolicy
from tests.e2e.test_e2e_cli_simulate import cli_json

HEALTH_WINDOW = RestartPolicy().health_window


@pytest.mark.parametrize(("scenario", "named", "services"), [
    ("named-instance", "'OctopusDeploy Tentacle: Nope'", "OctopusDeploy Tentacle: Web"),
    ("linux", "Nope.service", "Tentacle.service"),
])
def test_a_missing_instance_fails_at_once_naming_the_services(
        scenario: str, named: str, services: str) -> None:
    code, document = cli_json("--scenario", scenario, "--instance", "Nope")

    assert code == ExitCode.NOT_RESTARTED
    assert document["virtual_seconds"] < HEALTH_WINDOW / 4
    assert f"No Tentacle service {named}. Tentacle services: {services}" in document["reason"]
    assert document["truth"]["restarted"] is False


@pytest.mark.parametrize(("scenario", "instance"), [
    ("named-instance", "Web"), ("linux", "Tentacle"),
])
def test_an_existing_instance_still_restarts(scenario: str, instance: str) -> None:
    code, document = cli_json("--scenario", scenario, "--instance", instance)

    assert code == ExitCode.RESTARTED
    assert document["truth"]["restarted"] is True
