"""Tolerant (DESIGN.md §3.5): transient HTTP failures do not change the verdict.

Drawn: a case of the live family (docs/properties.md: nothing random can stop its
restart) whose fault-free run restarts, and a transient fault plan: one to three rules
(503 with or without Retry-After, 502, 504, 429, connection errors, read timeouts) whose
rates add up to at most 0.2, firing from a random source of their own, never failing a
request ``max_attempts`` times in a row (the policy allows at least two attempts), and at
most ``budget`` (1..8) times in all. The policy's health window and deadline are widened
by the retry allowance (``props.retry_allowance``: per failure a read timeout, the longest
backoff or Retry-After, and a poll). The same world, seed and client seed, with the plan,
must restart too.
"""

from __future__ import annotations

import dataclasses
import random
from typing import Any

import pytest
from hypothesis import assume, event, given, note, settings, target
from hypothesis import strategies as st

from restart.report import Outcome


@pytest.mark.parametrize("driver", ["sync", "async"])
# Three times the profile's examples: rare worlds need them, and the budget allows it.
@settings(max_examples=3 * settings().max_examples)
@given(data=st.data())
def test_tolerant(octopus_factory: Any, props: Any, driver: str, data: st.DataObject) -> None:
    live = data.draw(props.live_cases(), label="case")
    rules, budget, fault_seed = data.draw(props.transient_plans(), label="faults")
    attempts = max(2, live.policy.max_attempts)
    allowance = props.retry_allowance(live.policy, budget)
    policy = dataclasses.replace(
        live.policy, max_attempts=attempts,
        health_window=live.policy.health_window + allowance,
        deadline=live.policy.deadline + allowance)
    case = dataclasses.replace(live, policy=policy)
    note(props.describe(case))
    note(f"transient faults: {budget} at most, {attempts - 1} in a row at most, seed "
         f"{fault_seed}; retry allowance {allowance:g} s")

    fault_free = props.run_client(props.build(octopus_factory, case), case, driver)
    assume(fault_free.outcome is Outcome.RESTARTED)  # Live's business when it does not

    sim = props.build(octopus_factory, case)
    plan = props.TransientFaults(rules=list(rules), rng=random.Random(fault_seed),
                                 max_in_a_row=attempts - 1, budget=budget)
    sim.faults = plan
    run = props.run_client(sim, case, driver)
    event(f"faults injected: {min(plan.fired, 3)}{'+' if plan.fired > 3 else ''}")
    target(float(plan.fired), label="faults injected")
    assert run.outcome is Outcome.RESTARTED, props.explain(
        run, f"the fault-free run restarted; with {plan.fired} transient fault(s) it did not")
