"""The octosim pytest plugin, loaded through the ``pytest11`` entry point.

Fixtures, the ``octopus`` marker, options and failure timelines; each job lives in its own
module of :mod:`octosim.pytest` and is gathered here, where pytest looks for them.
Importing this module has no side effects: it imports only pytest and the standard library,
nothing is patched, and no simulation exists until a test asks for a fixture.
"""

from __future__ import annotations

from octosim.pytest.factory import SimulationFactory
from octosim.pytest.fixtures import (
    octopus,
    octopus_async_client,
    octopus_client,
    octopus_clock,
    octopus_factory,
    octopus_loop,
    octopus_loop_policy,
    octopus_server,
    octopus_time,
)
from octosim.pytest.reporting import (
    pytest_fixture_setup,
    pytest_runtest_call,
    pytest_runtest_makereport,
    pytest_runtest_protocol,
)
from octosim.pytest.settings import (
    OctopusSettings,
    pytest_addoption,
    pytest_configure,
    pytest_report_header,
)

__all__ = [
    "OctopusSettings", "SimulationFactory", "octopus", "octopus_async_client",
    "octopus_client", "octopus_clock", "octopus_factory", "octopus_loop",
    "octopus_loop_policy", "octopus_server", "octopus_time", "pytest_addoption",
    "pytest_configure", "pytest_fixture_setup", "pytest_report_header",
    "pytest_runtest_call", "pytest_runtest_makereport", "pytest_runtest_protocol",
]
