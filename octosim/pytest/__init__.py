"""The pytest plugin's parts, one job each; ``octosim.plugin`` is the entry point.

- :mod:`~octosim.pytest.settings`: options, ini values and ``octopus`` marker merging;
- :mod:`~octosim.pytest.factory`: :class:`~octosim.pytest.factory.SimulationFactory`, the
  plugin's record of each simulation (scenario, strictness) and Hypothesis seed draws;
- :mod:`~octosim.pytest.fixtures`: the fixtures;
- :mod:`~octosim.pytest.reporting`: strictness checks, failure timelines, Faker;
- :mod:`~octosim.pytest.profiles`: the ``octosim-fast`` / ``octosim-thorough`` Hypothesis
  profiles.

Every module imports only pytest and the standard library at import time.
"""

__all__: list[str] = []
