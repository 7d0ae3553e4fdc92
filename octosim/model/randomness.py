"""Per-purpose random streams, all derived from a simulation's one seed.

A simulation draws from many places: building the world, each Tentacle agent, each health
check, the fault plan, the background load, each task type's executor. If they all shared one
``random.Random(seed)``, one extra draw anywhere would shift every later draw everywhere, and
a small change (one more background task) would retell the whole story. So each *purpose*
gets a stream of its own::

    >>> streams = Streams(7)
    >>> agent = streams.stream("agent", "Machines-1")
    >>> agent is streams.stream("agent", "Machines-1")  # created once, then cached
    True
    >>> ("health", "Machines-1") in streams  # made only when first asked for
    False
    >>> Streams(7).stream("agent", "Machines-1").random() == Streams(7).stream(
    ...     "agent", "Machines-1").random()
    True

A stream is a ``random.Random`` seeded with the SHA-256 of the seed and the purpose's parts
(never Python's ``hash()``, which is salted per process), so it is the same on every machine
and every run, and independent of every other stream. The purposes the simulator uses are
listed in :data:`PURPOSES` and in ``docs/scenarios.md`` ("Randomness").
"""

from __future__ import annotations

import hashlib
import random

__all__ = ["PURPOSES", "Streams", "derive_seed"]

#: The purposes the simulator draws for, by their first part (what follows it, if anything).
PURPOSES: dict[str, str] = {
    "world": "building the world: ids, URIs, thumbprints, API keys, generated GUIDs",
    "agent": "one Tentacle agent, by machine id: stop/start durations, fail-to-start, "
             "script durations, detached-restart start-up delays",
    "health": "health checks: 'flaky' (is flakiness active this run), then one per "
              "machine id (check duration, whether flakiness fires)",
    "faults": "the HTTP fault plan's rates",
    "background": "background load durations",
    "task": "one task type's executor, by task type (run.rng): e.g. the generic stand-ins",
    "user": "nothing in the simulator: Simulation.rng, for a test's own draws",
}

# Bumped only if the derivation itself changes (which re-tells every seed's story).
_SCHEME = b"octosim-streams-v1"


def derive_seed(seed: int, *purpose: str) -> int:
    """Return the seed of the stream for ``purpose`` under the simulation seed ``seed``.

    The parts are joined with NUL bytes, which no part may contain, so ``("a", "b")`` and
    ``("a\\0b",)`` cannot collide.
    """
    if not purpose:
        raise ValueError("a stream needs a purpose, e.g. stream('agent', 'Machines-1')")
    for part in purpose:
        if not isinstance(part, str) or "\0" in part:
            raise ValueError(f"a purpose part must be a string without NUL bytes, got {part!r}")
    text = "\0".join((str(seed), *purpose)).encode()
    return int.from_bytes(hashlib.sha256(_SCHEME + b"\0" + text).digest(), "big")


class Streams:
    """The random streams of one seed, one per purpose, each created on first use."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._streams: dict[tuple[str, ...], random.Random] = {}

    def __repr__(self) -> str:
        return f"Streams(seed={self.seed}, purposes={len(self._streams)})"

    def __contains__(self, purpose: object) -> bool:
        """Whether the stream for ``purpose`` (a tuple of parts) has been made yet."""
        return purpose in self._streams

    def stream(self, *purpose: str) -> random.Random:
        """Return the stream for ``purpose`` (e.g. ``"agent", "Machines-1"``): the same
        object every time it is asked for, so its draws continue where they left off."""
        found = self._streams.get(purpose)
        if found is None:
            found = self._streams[purpose] = random.Random(derive_seed(self.seed, *purpose))
        return found
