"""Scripts beyond what the interpreters can follow fail loudly, and a sleep for ever never
breaks the clock: found by feeding the REST routes hostile bodies."""

from __future__ import annotations

import pytest

from octosim.model.scripts import TOO_DEEP, ScriptResult, ScriptSyntax
from octosim.model.scripts._sh_exec import TOO_LONG
from octosim.model.states import TaskState
from octosim.simulation import Simulation
from tests.model.test_scripts_running import Host, run

PS, SH = ScriptSyntax.PowerShell, ScriptSyntax.Bash


@pytest.mark.parametrize(("syntax", "body"), [
    (PS, "Write-Host " + "(" * 1000 + "1" + ")" * 1000),
    (PS, "if ($true) { " * 600 + "Write-Host hi " + "}" * 600),
    (SH, "if true; then " * 1000 + "echo hi; " + "fi; " * 1000),
])
def test_a_script_nested_too_deeply_fails_saying_so(syntax: ScriptSyntax, body: str) -> None:
    host = Host("Linux")
    assert run(body, syntax, host) == ([], ScriptResult(1, TOO_DEEP))
    assert host.lines("error") == [TOO_DEEP]


def test_a_sleep_for_ever_holds_the_script_until_it_is_cancelled() -> None:
    # The Tentacle side holds the script rather than hand the clock an infinite delay.
    sim = Simulation.from_scenario("linux", seed=0)
    machine = next(iter(sim.world.machines.values()))
    with sim.client() as client:
        def ad_hoc(body: str) -> str:
            created = client.post("/api/tasks", json={"Name": "AdHocScript", "Arguments": {
                "ScriptBody": body, "Syntax": "Bash", "MachineIds": [machine.id]}})
            assert created.status_code == 201, created.text
            return str(created.json()["Id"])

        forever = sim.engine.tasks[ad_hoc("sleep infinity; echo never")]
        sim.clock.sleep(86_400)
        assert forever.state is TaskState.Executing
        sim.engine.cancel(forever)
        after = sim.engine.tasks[ad_hoc("echo after")]  # the mutex was let go
        sim.clock.sleep(600)
    assert (forever.state, after.state) == (TaskState.Canceled, TaskState.Success)
    assert "never" not in [line.message for node in forever.log.walk() for line in node.log]


@pytest.mark.parametrize("code", ["1e400", "-1e400", "2147483648", "9" * 5000])
def test_an_exit_code_beyond_an_int32_is_powershell_s_conversion_error(code: str) -> None:
    # Found by review: 1e400 raised OverflowError out of the interpreter (and the clock).
    host = Host("Windows")
    assert run(f"exit {code}; Write-Host after", PS, host) == ([], ScriptResult(1))
    [error] = host.lines("error")
    assert error.startswith(f'Cannot convert value "{code}" to type "System.Int32".')
    assert run("exit 2.5", PS, Host("Windows")) == ([], ScriptResult(2))  # half to even


NINES = "9" * 5000


@pytest.mark.parametrize(("body", "printed", "code"), [
    # found by review: each raised ValueError (int() refuses 4,300 digits) out of the clock
    (f"[ 1 -eq {NINES} ]; echo after", ["after"], 0),
    (f"[[ 1 -eq {NINES} ]]; echo after", ["after"], 0),
    (f"printf '%d\\n' {NINES}; printf '%x\\n' {NINES}; echo after", ["after"], 0),
    (f"printf '%{NINES}s\\n' x; printf '%1000000000s\\n' x; echo after", ["after"], 0),
    # a shift in arithmetic is not a here-document (it swallowed the rest of the script)
    ("(( x = 1<<2 ))\n(( y = 1<<3 ))\necho after\nexit 3", ["after"], 3),
    # a repeated group could backtrack for ages: not run, so neither branch is taken
    ("if [[ aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa! =~ ^(a+)+$ ]]; then echo yes; "
     "else echo no; fi; echo after", ["after"], 0),
])
def test_bash_bounds_what_it_reads(body: str, printed: list[str], code: int) -> None:
    host = Host("Linux")
    assert run(body, SH, host)[1].exit_code == code
    assert host.lines() == printed


def test_bash_exit_beyond_64_bits_is_bash_s_numeric_error() -> None:
    host = Host("Linux")
    assert run(f"exit {NINES}", SH, host) == ([], ScriptResult(2))
    assert host.lines("error") == [f"exit: {NINES}: numeric argument required"]


@pytest.mark.parametrize("body", [
    'X=$(date); echo "[$X]"',
    'VERSION=$(cat version.txt)\nif [ -z "$VERSION" ]; then echo missing; exit 1; fi\n'
    'echo "deploying $VERSION"',
    'read -r NAME; echo "[$NAME]"',
    'if grep -q x /etc/hosts; then A=1; fi\necho "A=$A"',
])
def test_a_bash_variable_a_skipped_statement_may_set_is_not_read_as_empty(body: str) -> None:
    # Found by review: the variable read as "", so `[ -z "$VERSION" ]` failed the step.
    host = Host("Linux")
    assert run(body, SH, host)[1].exit_code == 0
    assert host.lines() == [] and host.lines("error") == []
    assert run('X=$(date); X=set; echo "[$X]"', SH, host)[1] == ScriptResult()
    assert host.lines() == ["[set]"]  # assigned again: known again


ALMOST = "a" * 34 + "!"


@pytest.mark.parametrize(("syntax", "body", "printed"), [
    # Found by fuzzing: each held the simulation for ages or raised out of the interpreter.
    (PS, f"if ('{ALMOST}' -match '^a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*$') {{ 'y' }}", []),
    (PS, "if ('" + "a" * 50 + "b' -like '*a*a*a*a*a*a*a*a*a*a*a*a*a*a*c') { 'y' }", []),
    (PS, "if ('x' -match 'a{1,99999999999}') { 'y' }", []),
    (SH, f"[[ {ALMOST} =~ ^a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*$ ]]; echo done", ["done"]),
    (SH, "[[ x =~ a{1,99999999999} ]]; echo done", ["done"]),
    (SH, 'x=a; while true; do x="$x$x"; done; echo "end ${#x}"', []),
])
def test_patterns_and_values_that_could_run_for_ages_are_not_interpreted(
    syntax: ScriptSyntax, body: str, printed: list[str]
) -> None:
    host = Host("Linux")
    assert run(body, syntax, host)[1] == ScriptResult()
    assert host.lines() == printed


def test_a_bash_script_running_too_many_statements_fails_saying_so() -> None:
    host = Host("Linux")
    body = "f() { if [ $1 -gt 0 ]; then f $(($1-1)); f $(($1-1)); fi; }; f 30; echo never"
    assert run(body, SH, host) == ([], ScriptResult(1, TOO_LONG))
    assert host.lines("error") == [TOO_LONG] and host.lines() == []
