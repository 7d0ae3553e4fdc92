"""Strictness holds for every client library: a route the simulator does not implement
fails the test, whichever library asked for it."""

from __future__ import annotations

import importlib.util

import pytest


def test_unimplemented_routes_fail_the_test_from_every_library(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        import requests
        import urllib3

        def test_requests(octopus):
            requests.get(f"{octopus.base_url}/api/no-such-thing",
                         headers={"X-Octopus-ApiKey": octopus.api_key})

        def test_urllib3(octopus):
            urllib3.request("GET", f"{octopus.base_url}/api/no-such-thing",
                            headers={"X-Octopus-ApiKey": octopus.api_key})

        @pytest.mark.anyio
        async def test_aiohttp(octopus):
            aiohttp = pytest.importorskip("aiohttp")
            async with aiohttp.ClientSession() as s:
                await s.get(f"{octopus.base_url}/api/no-such-thing",
                            headers={"X-Octopus-ApiKey": octopus.api_key})

        @pytest.mark.octopus(strict=False)
        def test_relaxed(octopus):
            requests.get(f"{octopus.base_url}/api/no-such-thing")
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    with_aiohttp = importlib.util.find_spec("aiohttp") is not None
    result.assert_outcomes(passed=1, failed=2 + with_aiohttp, skipped=1 - with_aiohttp)
    result.stdout.fnmatch_lines(["*does not implement*", "*GET /api/no-such-thing*"])


def test_an_unentered_simulation_reaches_no_server(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        import requests

        def test_not_entered(octopus_factory):
            sim = octopus_factory()
            with pytest.raises(requests.ConnectionError):
                requests.get(f"{sim.base_url}/api", timeout=2)
            assert sim.base_url == "http://octopus.invalid"
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
