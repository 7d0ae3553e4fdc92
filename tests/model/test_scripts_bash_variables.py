"""Bash's assignments and its own variables as the interpreter reads them: ``+=``, the array
assignments not modelled (those modelled: test_scripts_bash_arrays), the order of
assignments, ``readonly``/``declare``/``local`` attributes, Bash's own variables
(``BASH_VERSION``, ``UID``, ``FUNCNAME``...), ``[[ ]]``'s arithmetic operands and Calamari's
``get_octopusvariable``. Each expected answer is checked against Bash 5.2 where this machine
has it (:func:`~tests.model.test_scripts_bash_flow.real_bash`)."""

from __future__ import annotations

import shlex

import pytest

from octosim.model.scripts import ScriptSyntax
from octosim.model.scripts._sh_variables import DYNAMIC
from tests.model.test_scripts_bash_flow import bash, real_bash
from tests.model.test_scripts_running import Host, run


def _printed(body: str) -> list[str]:
    _, _, host = bash(body)
    return host.lines()


# -- assignments --------------------------------------------------------------------------------
@pytest.mark.parametrize(("body", "printed"), [
    ('a=1; a+=2; echo "a=$a"', ["a=12"]),
    ('a+=x; echo "[$a]"', ["[x]"]),
    ('a=1; a+=2 b=$a; echo "$a $b"', ["12 12"]),
    ('export P=/bin; export P+=:/usr/bin; echo "$P"', ["/bin:/usr/bin"]),
    ('x=1 y=$x; echo "y=$y"', ["y=1"]),
    ('x=0; f() { echo "y=$y x=$x"; }; x=2 y=$x f; echo "x=$x"', ["y=2 x=2", "x=0"]),
    ('x=0; x=5 echo "$x"', ["0"]),
])
def test_assignments_are_made_in_order_and_append(body: str, printed: list[str]) -> None:
    assert _printed(body) == printed
    assert real_bash(body) in (None, printed)


@pytest.mark.parametrize("body", [
    'f() { local -a a=(x y); echo "a=$a"; }; f; echo end',
    'a=1; declare -a a=(x y); echo "a=$a"; echo end',
])
def test_an_array_s_assignment_leaves_its_variable_not_known(body: str) -> None:
    assert _printed(body) == ["end"]  # an element's, a declaration's: `a=...` not known
    assert (real_bash(body) or ["a=x", "end"])[-1] == "end"


@pytest.mark.parametrize("body", [
    'f() { declare -i n; n=1+2; echo "n=$n"; }; f; echo end',
    'n=1+2; declare -i n; n+=1; echo "n=$n"; echo end',
    'declare -i n=1; n+=n++; echo "n=$n"; echo end',
    'declare -i n; n=1 env; echo end',
    'typeset -ux s; s=abc; echo "s=$s"; echo end',
    'declare -u s; s=\u00e9; echo "s=$s"; echo end',
    'declare -u s; s=bi; echo "s=$s"; echo end',
    'declare -l s; s=BI; echo "s=$s"; echo end',
    'declare -u s; s=ab env; echo end',
    'declare -u s; f() { local s=ab; echo "s=$s"; }; f; echo end',
    'declare -l s; s=(A B); echo "s=$s"; echo end',
    'f() { local -l s; s=ABC; echo "s=$s"; }; f; echo end',
    'if grep -q x /etc/hosts; then declare -i n; fi; n=1+2; echo "n=$n"; echo end',
])
def test_an_attribute_not_modelled_leaves_what_is_assigned_not_known(body: str) -> None:
    assert _printed(body) == ["end"]
    assert (real_bash(body) or ["end"])[-1] == "end"


@pytest.mark.parametrize(("body", "printed"), [
    # each value assigned from then on, the value now kept
    ('s=ab; declare -u s; echo "$s"; s+=cd; echo "$s"; s=ef; echo "$s"', ["ab", "ABCD", "EF"]),
    ('typeset -l s=AB t; t=Cd; echo "$s $t"', ["ab cd"]),
    # the other case's attribute replaced; unset, an ordinary variable again
    ('declare -l s=AB; declare -u s; echo "$s"; s=Ab; echo "$s"', ["ab", "AB"]),
    ('declare -u s=ab; unset s; s=cd; echo "$s"', ["cd"]),
    # whatever assigns: a loop, printf -v, ${s:=...}, arithmetic, a function, a subshell
    ('declare -u s; for s in pq; do :; done; echo "$s"; printf -v s %s mn; echo "$s"; '
     'unset s; declare -u s; : "${s:=xy}"; echo "$s"', ["PQ", "MN", "XY"]),
    ('declare -u s; echo "${s:=ab}"; echo "$s"', ["AB", "AB"]),  # the value assigned
    ('declare -u s; f() { s=gh; }; f; echo "$s"; (s=ab; echo "$s"); (declare -l s; s=CD; '
     'echo "$s"); s=Ef; echo "$s"', ["GH", "AB", "cd", "EF"]),
])
def test_a_case_attribute_changes_what_is_assigned_as_bash(body: str, printed: list[str]) -> None:
    assert _printed(body) == printed
    assert real_bash(body) in (None, printed)


@pytest.mark.parametrize(("body", "printed"), [
    # each value assigned from then on evaluated as arithmetic; += adds
    ('n=7; declare -i n; echo "$n"; n=1+2; echo "$n"; n+=2; echo "$n"; n=" 3 "; echo "$n"',
     ["7", "3", "5", "3"]),
    ('declare -i n=5 m; x=3; m=x*2; n+=m; echo "$m $n"; n=abc; echo "$n"; n=; echo "[$n]"',
     ["6 11", "0", "[0]"]),
    ('declare -i n=9223372036854775807; n+=1; echo "$n"', ["-9223372036854775808"]),
    # whatever assigns; unset, an ordinary variable again
    ('declare -i n; for n in 1+1 2+4; do echo "$n"; done; printf -v n %s 4+4; echo "$n"; '
     'unset n; declare -i n; echo "${n:=2+2}"', ["2", "6", "8", "4"]),
    ('declare -i n; f() { n=2+2; }; f; echo "$n"; (n=3*3; echo "$n"); echo "$n"; unset n; '
     'n=1+1; echo "$n"', ["4", "9", "4", "1+1"]),
])
def test_an_integer_attribute_evaluates_what_is_assigned_as_bash(body: str,
                                                                 printed: list[str]) -> None:
    assert _printed(body) == printed
    assert real_bash(body) in (None, printed)


def test_an_integer_attribute_s_arithmetic_error_ends_the_script_as_bash() -> None:
    body = 'set -u; declare -i n; n=abc; echo "$n"; echo after'
    _, result, host = bash(body)
    assert (host.lines(), host.lines("error"), result.exit_code) == (
        [], ["abc: unbound variable"], 1)
    assert real_bash(body) in (None, [])
    body = 'declare -i n; echo a; n=1/0; echo "$n"; echo after'
    assert _printed(body) == ["a"]  # Bash's `division by 0` exits 1: nothing after known
    assert real_bash(body) in (None, ["a"])


def test_a_readonly_variable_s_assignment_is_bash_s_error_and_the_rest_not_known() -> None:
    body = 'readonly X=1; echo "X=$X"\nX=2\necho "X=$X"'
    _, _, host = bash(body)
    assert host.out == [("info", "X=1"), ("error", "X: readonly variable")]
    assert real_bash(body) in (None, ["X=1", "X=1"])  # Bash goes on at the next line
    body = 'readonly X=1\nunset X; echo "s=$? $X"'
    _, _, host = bash(body)
    assert host.out == [("error", "unset: X: cannot unset: readonly variable"), ("info", "s=1 1")]
    assert real_bash(body) in (None, ["s=1 1"])
    body = 'f() { local -r L=1; echo "$L"; }; f; L=2; echo "$L"'
    assert _printed(body) == ["1", "2"]  # read-only only while the call runs
    assert real_bash(body) in (None, ["1", "2"])
    _, _, host = bash("UID=5\necho after")
    assert host.out == [("error", "UID: readonly variable")]


# -- Bash's own variables -----------------------------------------------------------------------
@pytest.mark.parametrize(("body", "printed"), [
    ('[ -n "$BASH_VERSION" ] || { echo "needs bash"; exit 1; }; echo fine', ["fine"]),
    ('[[ -z $HOSTNAME ]] && echo empty; test "${BASH}" && echo set; [ ! -n "$PPID" ]; echo $?',
     ["set", "1"]),
    ("echo ${BASH_VERSION:+bash} ${OSTYPE+set}", ["bash set"]),
    ('f() { echo "in $FUNCNAME"; }; f; echo "[$FUNCNAME]"', ["in f", "[]"]),
    ('echo "$TERM $OPTIND $OPTERR"', ["dumb 1 1"]),
    ('unset RANDOM; echo "[$RANDOM]"', ["[]"]),
])
def test_bash_s_own_variables_are_set(body: str, printed: list[str]) -> None:
    assert _printed(body) == printed
    assert real_bash(body) in (None, printed)


@pytest.mark.parametrize("name", ["LINENO", "SECONDS", "BASH_VERSION", "PWD", "HOSTNAME",
                                  "RANDOM", "SHLVL", "BASHPID", "OSTYPE"])
def test_bash_s_own_variables_values_are_not_known(name: str) -> None:
    body = f'echo "[${name}]"; {name}=1; echo "[${name}]"\necho end'
    real = real_bash(body)
    assert real is None or real[0] != "[]"  # set, by Bash
    printed = _printed(body)
    assert printed[-1] == "end" and "[]" not in printed
    # an assignment makes one known but those whose value changes by itself
    assert ("[1]" in printed) == (name not in DYNAMIC)


def test_the_tentacle_s_user_is_root() -> None:
    # The Tentacle's systemd unit runs it as root: UID and EUID are 0 (the machine running
    # these tests may not be root, so Bash is not asked).
    body = 'if [ "$EUID" -ne 0 ]; then echo "not root"; exit 1; fi; echo "ok $UID"'
    assert _printed(body) == ["ok 0"]


def test_a_cd_leaves_pwd_not_known() -> None:
    assert _printed('PWD=/x; cd /; echo "pwd=$PWD"; echo end') == ["end"]


# -- [[ ]]'s arithmetic -------------------------------------------------------------------------
@pytest.mark.parametrize(("body", "printed"), [
    ("[[ 010 -eq 8 ]] && echo equal || echo differ", ["equal"]),
    ("x=1; [[ x+1 -eq 2 ]] && echo yes", ["yes"]),
    ('[[ "" -eq 0 ]] && echo zero', ["zero"]),
    ("[[ 0x10 -gt 15 ]] && echo hex", ["hex"]),
    ("[ 010 -eq 10 ] && echo decimal", ["decimal"]),  # test reads decimal integers
])
def test_double_brackets_read_integer_operands_as_arithmetic(body: str,
                                                              printed: list[str]) -> None:
    assert _printed(body) == printed
    assert real_bash(body) in (None, printed)


def test_a_double_bracket_s_arithmetic_error_is_not_known() -> None:
    body = 'v=08; [[ $v -lt 10 ]] && echo lt; echo "s=$?"\necho end'
    assert _printed(body) == ["end"]  # Bash: its error, status 1
    assert real_bash(body) in (None, ["s=1", "end"])


# -- get_octopusvariable ------------------------------------------------------------------------
class _Variables(Host):
    VALUES = {"L": "a b", "V": "v\n", "D": "$HOME", "G": "*", "A": "a"}

    def octopus_variable(self, name: str) -> str | None:
        return self.VALUES.get(name)


def _calamari(body: str) -> list[str]:
    host = _Variables("Linux")
    run(body, ScriptSyntax.Bash, host)
    return host.lines()


def _with_calamari_s_function(body: str) -> str:
    """``body`` after a ``get_octopusvariable`` that prints what Calamari's prints."""
    cases = "".join(f"    {shlex.quote(name)}) printf %s {shlex.quote(value)} ;;\n"
                    for name, value in _Variables.VALUES.items())
    return ('get_octopusvariable() {\n  INPUT=$(echo -n "$1" | base64 -w0)\n  case "$1" in\n'
            f'{cases}    *) echo "" ;;\n  esac\n}}\n{body}')


@pytest.mark.parametrize(("body", "printed"), [
    ('for i in $(get_octopusvariable "L"); do echo "[$i]"; done', ["[a]", "[b]"]),
    ('x="$(get_octopusvariable "V")"; echo "[$x]"', ["[v]"]),
    ('echo "[$(get_octopusvariable "D")]"', ["[$HOME]"]),
    ('n=A; echo "[$(get_octopusvariable "$n")]"', ["[a]"]),
    ('get_octopusvariable "A"; echo; echo "$INPUT"', ["a", "QQ=="]),
    ('get_octopusvariable none; echo "[$(get_octopusvariable none)]"', ["", "[]"]),
    ("echo 'a $(get_octopusvariable A)'", ["a $(get_octopusvariable A)"]),
])
def test_get_octopusvariable_is_calamari_s_function(body: str, printed: list[str]) -> None:
    assert _calamari(body) == printed
    assert real_bash(_with_calamari_s_function(body)) in (None, printed)


def test_get_octopusvariable_s_value_bare_is_a_file_name_pattern() -> None:
    assert _calamari('echo $(get_octopusvariable "G"); echo end') == ["end"]


# -- printf, line continuations, error messages --------------------------------------------------
@pytest.mark.parametrize(("body", "printed"), [
    ('printf -v v "%s-%s" a b; echo "v=$v"', ["v=a-b"]),
    ("printf -v v -- '%s' x; echo \"v=$v\"", ["v=x"]),
    ("printf -- '%s\\n' x", ["x"]),
    # width and precision count bytes, é is two in UTF-8
    ("printf '%-4s|%.2s|%5.2s|%3s|\\n' é éé éé é", ["é  |é|   é| é|"]),
    ("printf '%c|\\n' abc", ["a|"]),
    ('echo "a\\\nb"', ["ab"]),  # a line continuation inside double quotes: removed
    ("echo a\\\nb", ["ab"]),
    ("echo 'a\\\nb'", ["a\\", "b"]),  # in single quotes: text
    ("echo a\\\n#b", ["a#b"]),
    ("echo a # c \\\necho d", ["a", "d"]),  # a comment ends at its newline
])
def test_printf_and_line_continuations_as_bash(body: str, printed: list[str]) -> None:
    assert _printed(body) == printed
    assert real_bash(body) in (None, printed)


@pytest.mark.parametrize("body", [
    "printf '%c|\\n' ''; echo end",  # a NUL byte
    "printf '%.1s|\\n' é; echo end",  # the first of é's two bytes
    "printf '%c|\\n' é; echo end",
    "printf -v 'a b' x; echo $?; echo end",
])
def test_printf_s_bytes_beyond_text_are_not_known(body: str) -> None:
    assert _printed(body) == ["end"]


def test_a_positional_parameter_s_error_is_named_as_bash_names_it() -> None:
    _, _, host = bash('f() { echo "${1:?missing}"; }; f')
    assert host.lines("error") == ["1: missing"]
    _, _, host = bash('f() { echo "${1:?}"; }; f')
    assert host.lines("error") == ["1: parameter null or not set"]
    _, _, host = bash('set -u; f() { echo "$1"; }; f')
    assert host.lines("error") == ["$1: unbound variable"]


# -- exec, set, getopts ---------------------------------------------------------------------------
@pytest.mark.parametrize(("body", "printed"), [
    ("exec >/dev/null; echo hidden", []),
    ("exec 3>&1; echo x >&3", ["x"]),
    ('set -- a b; echo "$1 $#"; shift; echo "$1 $#"', ["a 2", "b 1"]),
    ('set -e -- x; echo "$1"; set --; echo "$#"', ["x", "0"]),
    ("echo a; set -n; echo b", ["a"]),
    ("set -x; echo hi; set +x; echo done", ["hi", "done"]),
])
def test_exec_and_set_as_bash(body: str, printed: list[str]) -> None:
    assert _printed(body) == printed
    assert real_bash(body) in (None, printed)


def test_exec_s_redirections_stay_the_script_s() -> None:
    _, _, host = bash("echo a; exec >&2; echo b")
    assert host.out == [("info", "a"), ("error", "b")]


@pytest.mark.parametrize("body", [
    "set -x; echo hi >&2; echo end",  # Bash's trace among the errors: not known
])
def test_set_x_leaves_the_errors_not_known(body: str) -> None:
    _, _, host = bash(body)
    assert host.out == [("info", "end")]


@pytest.mark.parametrize(("body", "printed"), [
    ("f() { exec >/dev/null; }; f; echo x", []),  # a function's: not followed
    ("exec ./other.sh; echo x", []),  # the shell replaced
    ("exec 2>&1; set -x; echo x", []),  # Bash's trace among the lines
    ("set -C; echo x", []),  # noclobber: what follows is not followed
    ('getopts ab opt; echo "opt=$opt"; echo end', ["end"]),
])
def test_what_exec_set_and_getopts_change_beyond_the_model_is_not_known(
        body: str, printed: list[str]) -> None:
    assert _printed(body) == printed
