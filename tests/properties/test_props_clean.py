"""Clean (DESIGN.md §3.4): when the restart client returns, whatever the outcome (restarted,
timed out, failed, an error, Ctrl-C or a cancelled task), no task it created is still
Queued or Executing.

Drawn: as for Bounded, plus an interrupt at a drawn moment (or none): KeyboardInterrupt out
of the sync driver's ``sleep``, cancellation of the task running the async driver. The
run's tasks are found in the model by the token in their descriptions, so a task the
client lost track of (a create whose answer was lost) counts too.

Checked the moment the run returns: when cleaning up was possible (no fault fired, a
cleanup allowance > 0), none is Queued or Executing; when it was not, each one still
Queued or Executing is named in the outcome's reason. Then, one server ``cancel_delay``
later, none that was Cancelling is still active.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import event, given, note, settings
from hypothesis import strategies as st

from octosim.model.states import TaskState


@pytest.mark.parametrize("driver", ["sync", "async"])
# Three times the profile's examples: rare worlds need them, and the budget allows it.
@settings(max_examples=3 * settings().max_examples)
@given(data=st.data())
def test_clean(octopus_factory: Any, props: Any, driver: str, data: st.DataObject) -> None:
    case = data.draw(props.any_cases(interrupts=True), label="case")
    note(props.describe(case))
    sim = props.build(octopus_factory, case)
    run = props.run_client(sim, case, driver)
    event(f"outcome: {run.outcome or type(run.error).__name__}")
    problem = props.clean_problem(run)
    assert problem is None, props.explain(run, problem)

    cancelling = [t for t in run.client_tasks() if run.states[t.id] is TaskState.Cancelling]
    event(f"cancelling at return: {bool(cancelling)}")
    sim.clock.sleep(sim.engine.cancel_delay)
    stuck = [t.id for t in cancelling if not t.state.is_completed]
    assert not stuck, props.explain(
        run, f"{stuck} still Cancelling {sim.engine.cancel_delay:g} s after the run returned")
