"""Scenario reading as a careless author meets it (issues 14 and 15): files that are not
UTF-8, ``[server.options]`` typed like every key, values that would make zero-time loops,
bounded counts, ``os`` in any case, one problem per line; the writer's TOML reads back; the
default world is the default scenario built."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import pytest

from octosim import cli as octosim_cli
from octosim.scenario import (
    MAX_AGENTS,
    MAX_BACKGROUND_TASKS,
    AgentSpec,
    Scenario,
    ScenarioError,
    build,
    presets,
)
from octosim.simulation import Simulation
from restart import commands as restart_cli


def problems(data: dict[str, object]) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_dict(data)
    return caught.value.problems


# -- issue 14 #4: not UTF-8 ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\x00\x01\x02\xff", "not UTF-8 text (byte 0xff at offset 3)"),
        (b"\xef\xbb\xbfname = 'x'\n", "UTF-8 byte order mark (BOM)"),
        ("name = 'x'\n".encode("utf-16"), "UTF-16 byte order mark"),
    ],
)
def test_a_file_that_is_not_utf8_is_a_scenario_error(
    tmp_path: Path, data: bytes, expected: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_bytes(data)
    with pytest.raises(ScenarioError, match=r"bad\.toml: the file ") as caught:
        Scenario.load(path)
    assert expected in str(caught.value)


@pytest.fixture
def not_utf8(tmp_path: Path) -> Path:
    path = tmp_path / "bad.toml"
    path.write_bytes(b"\x00\x01\x02\xff")
    return path


def test_simulate_and_validate_exit_2_on_a_file_that_is_not_utf8(
    not_utf8: Path,
) -> None:
    for argv in (["simulate", "--scenario", str(not_utf8)],
                 ["validate", "--workers", "1", "--scenario", str(not_utf8)]):
        out, err = io.StringIO(), io.StringIO()
        assert restart_cli.main(argv, stdout=out, stderr=err, env={}) == 2, argv
        assert "not UTF-8" in err.getvalue() and "Traceback" not in err.getvalue()


def test_serve_exits_2_on_a_file_that_is_not_utf8(
    not_utf8: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        octosim_cli.main(["serve", "--scenario", str(not_utf8), "--port", "0"])
    assert caught.value.code == 2
    assert "not UTF-8" in capsys.readouterr().err


# -- issue 14 #5: [server.options] -------------------------------------------------------------
@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"default_read_timeout": "30"}, "server.options.default_read_timeout: expected a "
                                         'number of seconds > 0, got "30"'),
        ({"default_read_timeout": float("nan")}, "server.options.default_read_timeout: "
                                                 "expected a number of seconds > 0, got NaN"),
        ({"default_read_timeout": float("inf")}, "server.options.default_read_timeout: "),
        ({"default_read_timeout": -1}, "server.options.default_read_timeout: "),
        ({"default_read_timeout": 0}, "server.options.default_read_timeout: "),
        ({"installation_id": [1, 2]},
         "server.options.installation_id: expected a string, got [1, 2]"),
        ({"strict_content_type": "false"},
         'server.options.strict_content_type: expected true or false, got "false"'),
        ({"anonymous_root": "no"},
         'server.options.anonymous_root: expected true or false, got "no"'),
        ({"version": "abc"}, 'server.options.version: expected dotted digits such as '
                             '"2021.2.7727", got "abc"'),
        ({"version": 5}, "server.options.version: expected a string, got 5"),
        ({"max_body_bytes": 0}, "server.options.max_body_bytes: expected a whole number >= 1"),
        ({"max_body_bytes": 1.5}, "server.options.max_body_bytes: expected a whole number"),
        ({"task_cap": 2}, "server.options: unknown key 'task_cap'"),
    ],
)
def test_server_options_are_type_checked(options: dict[str, object], expected: str) -> None:
    found = problems({"server": {"options": options}})
    assert any(p.startswith(expected) for p in found), found


def test_good_server_options_read_as_their_types_and_reach_the_simulation() -> None:
    scenario = Scenario.from_dict({"server": {"options": {
        "default_read_timeout": 12, "strict_content_type": True, "version": "2024.1.1",
        "wrong_key_status": 403}}})
    assert scenario.server.options == {"default_read_timeout": 12.0, "version": "2024.1.1",
                                       "strict_content_type": True, "wrong_key_status": 403}
    options = Simulation.from_scenario(scenario).options
    assert (options.default_read_timeout, options.strict_content_type) == (12.0, True)
    assert (options.version, options.wrong_key_status) == ("2024.1.1", 403)


# -- issue 14 #6: zero-time loops ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"server": {"background_load": {"count": 1, "duration": 0, "repeat_until": 10}}},
         "server.background_load.duration: a task that may take under 0.001 s"),
        ({"server": {"background_load": {"count": 1, "duration": [0, 5],
                                         "repeat_until": 10}}},
         "server.background_load.duration: a task that may take under 0.001 s"),
        ({"agents": [{"start_seconds": 0, "fail_to_start_rate": 1.0,
                      "watchdog_interval": 5}]},
         "agents[0].start_seconds: a start that takes 0 s and always fails"),
        ({"agents": [{"watchdog_interval": 1e-300}]},
         "agents[0].watchdog_interval: expected a number of seconds >= 0.001"),
        ({"machine_policy": {"retry_interval": 1e-9}},
         "machine_policy.retry_interval: expected a number of seconds >= 0.001"),
    ],
)
def test_values_that_loop_at_one_instant_are_refused(
    data: dict[str, object], expected: str
) -> None:
    found = problems(data)
    assert any(p.startswith(expected) for p in found), found


def test_the_same_values_without_the_loop_are_fine() -> None:
    # A zero duration that is never replaced, a zero start that sometimes works.
    Scenario.from_dict({"server": {"background_load": {"count": 1, "duration": 0}},
                        "agents": [{"start_seconds": 0, "fail_to_start_rate": 0.5,
                                    "watchdog_interval": 5}]})


# -- issue 14 #7: bounded counts ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"server": {"background_load": {"count": 100_000_000}}},
         "server.background_load.count: expected a whole number between 0 and 10000, "
         "got 100000000"),
        ({"server": {"task_cap": 10**9}}, "server.task_cap: expected a whole number between 1"),
        ({"agents": [{"name": f"m{i}"} for i in range(MAX_AGENTS + 1)]},
         "agents: expected 0 to 10000 [[agents]] tables, got 10001"),
        ({"agents": [{"instances": [f"i{i}" for i in range(33)]}]},
         "agents[0].instances: expected 1 to 32 strings, got 33"),
        ({"agents": [{"roles": ["r"] * 101}]}, "agents[0].roles: expected 0 to 100 strings"),
        ({"environments": [f"e{i}" for i in range(1001)]},
         "environments: expected 1 to 1000 strings, got 1001"),
        ({"faults": [{"kind": "latency"}] * 101},
         "faults: expected 0 to 100 [[faults]] tables, got 101"),
        ({"environments": ["Dev", "dev"]}, "environments: environment names must be unique"),
        ({"agents": [{"name": " "}]}, 'agents[0].name: expected a name that is not blank'),
        ({"faults": [{"kind": "latency", "method": ""}]},
         'faults[0].method: expected an HTTP method such as "GET" (omit it for none), '
         'got ""'),
    ],
)
def test_counts_are_bounded_and_names_not_blank(data: dict[str, object], expected: str) -> None:
    found = problems(data)
    assert any(p.startswith(expected) for p in found), found


def test_a_fleet_of_a_thousand_agents_builds() -> None:
    scenario = Scenario(agents=tuple(AgentSpec(name=f"web-{i:04d}") for i in range(1000)))
    assert Scenario.from_dict(scenario.to_dict()) == scenario
    built = build(scenario, seed=1)
    assert len(built.world.machines) == 1000
    load = Scenario.from_dict({"server": {"background_load": {"count": MAX_BACKGROUND_TASKS}}})
    assert load.server.background_load.count == MAX_BACKGROUND_TASKS


# -- issue 15: os in any case, one problem per line ---------------------------------------------
@pytest.mark.parametrize("spelling", ["windows", "WINDOWS", "Windows"])
def test_os_is_read_in_any_case_as_the_cli_does(spelling: str) -> None:
    agent = Scenario.from_dict({"agents": [{"os": spelling}]}).agents[0]
    assert agent.os == "Windows"
    style = Scenario.from_dict({"agents": [{"communication_style": "Polling"}]}).agents[0]
    assert style.communication_style == "polling"


def test_each_problem_is_on_its_own_line(tmp_path: Path) -> None:
    path = tmp_path / "two.toml"
    path.write_text('[[agents]]\nos = "macOS"\nstop_seconds = "fast"\n')
    with pytest.raises(ScenarioError) as caught:
        Scenario.load(path)
    lines = str(caught.value).splitlines()
    assert lines[0] == f"scenario {path}: 2 problems"
    assert sorted(lines[1:]) == [
        '  agents[0].os: expected one of "Windows", "Linux", got "macOS"',
        '  agents[0].stop_seconds: expected a number or [min, max], got "fast"',
    ]


# -- the rename, the writer, the default world --------------------------------------------------
def test_environment_name_is_written_environment_in_toml() -> None:
    scenario = Scenario(environments=("Production",),
                        agents=(AgentSpec(environment_name="Production"),))
    table = scenario.to_dict()["agents"][0]
    assert table["environment"] == "Production" and "environment_name" not in table
    assert problems({"agents": [{"environment_name": "Development"}]})[0].startswith(
        "agents[0]: unknown key 'environment_name'")


@pytest.mark.parametrize("name", presets())
def test_every_preset_written_as_toml_reads_back_the_same(name: str) -> None:
    scenario = Scenario.load(name)
    assert Scenario.from_toml(scenario.to_toml()) == scenario


def test_the_default_world_is_the_default_scenario_built() -> None:
    preset = Scenario.load("default")
    assert dataclasses.replace(Scenario(), name=preset.name,
                               description=preset.description) == preset
    plain = Simulation(seed=3)
    assert plain.world.machines["Machines-1"].agent is not None
    assert plain.world.machines["Machines-1"].agent.timing == AgentSpec().timing


def test_an_agent_without_an_environment_is_in_the_first_one() -> None:
    scenario = Scenario.from_dict({"environments": ["Production", "Test"],
                                   "agents": [{"name": "web-01"}]})
    assert scenario.agents[0].environment_name is None
    assert Scenario.from_toml(scenario.to_toml()) == scenario
    machine = build(scenario).world.machines["Machines-1"]
    assert machine.environment_ids == ["Environments-1"]


def test_a_scenario_built_in_python_with_an_unknown_environment_is_a_scenario_error() -> None:
    scenario = Scenario(agents=(AgentSpec(environment_name="Staging"),))
    with pytest.raises(ScenarioError, match=r"agents\[0\]\.environment: expected one of the "
                                            r"environments .*got 'Staging'"):
        Simulation.from_scenario(scenario)
