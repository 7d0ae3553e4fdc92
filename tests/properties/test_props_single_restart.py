"""Single restart (issue 14): a run never creates more than one restart task, whatever
happens to the answers of its creates.

Drawn: any case of the Bounded family (every preset and drawn world, drawn policies), plus
faults on the task creates (``POST .../tasks``) of the kind that lose an answer the server
still acts on: latency beyond the client's request timeout (the server creates the task
after the client gave up waiting) and read timeouts (created, answer lost), at drawn rates.

Checked after the run returns *and* after every late create has landed (the clock is run
on past the longest latency drawn): the model holds at most one task tagged with the run's
token that is a restart (``Restarting Tentacle on ...``). Two would mean the Tentacle was
restarted twice.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import event, given, note, settings
from hypothesis import strategies as st

from octosim.faults import FaultKind, FaultRule

_CREATE = r"/tasks$"
_RESTART = "Restarting Tentacle on "


@st.composite
def lost_answers(draw: st.DrawFn, request_timeout: float) -> tuple[FaultRule, ...]:
    """One or two rules on task creates: latency beyond ``request_timeout`` (by up to ten
    minutes) or read timeouts, each at a drawn rate."""
    rules = []
    for _ in range(draw(st.integers(1, 2), label="rules")):
        rate = draw(st.sampled_from((0.2, 0.5, 1.0)), label="rate")
        if draw(st.booleans(), label="latency?"):
            beyond = draw(st.integers(1, 600), label="seconds beyond the timeout")
            rules.append(FaultRule(FaultKind.Latency, rate=rate, method="POST", route=_CREATE,
                                   latency=request_timeout + beyond))  # fmt: skip
        else:
            rules.append(FaultRule(FaultKind.ReadTimeout, rate=rate, method="POST",
                                   route=_CREATE))  # fmt: skip
    return tuple(rules)


@pytest.mark.parametrize("driver", ["sync", "async"])
@given(data=st.data())
@settings(max_examples=2 * settings().max_examples)
def test_never_two_restart_tasks(
    octopus_factory: Any, props: Any, driver: str, data: st.DataObject
) -> None:
    case = data.draw(props.any_cases(interrupts=False), label="case")
    rules = data.draw(lost_answers(case.policy.request_timeout), label="lost answers")
    case = dataclasses.replace(case, faults=(*case.faults, *rules))
    note(props.describe(case))
    sim = props.build(octopus_factory, case)

    run = props.run_client(sim, case, driver)
    # Let every create still on its way land: the longest latency, and then some.
    sim.clock.sleep(max((r.latency for r in rules), default=0.0) + 60.0)

    restarts = [t.id for t in run.client_tasks() if t.description.startswith(_RESTART)]
    event(f"restart tasks: {len(restarts)}")
    event(f"outcome: {run.outcome or type(run.error).__name__}")
    assert len(restarts) <= 1, props.explain(run, f"{len(restarts)} restart tasks: {restarts}")
