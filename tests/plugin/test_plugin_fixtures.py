"""Each fixture of the octosim pytest plugin, exercised through ``pytester``."""

from __future__ import annotations

import pytest


def test_octopus_is_mounted_for_every_httpx_client_at_its_base_url(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import httpx
        import pytest

        def test_module_level_functions_and_clients_reach_it(octopus):
            headers = {"X-Octopus-ApiKey": octopus.api_key}
            assert httpx.get(f"{octopus.base_url}/api/tasks", headers=headers).status_code == 200
            with httpx.Client(base_url=octopus.base_url, headers=headers) as client:
                created = client.post("/api/tasks", json={"Name": "Retention"})
            assert created.status_code == 201
            assert created.json()["Id"] == "ServerTasks-1"
            assert "ServerTasks-1" in octopus.engine.tasks

        def test_each_test_gets_a_fresh_simulation(octopus):
            assert not octopus.engine.tasks and octopus.clock.now() == 0

        def test_a_request_to_any_other_host_fails_loudly(octopus):
            with pytest.raises(AssertionError, match="not mocked"):
                httpx.get("http://octopus.example.com/api")
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=3)


def test_octopus_factory_makes_fresh_simulations_that_mount_for_a_with_block(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import socket

        import httpx
        import pytest

        def closed_port():
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                return sock.getsockname()[1]

        def test_factory(octopus_factory):
            base_url = f"http://127.0.0.1:{closed_port()}"
            first = octopus_factory(base_url=base_url)
            second = octopus_factory(scenario="linux", seed=5)
            assert first is not second
            assert (second.seed, octopus_factory.record_of(second).scenario.name) == (5, "linux")
            assert octopus_factory.made == [first, second]
            with first as sim:
                headers = {"X-Octopus-ApiKey": sim.api_key}
                assert httpx.get(f"{base_url}/api", headers=headers).status_code == 200
            # The mount ends with the block: the same request now meets a closed port.
            with pytest.raises(httpx.ConnectError):
                httpx.get(f"{base_url}/api", headers=headers)

        def test_usable_outside_tests_too(octopus_factory):
            assert octopus_factory.settings.scenario == "default"
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_octopus_client_and_clock(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_client_is_bound_with_a_valid_key(octopus, octopus_client):
            assert octopus_client.headers["X-Octopus-ApiKey"] == octopus.api_key
            assert str(octopus_client.base_url).rstrip("/") == octopus.base_url
            assert octopus_client.get("/api/users/me").status_code == 200

        def test_clock_moves_only_when_slept_on(octopus, octopus_client, octopus_clock):
            assert octopus_clock is octopus.clock
            task = octopus_client.post("/api/tasks", json={"Name": "Retention"}).json()
            assert task["State"] == "Executing"
            octopus_clock.sleep(3600)
            task = octopus_client.get(f"/api/tasks/{task['Id']}").json()
            assert (task["State"], octopus_clock.now()) == ("Success", 3600)
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_octopus_async_client_under_anyio(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        clients = []

        @pytest.mark.anyio
        async def test_async_client(octopus, octopus_async_client, octopus_clock):
            clients.append(octopus_async_client)
            assert octopus_async_client.headers["X-Octopus-ApiKey"] == octopus.api_key
            created = await octopus_async_client.post("/api/tasks", json={"Name": "Backup"})
            assert created.status_code == 201
            octopus_clock.sleep(60)  # virtual time: no await needed, nothing really waits
            task = (await octopus_async_client.get(f"/api/tasks/{created.json()['Id']}")).json()
            assert task["State"] == "Success"

        def test_it_was_closed_at_teardown():
            assert clients and clients[0].is_closed
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_octopus_time_runs_the_time_module_on_the_virtual_clock(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import time

        def test_sleep_is_virtual(octopus_time, octopus_clock):
            started, wall = time.monotonic(), time.time()
            time.sleep(4 * 3600)
            assert time.monotonic() - started == 4 * 3600
            assert time.time() - wall == 4 * 3600
            assert octopus_clock.now() == 4 * 3600
            assert octopus_time.clock is octopus_clock

        def test_and_real_again_afterwards():
            assert time.time() > 1.7e9  # the virtual epoch is 2024-01-15; now is later
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_octopus_server_serves_over_real_http_on_loopback(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx
        import pytest

        @pytest.mark.octopus(scenario="linux", rate=1000)
        def test_live(octopus_server):
            assert octopus_server.url.startswith("http://127.0.0.1:")
            assert octopus_server.app.rate == 1000
            headers = {"X-Octopus-ApiKey": octopus_server.sim.api_key}
            machines = httpx.get(f"{octopus_server.url}/api/machines", headers=headers).json()
            assert [m["Name"] for m in machines["Items"]] == ["app-01"]
            assert httpx.get(f"{octopus_server.url}/api/machines").status_code == 401
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_octopus_and_octopus_server_together_are_one_simulation(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import httpx

        def test_both(octopus, octopus_server):
            assert octopus_server.sim is octopus  # two doors, one simulation, one clock
            mounted = httpx.get(octopus.base_url + "/api/Spaces-1/machines",
                                headers={"X-Octopus-ApiKey": octopus.api_key})
            live = httpx.get(octopus_server.url + "/api/Spaces-1/machines",
                             headers={"X-Octopus-ApiKey": octopus_server.sim.api_key})
            assert (mounted.status_code, live.status_code) == (200, 200)
            # one request in-process, one over the socket, both in the one journal
            assert len(octopus.journal) == 2
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)
