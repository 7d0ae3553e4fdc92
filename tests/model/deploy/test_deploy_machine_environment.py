"""The Tentacle's process environment: store, start-time snapshot, restarts per OS (§4)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from octosim.model.deploy_choices import DeploymentChoices
from octosim.model.machine_environment import (
    EnvironmentBlock,
    MachineEnvironment,
    MachineEnvironments,
    tentacle_process_variables,
)
from octosim.model.system_variables import tentacle_agent_variables


def test_a_machine_level_change_reaches_the_store_not_the_snapshot() -> None:
    env = MachineEnvironment("Windows")
    env.set_machine_variable("JAVA_HOME", r"C:\Java\jdk-21")
    assert env.machine_value("java_home") == r"C:\Java\jdk-21"
    assert "JAVA_HOME" not in env.snapshot
    script = env.script_environment(tentacle_process_variables("Windows"))
    assert "JAVA_HOME" not in script


def test_a_windows_service_restart_takes_a_new_snapshot() -> None:
    env = MachineEnvironment("Windows")
    env.set_machine_variable("JAVA_HOME", r"C:\Java\jdk-21")
    env.service_started(120.0)
    assert env.snapshot["java_home"] == r"C:\Java\jdk-21"
    assert (env.started_at, env.restarts) == (120.0, 1)
    assert env.snapshot["SystemRoot"] == r"C:\Windows"


def test_when_windows_needs_a_reboot_only_a_reboot_takes_the_change() -> None:
    env = MachineEnvironment(
        "Windows", choices=DeploymentChoices(windows_restart_reads_machine_environment=False))
    env.set_machine_variable("JAVA_HOME", "x")
    env.service_started(10.0)
    assert "JAVA_HOME" not in env.snapshot
    env.rebooted(20.0)
    assert env.snapshot["JAVA_HOME"] == "x"


def test_a_linux_restart_does_not_read_etc_environment_by_default() -> None:
    env = MachineEnvironment("Linux", unit_environment={"DOTNET_ROOT": "/opt/dotnet"})
    env.set_machine_variable("JAVA_HOME", "/usr/lib/jvm/java-21")
    env.service_started(5.0)
    assert "JAVA_HOME" not in env.snapshot
    assert env.snapshot["DOTNET_ROOT"] == "/opt/dotnet"
    assert env.snapshot["PATH"] == "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def test_a_linux_unit_given_etc_environment_reads_it_on_restart() -> None:
    env = MachineEnvironment(
        "Linux", choices=DeploymentChoices(linux_unit_reads_etc_environment=True))
    env.set_machine_variable("JAVA_HOME", "/usr/lib/jvm/java-21")
    assert "JAVA_HOME" not in env.snapshot
    env.service_started(5.0)
    assert env.snapshot["JAVA_HOME"] == "/usr/lib/jvm/java-21"
    assert "java_home" not in env.snapshot  # Linux names are case-sensitive


@pytest.mark.parametrize("os_family", ["Windows", "Linux"])
def test_a_change_after_a_start_misses_the_snapshot_even_before_it_is_first_read(
    os_family: str,
) -> None:
    # The snapshot block is built when first read; it must hold what the start read.
    env = MachineEnvironment(
        os_family, {"KEPT": "old"}, unit_environment={"UNIT": "old"},
        choices=DeploymentChoices(linux_unit_reads_etc_environment=True))
    env.service_started(5.0)
    env.set_machine_variable("KEPT", "new")
    env.set_machine_variable("ADDED", "new")
    env.unit_environment["UNIT"] = "new"
    assert env.snapshot["KEPT"] == "old" and "ADDED" not in env.snapshot
    assert env.snapshot.get("UNIT") == ("old" if os_family == "Linux" else None)


def test_a_script_sees_snapshot_then_tentacle_variables_then_the_step_s_additions() -> None:
    env = MachineEnvironment("Windows", {"Path": r"C:\Windows", "TentacleHome": "stale"})
    tentacle = tentacle_process_variables("Windows", "Tentacle")
    script = env.script_environment(tentacle, {"PATH": r"C:\step", "Extra": "1"})
    assert script["path"] == r"C:\step"
    assert list(script).count("Path") == 1 and "PATH" not in list(script)
    assert script["TentacleHome"] == r"C:\Octopus"
    assert script["TentacleInstanceName"] == "Tentacle" and script["Extra"] == "1"


def test_tentacle_process_variables_have_every_confirmed_name() -> None:
    names = {"TentacleHome", "TentacleApplications", "TentacleJournal",
             "CalamariPackageRetentionJournalPath", "TentacleInstanceName", "TentacleVersion",
             "TentacleNetFrameworkDescription", "TentacleExecutablePath",
             "TentacleProgramDirectoryPath", "AgentProgramDirectoryPath"}
    for os_family in ("Windows", "Linux"):
        assert set(tentacle_process_variables(os_family, "Blue")) == names
    assert tentacle_process_variables("Windows", "Blue")["TentacleHome"] == r"C:\Octopus\Blue"
    assert tentacle_process_variables("Linux")["TentacleApplications"] == (
        "/home/Octopus/Applications")


def test_the_agent_s_octopus_variables_agree_with_its_process_variables() -> None:
    seen = tentacle_agent_variables("Windows", "Blue")
    assert seen["Octopus.Tentacle.Agent.InstanceName"] == "Blue"
    assert seen["Octopus.Tentacle.Agent.ApplicationDirectoryPath"] == (
        r"C:\Octopus\Blue\Applications")
    assert seen["Octopus.Agent.ProgramDirectoryPath"] == (
        r"C:\Program Files\Octopus Deploy\Tentacle")


def test_an_environment_block_names_its_os() -> None:
    with pytest.raises(ValueError, match="'Windows' or 'Linux', not 'Mac'"):
        EnvironmentBlock("Mac")


_names = st.sampled_from(["JAVA_HOME", "java_home", "PATH", "Path", "X"])
_ops = st.lists(st.tuples(st.sampled_from(["set", "unset", "restart"]), _names,
                          st.text(max_size=4)), max_size=12)


@given(os_family=st.sampled_from(["Windows", "Linux"]), ops=_ops)
def test_only_a_restart_changes_what_scripts_see(os_family: str, ops: list[tuple[str, str, str]]
                                                 ) -> None:
    env = MachineEnvironment(os_family)
    for op, name, value in ops:
        before = dict(env.snapshot.items())
        if op == "set":
            env.set_machine_variable(name, value)
        elif op == "unset":
            env.set_machine_variable(name, None)
        else:
            env.service_started(1.0)
            if os_family == "Windows":
                assert all(env.snapshot[k] == v for k, v in env.store.items())
            continue
        assert dict(env.snapshot.items()) == before


def test_each_machine_has_one_environment_made_on_first_use() -> None:
    environments = MachineEnvironments()
    web = environments.of("Machines-1", "Windows")
    assert environments.of("Machines-1", "Windows") is web and "Machines-1" in environments
    assert environments.of("Workers-1", "Linux").os_family == "Linux"
    assert "Machines-2" not in environments
    with pytest.raises(ValueError, match="has a Windows environment; it cannot be Linux"):
        environments.of("Machines-1", "Linux")


def test_a_windows_service_sees_the_system_s_folders_and_path_as_windows_writes_them() -> None:
    snapshot = MachineEnvironment("Windows").snapshot
    assert snapshot["ProgramFiles(x86)"] == r"C:\Program Files (x86)"
    assert snapshot["PATH"].endswith(r"\WindowsPowerShell\v1.0" + "\\")
    assert not snapshot["PATH"].endswith("\\\\")
