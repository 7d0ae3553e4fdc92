"""What a PowerShell script reads of, or sets in, the PowerShell and .NET it runs on: the
TLS protocols ServicePointManager offers, the version table; and what stays not interpreted
where the edition or the .NET version decides. The stand-in host and runner are
test_scripts_running's."""

from __future__ import annotations

import pytest

from octosim.model.scripts import ScriptResult, ScriptSyntax
from tests.model.test_scripts_running import Host, run

PS = ScriptSyntax.PowerShell


def ps(body: str, os_family: str = "Windows", edition: str | None = None
       ) -> tuple[Host, ScriptResult]:
    host = Host(os_family)
    if edition is not None:
        host.variables = {"Octopus.Action.PowerShell.Edition": edition}
    _, result = run(body, PS, host)
    return host, result


# -- [Net.ServicePointManager]::SecurityProtocol ------------------------------------------------
_TLS12 = "[Net.ServicePointManager]::SecurityProtocol = [Net.SecurityProtocolType]::Tls12"


@pytest.mark.parametrize(("os_family", "setting"), [
    ("Windows", _TLS12),
    ("Linux", _TLS12),
    ("Windows", "[System.Net.ServicePointManager]::SecurityProtocol = "
                "[System.Net.ServicePointManager]::SecurityProtocol -bor "
                "[Net.SecurityProtocolType]::Tls11 -bor [System.Net.SecurityProtocolType]::Tls12"),
    ("Windows", "[net.servicepointmanager]::securityprotocol = [NET.SecurityProtocolType]::TLS "
                "-bor [Net.SecurityProtocolType]::Tls11 -BOR [Net.SecurityProtocolType]::Tls12;"),
    # .NET's (Core 3.0 and later) own: PowerShell 7's
    ("Linux", "[Net.ServicePointManager]::SecurityProtocol = [Net.SecurityProtocolType]::Tls13 "
              "-bor [Net.SecurityProtocolType]::Tls12"),
    ("Linux", "[Net.ServicePointManager]::SecurityProtocol = "
              "[Net.SecurityProtocolType]::SystemDefault"),
])
def test_setting_the_tls_protocols_outputs_nothing_and_the_script_goes_on(
        os_family: str, setting: str) -> None:
    # An assignment outputs nothing: a line Write-Host left open goes on, and a function's
    # value holds only what it output.
    host, result = ps(f"$LASTEXITCODE = 0\nWrite-Host a -NoNewline\n{setting}\nWrite-Host b\n"
                      f"function Get-V {{ {setting}\n'v' }}\n$v = Get-V\n"
                      "\"got $v, code $LASTEXITCODE\"", os_family)
    assert host.lines() == ["ab", "got v, code 0"] and not result.failed


@pytest.mark.parametrize(("os_family", "edition", "value"), [
    # Tls13 is .NET Framework 4.8's, SystemDefault 4.7's: on an older one 5.1 reads $null
    ("Windows", None, "[Net.SecurityProtocolType]::Tls13"),
    ("Windows", None, "[Net.SecurityProtocolType]::SystemDefault"),
    # .NET refuses Ssl3 (NotSupportedException; .NET Framework 4.6 and later unless quirked)
    ("Linux", None, "[Net.SecurityProtocolType]::Ssl3"),
    ("Windows", None, "[Net.SecurityProtocolType]::Ssl3"),
    # no such member: $null, which the property cannot take
    ("Windows", None, "[Net.SecurityProtocolType]::Tls2"),
    # a Windows step choosing PowerShell 7: the edition is not known
    ("Windows", "Core", "[Net.SecurityProtocolType]::Tls13"),
    # values the simulator does not read: a variable, a conversion, an array, +, a number
    ("Windows", None, "$protocols"),
    ("Windows", None, "[Net.SecurityProtocolType]'Tls11,Tls12'"),
    ("Windows", None, "[Net.SecurityProtocolType]::Tls12, [Net.SecurityProtocolType]::Tls11"),
    ("Windows", None, "[Net.SecurityProtocolType]::Tls12 + [Net.SecurityProtocolType]::Tls11"),
    ("Windows", None, "3072"),
    ("Windows", None, "[Net.SecurityProtocolType]::Tls12 -band [Net.SecurityProtocolType]::Tls"),
])
def test_tls_settings_the_simulator_cannot_be_sure_of_are_not_interpreted(
        os_family: str, edition: str | None, value: str) -> None:
    # skipped: as after any statement not interpreted, $LASTEXITCODE is unknown (it may
    # have run a program)
    host, result = ps("$LASTEXITCODE = 0\n"
                      f"[Net.ServicePointManager]::SecurityProtocol = {value}\n"
                      "\"code $LASTEXITCODE\"\n'end'", os_family, edition)
    assert host.lines() == ["end"] and not result.failed


# -- $PSVersionTable ------------------------------------------------------------------------------
@pytest.mark.parametrize(("os_family", "body", "out"), [
    # Windows PowerShell 5.1 (Windows' unless the step chooses another), PowerShell 7 on Linux
    ("Windows", "$PSVersionTable.PSVersion.Major", ["5"]),
    ("Windows", "$PSVersionTable.PSVersion.Minor", ["1"]),
    ("Linux", "$PSVersionTable.PSVersion.Major", ["7"]),
    ("Windows", "if ($PSVersionTable.PSVersion.Major -lt 6) { 'desktop' } else { 'core' }",
     ["desktop"]),
    ("Linux", "if ($PSVersionTable.PSVersion.Major -ge 6) { 'core' }", ["core"]),
    ("Windows", '"v$($PSVersionTable.PSVersion.Major)"', ["v5"]),
    ("Windows", "$psversiontable.psversion.major + 1", ["6"]),
    ("Windows", "$PSVersionTable.PSEdition", ["Desktop"]),
    ("Linux", "$PSVersionTable.PSEdition", ["Core"]),
    # Platform: PowerShell 7's; 5.1's table has no such key, $null
    ("Linux", "$PSVersionTable.Platform", ["Unix"]),
    ("Linux", "if ($PSVersionTable.Platform -eq 'Unix') { 'unix' }", ["unix"]),
    ("Windows", "if ($null -eq $PSVersionTable.Platform) { 'none' }", ["none"]),
])
def test_the_version_table_where_the_edition_decides_it(
        os_family: str, body: str, out: list[str]) -> None:
    host, result = ps(body + "\n'end'", os_family)
    assert host.lines() == [*out, "end"] and not result.failed


@pytest.mark.parametrize(("os_family", "edition", "body"), [
    # PowerShell 7's minor version and the builds are the installed one's: not known
    ("Linux", None, "$PSVersionTable.PSVersion.Minor"),
    ("Windows", None, "$PSVersionTable.PSVersion.Build"),
    ("Windows", None, "$PSVersionTable.PSVersion"),
    ("Windows", None, "\"$($PSVersionTable.PSVersion)\""),
    ("Windows", None, "$PSVersionTable.CLRVersion"),
    ("Windows", None, "$PSVersionTable"),
    # a Windows step choosing PowerShell 7: the edition is not known
    ("Windows", "Core", "$PSVersionTable.PSVersion.Major"),
    # under strict mode a key 5.1's table lacks is not modelled
    ("Windows", None, "Set-StrictMode -Version Latest; $PSVersionTable.Platform"),
    # the table changed by a statement not interpreted
    ("Windows", None, "$PSVersionTable.PSVersion = Get-Thing\n$PSVersionTable.PSVersion.Major"),
])
def test_the_version_table_where_it_is_not_known(
        os_family: str, edition: str | None, body: str) -> None:
    host, result = ps(body + "\n'end'", os_family, edition)
    assert host.lines() == ["end"] and not result.failed


# -- [Environment]::OSVersion.Platform -----------------------------------------------------------
@pytest.mark.parametrize(("os_family", "body", "out"), [
    # .NET's PlatformID: Win32NT on Windows (either edition), Unix on Linux; compared with a
    # text naming one of its members, PowerShell converts the text to the enum
    ("Windows", '$w = ([System.Environment]::OSVersion.Platform -eq "Win32NT")\n$w', ["True"]),
    ("Linux", "[Environment]::OSVersion.Platform -eq 'Win32NT'", ["False"]),
    ("Linux", "if ([Environment]::OSVersion.Platform -eq 'unix') { 'unix' }", ["unix"]),
    ("Windows", "[environment]::osversion.platform -ne 'Unix'", ["True"]),
])
def test_the_os_platform_compared_with_a_members_name(
        os_family: str, body: str, out: list[str]) -> None:
    host, result = ps(body + "\n'end'", os_family)
    assert host.lines() == [*out, "end"] and not result.failed


@pytest.mark.parametrize("body", [
    # the enum itself (printed, in a text, its members), other operators, a number (converted
    # to the enum: 2 is Win32NT), a text naming no member, the case-sensitive form
    "[Environment]::OSVersion.Platform",
    "[Environment]::OSVersion.Platform -eq 2",
    "[Environment]::OSVersion.Platform -eq 'Windows'",
    "[Environment]::OSVersion.Platform -like 'Win*'",
    "[Environment]::OSVersion.Platform -ceq 'Win32NT'",
    "[Environment]::OSVersion.Platform -eq 'Win32NT' -eq $true",
    "[Environment]::OSVersion.Version.Major -eq 10",
    # on Linux PowerShell 7's $IsWindows is a constant: assigning it is PowerShell's error
    "$IsWindows = ([System.Environment]::OSVersion.Platform -eq 'Win32NT')\n$IsWindows",
])
def test_the_os_platform_otherwise_is_not_interpreted(body: str) -> None:
    host, result = ps(body + "\n'end'", "Linux")
    assert host.lines() == ["end"] and not result.failed
