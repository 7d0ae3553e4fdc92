"""Scripts on a simulated Tentacle (AdHocScript tasks): they take their time, print to the
task log, see the snapshot their service started with, change the machine store, fail with
Octopus's messages, and PowerShell needs pwsh on Linux."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from octosim.clock import VirtualClock
from octosim.journal import Journal
from octosim.model import TaskEngine, TaskState
from octosim.model.agents import ServiceTiming, TentacleAgent
from octosim.model.install import install_tentacles
from octosim.model.machine_environment import MachineEnvironment
from octosim.model.randomness import Streams
from octosim.model.scripting import PWSH_MISSING_EXIT_CODE
from octosim.model.tasks import LogCategory, Task
from octosim.scenario import Scenario
from octosim.simulation import Simulation
from tests.worlds import default_world

FAST = ServiceTiming(stop_seconds=(2, 2), start_seconds=(5, 5), startup_delay=(1, 1),
                     script_seconds=(1, 1))
SET_MACHINE = "[Environment]::SetEnvironmentVariable('JAVA_HOME','C:\\jdk','Machine')"
NEEDS_JAVA = "if (-not $env:JAVA_HOME) { throw 'JAVA_HOME is not set' }\nWrite-Host $env:JAVA_HOME"


def make(os_family: str = "Windows", *, powershell_core: bool = False,
         environment: MachineEnvironment | None = None) -> tuple[TaskEngine, TentacleAgent]:
    streams = Streams(0)
    world = default_world(streams.stream("world"))
    machine = world.machines["Machines-1"]
    machine.os_family = os_family
    agent = TentacleAgent(machine, timing=FAST, powershell_core=powershell_core,
                          environment=environment)
    engine = TaskEngine(VirtualClock(), Journal(), world, streams)
    install_tentacles(engine)
    return engine, agent


def script(engine: TaskEngine, body: str, syntax: str = "PowerShell") -> Task:
    task = engine.create("Spaces-1", "AdHocScript",
                         {"MachineIds": ["Machines-1"], "ScriptBody": body, "Syntax": syntax})
    engine.clock.run_until_idle()
    return task


def output(task: Task, category: LogCategory = LogCategory.Info) -> list[str]:
    (element,) = task.log.children
    return [e.message for e in element.log if e.category is category]


def restart(engine: TaskEngine, agent: TentacleAgent) -> None:
    agent.restart([agent.instance])
    engine.clock.run_until_idle()


# -- time and output ----------------------------------------------------------------------------
@pytest.mark.parametrize(("os_family", "syntax", "body"), [
    ("Windows", "PowerShell", "Start-Sleep -Seconds 3600; Write-Host done"),
    ("Linux", "Bash", "sleep 3600; echo done"),
])
def test_a_long_sleep_makes_the_script_run_that_long_then_print(os_family: str, syntax: str,
                                                                body: str) -> None:
    # The regression: this used to complete at once and print nothing.
    engine, _ = make(os_family)
    task = script(engine, body, syntax)
    assert task.state is TaskState.Success
    assert task.completed_time == 3600 + 1  # the sleep, then script_seconds
    assert output(task) == ["done"]


def test_lines_reach_the_log_in_order_at_the_time_they_are_written() -> None:
    engine, _ = make()
    task = script(engine, "Write-Host one; Start-Sleep 10; Write-Output two; echo three")
    (element,) = task.log.children
    lines = [(e.message, e.occurred_at) for e in element.log if e.category is LogCategory.Info]
    assert lines == [("one", 0.0), ("two", 10.0), ("three", 10.0)]


@pytest.mark.parametrize(("os_family", "syntax", "code"), [
    ("Windows", "PowerShell", -46), ("Linux", "Bash", 1),
])
def test_a_tentacle_stop_during_a_sleep_kills_the_script(os_family: str, syntax: str,
                                                         code: int) -> None:
    engine, agent = make(os_family)
    body = "Start-Sleep 60; Write-Host after" if syntax == "PowerShell" else "sleep 60; echo after"
    task = engine.create("Spaces-1", "AdHocScript",
                         {"MachineIds": ["Machines-1"], "ScriptBody": body, "Syntax": syntax})
    engine.clock.sleep(30)
    agent.restart([agent.instance])
    engine.clock.run_until_idle()
    assert task.state is TaskState.Failed and task.completed_time == 30
    assert task.error_message == f"The remote script failed with exit code {code}"
    assert "after" not in output(task)


def test_a_killed_script_stays_dead_while_another_target_runs_on() -> None:
    sim = Simulation.from_scenario(Scenario.from_toml(
        'name = "x"\n[[agents]]\nname = "web-01"\n[[agents]]\nname = "web-02"\n'))
    task = sim.engine.create("Spaces-1", "AdHocScript", {
        "MachineIds": ["Machines-1", "Machines-2"], "Syntax": "PowerShell",
        "ScriptBody": "Write-Host before; Start-Sleep 60; Write-Host after"})
    sim.clock.sleep(30)
    agent = sim.world.machines["Machines-1"].agent
    assert agent is not None
    agent.restart([agent.instance])
    sim.clock.run_until_idle()
    killed, survivor = task.log.children
    assert [e.message for e in killed.log if e.category is LogCategory.Info] == ["before"]
    assert [e.message for e in survivor.log if e.category is LogCategory.Info] == [
        "before", "after"]
    assert task.state is TaskState.Failed


# -- failing ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("os_family", "syntax", "body", "error"), [
    ("Windows", "PowerShell", "exit 5", "The remote script failed with exit code 5"),
    ("Windows", "PowerShell", NEEDS_JAVA, "The remote script failed with exit code 1"),
    ("Windows", "PowerShell", 'Fail-Step "Install Java first"', "Install Java first"),
    ("Linux", "Bash", '[ -z "$JAVA_HOME" ] && exit 1', "The remote script failed with exit code 1"),
    ("Linux", "Bash", "set -e\nfalse\necho never", "The remote script failed with exit code 1"),
    ("Linux", "Bash", "fail_step 'Install Java first'", "Install Java first"),
])
def test_a_failing_script_fails_the_task_with_octopus_message(
    os_family: str, syntax: str, body: str, error: str
) -> None:
    engine, _ = make(os_family)
    task = script(engine, body, syntax)
    assert task.state is TaskState.Failed and task.error_message == error
    assert task.log.children[0].status.value == "Failed"


def test_a_powershell_script_on_linux_without_pwsh_fails_as_calamari_does() -> None:
    engine, _ = make("Linux")
    task = script(engine, "Write-Host hello")
    assert task.state is TaskState.Failed
    assert task.error_message == f"The remote script failed with exit code {PWSH_MISSING_EXIT_CODE}"
    errors = output(task, LogCategory.Error)
    assert errors[0].startswith("Error when attempting to execute pwsh: ")
    assert errors[0].endswith("No such file or directory") and output(task) == []


def test_a_powershell_script_on_linux_with_pwsh_runs() -> None:
    engine, _ = make("Linux", powershell_core=True)
    task = script(engine, "Write-Host $env:TentacleHome")
    assert task.state is TaskState.Success and output(task) == ["/etc/octopus/Tentacle"]


# -- the environment a script sees (§4) ---------------------------------------------------------
def test_scripts_see_the_snapshot_plus_tentacle_variables() -> None:
    engine, _ = make()
    task = script(engine, 'Write-Host "$env:TentacleInstanceName|$env:TentacleHome|$env:OS"')
    assert output(task) == ["Tentacle|C:\\Octopus|Windows_NT"]


@pytest.mark.parametrize("setter", [SET_MACHINE, "setx /M JAVA_HOME C:\\jdk"])
def test_windows_a_machine_level_set_is_seen_only_after_the_service_restarts(setter: str) -> None:
    engine, agent = make()
    assert script(engine, setter).state is TaskState.Success
    assert agent.environment.machine_value("JAVA_HOME") == "C:\\jdk"
    assert script(engine, NEEDS_JAVA).state is TaskState.Failed  # the snapshot is old
    restart(engine, agent)
    after = script(engine, NEEDS_JAVA)
    assert after.state is TaskState.Success and output(after) == ["C:\\jdk"]


def test_a_step_can_read_the_machine_value_itself() -> None:
    engine, agent = make()
    agent.environment.set_machine_variable("JAVA_HOME", "C:\\jdk")
    task = script(engine, "$env:JAVA_HOME = [System.Environment]::GetEnvironmentVariable("
                  "'JAVA_HOME','machine')\n" + NEEDS_JAVA)
    assert task.state is TaskState.Success and output(task) == ["C:\\jdk"]


@pytest.mark.parametrize(("unit_reads", "seen"), [(False, "[]"), (True, "[/usr/lib/jvm]")])
def test_linux_a_restart_sees_etc_environment_only_if_the_unit_reads_it(unit_reads: bool,
                                                                        seen: str) -> None:
    scenario = Scenario.from_toml(
        'name = "x"\n[[agents]]\nname = "app-01"\nos = "Linux"\n'
        f"unit_reads_etc_environment = {str(unit_reads).lower()}\n"
    )
    sim = Simulation.from_scenario(scenario)
    engine = sim.engine
    agent = sim.world.machines["Machines-1"].agent
    assert agent is not None
    script(engine, "echo 'JAVA_HOME=/usr/lib/jvm' | sudo tee -a /etc/environment", "Bash")
    assert output(script(engine, 'echo "[$JAVA_HOME]"', "Bash")) == ["[]"]
    restart(engine, agent)
    assert output(script(engine, 'echo "[$JAVA_HOME]"', "Bash")) == [seen]


def test_a_scenario_agent_starts_with_its_machine_environment_and_pwsh() -> None:
    scenario = Scenario.from_toml(
        'name = "x"\n[[agents]]\nname = "app-01"\nos = "Linux"\npowershell_core = true\n'
        '[agents.machine_environment]\nJAVA_HOME = "/usr/lib/jvm"\n'
    )
    sim = Simulation.from_scenario(scenario)
    task = script(sim.engine, "Write-Host ([Environment]::GetEnvironmentVariable('JAVA_HOME'))"
                  "; Write-Host $env:HOME")
    # Linux: /etc/environment is the store, not the unit's environment.
    assert task.state is TaskState.Success and output(task) == ["", "/root"]
    agent = sim.world.machines["Machines-1"].agent
    assert agent is not None and agent.environment.machine_value("JAVA_HOME") == "/usr/lib/jvm"


def test_a_windows_scenario_agent_sees_its_machine_environment_from_the_start() -> None:
    scenario = Scenario.from_toml(
        'name = "x"\n[[agents]]\nname = "web-01"\n'
        '[agents.machine_environment]\nJAVA_HOME = "C:\\\\jdk"\n'
    )
    sim = Simulation.from_scenario(scenario)
    assert output(script(sim.engine, NEEDS_JAVA)) == ["C:\\jdk"]


# -- a property -----------------------------------------------------------------------------------
NAMES = ("JAVA_HOME", "M2_HOME", "APP_MODE")
Op = tuple[str, str, str]
OPS = st.one_of(
    st.tuples(st.just("set"), st.sampled_from(NAMES), st.text("abcXYZ019", min_size=1,
                                                               max_size=5)),
    st.tuples(st.just("setx"), st.sampled_from(NAMES), st.text("abc019", min_size=1,
                                                                max_size=5)),
    st.tuples(st.just("read"), st.sampled_from(NAMES), st.just("")),
    st.tuples(st.just("restart"), st.just(""), st.just("")),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(OPS, max_size=12))
def test_windows_scripts_see_machine_sets_only_after_a_service_restart(ops: list[Op]) -> None:
    engine, agent = make()
    store: dict[str, str] = {}
    snapshot: dict[str, str] = {}
    for kind, name, value in ops:
        if kind == "set":
            script(engine, f"[Environment]::SetEnvironmentVariable('{name}','{value}','Machine')")
            store[name] = value
        elif kind == "setx":
            script(engine, f"setx /M {name} {value}")
            store[name] = value
        elif kind == "restart":
            restart(engine, agent)
            snapshot = dict(store)
        else:
            task = script(engine, f'Write-Host "[$env:{name}]"')
            assert output(task) == [f"[{snapshot.get(name, '')}]"]
