"""What Calamari's PowerShell bootstrap gives a script before it runs, as the simulator
interprets it: a PowerShell variable for each of the step's Octopus variables
(PowerShellBootstrapper.DeclareLocalVariables, in OctopusDeploy/Calamari's
source/Calamari.Common/Features/Scripting/WindowsPowerShell/PowerShellBootstrapper.cs). The
stand-in host and runner are test_scripts_running's."""

from __future__ import annotations

import pytest

from octosim.model.scripts._ps_bootstrap import _declared_keys
from tests.model.test_scripts_running import PS, Host, run


def printed(body: str, variables: dict[str, str], os_family: str = "Windows") -> list[str]:
    """What ``body`` prints with the step's Octopus ``variables``, after checking it ran to
    its end (``'end'``) without failing."""
    host = Host(os_family)
    host.variables = variables
    _, result = run(body + "\n'end'", PS, host)
    assert not result.failed and host.lines("error") == []
    lines = host.lines()
    assert lines[-1:] == ["end"], lines
    return lines[:-1]


@pytest.mark.parametrize(("name", "keys"), [
    # the legacy key (char.IsLetterOrDigit), then the smart one (and _) if it differs
    ("Octopus.Machine.Name", ("octopusmachinename",)),
    ("Greeting", ("greeting",)),
    ("My_Var", ("myvar", "my_var")),
    ("Deploy-Web 2", ("deployweb2",)),
    ("Ünïcode.Näme", ("ünïcodenäme",)),  # Unicode letters are letters to .NET
    ("a\U0001d400b", ("ab",)),  # an astral letter is two surrogate chars to .NET: neither
    # none: a name holding [ (IsExcludedFromLocalVariables; script modules too), or nothing
    # left (an empty key is not declared)
    ("Octopus.Action[Deploy].Output.X", ()),
    ("Octopus.Script.Module[Lib]", ()),
    ("...", ()),
    ("_", ("_",)),
])
def test_the_keys_calamari_declares_for_a_name(name: str, keys: tuple[str, ...]) -> None:
    assert _declared_keys(name) == keys


@pytest.mark.parametrize(("body", "variables", "out"), [
    # a step parameter is $Name: this printed [] and threw 'Greeting is required'
    ('Write-Host "[$Greeting]"; if (-not $Greeting) { throw "Greeting is required" }',
     {"Greeting": "hello"}, ["[hello]"]),
    ("$OctopusMachineName", {"Octopus.Machine.Name": "web-01"}, ["web-01"]),
    ("$MyVar; $my_var", {"My_Var": "v"}, ["v", "v"]),  # both keys; names ignore case
    # a string: $OctopusParameters is a Dictionary[String,String]
    ("$Port + 1", {"Port": "80"}, ["801"]),
    # the script's own assignment replaces it; a function sees the global one, but not as
    # $local:; the script's scope is the global one (Calamari dot-sources the script)
    ("$Greeting = 'mine'; $Greeting", {"Greeting": "hello"}, ["mine"]),
    ('function F { "[$Greeting][$local:Greeting][$script:Greeting][$global:Greeting]" }; F',
     {"Greeting": "hi"}, ["[hi][][hi][hi]"]),
    # not declared: a name holding [, a name no variable gives
    ('"[$Step1Name][$Other]"', {"Step[1].Name": "1"}, ["[][]"]),
    # two names for one key with one value: whichever comes first, the value is the same
    ("$MyVar", {"My_Var": "v", "MyVar": "v"}, ["v"]),
    # under strict mode a declared variable is set: no error
    ("Set-StrictMode -Version Latest; $Greeting", {"Greeting": "hello"}, ["hello"]),
])
def test_calamari_declares_a_variable_for_each_octopus_variable(
        body: str, variables: dict[str, str], out: list[str]) -> None:
    assert printed(body, variables) == out


@pytest.mark.parametrize(("body", "variables"), [
    # two names for one key with different values: the first in GetNames() wins, and that
    # order (a .NET Dictionary's keys) is undefined
    ("$MyVar", {"My_Var": "v", "MyVar": "w"}),
    # PowerShell's own variables exist globally: test-path skips the declaration
    ("$Host", {"Host": "x"}),
    ("$MaximumVariableCount", {"Maximum.Variable.Count": "1"}),
    # system variables the simulator does not model, and Calamari's env:NAME for each
    # environment variable, which may give the same key as a step variable
    ("$OctopusTentacleAgentInstanceName", {}),
    ("$envPATH", {}),
    ("$OctopusParameters['env:PATH']", {}),  # these printed nothing ($null)
    ("$Environment", {"Environment": "Production"}),
])
def test_a_declared_variable_the_simulator_cannot_know_is_unknown(
        body: str, variables: dict[str, str]) -> None:
    assert printed(body, variables) == []


def test_no_variable_is_declared_outside_a_step() -> None:
    assert printed('"[$Greeting]"', {}) == ["[]"]


@pytest.mark.parametrize(("body", "out"), [
    # Calamari's bootstrap always makes $OctopusParameters, a dictionary: no $null, true
    # as a condition (an object that is no list), even without a step's variables
    ("if ($OctopusParameters -ne $null) { 'set' }", ["set"]),
    ("if ($null -eq $OctopusParameters) { 'null' } else { 'set' }", ["set"]),
    ("$OctopusParameters -eq $null", ["False"]),
    ("if ($OctopusParameters -and $OctopusParameters['Java.Home']) { 'both' }", ["both"]),
    ("if (-not $OctopusParameters) { 'none' } else { 'some' }", ["some"]),
    # indexed by any text: the step's variable of that name (names ignore case), else $null
    ("$name = 'java.home'\n$OctopusParameters[$name]", ["/opt/java 21"]),
    ("$n = 'Java'\n\"[$($OctopusParameters[\"$n.Home\"])]\"", ["[/opt/java 21]"]),
    ("$n = 'Java'\n$OctopusParameters[\"$n.Home\"]", ["/opt/java 21"]),
    ("$OctopusParameters[\"Java`.Home\"]", ["/opt/java 21"]),
    ("$name = 'Nope'\nif ($null -eq $OctopusParameters[$name]) { 'none' }", ["none"]),
])
def test_octopus_parameters_is_calamaris_dictionary(body: str, out: list[str]) -> None:
    assert printed(body, {"Java.Home": "/opt/java 21"}) == out


@pytest.mark.parametrize("body", [
    # the dictionary itself, compared with anything but $null, indexed by no text
    "$OctopusParameters",
    "$OctopusParameters -eq 'x'",
    "$OctopusParameters[$null]",
    "$OctopusParameters[1, 2]",
    "$OctopusParameters[(Get-Thing)]",
    "$e = 'env:PATH'\n$OctopusParameters[$e]",  # Calamari's own, one per environment variable
    # changed by a statement not interpreted
    "$OctopusParameters = Get-Thing\nif ($OctopusParameters) { 'set' } else { 'unset' }",
])
def test_octopus_parameters_otherwise_is_not_interpreted(body: str) -> None:
    assert printed(body, {"Java.Home": "/opt/java 21"}) == []


def test_the_scripts_own_octopus_parameters_is_its_value() -> None:
    assert printed("$OctopusParameters = $null\n"
                   "if ($OctopusParameters) { 'set' } else { 'unset' }", {}) == ["unset"]
