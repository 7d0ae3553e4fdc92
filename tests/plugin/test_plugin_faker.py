"""The Octopus Faker provider, registered on Faker's own ``faker`` fixture."""

from __future__ import annotations

import pytest


def test_the_faker_fixture_has_the_octopus_provider(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import re

        import pytest

        values = []

        def test_every_octopus_value(faker):
            values.append(faker.octopus_api_key())
            assert re.fullmatch(r"Spaces-\\d+", faker.octopus_space_id())
            assert re.fullmatch(r"Environments-\\d+", faker.octopus_environment_id())
            assert re.fullmatch(r"Machines-\\d+", faker.octopus_machine_id())
            assert re.fullmatch(r"ServerTasks-\\d+", faker.octopus_task_id())
            assert re.fullmatch(r"[a-z]+-\\d\\d", faker.octopus_machine_name())
            assert faker.octopus_role()
            assert len(set(faker.octopus_roles(3))) == 3
            assert re.fullmatch(r"API-[A-Z0-9]{27}", faker.octopus_api_key())
            assert re.fullmatch(r"[0-9A-F]{40}", faker.octopus_thumbprint())
            assert re.fullmatch(r"https://[a-z]+-\\d\\d\\.example\\.internal:10933/",
                                faker.octopus_tentacle_uri())
            assert faker.octopus_tentacle_uri(polling=True).startswith("poll://")
            variables = faker.octopus_step_variables()
            assert {"Octopus.Machine.Id", "Octopus.Machine.Name", "Octopus.Environment.Id",
                    "Octopus.Space.Id", "Octopus.Web.BaseUrl", "Octopus.Action.TargetRoles",
                    "Octopus.Action.RunOnServer"} <= set(variables)

        def test_seeded_like_every_faker_value(faker):
            # Faker's fixture reseeds its instance for every test (faker_seed, default 0).
            assert faker.octopus_api_key() == values[0]

        @pytest.fixture
        def faker_locale():
            return ["it_IT"]

        def test_a_localised_faker_too(faker):
            assert faker.octopus_api_key().startswith("API-")

        def test_asked_for_by_name(request):
            assert request.getfixturevalue("faker").octopus_thumbprint()
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=4)
