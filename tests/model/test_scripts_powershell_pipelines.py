"""PowerShell's pipelines into ``Where-Object { ... }`` as the simulator interprets them:
the items of a value it knows kept where the block's value is true; what else stays not
interpreted (skipped, never guessed)."""

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
