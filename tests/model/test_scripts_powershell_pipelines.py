"""PowerShell's pipelines into ``Where-Object { ... }`` and ``Select-Object -First N`` as the
simulator interprets them: the items of a value it knows kept where the block's value is
true, the first N; what else stays not interpreted (skipped, never guessed)."""

from __future__ import annotations

import pytest

from tests.model.test_scripts_powershell_flow import ps
from tests.model.test_scripts_powershell_strings import printed


@pytest.mark.parametrize(("body", "out"), [
    ("'a', 'b', 'c' | Where-Object { $_ -ne 'b' }", ["a", "c"]),
    ("1, 2, 3, 4 | where { $PSItem -gt 2 }", ["3", "4"]),
    ("'ab', 'b' | ? { $_ -like 'a*' }", ["ab"]),
    ("'a', 'b' | Where-Object -FilterScript { $_ -eq 'b' }", ["b"]),
    ("'a', 'b' | Where-Object {\n    $_ -eq 'a'\n}", ["a"]),
    # the block's value read as an if's condition: '' and 0 are false, 'false' true
    ("'', 'a', 0, 1, 'false' | Where-Object { $_ }", ["a", "1", "false"]),
    # collected as a command's output: several an array, one itself, none nothing
    ("$v = 1, 2, 3, 4 | Where-Object { $_ % 2 -eq 0 }; $v.Count; $v -join ','", ["2", "2,4"]),
    ("$v = 'xx', 'y' | Where-Object { $_ -eq 'xx' }; $v.Length", ["2"]),
    ("$v = 'a' | Where-Object { $_ -eq 'b' }; @($v).Count", ["0"]),
    ("$v = ('a;;b' -split ';') | Where-Object { $_ }; $v -join '|'", ["a|b"]),
])
def test_where_object_keeps_the_items_its_block_is_true_for(body: str, out: list[str]) -> None:
    assert printed(body) == out


@pytest.mark.parametrize("body", [
    "'a' | Where-Object { $_ -eq 'a' } | ForEach-Object { $_ }",  # piped on
    "'a' | Where-Object { Test-Thing $_ }",  # a command in the block
    "'a' | Where-Object { $x = 1; $true }",  # more than one statement
    "'a' | Where-Object Length -gt 0",  # the comparison form
    "Get-ChildItem | Where-Object { $_ }",  # a command's output
    # a function's: each object goes on as it is output, between its Write-Host lines
    "function F { 'a'; Write-Host 'h' }\nF | Where-Object { $_ }",
    # an error in the block is a non-terminating one: Where-Object goes on with the next item
    "$ErrorActionPreference = 'Continue'\n'a', 'b' | Where-Object { $_ -eq 'a' }",
    "try { 'a' | Where-Object { $_ } } catch { 'caught' }",
])
def test_where_object_not_modelled_is_skipped(body: str) -> None:
    assert printed(body) == []


def test_an_error_in_where_object_s_block_ends_the_script_under_stop() -> None:
    host, result = ps("'a', $null | Where-Object { $_.Trim() -eq 'a' }\n'after'")
    assert result.exit_code == 1 and host.out == [
        ("info", "a"), ("error", "You cannot call a method on a null-valued expression.")]


@pytest.mark.parametrize(("body", "out"), [
    ("'a', 'b', 'c' | Select-Object -First 2", ["a", "b"]),
    ("$n = 1; $v = 'a', 'b' | select -First $n; $v.Length", ["1"]),
    ("'a', 'b' | Select-Object -First 5", ["a", "b"]),
    ("'ab', 'b', 'cb' | Where-Object { $_ -like '*b' } | Select-Object -First 2", ["ab", "b"]),
    ("1, 2, 3, 4 | Select-Object -First 3 | Where-Object { $_ -ne 2 }", ["1", "3"]),
    # once Select-Object has its items the ones before it stop: the $null is never read
    ("'a', $null | Select-Object -First 1 | Where-Object { $_.Trim() }", ["a"]),
    ("'a', $null | Where-Object { $_.Trim() } | Select-Object -First 1", ["a"]),
])
def test_select_object_first_keeps_the_first_items(body: str, out: list[str]) -> None:
    assert printed(body) == out


@pytest.mark.parametrize("body", [
    "'a', 'b' | Select-Object -First 0",
    "'a', 'b' | Select-Object -First -1",  # PowerShell's validation error
    "'a', 'b' | Select-Object -First '1'",
    "$null, 'a' | Select-Object -First 1",  # PowerShell 7 drops a $null
    "'a', 'b' | Select-Object -Last 1",
    "'a', 'b' | Select-Object -First 1 | Sort-Object",
])
def test_select_object_not_modelled_is_skipped(body: str) -> None:
    assert printed(body) == []
