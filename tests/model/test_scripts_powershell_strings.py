"""PowerShell's text operators and string methods as the simulator interprets them:
``-replace``, ``-split`` (binary and unary), ``-join`` among the comparisons, ``[regex]::
Escape``, ``.Contains()``/``.Split()``/``.Trim()``... and indexing any value; and what stays
not interpreted (skipped, never guessed). The PATH edits of install steps are the reason:
``($path -split ';') -notcontains $dir``. The stand-in host is test_scripts_running's."""

from __future__ import annotations

import pytest

from octosim.model.scripts._ps_exec import TOO_LONG
from tests.model.test_scripts_powershell_flow import ps
from tests.model.test_scripts_running import PS, Host, run


def printed(body: str) -> list[str]:
    """What ``body`` prints, after checking it ran to its end (``'end'``) without failing."""
    host, result = ps(body + "\n'end'")
    assert not result.failed and host.lines("error") == []
    lines = host.lines()
    assert lines[-1:] == ["end"], lines
    return lines[:-1]


# -- -replace -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("body", "out"), [
    ("'PowerPoint' -replace 'Point', 'Shell'", ["PowerShell"]),
    ("'PowerPoint' -replace 'point'", ["Power"]),  # no replacement: removed; any case
    ("'PowerPoint' -creplace 'point', 'x'; 'PowerPoint' -ireplace 'POINT', 'x'",
     ["PowerPoint", "Powerx"]),
    ("'1.2.3' -replace '\\.', '_'", ["1_2_3"]),
    # .NET's substitutions: a group, by number or braced, $$, the whole match
    ("'a-b' -replace '(\\w)-(\\w)', '$2-$1|${1}|$$|$&|$0'", ["b-a|a|$|a-b|a-b"]),
    ("'a-b' -replace '-', '$x'", ["a$xb"]),  # $ before a letter is text
    # in double quotes $1 is PowerShell's variable, $null here, before -replace sees it
    ("'abc' -replace '(b)', \"[$1]\"", ["a[]c"]),
    ("$null -replace 'a', 'b'", [""]),  # $null is ''
    ("1.5 -replace '\\.', ','", ["1,5"]),  # a number as its text
    ("'ab', 'cb' -replace 'b', 'x'", ["ax", "cx"]),  # an array, item by item
    ("$v = 'C:\\Java\\bin\\' -replace '\\\\$'; $v", ["C:\\Java\\bin"]),
])
def test_replace(body: str, out: list[str]) -> None:
    assert printed(body) == out


@pytest.mark.parametrize("body", [
    "'abc' -replace 'b', 'x', 'y'",  # more than two operands: PowerShell's error
    "'abc' -replace '(b)', '$2'",  # a group the pattern lacks: .NET keeps the text
    "'abc' -replace '(b)', '$12'",  # which group .NET reads is not modelled
    "'abc' -replace '(b)', '${name}'",
    "'abc' -replace '(b)', '$+'",
    "'abc' -replace '(b)', '$_'",
    "'abc' -replace '(?<n>b)', 'x'",  # (? groups: .NET and Python differ
    "'été' -replace 't', 'x'",  # non-ASCII text
    "'abc' -replace 'b', '${' + ('9' * 5000) + '}'",
    # a result beyond a million characters, decided as it is built, not after
    "$s = 'a' * 900000; $s -replace '', ('b' * 1000)",
])
def test_replace_not_modelled_is_skipped(body: str) -> None:
    assert printed(body) == []


# -- -split ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("body", "out"), [
    ("'C:\\a;C:\\b;;x' -split ';'", ["C:\\a", "C:\\b", "", "x"]),
    ("'a1b22c' -split '\\d+'", ["a", "b", "c"]),
    ("'aXbxc' -split 'x'; 'aXbxc' -csplit 'x'", ["a", "b", "c", "aXb", "c"]),
    ("'a,b,c' -split ',', 2; 'a,b' -split ',', 0", ["a", "b,c", "a", "b"]),
    ("'a1b2c' -split '(\\d)'", ["a", "1", "b", "2", "c"]),  # groups are kept, as .NET does
    ("'a1b' -split '(x)?1'", ["a", "b"]),  # a group that took no part is not
    ("($null -split ',').Count; ('' -split ',').Count", ["1", "1"]),
    ("'a,b', 'c' -split ','", ["a", "b", "c"]),
    ("('solo' -split ',').Count; ('solo' -split ',')[0]", ["1", "solo"]),  # always an array
    # unary: trimmed, split at runs of white space; it binds tighter than the comma
    ("-split \"  a \t b  c \"", ["a", "b", "c"]),
    ("(-split '   ').Count", ["1"]),
])
def test_split(body: str, out: list[str]) -> None:
    assert printed(body) == out


@pytest.mark.parametrize("body", [
    "'abc' -split ''",  # a match of no characters
    "'a b c' -split ' ', -2",  # PowerShell 7 splits from the right, 5.1 does not
    "'a b c' -split ' ', 2, 'SimpleMatch'",  # options
    "'a b' -split 'b*'",
])
def test_split_not_modelled_is_skipped(body: str) -> None:
    assert printed(body) == []


# -- the chain of comparison precedence -----------------------------------------------------------
@pytest.mark.parametrize(("body", "out"), [
    # applied from the left: split, then compare
    ("$p = 'C:\\a;C:\\Java\\bin'\nif ($p -split ';' -contains 'c:\\java\\bin') { 'has' }",
     ["has"]),
    ("$p = 'C:\\a'\nif (($p -split ';') -notcontains 'C:\\Java\\bin') { 'missing' }",
     ["missing"]),
    ("'a;b' -split ';' -join ','", ["a,b"]),
    ("'a-b' -replace '-', ' ' -split ' ' -join '+'", ["a+b"]),
    ("-join ('a', 'b'); (-join 'xy').Length", ["ab", "2"]),
    # a comparison's value assigned: a bool, or the items an array filters to
    ("$ok = 'abc' -eq 'ABC'; $ok; $big = 1, 2, 3 -gt 1; $big", ["True", "2", "3"]),
    ("$m = 'x' -match 'y'; \"m=$m\"", ["m=False"]),
])
def test_operators_apply_from_the_left(body: str, out: list[str]) -> None:
    assert printed(body) == out


@pytest.mark.parametrize("body", [
    # a comparison's result as the next operator's operand: not modelled (it was evaluated
    # the wrong way round before: $a -eq ('x' -join ','))
    "$a = 'x'\nif ($a -eq 'x' -join ',') { 'then' } else { 'else' }",
    "if ('b' -in 'a;b' -split ';') { 'then' } else { 'else' }",  # ('b' -in 'a;b') -split ';'
    "if (1 -eq 1 -eq $true) { 'then' } else { 'else' }",
])
def test_a_comparison_inside_a_chain_runs_no_branch(body: str) -> None:
    assert printed(body) == []


# -- string methods, members and indexing ---------------------------------------------------------
@pytest.mark.parametrize(("body", "out"), [
    ("'C:\\Java\\bin'.Contains('Java'); 'abc'.Contains('B')", ["True", "False"]),  # ordinal
    ("'aAa'.Replace('a', 'b'); 'abc'.Replace('b', $null)", ["bAb", "ac"]),
    ("'a;b;'.Split(';').Count; 'a;b'.Split(';')[1]", ["3", "b"]),
    ("'[' + \"  x y \t\".Trim() + ']'", ["[x y]"]),
    ("'C:\\j\\\\'.TrimEnd('\\'); 'xxabab'.TrimEnd('ab'); '--x--'.TrimStart('-')",
     ["C:\\j", "xx", "x--"]),
    ("'Tentacle'.ToUpper(); 'TENTACLE'.ToLowerInvariant()", ["TENTACLE", "tentacle"]),
    ("'C:\\Java'.StartsWith('C:\\'); 'app.exe'.EndsWith('.EXE')", ["True", "False"]),
    ("'abcabc'.IndexOf('c'); 'abc'.IndexOf('x')", ["2", "-1"]),
    ("'abcdef'.Substring(2); 'abcdef'.Substring(1, 3)", ["cdef", "bcd"]),
    ("'  Web  '.Trim().ToLower().Length", ["3"]),  # members chain, left to right
    ("$env:JH = 'C:\\jdk\\'; $env:JH.TrimEnd('\\'); \"$($env:JH.Length)\"",
     ["C:\\jdk", "7"]),
    ("('a' + 'bc').Length; @(1, 2).Count; 'x'.ToString()", ["3", "2", "x"]),
    ("$a = 'x', 'y', 'z'; $i = 2; $a[$i]; $a[$i - 1].ToUpper(); ('p;q' -split ';')[-1]",
     ["z", "Y", "q"]),
    # a member in a command's argument is evaluated (argument mode reads $x.Member)
    ("$n = 'web'; Write-Host $n.ToUpper() done", ["WEB done"]),
    ("[regex]::Escape('C:\\Program Files\\Java (x)')",
     ["C:\\\\Program\\ Files\\\\Java\\ \\(x\\)"]),
    ("$p = 'D:\\x;C:\\Java\\bin'\n"
     "if ($p -match [System.Text.RegularExpressions.Regex]::Escape('C:\\Java\\bin')) { 'on' }",
     ["on"]),
])
def test_string_members(body: str, out: list[str]) -> None:
    assert printed(body) == out


@pytest.mark.parametrize("body", [
    "(5).ToString()",  # a method on a number
    "'a::b'.Split('::')",  # Windows PowerShell splits at each ':', PowerShell 7 at '::'
    "'ab'.Replace('', 'x')",  # .NET's ArgumentException
    "'İ'.ToLower()",  # non-ASCII: the culture decides
    "'a-b'.StartsWith('ab')",  # a hyphen: Windows' word sort weighs it specially
    "'abc'.Substring(2, 5)",  # beyond the text: .NET's exception
    "'abc'.PadLeft(5)",  # another method
    "'abc'.Chars",  # another property
    "$a = 'x', 'y'; $a[0, 1]",  # a slice
    "'x'.Trim(1)",  # an argument that is no string: the overload is not modelled
])
def test_members_not_modelled_are_skipped(body: str) -> None:
    assert printed(body) == []


NULL_METHOD = "You cannot call a method on a null-valued expression."


@pytest.mark.parametrize("body", [
    "$env:UNSET.Trim()",
    "if ($env:UNSET.Trim() -eq '') { 'then' } else { 'else' }",
    "function Get-Home { $env:JAVA_HOME.TrimEnd('\\') }\n$h = Get-Home",
])
def test_a_method_on_null_fails_the_step_under_calamari_s_stop(body: str) -> None:
    # PowerShell's statement-terminating error; Calamari's $ErrorActionPreference = 'Stop'
    # makes it end the script, as `$env:JAVA_HOME.Trim()` does on a Tentacle without it
    host, result = ps(body + "\n'after'")
    assert result.exit_code == 1 and host.out == [("error", NULL_METHOD)]


@pytest.mark.parametrize(("body", "out"), [
    # a catch takes it, whatever the preference (a try makes it terminating)
    ("try { $x = $null; $x.Trim() } catch [System.Management.Automation.RuntimeException] "
     "{ \"caught: $_\" }", [("info", f"caught: {NULL_METHOD}")]),
    ("$ErrorActionPreference = 'Continue'\ntry { $u.Trim(); 'not here' } catch { 'caught' }",
     [("info", "caught")]),
    # otherwise it ends only its statement: printed under Continue, silent under
    # SilentlyContinue; what the statement assigns is unknown afterwards
    ("$ErrorActionPreference = 'Continue'\n$y = 'old'\n$y = $u.ToUpper()\n"
     "if ($y -eq 'old') { 'stale' }", [("error", NULL_METHOD)]),
    ("$ErrorActionPreference = 'SilentlyContinue'\n$u.ToUpper()", []),
    # a property of $null is no error: .Length and .Count are 0
    ("$x = $null; $x.Length", [("info", "0")]),
])
def test_a_method_on_null_under_other_preferences(body: str,
                                                  out: list[tuple[str, str]]) -> None:
    host, result = ps(body + "\n'after'")
    assert not result.failed and host.out == [*out, ("info", "after")]


@pytest.mark.parametrize(("body", "out"), [
    # a property of $null is $null, whatever its name ("References to non-existent
    # properties return $null" while Set-StrictMode is off)
    ("$x = $null; if ($x.Foo -eq $null) { 'null' } else { 'other' }", ["null"]),
    ("$v = $unset.Version; \"[$v]\"", ["[]"]),
    ("$null.Anything", []),
])
def test_a_property_of_null_is_null(body: str, out: list[str]) -> None:
    assert printed(body) == out


def test_a_method_on_a_property_of_null_fails_the_step() -> None:
    host, result = ps("$y = $u.Prop.Trim()\n'after'")
    assert result.exit_code == 1 and host.out == [("error", NULL_METHOD)]


def test_a_property_of_null_under_strict_mode_is_not_interpreted() -> None:
    # PowerShell's strict mode makes a missing property an error: not modelled
    assert printed("Set-StrictMode -Version 2\n$x = $null\n$v = $x.Foo\n"
                   "if ($v -eq $null) { 'null' }") == []


NULL_INDEX = "Cannot index into a null array."


@pytest.mark.parametrize("body", [
    "$x = $null; $x[0]",
    "$v = $unset[1]",
    "if ($env:OCTOSIM_UNSET[0] -eq 'a') { 'a' }",
    "$a = 'x', 'y'; $a[5][0]",  # past the end: $null, then indexed
])
def test_indexing_null_fails_the_step_under_calamari_s_stop(body: str) -> None:
    # PowerShell's statement-terminating error (with or without Set-StrictMode)
    host, result = ps(body + "\n'after'")
    assert result.exit_code == 1 and host.out == [("error", NULL_INDEX)]


@pytest.mark.parametrize(("body", "out"), [
    ("try { $m = $null; $m[1] } catch [System.Management.Automation.RuntimeException] "
     "{ \"caught: $_\" }", [("info", f"caught: {NULL_INDEX}")]),
    ("$ErrorActionPreference = 'Continue'\n$y = 'old'\n$y = $n[0]\n"
     "if ($y -eq 'old') { 'stale' }", [("error", NULL_INDEX)]),
])
def test_indexing_null_under_other_preferences(body: str, out: list[tuple[str, str]]) -> None:
    host, result = ps(body + "\n'after'")
    assert not result.failed and host.out == [*out, ("info", "after")]


# -- the install step's PATH edit, the reason for all this ---------------------------------------
INSTALL = r"""
$dir = 'C:\Java\bin'
$machine = [Environment]::GetEnvironmentVariable('PATH', 'Machine')
if (($machine -split ';') -notcontains $dir) {
    [Environment]::SetEnvironmentVariable('PATH', $machine.TrimEnd(';') + ";$dir", 'Machine')
    Write-Host "Added $dir to the machine PATH"
} else {
    Write-Host "$dir is already on the machine PATH"
}
"""
CHECK = r"""
if (-not ($env:PATH -split ';' -contains 'C:\Java\bin')) {
    throw 'java is not on the PATH this process started with'
}
Write-Host 'java is on the PATH'
"""


def test_an_install_step_adds_to_the_machine_path_once_and_the_snapshot_does_not_see_it() -> None:
    host = Host()
    run(INSTALL, PS, host)
    run(INSTALL, PS, host)  # idempotent: the second run finds it
    assert host.lines() == ["Added C:\\Java\\bin to the machine PATH",
                            "C:\\Java\\bin is already on the machine PATH"]
    path = host.machine.machine_value("PATH")
    assert path is not None and path.split(";").count("C:\\Java\\bin") == 1
    # the script's own environment is the snapshot the Tentacle started with
    _, result = run(CHECK, PS, host)
    assert result.failed and host.lines("error") == [
        "java is not on the PATH this process started with"]


def test_text_operators_count_against_the_statement_budget() -> None:
    # 900,000 characters replaced a hundred times: a statement per 1,000 characters,
    # counted before the work, so the script fails soon instead of holding the simulation
    host, result = ps("$s = 'a' * 900000\nforeach ($i in 1..100) { $s = $s -replace 'b', 'c' }")
    assert result.exit_code == 1 and host.lines("error") == [TOO_LONG]
    # and a statement per five matches, as they are found: 300,000 are too many at once
    host, result = ps("$s = 'a ' * 300000\n$n = ($s -split ' ').Count")
    assert result.exit_code == 1 and host.lines("error") == [TOO_LONG]
    host, result = ps("$s = 'a,' * 300000\n$s = $s -replace ',', ';'")
    assert result.exit_code == 1 and host.lines("error") == [TOO_LONG]
    assert printed("$s = 'a ' * 100000\n($s -split ' ').Count") == ["100001"]


# -- after review: what an array of one, a [char], $null in a pipeline and strict mode are ---
@pytest.mark.parametrize(("body", "out"), [
    # an array on the left filters, one item or more
    ("$r = ('a' -split ',') -eq 'a'; \"[$r]\"; $r.Count", ["[a]", "1"]),
    ("if (('' -split ',') -eq '') { 'yes' } else { 'no' }", ["no"]),  # @(''): false
    ("if (@(0) -eq 0) { 't' } else { 'f' }", ["f"]),
    # unary -split and -join bind looser than members and indexes
    ("$a = 'x y z'; -split $a.Length", ["5"]),
    ("$s = 'ab cd'; -split $s[0]", ["a"]),
    ("$a = 'p', 'q'; -join $a.Count", ["2"]),
    # one service is itself, not an array of one: its Name is a text
    ("(Get-Service 'OctopusDeploy Tentacle').Name.Length", ["22"]),
    ("(Get-Service 'OctopusDeploy Tentacle').Name[0]", ["O"]),
    # a string's character prints and compares as text
    ("$s = 'abc'; $s[0]; $s[0] -eq 'A'", ["a", "True"]),
    # a .NET call followed by a member is a value, printed as a statement
    ("[Environment]::GetEnvironmentVariable('PATH', 'Machine').Split(';')[0]",
     ["C:\\Windows\\system32"]),
    ("Set-StrictMode -Version Latest\n$a = 'x;y'.Split(';'); $a[1]; 'abc'.Length", ["y", "3"]),
])
def test_after_review(body: str, out: list[str]) -> None:
    assert printed(body) == out


@pytest.mark.parametrize("body", [
    # a string's character is a [char], a number to PowerShell: its code, not its digit
    # ('5' is 53), where it meets a number; these are not interpreted (they printed n=5, eq,
    # 51, gt, 55)
    "$s = '5x'\nfunction F([int]$n) { \"n=$n\" }\nF $s[0]",
    "$s = '5x'; if (5 -eq $s[0]) { 'eq' } else { 'ne' }",
    "$s = '5x'; if ($s[0] -eq 5) { 'eq' } else { 'ne' }",
    "$s = '5x'; $s[0] + 1",
    "$s = '5x'; 1 + $s[0]",
    "$s = '5x'; if ($s[0] -gt 4) { 'gt' } else { 'le' }",
    "$s = '5x'; $s[0] * 2",
    # ordered by its code, case and all ('a' -lt 'B' is false for two chars)
    "$s = 'ab'; if ($s[0] -lt 'B') { 'lt' } else { 'ge' }",
])
def test_a_character_meeting_a_number_is_not_interpreted(body: str) -> None:
    assert printed(body) == []


@pytest.mark.parametrize("body", [
    "$s = 'abc'; $s[0].ToUpper()",  # a [char] has no ToUpper: PowerShell's error
    "'aa' -replace 'a{,3}', 'X'",  # .NET reads {,3} as text, Python as a repeat
    "'aaa' -replace 'a++', 'X'",  # possessive: .NET's "Nested quantifier" error
    "Set-StrictMode -Version Latest\n$a = 'x', 'y'; $a[5]",  # beyond the array: an error
    "Set-StrictMode -Version Latest\n'abc'.Count",  # a string has no Count: an error
    # a skipped call that may set the script's own variable leaves it unknown
    "$env:XX = 'old'\n[Environment]::SetEnvironmentVariable('XX', 'a'.PadLeft(3))\n"
    "if ($env:XX -eq 'old') { 'stale' } else { 'new' }",
    # results beyond a million characters, decided before they are built
    "$s = 'a' * 1000000; $r = $s.Replace('a', ('b' * 1000)); if ($r) { 'known' }",
    "$s = '\\' * 1000\nfor ($i = 0; $i -lt 40; $i++) { $s = [regex]::Escape($s) }\n$s.Length",
    # postfix operators chained beyond 32: each reads the text again
    "$a = 'x'\n$a" + ".Trim()" * 40,
])
def test_after_review_not_interpreted(body: str) -> None:
    assert printed(body) == []


def test_a_command_added_to_in_command_mode_is_its_arguments() -> None:
    # `Foo + 'x'` calls Foo with the arguments + and 'x' (it read them as an operator and
    # crashed the interpreter)
    assert printed("function Foo { 'f' }\n$v = Foo + 'x'\n\"v=$v\"\nif (Foo + 'x') { 't' }") == [
        "v=f", "t"]


# -- a variable followed by a colon in a string ---------------------------------------------------
@pytest.mark.parametrize("body", [
    # $x: followed by no variable name's character: the tokenizer's drive-qualified name
    # with nothing after the colon, InvalidVariableReferenceWithDrive ("Variable reference
    # is not valid. ':' was not followed by a valid variable name character. Consider using
    # ${} to delimit the name."): the script never runs. This printed 'srv: up'.
    '$x = "srv"; Write-Host "$x: up"',
    '$x = "srv"; Write-Host "[$x:]"',
    'if ($false) { $m = "at $x:" }',
    '$s = @"\n$x: up\n"@',
])
def test_a_variable_and_a_colon_in_a_string_are_a_parse_error(body: str) -> None:
    host, result = ps("'start'\n" + body)
    assert host.lines() == [] and not result.failed


@pytest.mark.parametrize(("body", "out"), [
    # "$x:8080" reads the variable ${x:8080}, an item of a drive x: not modelled (this printed
    # 'http://srv:8080'); delimited, escaped, :: or single-quoted it is $x then the text
    ('$x = "srv"; "http://$x:8080"', []),
    ('$x = "srv"; "${x}: up|$($x): up|`$x: up|$x::y"', ["srv: up|srv: up|$x: up|srv::y"]),
    ("'$x: up'", ["$x: up"]),
])
def test_a_variable_and_a_colon_in_a_string(body: str, out: list[str]) -> None:
    assert printed(body) == out


# -- backtick escapes -----------------------------------------------------------------------------
@pytest.mark.parametrize(("body", "windows", "linux"), [
    # about_Special_Characters: `f (form feed) and `v (vertical tab) in both editions (these
    # printed f and v); `e (escape) and `u{X} (a code point) in PowerShell 7 only, Windows
    # PowerShell 5.1 reading e and u (these printed e and u{e9} on Linux's pwsh 7)
    ('"a`fb|a`vb"', ["a\fb|a\vb"], ["a\fb|a\vb"]),
    ('"`e[1m|`u{e9}|`u{1F600}"', ["e[1m|u{e9}|u{1F600}"], ["\x1b[1m|\u00e9|\U0001f600"]),
    # 7 refuses `u{} with no digits, seven, or beyond U+10FFFF: not interpreted
    ('"`u{}"', ["u{}"], []),
    ('"`u{110000}"', ["u{110000}"], []),
])
def test_backtick_escapes_by_edition(body: str, windows: list[str], linux: list[str]) -> None:
    for os_family, out in (("Windows", windows), ("Linux", linux)):
        host, result = ps(body + "\n'end'", os_family)
        assert host.lines() == [*out, "end"] and not result.failed


def test_an_escape_of_one_edition_is_unknown_where_the_edition_is() -> None:
    host = Host()
    host.variables = {"Octopus.Action.PowerShell.Edition": "Core"}  # pwsh: not modelled
    run("\"`e[1m\"; \"`t|\"\n'end'", PS, host)
    assert host.lines() == ["\t|", "end"]


# -- [string]::IsNullOrWhiteSpace, [bool]::Parse, [Convert]::ToBoolean ---------------------------
@pytest.mark.parametrize(("body", "out"), [
    ("[string]::IsNullOrWhiteSpace(\" `t`n\"); [string]::IsNullOrWhiteSpace('')", ["True", "True"]),
    ("[string]::IsNullOrWhiteSpace($null); [String]::IsNullOrWhiteSpace(' x ')", ["True", "False"]),
    ("[string]::IsNullOrWhiteSpace(0); [System.String]::IsNullOrEmpty(@())", ["False", "True"]),
    ("$b = [string]::IsNullOrEmpty(' '); $b", ["False"]),
    ("if (-not [string]::IsNullOrWhiteSpace($env:UNSET)) { 'set' } else { 'blank' }", ["blank"]),
    ("[bool]::Parse('True'); [bool]::Parse(' fALSE '); [Boolean]::Parse(\"true`0`0\")",
     ["True", "False", "True"]),
    ("[System.Boolean]::Parse(\"`0 false`t\")", ["False"]),
    ("[Convert]::ToBoolean('false'); [Convert]::ToBoolean(2); [Convert]::ToBoolean(0.0)",
     ["False", "True", "False"]),
    ("[System.Convert]::ToBoolean($null); [Convert]::ToBoolean($true)", ["False", "True"]),
])
def test_dotnet_string_and_boolean_methods(body: str, out: list[str]) -> None:
    assert printed(body) == out


def test_is_null_or_white_space_is_dotnet_s_white_space() -> None:
    # U+001C is Python's white space, not .NET's (Char.IsWhiteSpace); U+3000 both's
    host, result = ps("[string]::IsNullOrWhiteSpace(\"`u{1c}\"); "
                      "[string]::IsNullOrWhiteSpace(\"`u{3000}\")\n'end'", "Linux")
    assert host.lines() == ["False", "True", "end"] and not result.failed


@pytest.mark.parametrize("body", [
    "[bool]::Parse($null)",  # ArgumentNullException
    "[bool]::Parse(1)",  # not a string
    "[bool]::Parse('fal\u017fe')",  # a long s: OrdinalIgnoreCase may fold it
    "[Convert]::ToBoolean('a'[0])",  # a character: InvalidCastException
    "[string]::IsNullOrEmpty('a', 'b')",
    "[string]::IsNullOrWhiteSpace(@(' ', ' '))",  # joined by $OFS
    "[Convert]::ToInt32('1')",
])
def test_dotnet_methods_not_modelled_are_skipped(body: str) -> None:
    assert printed(body) == []


@pytest.mark.parametrize(("os_family", "message"), [
    ("Windows", 'Exception calling "Parse" with "1" argument(s): '
                '"String was not recognized as a valid Boolean."'),
    ("Linux", 'Exception calling "Parse" with "1" argument(s): '
              '"String \'yes\' was not recognized as a valid Boolean."'),
])
def test_a_string_boolean_parse_refuses_fails_the_step(os_family: str, message: str) -> None:
    host, result = ps("[bool]::Parse('yes')\n'after'", os_family)
    assert result.exit_code == 1 and host.out == [("error", message)]
    host, result = ps("try { [Convert]::ToBoolean('1') } catch [System.FormatException] "
                      "{ 'caught' }\n'after'", os_family)
    assert host.lines() == ["caught", "after"] and not result.failed
