"""What a running script sees of the Tentacle services: ``Get-Service`` as a value,
``.Name``, ``-join``; ``systemctl cat``/``list-units``."""

from __future__ import annotations

import pytest

from octosim.model.scripts import ScriptSyntax
from restart.scripts import (
    MISSING_INSTANCE_EXIT_CODE,
    linux_restart_script,
    missing_instance,
    windows_restart_script,
)
from tests.model.test_scripts_running import Host, run

PS, SH = ScriptSyntax.PowerShell, ScriptSyntax.Bash


class ServiceHost(Host):
    def __init__(self, os_family: str, *services: str) -> None:
        super().__init__(os_family)
        self.services = sorted(services)

    def service_names(self) -> list[str]:
        return self.services


WINDOWS = ("OctopusDeploy Tentacle", "OctopusDeploy Tentacle: Web", "Spooler")


def test_get_service_name_join_lists_the_matching_services() -> None:
    host = ServiceHost("Windows", *WINDOWS)
    run("Write-Host ('found: ' + ((Get-Service -Name 'OctopusDeploy T*').Name -join '|'))",
        PS, host)
    assert host.lines() == ["found: OctopusDeploy Tentacle|OctopusDeploy Tentacle: Web"]


def test_get_service_of_a_missing_name_fails_unless_silenced() -> None:
    host = ServiceHost("Windows", *WINDOWS)
    _, result = run("$s = Get-Service -Name 'Nope' -ErrorAction SilentlyContinue\n"
                    "if (-not $s) { Write-Host none }", PS, host)
    assert host.lines() == ["none"] and not result.failed
    _, result = run("Get-Service 'Nope'\nWrite-Host after", PS, host)
    assert result.exit_code == 1 and "after" not in host.lines()
    assert host.lines("error") == ["Get-Service : Cannot find any service with service name "
                                   "'Nope'."]


def test_systemctl_cat_and_list_units() -> None:
    host = ServiceHost("Linux", "Tentacle.service", "Web.service")
    _, result = run("systemctl cat Web.service >/dev/null 2>&1 && echo yes\n"
                    "if ! systemctl cat web >/dev/null; then systemctl list-units; fi", SH, host)
    assert host.lines() == ["yes", "Tentacle.service", "Web.service"] and not result.failed


@pytest.mark.parametrize(("os_family", "syntax", "body", "existing", "said"), [
    ("Windows", PS, windows_restart_script(3, "Nope"), WINDOWS,
     "No Tentacle service 'OctopusDeploy Tentacle: Nope'. Tentacle services: "
     "OctopusDeploy Tentacle, OctopusDeploy Tentacle: Web"),
    ("Linux", SH, linux_restart_script(3, "Nope"), ("Tentacle.service", "Web.service"),
     "No Tentacle service Nope.service. Tentacle services: Tentacle.service, Web.service"),
])
def test_a_restart_script_for_a_missing_instance_exits_saying_what_there_is(
        os_family: str, syntax: ScriptSyntax, body: str, existing: tuple[str, ...],
        said: str) -> None:
    host = ServiceHost(os_family, *existing)
    _, result = run(body, syntax, host)
    assert result.exit_code == MISSING_INSTANCE_EXIT_CODE
    assert missing_instance(host.lines()) == said


@pytest.mark.parametrize(("os_family", "syntax", "body", "existing"), [
    ("Windows", PS, windows_restart_script(3, "Web"), WINDOWS),
    ("Linux", SH, linux_restart_script(3, "Web"), ("Tentacle.service", "Web.service")),
])
def test_a_restart_script_for_an_existing_instance_runs_on(
        os_family: str, syntax: ScriptSyntax, body: str, existing: tuple[str, ...]) -> None:
    host = ServiceHost(os_family, *existing)
    _, result = run(body, syntax, host)
    assert not result.failed and missing_instance(host.lines()) is None


def test_without_an_instance_the_scripts_do_not_check() -> None:
    assert windows_restart_script(3).startswith("Start-Process")
    assert linux_restart_script(3).startswith("nohup")


def printed(body: str) -> list[str]:
    """What ``body`` prints on a Windows machine with :data:`WINDOWS`'s services, after
    checking it ran to its end (``'end'``) without failing."""
    host = ServiceHost("Windows", *WINDOWS)
    _, result = run(body + "\n'end'", PS, host)
    assert not result.failed and host.lines("error") == []
    lines = host.lines()
    assert lines[-1:] == ["end"], lines
    return lines[:-1]


@pytest.mark.parametrize(("body", "out"), [
    # a service's Name is its name, however the service was come by
    ("$s = Get-Service 'Spooler'; $s.Name", ["Spooler"]),
    ("Get-Service 'Spooler' | ForEach-Object { $_.Name }", ["Spooler"]),
    ("function Get-It { Get-Service 'Spooler' }\n$x = Get-It; $x.Name", ["Spooler"]),
    ("$x = Get-Service 'Spooler' | ForEach-Object { $_ }; $x.Name", ["Spooler"]),
    ("foreach ($s in Get-Service 'OctopusDeploy T*') { $s.Name }",
     ["OctopusDeploy Tentacle", "OctopusDeploy Tentacle: Web"]),
    ("(Get-Service 'OctopusDeploy T*').Name -join '|'",
     ["OctopusDeploy Tentacle|OctopusDeploy Tentacle: Web"]),
    # a service is its name as a text (PowerShell's ToString of one)
    ("$s = Get-Service 'Spooler'; \"[$s]\"; 'spooler' -eq $s", ["[Spooler]", "True"]),
    # the name is a text, and a text has no Name property: $null
    ("$null -eq (Get-Service 'Spooler').Name.Name", ["True"]),
    ("$null -eq ('abc').Name; $null -eq 'abc'.Name; $x = 'abc'; \"[$($x.Name)]\"",
     ["True", "True", "[]"]),
    ("$null -eq ($env:OCTOSIM_UNSET).Name; $null -eq $null.Name; $n = 5; $null -eq $n.Name",
     ["True", "True", "True"]),
    ("$s = 'abc'; $null -eq $s[0].Name", ["True"]),
    ("$null -eq (Get-Service 'Nope*').Name", ["True"]),  # no service: $null
])
def test_name_is_a_services_only(body: str, out: list[str]) -> None:
    assert printed(body) == out


@pytest.mark.parametrize("body", [
    # under Set-StrictMode a text has no Name: PowerShell's error
    "Set-StrictMode -Version Latest\n\"[$('abc'.Name)]\"",
    "Set-StrictMode -Version Latest\n$x = 'abc'; if ($x.Name) { 't' } else { 'f' }",
    # an array's items' Names, where not all are services: not modelled
    "('a', 'b').Name",
    "$a = (Get-Service 'Spooler'), 'x'; $a.Name",
])
def test_name_not_interpreted(body: str) -> None:
    assert printed(body) == []


@pytest.mark.parametrize(("body", "out"), [
    # one object's Length and Count are 1 (PowerShell's intrinsic members), not its name's
    ("$s = Get-Service 'Spooler'; $s.Length; $s.Count; (Get-Service 'OctopusDeploy T*').Count",
     ["1", "1", "2"]),
    # [string] makes a text of it: its name, which has a Length and no Name
    ("[string]$v = Get-Service 'Spooler'; $v.Length; $null -eq $v.Name", ["7", "True"]),
    ("'[' + (Get-Service 'Spooler') + ']'", ["[Spooler]"]),  # a text on the left: its text
    ("Write-Host (Get-Service 'OctopusDeploy T*')",  # Write-Host writes each one's text
     ["OctopusDeploy Tentacle OctopusDeploy Tentacle: Web"]),
])
def test_a_service_is_not_a_text(body: str, out: list[str]) -> None:
    assert printed(body) == out


@pytest.mark.parametrize("body", [
    # a service has none of a text's methods, no + and no index of its own: PowerShell's
    # error, or not modelled
    "(Get-Service 'Spooler').ToUpper()",
    "$s = Get-Service 'Spooler'; $s.Trim()",
    "$s = Get-Service 'Spooler'; $v = $s + 'x'; \"[$v]\"",
    "$s = Get-Service 'Spooler'; \"[$($s[0])]\"",
    # under Set-StrictMode, Windows PowerShell has no intrinsic Length (as for a number)
    "Set-StrictMode -Version Latest\n$s = Get-Service 'Spooler'; $s.Length",
    # output, a service is formatted as a table (Status, Name, DisplayName): not modelled
    "$s = Get-Service 'Spooler'; $s",
    "Get-Service 'Spooler' | ForEach-Object { $_ }",
    "Write-Output (Get-Service 'OctopusDeploy T*')",
])
def test_a_service_as_a_text_not_interpreted(body: str) -> None:
    assert printed(body) == []


@pytest.mark.parametrize("body", [
    # a service on the left of -eq/-ne: PowerShell converts the right operand to a
    # ServiceController and compares objects, not names: not modelled
    "$s = Get-Service 'Spooler'; if ($s -eq 'Spooler') { 'eq' } else { 'not eq' }",
    "$s = Get-Service 'Spooler'; if ($s -ne 'Spooler') { 'ne' } else { 'not ne' }",
    "$s = Get-Service 'Spooler'; $t = $s; if ($s -eq $t) { 'same' } else { 'other' }",
    # -contains and -in compare each item on the left
    "if ((Get-Service 'OctopusDeploy T*') -contains 'OctopusDeploy Tentacle') { 'in' } "
    "else { 'out' }",
    "if ('Spooler' -in (Get-Service 'Spooler')) { 'in' } else { 'out' }",
    "$found = (Get-Service 'OctopusDeploy T*') -eq 'OctopusDeploy Tentacle'; \"[$found]\"",
    # a ServiceController is not IComparable: PowerShell's error
    "if ((Get-Service 'Spooler') -gt 'A') { 'gt' } else { 'not gt' }",
    "if ((Get-Service 'Spooler') -le 'Z') { 'le' } else { 'not le' }",
    # nor is it a number
    "if (5 -eq (Get-Service '5')) { 'five' } else { 'not five' }",
])
def test_a_service_compared_as_an_object_not_interpreted(body: str) -> None:
    host = ServiceHost("Windows", *WINDOWS, "5")
    _, result = run(body + "\n'end'", PS, host)
    assert not result.failed and host.lines() == ["end"]


@pytest.mark.parametrize(("body", "out"), [
    # -like and -match read a service as its text (its name); so does a text on the left
    ("$s = Get-Service 'Spooler'; $s -like 'spool*'; $s -notmatch '^Sp'; 'SPOOLER' -ne $s",
     ["True", "False", "False"]),
    ("((Get-Service 'OctopusDeploy T*') -like '*: Web').Name", ["OctopusDeploy Tentacle: Web"]),
    # $null is no service, whatever its type
    ("$s = Get-Service 'Spooler'; $s -eq $null; $s -ne $null; "
     "(Get-Service 'OctopusDeploy T*') -contains $null",
     ["False", "True", "False"]),
])
def test_a_service_compared_as_a_text(body: str, out: list[str]) -> None:
    assert printed(body) == out
