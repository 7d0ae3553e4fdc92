"""Testing restart_my_tentacle.py offline: no Octopus server, no Tentacle, no waiting.

``octopus`` mounts a simulated server at its base URL for every httpx client, so the script's
own ``httpx.Client(base_url=OCTOPUS_URL)`` talks to it; ``octopus_time`` puts the script's
``time.sleep`` / ``time.monotonic`` on the simulation's virtual clock, so its 30-second
wait and 5-second polls take no real time and the simulated Tentacle restarts meanwhile.
"""

from __future__ import annotations

import os
from unittest import mock

import pytest
import restart_my_tentacle
from hypothesis import given, settings

from octosim.plugin import SimulationFactory
from octosim.simulation import Simulation
from octosim.strategies import seeds
from octosim.timepatch import virtual_time


@pytest.fixture
def octopus_env(octopus: Simulation, monkeypatch: pytest.MonkeyPatch) -> Simulation:
    """Point the script's environment variables at the simulated server."""
    monkeypatch.setenv("OCTOPUS_URL", octopus.base_url)
    monkeypatch.setenv("OCTOPUS_API_KEY", octopus.api_key or "")
    return octopus


@pytest.mark.octopus(scenario="named-instance")
def test_it_restarts_a_named_instance(
    octopus_env: Simulation, octopus_time: Simulation, capsys: pytest.CaptureFixture[str]
) -> None:
    agent = octopus_env.world.machines["Machines-1"].agent
    assert agent is not None
    before = agent.witness

    assert restart_my_tentacle.main(["Machines-1"]) == 0

    assert capsys.readouterr().out.splitlines()[-1] == "Tentacle is communicating again."
    # The witness (the Tentacle process's start time) changed: it really restarted.
    assert agent.witness != before and agent.instance.starts == 1
    # About a minute of virtual time: task polls, the 30 s wait, one health check.
    assert 35 < octopus_time.clock.now() < 90


@pytest.mark.octopus(scenario="default")
def test_against_the_default_instance_it_says_success_but_nothing_restarted(
    octopus_env: Simulation, octopus_time: Simulation, capsys: pytest.CaptureFixture[str]
) -> None:
    agent = octopus_env.world.machines["Machines-1"].agent
    assert agent is not None
    before = agent.witness

    # The script reports success...
    assert restart_my_tentacle.main(["Machines-1"]) == 0
    assert "Tentacle is communicating again." in capsys.readouterr().out
    # ...but 'OctopusDeploy Tentacle:*' matches no service of the default instance
    # ("OctopusDeploy Tentacle", no colon): the restart never happened.
    assert agent.witness == before and agent.instance.starts == 0
    assert "matches no service; nothing restarts" in octopus_time.timeline()


@pytest.mark.octopus(scenario="never-returns")
def test_when_the_tentacle_never_comes_back_it_gives_up_after_three_minutes(
    octopus_env: Simulation, octopus_time: Simulation, capsys: pytest.CaptureFixture[str]
) -> None:
    assert restart_my_tentacle.main(["Machines-1"]) == 1
    assert capsys.readouterr().out.splitlines()[-1] == (
        "Tentacle is not communicating again after restart.")
    # The 3-minute loop, plus the last health check it started just before giving up.
    assert octopus_time.clock.now() < 30 + 180 + 90


def test_without_its_environment_variables_it_says_how_to_run_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OCTOPUS_URL", raising=False)
    assert restart_my_tentacle.main(["Machines-1"]) == 2


@settings(max_examples=10)
@given(seed=seeds())
def test_for_any_seed_a_named_instance_restarts(
    octopus_factory: SimulationFactory, seed: int
) -> None:
    # One fresh simulation per example (the function-scoped fixtures would be shared), and
    # the environment patched per example too (monkeypatch is function-scoped as well).
    with octopus_factory(scenario="named-instance", seed=seed) as sim, virtual_time(sim.clock):
        env = {"OCTOPUS_URL": sim.base_url, "OCTOPUS_API_KEY": sim.api_key or ""}
        with mock.patch.dict(os.environ, env):
            assert restart_my_tentacle.main(["Machines-1"]) == 0
        agent = sim.world.machines["Machines-1"].agent
        assert agent is not None and agent.instance.starts == 1
