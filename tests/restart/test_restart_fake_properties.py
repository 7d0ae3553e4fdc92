"""Bounded, clean, safe and tolerant, checked with Hypothesis against the small fake.

The real property suite runs against octosim; this one keeps the client honest on its own.
"""

from __future__ import annotations

import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from restart import Outcome, RestartPolicy, RestartProcedure, RestartTarget, Send
from restart.drivers.loop import drive
from restart.protocol import Response, TransportFailure

TARGET = RestartTarget("Spaces-1", machine_id="Machines-1")


@st.composite
def worlds(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "os": draw(st.sampled_from(["windows", "linux"])),
        "down_for": draw(st.sampled_from([1.0, 10.0, 60.0, 200.0, 1e9])),
        "restart_works": draw(st.booleans()),
        "self_restart": draw(
            st.sampled_from([None, "exit code -46", "exit code 1", "exit code 7"])
        ),
        "script": draw(st.floats(0.5, 30.0)),
        "health": draw(st.floats(0.5, 90.0)),
        "flaky_health": draw(st.floats(0.0, 0.6)),
        "fault_rate": draw(st.sampled_from([0.0, 0.05, 0.2])),
        "deadline": draw(st.sampled_from([60.0, 150.0, 330.0, 600.0])),
        "stable": draw(st.integers(1, 3)),
        "seed": draw(st.integers(0, 2**32)),
    }


def run_world(world: dict[str, Any], kit: Any) -> tuple[Any, Any]:
    clock = kit.FakeClock()
    octopus = kit.FakeOctopus(clock, os=world["os"])
    octopus.down_for = world["down_for"]
    octopus.restart_works = world["restart_works"]
    if world["self_restart"]:
        octopus.self_restart_error = f"The remote script failed with {world['self_restart']}"
    octopus.durations = {"AdHocScript": world["script"], "Health": world["health"]}
    chaos = random.Random(world["seed"])
    octopus.health_ok = lambda t: octopus.up(t) and chaos.random() >= world["flaky_health"]

    # Each request's faulted tries since it was last answered, at most fault_run_limit.
    in_a_row: dict[tuple[str, str], int] = {}
    fault_run_limit: int | None = world.get("fault_run_limit")

    def transport(send: Send) -> Response | TransportFailure:
        key = (send.request.method, send.request.path)
        may_fault = fault_run_limit is None or in_a_row.get(key, 0) < fault_run_limit
        if may_fault and chaos.random() < world["fault_rate"]:
            in_a_row[key] = in_a_row.get(key, 0) + 1
            if chaos.random() < 0.5:
                octopus.handle(send.request)  # Octopus acted; the answer is lost
                return TransportFailure("timeout", "lost")
            return Response(503)
        in_a_row.pop(key, None)
        answer: Response | TransportFailure = octopus.transport(send)
        return answer

    policy = RestartPolicy(deadline=world["deadline"], stable_checks=world["stable"],
                           cleanup_allowance=min(10.0, world["deadline"] / 4))  # fmt: skip
    proc = RestartProcedure(TARGET, policy, rng=random.Random(world["seed"]))
    report = drive(proc, transport, clock=clock.now, sleep=clock.sleep, raise_errors=False)
    return report, octopus


@settings(max_examples=150, deadline=None)
@given(world=worlds())
def test_bounded_clean_and_safe(world: dict[str, Any], kit: Any) -> None:
    report, octopus = run_world(world, kit)

    # bounded
    assert report.ended <= report.started + world["deadline"] + 1e-9
    # clean (Canceled or Cancelling both count as no longer running)
    octopus.settle()
    running = [t.id for t in octopus.tasks.values() if not octopus.completed(t)]
    assert running == [], report
    # safe
    if report.outcome is Outcome.RESTARTED:
        assert octopus.restarts, "reported restarted, but nothing restarted"
        back = min(up for _, up in octopus.restarts)
        healthy = [
            t for t in octopus.created("Health") if t.state == "Success" and t.created >= back
        ]
        assert len(healthy) >= world["stable"]
    # frugal: no request storm
    assert report.requests <= 4 * world["deadline"]


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32), rate=st.sampled_from([0.0, 0.05, 0.1]))
def test_tolerant(seed: int, rate: float, kit: Any) -> None:
    # Tolerant of every fault a request's retries can outlast: a request that faults
    # max_attempts times in a row is given up on, rightly (seed 45675447 at rate 0.1 drew
    # five lost answers in a row), so a request's run of faults stops one short of that.
    world = {
        "os": "windows", "down_for": 10.0, "restart_works": True, "self_restart": None,
        "script": 2.0, "health": 3.0, "flaky_health": 0.0, "fault_rate": rate,
        "deadline": 330.0, "stable": 1, "seed": seed,
        "fault_run_limit": RestartPolicy().max_attempts - 1,
    }  # fmt: skip
    report, _ = run_world(world, kit)
    assert report.outcome is Outcome.RESTARTED, report.reason
