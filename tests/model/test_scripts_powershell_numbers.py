"""PowerShell numbers as the simulator computes them: Int32, Int64 and doubles with
PowerShell's promotions (never Python's unbounded integers), a double written only where
PowerShell 5.1 and 7 write it alike; and hostile numbers that must not raise out of the
interpreter or the restart recogniser."""

from __future__ import annotations

import pytest

from octosim.model.scripts import DetachedRestart, ScriptSyntax, interpret
from tests.model.test_scripts_powershell_flow import PS, ps
from tests.model.test_scripts_running import Host, run

NINES = "9" * 5_000  # past Python's 4,300 digits for int() and str()


@pytest.mark.parametrize(("body", "printed"), [
    # an Int32 sum beyond one is a double (PowerShell's IntOps), written as the integer
    ("$x = 2147483647; $x += 1; $x", ["2147483648"]),
    ("$x = 2147483647; $x++; \"x=$x\"", ["x=2147483648"]),
    ("$x = -2147483648; $x--; $x", ["-2147483649"]),
    # doubled 40 times: a double from 2**31 on, still written exactly below 1e15
    ("$x = 1\n" + "$x += $x\n" * 40 + "$x", ["1099511627776"]),
    # an Int64 stays one: written in full past 1e15, where a double would not be
    ("function F([long]$n) { " + "$n += $n; " * 30 + "\"$n\" }\nF 2147483647",
     [str(2147483647 * 2**30)]),
    ("$x = 3000000000; $x += 1000000000000000; $x", ["1000003000000000"]),
    # doubles PowerShell 5.1 and 7 write alike
    ("$x = 0.5 + 0.25; $x", ["0.75"]),
    ("$x = 1.5; $x -= 1.5; $x", ["0"]),
    ("Write-Output (2.5 + 1)", ["3.5"]),
])
def test_numbers_are_powershells_int32_int64_and_double(body: str, printed: list[str]) -> None:
    host, result = ps(body)
    assert host.lines() == printed and not result.failed


@pytest.mark.parametrize("body", [
    # Python's int would hold this; str() of it raised ValueError (past 4,300 digits)
    "$x = 1\n" + "$x += $x\n" * 20_000 + "$x",
    "$x = 1\nforeach ($i in " + ",".join(["1"] * 15_000) + ") { $x += $x }\n$x",
    # a double doubled past 2**1024 is infinity (PowerShell's text for it depends on
    # the culture), then infinity minus infinity is NaN
    "$x = 1.5\n" + "$x += $x\n" * 1_100 + "$x",
    "$x = -1.5\n" + "$x += $x\n" * 1_100 + "$x -= $x\n$x\nif ($x -eq $x) { 'equal' }",
    # an Int64 sum beyond one is a double: 9.22337203685478E+18 in 5.1,
    # 9.223372036854776E+18 in 7
    "$x = 9223372036854775807; $x += 1; $x",
    # 0.30000000000000004 in PowerShell 7, 0.3 in 5.1; past 1e15 or below 1e-4 they
    # switch to exponents
    "$x = 0.1 + 0.2; $x",
    "$x = 0.5; $x += 999999999999999; \"$x\"",
    "$x = 0.00001 + 0; $x",
    "$x = -0.0; $x",  # PowerShell 7 writes -0, 5.1 0
    # literals and strings beyond an Int64: a double in 5.1, a decimal in 7
    "$x = 9999999999999999999; $x",
    "$x = 1 + '9999999999999999999'; $x",
    "Write-Host (1 + " + NINES + ")",
    "$x = 1; $x += '" + NINES + "'; $x",
    # an index beyond an Int32
    "$a = 1, 2; $a[" + NINES + "]",
    "$a = 1, 2; $a[3000000000]",
])
def test_numbers_powershell_writes_differently_or_huge_are_unknown(body: str) -> None:
    host, result = ps(body + "\n'end'")
    assert host.lines() == ["end"] and not result.failed


def test_a_number_past_a_double_is_infinity_and_still_compares() -> None:
    host, _ = ps("$x = 1.5\n" + "$x += $x\n" * 1_100
                 + "if ($x -gt 1000000) { 'big' }\nif ($x -eq $x) { 'same' }")
    assert host.lines() == ["big", "same"]


def test_an_int64_beyond_2_53_compared_with_a_double_compares_as_doubles() -> None:
    # .NET converts the long to a double: 2**53 + 1 is then 2**53
    host, _ = ps("$big = 9007199254740993; $d = 0.5; $d += 9007199254740991.5\n"
                 "if ($big -eq $d) { 'equal' }")
    assert host.lines() == ["equal"]


@pytest.mark.parametrize(("call", "printed"), [
    ("F 3000000000", []),  # beyond an Int32: PowerShell's conversion error, not a wrapped int
    ("F 5", ["n=5"]),
    ("G 3000000000", ["n=3000000000"]),
    ("G '" + NINES + "'", []),
])
def test_an_int_parameter_takes_only_what_its_type_holds(call: str, printed: list[str]) -> None:
    host, result = ps("function F([int]$n) { \"n=$n\" }\nfunction G([long]$n) { \"n=$n\" }\n"
                      + call + "\n'end'")
    assert host.lines() == [*printed, "end"] and not result.failed


@pytest.mark.parametrize(("sleep", "delay"), [
    ("Start-Sleep 3", 3.0),
    ("Start-Sleep -Duration 0:0:4", 4.0),
    # beyond the parameter's range: PowerShell's validation error, no sleep
    ("Start-Sleep 1e300", 0.0),
    ("Start-Sleep -Milliseconds 99999999999", 0.0),
    ("[Threading.Thread]::Sleep(1e308)", 0.0),
    ("timeout /t 1e308", 0.0),
    ("ping -n 1e308 127.0.0.1", 0.0),
    # TimeSpan.Parse refuses these (int() of the digits raised ValueError)
    ("Start-Sleep -Duration " + NINES + ":00:00", 0.0),
    ("Start-Sleep -Duration 0:" + NINES + ":00", 0.0),
    ("Start-Sleep -Duration 0:99:00", 0.0),
    ("Start-Sleep -Duration 0:0:٤", 0.0),  # only ASCII digits are .NET's
    ("Start-Sleep '٣'", 0.0),
    ("Start-Sleep ３", 0.0),
    ("Start-Sleep 1_0", 0.0),  # Python's float() reads it as 10; .NET does not
    ("timeout /t ٣", 0.0),
])
def test_the_recogniser_counts_only_the_sleeps_powershell_takes(sleep: str, delay: float) -> None:
    effects = interpret(f"Start-Job {{ {sleep}; Restart-Service Tentacle }}",
                        ScriptSyntax.PowerShell)
    assert [e.delay_seconds for e in effects if isinstance(e, DetachedRestart)] == [delay]


@pytest.mark.parametrize(("body", "printed"), [
    # [int]$n stays an Int32: the sum beyond one cannot be converted back (PowerShell's
    # error), so the statement is not interpreted and $n is unknown
    ("function F([int]$n) { $n += $n; \"n=$n\"; if ($n -gt 0) { 'positive' } }\nF 2147483647",
     []),
    ("function F([int]$n) { $n += 1; \"n=$n\" }\nF 41", ["n=42"]),
    ("function F([long]$n) { $n += $n; \"n=$n\" }\nF 2147483647", ["n=4294967294"]),
    ("function F([int]$n) { $n = '7'; $n += 1; \"n=$n\" }\nF 1", ["n=8"]),  # '7' converts
    ("function F([string]$s) { $s = 5; $s += 1; \"s=$s\" }\nF x", ["s=51"]),
    # a cast assignment makes a typed variable too
    ("[int]$n = '7'; $n += 1; \"n=$n\"", ["n=8"]),
    ("[int]$n = 2147483647; $n += 1; if ($n -gt 0) { 'positive' }", []),
    ("[long]$n = 2147483647; $n += 1; $n", ["2147483648"]),
    ("[int]$n = 2.5; if ($n -eq 2) { 'banker' }", ["banker"]),  # half to even
])
def test_a_typed_parameter_converts_what_it_is_assigned(body: str, printed: list[str]) -> None:
    host, result = ps(body + "\n'end'")
    assert host.lines() == [*printed, "end"] and not result.failed


@pytest.mark.parametrize(("body", "printed"), [
    # a typed variable keeps its type through a skipped plain assignment: '7' converts
    ("[int]$x = 5; $x = (Get-Date).Day; $x = '7'; $x + 1", ["8"]),
    # a skipped statement that may declare a type constraint leaves what is assigned to the
    # variable unknown for good: PowerShell prints 8 where an untyped $x would print 71
    ("[int]$x = (Get-Date).Day\n$x = '7'; $x + 1; $x = '8'; \"[$x]\"", []),
    ("[int]${x} = (Get-Date).Day; $x = '7'; $x + 1", []),
    ("$y, [int]$x = 1, (Get-Date); $x = '7'; $x + 1", []),
    ("[ValidateRange(1, 5)][int]$x = (Get-Date).Month; $x = 3; \"[$x]\"", []),
    ("[int]$script:x = (Get-Date).Day; $x = '7'; $x + 1", []),
    ("function F { [int]$script:x = (Get-Date).Day }\nF; $x = '7'; $x + 1", []),
    ("if ((Get-Date).Day -gt 1) { [string]$x = 'a' }\n$x = 7; $x + 1", []),
    # the script's own param block, skipped: a typed parameter; an untyped one is plain
    ("param([int]$x, $y)\n$x = '7'; $x + 1; $y = '7'; $y + 1", ["71"]),
    # a skipped variable cmdlet may remove the variable (its type with it) or add an option
    ("[int]$x = 5; Remove-Variable x; $x = '7'; $x + 1", []),
    ("[int]$x = 5; Set-Variable -Name x* -Option ReadOnly; $x = '7'; $x + 1", []),
    # a function's constraint is its own: gone when it returns
    ("function G { [int]$x = (Get-Date).Day; $x = '7'; $x + 1 }; G; $x = '7'; $x + 1", ["71"]),
])
def test_a_type_constraint_a_skipped_statement_may_declare_stays(
        body: str, printed: list[str]) -> None:
    host, result = ps(body + "\n'end'")
    assert host.lines() == [*printed, "end"] and not result.failed


# -- - * / % and ranges ---------------------------------------------------------------------------
@pytest.mark.parametrize(("body", "printed"), [
    # precedence: * / % before + -, from the left; parentheses first
    ("2 + 3 * 4; (2 + 3) * 4; 10 - 4 - 3; $i = 0; $i = $i-1; $i", ["14", "20", "3", "-1"]),
    # / is a double unless the division is exact; % takes the dividend's sign, as .NET's
    ("7 / 2; 8 / 2; 10 % 3; -7 % 3; 7 % -3; 7.5 % 2", ["3.5", "4", "1", "-1", "1", "1.5"]),
    ("$n = 10; $n -= 3; $n /= 2; $n; $n %= 2; $n; $m = 3; $m *= 4; $m", ["3.5", "1.5", "12"]),
    # an Int32 product beyond one is a double; an Int64's beyond one too
    ("2147483647 * 2; $big = 3037000500 * 3037000500; if ($big -gt 0) { 'positive' }",
     ["4294967294", "positive"]),
    # a double divided by zero is infinity, as in .NET (an integer's is an error: unknown)
    ("$x = 1.5 / 0; if ($x -gt 1000000) { 'infinite' }", ["infinite"]),
    # strings and arrays repeat; the right operand converts to the left's type
    ("'ab' * 3; $a = @(1, 2) * 2; \"$a\"; 10 - '4'", ["ababab", "1 2 1 2", "6"]),
    # ranges, either way, Int32s
    ("1..3; 2..0; $r = 1..3 + 5; \"$r\"", ["1", "2", "3", "2", "1", "0", "1 2 3 5"]),
    ("$sum = 0; foreach ($i in 1..100) { $sum += $i }; \"sum=$sum\"", ["sum=5050"]),
    # the brief's reproduction: doubling 5,000 times is a double, then infinity
    ("$x = 1; foreach ($i in 1..5000) { $x = $x * 2 }; 'ran'\nif ($x -gt 1000000) { 'big' }",
     ["ran", "big"]),
    ("$x = 1; foreach ($i in 1..40) { $x *= 2 }; $x", ["1099511627776"]),
    # keywords read their value as an expression, commands their arguments as text
    ("$a = 5\nWrite-Host $a\ntry { throw 'Failed: ' + $a } catch { \"caught $_\" }",
     ["5", "caught Failed: 5"]),
])
def test_arithmetic_and_ranges_as_powershell_computes_them(body: str,
                                                           printed: list[str]) -> None:
    host, result = ps(body)
    assert host.lines() == printed and not result.failed


@pytest.mark.parametrize(("body", "printed"), [
    # a bool is an Int32 0 or 1 to the Add, Sub, Divide and Remainder binders (a primitive),
    # on either side, $null 0 beside it; on the right of * too (these were not interpreted)
    ("$true + 1; 1 + $true; $true + $true; $false - 1; $true / 2; 7 % $true; 2 * $true",
     ["2", "2", "2", "-1", "0.5", "0", "2"]),
    ("$true + 1.5; $true + $null; 2147483647 + $true; $x = 5; $x += $true; $x",
     ["2.5", "1", "2147483648", "6"]),
])
def test_a_bool_in_arithmetic_is_0_or_1(body: str, printed: list[str]) -> None:
    host, result = ps(body)
    assert host.lines() == printed and not result.failed


@pytest.mark.parametrize("body", [
    "$false * 3",  # Multiply's binder takes numbers only on the left: PowerShell's error
    "$true + '1'",  # a string converted as a number: not modelled
    "$true + @(1)",  # no op_Addition: PowerShell's error
])
def test_a_bool_in_arithmetic_powershell_refuses_is_unknown(body: str) -> None:
    host, result = ps(body + "\n'end'")
    assert host.lines() == ["end"] and not result.failed


@pytest.mark.parametrize(("body", "printed"), [
    # unary minus on a variable or a parenthesised expression, binding tighter than * and ..
    ("$x = 5; $y = -$x; $y; 3 + -$x; 3 - -$x; -$x * 2; -(2 + 3); - $x",
     ["-5", "-2", "8", "-10", "-5", "-5"]),
    ("$x = 2; $r = -$x..0; \"$r\"", ["-2 -1 0"]),
    ("$x = 2.5; -$x", ["-2.5"]),
    # not a number: 0 - value, so a numeric string converts (PowerShell's UnaryMinus binder)
    ("$x = '7'; -$x", ["-7"]),
    ("$x = $true; -$x", ["-1"]),  # 0 - $true: an Int32 0 or 1 to the Sub binder
    # a number keeps its type, negated as .NET's unchecked negation: the smallest Int32 is
    # its own negation (0 - it would be the double 2147483648); an Int64 stays one,
    # written in full where a double would switch to an exponent
    ("[int]$m = -2147483648; -$m", ["-2147483648"]),
    ("$m = 9223372036854775807; -$m", ["-9223372036854775807"]),
])
def test_unary_minus_as_powershell_computes_it(body: str, printed: list[str]) -> None:
    host, result = ps(body)
    assert host.lines() == printed and not result.failed


@pytest.mark.parametrize("body", [
    "$z = 0.0; -$z",  # -0: PowerShell 7 writes -0, 5.1 0
    "$x = $null; -$x",  # 0 - $null is not modelled
    "$a = 1, 2; -$a",  # PowerShell's error: op_Subtraction on an array
    "$x = 'abc'; -$x",  # PowerShell's error: cannot convert to a number
    "$x = 4; Write-Output -$x",  # argument mode: a word, not an operator
])
def test_unary_minus_it_cannot_compute_exactly_is_unknown(body: str) -> None:
    host, result = ps(body + "\n'end'")
    assert host.lines() == ["end"] and not result.failed


def test_exit_reads_its_value_as_an_expression() -> None:
    _, result = ps("$code = 2\nexit $code+1")
    assert result.exit_code == 3


def test_exit_reads_a_unary_minus_as_an_expression() -> None:
    _, result = ps("$code = 4\nexit -$code")
    assert result.exit_code == -4


@pytest.mark.parametrize("body", [
    # huge or unbounded: never built (a MemoryError, or ages)
    "$s = 'x' * 2000000000; $s",
    "$s = 'abc' * 400000; $s",
    "$a = @(1) * 1000001; $a",
    "foreach ($i in 1..2000000) { 'never' }",
    "$r = 1..3000000000; $r",
    "$r = 1..9999999999999999999; $r",
    # what PowerShell would convert or refuse: not modelled
    "$r = 1.5..3; $r",
    "$r = 'a'..'c'; $r",  # characters in PowerShell 7, an error in 5.1
    "$s = 'x' * 2.5; $s",
    "$s = 'x' * -1; $s",
    "$x = 1 / 0; $x",  # PowerShell's "Attempted to divide by zero."
    "$x = 5 % 0; $x",
    "$x = $null * 2; $x",
    "$x = '10' / 2; $x",
    # in argument mode an operator is text: "5+1", not 6
    "$a = 5; Write-Host $a+1",
    "$a = 5; Write-Output $a*2",
])
def test_operations_powershell_refuses_or_that_would_not_end_are_unknown(body: str) -> None:
    host, result = ps(body + "\n'end'")
    assert host.lines() == ["end"] and not result.failed


@pytest.mark.parametrize("body", [
    # PowerShell reads numbers in ASCII digits only: '٣' (Arabic-Indic) and '３' (full-width)
    # are no numbers to it, so their conversions are unknown, never 3
    "[int]$x = 5; $x = '٣'; \"x$x\"",
    "2 * '٣'",
    "6 / '٣'",
    "for ($i = 0; $i -lt '٣'; $i++) { \"i$i\" }",
    "1 + '٣'",
    "1 + '３'",
    "if (3 -eq '٣') { 'equal' } else { 'not equal' }",
    "$x = 1; $x += '٣'; \"x$x\"",
    "exit '٣'",
])
def test_numbers_in_other_digits_are_unknown(body: str) -> None:
    host, result = ps(body + "\n'end'")
    assert host.lines() == ["end"] and result.exit_code == 0


@pytest.mark.parametrize("seconds", ["'٣'", "'３'", "'1_0'", "'inf'"])
def test_a_sleep_of_a_number_powershell_cannot_read_is_not_interpreted(seconds: str) -> None:
    sleeps, result = run(f"Start-Sleep {seconds}\n'end'", PS, Host("Windows"))
    assert sleeps == [] and result.exit_code == 0


@pytest.mark.parametrize(("body", "out"), [
    # about_Parsing: "arguments that look like numbers are treated as numbers": 1e3 is 1000,
    # 0x10 16, 1kb 1024, .5 0.5 (about_Numeric_Literals), which the simulator does not read:
    # unknown (these printed 1e3 0x10 1kb); plain ones it reads, and a word that is no number
    # is its text
    ("Write-Host 1e3", []),
    ("Write-Host 0x10", []),
    ("Write-Host 1kb", []),
    ("Write-Host .5", []),
    ("Write-Host 10d", []),
    ("Write-Host 3.0 7", ["3 7"]),
    ("Write-Host 1st 192.168.1.1 v1.2", ["1st 192.168.1.1 v1.2"]),
])
def test_an_argument_that_looks_like_a_number_is_one(body: str, out: list[str]) -> None:
    host, result = ps(body + "\n'end'")
    assert host.lines() == [*out, "end"] and not result.failed


@pytest.mark.parametrize(("body", "printed"), [
    # .NET reads an integer with ASCII white space around it (tab to carriage return, space)
    ('if (5 -eq " 5`t") { "yes" } else { "no" }', ["yes"]),
    # other white space (a no-break space, an ideographic space): not confirmed, not known
    ('if (5 -eq "\u00a05") { "yes" } else { "no" }', []),
    ('if (5 -eq "5\u3000") { "yes" } else { "no" }', []),
    ('function F([int]$n) { "n=$n" }\nF "\u00a07"', []),
])
def test_an_integer_read_from_text_takes_ascii_white_space_only(
    body: str, printed: list[str]
) -> None:
    host, result = ps(body)
    assert host.lines() == printed and not result.failed
