"""Bash's pattern expansions as the interpreter runs them: ``${#X}``, ``${X#p}``,
``${X##p}``, ``${X%p}``, ``${X%%p}`` and ``${X/p/s}``, ``${X//p/s}``, ``${X/#p/s}``,
``${X/%p/s}``, the forms step scripts use on paths (``${JAVA_HOME%/}``, ``${f##*/}``,
``${PATH//:/ }``); ``case`` patterns, read by the same code; and what stays not
interpreted."""

from __future__ import annotations

import warnings

import pytest

from octosim.model.scripts._sh_exec import PATTERN_VALUE_MAX, PATTERN_WORK, TOO_LONG
from tests.model.test_scripts_bash_flow import bash, real_bash


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
    # a } quoted or escaped ends no expansion (bash 5.2: in double quotes too)
    ("X='a}'\necho \"${X%'}'}\" ${X%'}'} \"${X%\\}}\" ${X%\\}} \"${X%\"}\"}\" ${X%\"}\"}",
     ["a a a a a a"]),
    # the install step's check: is the directory on the PATH already?
    ('D=/opt/java/bin\nif [ "${PATH#*:$D:}" = "$PATH" ]; then echo missing; fi', ["missing"]),
])
def test_pattern_expansions(body: str, out: list[str]) -> None:
    assert printed(body) == out


@pytest.mark.parametrize("body", [
    'F=abc\necho "${F:1:2}"',  # substrings, case changes of a pattern, indirection: not
    'F=abc\necho "${F^^[ab]}"',  # interpreted
    'F=abc\necho "${F/b/&}"',  # Bash 5.2 writes the match for &, earlier versions an &
    'F=abc\nR="&"\necho "${F/b/$R}"',
    'F=abc\necho "${F/*b*/x}"',  # two * could backtrack for ages on a long value
    'F=abc\necho "${F/#/x}"',  # an empty pattern
    'U=\necho "${U/*/x}"',  # Bash 5 replaces the empty match, Bash 4 does not
    'F=été\necho "${#F}"',  # the length of non-ASCII text depends on the locale
    "F=" + "a" * (PATTERN_VALUE_MAX + 1) + '\necho "${F%a}"',  # too long a value
    # after review, against bash 5.2: each of these gave a known, wrong value
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
    # a range beyond Latin-1 collates as the locale does (Bash's charcmp_wc): in C and
    # C.UTF-8, [a-ā] takes b; in en_US.UTF-8, ā sorts before b
    'X=b\necho "${X#[a-ā]}"',
])
def test_pattern_expansions_not_interpreted(body: str) -> None:
    assert printed(body) == []


@pytest.mark.parametrize(("body", "out"), [
    # without ? or a bracket, what a pattern takes of non-ASCII text is the same in every
    # locale (the C locale's bytes or a UTF-8 locale's characters; bash 5.2 in both)
    ('X=café/bin\necho "${X%/*}" "${X#*é}" "${X/é/e}"', ["café /bin cafe/bin"]),
])
def test_pattern_expansions_of_non_ascii_values(body: str, out: list[str]) -> None:
    assert printed(body) == out


@pytest.mark.parametrize(("body", "out"), [
    ('X=hello-World_9\necho "${X^^}|${X,,}|${X^}|${X,}"',
     ["HELLO-WORLD_9|hello-world_9|Hello-World_9|hello-World_9"]),
    ('Y=\necho "[${Y^^}][${U,}]"', ["[][]"]),
    ('C=Green\n[[ "${C^^}" == "GREEN" ]] && echo green', ["green"]),
    ('f() { echo "${1^^} ${2,}"; }\nf ab Cd', ["AB cd"]),
    ('X=STOP\necho "${X,,}"', ["stop"]),  # no I to lower, no i to upper: as in every locale
    ('X=bit\necho "${X,,} ${X^}"', ["bit Bit"]),
])
def test_case_modification_of_ascii_text(body: str, out: list[str]) -> None:
    assert printed(body) == out
    assert real_bash(body) in (None, out)


@pytest.mark.parametrize("body", [
    'X=istanbul\necho "${X^^}"',  # the Turkish locales' i is İ
    'X=IZMIR\necho "${X,,}"',  # and their I is ı
    'X=ilk\necho "${X^}"',
    'X=été\necho "${X^^}"',  # beyond ASCII: the locale's
    'X=abc\necho "${X^^b}"',  # a pattern
])
def test_case_modification_the_locale_decides_is_not_interpreted(body: str) -> None:
    assert printed(body) == []


def test_case_modification_of_an_unset_variable_under_set_u_is_an_error() -> None:
    _, result, host = bash('set -u\necho "${NOPE^^}"\necho after')
    assert result.exit_code == 1 and host.lines("error") == ["NOPE: unbound variable"]


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


# -- case patterns: read by the same code as the expansions' -------------------------------------
def case_in(subject: str, pattern: str, setup: str = "") -> list[str]:
    """What ``case`` prints after ``setup``: ``in`` when ``pattern`` matches ``subject``,
    ``out`` when not, nothing when the interpreter cannot tell."""
    return printed(f"{setup}case {subject} in {pattern}) echo in;; *) echo out;; esac")


LONG = "a" * 1024


@pytest.mark.parametrize(("subject", "pattern"), [
    # each gave a known, wrong answer; bash 5.2's answer in the comment
    ("'a*'", "$P"),  # in: the backslash from the value escapes the *
    ("'a\\b'", "$P"),  # out
    ("a", "$Q"),  # in
    ("']'", '["]"]'),  # in: a quoted bracket member
    ("']'", "[']']"),  # in
    ("/home/octo", "~"),  # in: ~ is the home directory
    ("'~'", "~"),  # out
    ("'~/x'", "~/*"),  # out
    # in under C.UTF-8, out under C: what ? and [...] take of non-ASCII text
    ("é", "?"),
    ("é", "[!a]"),
    ("b", "[a-ā]"),  # in under C and C.UTF-8; en_US.UTF-8 sorts ā before b
])
def test_case_does_not_interpret_what_the_pattern_expansions_refuse(subject: str,
                                                                     pattern: str) -> None:
    assert case_in(subject, pattern, setup="P='a\\*'; Q='\\a'; HOME=/home/octo\n") == []


@pytest.mark.parametrize(("subject", "pattern", "out"), [
    # bash 5.2's answers
    ("abcabc", "*b*c*b*", "in"),
    ("abcab", "*b*c*b*c", "out"),
    ("'a*b'", '*"*"*', "in"),
    ("ab", '*"*"*', "out"),
    ("aXbXc", "a*X*X*c", "in"),
    ("aXbXc", "a*X*X*X*c", "out"),
    ("abc", "*[bc]*[bc]", "in"),
    ("-", "[--a]", "in"),  # a range from -
    ("b", "[--a]", "out"),
    # many * on a long subject: matched without backtracking (*a*a*a*b took 90 s)
    pytest.param(LONG, "*a*a*a*b", "out", id="long-4"),
    pytest.param(LONG, "*a*a*a*a*a*a*a*a*b", "out", id="long-9"),
    pytest.param(LONG + "b", "*a*a*a*a*a*a*a*a*b", "in", id="long-9-in"),
    pytest.param("a" * 50 + "b", "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*c", "out", id="long-15"),
    # non-ASCII text without ? or a bracket: the same in every locale
    ("é", "*", "in"),
    ("café", '*"é"', "in"),
    ("café", "c*a", "out"),
])
def test_case_matches_as_bash_does(subject: str, pattern: str, out: str) -> None:
    assert case_in(subject, pattern) == [out]


@pytest.mark.parametrize(("body", "out"), [
    # bash 5.2's answers; Python reads --, && and || in a set as operators of its own (a
    # FutureWarning for now), Bash as members
    ("case , in [+--a]) echo in;; *) echo out;; esac", ["in"]),  # a range from + to -
    ("case b in [+--a]) echo in;; *) echo out;; esac", ["out"]),
    ("X='a&b|c'\necho \"${X//[a&&]/_}\" \"${X//[c||]/_}\"", ["__b|c a&b__"]),
])
def test_bracket_members_are_read_as_bash_reads_them(body: str, out: list[str]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert printed(body) == out


def test_a_case_counts_its_subject_against_the_statement_budget() -> None:
    # a 524,288-character subject tried 100 times: a statement per 50 characters each time
    body = ('x=a; for ((i = 0; i < 19; i++)); do x="$x$x"; done\n'
            'for ((i = 0; i < 100; i++)); do case $x in *b) echo b;; esac; done')
    _, result, host = bash(body)
    assert result.exit_code == 1 and host.lines("error") == [TOO_LONG]


# -- [[ x == p ]]: p read as a case pattern --------------------------------------------------------
def double_bracket(subject: str, pattern: str, setup: str = "", op: str = "==") -> list[str]:
    """What ``[[ subject op pattern ]]`` prints after ``setup``: ``in`` when true, ``out``
    when false, nothing when the interpreter cannot tell."""
    return printed(f"{setup}[[ {subject} {op} {pattern} ]] && echo in || echo out")


SETUP = "P='a\\*'; Q='\\a'; HOME=/home/octo\n"
#: bash 5.2's answers; the quoted parts and brackets were not interpreted, many * were not
#: either (they could backtrack for ages).
MATCHED = [
    ("abc", '"a*"', "out"),  # quoted: a string
    ("abc", 'a"*"', "out"),  # the quoted part is literal
    ("'a*'", 'a"*"', "in"),
    ("'a*b'", '*"*"*', "in"),
    ("ab", '*"*"*', "out"),
    ("b", "[abc]", "in"),
    ("d", "[!abc]", "in"),
    ("d", "[^abc]", "in"),
    ("-", "[--a]", "in"),
    ("abcab", "*b*c*b*c", "out"),
    ("café", '*"é"', "in"),
    ("'a?'", "a\\?", "in"),  # an escaped ? is itself
    ("ab", "a\\?", "out"),
]
#: What case refuses; bash 5.2's answer in the comment. Each gave a known, wrong answer but
#: the last two (not interpreted before either).
REFUSED = [
    ("'a*'", "$P"),  # in: the backslash from the value escapes the *
    ("'a\\b'", "$P"),  # out
    ("a", "$Q"),  # in
    ("'~'", "~"),  # out: ~ is the home directory
    ("/home/octo", "~"),  # in
    ("é", "?"),  # in under C.UTF-8, out under C
]


@pytest.mark.parametrize(("subject", "pattern", "out"), [
    *MATCHED,
    pytest.param(LONG + "b", "*a*a*a*a*a*a*a*a*b", "in", id="long-9-in"),
    pytest.param(LONG, "*a*a*a*a*a*a*a*a*b", "out", id="long-9"),
])
def test_double_bracket_matches_as_bash_does(subject: str, pattern: str, out: str) -> None:
    assert double_bracket(subject, pattern) == [out]
    assert double_bracket(subject, pattern, op="=") == [out]
    assert double_bracket(subject, pattern, op="!=") == [{"in": "out", "out": "in"}[out]]


@pytest.mark.parametrize(("subject", "pattern"), REFUSED)
def test_double_bracket_does_not_interpret_what_case_refuses(subject: str,
                                                              pattern: str) -> None:
    assert double_bracket(subject, pattern, setup=SETUP) == []
    assert double_bracket(subject, pattern, setup=SETUP, op="!=") == []


@pytest.mark.parametrize(("subject", "pattern"), [
    *[(subject, pattern) for subject, pattern, _ in MATCHED], *REFUSED,
    ("']'", '["]"]'), ("é", "[!a]"), ("b", "[a-ā]"), ("b", "[z-a]"), ("x", "[]x]"),
    ("é", "*"), ("abcabc", "*b*c*b*"),
    # ~ is the home directory on the left too (case read the letter: bash 5.2's answer is in)
    ("~", "/home/octo"), ("~/x", "/home/octo/x"),
])
def test_double_bracket_and_case_agree(subject: str, pattern: str) -> None:
    assert double_bracket(subject, pattern, setup=SETUP) == case_in(subject, pattern,
                                                                    setup=SETUP)


@pytest.mark.parametrize("pattern", ['${U:-"*"}', "${U:-'*'}", "${U:-\\*}", '${U:-"$R"}'])
def test_a_pattern_expansion_whose_word_quotes_is_not_interpreted(pattern: str) -> None:
    # bash 5.2 keeps what the word quotes literal: x does not match (out, out, bc below);
    # the interpreter's expansion is plain text, which a pattern would read as a glob.
    setup = "R='*'\n"
    assert case_in("x", pattern, setup=setup) == []
    assert double_bracket("x", pattern, setup=setup) == []
    assert printed(f"{setup}X='*bc'; echo ${{X#{pattern}}}") == []


def test_a_pattern_expansion_of_a_bare_word_is_a_glob() -> None:
    # bash 5.2: an unquoted ${U:-$R} with R='*' is the glob *, and ${U:-c} the letter c.
    assert case_in("x", "${U:-$R}", setup="R='*'\n") == ["in"]
    assert double_bracket("x", "${U:-$R}", setup="R='*'\n") == ["in"]
    assert printed("X=abc; echo ${X%${U:-c}}") == ["ab"]


@pytest.mark.parametrize(("body", "printed"), [
    # an extended glob: [[ ]] reads it (bash 5.2: in), not interpreted; the `echo end` after
    # it runs
    *((f"[[ {subject} == {pattern} ]] && echo in || echo out", ["end"])
      for subject, pattern in [("ab", "@(a|b)b"), ("ab", "+(a)b"), ("ab", "!(x)b"),
                               ("aa", "*(a)"), ("ab", "?(a)b")]),
    # a case's without `shopt -s extglob` is Bash's syntax error, and ${!F} is Bash's error
    # when F's value is no name: not interpreted, and as each may end what Bash runs, what
    # follows is not known either (`end` was printed)
    *((f"case {subject} in {pattern}) echo in;; *) echo out;; esac", [])
      for subject, pattern in [("ab", "@(a|b)b"), ("aa", "*(a)")]),
    ('F=abc\necho "${!F}"', []),
])
def test_an_extended_glob_or_indirection_is_not_interpreted(body: str,
                                                            printed: list[str]) -> None:
    _, result, host = bash(body + "\necho end")
    assert host.lines() == printed and not result.failed
