"""Hypothesis strategies for the restart client's policies.

They live with the client, not with the simulator: octosim knows nothing of ``restart``.
The lower bound of every drawn knob is read from :data:`restart.policy.KNOBS`, the one
table of the policy's bounds; the upper bounds are the ranges a real operator might pick,
kept small so one example's virtual run stays short.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

from restart.policy import RestartPolicy, knob

__all__ = ["restart_policies"]


def _seconds(low: float, high: float) -> st.SearchStrategy[float]:
    # Tenths of a second: readable in a falsifying example, and still covering ties.
    return st.integers(round(low * 10), round(high * 10)).map(lambda n: n / 10)


def _low(name: str) -> float:
    # The smallest value a tenth-of-a-second draw may take for the knob.
    k = knob(name)
    return k.minimum + (0.1 if k.exclusive else 0.0)


def _knob_seconds(name: str, high: float) -> st.SearchStrategy[float]:
    return _seconds(_low(name), high)


def _knob_count(name: str, high: int) -> st.SearchStrategy[int]:
    return st.integers(int(knob(name).minimum), high)


def _or_default(default: Any, strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    # The default first: Hypothesis shrinks a one_of toward its first branch.
    return st.one_of(st.just(default), strategy)


def restart_policies(
    *,
    max_deadline: float = 600.0,
    instances: Sequence[str | None] = (None,),
) -> st.SearchStrategy[RestartPolicy]:
    """Return a strategy for valid :class:`restart.policy.RestartPolicy` objects.

    Every knob is its default or a value in a range a real operator might pick: polls every
    0.5–15 s, waits of up to a minute and a half after the restart, a health window of up
    to 5 minutes, health task timeouts of 1–120 s, per-request timeouts of 1–60 s, up to 6
    attempts with backoff capped at 60 s, 1–3 stable checks. The deadline is 30 s to
    ``max_deadline`` and bounds a run's virtual duration. ``instance`` is drawn from
    ``instances``. Shrinks toward ``RestartPolicy()``.
    """
    d = RestartPolicy()

    @st.composite
    def policy(draw: st.DrawFn) -> RestartPolicy:
        task_timeout = draw(_or_default(d.health_task_timeout,
                                        _knob_seconds("health_task_timeout", 120)))
        machine_timeout = draw(_or_default(
            min(d.health_machine_timeout, task_timeout),
            _seconds(_low("health_machine_timeout"), task_timeout)))
        deadline = draw(_or_default(min(d.deadline, max_deadline), _seconds(30, max_deadline)))
        cleanup = draw(_or_default(d.cleanup_allowance if d.cleanup_allowance < deadline
                                   else 0.0, _seconds(0, min(30, deadline / 2))))
        retry_base = draw(_or_default(d.retry_base, _seconds(0.1, 5)))
        retry_cap = draw(_or_default(max(d.retry_cap, retry_base), _seconds(retry_base, 60)))
        return RestartPolicy(
            poll_interval=draw(_or_default(d.poll_interval, _seconds(0.5, 15))),
            script_delay=draw(_or_default(d.script_delay, _knob_count("script_delay", 10))),
            post_restart_wait=draw(_or_default(d.post_restart_wait,
                                               _knob_seconds("post_restart_wait", 90))),
            health_window=draw(_or_default(d.health_window,
                                           _knob_seconds("health_window", 300))),
            health_task_timeout=task_timeout,
            health_machine_timeout=machine_timeout,
            deadline=deadline,
            cleanup_allowance=cleanup,
            request_timeout=draw(_or_default(d.request_timeout, _seconds(1, 60))),
            max_attempts=draw(_or_default(d.max_attempts, _knob_count("max_attempts", 6))),
            retry_base=retry_base,
            retry_cap=retry_cap,
            retry_jitter=draw(_or_default(
                d.retry_jitter, st.integers(0, 1000).map(lambda n: n / 1000))),
            stable_checks=draw(_or_default(d.stable_checks, _knob_count("stable_checks", 3))),
            probe_attempts=draw(_or_default(d.probe_attempts,
                                            _knob_count("probe_attempts", 3))),
            instance=draw(st.sampled_from(tuple(instances))),
        )

    return policy()
