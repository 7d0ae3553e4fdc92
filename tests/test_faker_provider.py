"""The Faker provider's values have the shapes real Octopus servers use."""

from __future__ import annotations

import re

import pytest
from faker import Faker

from octosim.faker_provider import OctopusProvider


@pytest.fixture
def fake() -> Faker:
    f = Faker()
    f.add_provider(OctopusProvider)
    f.seed_instance(1234)
    return f


@pytest.mark.parametrize(
    ("method", "pattern"),
    [
        ("octopus_space_id", r"Spaces-\d+"),
        ("octopus_environment_id", r"Environments-\d+"),
        ("octopus_machine_id", r"Machines-\d+"),
        ("octopus_task_id", r"ServerTasks-\d+"),
        ("octopus_machine_name", r"[a-z]+-\d\d"),
        ("octopus_api_key", r"API-[A-Z0-9]{27}"),
        ("octopus_thumbprint", r"[0-9A-F]{40}"),
        ("octopus_tentacle_uri", r"https://[a-z]+-\d\d\.example\.internal:10933/"),
        ("octopus_role", r"[a-z-]+"),
    ],
)
def test_shapes(fake: Faker, method: str, pattern: str) -> None:
    for _ in range(50):
        assert re.fullmatch(pattern, getattr(fake, method)()), method


def test_polling_uri_and_roles(fake: Faker) -> None:
    assert re.fullmatch(r"poll://[a-z]{20}/", fake.octopus_tentacle_uri(polling=True))
    roles = fake.octopus_roles(3)
    assert len(set(roles)) == 3


def test_step_variables_cover_what_the_seed_reads(fake: Faker) -> None:
    seed_reads = {
        "Octopus.Machine.Id", "Octopus.Machine.Name", "Octopus.Environment.Id",
        "Octopus.Space.Id", "Octopus.Web.BaseUrl", "Octopus.Action.TargetRoles",
        "Octopus.Action.RunOnServer",
    }
    on_behalf = fake.octopus_step_variables()
    assert seed_reads <= on_behalf.keys()
    assert on_behalf["Octopus.Action.TargetRoles"]
    assert on_behalf["Octopus.Action.RunOnServer"] == "True"
    local = fake.octopus_step_variables(run_on_server=False)
    assert local["Octopus.Action.TargetRoles"] == ""
    assert local["Octopus.Action.RunOnServer"] == "False"


def test_same_seed_same_values() -> None:
    a, b = Faker(), Faker()
    for f in (a, b):
        f.add_provider(OctopusProvider)
        f.seed_instance(7)
    assert [a.octopus_api_key() for _ in range(3)] == [b.octopus_api_key() for _ in range(3)]


def test_step_variables_for_a_simulation_name_what_it_has(fake: Faker) -> None:
    from octosim.simulation import Simulation

    sim = Simulation.from_scenario("linux", seed=3)
    for _ in range(20):
        variables = fake.octopus_step_variables_for(sim)
        machine = sim.world.machines[variables["Octopus.Machine.Id"]]
        assert variables["Octopus.Machine.Name"] == machine.name
        assert variables["Octopus.Environment.Id"] in machine.environment_ids
        environment = sim.world.environments[variables["Octopus.Environment.Id"]]
        assert variables["Octopus.Environment.Name"] == environment.name
        assert variables["Octopus.Space.Id"] == machine.space_id in sim.world.spaces
        assert variables["Octopus.Action.TargetRoles"] == ",".join(machine.roles)
        assert variables["Octopus.Web.BaseUrl"] == sim.base_url
    chosen = sorted(sim.world.machines)[-1]
    assert fake.octopus_step_variables_for(sim, machine_id=chosen)["Octopus.Machine.Id"] == chosen
    with pytest.raises(ValueError, match="has no machine 'Machines-999'; it has Machines-1"):
        fake.octopus_step_variables_for(sim, machine_id="Machines-999")
