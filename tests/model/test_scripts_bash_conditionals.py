"""``[[ ... ]]`` as Bash reads it: its words parsed as written (an operator only where
written bare), each expanded only when the evaluation reaches it (``&&`` and ``||`` skip a
side, and what its expansions would assign or fail with), the right-hand side of ``==``
read as a ``case`` pattern (tests in test_scripts_bash_patterns.py). Expected outputs are
bash 5.2's."""

from __future__ import annotations

import pytest

from octosim.model.scripts import ScriptResult
from tests.model.test_scripts_bash_flow import bash, real_bash


@pytest.mark.parametrize(("body", "out"), [
    # the side && or || skips is not expanded: it assigns nothing (i was counted up)
    ('i=0; [[ 1 == 2 && $((i++)) == 0 ]]; echo "i=$i"', ["i=0"]),
    ('i=0; [[ 1 == 1 || $((i++)) == 0 ]]; echo "i=$i"', ["i=0"]),
    ('i=0; [[ 1 == 1 && $((i++)) == 0 ]]; echo "i=$i $?"', ["i=1 0"]),
    ('[[ -n "" && ${U:=v} == x ]]; echo "U=${U-unset}"', ["U=unset"]),
    # nor does it fail (the script ended on `1: unbound variable`, `U: boom`)
    ("set -u; f() { [[ $# -gt 0 && $1 == x ]] && echo yes || echo no; }; f; f x",
     ["no", "yes"]),
    ("set -u; [[ -n a || ${U:?boom} == x ]] && echo yes", ["yes"]),
    # a side after one not known is evaluated when its expansions can neither assign nor fail
    ("[[ -d /opt/x || -n a ]] && echo in || echo out", ["in"]),
    ("[[ -d /opt/x && -z a ]] && echo in || echo out", ["out"]),
    ("[[ -f /etc/environment || -n a ]] && echo in || echo out", ["in"]),
    ("[[ ! -z a || x == y ]] && echo in || echo out", ["in"]),
    # "$@" is one word in [[ ]], the arguments joined (the test had too many words)
    ('f() { [[ "$@" == "a b c" ]] && echo in || echo out; }; f "a b" c', ["in"]),
])
def test_double_bracket_words_are_expanded_as_bash_evaluates_them(body: str,
                                                                   out: list[str]) -> None:
    _, result, host = bash(body)
    assert host.lines() == out and result == ScriptResult(), host.out


@pytest.mark.parametrize("body", [
    # whether Bash expands the side after one not known is not known: what it assigns is not
    "i=0; [[ -d /opt/x || $((i++)) == 0 ]]; echo \"i=$i\"",
    # ~ is the home directory (the test read the letter)
    '[[ ~ == "~" ]] && echo in || echo out',
    # Bash's syntax errors: an operator quoted or from a value, a unary operator without its
    # operand (each read as Bash's test reads it)
    '[[ a "==" a ]] && echo in || echo out',
    "X=-n; [[ $X a ]] && echo in || echo out",
    "[[ -n ]] && echo in || echo out",
    "[[ -a == * ]] && echo in || echo out",  # [[ reads -a as a unary operator first
    "[[ -n = -n ]] && echo in || echo out",
    # ( and ) are words of their own in [[ ]], whatever is written around them (the test
    # compared `(a` with `a)`: false, where Bash's is true)
    "[[ (a == a) ]] && echo in || echo out",
    # a redirection after ]] (it was an operand: status 2, where Bash's is 0)
    "[[ a ]] >/dev/null && echo in || echo out",
])
def test_double_bracket_not_interpreted(body: str) -> None:
    _, result, host = bash(body + "\necho end")
    assert host.lines() == ["end"] and result == ScriptResult(), host.out


def test_a_bare_closing_bracket_inside_is_not_interpreted() -> None:
    # Bash's first bare ]] ends the expression, and what follows is its syntax error (the
    # test compared `a` with `]]`)
    _, result, host = bash("[[ a != ]] ]] && echo in || echo out\necho end")
    assert host.lines() == ["end"] and result == ScriptResult(), host.out
    _, result, host = bash("[[ a != ']]' ]] && echo in || echo out")
    assert host.lines() == ["in"], host.out


@pytest.mark.parametrize(("body", "out"), [
    # after a side not known, a side whose expansions can neither assign nor fail (bash 5.2)
    ("P=a; [[ -d /opt/x || $P? == a? ]] && echo in || echo out", ["in"]),
    ("[[ -d /opt/x || $? == 0 ]] && echo in || echo out", ["in"]),
])
def test_a_pure_side_after_one_not_known_is_evaluated(body: str, out: list[str]) -> None:
    _, result, host = bash(body)
    assert host.lines() == out and result == ScriptResult(), host.out


@pytest.mark.parametrize(("body", "printed"), [
    # may fail: Bash's fatal error when /opt/x is not there ends the script (bash 5.2 prints
    # nothing; `end` was printed), so what follows is not known either
    ("[[ -d /opt/x || ${U:?boom} == a ]] && echo in || echo out", []),
    ("set -u; [[ -d /opt/x || $U == a ]] && echo in || echo out", []),
    ("[[ -d /opt/x || ${U:=v} == a ]] && echo in || echo out; echo \"U=$U\"", ["end"]),
])
def test_a_side_after_one_not_known_that_may_assign_or_fail_is_not_known(
        body: str, printed: list[str]) -> None:
    _, result, host = bash(body + "\necho end")
    assert host.lines() == printed and result == ScriptResult(), host.out
    if not printed:
        assert real_bash(body + "\necho end") in (None, [])


@pytest.mark.parametrize(("body", "printed"), [
    # bash 5.2 prints m=bc, m=c, [] (the array =~ sets: the match and its groups, by POSIX's
    # longest match); arrays are not modelled, so after a =~ BASH_REMATCH is not known (it
    # read as empty text: m=)
    ('x=abc; [[ $x =~ b(c) ]] && echo "m=$BASH_REMATCH"; echo after', ["after"]),
    ('x=abc; [[ $x =~ b(c) ]] && echo "m=${BASH_REMATCH[1]}"; echo after', ["after"]),
    ('[[ a =~ z ]]; echo "[$BASH_REMATCH]"; echo after', ["after"]),
    # a =~ in a statement not followed (a branch not known) may have set it too
    ('if [ -f /opt/x ]; then [[ a =~ a ]]; fi; echo "[${BASH_REMATCH}]"; echo after',
     ["after"]),
    # before any =~ it is unset; set again, it is known
    ('echo "[$BASH_REMATCH]"; [[ a =~ a ]]; BASH_REMATCH=x; echo "$BASH_REMATCH"',
     ["[]", "x"]),
])
def test_bash_rematch_is_not_known_after_a_regex_match(body: str, printed: list[str]) -> None:
    _, result, host = bash(body)
    assert host.lines() == printed and result == ScriptResult()
    if not body.endswith("after"):
        assert real_bash(body) in (None, printed)
