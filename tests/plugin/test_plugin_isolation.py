"""The plugin is loaded by its entry point without side effects, and works under xdist."""

from __future__ import annotations

import sys

import pytest


def test_importing_the_plugin_imports_nothing_heavy_and_patches_nothing(
    pytester: pytest.Pytester,
) -> None:
    script = pytester.makepyfile(
        check="""
        import sys
        import time

        before = set(sys.modules)
        real = (time.sleep, time.monotonic, time.time)
        import octosim.plugin

        loaded = set(sys.modules) - before
        # httpx is not even imported (so nothing of it can be patched), nor anything that
        # builds a simulation.
        heavy = {"httpx", "respx", "hypothesis", "faker", "uvicorn", "octosim.simulation",
                 "octosim.transport", "octosim.scenario", "octosim.timepatch", "restart"}
        assert not loaded & heavy, sorted(loaded & heavy)
        assert (time.sleep, time.monotonic, time.time) == real
        print("CLEAN")
        """
    )
    result = pytester.run(sys.executable, str(script))
    assert result.ret == 0, result.stderr.str()
    result.stdout.fnmatch_lines(["CLEAN"])


def test_a_session_that_uses_no_fixture_builds_nothing(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import sys

        def test_untouched(request):
            assert request.config.pluginmanager.has_plugin("octosim")  # the entry point
            assert "octosim.simulation" not in sys.modules
            assert "octosim.scenario" not in sys.modules
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:faker")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["plugins:*octosim-*"])


def test_the_plugin_works_under_xdist(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_xdist_a="""
        import httpx
        import pytest

        @pytest.mark.parametrize("n", range(4))
        def test_mounted(octopus, n):
            headers = {"X-Octopus-ApiKey": octopus.api_key}
            created = httpx.post(f"{octopus.base_url}/api/tasks", headers=headers,
                                 json={"Name": "Retention"})
            assert created.json()["Id"] == "ServerTasks-1"

        @pytest.mark.octopus(seed=5)
        def test_fails_with_its_timeline(octopus_client):
            octopus_client.get("/api/tasks")
            assert False
        """,
        test_xdist_b="""
        import httpx
        from hypothesis import given, settings, strategies as st

        def test_live_servers_on_ephemeral_ports(octopus_server):
            headers = {"X-Octopus-ApiKey": octopus_server.sim.api_key}
            assert httpx.get(f"{octopus_server.url}/api/tasks", headers=headers).is_success

        @settings(max_examples=10, deadline=None, database=None)
        @given(st.integers(0, 5))
        def test_factory(octopus_factory, n):
            with octopus_factory() as sim, sim.client() as client:
                assert client.get("/api/tasks").is_success
        """,
    )
    # Faker is not used here and is the slowest plugin to import in each of 3 processes.
    result = pytester.runpytest_subprocess(
        "-n", "2", "-p", "xdist", "-p", "no:cacheprovider", "-p", "no:faker"
    )
    result.assert_outcomes(passed=6, failed=1)
    result.stdout.fnmatch_lines([
        "octosim: scenario=default seed=0 strict=true*",
        "created: 2/2 workers",
        "*octosim timeline (scenario default, seed 5)*",
        "*GET /api/tasks → 200",
    ])
