"""Bash's pattern expansions as the interpreter runs them: ``${#X}``, ``${X#p}``,
``${X##p}``, ``${X%p}``, ``${X%%p}`` and ``${X/p/s}``, ``${X//p/s}``, ``${X/#p/s}``,
``${X/%p/s}``, the forms step scripts use on paths (``${JAVA_HOME%/}``, ``${f##*/}``,
``${PATH//:/ }``); and what stays not interpreted."""

from __future__ import annotations

import pytest

from octosim.model.scripts._sh_exec import PATTERN_VALUE_MAX, PATTERN_WORK, TOO_LONG
from tests.model.test_scripts_bash_flow import bash


def printed(body: str, **env: str) -> list[str]:
    """What ``body`` prints, after checking it ran to its end without failing."""
    _, result, host = bash(body + "\necho end", **env)
    assert not result.failed and host.lines("error") == [], host.out
    lines = host.lines()
    assert lines[-1:] == ["end"], lines
    return lines[:-1]


P = "P=/usr/lib/jvm/java-21/bin/java\n"
F = "F=app.tar.gz\n"


@pytest.mark.parametrize(("body", "out"), [
    (P + 'echo "${#P}"', ["29"]),
    # a prefix or suffix removed: shortest (#, %) or longest (##, %%)
    (P + 'echo "${P##*/}" "${P%/*}"', ["java /usr/lib/jvm/java-21/bin"]),
    (P + 'echo "${P#*/}" "[${P%%/*}]"', ["usr/lib/jvm/java-21/bin/java []"]),
    (F + 'echo ${F%.*} ${F%%.*} ${F#*.} ${F##*.}', ["app.tar app tar.gz gz"]),
    ('J=/opt/java/\necho "${J%/}" "${J%x}"', ["/opt/java /opt/java/"]),  # no match: as is
    # replaced: the first, every, a leading or a trailing longest match
    (F + 'echo ${F/a/A} ${F//a/A} ${F/#app/APP} ${F/%gz/bz2} ${F//[a.]/_}',
     ["App.tar.gz App.tAr.gz APP.tar.gz app.tar.bz2 _pp_t_r_gz"]),
    (F + 'echo "${F/#tar/x}" "${F/%app/x}"', ["app.tar.gz app.tar.gz"]),  # not there
    (F + 'echo "${F/t*z/TGZ}"', ["app.TGZ"]),  # the longest match
    ('X="a b a"\necho "${X// /_}" "${X// }"', ["a_b_a aba"]),  # no replacement: removed
    ("X=a.b\necho \"${X/'.'/\"-\"}\" ${X/./\\/}", ["a-b a/b"]),  # quotes, escapes: literal
    ('X=a*b\nS="*"\necho "${X/"$S"/x}" "${X/$S/x}"', ["axb x"]),  # quoted: *, bare: a glob
    ('echo "${PATH//:/ }"', ["/usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin"]),
    ('U=\necho "[${U#x}] [${U/x/y}] [${#U}] [${NOPE%%x}]"', ["[] [] [0] []"]),
    # the install step's check: is the directory on the PATH already?
    ('D=/opt/java/bin\nif [ "${PATH#*:$D:}" = "$PATH" ]; then echo missing; fi', ["missing"]),
])
def test_pattern_expansions(body: str, out: list[str]) -> None:
    assert printed(body) == out


@pytest.mark.parametrize("body", [
    'F=abc\necho "${F:1:2}"',  # substrings, case changes, indirection: not interpreted
    'F=abc\necho "${F^^}"',
    'F=abc\necho "${!F}"',
    'F=abc\necho "${F/b/&}"',  # Bash 5.2 writes the match for &, earlier versions an &
    'F=abc\nR="&"\necho "${F/b/$R}"',
    'F=abc\necho "${F/*b*/x}"',  # two * could backtrack for ages on a long value
    'F=abc\necho "${F/#/x}"',  # an empty pattern
    'U=\necho "${U/*/x}"',  # Bash 5 replaces the empty match, Bash 4 does not
    'F=été\necho "${#F}"',  # the length of non-ASCII text depends on the locale
    "F=" + "a" * (PATTERN_VALUE_MAX + 1) + '\necho "${F%a}"',  # too long a value
    # after review, against bash 5.2: each of these gave a known, wrong value
    "X='a}'\necho \"${X%\\}}\"",  # a quoted or escaped } ends no expansion
    "X='a}'\necho \"${X%'}'}\"",
    "X='C:\\foo\\bar\\baz'; P='C:\\foo\\bar'\necho \"${X#$P}\"",  # \ escapes, from a value too
    'X=a:b\necho "${X//[":"]/_}"',  # quoted bracket members
    'X=$HOME/x\necho "${X#~/}"',  # ~ is expanded
    'X=a\necho "${X/a/~}"',
    "X=abc; R='\\\\'\necho \"${X/b/$R}\"",  # Bash 5.2 reads \\ in s as \
    "X='a*b'\necho \"${X/*\\*/_}\"",  # a quoted * after a bare one: not the longest match
    "X='a[]x'\necho \"${X/[*/Z}\"",  # an unclosed bracket
    "X=b\necho \"${X/[!]]/Z}\"",  # a bracket starting with ]
    'X=abc\necho "${X/[z-a]/y}"',  # a range backwards (it raised re.error)
    'X=é\necho "${X//?/y}"',  # what ? takes of non-ASCII text depends on the locale
])
def test_pattern_expansions_not_interpreted(body: str) -> None:
    assert printed(body) == []


def test_an_unset_variable_under_set_u_is_an_error() -> None:
    _, result, host = bash('set -u\necho "${NOPE%/}"\necho after')
    assert result.exit_code == 1 and host.lines("error") == ["NOPE: unbound variable"]


def test_a_pattern_expansion_counts_its_value_against_the_statement_budget() -> None:
    # a 1,000-character value matched in a loop: a statement per 50 characters and one per
    # PATTERN_WORK of its length squared each time (a loop of the costliest patterns on such
    # a value takes seconds to fail, not minutes); an unbounded loop fails
    x = "a" * PATTERN_VALUE_MAX
    _, result, host = bash(f'X={x}\nwhile true; do Y="${{X//*a?x}}"; done')
    assert result.exit_code == 1 and host.lines("error") == [TOO_LONG]
    cost = PATTERN_VALUE_MAX // 50 + PATTERN_VALUE_MAX**2 // PATTERN_WORK + 2
    rounds = 50_000 // cost
    _, result, host = bash(f'X={x}\nfor ((i = 0; i < {rounds}; i++)); do Y="${{X%a}}"; done')
    assert result.exit_code == 0, host.out


def test_case_with_a_backwards_range_is_not_interpreted() -> None:
    # it raised re.error out of the interpreter
    assert printed("case b in [z-a]) echo in;; *) echo out;; esac") == []
