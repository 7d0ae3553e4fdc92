"""``restart-tentacle simulate --rollout``: a scenario's whole rollout, against the embedded
simulator, in virtual time.

:func:`simulate_rollout` builds the scenario's simulation and runs its ``[rollout]`` as a
:class:`~restart.fleet.Fleet` up to the rollout's horizon; the :class:`RolloutRun` it
returns holds each client's result, the deadlock in force at the horizon (if any) and an
exit code. The CLI (:mod:`restart.simulate_cli`) prints the timeline and each verdict.
As for :mod:`restart.simulate`, octosim is imported only when a rollout is run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from restart.errors import ConfigurationError
from restart.exitcodes import ExitCode

if TYPE_CHECKING:
    from octosim.simulation import Simulation
    from restart.fleet import ClientResult
    from restart.policy import RestartPolicy

__all__ = ["RolloutRun", "client_ok", "simulate_rollout"]


def client_ok(result: ClientResult) -> bool:
    """Whether a client ended well: a deployment succeeded, a restart (or the recipe, by
    its own account) restarted, a user's client returned."""
    if result.error is not None or not result.finished:
        return False
    if result.kind == "deployment":
        return result.task_state == "Success"
    return result.report is None or result.report.outcome.value == "restarted"


@dataclass(frozen=True)
class RolloutRun:
    """A rollout run to its horizon: the scenario, the seed, the simulation and each
    client's result, in the rollout's order."""

    scenario: str
    seed: int
    sim: Simulation
    results: tuple[ClientResult, ...]

    @property
    def deadlock(self) -> str | None:
        """The one-line summary of the deadlock in force at the horizon, or None."""
        found = self.sim.deadlock
        return found.summary() if found is not None else None

    @property
    def exit_code(self) -> ExitCode:
        """0 when every client ended well; 4 (timed out) when one was still going at the
        horizon, a hang; 1 (failed) when one ended badly."""
        if all(client_ok(r) for r in self.results):
            return ExitCode.RESTARTED
        if any(not r.finished for r in self.results):
            return ExitCode.TIMED_OUT
        return ExitCode.FAILED

    def to_dict(self) -> dict[str, object]:
        """The run as JSON-ready data: each client's verdict, the deadlock, the timeline."""
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "horizon": self.sim.clock.now(),
            "exit_code": int(self.exit_code),
            "deadlock": self.deadlock,
            "clients": [
                {"name": r.name, "kind": r.kind, "at": r.at, "started": r.started,
                 "ended": r.ended, "finished": r.finished, "ok": client_ok(r),
                 "verdict": r.verdict, "task_id": r.task_id}
                for r in self.results
            ],
            "timeline": [{"t": e.t, "kind": e.kind.value, "text": e.text}
                         for e in self.sim.journal],
        }


def simulate_rollout(scenario: str, *, seed: int = 0,
                     policy: RestartPolicy | None = None) -> RolloutRun:
    """Run the ``[rollout]`` of ``scenario`` (a preset name or a ``.toml`` path) for
    ``seed`` to its horizon; restarts by the client use ``policy``.

    Raises ConfigurationError (exit code 2) for a bad scenario or one with no rollout.
    """
    from octosim.scenario import ScenarioError  # restart imports octosim only to simulate
    from restart.fleet import Fleet

    try:
        fleet = Fleet.from_scenario(scenario, seed=seed, policy=policy)
    except ScenarioError as exc:
        raise ConfigurationError(str(exc)) from None
    return RolloutRun(scenario, seed, fleet.sim, tuple(fleet.run()))
