"""octosim: a simulated Octopus Deploy server on a virtual clock.

The names most users need are here; everything else lives in its own module::

    from octosim import Simulation

    sim = Simulation.from_scenario("named-instance", seed=7)
    with sim.client() as client:          # an httpx.Client bound to the simulation
        client.get("/api/Spaces-1/machines")
    sim.clock.sleep(30)                     # virtual time: instant
    print(sim.timeline())

The names are imported on first use: the pytest plugin (``octosim.plugin``) is loaded by
every pytest run in an environment that has octosim installed, and must stay cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from octosim.clock import VirtualClock
    from octosim.faults import FaultKind, FaultPlan, FaultRule
    from octosim.journal import Journal, Kind
    from octosim.model.invariants import check_invariants
    from octosim.scenario import Scenario, ScenarioError, presets
    from octosim.simulation import ServerOptions, Simulation
    from octosim.timepatch import virtual_time

_WHERE = {
    "VirtualClock": "octosim.clock",
    "FaultKind": "octosim.faults",
    "FaultPlan": "octosim.faults",
    "FaultRule": "octosim.faults",
    "Journal": "octosim.journal",
    "Kind": "octosim.journal",
    "check_invariants": "octosim.model.invariants",
    "Scenario": "octosim.scenario",
    "ScenarioError": "octosim.scenario",
    "presets": "octosim.scenario",
    "ServerOptions": "octosim.simulation",
    "Simulation": "octosim.simulation",
    "virtual_time": "octosim.timepatch",
}

__all__ = [
    "FaultKind",
    "FaultPlan",
    "FaultRule",
    "Journal",
    "Kind",
    "Scenario",
    "ScenarioError",
    "ServerOptions",
    "Simulation",
    "VirtualClock",
    "check_invariants",
    "presets",
    "virtual_time",
]


def __getattr__(name: str) -> Any:
    try:
        module = _WHERE[name]
    except KeyError:
        raise AttributeError(f"module 'octosim' has no attribute {name!r}") from None
    # Looked up every time rather than kept here: a runner that drops modules from
    # sys.modules between sessions (pytest's pytester does, after each in-process run)
    # would otherwise be handed the dropped module's class beside the fresh modules the
    # next session imports.
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
