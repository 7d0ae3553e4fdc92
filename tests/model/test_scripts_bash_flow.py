"""Bash control flow the interpreter runs: functions a script defines and calls, ``case``,
``for``/``while``/``until`` loops with ``break``/``continue``, and the limits it stops at."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

import pytest

from octosim.model.scripts import TOO_DEEP, ScriptResult, ScriptSyntax
from octosim.model.scripts._sh_exec import MAX_FUNCTION_NESTING, MAX_LOOP_ITERATIONS, TOO_LONG
from octosim.model.scripts._sh_text import case_statements
from tests.model.test_scripts_running import Host, run

SH = ScriptSyntax.Bash


def bash(body: str, **env: str) -> tuple[list[float], ScriptResult, Host]:
    host = Host("Linux", **env)
    sleeps, result = run(body, SH, host)
    return sleeps, result, host


def _real_bash_5_2() -> str | None:
    path = shutil.which("bash")
    if path is None:
        return None
    done = subprocess.run([path, "-c", "echo $BASH_VERSION"], capture_output=True, text=True,
                          check=False)
    return path if done.stdout.startswith("5.2.") else None


#: Bash 5.2 on this machine, the reference the interpreter follows, or None.
REAL_BASH = _real_bash_5_2()


def real_bash(body: str, files: tuple[str, ...] = ()) -> list[str] | None:
    """What Bash 5.2 prints running ``body`` in a directory of its own holding (empty)
    ``files``, which is also its home directory, as lines (its standard output); None when
    Bash 5.2 is not on this machine. The tests that take it check their expected answers
    against it."""
    if REAL_BASH is None:
        return None
    with tempfile.TemporaryDirectory() as directory:
        for name in files:
            with open(os.path.join(directory, name), "w"):
                pass
        done = subprocess.run([REAL_BASH, "-c", body], capture_output=True, text=True,
                              cwd=directory, check=False, timeout=10,
                              env={"PATH": os.defpath, "HOME": directory, "LANG": "C.UTF-8"})
    return done.stdout.split("\n")[:-1] if done.stdout else []


# -- functions ----------------------------------------------------------------------------------
DIE = 'die() { echo "$1" >&2; exit 1; }\n'


@pytest.mark.parametrize("body", [
    DIE + '[ -z "$JAVA_HOME" ] && die "JAVA_HOME missing"\necho "using $JAVA_HOME"',
    'die() {\n  echo "$1" >&2\n  exit 1\n}\n[ -n "$JAVA_HOME" ] || die "JAVA_HOME missing"',
    'die()\n{\n  echo "$@" >&2; exit 1\n}\nif [ -z "$JAVA_HOME" ]; then die JAVA_HOME missing; fi',
    'function die {\n  echo "$*" >&2\n  exit 1\n}\n[ -z "$JAVA_HOME" ] && die JAVA_HOME missing',
    'function die() { local message="$1"; echo "$message" >&2; exit 1; }\n'
    '[ -z "$JAVA_HOME" ] && die "JAVA_HOME missing"',
])
def test_a_die_function_ends_the_script_as_bash_does(body: str) -> None:
    body += "\necho ok"
    _, result, host = bash(body)
    assert result == ScriptResult(1)
    assert host.out == [("error", "JAVA_HOME missing")]
    _, result, host = bash(body, JAVA_HOME="/opt/java")
    assert result == ScriptResult() and host.out[-1] == ("info", "ok")
    assert ("error", "JAVA_HOME missing") not in host.out


def test_a_call_has_its_own_arguments_and_the_script_none() -> None:
    body = ('show() { echo "n=$# first=$1 second=${2:-none}"; for a in "$@"; do echo "[$a]"; done\n'
            '  echo "all=$*"; }\n'
            'show "x y" z\nshow\necho "script: $# [$1] [$@]"')
    _, result, host = bash(body)
    assert host.lines() == ["n=2 first=x y second=z", "[x y]", "[z]", "all=x y z",
                            "n=0 first= second=none", "all=", "script: 0 [] []"]
    assert result == ScriptResult()


@pytest.mark.parametrize(("body", "printed", "code"), [
    ("f() { return 3; }\nf; echo $?", ["3"], 0),
    ("f() { true; return; }\nf && echo yes", ["yes"], 0),
    ("f() { false; }\nf && echo yes || echo no", ["no"], 0),
    ("f() { echo one; return 0; echo two; }\nf", ["one"], 0),
    ("f() { false; }\nf", [], 1),  # the script's code: the last command's status
    ("check() { [ \"$1\" = ok ]; }\nif check ok; then echo good; fi\ncheck bad || echo bad",
     ["good", "bad"], 0),
    ("f() { return x; }\nf; echo $?", ["2"], 0),
    ("f() { exit 7; echo no; }\nf\necho never", [], 7),
    ("f() { (exit 4); }\nf; echo $?", ["4"], 0),
    ("set -e\nf() { false; echo not; }\nf\necho never", [], 1),
    ("set -e\nf() { false; echo spared; }\nif f; then echo then; fi", ["spared", "then"], 0),
])
def test_a_function_s_status_is_its_return_or_last_command(body: str, printed: list[str],
                                                            code: int) -> None:
    _, result, host = bash(body)
    assert host.lines() == printed and result.exit_code == code


def test_local_variables_belong_to_the_call() -> None:
    body = ("X=outer\n"
            "f() { local X=inner Y; Y=set; echo \"$X $Y\"; g; }\n"
            "g() { echo \"g sees $X\"; X=changed; }\n"
            "f\necho \"$X [${Y-unset}]\"\n"
            "h() { Z=global; }\nh; echo $Z")
    _, _, host = bash(body)
    assert host.lines() == ["inner set", "g sees inner", "outer [unset]", "global"]


@pytest.mark.parametrize(("body", "printed"), [
    # bash 5.2's output. -f unsets the function, -v the variable (`unset -f f` unset the
    # variable f, and the function stayed); bare, the variable, or when there is none the
    # function
    ('f() { echo F; }; f=1; unset -f f; echo "[$f]"; f; echo after', ["[1]", "after"]),
    ('f() { echo F; }; unset -v f; f; f=1; unset f; f; echo "[$f]"; unset f; f; echo end',
     ["F", "F", "[]", "end"]),
    # Bash's errors, status 1; a name no variable's is a function's (`unset vā`: 0)
    ('unset -v 1x; echo "s=$?"; unset -fv a; echo "s=$?"; unset -f 1x vā; echo "s=$?"\n'
     'x=1; unset -- x; echo "[${x-u}]"', ["s=1", "s=1", "s=0", "[u]"]),
    # a caller's local: Bash shows the value it hid, [g] (it was unset: [u]); not interpreted
    ('g() { unset x; echo "[${x-u}]"; }; f() { local x=1; g; }; x=g; f; echo "[$x]"'
     " # not interpreted", ["[g]"]),
    ('f() { local y=2; unset y; echo "[${y-u}]"; }; y=out; f; echo "[$y]"', ["[u]", "[out]"]),
    ('x=1; unset -n x; echo "[$x]"; echo after', ["after"]),  # a nameref: not interpreted
])
def test_unset_as_bash_unsets(body: str, printed: list[str]) -> None:
    _, _, host = bash(body)
    assert host.lines() == printed
    if "not interpreted" not in body and "-n" not in body:  # what Bash prints in full
        assert real_bash(body) in (None, printed)


def test_local_outside_a_function_is_bash_s_error() -> None:
    _, result, host = bash("local X=1; echo $?")
    assert host.out == [("error", "local: can only be used in a function"), ("info", "1")]
    assert result == ScriptResult()


def test_shift_drops_the_first_arguments() -> None:
    body = 'f() { echo "$1"; shift; echo "$1 $#"; shift 5 || echo "too far"; }\nf a b c'
    _, _, host = bash(body)
    assert host.lines() == ["a", "b 2", "too far"]


def test_a_function_s_output_goes_where_its_call_sends_it() -> None:
    body = ('log() { echo "$@"; }\nlog to the log\nlog an error >&2\nlog nothing > /dev/null\n'
            'setvar() { echo "$1=$2"; }\nsetvar JAVA_HOME /opt/java >> /etc/environment')
    _, _, host = bash(body)
    assert host.out == [("info", "to the log"), ("error", "an error")]
    assert host.machine.machine_value("JAVA_HOME") == "/opt/java"


def test_a_definition_alone_runs_nothing_and_later_definitions_win() -> None:
    body = 'f() { echo first; }\nf() { echo second; }\nf'
    _, _, host = bash(body)
    assert host.lines() == ["second"]


def test_a_subshell_s_functions_and_return_are_its_own() -> None:
    body = ("f() { echo outer; }\n( f() { echo inner; }; f )\nf\n"
            "g() { ( return 3; echo never ); echo \"g goes on: $?\"; }\ng")
    _, result, host = bash(body)
    assert host.lines() == ["inner", "outer", "g goes on: 3"] and result == ScriptResult()


def test_sudo_runs_a_program_not_the_function() -> None:
    _, result, host = bash("f() { exit 3; }\nsudo f\necho after")
    assert host.lines() == ["after"] and result == ScriptResult()


@pytest.mark.parametrize("body", [
    "r() { r; }\nr\necho never",
    "a() { b \"$@\"; }\nb() { a x; }\na",
])
def test_a_runaway_recursion_fails_loudly(body: str) -> None:
    _, result, host = bash(body)
    assert result.exit_code == 1 and host.lines() == []
    message = f"maximum function nesting level exceeded ({MAX_FUNCTION_NESTING})"
    assert result.message is not None
    assert message in result.message or result.message == TOO_DEEP


def test_a_recursion_that_ends_runs() -> None:
    body = 'down() { case "$1" in xxx*) echo deep;; *) down "x$1";; esac; }\ndown ""'
    _, result, host = bash(body)
    assert host.lines() == ["deep"] and result == ScriptResult()


# -- case ---------------------------------------------------------------------------------------
CASE = ('case "$MODE" in\n'
        '  prod|production) echo production ;;\n'
        '  dev?) echo "dev box";;\n'
        '  "q*") echo "literal q*";;\n'
        '  [tT]est*) echo test;;\n'
        '  *) echo "unknown $MODE" >&2; exit 2 ;;\n'
        'esac')


@pytest.mark.parametrize(("mode", "printed", "code"), [
    ("prod", [("info", "production")], 0),
    ("production", [("info", "production")], 0),
    ("dev1", [("info", "dev box")], 0),
    ("q*", [("info", "literal q*")], 0),
    ("Testing", [("info", "test")], 0),
    ("dev12", [("error", "unknown dev12")], 2),
    ("qx", [("error", "unknown qx")], 2),
])
def test_case_runs_the_first_clause_whose_pattern_matches(mode: str,
                                                          printed: list[tuple[str, str]],
                                                          code: int) -> None:
    _, result, host = bash(CASE, MODE=mode)
    assert host.out == printed and result.exit_code == code


@pytest.mark.parametrize(("body", "printed"), [
    ("case x in a) echo a;; x) echo x;; esac; echo after", ["x", "after"]),
    ("case x in (a|x) echo ax;; esac", ["ax"]),
    ("case x in a) echo a;; esac; echo $?", ["0"]),
    ("case x in [!a]) echo not-a;; esac", ["not-a"]),
    ("case x in x) echo one;& y) echo two;; z) echo three;; esac", ["one", "two"]),
    ("case x in x) echo one;;& y) echo two;; ?) echo three;; esac", ["one", "three"]),
    ("P='a*'; case abc in $P) echo glob;; esac", ["glob"]),
    ("P='a*'; case abc in \"$P\") echo literal;; *) echo other;; esac", ["other"]),
    ("case x in\n  x)\n    case y in\n      y) echo inner;;\n    esac\n    echo outer;;\nesac",
     ["inner", "outer"]),
    ("f() {\n  case \"$1\" in\n    start) echo starting;;\n    *) echo \"no $1\";;\n  esac\n}\n"
     "f start\nf stop", ["starting", "no stop"]),
    ("case x in x) echo last; esac", ["last"]),
])
def test_case_forms(body: str, printed: list[str]) -> None:
    _, result, host = bash(body)
    assert host.lines() == printed and result == ScriptResult()


@pytest.mark.parametrize("body", [
    "case $(uname -m) in x86_64) echo x;; *) echo other;; esac",
    "case \"$(hostname)\" in web*) exit 1;; esac",
    "case x in [[:alpha:]]) echo alpha;; *) echo other;; esac",
    "case x in a) echo a;; esac | tee /tmp/out",
])
def test_a_case_it_cannot_evaluate_runs_no_clause(body: str) -> None:
    _, result, host = bash(body)
    assert host.out == [] and result == ScriptResult()


# -- compound commands in lists -----------------------------------------------------------------
@pytest.mark.parametrize(("body", "printed", "code"), [
    # bash 5.2's output. A compound command after &&, ||, ! (or before them) is one command of
    # the list, up to its fi, done or esac (its body ran as statements of their own: L, I)
    ("true && for i in 1 2; do echo L$i; done", ["L1", "L2"], 0),
    ("false && if true; then echo I; fi", [], 1),
    ("false || if true; then echo I; fi; echo $?", ["I", "0"], 0),
    ("if true; then echo a; fi && echo b", ["a", "b"], 0),
    ("for i in 1; do echo $i; done && echo after", ["1", "after"], 0),
    ("true && case x in x) echo y && echo z;; esac || echo no", ["y", "z"], 0),
    ("case x in x) false;; esac || echo failed", ["failed"], 0),
    ("! if false; then :; fi; echo $?", ["1"], 0),
    ("x=0; while [ $x -lt 3 ]; do x=$((x+1)); done && echo \"x=$x\"", ["x=3"], 0),
    # across lines: a list goes on after &&, || or | at a line's end (false &&\necho x
    # printed x)
    ("false &&\necho x", [], 1),
    ("true &&\nfor i in 1 2\ndo\n  if [ $i = 2 ] && while false; do :; done; then echo two; fi\n"
     "done || echo no", ["two"], 0),
    ("for i in 1 2; do\n  for j in a b; do echo $i$j; done &&\n  echo in\ndone",
     ["1a", "1b", "in", "2a", "2b", "in"], 0),
    ("true && for i in 1 2; do echo L$i; done && if false; then :; else echo E; fi || echo no",
     ["L1", "L2", "E"], 0),
    ("f() {\n  true && for a in \"$@\"; do echo \"[$a]\"; done\n}\nf x y", ["[x]", "[y]"], 0),
    # a redirection after the compound's end is the compound's (`fi > /dev/null` printed a)
    ("if true; then echo a; fi > /dev/null; echo b", ["b"], 0),
    ("for i in 1 2; do echo $i; done > /dev/null 2>&1; echo after", ["after"], 0),
    ("case x in x) echo y >&2;; esac 2>/dev/null && echo z", ["z"], 0),
    # set -e: the compound's own status ends nothing (its commands did, or were spared)
    ("set -e\ntrue && for i in 1; do false && true; done; echo after", ["after"], 0),
    ("set -e\nif true; then false; fi && echo y; echo z", ["z"], 0),
    ("set -e\ntrue && for i in 1; do false; echo in; done; echo after", [], 1),
    ("set -e\n{ false && true; }; echo after", ["after"], 0),
    ("set -e\n! { false; echo a; }; echo b", ["a", "b"], 0),
    ("set -e\ntrue && (false && true); echo after", [], 1),
])
def test_a_compound_command_is_one_command_of_its_list(body: str, printed: list[str],
                                                      code: int) -> None:
    _, result, host = bash(body)
    assert host.lines() == printed and result.exit_code == code
    assert real_bash(body) in (None, printed)


NONE = "/nonexistent/x"


@pytest.mark.parametrize(("body", "printed"), [
    # under set -e a command whose status is not known may end the script: what follows is
    # not known (`after` was printed; bash 5.2 ends these with grep's status 2)
    (f"set -e\ngrep -q x {NONE}\necho after", []),
    (f"set -e\n( grep -q x {NONE}; echo in )\necho out", []),
    (f"set -e\nf() {{ grep -q x {NONE}; echo in; }}\nf\necho out", []),
    (f"set -e\ntrue && grep -q x {NONE}\necho after", []),
    (f"set -e\n[ -f {NONE} ] && false\necho after", []),
    # an if's branches not run (its condition not known) may have: bash prints `after` here,
    # but would not had grep found x
    (f"set -e\nif grep -q x {NONE}; then cp a b; fi\necho after", []),
    (f"set -e\nfor i in 1 2; do grep -q x {NONE}; done\necho after", []),
    ("set -e\ncase $(uname -m) in x) false;; esac\necho after", []),
    # ... and so may an exit not run, set -e or not
    (f"[ -f {NONE} ] && exit 3\necho after", []),
    (f"if [ -f {NONE} ]; then fail_step boom; fi\necho after", []),
    (f"grep -q x {NONE} || {{ echo missing; exit 1; }}\necho after", []),
    ('fail_step "$(date)"\necho after', []),
    # spared (a condition, before the last && or ||, !), or nothing not run that may end it
    (f"set -e\n[ -f {NONE} ] && echo y\necho after", ["after"]),
    (f'set -e\ngrep -q x {NONE} || true\necho "after $?"', ["after 0"]),
    (f"set -e\n! grep -q x {NONE}\necho after", ["after"]),
    (f"set -e\nif [ -f {NONE} ]; then echo found >&2; fi\necho after", ["after"]),
    (f"set -e\nfor i in 1 2; do [ -f {NONE} ] && echo y; done\necho after", ["after"]),
    (f"set -e\nf() {{ grep -q x {NONE}; echo in; }}\nif f; then echo y; fi\necho out",
     ["in", "y", "out"]),
    (f"( set -e; grep -q x {NONE}; echo in ); echo out", ["out"]),
    ('set -e\necho "$(date)" > /dev/null\necho after', ["after"]),
    (f"set -e\ngrep -q x {NONE} | true\necho after", ["after"]),
    # $? after a status not known is not known: the statement reading it is skipped
    (f'grep -q x {NONE}; echo "s=$?"; echo z', ["z"]),
])
def test_a_status_not_known_under_set_e_leaves_the_rest_not_known(body: str,
                                                                  printed: list[str]) -> None:
    _, result, host = bash(body)
    assert host.lines() == printed and not result.failed
    real = iter(real_bash(body) or printed)
    assert all(line in real for line in printed)  # what is printed, Bash prints, in order


@pytest.mark.parametrize(("body", "printed"), [
    # bash 5.2 prints [x] (read reads the pipe, not modelled) where `[]` was printed
    ('echo x | while read l; do echo "[$l]"; done; echo after', ["after"]),
    ("echo x | if true; then echo a; fi; echo after", ["after"]),
    ("for i in 1 2; do echo $i; done | tee /tmp/x; echo after", ["after"]),
    # `time` prints its timing as errors: not interpreted (x was unknown, and read as '')
    ('time for i in 1; do x=$i; done; echo "[$x]"; echo after', ["after"]),
    ('time { x=1; }; echo "[$x]"; echo after', ["after"]),
    # run detached (`&`): not interpreted, as a simple command with `&` is
    ("true && for i in 1 2; do echo $i; done &\necho after", ["after"]),
])
def test_a_compound_command_in_a_pipeline_is_not_interpreted(body: str,
                                                             printed: list[str]) -> None:
    _, result, host = bash(body)
    assert host.lines() == printed and result == ScriptResult()


@pytest.mark.parametrize(("body", "printed"), [
    # `&` ends a command, which runs detached (not interpreted), in the middle of a line too;
    # what follows is the next command (bash 5.2 prints b, then a from the background; `a &
    # echo b` was printed)
    ("echo a & echo b", ["b"]),
    ("echo a&echo b", ["b"]),
    ("true && echo x & echo y; echo $?", ["y", "0"]),
    ("echo a >&2 & echo b", ["b"]),
    ("for i in 1; do echo $i; done & echo b", ["b"]),
    ("f() { echo in & echo out; }; f", ["out"]),
    ("x=1 & echo \"[$x]\"", ["[]"]),  # the background's assignment is its subshell's
    # &&, |&, >&, <&, &> are not it
    ("echo a 2>&1 && echo b &>/dev/null; echo c >&2; echo d", ["a", "d"]),
])
def test_an_ampersand_ends_a_command_run_detached(body: str, printed: list[str]) -> None:
    _, result, host = bash(body)
    assert host.lines() == printed and result == ScriptResult()
    real = iter(real_bash(body) or printed)
    assert all(line in real for line in printed)  # Bash's, the background's lines aside


@pytest.mark.parametrize(("body", "printed", "code"), [
    # bash 5.2's output. A reserved word ends at a blank (space, tab, newline) or a
    # metacharacter: `then<tab>` (a tab after then: its body was dropped), `while((` and
    # `if(` (both were read as commands), `fi>file` (the redirection was dropped)
    ("if true; then\techo a; fi", ["a"], 0),
    ("while((i < 2)); do echo $i; ((i++)); done", ["", "1"], 0),
    ("if(true); then(echo a); fi", ["a"], 0),
    ("if true; then echo a; fi>/dev/null; echo b", ["b"], 0),
    # a no-break space is a letter: `if\xa0true` is a command, the `then` after it Bash's
    # syntax error (the script ends there, status 2): such a script is not interpreted
    # (`if` was read as the keyword and x printed, or nothing, as its condition was unknown)
    ("echo start\nif\u00a0true; then echo x; fi\necho end", [], 0),
    ("echo start\nfor\u00a0i in 1 2; do echo $i; done", [], 0),
    ("echo a\nthen echo b", [], 0),
    ("if true; then echo a; done", [], 0),
    # `!` only starts a pipeline: after a `|` it is Bash's syntax error (the `!` was read as
    # negating the last command: the script went on)
    ("echo a\necho x | ! true\necho after", [], 0),
    ("echo start\nif true; then\n  echo in\n  echo x |& ! false\nfi\necho after", [], 0),
    ("echo a\nx=$(echo x |\n! true)\necho after", [], 0),
    # where it is no such error: a case pattern, arithmetic, a word !true (a command)
    ('case "!" in a | !) echo bang;; esac; echo x | !true; echo after', ["bang", "after"], 0),
    ("(( 1 | ! 0 )); echo after", ["after"], 0),
])
def test_reserved_words_are_read_as_bash_reads_them(body: str, printed: list[str],
                                                   code: int) -> None:
    _, result, host = bash(body)
    assert host.out == [(("info", line)) for line in printed] and result.exit_code == code
    if printed:
        assert real_bash(body) in (None, printed)
    elif REAL_BASH is not None:  # Bash's syntax error: the lines before it only, status 2
        done = subprocess.run([REAL_BASH, "-c", body], capture_output=True, text=True,
                              check=False)
        # (127 for one inside a `$(...)`)
        assert done.returncode in (2, 127) and "syntax error" in done.stderr
        assert done.stdout in ("", "start\n", "a\n")


@pytest.mark.parametrize(("body", "printed"), [
    # bash 5.2's output. Bash parses a command substitution's commands: a `case` pattern's
    # `)` closes no `$(` (the splitter ended it there, read the `esac` after as Bash's
    # syntax error, and ran nothing); a substitution holding a `case` is not interpreted
    ("echo before\ny=$(case a in a) echo A ;; esac)\necho end", ["before", "end"]),
    ("echo before\ny=$(case a in\n  a) echo A ;;\nesac)\necho end", ["before", "end"]),
    ('x=b; echo before; echo "$(case $x in\n  (a) echo A ;;\n  b|c) echo "B)";;\n'
     '  *) case y in y) echo Y;; esac ;;\nesac)"\necho end; echo $( (echo p) )',
     ["before", "end", "p"]),
    ("echo a $(case x in x) echo \"$(case y in y) echo z;; esac)\";; esac) b; echo c",
     ["c"]),
])
def test_a_case_in_a_command_substitution_is_read_as_bash_reads_it(
        body: str, printed: list[str]) -> None:
    _, result, host = bash(body)
    assert host.lines() == printed and result == ScriptResult()
    if REAL_BASH is not None:
        assert [line for line in real_bash(body) or [] if line in printed] == printed


# -- for ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("body", "printed"), [
    ("for i in 1 2 3; do echo $i; done", ["1", "2", "3"]),
    ("for i in a b\ndo\n  echo \"<$i>\"\ndone\necho \"last $i\"", ["<a>", "<b>", "last b"]),
    ('L="a b  c"; for w in $L "$L"; do echo "[$w]"; done', ["[a]", "[b]", "[c]", "[a b  c]"]),
    ("for i in; do echo never; done; echo $?", ["0"]),
    ("for i; do echo never; done; echo none", ["none"]),
    ("for i in 1 2 3 4; do [ $i = 2 ] && continue; [ $i = 4 ] && break; echo $i; done",
     ["1", "3"]),
    ("for i in a b; do for j in 1 2 3; do [ $j = 2 ] && continue 2; echo $i$j; done; done",
     ["a1", "b1"]),
    ("for i in a b; do for j in 1 2; do [ $j = 2 ] && break 2; echo $i$j; done; done; echo end",
     ["a1", "end"]),
    ("for i in 1 2; do\n  if [ $i = 2 ]; then\n    echo two\n  else\n    echo other\n  fi\ndone",
     ["other", "two"]),
    ("f() { for a; do echo \"arg $a\"; done; }\nf x 'y z'", ["arg x", "arg y z"]),
])
def test_for_loops_over_its_words(body: str, printed: list[str]) -> None:
    _, result, host = bash(body)
    assert host.lines() == printed and result == ScriptResult()


def test_a_loop_s_exit_ends_the_script_and_its_sleeps_take_their_time() -> None:
    sleeps, result, host = bash("for s in 5 10; do sleep $s; echo slept $s; done; exit 3")
    assert sleeps == [5.0, 10.0] and host.lines() == ["slept 5", "slept 10"]
    assert result == ScriptResult(3)


@pytest.mark.parametrize("body", [
    "for f in *.log; do echo $f; done",
    "for f in /var/log/{a,b}; do echo $f; done",
    "for f in ~/x; do echo $f; done",
    "for f in $(ls); do echo $f; done",
    "for ((i = 1 << 2; i < 3; i++)); do echo $i; done",  # a shift: not interpreted
    "P='*.log'; for f in $P; do echo $f; done",
    "for i in 1 2; do echo $i; done | tee /tmp/x",
])
def test_a_for_loop_it_cannot_expand_is_skipped(body: str) -> None:
    _, result, host = bash(body)
    assert host.out == [] and result == ScriptResult()


# -- while and until ----------------------------------------------------------------------------
def test_while_runs_while_its_condition_holds() -> None:
    body = 'n=""; while [ "$n" != xxx ]; do n="${n}x"; echo "$n"; done; echo done'
    _, result, host = bash(body)
    assert host.lines() == ["x", "xx", "xxx", "done"] and result == ScriptResult()


def test_until_waits_in_virtual_time() -> None:
    body = ('tries=""\nuntil [ "$tries" = .... ]; do\n  echo waiting\n  sleep 5\n'
            '  tries="$tries."\ndone\necho ready')
    sleeps, result, host = bash(body)
    assert sleeps == [5.0] * 4 and host.lines() == ["waiting"] * 4 + ["ready"]
    assert result == ScriptResult()


def test_a_wait_loop_ends_as_soon_as_its_condition_says() -> None:
    body = ("echo JAVA_HOME=/opt/java >> /etc/environment\n"
            "while ! grep -q '^JAVA_HOME=' /etc/environment; do sleep 5; done; echo up")
    sleeps, result, host = bash(body)
    assert sleeps == [] and host.lines() == ["up"] and result == ScriptResult()


def test_a_loop_that_never_ends_fails_loudly_after_its_bound() -> None:
    sleeps, result, host = bash("while true; do sleep 5; done; echo never")
    assert sleeps == [5.0] * MAX_LOOP_ITERATIONS
    assert result.exit_code == 1 and result.message is not None
    assert f"after {MAX_LOOP_ITERATIONS:,} iterations" in result.message
    assert host.out == [("error", result.message)]


@pytest.mark.parametrize(("body", "sleeps", "printed"), [
    # Its condition is not known: the loop is skipped, as before.
    ("while ! curl -sf http://localhost/health; do sleep 5; done; echo after", [], ["after"]),
    ("while read -r line; do echo \"$line\"; done < /etc/hosts; echo after", [], ["after"]),
    # Its body could break out (a status not known): one iteration, then what follows.
    ("while true; do curl -sf http://x && break; sleep 5; done; echo after", [5.0], ["after"]),
    ("while true; do\n  if curl -sf http://x; then break; fi\n  echo retry\n  sleep 5\ndone",
     [5.0], ["retry"]),
    # A statement skipped whole could change the condition (a command substitution).
    ("i=0; while [ $i -lt 3 ]; do echo $i; i=$(expr $i + 1); done; echo end", [], ["0", "end"]),
    ("for i in 1 2 3; do echo $i; read -r x; done; echo end", [], ["1", "end"]),
])
def test_a_loop_whose_course_is_not_known_stops(body: str, sleeps: list[float],
                                                printed: list[str]) -> None:
    slept, result, host = bash(body)
    assert slept == sleeps and host.lines() == printed and result == ScriptResult()


def test_a_counting_loop_counts_with_arithmetic() -> None:
    body = ("attempt=0\nwhile [ $attempt -lt 3 ]; do\n  attempt=$((attempt + 1))\n"
            "  echo \"attempt $attempt of 3\"\n  sleep $(( attempt * 10 ))\ndone")
    sleeps, result, host = bash(body)
    assert sleeps == [10.0, 20.0, 30.0] and result == ScriptResult()
    assert host.lines() == ["attempt 1 of 3", "attempt 2 of 3", "attempt 3 of 3"]


@pytest.mark.parametrize(("expression", "value"), [
    ("1 + 2 * 3", "7"), ("(1 + 2) * 3", "9"), ("7 / -2", "-3"), ("-7 % 3", "-1"),
    ("2 ** 10", "1024"), ("-2 ** 2", "4"), ("2 ** 3 ** 2", "512"), ("010 + 0x10", "24"),
    ("N * 2", "84"), ("$N + 1", "43"), ("${N} - UNSET", "42"), ("NEG + 1", "-4"),
    ("3 > 2 && 2 >= 3", "0"), ("!0 || 0", "1"), ("N == 42", "1"), ("1 != 1", "0"),
    ("$(( N / 2 )) + 1", "22"),
    # a compound assignment reads its variable before its right-hand side, as Bash does
    ("(x = 1, x += (x = 5)), x", "6"), ("(x = 2, x *= (x = 3) + 1), x", "8"),
    ("(x = 1, x += x++), x", "2"),
])
def test_arithmetic_expansion(expression: str, value: str) -> None:
    _, result, host = bash(f'N=42 NEG=-5\necho "$(({expression}))"')
    assert host.lines() == [value] and result == ScriptResult()


@pytest.mark.parametrize(("body", "printed"), [
    # expanded from left to right: the arithmetic's value was pasted into the name (x2)
    ('x=a x2=b\necho $x$((2)) "$x$((2))"', ["a2 a2"]),
    # a ${X:-...} that is not used is not evaluated: its $((y = 3)) assigned y
    ('X=1\necho ${X:-$((y = 3))} "y=$y"', ["1 y="]),
    ('echo ${X:-$((y = 3))} "y=$y"', ["3 y=3"]),
    ('X=1\necho "${X:+$((y = 3))}" "${X:=$((z = 4))}" "y=$y z=$z"', ["3 1 y=3 z="]),
])
def test_expansions_run_from_left_to_right_as_bash_s(body: str, printed: list[str]) -> None:
    _, result, host = bash(body)
    assert host.lines() == printed and result == ScriptResult()


@pytest.mark.parametrize("expression", [
    "1 / 0", "5 % 0", "X + 1", "08", "1 +",
    # a negative exponent is Bash's error even on the side it skips
    "1 || 2 ** -1", "0 && 2 ** -1",
])
def test_arithmetic_it_cannot_evaluate_skips_its_statement(expression: str) -> None:
    # An arithmetic expansion Bash cannot evaluate is its error (1 / 0, 08, 1 +): Bash
    # abandons the command it read last (the whole line; in a function, loop or `if`, all of
    # it) and goes on at the next, which is not followed; one it evaluates but the
    # interpreter does not may be one: what follows is not known either
    _, result, host = bash(f'X=abc\necho "$(({expression}))"\necho after')
    assert host.lines() == [] and result == ScriptResult()
    _, result, host = bash(f'X=abc\n(( {expression} ))\necho after')  # an error's status 1
    assert host.lines() == ["after"] and result == ScriptResult()


def test_a_substitution_never_closed_holds_the_rest_of_the_script() -> None:
    # `$(((1))` never closes: Bash reads on to the end for its `)` (and reports a syntax
    # error); nothing after it runs as a command of its own.
    _, _, host = bash('echo "$(((1))"\necho after')
    assert host.lines() == []


@pytest.mark.parametrize("body", [
    "break; continue; echo after",
    # A function does not see its caller's loops, nor a subshell its parent's (Bash 5).
    "f() { break; }\ng() { continue; }\nfor i in 1; do f; g; done; echo after",
    "for i in 1; do ( break ); ( continue ); done; echo after",
])
def test_break_and_continue_outside_a_loop_are_bash_s_error(body: str) -> None:
    _, result, host = bash(body)
    assert host.lines() == ["after"] and result == ScriptResult()
    assert host.lines("error") == [
        f"{word}: only meaningful in a `for', `while', or `until' loop"
        for word in ("break", "continue")]


def test_a_function_can_return_from_inside_a_loop() -> None:
    body = ('find() { for x in a b c; do [ "$x" = "$1" ] && return 0; done; return 1; }\n'
            'find b && echo found; find z || echo missing')
    _, _, host = bash(body)
    assert host.lines() == ["found", "missing"]


def test_the_case_scanner_passes_other_whitespace() -> None:
    # A form feed between words once held the scanner on the spot for ever. It is a letter
    # to Bash, so `in\f` is no `in`: Bash's syntax error, a case broken
    _, found = case_statements("case x in\f x) echo;; esac")
    assert [(case.word, case.broken) for case in found] == [("x", True)]
    _, found = case_statements("case x in\t x) echo;; esac")
    assert [(case.word, case.clauses[0].patterns) for case in found] == [("x", ["x"])]


# -- arithmetic commands: (( )), let, for (( )) -------------------------------------------------
@pytest.mark.parametrize(("body", "printed"), [
    ("(( 0 )); echo $?", ["1"]),  # the value 0 is status 1
    ("(( 2 > 1 )); echo $?", ["0"]),
    ("(( -1 )); echo $?", ["0"]),
    ("i=0; (( i++ )); echo $i $?", ["1 1"]),  # i++ is the old value, 0
    ("x=5; (( x += 2, y = x * 2 )); echo $x $y", ["7 14"]),
    ("(( 0 && z++ )); (( 1 || z++ )); echo ${z:-unset}", ["unset"]),  # the side not evaluated
    ("(( 0 && 1 / 0 )); echo $?", ["1"]),
    ("i=1; echo $((i++)) $((++i)) $i $((i -= 5)) $((a = b = 2)) $a $b", ["1 3 3 -2 2 2 2"]),
    ("while (( n < 3 )); do echo n=$n; ((n++)); done", ["n=", "n=1", "n=2"]),
    ("if ((1 == 1)); then echo yes; fi", ["yes"]),
    ("let x=1+2 'y=x*2'; echo $x $y $?", ["3 6 0"]),
    # unquoted, y=x*2 is a file name pattern to Bash (a file y=x12 would be let's argument)
    ("let x=1+2 y=x*2; echo after", ["after"]),
    ("let 'z = 0'; echo $?", ["1"]),
    ("let x=1 y=1/0; echo after", ["after"]),  # not interpreted: neither is assigned
    ("x=1; let x=1 y=1/0; echo $x", []),  # ... and x is not known any more
    ("i=0; (( i = $(date +%s) )); echo $i", []),  # a command substitution: i not known
    ("i=1; echo $((i++)) | tee /tmp/log; echo $i", ["1", "1"]),  # in a pipeline's subshell
    ("((x = 2)) > /dev/null; echo $x", []),  # redirected: not interpreted
])
def test_arithmetic_commands_as_bash_runs_them(body: str, printed: list[str]) -> None:
    _, result, host = bash(body)
    assert host.lines() == printed and not result.failed


def test_let_without_an_expression_is_bash_s_error() -> None:
    _, _, host = bash("let; echo $?")
    assert host.out == [("error", "let: expression expected"), ("info", "1")]


@pytest.mark.parametrize(("body", "code"), [
    ("set -e; i=0; (( i++ )); echo not", 1),  # Bash's well-known trap: the value was 0
    ("set -e; i=1; (( i++ )); exit 4", 4),
    ("set -e; let 'i = 0'; echo not", 1),
])
def test_set_e_sees_an_arithmetic_status(body: str, code: int) -> None:
    _, result, host = bash(body)
    assert result.exit_code == code and host.lines() == []


@pytest.mark.parametrize(("body", "printed"), [
    ("for ((i = 0; i < 3; i++)); do echo $i; done; echo end $i", ["0", "1", "2", "end 3"]),
    ("for((i=0;i<2;i++)); do echo $i; done", ["0", "1"]),
    ("for (( i = 0 ; i < 5 ; i++ ))\ndo\n  (( i == 1 )) && continue\n  (( i == 3 )) && break\n"
     "  echo $i\ndone", ["0", "2"]),
    ("for ((i = 0; ; i++)); do (( i == 2 )) && break; done; echo $i", ["2"]),
    ("for ((i = 0, j = 10; i < j; i += 4, j--)); do echo $i $j; done", ["0 10", "4 9"]),
    ("for ((i = 1; i < 100; i <<= 1)); do echo $i; done", ["1", "2", "4", "8", "16", "32",
                                                           "64"]),
    # a step not interpreted (a shift by -1: C's undefined behaviour) stops the loop there,
    # and what follows is not known (bash 5.2 on x86-64 shifts by 63: 1, then after)
    ("for ((i = 1; i > 0; i <<= -1)); do echo $i; done; echo after", ["1"]),
    ("for ((i = 0; i < 0; i++)); do echo never; done; echo $?", ["0"]),
])
def test_arithmetic_for_loops(body: str, printed: list[str]) -> None:
    _, result, host = bash(body)
    assert host.lines() == printed and not result.failed


def test_an_arithmetic_for_loop_without_end_fails_on_the_statement_budget() -> None:
    _, result, host = bash("for ((;;)); do :; done; echo never")
    assert result.exit_code == 1 and host.lines() == []
    assert host.lines("error") == [TOO_LONG]


# -- return outside a function: Calamari sources the step's script -------------------------------
@pytest.mark.parametrize(("body", "code", "printed"), [
    ("echo a; return 3; echo after", 3, ["a"]),
    ("false; return; echo after", 1, []),  # bare: the last status
    ("return 256", 0, []),
    ("if true; then return 2; fi; echo after", 2, []),
    ("for i in 1 2; do echo $i; return 5; done", 5, ["1"]),
    ("( return 2 ); echo $?", 0, ["2"]),  # a subshell's return ends only the subshell
    ("return x; echo after", 2, []),
])
def test_return_in_the_script_ends_it_as_a_sourced_script(body: str, code: int,
                                                         printed: list[str]) -> None:
    _, result, host = bash(body)
    assert result.exit_code == code and host.lines() == printed


def test_return_of_a_status_not_known_still_returns() -> None:
    _, _, host = bash('f() { grep -q x /tmp/f; return $?; echo no; }\nf; echo after')
    assert host.lines() == ["after"]


@pytest.mark.parametrize(("body", "printed"), [
    # The last command of a pipeline runs in a subshell: it ended the script or the call.
    ('echo a | exit 3; echo "after $?"', ["after 3"]),
    ('true | exit; echo "after $?"', ["after 0"]),
    ('f() { echo a | return 4; echo "in f $?"; }\nf; echo "$?"', ["in f 4", "0"]),
    ('f() { echo | return; echo "$?"; }\nfalse; f', ["1"]),
    ('for i in 1 2; do echo | break; echo "$i $?"; done', ["1 0", "2 0"]),
    ('for i in 1 2; do echo | continue; echo "$i"; done', ["1", "2"]),
    ('echo | return 5; echo "$?"', ["5"]),
    ('set -u\necho | echo "$U"; echo "after $?"', ["after 1"]),
])
def test_a_pipeline_s_last_command_acts_on_its_subshell(body: str, printed: list[str]) -> None:
    _, result, host = bash(body)
    assert host.lines() == printed and result == ScriptResult()


@pytest.mark.parametrize(("body", "printed", "code"), [
    # bash 5.2's output. Every command of a pipeline runs in a subshell: what the last one
    # assigns, exports, unsets or sets is lost with it (X=2, Y unset, set +e were kept)
    ('X=1; echo a | X=2; echo "X=$X"', ["X=1"], 0),
    ('export Y=1; echo a | export Y=2; echo a | unset Y; echo "Y=$Y"', ["Y=1"], 0),
    ("set -e; echo a | set +e; false; echo reached", [], 1),
    ('echo a | set -u; echo "[$Q]"; f() { echo F; }; echo a | unset -f f; f', ["[]", "F"], 0),
    ('X=1; echo | : "${X:=2}" "${Z:=3}"; echo "[$X][$Z]"', ["[1][]"], 0),
    # a variable not known before it (set by a statement not interpreted) stays not known
    # after a subshell that set it (it read as the value before: X=1)
    ('X=1; X=$(date); (X=2); echo "X=$X"; echo a | X=3; echo "X=$X"; echo end', ["end"], 0),
])
def test_a_pipeline_s_commands_change_their_subshell_only(body: str, printed: list[str],
                                                          code: int) -> None:
    _, result, host = bash(body)
    assert host.lines() == printed and result.exit_code == code
    if "date" not in body:
        assert real_bash(body) in (None, printed)


@pytest.mark.parametrize(("body", "message"), [
    ("( for ((;;)); do :; done ) || echo recovered", TOO_LONG),
    ("f() { f; }\n( f ) || echo recovered", "maximum function nesting level exceeded"),
    ("( while true; do :; done ) || echo recovered", "after 10,000 iterations"),
])
def test_a_simulator_limit_in_a_subshell_ends_the_script(body: str, message: str) -> None:
    # An `exit` in a subshell ends only the subshell; a limit of the simulator does not:
    # the subshell's status would be made up ("recovered" was printed).
    _, result, host = bash(body + "\necho after")
    assert result.exit_code == 1 and host.lines() == []
    assert result.message is not None and message in result.message


TERMS = "1 + " * 1000 + "1"


@pytest.mark.parametrize("body", [
    f"for ((;; {TERMS})); do sleep 1; done",
    f"while (( {TERMS} )); do sleep 1; done",
    f"for ((;;)); do sleep 1; x=$(( {TERMS} )); done",
])
def test_the_statement_budget_counts_the_work_of_long_statements(body: str) -> None:
    # A round of a thousand terms is a thousand times the work of a short one: it counted
    # as one statement, and such a loop ran for minutes (25,000 rounds) before it failed.
    sleeps, result, host = bash(body)
    assert result.exit_code == 1 and host.lines("error") == [TOO_LONG]
    assert len(sleeps) < 1_000


@pytest.mark.parametrize(("body", "exit_code", "printed", "slept"), [
    # Bash and its programs read ASCII digits only; str.isdigit() and \d take any script's
    ("break ²\necho after", 0, ["after"], []),  # raised ValueError out of the interpreter
    # a count that is no number is Bash's fatal error: the script ends with 128
    ("for i in 1 2; do break ٣; echo in; done; echo after", 128, [], []),
    ("for i in 1 2; do continue x; done; echo after", 128, [], []),
    ("for i in 1 2; do break 99999999999999999999; done; echo after", 128, [], []),
    ("(for i in 1; do break x; done; echo sub); echo \"after $?\"", 0, ["after 128"], []),
    # a count out of range ends every enclosing loop, status 1
    ("for i in 1 2; do for j in a b; do break 0; echo in; done; echo mid; done; echo \"after $?\"",
     0, ["after 1"], []),
    ("for i in 1 2; do for j in a b; do continue -3; echo in; done; done; echo \"after $?\"",
     0, ["after 1"], []),
    ("break x; echo after", 0, ["after"], []),  # outside a loop: only the usual error
    ("exit ٣", 2, [], []),  # "numeric argument required", as `exit x`; it was exit 3
    ("[ ٣ -eq 3 ] && echo yes", 2, [], []),  # "integer expression expected", status 2
    ("echo $((1٣))", 0, [], []),  # not interpreted; it printed 13
    ("sleep ٣; echo done", 0, ["done"], []),  # GNU sleep's invalid interval: no sleep
])
def test_only_ascii_digits_are_digits(body: str, exit_code: int, printed: list[str],
                                      slept: list[float]) -> None:
    sleeps, result, host = bash(body)
    assert (result.exit_code, host.lines(), sleeps) == (exit_code, printed, slept)


def test_the_recogniser_reads_ascii_digits_only() -> None:
    from octosim.model.scripts import DetachedRestart, interpret

    for body in ("nohup sh -c 'sleep ٣; systemctl restart tentacle' &",
                 "systemd-run --on-active=٣ systemctl restart tentacle"):
        [effect] = interpret(body, ScriptSyntax.Bash)
        assert isinstance(effect, DetachedRestart) and effect.delay_seconds == 0.0, body


@pytest.mark.parametrize(("body", "error", "printed"), [
    # test's own error, as Bash's: the message on standard error, status 2 (it was 1, silent)
    ('[ x -eq 3 ] && echo yes; echo "s $?"', "[: x: integer expression expected", ["s 2"]),
    ('[ 3 -eq y ]; echo "s $?"', "[: y: integer expression expected", ["s 2"]),
    ('[ a -eq 1 -o x = x ]; echo "s $?"', "[: a: integer expression expected", ["s 2"]),
    ("if test x -gt 1; then echo a; else echo b; fi", "test: x: integer expression expected",
     ["b"]),
    ('[ x -eq 1 ] 2>/dev/null; echo "s $?"', None, ["s 2"]),
])
def test_an_integer_comparison_of_no_integer_is_tests_error(
        body: str, error: str | None, printed: list[str]) -> None:
    _, result, host = bash(body)
    assert host.lines("error") == ([error] if error else [])
    assert (host.lines(), result.exit_code) == (printed, 0)


def test_set_e_ends_on_tests_error_with_its_status() -> None:
    _, result, host = bash("set -e; [ x -eq 1 ]; echo no")
    assert (host.lines(), result.exit_code) == ([], 2)


def test_windows_line_endings_are_made_linux_s_as_calamari_makes_them() -> None:
    # Calamari's BashScriptBootstrapper.EnsureValidUnixFile replaces "\r\n" with "\n" in the
    # script before Bash sources it; Bash itself would fail on the first `then\r`
    body = ('echo a\r\nif true; then\r\n  echo b\r\nfi\r\nfor i in 1 2; do echo $i; done\r\n'
            'x=1\r\necho "[$x]"\r\n')
    printed = ["a", "b", "1", "2", "[1]"]
    _, result, host = bash(body)
    assert host.lines() == printed and result == ScriptResult()
    assert real_bash(body.replace("\r\n", "\n")) in (None, printed)


# -- lines that end later ---------------------------------------------------------------------
@pytest.mark.parametrize(("body", "printed"), [
    # Calamari reads the task log a line at a time: output without a newline waits for the
    # rest of its line (these printed `a`, then `b`, two lines)
    ("echo -n a; echo b", ["ab"]),
    ("printf a; echo b", ["ab"]),
    ("printf '<%s>' a; echo", ["<a>"]),
    ('printf "a\\nb"; echo c', ["a", "bc"]),
    ("echo -ne 'x\\ty'; echo -n z; echo", ["x\tyz"]),
    ("echo -n a; X=1; echo b", ["ab"]),
    ("echo -n a >&2; echo b", ["b"]),  # each stream its own line
    # a command not interpreted may have printed more of the line: the line `a...b` is not
    # known (Bash printed `ab` for a command printing nothing), the next line is
    ("echo -n a; cat /etc/hostname; echo b", []),
    ("echo -n a; echo *; echo b; echo c", ["c"]),
    ("echo -n a; not_a_builtin 2>/dev/null; echo b", []),
])
def test_output_without_a_newline_waits_for_the_rest_of_its_line(
        body: str, printed: list[str]) -> None:
    _, _, host = bash(body)
    assert host.lines() == printed
    if not any(word in body for word in ("cat", "*", "not_a_builtin")):
        assert real_bash(body) in (None, printed)


@pytest.mark.parametrize(("body", "printed"), [
    # Calamari's reader (.NET's ReadLine) ends a line at \r\n, \r or \n
    ("printf 'a\\rb\\n'", ["a", "b"]),
    ("printf 'a\\r\\nb\\r\\n'", ["a", "b"]),
    ("echo -e 'a\\r\\rb'", ["a", "", "b"]),
    ("printf 'a\\r'; printf '\\nb\\n'", ["a", "b"]),  # one \r\n, split between texts
    ("printf 'a\\r'; echo b", ["a", "b"]),
    ("printf 'x\\r'", ["x"]),  # at the end, as the end of a line
    ("printf 'e\\rf\\n' >&2; echo o", ["o"]),
    ("echo -n a; cat /etc/hostname; printf 'b\\rc\\n'", ["c"]),
])
def test_a_carriage_return_ends_a_line_as_calamari_reads_it(
        body: str, printed: list[str]) -> None:
    _, _, host = bash(body)
    assert host.lines() == printed
    if "cat" not in body:  # real_bash reads Bash's output with universal newlines: as .NET
        assert real_bash(body) in (None, printed)


def test_a_rest_at_the_script_s_end_is_a_line() -> None:
    # Bash prints `x` and ends; Calamari's reader gives the rest as the last line
    _, result, host = bash("echo start; echo -n x")
    assert host.lines() == ["start", "x"] and not result.failed
    _, _, host = bash("echo -n e >&2; echo -n o")
    assert (host.lines(), host.lines("error")) == (["o"], ["e"])


# -- command -v ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("body", "printed"), [
    # a function of the script's, a builtin, a reserved word: its name, status 0
    ('f() { :; }\ncommand -v f; echo "$?"', ["f", "0"]),
    ('command -v echo; command -v -- [[; echo "$?"', ["echo", "[[", "0"]),
    ('if command -v f >/dev/null; then echo no; fi\nf() { :; }\n'
     'if command -v f >/dev/null; then echo yes; fi', ["yes"]),
    ('p="$(command -v printf)"; echo "[$p]"', ["[printf]"]),
])
def test_command_v_of_a_function_builtin_or_reserved_word(body: str,
                                                          printed: list[str]) -> None:
    _, _, host = bash(body)
    assert host.lines() == printed
    assert real_bash(body) in (None, printed)


@pytest.mark.parametrize("body", [
    'command -v curl; echo "st=$?"; echo end',  # a program on the Tentacle's PATH, or none
    'f() { :; }; unset -f f; command -v f; echo "st=$?"; echo end',
    'command -v f g; echo "st=$?"; echo end',  # several names
    'command -V echo; echo "st=$?"; echo end',
    'alias ll="ls -l"; command -v echo; echo "st=$?"; echo end',  # an alias
    'command -v echo; enable -n echo; echo "st=$?"; echo end',  # a builtin disabled
])
def test_command_v_of_anything_else_is_not_known(body: str) -> None:
    _, _, host = bash(body)
    assert host.lines() == ["end"]
