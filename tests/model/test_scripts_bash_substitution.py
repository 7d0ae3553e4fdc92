"""Bash's command substitution, ``$(COMMANDS)``, as the interpreter runs it: in a subshell
whose output is the value, its trailing newlines removed, when everything it runs is
interpreted. Each expected answer is checked against Bash 5.2 where this machine has it
(:func:`~tests.model.test_scripts_bash_flow.real_bash`)."""

from __future__ import annotations

import pytest

from tests.model.test_scripts_bash_flow import bash, real_bash

TO_BOOLEAN = ('to_boolean() {\n  local v=$1\n  if [[ "$v" == "True" ]]; then echo true;'
              ' else echo false; fi\n}\n')


def _run(body: str) -> tuple[list[str], list[str], int]:
    _, result, host = bash(body)
    return host.lines(), host.lines("error"), result.exit_code


@pytest.mark.parametrize(("body", "printed"), [
    ('x=$(echo hi); echo "[$x]"', ["[hi]"]),
    ('x=$(printf "a\\n\\n\\n"); echo "[$x]"', ["[a]"]),
    ('x="$(echo a; echo; echo b)"; echo "[$x]"', ["[a", "", "b]"]),
    (TO_BOOLEAN + 'a=$(to_boolean "True"); b=$(to_boolean x); echo "$a $b"', ["true false"]),
    (TO_BOOLEAN + 'if [[ $(to_boolean True) == true ]]; then echo yes; fi', ["yes"]),
    ('f() { echo "{\\"k\\": \\"$1\\"}"; }\nj="$(f "v w")"; echo "$j"', ['{"k": "v w"}']),
    # nested, and in a loop's words, bare: split
    ('f() { echo "$1-$1"; }; x=$(f "$(f a)"); echo "$x"', ["a-a-a-a"]),
    ('for w in $(echo p q); do echo "<$w>"; done', ["<p>", "<q>"]),
    # its own shell: what it assigns stays in it; `set -e` is off inside, as Bash clears it
    ('x=1; y=$(x=2; echo $x); echo "$x $y"', ["1 2"]),
    ('set -e; x=$(false; echo after); echo "[$x]"', ["[after]"]),
    ('x=$(exit 3; echo no); echo "st=$? [$x]"', ["st=3 []"]),
    # its status is the assignment's (the last one's), and $? as soon as it ends
    ('x=$(exit 3) y=$(true); echo "st=$?"', ["st=0"]),
    ('false; echo "a $? $(true) $?"', ["a 1  0"]),
    ('f() { echo in; return 1; }\nset -e\ny=$(f)\necho "not reached"', []),
    ('f() { echo in; return 1; }\nif y=$(f); then echo ok; else echo "no [$y]"; fi',
     ["no [in]"]),
    # its errors go where the shell's go; 2>&1 inside captures them
    ('f() { echo out; echo err >&2; }\nx=$(f); echo "[$x]"', ["[out]"]),
    ('f() { echo out; echo err >&2; }\nx=$(f 2>&1); echo "[$x]"', ["[out", "err]"]),
    ('x=$(echo hi >/dev/null); echo "[$x]"', ["[]"]),
])
def test_a_command_substitution_is_what_its_commands_print(body: str,
                                                          printed: list[str]) -> None:
    assert _run(body)[0] == printed
    assert real_bash(body) in (None, printed)


def test_its_errors_are_the_task_log_s_in_order() -> None:
    body = 'f() { echo err >&2; echo out; }\nx=$(f)\necho "[$x]"'
    assert _run(body) == (["[out]"], ["err"], 0)


@pytest.mark.parametrize("body", [
    'x=$(curl -s https://example.com); echo "[$x]"; echo end',  # a program
    'x=$(echo a | tr a b); echo "[$x]"; echo end',
    'x=$(sleep 1; echo a); echo "[$x]"; echo end',  # it sleeps
    'f() { set_octopusvariable N v; echo a; }\nx=$(f); echo "[$x]"; echo end',
    'x=`echo a`; echo "[$x]"; echo end',  # backquotes
    'x=$(case a in a) echo A;; esac); echo "[$x]"; echo end',  # where it ends: not sure
    'x=$(echo a # b)\n); echo "[$x]"; echo end',
])
def test_a_command_substitution_running_what_is_not_interpreted_is_not_known(
        body: str) -> None:
    assert _run(body)[0] == ["end"]
    assert (real_bash(body) or ["end"])[-1] == "end"


def test_fail_step_inside_is_not_known() -> None:
    # Calamari's fail_step writes its message as a service message to what is captured
    body = 'f() { fail_step "bad"; }\nx=$(f)\necho "[$x]"\necho end'
    out, errors, _ = _run(body)
    assert out == ["end"] and errors == []
