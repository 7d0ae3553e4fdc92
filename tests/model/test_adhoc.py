"""AdHocScript tasks: arguments and targets, each effect behaviour (detached restart,
synchronous self-restart, witness probes, the fallback), wildcard rules, unreachable
Tentacles, and the registries users extend."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from octosim.clock import VirtualClock
from octosim.journal import Journal, Kind
from octosim.model import TaskEngine, TaskState
from octosim.model.adhoc import AdHocScriptExecutor
from octosim.model.agents import INITIAL_PROCESS_START, ServiceTiming, TentacleAgent
from octosim.model.executors import ArgumentError
from octosim.model.install import install_tentacles
from octosim.model.randomness import Streams
from octosim.model.scripting import ScriptContext
from octosim.model.scripts import (
    SEED_SCRIPT_BODY,
    DetachedRestart,
    ScriptEffect,
    ScriptSyntax,
    SelfRestart,
    ServiceTarget,
    WitnessProbe,
)
from octosim.model.states import HealthStatus, ServiceState
from octosim.model.tasks import LogCategory, Task
from octosim.model.world import Machine
from octosim.simulation import Simulation
from tests.worlds import default_world

FAST = ServiceTiming(stop_seconds=(2, 2), start_seconds=(5, 5), startup_delay=(1, 1),
                     script_seconds=(1, 1))
SEED_ARGS = {"MachineIds": ["Machines-1"], "TargetType": "Machines", "Syntax": "Powershell",
             "ScriptBody": SEED_SCRIPT_BODY}


def make(
    instances: tuple[str, ...] = ("Tentacle",), *, os_family: str = "Windows",
    timing: ServiceTiming = FAST, seed: int = 0,
) -> tuple[TaskEngine, Machine, TentacleAgent]:
    streams = Streams(seed)
    world = default_world(streams.stream("world"))
    machine = world.machines["Machines-1"]
    machine.os_family = os_family
    agent = TentacleAgent(machine, instances, timing=timing)
    engine = TaskEngine(VirtualClock(), Journal(), world, streams)
    install_tentacles(engine)
    return engine, machine, agent


def executor(engine: TaskEngine) -> AdHocScriptExecutor:
    ex = engine.executors["AdHocScript"]
    assert isinstance(ex, AdHocScriptExecutor)
    return ex


def script(engine: TaskEngine, body: str, **arguments: object) -> Task:
    args: dict[str, object] = {"MachineIds": ["Machines-1"], "ScriptBody": body}
    args.update(arguments)
    return engine.create("Spaces-1", "AdHocScript", args)


def with_effects(engine: TaskEngine, *effects: ScriptEffect) -> None:
    """Make the body "EFFECTS" read as ``effects`` (ahead of every other handler)."""
    executor(engine).interpreter.register(
        lambda body, syntax: effects if body == "EFFECTS" else None, first=True
    )


def log(task: Task, category: LogCategory | None = None) -> list[str]:
    return [e.message for node in task.log.walk() for e in node.log
            if category is None or e.category is category]


def target_log(task: Task, category: LogCategory | None = None) -> list[str]:
    (element,) = task.log.children
    return [e.message for e in element.log if category is None or e.category is category]


WEB = ServiceTarget("windows-service", "OctopusDeploy Tentacle: Web")
ANY = ServiceTarget("windows-service", "OctopusDeploy Tentacle*")


# -- the seed script --------------------------------------------------------------------------
def test_the_seed_script_restarts_nothing_on_a_default_instance() -> None:
    engine, machine, agent = make()
    task = engine.create("Spaces-1", "AdHocScript", SEED_ARGS)
    engine.clock.run_until_idle()
    assert task.state is TaskState.Success and task.completed_time == 1.0
    assert agent.witness == INITIAL_PROCESS_START and agent.instance.starts == 0
    assert not engine.journal.entries(kind=Kind.Service)
    note = target_log(task, LogCategory.Verbose)
    assert any(
        "no service on web-01 matches 'OctopusDeploy Tentacle:*'" in line for line in note
    )
    assert not task.has_warnings_or_errors  # Get-Service with a wildcard prints nothing
    assert [c.name for c in task.log.children] == ["Running script on web-01"]
    assert task.description == "Script run from management console"
    assert machine.health_status is HealthStatus.Unknown  # a task's contact is no health check


def test_the_seed_script_restarts_a_named_instance_after_its_delay() -> None:
    engine, _, agent = make(("Web",))
    task = engine.create("Spaces-1", "AdHocScript", SEED_ARGS)
    engine.clock.sleep(1)
    assert task.state is TaskState.Success and agent.is_up  # the task ends first
    engine.clock.sleep(3)  # 3 s Start-Sleep + 1 s process start-up after the script began
    assert agent.instance.state is ServiceState.StopPending
    engine.clock.run_until_idle()
    assert agent.is_up and agent.witness == 6.0  # stopped at 6, Running at 11
    scripts = [e.text for e in engine.journal.entries(kind=Kind.Script)]
    assert scripts == [
        f"{task.id} script read as: DetachedRestart",
        f"{task.id} on web-01: detached restart of 'OctopusDeploy Tentacle: Web' in 4.0s",
    ]


# -- detached restarts --------------------------------------------------------------------------
def test_a_detached_restart_without_delay_kills_its_own_script() -> None:
    timing = ServiceTiming((2, 2), (5, 5), startup_delay=(0, 0), script_seconds=(3, 3))
    engine, _, agent = make(("Web",), timing=timing)
    with_effects(engine, DetachedRestart((WEB,), 1.0, "x"))
    task = script(engine, "EFFECTS")
    engine.clock.run_until_idle()
    assert task.state is TaskState.Failed
    assert task.error_message == "The remote script failed with exit code -46"
    assert agent.is_up and agent.instance.starts == 1


def test_a_detached_restart_outlives_its_canceled_task() -> None:
    timing = ServiceTiming((2, 2), (5, 5), startup_delay=(0, 0), script_seconds=(30, 30))
    engine, _, agent = make(("Web", "Other"), timing=timing)
    other = agent.services["OctopusDeploy Tentacle: Other"]
    with_effects(engine, DetachedRestart((ServiceTarget("windows-service", other.name),), 5, "x"))
    task = script(engine, "EFFECTS")
    engine.clock.sleep(1)
    engine.cancel(task)
    engine.clock.run_until_idle()
    assert task.state is TaskState.Canceled and other.starts == 1


# -- synchronous self-restart ---------------------------------------------------------------------
@pytest.mark.parametrize(("os_family", "code"), [("Windows", -46), ("Linux", 1)])
def test_a_self_restart_kills_the_script_and_restarts_anyway(os_family: str, code: int) -> None:
    engine, machine, agent = make(os_family=os_family)
    with_effects(engine, SelfRestart((ServiceTarget("tentacle-instance", "*"),), "x"),
                 WitnessProbe("powershell", "never runs"))
    task = script(engine, "EFFECTS", Syntax="Bash" if os_family == "Linux" else "PowerShell")
    assert task.state is TaskState.Failed and task.completed_time == 0.0
    assert task.error_message == f"The remote script failed with exit code {code}"
    assert f"The remote script failed with exit code {code}" in target_log(task, LogCategory.Error)
    assert target_log(task, LogCategory.Info) == []  # killed before the probe
    engine.clock.run_until_idle()
    assert agent.is_up and agent.witness == 2.0
    assert machine.health_status is HealthStatus.Unknown


def test_a_self_restart_of_another_instance_leaves_the_script_alone() -> None:
    engine, _, agent = make(("Web", "Other"))
    with_effects(engine, SelfRestart((ServiceTarget("windows-service", "*: Other"),), "x"))
    task = script(engine, "EFFECTS")
    engine.clock.run_until_idle()
    assert task.state is TaskState.Success
    assert agent.services["OctopusDeploy Tentacle: Other"].starts == 1
    assert agent.instance.starts == 0


# -- witness probes -----------------------------------------------------------------------------
def test_a_powershell_probe_prints_each_process_start_time_exactly() -> None:
    engine, _, _agent = make(("Web", "Tentacle"))
    with_effects(engine, WitnessProbe("powershell", "x"))
    task = script(engine, "EFFECTS")
    engine.clock.run_until_idle()
    assert task.state is TaskState.Success
    assert target_log(task, LogCategory.Info) == [
        "2024-01-14T09:00:17.9360000+00:00",  # OctopusDeploy Tentacle
        "2024-01-14T09:00:17.2050000+00:00",  # OctopusDeploy Tentacle: Web
    ]


def test_a_bash_probe_prints_ps_lstart_and_sees_a_restart() -> None:
    engine, _, agent = make(os_family="Linux")
    agent.restart([agent.instance])
    engine.clock.sleep(10)
    with_effects(engine, WitnessProbe("bash", "x"))
    task = script(engine, "EFFECTS", Syntax="Bash")
    engine.clock.run_until_idle()
    assert target_log(task, LogCategory.Info) == ["Mon Jan 15 09:00:02 2024"]


# -- anything else ------------------------------------------------------------------------------
def test_an_unrecognised_script_runs_briefly_succeeds_and_logs_itself() -> None:
    engine, _, agent = make()
    task = script(engine, "Write-Host 'hello'\nGet-ChildItem", Syntax="PowerShell")
    engine.clock.run_until_idle()
    assert task.state is TaskState.Success and task.completed_time == 1.0
    assert "Write-Host 'hello'\nGet-ChildItem" in target_log(task, LogCategory.Verbose)
    assert agent.instance.starts == 0
    assert f"{task.id} script read as: plain script" in [
        e.text for e in engine.journal.entries(kind=Kind.Script)
    ]


# -- names that match nothing, and wildcard rules -------------------------------------------------
def test_a_literal_name_that_matches_nothing_writes_an_error_but_does_not_fail() -> None:
    engine, _, agent = make()
    with_effects(engine, SelfRestart((ServiceTarget("windows-service", "Tentacle"),), "x"))
    task = script(engine, "EFFECTS")
    engine.clock.run_until_idle()
    assert task.state is TaskState.Success and agent.instance.starts == 0
    assert target_log(task, LogCategory.Error) == [
        "Get-Service : Cannot find any service with service name 'Tentacle'."
    ]


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (ServiceTarget("systemd-unit", "tentacle"),
         "Failed to restart tentacle.service: Unit tentacle.service not found."),
        (ServiceTarget("tentacle-instance", "Web"),
         "Instance Web of tentacle has not been configured on this machine."),
        (ServiceTarget("windows-service", "OctopusDeploy [Tentacle"),
         "Get-Service : The specified wildcard character pattern is not valid: "
         "OctopusDeploy [Tentacle"),
    ],
)
def test_other_names_that_match_nothing_say_what_the_command_would(
    target: ServiceTarget, message: str
) -> None:
    linux = target.kind == "systemd-unit"
    engine, _, _ = make(os_family="Linux" if linux else "Windows")
    with_effects(engine, SelfRestart((target,), "x"))
    task = script(engine, "EFFECTS", Syntax="Bash" if linux else "PowerShell")
    engine.clock.run_until_idle()
    assert task.state is TaskState.Success
    assert target_log(task, LogCategory.Error) == [message]


INSTANCES = ("Tentacle", "Web", "web2", "Api")


@pytest.mark.parametrize(
    ("pattern", "matched"),
    [
        ("OctopusDeploy Tentacle:*", ["Api", "Web", "web2"]),
        ("octopusdeploy tentacle*", ["Tentacle", "Api", "Web", "web2"]),
        ("OctopusDeploy Tentacle: Web", ["Web"]),
        ("OctopusDeploy Tentacle: WEB?", ["web2"]),
        ("OctopusDeploy Tentacle: [a-v]*", ["Api"]),
        ("OctopusDeploy Tentacle: [vw]eb", ["Web"]),
        ("*Tentacle", ["Tentacle"]),
        ("OctopusDeploy Tentacle: W", []),
    ],
)
def test_windows_service_patterns_follow_powershell_wildcards(
    pattern: str, matched: list[str]
) -> None:
    _, _, agent = make(INSTANCES)
    got = agent.matching(ServiceTarget("windows-service", pattern))
    assert sorted(s.instance for s in got) == sorted(matched)


@pytest.mark.parametrize(
    ("target", "matched"),
    [
        (ServiceTarget("systemd-unit", "Tentacle"), ["Tentacle"]),
        (ServiceTarget("systemd-unit", "Tentacle.service"), ["Tentacle"]),
        (ServiceTarget("systemd-unit", "tentacle"), []),  # systemd names are case-sensitive
        (ServiceTarget("systemd-unit", "*"), ["Tentacle", "My App"]),
        (ServiceTarget("systemd-unit", "My-App"), ["My App"]),
        (ServiceTarget("tentacle-instance", "my app"), ["My App"]),
        (ServiceTarget("tentacle-instance", "*"), ["Tentacle", "My App"]),
        (ServiceTarget("windows-service", "*"), []),  # no Windows services on Linux
    ],
)
def test_linux_units_and_instances_match_their_own_way(
    target: ServiceTarget, matched: list[str]
) -> None:
    _, _, agent = make(("Tentacle", "My App"), os_family="Linux")
    assert sorted(s.instance for s in agent.matching(target)) == sorted(matched)


def test_systemd_targets_match_nothing_on_windows() -> None:
    _, _, agent = make()
    assert agent.matching(ServiceTarget("systemd-unit", "*")) == []


# -- an unreachable Tentacle ---------------------------------------------------------------------
def test_a_script_fails_after_the_retries_when_its_tentacle_is_down() -> None:
    engine, machine, agent = make()
    agent.stop([agent.instance])
    engine.clock.sleep(2)
    task = script(engine, "Write-Host hi")
    engine.clock.run_until_idle()
    reason = ("Could not communicate with Tentacle after 144 seconds. "
              "No more retries will be attempted.")
    assert task.state is TaskState.Failed and task.error_message == reason
    lines = target_log(task)
    assert lines.count(
        "The remote host at https://web-01:10933/ refused the connection. This may mean that "
        "the expected listening service is not running."
    ) == 55
    assert lines[-1] == reason
    # A failed contact during a task marks the machine, as a health check would (§5).
    assert machine.health_status is HealthStatus.Unavailable and machine.last_checked == 146.0
    # ...and a later successful contact does not clear it: only a health check does.
    agent.start([agent.instance])
    engine.clock.run_until_idle()
    later = script(engine, "Write-Host hi")
    engine.clock.run_until_idle()
    assert later.state is TaskState.Success
    assert machine.health_status is HealthStatus.Unavailable


def test_a_script_runs_once_its_tentacle_comes_back_inside_the_window() -> None:
    engine, _, agent = make()
    agent.restart([agent.instance])  # back at 7
    task = script(engine, "Write-Host hi")
    engine.clock.run_until_idle()
    assert task.state is TaskState.Success and task.completed_time == 15.0  # 2nd round at 14


def test_only_the_unreachable_target_fails_a_multi_target_script() -> None:
    engine, _machine, _agent = make()
    other = engine.world.add_machine("Spaces-1", "web-02", ["Environments-1"],
                                     roles=["web-server"])
    TentacleAgent(other, timing=FAST).bind(engine)
    assert other.agent is not None
    other.agent.stop([other.agent.instance])
    task = script(engine, "Write-Host hi", MachineIds=["Machines-1", "Machines-2"])
    engine.clock.run_until_idle()
    assert task.state is TaskState.Failed
    assert task.error_message.startswith("Could not communicate with Tentacle after")
    statuses = {c.name: c.status.value for c in task.log.children}
    assert statuses == {
        "Running script on web-01": "Success", "Running script on web-02": "Failed",
    }


# -- arguments and targets -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ({"MachineIds": ["Machines-1"]}, "ScriptBody: a script to run is required"),
        ({"MachineIds": ["Machines-1"], "ScriptBody": "  "}, "ScriptBody: a script to run"),
        ({"MachineIds": ["Machines-1"], "ScriptBody": "x", "Syntax": "Cobol"},
         "Syntax: unknown script syntax 'Cobol'"),
        ({"MachineIds": ["Machines-1"], "ScriptBody": "x", "Syntax": 3},
         "Syntax: expected a syntax name"),
        ({"ScriptBody": "x", "TargetType": "Robots"}, "TargetType: 'Robots' is not one of"),
        ({"ScriptBody": "x", "TargetType": "Workers"}, "has no workers"),
        ({"ScriptBody": "x", "MachineIds": ["Machines-9"]}, "Machines-9"),
        ({"ScriptBody": "x", "EnvironmentIds": ["Environments-9"]}, "Environments-9"),
        ({"ScriptBody": "x"}, "No deployment targets match"),
        ({"ScriptBody": "x", "TargetRoles": ["db"]}, "No deployment targets match"),
    ],
)
def test_bad_arguments_are_refused_naming_the_field(
    arguments: dict[str, object], problem: str
) -> None:
    engine, _, _ = make()
    with pytest.raises(ArgumentError) as caught:
        engine.create("Spaces-1", "AdHocScript", arguments)
    assert any(p.startswith(problem) or problem in p for p in caught.value.problems), (
        caught.value.problems
    )


def test_the_seed_arguments_and_unknown_extras_are_accepted_and_echoed() -> None:
    engine, _, _ = make()
    task = engine.create("Spaces-1", "AdHocScript", {**SEED_ARGS, "Properties": {"a": 1}})
    assert task.arguments["Syntax"] == "Powershell" and task.arguments["Properties"] == {"a": 1}
    assert task.machine_ids == ("Machines-1",)


@pytest.mark.parametrize(
    ("arguments", "targets"),
    [
        ({"EnvironmentIds": ["Environments-1"]}, ["web-01", "db-01"]),
        ({"EnvironmentIds": "Environments-1", "TargetRoles": "db-server"}, ["db-01"]),
        ({"TargetRoles": ["WEB-SERVER"], "TargetType": "Environments"}, ["web-01", "web-02"]),
        ({"MachineIds": "Machines-3,Machines-1"}, ["db-01", "web-01"]),
    ],
)
def test_targets_by_environment_and_role(arguments: dict[str, object], targets: list[str]) -> None:
    engine, _, _ = make()
    world = engine.world
    for name, env, role in (("web-02", "Environments-2", "web-server"),
                            ("db-01", "Environments-1", "db-server"),
                            ("off-01", "Environments-1", "db-server")):
        m = world.add_machine("Spaces-1", name, [env], roles=[role], is_disabled=name == "off-01")
        TentacleAgent(m, timing=FAST).bind(engine)
    task = script(engine, "Write-Host hi", **{"MachineIds": None, **arguments})
    engine.clock.run_until_idle()
    assert task.state is TaskState.Success
    assert [c.name.removeprefix("Running script on ") for c in task.log.children] == targets


def test_a_script_can_run_on_the_octopus_server() -> None:
    engine, _, agent = make()
    task = engine.create("Spaces-1", "AdHocScript",
                         {"TargetType": "OctopusServer", "ScriptBody": SEED_SCRIPT_BODY})
    engine.clock.run_until_idle()
    assert task.state is TaskState.Success and agent.instance.starts == 0
    assert [c.name for c in task.log.children] == ["Running script on the Octopus Server"]


# -- registries users extend --------------------------------------------------------------------
@dataclass(frozen=True)
class Reboot:
    """A user's own effect: the whole machine reboots."""

    source: str


def test_users_register_their_own_handlers_and_behaviours() -> None:
    engine, _, agent = make(("Web",))
    ex = executor(engine)
    ex.interpreter.register(
        lambda body, syntax: (Reboot(body),) if body.startswith("Restart-Computer") else None,
        first=True,
    )
    seen: list[ScriptSyntax] = []

    def reboot(ctx: ScriptContext, effect: Reboot) -> None:
        seen.append(ctx.syntax)
        ctx.log("rebooting", LogCategory.Highlight)
        ctx.agent.restart(ctx.agent.services.values())

    ex.on(Reboot, reboot)
    task = script(engine, "Restart-Computer -Force")
    engine.clock.run_until_idle()
    assert seen == [ScriptSyntax.PowerShell]
    assert task.state is TaskState.Failed  # restarting its own Tentacle killed the script
    assert "rebooting" in log(task, LogCategory.Highlight) and agent.instance.starts == 1


def test_an_effect_without_a_behaviour_is_a_clear_error() -> None:
    engine, _, _ = make()
    executor(engine).interpreter.register(lambda body, syntax: (Reboot(body),), first=True)
    with pytest.raises(LookupError, match=r"no behaviour for Reboot: register one with"):
        script(engine, "anything")


def test_user_effect_type_with_its_own_handler_and_behaviour() -> None:
    """A user's own recogniser may return an effect type of its own (typed as object),
    and the executor runs the behaviour registered for that type."""
    @dataclass(frozen=True)
    class SetEnv:
        name: str
        value: str

    def recognise(body: str, syntax: ScriptSyntax) -> tuple[object, ...] | None:
        if body.startswith("setx "):
            _, name, value = body.split()
            return (SetEnv(name, value),)
        return None

    seen: list[SetEnv] = []

    def behaviour(ctx: ScriptContext, effect: SetEnv) -> None:
        seen.append(effect)
        ctx.log(f"{effect.name} set to {effect.value}")

    sim = Simulation(seed=1)
    executor = sim.engine.executors["AdHocScript"]
    assert isinstance(executor, AdHocScriptExecutor)
    executor.interpreter.register(recognise, first=True)
    executor.on(SetEnv, behaviour)
    task = sim.engine.create("Spaces-1", "AdHocScript", {
        "ScriptBody": "setx JAVA_HOME C:\\jdk", "MachineIds": ["Machines-1"]})
    sim.clock.sleep(60)
    assert task.state.value == "Success"
    assert seen == [SetEnv("JAVA_HOME", "C:\\jdk")]
    messages = [e.message for node in task.log.walk() for e in node.log]
    assert "JAVA_HOME set to C:\\jdk" in messages
