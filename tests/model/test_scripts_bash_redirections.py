"""What the Bash interpreter does as Bash 5.2 does, checked against it (a script sourced, as
Calamari's Bootstrap.sh sources the step's script): redirections of each file descriptor,
signs stacked in a variable read by arithmetic, ``return`` with too many arguments."""

from __future__ import annotations

import pytest

from octosim.model.scripts import ScriptResult, ScriptSyntax
from tests.model.test_scripts_running import Host, run

SH = ScriptSyntax.Bash


def bash(body: str, **env: str) -> tuple[ScriptResult, Host]:
    host = Host("Linux", **env)
    _, result = run(body, SH, host)
    return result, host


# -- arithmetic ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("value", "printed"), [
    ("+-5", "-5"), ("--5", "5"), ("-+5", "-5"), ("++5", "5"), ("---5", "-5"), ("-5", "-5"),
    ("+5", "5"), ("--0x10", "16"),
])
def test_signs_stacked_in_a_variable_read_as_bash_reads_them(value: str, printed: str) -> None:
    # Each `-` negates, as unary operators do: the sign was the first character's.
    _, host = bash(f"x={value}; echo $((x))")
    assert host.lines() == [printed]
