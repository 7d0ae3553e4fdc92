"""A failing test whose simulation holds a task-cap deadlock says so in one line, above its
timeline (docs/fleets.md)."""

from __future__ import annotations

import pytest

ARGS = ("-p", "no:cacheprovider")

HANGS = """
from octosim.model.executors import Delay


class Parent:
    name = "Parent"
    description = "Waits on its child"

    def validate(self, arguments, space_id, world):
        return dict(arguments)

    def execute(self, run):
        yield Delay(1)
        with run.engine.on_behalf_of(run.task):
            child = run.engine.create(run.task.space_id, "AdHocScript", {
                "ScriptBody": "echo child", "MachineIds": ["Machines-1"]})
        while not child.is_completed:
            yield Delay(5)


def test_hangs(octopus_factory):
    sim = octopus_factory(task_cap=CAP)
    sim.engine.register(Parent())
    task = sim.engine.create("Spaces-1", "Parent", {})
    sim.clock.advance_to(600)
    assert task.state == "Never"
"""


def test_the_failure_report_names_the_deadlock_in_one_line(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(HANGS.replace("CAP", "1"))
    result = pytester.runpytest(*ARGS)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*octosim timeline (scenario default, seed 0)*",
        "octosim: deadlock since 1.000s, task cap 1 full: ServerTasks-1 waits on "
        "ServerTasks-2 (Queued); no QueueTimeExpiry frees a slot: deadlocked until a waiting "
        "party gives up or the cap is raised",
        "[    0.000s] task     ServerTasks-1 Parent 'Waits on its child' created (Queued)",
    ])
    assert result.stdout.str().count("octosim: deadlock") == 1


def test_no_line_when_nothing_is_deadlocked(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(HANGS.replace("CAP", "2"))
    result = pytester.runpytest(*ARGS)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*octosim timeline (scenario default, seed 0)*"])
    assert "octosim: deadlock" not in result.stdout.str()
    assert "] deadlock " not in result.stdout.str()  # nor in the timeline
