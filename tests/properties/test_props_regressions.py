"""The property violations this suite found in the restart client, each as the exact
reproduction Hypothesis shrank it to (both drivers), kept as regression tests. All three
were fixed in ``restart/`` (commit b3d5da2); docs/properties.md tells how each was found.
A failure message carries the case, its seed and the last 60 lines of its timeline.
"""

from __future__ import annotations

from typing import Any

import pytest

from octosim.scenario import AgentSpec, Scenario
from restart import AuthenticationError, PermissionDeniedError, RestartPolicy
from restart.report import Outcome

DRIVERS = pytest.mark.parametrize("driver", ["sync", "async"])


@DRIVERS
def test_safe_linux_machine_beside_the_default_instance(octopus_factory: Any, props: Any,
                                                         driver: str) -> None:
    # Found by test_safe: the machine is the "Web" instance (Web.service); the default
    # instance (Tentacle.service) runs beside it. With no instance the client restarted only
    # Tentacle.service, whose new start time satisfied the witness (every Tentacle process's
    # start time): outcome restarted, Web.service never restarted.
    agent = AgentSpec("web-01", os="Linux", instances=("Tentacle", "Web"), instance="Web")
    case = props.Case(scenario=Scenario("drawn", agents=(agent,)), seed=0,
                      policy=RestartPolicy())
    run = props.run_client(props.build(octopus_factory, case), case, driver)
    problem = props.safe_problem(run)
    assert problem is None, props.explain(run, problem)
    assert run.outcome is Outcome.RESTARTED, props.explain(run, "Live: not restarted")


@DRIVERS
def test_live_windows_default_instance_by_name(octopus_factory: Any, props: Any,
                                               driver: str) -> None:
    # Found by test_live: `Tentacle list-instances` calls the default instance "Tentacle";
    # passed as the instance it became Get-Service 'OctopusDeploy Tentacle: Tentacle',
    # which matches no service: nothing restarted, outcome not_restarted.
    case = props.Case(scenario=Scenario.load("default"), seed=0,
                      policy=RestartPolicy(instance="Tentacle"))
    run = props.run_client(props.build(octopus_factory, case), case, driver)
    assert run.outcome is Outcome.RESTARTED, props.explain(
        run, "the default instance, named as Tentacle names it, did not restart")
    problem = props.safe_problem(run)
    assert problem is None, props.explain(run, problem)


@DRIVERS
def test_honest_unknown_key_answered_403(octopus_factory: Any, props: Any,
                                         driver: str) -> None:
    # Found by test_honest: a server that answers an unknown key with 403 got
    # PermissionDeniedError advising "The API key is valid but its user lacks a
    # permission", right after Octopus's own "The API key you provided was not valid".
    case = props.Case(scenario=Scenario.load("default"), seed=0, policy=RestartPolicy())
    sim = props.build(octopus_factory, case, wrong_key_status=403)
    run = props.run_client(sim, case, driver, api_key="API-" + "0" * 27)
    error = run.error
    assert isinstance(error, AuthenticationError), props.explain(run, f"got {error!r}")
    assert not isinstance(error, PermissionDeniedError), props.explain(
        run, f"a key that does not exist is no missing permission: {error}")
    assert "valid but" not in str(error) and "OCTOPUS_API_KEY" in str(error), props.explain(
        run, f"the advice contradicts Octopus's answer: {error}")
