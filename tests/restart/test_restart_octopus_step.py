"""Running inside an Octopus Python step: variables, the seed's guard, run_in_step."""

from __future__ import annotations

import builtins
import sys
from typing import Any

import httpx
import pytest

from restart import ConfigurationError, Outcome
from restart.octopus import (
    STEP_VARIABLES,
    check_run_on_behalf,
    find_variable_getter,
    read_step_context,
    run_in_step,
)

VARIABLES = {
    "Octopus.Action.TargetRoles": "web",
    "Octopus.Action.RunOnServer": "True",
    "Octopus.Machine.Id": "Machines-1",
    "Octopus.Machine.Name": "web-01",
    "Octopus.Environment.Id": "Environments-2",
    "Octopus.Space.Id": "Spaces-1",
    "Octopus.Web.BaseUrl": "http://octopus.test",
}


def calamari_getter(values: dict[str, str]) -> Any:
    # Calamari's get_octopusvariable raises KeyError for an unknown variable.
    return values.__getitem__


def test_reads_the_seeds_variables() -> None:
    context = read_step_context(calamari_getter(VARIABLES))
    assert set(STEP_VARIABLES) == set(VARIABLES)
    assert context.target().machine_id == "Machines-1"
    assert context.target().environment_id == "Environments-2"
    seed = context.seed_variables()
    assert (seed.server_url, seed.space_id, seed.machine_name) == (
        "http://octopus.test", "Spaces-1", "web-01",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("roles", "on_server"),
    [("", "True"), ("web", "false"), ("web", "False"), (None, "True"), ("  ", None)],
)
def test_guard_refuses_steps_not_run_on_behalf_of(roles: str | None, on_server: str | None) -> None:
    with pytest.raises(ConfigurationError, match="The step can only 'run on behalf of'"):
        check_run_on_behalf(roles, on_server)


def test_guard_accepts_on_behalf_of() -> None:
    check_run_on_behalf("web", "True")
    check_run_on_behalf("web", None)  # as the seed: only an explicit "false" refuses


def test_missing_variables_name_themselves() -> None:
    values = {k: v for k, v in VARIABLES.items() if k != "Octopus.Machine.Id"}
    with pytest.raises(ConfigurationError, match=r"Octopus\.Machine\.Id"):
        read_step_context(calamari_getter(values))


def test_guard_applies_when_reading() -> None:
    with pytest.raises(ConfigurationError, match="run on behalf of"):
        read_step_context(calamari_getter({**VARIABLES, "Octopus.Action.RunOnServer": "false"}))


def test_getter_is_found_in_main_then_builtins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(sys.modules["__main__"], "get_octopusvariable", raising=False)
    with pytest.raises(ConfigurationError, match="not running in an Octopus Python"):
        find_variable_getter()

    def from_builtins(name: str) -> str:
        return "b"

    def from_main(name: str) -> str:
        return "m"

    monkeypatch.setattr(builtins, "get_octopusvariable", from_builtins, raising=False)
    assert find_variable_getter() is from_builtins
    monkeypatch.setattr(sys.modules["__main__"], "get_octopusvariable", from_main, raising=False)
    assert find_variable_getter() is from_main


def test_run_in_step(
    octopus: Any, clock: Any, kit: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    report = run_in_step(
        kit.API_KEY,
        getter=calamari_getter(VARIABLES),
        clock=clock.now,
        sleep=clock.sleep,
        transport=httpx.MockTransport(kit.http_handler(octopus)),
    )
    assert report.outcome is Outcome.RESTARTED
    out = capsys.readouterr().out
    assert "##octopus[stdout-highlight]\nRestart Tentacle Task: ServerTasks-2" in out
    assert "Tentacle is communicating again." in out


def test_run_in_step_fails_the_step_when_not_restarted(octopus: Any, clock: Any, kit: Any) -> None:
    octopus.restart_works = False
    with pytest.raises(RuntimeError, match="not_restarted"):
        run_in_step(
            kit.API_KEY,
            getter=calamari_getter(VARIABLES),
            clock=clock.now,
            sleep=clock.sleep,
            transport=httpx.MockTransport(kit.http_handler(octopus)),
        )
