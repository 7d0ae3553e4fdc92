"""Bounded (DESIGN.md §3.1): the restart client returns, or raises its typed error, by
``start + policy.deadline`` in virtual time, whatever the world and the policy.

Drawn: every preset (never-returns, flaky-network, busy-server, ...) and every world
``octosim.strategies.scenarios()`` builds, an extra fault plan on top (rates up to 0.2), a
task queue jammed by long deployments (Health tasks that never start), any valid
``RestartPolicy`` (deadlines of 30..600 s) with any instance of the machine.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import event, given, note, settings, target
from hypothesis import strategies as st


@pytest.mark.parametrize("driver", ["sync", "async"])
# Three times the profile's examples: rare worlds need them, and the budget allows it.
@settings(max_examples=3 * settings().max_examples)
@given(data=st.data())
def test_bounded(octopus_factory: Any, props: Any, driver: str, data: st.DataObject) -> None:
    case = data.draw(props.any_cases(), label="case")
    note(props.describe(case))
    sim = props.build(octopus_factory, case)
    run = props.run_client(sim, case, driver)
    event(f"outcome: {run.outcome or type(run.error).__name__}")
    # Steer generation toward runs that use their whole deadline, where an overrun would be.
    target((run.returned_at - run.started) / case.policy.deadline, label="deadline used")
    problem = props.bounded_problem(run)
    assert problem is None, props.explain(run, problem)
