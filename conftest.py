"""Root conftest: Hypothesis profiles for this repository's own suite.

- ``default`` (everyday runs and CI): few examples, no per-example deadline (virtual time
  makes wall-clock deadlines meaningless and CI machines vary), failures print the
  ``@reproduce_failure`` blob so a shrunk example replays exactly.
- ``thorough``: ten times the examples and more; run it by name:
  ``pytest --hypothesis-profile=thorough`` (or ``OCTOSIM_HYPOTHESIS_PROFILE=thorough``).

Every run prints the Hypothesis seed in the header (``--hypothesis-seed=N`` replays it).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_COMMON = {
    "deadline": None,
    "print_blob": True,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.differing_executors],
}

settings.register_profile("default", max_examples=30, **_COMMON)  # type: ignore[arg-type]
settings.register_profile("thorough", max_examples=500, stateful_step_count=80, **_COMMON)  # type: ignore[arg-type]
settings.load_profile(os.environ.get("OCTOSIM_HYPOTHESIS_PROFILE", "default"))
