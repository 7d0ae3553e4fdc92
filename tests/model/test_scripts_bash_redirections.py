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


# -- redirections --------------------------------------------------------------------------------
@pytest.mark.parametrize(("body", "out"), [
    # applied in order, each descriptor on its own
    ("echo x 2>/dev/null >&2", []),
    ("echo a 2>&1 >&2", [("info", "a")]),
    ("echo a >&2 2>&1", [("error", "a")]),
    ("echo a 1>&2 2>/dev/null", [("error", "a")]),
    ("echo a 2>&1 1>/dev/null", []),
    ("echo a >/dev/stderr; echo b 2>/dev/null >/dev/stderr", [("error", "a")]),
    ("echo a &>/dev/null; echo b >&/dev/null; echo c", [("info", "c")]),
    # groups, subshells and function calls: their commands' errors too
    ("{ echo x >&2; } 2>/dev/null", []),
    ("f() { echo e >&2; }\nf 2>/dev/null", []),
    ("f() { echo a; echo b >&2; }\nf 2>&1 >/dev/null", [("info", "b")]),
    ("( echo x >&2 ) 2>&1", [("info", "x")]),
    ("for i in 1 2; do echo $i >&2; done 2>/dev/null; echo after", [("info", "after")]),
    # Bash's own errors go where descriptor 2 goes
    ("let 2>/dev/null", []),
    ("f() { let; }\nf 2>&1", [("info", "let: expression expected")]),
    ("set -u; ( echo $zz ) 2>/dev/null", []),
    ("set -u; echo $zz 2>/dev/null; echo after", [("error", "zz: unbound variable")]),
    ("local x 2>/dev/null; echo $?", [("info", "1")]),
    # other descriptors
    ("echo x 3>/dev/null", [("info", "x")]),
    ("echo x 11>/dev/null", [("info", "x")]),
    ("echo x 3>/dev/null >&3; echo y 3>&2 >&3", [("error", "y")]),
    # a redirection Bash cannot make: the command does not run, status 1
    ("echo x >&3; echo $?", [("error", "3: Bad file descriptor"), ("info", "1")]),
    ("echo x 2>/dev/null >&3; echo $?", [("info", "1")]),
    ("{ echo a; } >&3; echo $?", [("error", "3: Bad file descriptor"), ("info", "1")]),
    ("echo x >&3 || echo recovered", [("error", "3: Bad file descriptor"),
                                      ("info", "recovered")]),
    ("echo x>$F; echo $?", [("error", "$F: ambiguous redirect"), ("info", "1")]),
    ('F="a b"; echo x 2>$F; echo $?', [("error", "$F: ambiguous redirect"), ("info", "1")]),
    ('echo x > ""; echo $?', [("error", ": No such file or directory"), ("info", "1")]),
])
def test_redirections_as_bash_applies_them(body: str, out: list[tuple[str, str]]) -> None:
    _, host = bash(body)
    assert host.out == out


def test_a_redirection_bash_cannot_make_fails_under_set_e() -> None:
    result, host = bash("set -e; echo x >&3; echo after")
    assert result.exit_code == 1 and host.out == [("error", "3: Bad file descriptor")]


@pytest.mark.parametrize("body", [
    "echo x >&-; echo $?",  # a closed descriptor: Bash's write error
    "x=1 >&3; echo $x",  # Bash assigns x before the redirection fails
    "i=0; echo >&3 $((i++)); echo $i",  # ... and counts i up
    "echo x >&2 | tee /tmp/log; echo $?",  # what tee reads
])
def test_redirections_not_followed_are_not_interpreted(body: str) -> None:
    result, host = bash(body)
    assert host.out == [] and result == ScriptResult()


# -- return ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("body", "code", "printed"), [
    # a sourced script (Calamari's): the script ends, status 1, in a function too
    ('f() { return 1 2; echo still; }\nf; echo "after $?"', 1, []),
    ('f() { return 1 2; }\nif f; then echo T; else echo F; fi', 1, []),
    ("return 3 2; echo still", 1, []),
    # in a subshell: the subshell
    ('( return 3 2; echo still ); echo "after $?"', 0, ["after 1"]),
])
def test_return_with_too_many_arguments_is_bash_s_error(
        body: str, code: int, printed: list[str]) -> None:
    result, host = bash(body)
    assert result.exit_code == code and host.lines() == printed
    assert host.lines("error") == ["return: too many arguments"]


def test_return_s_error_goes_where_descriptor_2_goes() -> None:
    result, host = bash("f() { return 1 2 2>/dev/null; echo still; }\nf")
    assert result.exit_code == 1 and host.out == []
