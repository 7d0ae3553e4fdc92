"""PowerShell's casts of a value, ``[int]$x``, ``[string]5``, ``[bool]'false'``, as the
simulator interprets them: PowerShell's conversions (LanguagePrimitives), its conversion
errors and what it converts otherwise left not interpreted."""

from __future__ import annotations

import pytest

from tests.model.test_scripts_powershell_strings import printed


@pytest.mark.parametrize(("body", "out"), [
    ("[int]'5' + 1", ["6"]),
    ("$x = ' 42 '; [int]$x + 1", ["43"]),  # white space around the digits is read
    ("[int]'-7'", ["-7"]),
    ("[int]$null", ["0"]),
    ("[int]$true", ["1"]),
    # a double rounds to the nearest integer, half to even (about_Arithmetic_Operators)
    ("[int]2.5; [int]3.5; [int](7 / 2); [int](-2.5); [int]2.4", ["2", "4", "4", "-2", "2"]),
    ("[long]'2147483648' + 1", ["2147483649"]),
    ("$n = [Int32]'2147483647'; $n + 1", ["2147483648"]),  # a sum beyond: a double
    # member access and indexing bind tighter than a cast, -f looser
    ("$s = 'abc'; [int]$s.Length", ["3"]),
    ("$a = '1', '2'; [int]$a[1] + 1", ["3"]),
    ("[string]5 + 1", ["51"]),
    ("[System.String]$true", ["True"]),
    ("$e = [string]$null; \"[$e]\"; $e.Length", ["[]", "0"]),
    ("[string]'{0}' -f 7", ["7"]),
    ("[int][string]12", ["12"]),
    # any non-empty text is true, 'false' too (about_Booleans); numbers: whether not 0
    ("[bool]'false'; [bool]''; [bool]0; [bool]2.5; [bool]$null", [
        "True", "False", "False", "True", "False"]),
    ("[Boolean]@(); [bool]@(0); [bool]@(0, 0)", ["False", "False", "True"]),
])
def test_a_cast_converts_as_powershell_does(body: str, out: list[str]) -> None:
    assert printed(body) == out


@pytest.mark.parametrize("body", [
    "[int]'abc'",  # PowerShell's conversion error, worded by the edition's .NET
    "[int]'1,000'",  # the editions read it differently
    "[int]'0x10'",
    "[int]'2.5'",
    "[int]2147483647.5",  # beyond an Int32: OverflowException
    "[int]'99999999999'",
    "$a = 'a'; [int]$a[0]",  # a [char] converts to its code
    "[int]@(5)",
    "[string]@(1, 2)",  # joined with $OFS
    "[double]'2.5'",  # a type not modelled
    "[version]'1.2'",
    "[int]-5",  # an operand starting with a sign: not read
    "Write-Host [int]'5'",  # an argument: the text [int]5 (argument mode reads no cast)
    "function F($v) { \"v=$v\" }\nF [string]5",
])
def test_casts_not_modelled_are_skipped(body: str) -> None:
    assert printed(body) == []


@pytest.mark.parametrize("body", [
    # argument mode reads an expression only from $, @, ', " or ( (about_Parsing): a static
    # member there is text, [math]::pi the text [math]::pi (these printed the value)
    "Write-Host [Environment]::GetEnvironmentVariable('PATH')",
    "Write-Host [string]::IsNullOrEmpty('')",
    "Write-Output [Environment]::OSVersion.Platform",
    "function F($v) { \"v=$v\" }\nF [Environment]::GetEnvironmentVariable('PATH')",
])
def test_a_static_member_in_a_command_argument_is_not_interpreted(body: str) -> None:
    assert printed(body) == []
    assert printed("Write-Host ([string]::IsNullOrEmpty(''))") == ["True"]  # in brackets
