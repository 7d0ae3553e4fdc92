"""The ``octopus_server`` fixture (octosim.plugin) under pytest-xdist: each worker's tests
get their own server on an ephemeral loopback port."""

from __future__ import annotations

import pytest

pytest.importorskip("xdist")


def test_octopus_server_is_safe_under_xdist(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx
        import pytest

        @pytest.mark.octopus(rate=1000)
        @pytest.mark.parametrize("n", range(4))
        def test_live(octopus_server, n):
            assert octopus_server.url.startswith("http://127.0.0.1:")
            assert octopus_server.port != 0
            key = {"X-Octopus-ApiKey": octopus_server.sim.api_key}
            with httpx.Client(base_url=octopus_server.url, headers=key) as client:
                created = client.post("/api/tasks", json={
                    "Name": "Upgrade", "Arguments": {"MachineIds": ["Machines-1"]}})
                # A fresh simulation per test: its first task, whoever else is serving.
                assert created.json()["Id"] == "ServerTasks-1"
                assert client.get("/api/tasks").json()["TotalResults"] == 1
        """
    )
    # Faker's plugin is not needed inside, and importing Faker in each worker is slow.
    result = pytester.runpytest("-n", "2", "-p", "no:cacheprovider", "-p", "no:faker")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["*2 workers*"])
