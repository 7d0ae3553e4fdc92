"""``restart-tentacle validate --plot`` for a rollout: one run drawn as the server's task
slots over virtual time (:mod:`restart.slot_timeline_plot`).

The run drawn is the worst the validation found: the first seed that left a deadlock
standing, else the first that hung at the horizon, else the first with a false success,
else the validation's first seed; ``--plot-seed`` chooses another. The run is simulated
again from its seed (a pure function of scenario, policy and seed), so the picture is of
exactly the run the verdict counted.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from octosim.scenario import Scenario
    from restart.policy import RestartPolicy
    from restart.validate_fleet import FleetValidation

__all__ = ["plot_fleet_run", "worst_run"]


def worst_run(result: FleetValidation) -> tuple[int, str]:
    """Return the seed of the worst run ``result`` counted and what made it the worst."""
    summary = result.summary
    if summary.deadlock_seed is not None:
        return summary.deadlock_seed, "deadlock"
    if summary.hung_seeds:
        return summary.hung_seeds[0], "hung at the horizon"
    if summary.false_success_seeds:
        return summary.false_success_seeds[0], "false success"
    return result.seed, "first run"


def plot_fleet_run(scenario: Scenario, policy: RestartPolicy, seed: int, path: str | Path,
                   *, outcome: str | None = None) -> Path:
    """Run ``scenario``'s rollout with ``seed`` to its horizon and draw its task slots into
    ``path`` (PNG or SVG); return the path. Raises as
    :func:`restart.slot_timeline_plot.draw`."""
    from restart.fleet import Fleet
    from restart.slot_timeline import slot_timeline
    from restart.slot_timeline_plot import draw

    fleet = Fleet.from_scenario(scenario, seed=seed, policy=policy)
    fleet.run()
    return draw(slot_timeline(fleet.sim, scenario=scenario.name, outcome=outcome), path)
