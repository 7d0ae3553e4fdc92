"""Building a scenario: a Scenario and a seed → the world and the parts a simulation is made of.

:func:`build` returns a :class:`Build` (the world, the server options, the fault rules,
the health settings, the background load, and the seed's random streams, the ``world``
stream continuing where building the world left it);
:meth:`octosim.simulation.Simulation.from_scenario` assembles a simulation from it. This
package sits below the simulation and never imports it.

The default world is ``build_world(Scenario(), Streams(seed).stream("world"))``: a
``Simulation()`` with no world is exactly the ``default`` preset.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from octosim.faults import FaultRule
from octosim.model.agents import TentacleAgent
from octosim.model.health import HealthSettings
from octosim.model.randomness import Streams
from octosim.model.world import CommunicationStyle, World
from octosim.options import ServerOptions
from octosim.scenario._knob import ScenarioError
from octosim.scenario.schema import BackgroundLoad, Scenario

__all__ = ["OVERRIDES", "Build", "build", "build_world"]

_STYLES = {"listening": CommunicationStyle.Listening, "polling": CommunicationStyle.Polling}

#: What a built simulation may override besides any single ServerOptions field.
OVERRIDES = ("api_key", "journal_limit", "options")


def build_world(scenario: Scenario, rng: random.Random, *, api_key: str | None = None) -> World:
    """Return the world of ``scenario``, drawing ids and thumbprints from ``rng``: space
    ``Spaces-1`` named ``Default``, the environments, a machine per agent with its Tentacle
    agent (not yet bound), an admin user and one API key (``api_key`` if given, else drawn),
    and the default machine policy as the scenario says. Raises ScenarioError for an agent
    in an environment the scenario does not have."""
    world = World(rng)
    space = world.add_space("Default", is_default=True)
    envs = {name: world.add_environment(space.id, name) for name in scenario.environments}
    for i, spec in enumerate(scenario.all_agents()):  # listed, then generated
        environment = envs.get(spec.environment_name or scenario.environments[0])
        if environment is None:  # a Scenario built in Python is not read, so not checked
            raise ScenarioError([f"agents[{i}].environment: expected one of the environments "
                                 f"{list(scenario.environments)}, got "
                                 f"{spec.environment_name!r}"], scenario.name)
        machine = world.add_machine(
            space.id, spec.name, [environment.id], roles=spec.roles, os_family=spec.os,
            communication_style=_STYLES[spec.communication_style],
        )
        TentacleAgent(machine, spec.instances, timing=spec.timing, registered=spec.instance,
                      environment=spec.make_environment(),
                      powershell_core=bool(spec.powershell_core))
    admin = world.add_user("admin", display_name="Administrator")
    world.add_api_key(admin.id, api_key, purpose="octosim")
    policy = next(p for p in world.policies.values() if p.space_id == space.id and p.is_default)
    policy.may_be_offline = scenario.machine_policy.may_be_offline
    policy.retry_window = scenario.machine_policy.retry_window
    policy.retry_interval = scenario.machine_policy.retry_interval
    return world


@dataclass(frozen=True)
class Build:
    """What a scenario builds for one seed; a simulation is assembled from these.

    ``streams`` are the seed's random streams (:mod:`octosim.model.randomness`); its
    ``world`` stream is the world's, continuing where building ``world`` left it, so the
    same seed replays the same way.
    """

    scenario: Scenario
    world: World
    streams: Streams
    options: ServerOptions
    faults: tuple[FaultRule, ...]
    health: HealthSettings
    background_load: BackgroundLoad


def build(scenario: Scenario | str | Path = "default", seed: int = 0, *,
          api_key: str | None = None, options: ServerOptions | None = None,
          **option_fields: Any) -> Build:
    """Return what ``scenario`` (a Scenario, a preset name or a TOML path) builds for
    ``seed``. ``options`` (a whole ServerOptions) replaces the scenario's; any single
    ServerOptions field (``task_cap=1``) wins over both.

    Raises ScenarioError for a bad scenario, TypeError for an unknown override.
    """
    sc = scenario if isinstance(scenario, Scenario) else Scenario.load(scenario)
    names = tuple(f.name for f in dataclasses.fields(ServerOptions))
    unknown = [k for k in option_fields if k not in names]
    if unknown:
        raise TypeError(f"unknown override(s) {', '.join(unknown)}; valid: "
                        f"{', '.join(OVERRIDES + names)}")
    if options is None:
        options = ServerOptions(**{**sc.server.options, "task_cap": sc.server.task_cap,
                                   "cancel_delay": sc.server.cancel_delay})
    options = dataclasses.replace(options, **option_fields)
    streams = Streams(seed)
    world = build_world(sc, streams.stream("world"), api_key=api_key)
    return Build(scenario=sc, world=world, streams=streams, options=options, faults=sc.faults,
                 health=sc.health, background_load=sc.server.background_load)
