"""PowerShell hashtable literals the simulator reads (``$h = @{ A = 1; 'B' = "x" }``): their
entries by key, their count; and what stays not interpreted (the table as a whole, its
keys' order, anything that may have changed it). The stand-in host and runner are
test_scripts_running's."""

from __future__ import annotations

import pytest

from tests.model.test_scripts_running import PS, Host, run


def printed(body: str) -> list[str]:
    """What ``body`` prints, after checking it ran to its end (``'end'``) without failing."""
    host = Host()
    _, result = run(body + "\n'end'", PS, host)
    assert not result.failed and host.lines("error") == []
    lines = host.lines()
    assert lines[-1:] == ["end"], lines
    return lines[:-1]


@pytest.mark.parametrize(("body", "out"), [
    # keys bare or quoted, entries split by ; or new lines, values any expression
    ("$h = @{ A = 1; 'B' = \"x\" }\n$h.A; $h['B']; $h[\"b\"]; $h.b", ["1", "x", "x", "x"]),
    ("$v = 'w'\n$h = @{\n  Name = \"n-$v\"\n  Count2 = 1 + 2\n  Flag = $true\n}\n"
     "$h.Name; $h.count2; $h.Flag; \"$($h.Name)!\"; $h.Name.Length",
     ["n-w", "3", "True", "n-w!", "3"]),
    # keys ignore case; a key missing is $null
    ("$h = @{ Key = 'v' }\nif ($null -eq $h.Other -and $null -eq $h['other']) { 'none' }\n$h.KEY",
     ["none", "v"]),
    # .Count: the entries, unless a key is named Count
    ("$h = @{ A = 1; B = 2 }\n$h.Count\n$e = @{}\n$e.Count", ["2", "0"]),
    ("$h = @{ Count = 'mine' }\n$h.Count", ["mine"]),
    # seen from a function (PowerShell's scopes), a copy of an entry
    ("$h = @{ A = 'a' }\nfunction F { \"f:$($h.A)\" }\nF\n$a = $h.A\n$a.ToUpper()",
     ["f:a", "A"]),
    # assigned again: an ordinary variable
    ("$h = @{ A = 1 }\n$h = 'text'\n$h", ["text"]),
])
def test_a_hashtable_literals_entries(body: str, out: list[str]) -> None:
    assert printed(body) == out


@pytest.mark.parametrize("body", [
    # the table itself: printed (a formatted table), in a text, enumerated, its keys' order
    "$h = @{ A = 1 }\n$h",
    "$h = @{ A = 1 }\n\"$h\"",
    "$h = @{ A = 1; B = 2 }\n$h.Keys",
    "$h = @{ A = 1 }\nforeach ($k in $h.Keys) { $k }",
    "$h = @{ A = 1 }\n$h.Values",
    # a property of the Hashtable type, a method
    "$h = @{ A = 1 }\n$h.IsReadOnly",
    "$h = @{ A = 1 }\n$h.ContainsKey('A')",
    # changed: by a statement not interpreted naming it, through a copy, by a function
    "$h = @{ A = 1 }\n$h.A = 2\n$h.A",
    "$h = @{ A = 1 }\n$h['A'] = 2\n$h.A",
    "$h = @{ A = 1 }\n$h.Add('B', 2)\n$h.Count",
    "$h = @{ A = 1 }\n$c = $h\n$c.A = 2\n$h.A",
    "$h = @{ A = 1 }\nfunction Set-It($t) { $t.A = 2 }\nSet-It $h\n$h.A",
    "$h = @{ A = 1 }\nfunction Set-It { $h.A = 2 }\nSet-It\n$h.A",
    # keys or values the simulator does not read: duplicates (PowerShell's error), numbers,
    # expressions, a command, a nested table; [ordered]
    "$h = @{ A = 1; a = 2 }\n$h.A",
    "$h = @{ 1 = 'one' }\n$h[1]",
    "$h = @{ ('a' + 'b') = 1 }\n$h.ab",
    "$h = @{ A = Get-Thing }\n$h.A",
    "$h = @{ A = @{ B = 1 } }\n$h.A.B",
    # an array: shared with what copies it out, which the simulator does not follow
    "$h = @{ L = 'a', 'b' }\n$h.L",
    "$h = [ordered]@{ A = 1 }\n$h.A",
    # a variable of a type: the table converted
    "[string]$h = 'x'\n$h = @{ A = 1 }\n$h.A",
    "function F([string]$h) { $h = @{ A = 1 }; $h.A }\nF 'x'",
    # a key missing under strict mode
    "Set-StrictMode -Version Latest\n$h = @{ A = 1 }\n$h.B",
])
def test_what_the_simulator_cannot_know_of_a_hashtable_is_not_interpreted(body: str) -> None:
    assert printed(body) == []
