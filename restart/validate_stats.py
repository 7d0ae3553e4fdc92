"""What a set of validation runs adds up to: rates, false successes, durations, reasons.

Percentiles use the nearest-rank method (the smallest duration at or above that share of
runs): it always names a duration some run really took, and needs no interpolation choice.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from restart.report import Outcome, reason_group
from restart.validate_runs import OUTCOMES, Row

__all__ = [
    "CONFIDENCE_Z",
    "Durations",
    "RunRecord",
    "Summary",
    "fewest_runs_for",
    "group_text",
    "normalise_reason",
    "records",
    "summarise",
    "wilson_interval",
]

#: z of a two-sided 95% interval: the confidence every success rate is shown with.
CONFIDENCE_Z = 1.96


def wilson_interval(successes: int, runs: int, z: float = CONFIDENCE_Z) -> tuple[float, float]:
    """The Wilson score interval of a success rate (95% by default): unlike the plain
    ``p ± z·sqrt(p(1-p)/n)``, it stays inside [0, 1] and is honest at 0 and n successes,
    which are the usual results here. (0, 1) with no runs."""
    if runs <= 0:
        return (0.0, 1.0)
    p = successes / runs
    z2 = z * z
    centre = (p + z2 / (2 * runs)) / (1 + z2 / runs)
    half = z * math.sqrt(p * (1 - p) / runs + z2 / (4 * runs * runs)) / (1 + z2 / runs)
    # At 0 and n successes the bound on that side is exact: no rounding below 100%.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == runs else min(1.0, centre + half)
    return (low, high)


def fewest_runs_for(target: float, z: float = CONFIDENCE_Z) -> int:
    """The fewest runs whose perfect result (every run verified) puts the interval's lower
    bound at or above ``target``: fewer runs cannot show the target is met, whatever
    happens. Wilson's lower bound for n of n is n / (n + z²)."""
    if target >= 1.0:
        raise ValueError("no number of runs shows a 100% target: use a target below 1")
    return math.ceil(z * z * target / (1.0 - target))

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
# Deadline comparisons allow for float rounding in virtual time.
_EPSILON = 1e-6
# Seeds of bad runs kept for replay: enough to reproduce, few enough for the JSON.
_SEEDS_KEPT = 10


def normalise_reason(reason: str) -> str:
    """Return ``reason`` grouped as :func:`restart.report.reason_group` groups it."""
    return reason_group(reason)


def group_text(reasons: Sequence[str]) -> str:
    """One line for reasons that differ only in their numbers: each number that all share
    is kept, one that varies becomes its range (``12–40 s``), and an id's number
    (``ServerTasks-7``), which means nothing across runs, becomes ``N``. Reasons whose
    numbers do not line up (a time stamp in one of them) are shown as they are grouped."""
    found = [_NUMBER.findall(r) for r in reasons]
    if len({len(numbers) for numbers in found}) > 1:
        return reason_group(reasons[0])
    columns = list(zip(*found, strict=True))
    first = reasons[0]
    spans = [m.start() for m in _NUMBER.finditer(first)]
    pieces = iter(range(len(columns)))

    def number(match: re.Match[str]) -> str:
        i = next(pieces)
        values: list[str] = sorted(set(columns[i]), key=float)
        if len(values) == 1:
            return values[0]
        if spans[i] > 0 and first[spans[i] - 1] == "-":
            return "N"
        return f"{values[0]}–{values[-1]}"

    return _NUMBER.sub(number, first)


@dataclass(frozen=True)
class RunRecord:
    """One run: what the procedure reported, and the truth read from the simulation.

    ``restarted``: a new process of the restarted instance started during the run.
    ``up``: that instance is Running when the run returns. ``healthy``: the machine's
    HealthStatus is Healthy (or HasWarnings) then. ``reach``: see
    :func:`restart.validate_runs.reach` (client runs that reported success only).
    """

    index: int
    seed: int
    outcome: Outcome
    duration: float
    reason: str
    restarted: bool
    up: bool
    healthy: bool
    reach: float | None = None

    @property
    def reported_success(self) -> bool:
        """The procedure said the Tentacle restarted."""
        return self.outcome is Outcome.RESTARTED

    @property
    def really_restarted(self) -> bool:
        """The model agrees: restarted, up and healthy at the end."""
        return self.restarted and self.up and self.healthy

    @property
    def false_success(self) -> bool:
        """Reported success that the model contradicts."""
        return self.reported_success and not self.really_restarted

    @property
    def verified_success(self) -> bool:
        """Reported success that the model confirms."""
        return self.reported_success and self.really_restarted

    def to_dict(self) -> dict[str, object]:
        """Return the run as JSON-ready data."""
        return {
            "index": self.index,
            "seed": self.seed,
            "outcome": self.outcome.value,
            "duration": self.duration,
            "reason": self.reason,
            "restarted": self.restarted,
            "up": self.up,
            "healthy": self.healthy,
            "false_success": self.false_success,
            "reach": self.reach,
        }


def records(rows: Sequence[Row], base_seed: int) -> tuple[RunRecord, ...]:
    """Return the RunRecords of ``rows`` (in their order)."""
    return tuple(
        RunRecord(i, base_seed + i, OUTCOMES[o], d, r, s, u, h, x)
        for i, o, d, r, s, u, h, x in rows
    )


@dataclass(frozen=True)
class Durations:
    """Run durations in virtual seconds: nearest-rank p50/p95/p99 and the maximum."""

    p50: float
    p95: float
    p99: float
    max: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Durations:
        """Return the percentiles of ``values`` (all zero when there are none)."""
        ordered = sorted(values)
        if not ordered:
            return cls(0.0, 0.0, 0.0, 0.0)

        def rank(p: float) -> float:
            return ordered[max(0, math.ceil(p * len(ordered)) - 1)]

        return cls(rank(0.50), rank(0.95), rank(0.99), ordered[-1])

    def to_dict(self) -> dict[str, float]:
        """Return the percentiles as JSON-ready data."""
        return {"p50": self.p50, "p95": self.p95, "p99": self.p99, "max": self.max}


@dataclass(frozen=True)
class Summary:
    """One procedure's runs on one scenario, added up.

    ``successes``: reported successes the model confirms. ``false_successes``: reported
    successes it contradicts. ``unverified``: runs that did not report success although
    the Tentacle did restart and is healthy (a missed success, not a safety problem).
    ``within_deadline``: runs that returned by ``deadline`` (None: no deadline to hold,
    the seed script has none). ``reasons``: why runs did not succeed, grouped by their
    words (:func:`group_text` shows the numbers), most frequent first.
    ``simulated_seconds``: the sum of all durations.
    ``false_success_seeds`` / ``late_seeds``: the seeds of the first few false successes
    and runs past the deadline, to replay them (``restart.validate_runs.run_one``).
    """

    runs: int
    successes: int
    false_successes: int
    unverified: int
    within_deadline: int
    deadline: float | None
    durations: Durations
    outcomes: tuple[tuple[str, int], ...]
    reasons: tuple[tuple[str, int], ...]
    simulated_seconds: float
    false_success_seeds: tuple[int, ...] = ()
    late_seeds: tuple[int, ...] = ()

    @property
    def success_rate(self) -> float:
        """Verified successes / runs (0 with no runs)."""
        return self.successes / self.runs if self.runs else 0.0

    @property
    def success_interval(self) -> tuple[float, float]:
        """The 95% Wilson interval of :attr:`success_rate`."""
        return wilson_interval(self.successes, self.runs)

    @property
    def reported_successes(self) -> int:
        """Runs that reported success, true or false."""
        return self.successes + self.false_successes

    @property
    def all_within_deadline(self) -> bool:
        """Every run returned by the deadline."""
        return self.within_deadline == self.runs

    def to_dict(self) -> dict[str, object]:
        """Return the summary as JSON-ready data."""
        return {
            "runs": self.runs,
            "successes": self.successes,
            "success_rate": self.success_rate,
            "success_interval": list(self.success_interval),
            "reported_successes": self.reported_successes,
            "false_successes": self.false_successes,
            "unverified": self.unverified,
            "deadline": self.deadline,
            "within_deadline": self.within_deadline,
            "durations": self.durations.to_dict(),
            "outcomes": dict(self.outcomes),
            "reasons": [{"reason": r, "runs": n} for r, n in self.reasons],
            "simulated_seconds": self.simulated_seconds,
            "false_success_seeds": list(self.false_success_seeds),
            "late_seeds": list(self.late_seeds),
        }


def summarise(runs: Sequence[RunRecord], deadline: float | None) -> Summary:
    """Add up ``runs``; ``deadline`` (seconds, or None) is what "within deadline" means."""
    outcomes = Counter(r.outcome.value for r in runs)
    groups: dict[str, list[str]] = {}
    for r in runs:
        if not r.reported_success:
            groups.setdefault(normalise_reason(r.reason), []).append(r.reason)
    reasons = Counter({group_text(texts): len(texts) for texts in groups.values()})
    false_successes = sum(r.false_success for r in runs)
    if false_successes:
        # A false success carries no failure reason of its own: name it, it is the worst kind.
        reasons["reported success, but the Tentacle did not really restart"] = false_successes
    durations = [r.duration for r in runs]
    limit = math.inf if deadline is None else deadline + _EPSILON
    return Summary(
        runs=len(runs),
        successes=sum(r.verified_success for r in runs),
        false_successes=false_successes,
        unverified=sum(not r.reported_success and r.really_restarted for r in runs),
        within_deadline=sum(d <= limit for d in durations),
        deadline=deadline,
        durations=Durations.of(durations),
        outcomes=tuple(sorted(outcomes.items(), key=lambda kv: (-kv[1], kv[0]))),
        reasons=tuple(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
        simulated_seconds=sum(durations),
        false_success_seeds=tuple(r.seed for r in runs if r.false_success)[:_SEEDS_KEPT],
        late_seeds=tuple(r.seed for r in runs if r.duration > limit)[:_SEEDS_KEPT],
    )
