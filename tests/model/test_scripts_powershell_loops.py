"""PowerShell's while, do/while, do/until and for loops as the simulator interprets them:
break and continue, the statement bound for loops that never end, and conditions it
cannot evaluate (the loop, or its rest, is not interpreted, never guessed)."""

from __future__ import annotations

import pytest

from octosim.model.scripts import ScriptResult, _ps_exec
from octosim.model.scripts._ps_exec import TOO_LONG
from tests.model.test_scripts_powershell_flow import ps


@pytest.mark.parametrize(("body", "printed"), [
    ("$i = 0\nwhile ($i -lt 3) { \"i=$i\"; $i++ }\n\"after $i\"", ["i=0", "i=1", "i=2", "after 3"]),
    ("$i = 9\nwhile ($i -lt 3) { 'never' }\n'end'", ["end"]),
    ("$i = 0\nwhile ($true) {\n  $i++\n  if ($i -eq 2) { continue }\n  if ($i -gt 3) { break }\n"
     "  \"w$i\"\n}", ["w1", "w3"]),
    # do runs its body once before testing; until stops when the condition holds
    ("$i = 0\ndo { \"d$i\"; $i++ } while ($i -lt 2)", ["d0", "d1"]),
    ("$i = 5\ndo { \"once $i\" } while ($i -lt 3)", ["once 5"]),
    ("$i = 0\ndo {\n  $i += 2\n}\nuntil ($i -ge 5)\n\"i=$i\"", ["i=6"]),
    ("$i = 0\ndo\n{\n  $i++\n} until ($i -eq 3)\n\"i=$i\"", ["i=3"]),
    # for: init once, the iterator after each run, continue runs it too
    ("for ($i = 0; $i -lt 3; $i++) { \"f$i\" }", ["f0", "f1", "f2"]),
    ("for ($i = 0; $i -lt 9; $i += 2) { if ($i -eq 2) { continue }; if ($i -ge 6) { break }; "
     "\"f$i\" }\n\"end $i\"", ["f0", "f4", "end 6"]),
    ("for ($i = 0\n     $i -lt 2\n     $i++)\n{\n  \"nl $i\"\n}", ["nl 0", "nl 1"]),
    ("$i = 1\nfor (; $i -lt 3;) { \"p$i\"; $i++ }", ["p1", "p2"]),
    ("for (\n  $i = 0;\n  $i -lt 2;\n  $i++\n) { \"s$i\" }", ["s0", "s1"]),
    ("for ($n = 0;;) { $n++; if ($n -eq 4) { break } }\n\"n=$n\"", ["n=4"]),
    # nested: break leaves the inner loop only; a function's break ends its caller's loop
    ("for ($a = 0; $a -lt 2; $a++) { $b = 0; while ($true) { if ($b -eq 1) { break }; "
     "\"$a$b\"; $b++ } }", ["00", "10"]),
    ("function Stop-It { break }\n$i = 0\nwhile ($i -lt 5) { \"i$i\"; $i++; Stop-It }\n'after'",
     ["i0", "after"]),
    # a statement the simulator cannot run inside one is skipped; the loop goes on
    ("$i = 0\nwhile ($i -lt 2) { Get-Item x; \"i$i\"; $i++ }", ["i0", "i1"]),
])
def test_while_do_and_for_loops(body: str, printed: list[str]) -> None:
    host, result = ps(body)
    assert host.lines() == printed and not result.failed


@pytest.mark.parametrize("body", [
    "while ($true) { }",
    "for (;;) { Write-Verbose 'spin' }",
    "do { } until ($false)",
    "$i = 0\nwhile ($i -ge 0) { $i++ }",
    "do { Start-Sleep 1 } while ($true)",
])
def test_a_loop_that_never_ends_fails_saying_so(body: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_ps_exec, "_MAX_STEPS", 1_000)  # the same bound, reached sooner
    host, result = ps(body + "\n'never'")
    assert result == ScriptResult(1, TOO_LONG) and host.lines("error") == [TOO_LONG]
    assert "never" not in host.lines()


@pytest.mark.parametrize(("body", "printed"), [
    # a condition the simulator cannot evaluate: the loop is not interpreted, and what it
    # assigns is unknown afterwards
    ("$done = 'no'\nwhile ((Get-Date).Hour -lt 12) { $done = 'yes' }\n"
     "if ($done -eq 'no') { 'stale' }", []),
    ("$i = 0\ndo { $i++ } until (Test-Path C:\\ready)\nif ($i -eq 1) { 'stale' }", []),
    # one that becomes unknown: the runs before it stand, the rest is not interpreted
    ("$n = 0\nwhile ($n -lt 3) { \"n$n\"; $n++; if ($n -eq 2) { $n = Get-Random } }\n"
     "if ($n -eq 2) { 'stale' }", ["n0", "n1"]),
    ("for ($i = 0; $i -lt 2; $i = $i.Next()) { \"f$i\" }\nif ($i -eq 0) { 'stale' }", ["f0"]),
    # labels, and loops PowerShell would not parse
    (":outer while ($true) { break outer }", []),
    ("do { 'x' }", []),
    ("do { 'x' } while ($false) 'more'", []),
    ("for ($i = 0; $i -lt 1; $i++; $j++) { 'x' }", []),
    ("while ($false) 'x'", []),
])
def test_a_loop_the_simulator_cannot_follow_is_not_interpreted(body: str,
                                                               printed: list[str]) -> None:
    host, result = ps(body + "\n'end'")
    assert host.lines() == [*printed, "end"] and not result.failed


# -- switch -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("body", "printed"), [
    # every clause that matches runs; default only when none did
    ("switch (3) {\n  1 { 'one' }\n  3 { 'three' }\n  3 { 'three again' }\n"
     "  default { 'other' }\n}", ["three", "three again"]),
    ("$env:ENV_NAME = 'Production'\nswitch ($env:ENV_NAME)\n{\n  'production' { 'prod' }\n"
     "  staging { 'stage' }\n  default { \"dev: $_\" }\n}", ["prod"]),
    ("$name = 'qa'\nswitch ($name) { 'prod' { 'p' } default { \"not prod: $_\" } }",
     ["not prod: qa"]),
    # an array: each item in turn; break ends the switch, continue goes to the next item
    ("switch (1, 4, 2, 1) { 1 { 'one' } 2 { 'two'; break } default { \"other $_\" } }\n'end'",
     ["one", "other 4", "two", "end"]),
    ("switch ('a', 'b', 'c') { 'b' { continue } default { \"item $_\" } }", ["item a", "item c"]),
    # in a loop, break ends only the switch
    ("foreach ($i in 1, 2) { switch ($i) { 1 { break } }; \"i$i\" }", ["i1", "i2"]),
    # values are compared as strings (PowerShell converts both), ignoring case
    ("switch (1) { '01' { 'matched' } '1' { 'as text' } default { 'no' } }", ["as text"]),
    ("switch ('ABC') { abc { 'ignoring case' } }", ["ignoring case"]),
    ("switch -CaseSensitive ('ABC') { abc { 'x' } 'ABC' { 'exact' } }", ["exact"]),
    # -Wildcard / -Regex for string clauses (the last of -Exact/-Wildcard/-Regex wins)
    ("switch -Wildcard ('PowerShell') { 'Power*' { 'starts' } '*shell' { 'ends' } 1 { 'x' } }",
     ["starts", "ends"]),
    ("switch -Wildcard -CaseSensitive ('PowerShell') { 'Power*' { 'starts' } '*shell' { 'x' } }",
     ["starts"]),
    ("switch -Regex ('abc123') { '\\d+' { 'digits' } '^x' { 'x' } }", ["digits"]),
    ("switch -Regex -Exact ('abc') { 'a.c' { 'regex' } 'ABC' { 'exact' } }", ["exact"]),
    # a { } clause is a condition on $_
    ("switch (5) { { $_ -gt 3 } { 'big' } { $_ -lt 3 } { 'small' } }", ["big"]),
    # a clause's statement the simulator cannot run is skipped; the switch goes on
    ("switch ('a') { a { Get-Item x; 'ran' } }", ["ran"]),
])
def test_switch_over_a_known_value(body: str, printed: list[str]) -> None:
    host, result = ps(body)
    assert host.lines() == printed and not result.failed


@pytest.mark.parametrize("body", [
    # the value unknown, or one PowerShell may read as one item or none
    "$v = 'x'\nswitch (Get-Random) { 1 { $v = 'one' } }\nif ($v -eq 'x') { 'stale' }",
    "switch ($null) { default { 'x' } }",
    "switch (@()) { default { 'x' } }",
    # -File, a flag written otherwise, a clause or body PowerShell would not parse
    "switch -File x.txt { default { 'x' } }",
    "switch -r ('a') { a { 'x' } }",
    "switch ('a') { }",
    "switch ('a') { a { 'x' } default { 'd' } default { 'e' } }",
    "switch ('a') { a 'x' }",
    # patterns that could backtrack for ages, a culture's case rules, $switch
    "switch -Regex ('aaaaaaaaaaaaaaaaaaaaaaaaaaaa!') { '(a+)+$' { 'x' } }",
    "switch ('STRASSE') { 'straße' { 'x' } }",
    "switch ('a') { a { \"$switch\" } }",
])
def test_a_switch_the_simulator_cannot_follow_is_not_interpreted(body: str) -> None:
    host, result = ps(body + "\n'end'")
    assert host.lines() == ["end"] and not result.failed


# -- a skipped statement that may have left the loop ------------------------------------------
@pytest.mark.parametrize(("body", "printed"), [
    # the retry loop: whether the service answered is unknown, so is whether it broke out;
    # the loop stops there (no retries waited out, no throw) and $attempt is unknown
    ("$attempt = 0\nwhile ($true) {\n  $attempt++\n"
     "  $r = Invoke-WebRequest -Uri 'http://localhost/health' -UseBasicParsing\n"
     "  if ($r.StatusCode -eq 200) { break }\n"
     "  if ($attempt -ge 10) { throw \"not up after $attempt attempts\" }\n"
     "  Start-Sleep -Seconds 5\n}\nWrite-Host \"healthy after $attempt\"", []),
    ("$n = 0\nwhile ($true) { $n++; if ((Get-Date).Second -ge 0) { break } }", []),
    ("$i = 0\nwhile ($i -lt 3) { $i++; $s = Get-Random; if ($s -eq 1) { break } }\n\"i$i\"", []),
    ("$n = 0\nwhile ($n -lt 5) { $n++; if ((Get-Date).Second -ge 0) { continue }; \"n$n\" }\n"
     "if ($n -eq 1) { 'stale' }", []),
    # the runs before it stand
    ("$n = 0\ndo { \"n$n\"; $n++; if ($n -eq 2) { if ((Get-Date).Second -ge 0) { break } } }"
     " while ($n -lt 5)", ["n0", "n1"]),
    ("for ($i = 0; $i -lt 3; $i++) { \"f$i\"; if ($i -eq 1) { $v = Get-Item x\n"
     "if ($v) { exit 1 } } }", ["f0", "f1"]),
    # foreach and switch the same
    ("$last = 'none'\nforeach ($x in 1, 2, 3) { $last = $x; if ((Get-Date).Second -ge 0)"
     " { continue }; \"x$x\" }\nif ($last -eq 1) { 'stale' }", []),
    ("switch (1, 2) { 1 { if ((Get-Date).Second -ge 0) { break }; 'one' } 2 { 'two' } }", []),
    # through a call of the script's function that holds break
    ("function Stop-Maybe { if ((Get-Date).Second -ge 0) { break } }\n$i = 0\n"
     "while ($i -lt 3) { \"i$i\"; $i++; Stop-Maybe }", ["i0"]),
    # a skipped try holding return
    ("function F { foreach ($x in 1, 2) { \"x$x\"; try { return } catch [Custom.Error] { } } }\n"
     "F", ["x1"]),
])
def test_a_skipped_statement_that_may_leave_the_loop_stops_it(body: str,
                                                               printed: list[str]) -> None:
    host, result = ps(body + "\n'end'")
    assert host.lines() == [*printed, "end"] and not result.failed
    assert not host.lines("error")


@pytest.mark.parametrize(("body", "printed"), [
    # a skipped statement that cannot leave it: the loop goes on
    ("$i = 0\nwhile ($i -lt 2) { $v = Get-Random; \"i$i\"; $i++ }", ["i0", "i1"]),
    # an inner loop's own break does not leave the outer one, even when the inner is skipped
    ("foreach ($a in 1, 2) { while ((Get-Date).Second -ge 0) { break }; \"a$a\" }",
     ["a1", "a2"]),
    # a function's return ends only the function, never its caller's loop
    ("function Deploy-It($s) { if ((Get-Date).Second -ge 0) { return }; \"deployed $s\" }\n"
     "foreach ($s in 'a', 'b') { Deploy-It $s; \"done $s\" }",
     ["deployed a", "done a", "deployed b", "done b"]),
])
def test_a_skipped_statement_that_cannot_leave_the_loop_does_not_stop_it(
        body: str, printed: list[str]) -> None:
    host, result = ps(body)
    assert host.lines() == printed and not result.failed


def test_an_if_on_an_unknown_value_outside_a_loop_runs_no_branch_and_the_script_goes_on() -> None:
    # the documented rule, as in the Bash interpreter: no branch is guessed, not even an exit
    host, result = ps("if ((Get-Date).Second -ge 0) { exit 1 }\n'after'")
    assert host.lines() == ["after"] and result.exit_code == 0


# -- assignments written otherwise --------------------------------------------------------------
@pytest.mark.parametrize(("body", "printed"), [
    # ++$x and --$x as statements are interpreted, as $x++ and $x-- are
    ("$i = 0\nwhile ($i -lt 3) { \"i$i\"; ++$i }", ["i0", "i1", "i2"]),
    ("$i = 0\n++$i\n$i\n--$i\n--$i\n$i", ["1", "-1"]),
    # the rest make what they assign unknown: a string holding it is not printed
    ("$x = 0\n$x, $y = 1, 2\n\"x$x\"\n\"y$y\"", []),
    ("$a = 1, 2\n$a[0] = 9\n\"a$a\"", []),
    ("$a = 1, 2\n$b = $a\n$a[0] = 9\n\"b$b\"", []),  # the same array: $b sees the change
    ("$a = 1, 2\nfunction Set-First { $a[0] = 9 }\nSet-First\n\"a$a\"", []),
    ("$o = 1\n$o.P = 2\n\"o$o\"", []),
    ("$x = 0\n${x} = 5\n\"x$x\"", []),
    ("$x = 1\nRemove-Variable x\nif ($x -eq 1) { 'still one' }", []),
    ("$x = 1\nClear-Variable -Name x\n\"x$x\"", []),
    ("$x = 1\nfunction Clear-It { Remove-Variable -Scope Script x }\nClear-It\n\"x$x\"", []),
    ("$x = 1\n$name = 'x'\nRemove-Variable $name\n\"x$x\"", []),
    ("$t1 = 1\n$o = 2\nRemove-Variable t*\n\"t$t1\"\n\"o$o\"", ["o2"]),
    # loops over them end as PowerShell's would, or stop not followed: never TOO_LONG
    ("$state = @('waiting')\nwhile ($state[0] -eq 'waiting') { $state[0] = 'ready' }", []),
    ("$a = 0\n$b = 1\nwhile ($a -lt 100) { $a, $b = $b, ($a + $b) }", []),
    ("$i = 0\nwhile ($i -lt 3) { ${i} = ${i} + 1 }", []),
])
def test_assignments_written_otherwise_are_interpreted_or_unknown(body: str,
                                                                  printed: list[str]) -> None:
    host, result = ps(body + "\n'end'")
    assert host.lines() == [*printed, "end"] and not result.failed


# -- work on big values counts against the statement bound ----------------------------------
@pytest.mark.parametrize("body", [
    # writing an array: a statement each ten lines, counted before any is written
    "$a = 1..100000\n$a",
    "$a = 1..100000\nWrite-Output $a",
    # comparing its items: a statement each ten
    "$a = 1..100000\nif ($a -eq 5) { 'five' }",
    "$a = 1..100000\nif ($a -contains -1) { 'found' }",
    "$a = 1..100000\nif (-1 -in $a) { 'found' }",
    # joining it (-join, in a string, as an argument): a statement each hundred items
    "$a = @('') * 100000\n$j = $a -join ''",
    "$a = @('') * 100000\n$j = \"$a\"",
    "$a = @('') * 100000\nWrite-Host $a",
])
def test_work_on_a_big_array_counts_against_the_bound(body: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_ps_exec, "_MAX_STEPS", 500)
    host, result = ps(body + "\n'never'")
    assert result == ScriptResult(1, TOO_LONG) and host.lines() == []


def test_writing_a_long_line_again_and_again_counts_against_the_bound() -> None:
    host, result = ps("$s = 'x' * 999999\nforeach ($i in 1..60) { $s }\n'never'")
    assert result == ScriptResult(1, TOO_LONG) and len(host.lines()) < 50


def test_an_array_too_long_to_write_as_one_line_is_not_written() -> None:
    # 200,000 numbers are 1,288,894 characters: past the longest text the simulator builds
    host, result = ps("$a = 1..200000\nWrite-Host $a\n\"x$a\"\n'end'")
    assert host.lines() == ["end"] and not result.failed
