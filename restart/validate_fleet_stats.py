"""What the runs of one rollout add up to, and the verdict: verified restarts per machine
and overall (95% Wilson intervals), false successes, rollout times, Queued waits, deadlocks.

Percentiles are validate's (:class:`~restart.validate_stats.Durations`: nearest rank).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from restart.validate_fleet_runs import FALSE_SUCCESS, UNCLAIMED, VERIFIED, FleetRow
from restart.validate_stats import Durations, wilson_interval

__all__ = ["FleetSummary", "FleetVerdict", "MachineResult", "judge", "summarise_fleet"]

# Seeds kept for replay: enough to reproduce, few enough for the JSON.
_SEEDS_KEPT = 10


class FleetVerdict(StrEnum):
    """How a rollout did, worst first.

    - ``false-success``: a restart was said done that did not happen (the recipe's story).
    - ``deadlock``: some run left the server deadlocked (the task cap full of tasks that
      wait on Queued children).
    - ``hangs``: some run was still going at the horizon, without a deadlock.
    - ``below-target``: safe and finished, but too few restarts were verified.
    - ``pass``: the verified share reached the target, no false success, every run finished.
    """

    FALSE_SUCCESS = "false-success"
    DEADLOCK = "deadlock"
    HANGS = "hangs"
    BELOW_TARGET = "below-target"
    PASS = "pass"

    @property
    def passed(self) -> bool:
        """True for the verdict that meets the bar."""
        return self is FleetVerdict.PASS


@dataclass(frozen=True)
class MachineResult:
    """One machine over every run: restarts verified, false successes, and restarts that
    happened although nothing said so (``unclaimed``: a missed success, not a danger)."""

    name: str
    runs: int
    verified: int
    false_successes: int
    unclaimed: int

    @property
    def rate(self) -> float:
        """Verified / runs (0 with no runs)."""
        return self.verified / self.runs if self.runs else 0.0

    @property
    def interval(self) -> tuple[float, float]:
        """The 95% Wilson interval of :attr:`rate`."""
        return wilson_interval(self.verified, self.runs)

    def to_dict(self) -> dict[str, object]:
        """Return the machine's result as JSON-ready data."""
        return {"name": self.name, "runs": self.runs, "verified": self.verified,
                "rate": self.rate, "interval": list(self.interval),
                "false_successes": self.false_successes, "unclaimed": self.unclaimed}


@dataclass(frozen=True)
class FleetSummary:
    """Every run of one rollout, added up (see the module docstring).

    ``restarts``: runs × machines, what the overall rate is out of. ``rollout``: durations
    of the runs that finished (None if none did); ``finished``: how many did.
    ``queued_longest`` / ``queued_total``: per run, the longest time one task waited Queued
    and all of its tasks' waits summed. ``deadlocks``: runs that left one standing;
    ``deadlock_seed`` / ``deadlock``: the first such run's seed and its summary line.
    """

    runs: int
    machines: tuple[MachineResult, ...]
    verified: int
    restarts: int
    false_successes: int
    finished: int
    rollout: Durations | None
    queued_longest: Durations
    queued_total: Durations
    deadlocks: int
    deadlock_seed: int | None = None
    deadlock: str = ""
    false_success_seeds: tuple[int, ...] = ()
    hung_seeds: tuple[int, ...] = ()

    @property
    def rate(self) -> float:
        """Verified restarts / restarts (0 with none)."""
        return self.verified / self.restarts if self.restarts else 0.0

    @property
    def interval(self) -> tuple[float, float]:
        """The 95% Wilson interval of :attr:`rate`, counting each restart as one trial
        (restarts of one run share a server, so it is somewhat narrower than it should be;
        the per-machine intervals have no such caveat)."""
        return wilson_interval(self.verified, self.restarts)

    @property
    def false_success_rate(self) -> float:
        """False successes / restarts (0 with none)."""
        return self.false_successes / self.restarts if self.restarts else 0.0

    @property
    def hung(self) -> int:
        """Runs still going at the horizon."""
        return self.runs - self.finished

    def to_dict(self) -> dict[str, object]:
        """Return the summary as JSON-ready data."""
        return {
            "runs": self.runs,
            "restarts": self.restarts,
            "verified": self.verified,
            "rate": self.rate,
            "interval": list(self.interval),
            "false_successes": self.false_successes,
            "false_success_rate": self.false_success_rate,
            "false_success_seeds": list(self.false_success_seeds),
            "finished": self.finished,
            "hung": self.hung,
            "hung_seeds": list(self.hung_seeds),
            "rollout_seconds": None if self.rollout is None else _pmx(self.rollout),
            "queued_longest_seconds": _pmx(self.queued_longest),
            "queued_total_seconds": _pmx(self.queued_total),
            "deadlocks": self.deadlocks,
            "deadlock_seed": self.deadlock_seed,
            "deadlock": self.deadlock or None,
            "machines": [m.to_dict() for m in self.machines],
        }


def _pmx(durations: Durations) -> dict[str, float]:
    return {"p50": durations.p50, "p95": durations.p95, "max": durations.max}


def judge(summary: FleetSummary, target: float) -> FleetVerdict:
    """The verdict of ``summary`` against ``target`` (worst first: see FleetVerdict)."""
    if summary.false_successes:
        return FleetVerdict.FALSE_SUCCESS
    if summary.deadlocks:
        return FleetVerdict.DEADLOCK
    if summary.hung:
        return FleetVerdict.HANGS
    return FleetVerdict.PASS if summary.rate >= target else FleetVerdict.BELOW_TARGET


def summarise_fleet(rows: Sequence[FleetRow], machines: Sequence[str],
                    base_seed: int) -> FleetSummary:
    """Add up ``rows`` (in index order) of a rollout restarting ``machines``."""
    per_machine = [
        MachineResult(name, len(rows),
                      sum(r.machines[i] == VERIFIED for r in rows),
                      sum(r.machines[i] == FALSE_SUCCESS for r in rows),
                      sum(r.machines[i] == UNCLAIMED for r in rows))
        for i, name in enumerate(machines)
    ]
    ended = [r.ended for r in rows if r.ended is not None]
    deadlocked = [r for r in rows if r.deadlock]
    first = deadlocked[0] if deadlocked else None
    return FleetSummary(
        runs=len(rows),
        machines=tuple(per_machine),
        verified=sum(m.verified for m in per_machine),
        restarts=len(rows) * len(machines),
        false_successes=sum(m.false_successes for m in per_machine),
        finished=len(ended),
        rollout=Durations.of(ended) if ended else None,
        queued_longest=Durations.of([r.queued_longest for r in rows]),
        queued_total=Durations.of([r.queued_total for r in rows]),
        deadlocks=len(deadlocked),
        deadlock_seed=None if first is None else base_seed + first.run,
        deadlock="" if first is None else first.deadlock,
        false_success_seeds=tuple(base_seed + r.run for r in rows
                                  if FALSE_SUCCESS in r.machines)[:_SEEDS_KEPT],
        hung_seeds=tuple(base_seed + r.run for r in rows if r.ended is None)[:_SEEDS_KEPT],
    )
