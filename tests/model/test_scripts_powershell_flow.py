"""PowerShell control flow the simulator interprets: try/catch/finally, the functions a
script defines and calls, foreach loops; and what stays not interpreted (skipped, never
guessed). The stand-in host and runner are test_scripts_running's."""

from __future__ import annotations

import pytest

from octosim.model.scripts import TOO_DEEP, ScriptResult, ScriptSyntax, _ps_exec
from octosim.model.scripts._ps_exec import TOO_LONG
from tests.model.test_scripts_running import Host, run

PS = ScriptSyntax.PowerShell


def ps(body: str, os_family: str = "Windows", **env: str) -> tuple[Host, ScriptResult]:
    host = Host(os_family, **env)
    _, result = run(body, PS, host)
    return host, result


# -- try / catch / finally ----------------------------------------------------------------------
def test_a_catch_handles_a_throw_and_its_exit_code_ends_the_script() -> None:
    host, result = ps('try { Write-Host a; throw "boom"; Write-Host b }\n'
                      'catch { Write-Host "caught: $_"; exit 3 }')
    assert result.exit_code == 3 and host.out == [("info", "a"), ("info", "caught: boom")]


@pytest.mark.parametrize(("body", "printed"), [
    # a typed catch runs only for a matching error; the untyped one takes the rest
    ('try { throw "boom" } catch [System.IO.IOException] { "io" }\n'
     'catch { $_.Exception.Message }', ["boom"]),
    ('try { throw "boom" } catch [System.IO.IOException], [Exception] { "typed: $PSItem" }',
     ["typed: boom"]),
    ("try { throw 'x' } catch [System.Management.Automation.RuntimeException] { 'rt' }",
     ["rt"]),
    # Write-Error under Stop: the WriteErrorException is tried first, then its wrapper
    ('try\n{\n  Write-Error "bad"\n}\ncatch [System.Management.Automation.RuntimeException]\n'
     '{ "stop: $_" }\ncatch [Microsoft.PowerShell.Commands.WriteErrorException] { "we: $_" }',
     ["we: bad"]),
    ("try { Get-Service Nope } catch [System.Management.Automation.ActionPreferenceStopException]"
     " { \"$_\" }", ["Cannot find any service with service name 'Nope'."]),
    # a non-terminating error is no error to catch
    ('try { Write-Error "soft" -ErrorAction Continue; "on" } catch { "caught" }', ["on"]),
    # the first matching catch runs, once
    ('try { throw "x" } catch { "first" } catch { "second" }', ["first"]),
])
def test_which_catch_runs(body: str, printed: list[str]) -> None:
    host, result = ps(body + "\n'end'")
    assert host.lines() == [*printed, "end"] and not result.failed


@pytest.mark.parametrize(("body", "code", "out"), [
    # no catch for it: finally runs, then the error ends the script
    ('try { throw "boom" } finally { "fin" }\n"after"', 1, [("info", "fin"), ("error", "boom")]),
    ('try { throw "boom" } catch [System.IO.IOException] { "io" }\n"after"', 1,
     [("error", "boom")]),
    # exit (and Fail-Step, Calamari's `exit -1`) is not an error: no catch, finally runs
    ('try { exit 7 } catch { "caught" } finally { "fin" }', 7, [("info", "fin")]),
    ('try { Fail-Step "nope" } catch { "caught" } finally { "fin" }', -1,
     [("error", "nope"), ("info", "fin")]),
    # a bare throw (or throw $_) in a catch throws the error again
    ('try { throw "inner" } catch { "saw $_"; throw }\n"after"', 1,
     [("info", "saw inner"), ("error", "inner")]),
    ('try { throw "inner" } catch { throw $_ }', 1, [("error", "inner")]),
    ('try { throw "inner" } catch { throw "outer: $_" }', 1, [("error", "outer: inner")]),
    # a nested try: the inner finally, then the outer catch
    ('try { try { throw "deep" } finally { "inner fin" } } catch { "outer caught $_" }', 0,
     [("info", "inner fin"), ("info", "outer caught deep")]),
])
def test_finally_and_what_leaves_a_try(body: str, code: int, out: list[tuple[str, str]]) -> None:
    host, result = ps(body)
    assert result.exit_code == code and host.out == out


def test_an_unknown_statement_in_a_try_is_skipped_and_its_variable_stays_unknown() -> None:
    host, result = ps('try { $v = Get-Item C:\\x; "in try" } catch { "caught" }\n'
                      "if (-not $v) { throw 'no v' }\n'end'")
    assert host.lines() == ["in try", "end"] and not result.failed


@pytest.mark.parametrize("body", [
    # a catch type the simulator does not know: the whole statement is not interpreted
    'try { "body"; throw "x" } catch [RuntimeException] { "rt" }',
    'try { "body" } catch [Some.Custom.Exception] { "custom" }',
    # PowerShell would not parse these
    'try { "body" }',
    'try { "body" } finally { "a" } finally { "b" }',
])
def test_a_try_the_simulator_cannot_read_is_not_interpreted(body: str) -> None:
    host, result = ps(body + "\n'end'")
    assert host.lines() == ["end"] and not result.failed


def test_dollar_underscore_is_the_error_only_in_the_catch() -> None:
    host, _ = ps('try { throw "a" } catch { "in: $_" }\n"out: [$_]"\n"end"')
    assert host.lines() == ["in: a", "end"]  # outside, $_ is PowerShell's: unknown


# -- functions ---------------------------------------------------------------------------------
TEST_JAVA = ('function Test-Java {\n  param([string]$Path)\n'
             '  if (-not $Path) { throw "no path" }\n  Write-Host "java at $Path"\n}\n')


@pytest.mark.parametrize(("call", "code", "out"), [
    ("Test-Java -Path $env:JAVA_HOME", 0, [("info", "java at C:\\jdk")]),
    ("Test-Java $env:JAVA_HOME", 0, [("info", "java at C:\\jdk")]),
    ("Test-Java -p 'D:\\j'", 0, [("info", "java at D:\\j")]),  # a prefix of the name
    ("Test-Java", 1, [("error", "no path")]),  # an unbound [string] is '', not $null
    ("Test-Java $env:NOPE", 1, [("error", "no path")]),
])
def test_a_function_the_script_defines_runs_with_its_arguments(
        call: str, code: int, out: list[tuple[str, str]]) -> None:
    host, result = ps(TEST_JAVA + call, JAVA_HOME="C:\\jdk")
    assert result.exit_code == code and host.out == out


@pytest.mark.parametrize(("body", "printed"), [
    ("function Add($a, $b) { return $a + $b }\n$v = Add 1 2\n\"v=$v\"", ["v=3"]),
    ("function Add($a, $b) { $a + $b }\n$w = Add -b 5 -a 1\n\"w=$w\"", ["w=6"]),
    # the output is the value: several objects are an array
    ('function F { "a"; Write-Output "b" }\n$v = F\nforeach ($x in $v) { "item $x" }',
     ["item a", "item b"]),
    # Write-Host goes to the log, not into the value
    ('function F { Write-Host "h"; "o" }\n$v = F\n"v=$v"', ["h", "v=o"]),
    ("function F { return }\n$v = F\nif ($v -eq $null) { 'null' }", ["null"]),
    # $args: what no parameter binds
    ('function F { "$args"; $args[0]; $args[-1] }\nF x y z', ["x y z", "x", "z"]),
    ('function F($first) { "$first|$args" }\nF a b -c', ["a|b -c"]),
    # defaults, evaluated when called, may read earlier parameters
    ('function F { param($a = "def", $b = $a) "$a/$b" }\nF\nF x\nF -b y',
     ["def/def", "x/x", "def/y"]),
    # a call in an expression or a condition
    ('function Get-Name { "web" }\nWrite-Host "name: $(Get-Name)"\n'
     "if ((Get-Name) -eq 'web') { 'is web' }", ["name: web", "is web"]),
    ("function Test-Ready { $true }\nif (Test-Ready) { 'ready' }\n"
     "if (-not (Test-Ready)) { 'never' }", ["ready"]),
    # return leaves a loop too
    ('function Find($items) {\n  foreach ($i in $items) { if ($i -like "b*") { return $i } }\n'
     '  "none"\n}\n$f = Find "a","bc","bd"\n"f=$f"', ["f=bc"]),
    # a function the script defines comes before a command of the same name
    ('function Fail-Step($m) { "mine: $m" }\nFail-Step x', ["mine: x"]),
    # functions call functions defined later in the script, once they exist
    ('function Outer { Inner; "outer" }\nfunction Inner { "inner" }\n$v = Outer\n"$v"',
     ["inner outer"]),
    # [switch] and an advanced function's -ErrorAction
    ("function Do-It {\n  [CmdletBinding()]\n  param([Parameter(Mandatory=$true)][string]$Name,"
     " [switch]$Force)\n  if ($Force) { \"force $Name\" } else { \"plain $Name\" }\n"
     '  Write-Error "oops"\n  "after"\n}\n'
     "Do-It -Name a -Force -ErrorAction SilentlyContinue\nDo-It b -ea Continue",
     ["force a", "after", "plain b", "after"]),
    # return outside a function ends the script
    ('"start"; return; "never"', ["start"]),
    # a body starting with a type's static member: a statement, no attribute
    ("function Set-It { [Environment]::SetEnvironmentVariable('XX', 'new') }\nSet-It\n$env:XX",
     ["new"]),
])
def test_functions_values_and_parameters(body: str, printed: list[str]) -> None:
    host, result = ps(body)
    assert host.lines() == printed and not result.failed


def test_function_variables_are_local_unless_script_scoped() -> None:
    host, _ = ps("$x = 1\n$t = 'top'\n"
                 "function F { $x = 2; $script:y = 3; $global:z = 4; \"in $x $t $script:x\" }\n"
                 'F\n"out $x $y $z"')
    assert host.lines() == ["in 2 top 1", "out 1 3 4"]


def test_a_functions_string_parameter_stays_a_string() -> None:
    host, _ = ps("function F([string]$v) { $v = 5; if ($v -eq '5') { 'text' } }\nF 1\n"
                 "function G([int]$n) { $n + 1 }\nG '41'")
    assert host.lines() == ["text", "42"]


def test_exit_inside_a_function_ends_the_script() -> None:
    host, result = ps('function Stop-All { "bye"; exit 9 }\nStop-All\n"after"')
    assert result.exit_code == 9 and host.lines() == ["bye"]


def test_an_error_thrown_in_a_function_reaches_the_callers_catch() -> None:
    host, result = ps(TEST_JAVA + 'try { Test-Java } catch { "caught: $_"; exit 4 }')
    assert result.exit_code == 4 and host.lines() == ["caught: no path"]


def test_a_function_sleeps_in_virtual_time_when_called_as_a_statement_or_assigned() -> None:
    host = Host()
    sleeps, result = run('function Wait { Start-Sleep 5; "waited" }\nWait\n$v = Wait\n"v=$v"',
                         PS, host)
    assert sleeps == [5.0, 5.0] and host.lines() == ["waited", "v=waited"]
    assert not result.failed


@pytest.mark.parametrize("body", [
    "function F($n) { F ($n + 1) }\nF 0",
    "function F($n) { $v = F ($n + 1) }\nF 0",
    "function F { Write-Host \"$(F)\" }\nF",
    "function A { B }\nfunction B { A }\nA",
])
def test_runaway_recursion_fails_as_too_deep(body: str) -> None:
    host, result = ps(body)
    assert result == ScriptResult(1, TOO_DEEP) and host.lines("error") == [TOO_DEEP]


@pytest.mark.parametrize("body", [
    # a function whose output the simulator cannot know: its value is unknown
    "function Get-V { (Get-Item x).Version }\n$v = Get-V\nif (-not $v) { throw 'none' }",
    "function Get-V { return (Get-Item x).Version }\n$v = Get-V\nif (-not $v) { throw 'x' }",
    "function Get-V { Get-ChildItem C:\\ }\nif (Get-V) { throw 'x' } else { throw 'y' }",
    # one that sleeps, called inside an expression: not interpreted (expressions take no
    # time), and what it sets is unknown
    "function W { Start-Sleep 1; $script:w = 1; 'w' }\nWrite-Host \"$(W)\"\n"
    "if ($w -eq 1) { throw 'ran' }",
    # a skipped call: what the function sets outside itself is unknown
    "function G { $env:APP = 'set'; $script:g = 1 }\nG | Out-File C:\\log.txt\n"
    "if ($env:APP -or $g) { throw 'stale' }",
    "function G($a) { $script:g = 1 }\nG -nope 1 | Out-File x\nif ($g) { throw 'g' }",
    # calls the simulator cannot bind are not interpreted
    "function F { [CmdletBinding()] param([string]$Name) 'ran' }\nF -Other x\nF a b",
    "function F { param([Parameter(Mandatory)][string]$Name) 'ran' }\nF",
    "function F { param([ValidateSet('a')][string]$Name) 'ran' }\nF a",
    "function F { param([hashtable]$Map) 'ran' }\nF $null",
    "function F { process { 'ran' } }\nF",
    "filter F { 'ran' }\nF",
    "function F([int]$n) { 'ran' }\nF abc",
])
def test_what_the_simulator_cannot_know_of_a_function_is_never_guessed(body: str) -> None:
    host, result = ps(body + "\n'end'")
    assert host.lines() == ["end"] and host.lines("error") == [] and not result.failed


# -- foreach ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("body", "printed"), [
    ("foreach ($x in 'a','b','c') { if ($x -eq 'b') { continue }; \"x=$x\" }", ["x=a", "x=c"]),
    ("foreach ($n in @(1, 2, 3)) { if ($n -gt 2) { break }; $n + 1 }", ["2", "3"]),
    ("$list = 'a', 'b'\nforeach ($x in $list) {\n  foreach ($y in 1, 2) {\n"
     "    if ($y -eq 2) { break }\n    \"$x$y\"\n  }\n}\n\"last $x\"", ["a1", "b1", "last b"]),
    ("foreach ($x in $null) { 'never' }\nforeach ($x in 'one') { \"got $x\" }", ["got one"]),
    ("foreach ($x in @()) { 'never' }\n'done'", ["done"]),
    ("foreach ($s in Get-Service 'OctopusDeploy*') { \"svc $s\" }", ["svc OctopusDeploy Tentacle"]),
    # break in a function called from a loop ends the caller's loop, as in PowerShell
    ("function Stop-Loop { break }\nforeach ($i in 1, 2) { \"i$i\"; Stop-Loop }\n'after'",
     ["i1", "after"]),
    # a statement inside it the simulator cannot run is skipped, the loop goes on
    ("foreach ($x in 'a', 'b') { Get-Item $x; \"x=$x\" }", ["x=a", "x=b"]),
])
def test_foreach_over_a_known_array(body: str, printed: list[str]) -> None:
    host, result = ps(body)
    assert host.lines() == printed and not result.failed


@pytest.mark.parametrize("body", [
    "foreach ($x in (Get-ChildItem C:\\)) { $found = $x }\nif ($found) { throw 'f' }",
    "$found = 'no'\nforeach ($x in $env:Path.Split(';', 'None')) { $found = $x }\n"
    "if ($found -eq 'no') { throw 'stale' }",
    ":outer foreach ($x in 1, 2) { 'labelled' }",
    "Get-ChildItem | ForEach-Object { 'piped' }",
    # break or continue outside a loop: not interpreted
    "break",
    "continue",
])
def test_a_loop_the_simulator_cannot_run_is_not_interpreted(body: str) -> None:
    host, result = ps(body + "\n'end'")
    assert host.lines() == ["end"] and host.lines("error") == [] and not result.failed


def test_a_function_defined_in_a_skipped_statement_is_not_called() -> None:
    # Whether the branch ran (and so which Fail-Step is called) is unknown.
    host, result = ps("if ((Get-Date).Hour -lt 12) {\n  function Fail-Step($m) { \"soft $m\" }\n}\n"
                      "Fail-Step 'hard'\n'end'")
    assert host.lines() == ["end"] and not result.failed


def test_braced_variable_names_with_a_scope_or_a_drive() -> None:
    host, _ = ps("$script:n = 'top'\n\"[${script:n}]\"\n\"[${C:\\file.txt}]\"\n'end'")
    assert host.lines() == ["[top]", "end"]  # a file's content is not modelled


@pytest.mark.parametrize("body", [
    # branching recursion stays shallow but would call 2**30 times
    "function F($n) { if ($n -lt 30) { F ($n + 1); F ($n + 1) } }\nF 0",
    # nested loops over written-out arrays
    "$a = " + ",".join(["1"] * 40) + "\n" + "foreach ($i in $a) { " * 4 + " }" * 4,
    # a finally cannot hold it either
    "function F($n) { if ($n -lt 30) { try { F ($n + 1) } finally { F ($n + 1) } } }\nF 0",
    # a long script of plain statements: the same bound
    "Write-Host hi\n" * 1_001,
])
def test_a_script_running_for_ages_fails_saying_so(body: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_ps_exec, "_MAX_STEPS", 1_000)  # the same bound, reached sooner
    host, result = ps(body + "\n'never'")
    assert result == ScriptResult(1, TOO_LONG) and host.lines("error") == [TOO_LONG]
    assert "never" not in host.lines()


def test_a_function_named_with_its_scope_is_called_by_its_name() -> None:
    host, _ = ps("function script:Get-Name { 'web' }\nfunction global:Fail-Step { 'soft' }\n"
                 "Get-Name\nFail-Step")
    assert host.lines() == ["web", "soft"]


def test_the_scripts_own_parameters_are_unknown() -> None:
    # The step's Script Parameters would bind them: not modelled, so never $null.
    host, result = ps("param([string]$Environment = 'Dev', $Force)\n"
                      "if (-not $Environment) { throw 'none' }\nif ($Force) { 'forced' }\n'end'")
    assert host.lines() == ["end"] and not result.failed


@pytest.mark.parametrize(("body", "printed"), [
    # PowerShell fails the statement ("The variable '$nope' cannot be retrieved because it has
    # not been set.") unless Calamari declared it for a step variable of that name, which
    # the simulator cannot list: unknown
    ("Set-StrictMode -Version Latest\nif ($nope) { 'set' } else { 'unset' }", []),
    ("Set-StrictMode -Version 1.0\nif (-not $nope) { 'unset' }", []),
    ("Set-StrictMode -Version 2.0; Write-Host \"[$nope]\"", []),
    ("Set-StrictMode -Version 1\n\"[${nope}]\"", []),  # 1.0 spares strings: Calamari's, or $null
    ("Set-StrictMode -Version Latest\n$n = $nope + 1\nif ($n -eq 1) { 'one' }", []),
    ("Set-StrictMode -Version 3\nfunction F { $nope }\nif (F) { 'set' } else { 'unset' }", []),
    # a Set-StrictMode the simulator skipped may have run
    ("if (Test-Thing) { Set-StrictMode -Version Latest }\nif ($nope) { 's' } else { 'u' }", []),
    # what the script set, $null too, and what PowerShell sets are read as before
    ("Set-StrictMode -Version Latest\n$a = 'x'; $b = $null\nfunction F($p) { \"$p$a\" }\n"
     "foreach ($i in 1..2) { F $i }\nif ($null -eq $b) { 'null b' }\n"
     "'q' | ForEach-Object { $_ }\nif ($true -and -not $false) { 't' }",
     ["1x", "2x", "null b", "q", "t"]),
])
def test_under_strict_mode_a_variable_the_script_never_set_is_unknown(
        body: str, printed: list[str]) -> None:
    host, result = ps(body + "\n'end'")
    assert host.lines() == [*printed, "end"] and not result.failed


@pytest.mark.parametrize(("body", "printed"), [
    # -Off turns it off (it turned it on); an unset variable is $null again
    ("Set-StrictMode -Off; \"[$nope]\"", ["[]"]),
    ("Set-StrictMode -Version 2; Set-StrictMode -Off; if (-not $nope) { 'unset' }", ["unset"]),
    # it is the scope's: set in a function, it ends with the call (it stayed on)
    ("function F { Set-StrictMode -Version Latest; 'in' }; F; \"out [$nope]\"",
     ["in", "out []"]),
    ("function F { if (Test-Thing) { Set-StrictMode -Version 2 } }; F; \"[$nope]\"", ["[]"]),
    # and a call's scope inherits it, or turns it off for itself alone
    ("Set-StrictMode -v 2; function F { \"in [$nope]\" }; F", []),
    ("Set-StrictMode -Version '3.0'; function F { Set-StrictMode -Off; \"in [$nope]\" }; F\n"
     "\"out [$nope]\"", ["in []"]),
    # a ForEach-Object block runs in this scope; a dot-sourced script may turn it on here; a
    # version PowerShell may refuse, or a parameter written otherwise, is not interpreted
    ("1 | ForEach-Object { Set-StrictMode -Version 2 }; \"[$nope]\"", []),
    (". ./lib.ps1; \"[$nope]\"", []),
    ("Set-StrictMode -Version 9; \"[$nope]\"", []),
    ("Set-StrictMode -Ver 2; \"[$nope]\"", []),
])
def test_strict_mode_is_set_and_turned_off_in_its_scope(body: str, printed: list[str]) -> None:
    host, result = ps(body + "\n'end'")
    assert host.lines() == [*printed, "end"] and not result.failed


@pytest.mark.parametrize(("body", "printed"), [
    # a dot-sourced script, or code run here (Invoke-Expression), may set any variable, in
    # any scope, and any $env:X, and define any function: all unknown until set again
    # (each was read as before); and it may have declared any variable here with a type
    # constraint ([int]$x = 0, [ValidateRange(5, 9)]$x): what is assigned to one here is
    # unknown for good, while a function's own variables are its own
    ("$x = 1; $env:XX = 'e'; function F { 'f' }\n. ./lib.ps1\n\"[$x]\"; \"[$env:XX]\"; F\n"
     "$env:XX = 'z'; \"[$env:XX]\"; function F { $y = 3; \"[$y]\" }; F; $x = 2; \"[$x]\"",
     ["[z]", "[3]"]),
    ("$x = 1; function G { . $lib; 'in' }; G; \"[$x]\"", ["in"]),
    ("$x = 1; if (Test-Thing) { . .\\lib.ps1 }\n\"[$x]\"", []),
    ("$x = 1; iex '$x = 2'; \"[$x]\"", []),
    # a script called in its own scope may set $global:x, Set-Variable -Scope 1, $env:X
    ("$x = 1; $env:XX = 'e'; & ./x.ps1 -a 1; \"[$x]\"; \"[$env:XX]\"", []),
    ("$x = 1; & $script; \"[$x]\"", []),
    ("$x = 1\n.\\deploy.ps1\n\"[$x]\"", []),
    ("$x = 1\nC:\\scripts\\deploy.ps1 -Env Prod\n\"[$x]\"", []),
    # a path without an extension may be name.ps1, which CommandSearcher tries first (these
    # printed [1])
    ("$x = 1\n.\\deploy\n\"[$x]\"", []),
    ("$x = 1\n..\\tools/deploy -Env Prod\n\"[$x]\"", []),
    ("$x = 1\nC:\\s\\deploy\n\"[$x]\"", []),
    ("$x = 1; & '.\\deploy'; \"[$x]\"", []),
    ("$x = 1; & \"C:/v1.2/deploy\" -a 1; \"[$x]\"", []),
    ("$x = 1; & .\\deploy; \"[$x]\"", []),
    # a program runs in a process of its own; a script named in a text is not run
    ("$x = 1; & 'C:\\tools\\setup.exe' /S; setup.exe /S; Write-Host a.ps1; \"[$x]\"",
     ["a.ps1", "[1]"]),
    ("$x = 1; C:\\t\\setup.exe /S; Get-Item C:\\a\\b | Out-Null; \"[$x]\"", ["[1]"]),
    # a variable known to hold a program's path (an extension other than .ps1) too: both
    # were forgotten; `--version` is its argument, no decrement of $exe
    ("$x = 1; $exe = 'C:\\tools\\tool.exe'; & $exe --version; Write-Host \"x=$x $exe\"",
     ["x=1 C:\\tools\\tool.exe"]),
    ("$x = 1; $c = 'C:\\Program Files\\a b\\setup.CMD'; $o = & $c /q 2>&1; \"[$x]\"",
     ["[1]"]),
    # no extension: CommandSearcher tries name.ps1 first; a .ps1 (any case, not a trailing
    # dot Windows drops); a function of the script; a value the statement may change
    ("$x = 1; $exe = 'C:\\tools\\tool'; & $exe; \"[$x]\"", []),
    ("$x = 1; $s = 'C:\\s\\Deploy.PS1'; & $s; $s = 'a.ps1.'; & $s; \"[$x]\"", []),
    ("$x = 1; function a.exe { $script:x = 2 }; $e = 'a.exe'; & $e; \"[$x]\"", []),
    ("$x = 1; $e = 'a.exe'; if (Test-It) { $e = 'b.ps1'; & $e }; \"[$x]\"", []),
])
def test_a_script_dot_sourced_or_called_may_set_any_variable(
        body: str, printed: list[str]) -> None:
    host, result = ps(body + "\n'end'")
    assert host.lines() == [*printed, "end"] and not result.failed


@pytest.mark.parametrize(("body", "printed"), [
    # Chocolatey's refreshenv rebuilds $env: from the machine's and the user's stores (the
    # user's is not modelled; as refreshenv.cmd, a process of its own, it changes nothing
    # here): every $env:X is unknown until set again, the variables stay
    ("$env:JAVA_HOME = 'C:\\jdk'; $x = 1; refreshenv\n\"[$env:JAVA_HOME]\"; \"[$x]\"\n"
     "$env:JAVA_HOME = 'D:\\jdk'; \"[$env:JAVA_HOME]\"", ["[1]", "[D:\\jdk]"]),
    ("$env:A = 'a'; Update-SessionEnvironment; \"[$env:A]\"", []),
    ("$env:A = 'a'; if (Test-Thing) { refreshenv }\n\"[$env:A]\"", []),
    # a module may run code: as a called script, every variable, $env:X and function is
    # unknown until set again, and an assignment to $global:x (it may export one with a type)
    ("$x = 1; $env:A = 'a'; function F { 'f' }; Import-Module WebAdministration\n"
     "\"[$x]\"; \"[$env:A]\"; F; $x = 2; \"[$x]\"; $global:g = 1; \"[$g]\"", ["[2]"]),
    ("$x = 1; ipmo ./m.psm1; \"[$x]\"", []),
    ("$x = 1; & ./x.ps1; $global:g = 1; $global:g++; \"[$g]\"", []),
    # imported into this scope (-Scope Local, using module): as dot-sourced, what is assigned
    # here later is unknown too (a variable it exports may have a type constraint)
    ("Import-Module ./m.psm1 -Scope Local; $x = 2; \"[$x]\"", []),
    ("using module ./m.psm1\n$x = 2; \"[$x]\"", []),
])
def test_refreshenv_and_modules_may_change_the_environment(
        body: str, printed: list[str]) -> None:
    host, result = ps(body + "\n'end'")
    assert host.lines() == [*printed, "end"] and not result.failed


# -- adding, and the assignments loops use ------------------------------------------------------
@pytest.mark.parametrize(("body", "printed"), [
    # the left operand's type decides, as in PowerShell
    ("Write-Output (1 + '2')", ["3"]),
    ("'1' + 2", ["12"]),
    ("$n = $null + 1; $n + 1", ["2"]),
    ("$a = @(1) + 2; $a.Length; \"$a\"", ["2", "1 2"]),
    ("'a' + @(1, 2)", ["a1 2"]),
    # counters and lists in a loop
    ("$count = 0\nforeach ($x in 'a', 'b', 'c') { $count++ }\n\"count=$count\"", ["count=3"]),
    ("$found = @()\nforeach ($s in 'web1', 'db1', 'web2') { if ($s -like 'web*') { $found += $s } }"
     "\n\"$found\"; $found[-1]", ["web1 web2", "web2"]),
    ("$total = 10; $total -= 4; $total--; $total += '2'; $total", ["7"]),
    ("$script:n = 1\nfunction Bump { $script:n += 1 }\nBump; Bump\n\"n=$n\"", ["n=3"]),
    ("$s = 'a'; $s += 'b'; $s++\n'end'", ["end"]),  # ++ on a string: not modelled
])
def test_adding_and_compound_assignments(body: str, printed: list[str]) -> None:
    host, result = ps(body)
    assert host.lines() == printed and not result.failed


def test_a_compound_assignment_the_simulator_cannot_evaluate_leaves_the_variable_unknown() -> None:
    host, _ = ps("$n = 1\n$n += (Get-Random)\nif ($n -eq 1) { 'stale' }\n$t = 1; $t += 'x'\n"
                 "if ($t -eq 1) { 'stale' }\n'end'")
    assert host.lines() == ["end"]


def test_a_function_piped_to_out_null_runs_and_its_output_is_dropped() -> None:
    host, result = ps("function Init { Write-Host 'init'; $script:ready = $true; 'value' }\n"
                      "Init | Out-Null\nif ($ready) { 'ready' }\n"
                      "function Fail { throw 'bad' }\nFail | Out-Null\n'never'")
    assert host.out == [("info", "init"), ("info", "ready"), ("error", "bad")]
    assert result.exit_code == 1


@pytest.mark.parametrize(("body", "out", "code"), [
    # an expression piped to Out-Null, or cast to [void], is evaluated and outputs nothing:
    # the line Write-Host left open goes on, $LASTEXITCODE (no program ran) stays known
    ("$LASTEXITCODE = 0; $x = ' b '\nWrite-Host a -NoNewline\n$x.Trim() | Out-Null\n"
     "[void]$x.Trim()\n[void]('c' + $x)\n[VOID] ($x)\nWrite-Host b\n\"code $LASTEXITCODE\"",
     [("info", "ab"), ("info", "code 0")], 0),
    # a function's value: nothing of it
    ("function F { 1 | Out-Null; [void]'x'; 'o' }\n$r = F\n\"r=$r\"", [("info", "r=o")], 0),
    # its errors are the statement's: a method called on $null
    ("$null.Trim() | Out-Null\n'never'",
     [("error", "You cannot call a method on a null-valued expression.")], 1),
    ("[void]$null.Trim()\n'never'",
     [("error", "You cannot call a method on a null-valued expression.")], 1),
])
def test_an_expression_discarded_outputs_nothing(
        body: str, out: list[tuple[str, str]], code: int) -> None:
    host, result = ps(body)
    assert host.out == out and result.exit_code == code


@pytest.mark.parametrize("body", [
    # a cast binds tighter than +: ([void]$x) + 1 outputs 1; a command, another pipeline,
    # a script's own Out-Null, its arguments
    "[void]$x + 1",
    "[void]Get-Thing",
    "$x | Out-Null -Force",
    "'a' | Out-String | Out-Null",
    "function Out-Null { 'mine' }\n'a' | Out-Null",
])
def test_discarding_what_the_simulator_cannot_read_is_not_interpreted(body: str) -> None:
    host, result = ps(f"$LASTEXITCODE = 0\n{body}\n\"code $LASTEXITCODE\"\n'end'")
    assert host.lines() == ["end"] and not result.failed


@pytest.mark.parametrize(("body", "printed"), [
    ("'a', 'b' | ForEach-Object { \"item $_\" }", ["item a", "item b"]),
    ("$n = 0\n@(1, 2, 3) | % { $n += $PSItem }\n\"n=$n\"", ["n=6"]),  # the caller's scope
    ("$list = 'x', 'y'\n$list | foreach { if ($_ -eq 'x') { return }; \"not x: $_\" }",
     ["not x: y"]),  # return ends one item's run
    ("Get-Service 'OctopusDeploy*' | ForEach-Object -Process { Write-Host \"svc $_\" }",
     ["svc OctopusDeploy Tentacle"]),
    ("function Get-Names { 'p', 'q' }\nGet-Names | ForEach-Object { $_ + '!' }", ["p!", "q!"]),
    # inside a catch, $_ is the pipeline's object in the block, the error around it
    ("try { throw 'e' } catch { 1 | % { \"in $_\" }; \"out $_\" }", ["in 1", "out e"]),
    # not interpreted: an unknown input, break/continue in the block, a longer pipeline
    ("Get-ChildItem | ForEach-Object { 'x' }\n'end'", ["end"]),
    # (there its continue would go to the foreach's next item: the foreach stops, not followed)
    ("foreach ($i in 1, 2) { 'a' | % { continue }; \"i$i\" }\n'end'", ["end"]),
    ("'a' | ForEach-Object { $_ } | Out-File x\n'end'", ["end"]),
    # assigned: what the block outputs, collected (one object is itself, none $null)
    ("$x = 'a', 'b' | ForEach-Object { $_.ToUpper() }\n\"x=$x\"; $x.Count", ["x=A B", "2"]),
    ("$one = 'a' | % { \"<$_>\" }\n$one.Length", ["3"]),
    ("$w = 'a' | ForEach-Object { Write-Host \"host $_\" }\nif ($null -eq $w) { 'none' }",
     ["host a", "none"]),
    # a statement it skipped may have output something: unknown, as is another pipeline
    ("$u = 'a' | ForEach-Object { Get-Thing $_ }\nif ($u) { 'then' } else { 'else' }\n'end'",
     ["end"]),
    ("$y = 'q' | Sort-Object\nif ($y) { 'then' } else { 'else' }\n'end'", ["end"]),
    # $null is one object down a pipeline; a function that output nothing sends none
    ("$v = $nothing | ForEach-Object { 'x' }\n\"[$v]\"; $null | % { 'once' }", ["[x]", "once"]),
    ("function F { }\nF | % { 'never' }\n'after'", ["after"]),
])
def test_for_each_object_over_a_known_value(body: str, printed: list[str]) -> None:
    host, result = ps(body)
    assert host.lines() == printed and not result.failed


@pytest.mark.parametrize("body", [
    "$s = 'ab'\n" + "$s += $s\n" * 24,
    "$s = 'ab'\n" + "$s = $s + $s\n" * 24,
    "$s = 'ab'\n" + "$s = \"$s$s\"\n" * 24,
    "$s = 1, 2\n" + "$s += $s\n" * 24,
])
def test_a_value_doubled_beyond_a_million_characters_or_items_is_unknown(body: str) -> None:
    host, result = ps(body + "if ($s) { 'known' }\n'end'")
    assert host.lines() == ["end"] and not result.failed


def test_building_long_values_counts_against_the_statement_bound(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_ps_exec, "_MAX_STEPS", 1_000)
    host, result = ps("$big = 'ab'\n" + "$big += $big\n" * 16
                      + "foreach ($i in 1, 2, 3, 4, 5, 6, 7, 8, 9, 10) { $t = $big + $i }\n'never'")
    assert result == ScriptResult(1, TOO_LONG) and "never" not in host.lines()


def test_a_typographic_dash_names_a_parameter_and_a_parameter_is_no_value() -> None:
    host, _ = ps(TEST_JAVA + "Test-Java \u2013Path 'C:\\jdk'\nTest-Java -Path -Force\n'end'")
    assert host.lines() == ["java at C:\\jdk", "end"]  # -Path has no value: not interpreted


@pytest.mark.parametrize(("body", "printed"), [
    # return, throw and exit each take a pipeline, whose first expression may be a unary
    # comma (about_Return: `return (, $array)`; Parser.cs's ReturnStatementRule reads a
    # PipelineRule): no parse error. These were refused: the script printed nothing.
    ("function F { $a = 1,2; return ,$a }\n'after'", ["after"]),
    ("function F { $a = 1,2; return ,$a }\n$v = F\n'after'", ["after"]),
    ("if ($false) { throw ,'x' }\n'after'", ["after"]),
    ("if ($false) { exit ,1 }\n'after'", ["after"]),
])
def test_a_unary_comma_after_return_throw_or_exit_is_no_parse_error(
        body: str, printed: list[str]) -> None:
    # what `,$a` returns (an array as one object) is not interpreted: F's value is unknown
    host, result = ps(body)
    assert host.lines() == printed and not result.failed


def test_a_comma_right_after_a_commands_name_is_still_a_parse_error() -> None:
    # CommandRule's MissingArgument ('Missing argument in parameter list.')
    host, result = ps("'start'\nWrite-Output ,'a'")
    assert host.lines() == [] and not result.failed


# -- output lines ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("body", "code", "out"), [
    # Write-Host -NoNewline: the next Write-Host goes on with its line (Write-Host's docs:
    # `Write-Host "no newline test " -NoNewline; Write-Host "second string"`); Calamari reads
    # standard output a line at a time. This printed the lines a and b.
    ('Write-Host "a" -NoNewline; Write-Host "b"', 0, [("info", "ab")]),
    ("Write-Host a -NoNewline; Write-Host b -NoNewline; Write-Host c; Write-Host d", 0,
     [("info", "abc"), ("info", "d")]),
    ("Write-Host a -NoNewline:$false; Write-Host b", 0, [("info", "a"), ("info", "b")]),
    # the script's end, or exit, ends the line
    ("Write-Host a -NoNewline", 0, [("info", "a")]),
    ("Write-Host a -NoNewline; exit 2", 2, [("info", "a")]),
    # anything else written, or a statement skipped, may end the line or join it: both
    # unknown (an error is a line of standard error, known)
    ("Write-Host a -NoNewline; 'b'; 'c'", 0, [("info", "c")]),
    ("Write-Host a -NoNewline; Write-Warning w; Write-Host c", 0, [("info", "c")]),
    ("Write-Host a -NoNewline; Get-Thing; Write-Host c", 0, []),
    ("Write-Host a -NoNewline; Get-Thing; Write-Host c; Write-Host d", 0, [("info", "d")]),
    ("Write-Host a -NoNewline; Get-Thing; Write-Host \"c`nd\" -NoNewline; Write-Host e", 0,
     [("info", "de")]),
    ("Write-Host a -NoNewline; Get-Thing; Write-Host c -NoNewline", 0, []),
    # a statement not interpreted may itself leave a line open: -NoNewline (any prefix),
    # [Console]::Write
    ("Write-Host (Get-Thing) -NoNewline; Write-Host c; Write-Host d", 0, [("info", "d")]),
    ("$x = 'a'; Write-Host $x.PadLeft(3) -nonew; Write-Host c; Write-Host d", 0,
     [("info", "d")]),
    ("[Console]::Write((Get-Thing)); Write-Host c; Write-Host d", 0, [("info", "d")]),
    ("Get-Thing -Name x; Write-Host c", 0, [("info", "c")]),
    ("Write-Host a -NoNewline; throw 'x'", 1, [("error", "x")]),
])
def test_write_host_no_newline_leaves_its_line_open(
        body: str, code: int, out: list[tuple[str, str]]) -> None:
    host, result = ps(body)
    assert host.out == out and result.exit_code == code


@pytest.mark.parametrize(("os_family", "body", "out"), [
    # Calamari reads the script's output a line at a time (.NET's reader ends a line at
    # "\r\n", "\r" or "\n"): a text holding a line break is several lines of the log
    ("Windows", 'Write-Host "l1`nl2"', [("info", "l1"), ("info", "l2")]),
    ("Windows", "Write-Host \"a`r`nb`rc`n`nd\"",
     [("info", "a"), ("info", "b"), ("info", "c"), ("info", ""), ("info", "d")]),
    ("Windows", "Write-Output \"a`nb\"; \"c`nd\"",
     [("info", "a"), ("info", "b"), ("info", "c"), ("info", "d")]),
    ("Windows", "Write-Host @'\nh1\nh2\n'@", [("info", "h1"), ("info", "h2")]),
    # a line break ending the text ends an empty line (Write-Host ends its own)
    ("Windows", 'Write-Host "a`n"', [("info", "a"), ("info", "")]),
    # a "\r" ending the text: Windows' "\r\n" after it ends an empty line, Linux's "\n"
    # makes one "\r\n" with it
    ("Windows", 'Write-Host "a`r"', [("info", "a"), ("info", "")]),
    ("Linux", 'Write-Host "a`r"', [("info", "a")]),
    # Calamari's Write-Warning and Write-Verbose write the text between the service
    # messages that switch the level: each of its lines is at that level
    ("Windows", 'Write-Warning "w1`nw2"', [("warning", "w1"), ("warning", "w2")]),
    ("Windows", 'Write-Verbose "v1`nv2"', [("verbose", "v1"), ("verbose", "v2")]),
    ("Windows", 'throw "e1`ne2"', [("error", "e1"), ("error", "e2")]),
    ("Windows", 'Write-Error "e1`ne2" -ErrorAction Continue', [("error", "e1"), ("error", "e2")]),
    # -NoNewline: the lines it ends are written, the rest waits for the line's end
    ("Windows", 'Write-Host "a`nb" -NoNewline; Write-Host c',
     [("info", "a"), ("info", "bc")]),
    ("Windows", 'Write-Host "a`nb" -NoNewline; Write-Warning w; Write-Host c',
     [("info", "a"), ("info", "c")]),
    ("Windows", 'Write-Host "a`r" -NoNewline; Write-Host "`nb"', [("info", "a"), ("info", "b")]),
    ("Windows", 'Write-Host "a`r" -NoNewline; Write-Host "b"', [("info", "a"), ("info", "b")]),
    ("Windows", 'Write-Host "a`n" -NoNewline', [("info", "a")]),
    # at the script's end a "\r" ends the last line, and nothing follows it
    ("Windows", 'Write-Host "a`r" -NoNewline', [("info", "a")]),
    ("Windows", 'Write-Host "a`n" -NoNewline; Write-Warning w', [("info", "a"), ("warning", "w")]),
])
def test_a_text_holding_line_breaks_is_several_lines(
        os_family: str, body: str, out: list[tuple[str, str]]) -> None:
    host, _ = ps(body, os_family)
    assert host.out == out


# -- the two editions -----------------------------------------------------------------------------
@pytest.mark.parametrize("body", [
    # PowerShell 7's operators (about_Pipeline_Chain_Operators, about_Operators: ??, ??=, ?.,
    # ?[], a ? b : c, "introduced in PowerShell 7"): Windows PowerShell 5.1's parser refuses
    # them, so on Windows (5.1 unless the step chooses Core) the script never runs. These
    # printed 'end'.
    'Write-Host a && Write-Host b',
    'Write-Host a || Write-Host b',
    '$y = $null ?? "d"',
    '$y ??= "d"',
    '$n = ${y}?.Length',
    '$v = $true ? "a" : "b"',
    'if ($false) { $v = ($c ? 1 : 2) }',  # anywhere, run or not
    'function F { $x ?? 1 }',
])
def test_powershell_7s_operators_are_a_parse_error_in_windows_powershell(body: str) -> None:
    host, result = ps(body + "\n'end'")
    assert host.lines() == [] and not result.failed
    # pwsh 7 reads them (the statement is not interpreted: skipped), on Linux
    host, result = ps(body + "\n'end'", "Linux")
    assert host.lines() == ["end"] and not result.failed


@pytest.mark.parametrize("body", [
    # where 5.1 reads them too: a command's arguments, a variable named with ?, quoted text
    "Write-Host a ?? b",
    "$x? = 1; $x?",
    "$q = 'a && b ?? c ? d'",
    "Get-Thing | ? { $_ }",
    "$r = Get-Thing ??",
])
def test_a_question_mark_windows_powershell_reads_is_no_parse_error(body: str) -> None:
    host, result = ps(body + "\n'end'")
    assert host.lines()[-1:] == ["end"] and not result.failed


def test_a_windows_step_choosing_another_edition_is_not_refused_for_7s_operators() -> None:
    # Octopus.Action.PowerShell.Edition = Core runs pwsh: which one is installed is not modelled
    host = Host()
    host.variables = {"Octopus.Action.PowerShell.Edition": "Core"}
    _, result = run('$y = $null ?? "d"\n\'end\'', PS, host)
    assert host.lines() == ["end"] and not result.failed


@pytest.mark.parametrize(("os_family", "body", "out"), [
    # $PSEdition in both editions; $IsWindows... are PowerShell 7's constants (5.1: unset)
    ("Windows", "$PSEdition", ["Desktop"]),
    ("Linux", "$PSEdition", ["Core"]),
    ("Linux", "$IsWindows; $IsLinux; $IsMacOS; $IsCoreCLR", ["False", "True", "False", "True"]),
    ("Windows", "if ($null -eq $IsWindows -and $null -eq $IsLinux) { 'unset' }", ["unset"]),
    ("Linux", "Set-StrictMode -Version Latest; if ($IsLinux) { 'linux' }", ["linux"]),
])
def test_the_edition_and_platform_variables(os_family: str, body: str, out: list[str]) -> None:
    host, result = ps(body + "\n'end'", os_family)
    assert host.lines() == [*out, "end"] and not result.failed


@pytest.mark.parametrize(("os_family", "body"), [
    # 5.1 under strict mode: reading an unset variable is PowerShell's error (not modelled)
    ("Windows", "Set-StrictMode -Version 1; $IsWindows"),
    ("Linux", "$IsLinux = $false; $IsLinux"),  # a constant: assigning it is an error
    ("Windows", "$PSEdition = 'x'; $PSEdition"),  # read-only
])
def test_edition_variables_not_modelled_are_skipped(os_family: str, body: str) -> None:
    host, result = ps(body + "\n'end'", os_family)
    assert host.lines() == ["end"] and not result.failed


def test_the_edition_variables_are_unknown_where_the_edition_is() -> None:
    host = Host()
    host.variables = {"Octopus.Action.PowerShell.Edition": "Core"}
    _, result = run("$PSEdition; $IsWindows\n'end'", PS, host)
    assert host.lines() == ["end"] and not result.failed
