"""Live (DESIGN.md §3.3): when the Tentacle comes back and stays healthy early enough for
the checks to fit, the restart client reports ``restarted``.

Drawn: the live family (``props.live_cases``): worlds where nothing random can stop a
restart (no HTTP faults, starts never fail, health checks never flaky, no background
load), with drawn agent timings, instance layouts, machine policies and health check
durations, and a drawn policy whose ``health_window`` and work time (deadline minus the
cleanup allowance) are at least ``props.live_budget`` (the worst case computed from the
scenario's timings, docs/properties.md) plus 0..60 s. The instance is one a user would
pass for this machine. Then the outcome must be ``restarted``.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import event, given, note, settings
from hypothesis import strategies as st

from restart.report import Outcome


@pytest.mark.parametrize("driver", ["sync", "async"])
# Three times the profile's examples: rare worlds need them, and the budget allows it.
@settings(max_examples=3 * settings().max_examples)
@given(data=st.data())
def test_live(octopus_factory: Any, props: Any, driver: str, data: st.DataObject) -> None:
    case = data.draw(props.live_cases(), label="case")
    note(props.describe(case))
    window, work = props.live_budget(case.scenario, case.policy)
    note(f"live budget: health_window >= {window:.1f} s, work time >= {work:.1f} s")
    sim = props.build(octopus_factory, case)
    run = props.run_client(sim, case, driver)
    event(f"outcome: {run.outcome or type(run.error).__name__}")
    assert run.outcome is Outcome.RESTARTED, props.explain(
        run, f"expected restarted (budget: window {window:.1f} s, work {work:.1f} s)")
