"""The default world for tests that build an engine by hand: the default scenario's world,
built as every simulation builds it (octosim.scenario.build_world)."""

from __future__ import annotations

import random

from octosim.model.world import World
from octosim.scenario import Scenario, build_world

__all__ = ["default_world"]


def default_world(rng: random.Random, *, api_key: str | None = None) -> World:
    """Return the default scenario's world (Spaces-1 ``Default``; Development, Test and
    Production; ``web-01`` in Development with its Tentacle), drawing from ``rng``."""
    return build_world(Scenario(), rng, api_key=api_key)
