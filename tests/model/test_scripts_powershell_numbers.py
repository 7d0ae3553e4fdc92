"""PowerShell numbers as the simulator computes them: Int32, Int64 and doubles with
PowerShell's promotions (never Python's unbounded integers), a double written only where
PowerShell 5.1 and 7 write it alike; and hostile numbers that must not raise out of the
interpreter or the restart recogniser."""

from __future__ import annotations

import pytest

from octosim.model.scripts import DetachedRestart, ScriptSyntax, interpret
from tests.model.test_scripts_powershell_flow import ps

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
])
def test_a_typed_parameter_converts_what_it_is_assigned(body: str, printed: list[str]) -> None:
    host, result = ps(body + "\n'end'")
    assert host.lines() == [*printed, "end"] and not result.failed
