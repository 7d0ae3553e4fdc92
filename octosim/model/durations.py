"""Durations and draws: how long a simulated thing takes, drawn from the seed.

A :data:`Span` is a duration range in virtual seconds, ``(min, max)``; a fixed duration is
``(d, d)``. :func:`draw` picks one from the random stream it is given (each purpose has its
own, :mod:`octosim.model.randomness`), and a fixed span draws nothing, so making a range fixed
does not shift that stream's later draws.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import random

__all__ = ["Span", "draw", "span"]

#: A duration range in seconds, ``(min, max)``; a fixed duration is ``(d, d)``.
Span = tuple[float, float]


def span(value: float | Sequence[float]) -> Span:
    """Return ``value`` (a number or ``[min, max]``) as a Span.

    Raises ValueError unless it is finite, >= 0 and min <= max.
    """
    if isinstance(value, int | float):
        lo = hi = float(value)
    else:
        if len(value) != 2:
            raise ValueError(f"expected a number or [min, max], got {list(value)!r}")
        lo, hi = float(value[0]), float(value[1])
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo < 0 or lo > hi:
        raise ValueError(f"expected 0 <= min <= max (finite seconds), got [{lo}, {hi}]")
    return (lo, hi)


def draw(rng: random.Random, value: Span) -> float:
    """Return a duration drawn uniformly from ``value``; a fixed one draws nothing, so
    making a range fixed does not shift every later draw of the seed."""
    lo, hi = value
    return lo if lo == hi else rng.uniform(lo, hi)
