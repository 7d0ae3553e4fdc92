"""Hypothesis strategies for the restart client's policies.

They live with the client, not with the simulator: octosim knows nothing of ``restart``.
The lower bound of every drawn knob is read from :data:`restart.policy.KNOBS`, the one
table of the policy's bounds; the upper bounds are the ranges a real operator might pick,
kept small so one example's virtual run stays short.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

from octosim.strategies import Knobs, knob_values
from restart.policy import RestartPolicy, knob

__all__ = ["restart_policies"]


class _Knob:
    """One knob: its default half the time (when its first byte is below 128, so where it
    shrinks), else a value in ``[low, high]``. ``low``/``high`` are tenths of a second,
    counts or thousandths; ``scale`` turns them into the knob's unit. The value's bytes are
    read either way, so every knob keeps its own.
    """

    def __init__(self, low: int, high: int, scale: float = 1) -> None:
        self.low, self.size, self.scale = low, high - low + 1, scale

    def read(self, row: Knobs, default: Any) -> Any:
        drawn = row.below(2)
        value = self.low + row.below(self.size)
        if not drawn:
            return default
        return value if self.scale == 1 else value / self.scale


def _seconds(low: float, high: float) -> _Knob:
    # Tenths of a second: readable in a falsifying example, and still covering ties.
    return _Knob(round(low * 10), round(high * 10), 10)


def _low(name: str) -> float:
    # The smallest value a tenth-of-a-second draw may take for the knob.
    k = knob(name)
    return k.minimum + (0.1 if k.exclusive else 0.0)


def _count(name: str, high: int) -> _Knob:
    return _Knob(int(knob(name).minimum), high)


def _within(low: float, high: float, n: int) -> float:
    """The tenth of a second ``n`` picks in [low, high]: ``low`` for n = 0 (so it shrinks
    there), every value of the range for some n below ``_SPREAD``."""
    lo, hi = round(low * 10), round(high * 10)
    return (lo + n % (max(hi, lo) - lo + 1)) / 10


#: Picks for the knobs whose range depends on another knob (``_within``): wider than any
#: such range in tenths, so every value can be drawn.
_SPREAD = 10_000
#: The shortest deadline a policy is drawn with (seconds).
_LEAST_DEADLINE = 30.0


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
    ``instances``. Each knob keeps its default half the time, else takes a value spread
    evenly over its range. The whole policy is one row of drawn bytes
    (:func:`octosim.strategies.knob_values`), and
    shrinks knob by knob toward ``RestartPolicy()`` and the first of ``instances``.

    Raises ValueError for a ``max_deadline`` below 30 s or infinite, or no ``instances``.
    """
    if not _LEAST_DEADLINE <= max_deadline < math.inf:
        raise ValueError(f"max_deadline must be a finite number of seconds >= "
                         f"{_LEAST_DEADLINE:g}, got {max_deadline!r}")
    if not instances:
        raise ValueError("instances: expected at least one (None for the machine's "
                         "registered instance)")
    d = RestartPolicy()
    # Each knob is its default or a value of its own range (_Knob); one whose range depends
    # on another knob reads a pick from a fixed range and maps it into its own (_within),
    # so that every knob reads the same bytes whatever the others are.
    pick = _Knob(0, _SPREAD)
    task_timeout_k = _seconds(_low("health_task_timeout"), 120)
    deadline_k = _seconds(_LEAST_DEADLINE, max_deadline)
    retry_base_k = _seconds(0.1, 5)
    fixed = {
        "poll_interval": _seconds(0.5, 15),
        "script_delay": _count("script_delay", 10),
        "post_restart_wait": _seconds(_low("post_restart_wait"), 90),
        "health_window": _seconds(_low("health_window"), 300),
        "request_timeout": _seconds(1, 60),
        "max_attempts": _count("max_attempts", 6),
        "retry_jitter": _Knob(0, 1000, 1000),
        "stable_checks": _count("stable_checks", 3),
        "probe_attempts": _count("probe_attempts", 3),
    }
    choices = tuple(instances)
    machine_low = _low("health_machine_timeout")

    def read(row: Knobs) -> RestartPolicy:
        task_timeout = task_timeout_k.read(row, d.health_task_timeout)
        n = pick.read(row, None)
        machine_timeout = (min(d.health_machine_timeout, task_timeout) if n is None
                           else _within(machine_low, task_timeout, n))
        deadline = deadline_k.read(row, min(d.deadline, max_deadline))
        n = pick.read(row, None)
        cleanup = ((d.cleanup_allowance if d.cleanup_allowance < deadline else 0.0)
                   if n is None else _within(0, min(30, deadline / 2), n))
        retry_base = retry_base_k.read(row, d.retry_base)
        n = pick.read(row, None)
        retry_cap = max(d.retry_cap, retry_base) if n is None else _within(retry_base, 60, n)
        knobs = {name: k.read(row, getattr(d, name)) for name, k in fixed.items()}
        return RestartPolicy(
            health_task_timeout=task_timeout,
            health_machine_timeout=machine_timeout,
            deadline=deadline,
            cleanup_allowance=cleanup,
            retry_base=retry_base,
            retry_cap=retry_cap,
            instance=row.pick(choices),
            **knobs,
        )

    return knob_values(read, "restart.strategies policy")
