"""Testing restart_helper.py offline, with the documented fixtures only.

``octopus`` serves a simulated Octopus to every HTTP client in the test, ``requests``
included, at ``octopus.base_url``; ``octopus_time`` puts ``time.sleep`` / ``time.monotonic``
(the helper's and urllib3's retry backoff) on the simulation's virtual clock.
"""

from __future__ import annotations

import pytest
import restart_helper

from octosim.faults import FaultKind, FaultRule
from octosim.simulation import Simulation
from octosim.testing import assert_no_task_left


@pytest.fixture
def env(octopus_time: Simulation, monkeypatch: pytest.MonkeyPatch) -> Simulation:
    monkeypatch.setenv("OCTOPUS_URL", octopus_time.base_url)
    monkeypatch.setenv("OCTOPUS_API_KEY", octopus_time.api_key)
    return octopus_time


@pytest.mark.octopus(scenario="named-instance")
def test_it_restarts_the_tentacle_and_leaves_no_task_behind(env: Simulation) -> None:
    agent = env.world.machines["Machines-1"].agent
    assert agent is not None
    before = agent.witness

    assert restart_helper.main(["Machines-1"]) == 0

    assert agent.witness != before  # the Tentacle's process really restarted
    assert_no_task_left(env, created_by="requests")
    assert [r.status for r in env.requests.of(method="POST")] == [201, 201]
    assert 30 < env.clock.now() < 120


@pytest.mark.octopus(scenario="named-instance")
def test_503s_while_polling_are_retried_with_backoff(env: Simulation) -> None:
    env.faults.add(FaultRule(FaultKind.Status, status=503, method="GET", window=(4, 8)))
    assert restart_helper.main(["Machines-1"]) == 0
    assert env.requests.of(method="GET", status=503)  # they happened, and were retried


@pytest.mark.octopus(scenario="never-returns")
def test_a_tentacle_that_never_returns_fails_after_the_health_window(env: Simulation) -> None:
    assert restart_helper.main(["Machines-1"]) == 1
    assert env.clock.now() >= restart_helper.SETTLE_SECONDS + restart_helper.HEALTH_WINDOW
    assert_no_task_left(env)


def test_a_refused_connection_is_reported(env: Simulation,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    env.faults.add(FaultRule(FaultKind.ConnectError, method="POST"))
    assert restart_helper.main(["Machines-1"]) == 3
    assert "ConnectionError" in capsys.readouterr().out
    assert env.engine.tasks == {}  # never reached the server


def test_a_lost_answer_costs_the_read_timeout_and_may_have_queued_the_task(
    env: Simulation, capsys: pytest.CaptureFixture[str],
) -> None:
    env.faults.add(FaultRule(FaultKind.ReadTimeout, method="POST"))
    assert restart_helper.main(["Machines-1"]) == 3
    assert "ReadTimeout" in capsys.readouterr().out
    assert env.clock.now() == restart_helper.TIMEOUT[1]
    assert list(env.engine.tasks) == ["ServerTasks-1"]  # queued all the same


def test_a_wrong_key_is_refused(env: Simulation, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("OCTOPUS_API_KEY", "API-WRONG0000000000000000000")
    assert restart_helper.main(["Machines-1"]) == 3
    assert "401" in capsys.readouterr().out
