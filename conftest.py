"""Root conftest: this repository's suite runs on the plugin's Hypothesis profiles.

``octosim-fast`` by default; ``pytest --hypothesis-profile=octosim-thorough`` (or
``OCTOSIM_HYPOTHESIS_PROFILE=octosim-thorough``) for ten times the examples and more. The
profiles are registered by the plugin (octosim/pytest/profiles.py) whenever Hypothesis is
imported. Every run prints the Hypothesis seed in the header (``--hypothesis-seed=N``
replays it).
"""

from __future__ import annotations

import os

from hypothesis import settings

from octosim.pytest.profiles import ENV_VAR, FAST

if not os.environ.get(ENV_VAR):
    settings.load_profile(FAST)
