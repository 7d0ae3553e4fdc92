"""Hypothesis profiles of the plugin's own names, for any project that uses octosim.

Registered whenever Hypothesis is imported (the ``hypothesis`` entry point), so
``pytest --hypothesis-profile=octosim-thorough`` works in a user's project with nothing in
its conftest:

- ``octosim-fast``: 30 examples, for everyday runs and CI;
- ``octosim-thorough``: 500 examples and longer stateful runs, before a release.

Both turn off the per-example deadline (virtual time makes wall-clock deadlines
meaningless and CI machines vary) and print the ``@reproduce_failure`` blob, so a shrunk
example replays exactly. ``OCTOSIM_HYPOTHESIS_PROFILE=<name>`` loads a profile when
Hypothesis is imported; ``--hypothesis-profile`` still wins.
"""

from __future__ import annotations

import os

__all__ = ["ENV_VAR", "FAST", "THOROUGH", "register"]

FAST = "octosim-fast"
THOROUGH = "octosim-thorough"
ENV_VAR = "OCTOSIM_HYPOTHESIS_PROFILE"


def register() -> None:
    """Register the profiles; load the one ``OCTOSIM_HYPOTHESIS_PROFILE`` names, if any.

    Raises hypothesis.errors.InvalidArgument naming the variable for an unknown profile.
    """
    from hypothesis import HealthCheck, settings
    from hypothesis.errors import InvalidArgument

    common = settings(
        deadline=None, print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.differing_executors],
    )
    settings.register_profile(FAST, common, max_examples=30)
    settings.register_profile(THOROUGH, common, max_examples=500, stateful_step_count=80)
    name = os.environ.get(ENV_VAR, "").strip()
    if name:
        try:
            settings.load_profile(name)
        except InvalidArgument:
            raise InvalidArgument(
                f"{ENV_VAR}={name!r} names no Hypothesis profile; use {FAST} or {THOROUGH} "
                "(or a profile your conftest registers before Hypothesis is imported)"
            ) from None
