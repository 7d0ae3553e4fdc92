"""Frugal (DESIGN.md §3.6): the restart client never polls faster than the policy allows,
backs off before repeating a failed request, and sends a number of requests bounded by its
deadline.

Drawn: as for Bounded (every preset and drawn world, extra faults at rates up to 0.2,
jammed queues, any policy). The requests are read as the client sent them, with their
virtual send and end times, from a recording transport in front of the simulation (the
journal only shows a faulted request as a fault). ``props.frugal_problem`` states the
three checks: poll spacing, backoff (and Retry-After) before a repeat, and the count bound
``3 * floor(deadline / poll_interval) + 8`` plus two per failed request.
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
def test_frugal(octopus_factory: Any, props: Any, driver: str, data: st.DataObject) -> None:
    case = data.draw(props.any_cases(), label="case")
    note(props.describe(case))
    sim = props.build(octopus_factory, case)
    run = props.run_client(sim, case, driver)
    failures = sum(s.failed_transiently for s in run.sent)
    event(f"failed requests: {min(failures, 3)}{'+' if failures > 3 else ''}")
    # Steer generation toward runs that come close to the bound, where a breach would be.
    target(len(run.sent) / props.request_bound(run), label="requests / bound")
    problem = props.frugal_problem(run)
    assert problem is None, props.explain(run, problem)
