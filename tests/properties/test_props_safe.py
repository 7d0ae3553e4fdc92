"""Safe (DESIGN.md §3.2): the restart client reports ``restarted`` only when it is true,
judged from the simulator's model, never from the report.

Drawn: as for Bounded (every preset and drawn world, extra faults, jammed queues, any
policy, any instance of the machine). Checked on every ``restarted`` outcome: (a) the
target instance's process start time (the witness) changed to a time after the restart
task was accepted, and (b) a Health task of the run started after the machine's
registered instance was last back up (Running ever since) and ended Success.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import event, given, note, settings
from hypothesis import strategies as st


@pytest.mark.parametrize("driver", ["sync", "async"])
# Three times the profile's examples: rare worlds need them, and the budget allows it.
@settings(max_examples=3 * settings().max_examples)
@given(data=st.data())
def test_safe(octopus_factory: Any, props: Any, driver: str, data: st.DataObject) -> None:
    case = data.draw(props.any_cases(), label="case")
    note(props.describe(case))
    sim = props.build(octopus_factory, case)
    run = props.run_client(sim, case, driver)
    event(f"outcome: {run.outcome or type(run.error).__name__}")
    problem = props.safe_problem(run)
    assert problem is None, props.explain(run, problem)
