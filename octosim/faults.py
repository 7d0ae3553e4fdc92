"""HTTP faults injected at the transport: error statuses, connection errors, timeouts, latency.

A :class:`FaultPlan` is a list of :class:`FaultRule` s. For each request the transport asks
:meth:`FaultPlan.decide`, which returns the total extra latency and at most one failure
(the first failing rule that fires, in rule order). Rates draw from the simulation's
``faults`` random stream (:mod:`octosim.model.randomness`), so a plan replays exactly for a
seed and its draws never shift anything else's.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["Decision", "FaultKind", "FaultPlan", "FaultRule"]


class FaultKind(StrEnum):
    """What a rule does to a request."""

    Status = "status"  # answer with an HTTP error status (500, 502, 503, 504, 429) unprocessed
    ConnectError = "connect-error"  # httpx.ConnectError: the request never reached the server
    ReadTimeout = "read-timeout"  # the server processed it, the answer never came back
    Latency = "latency"  # the request takes this much longer, in virtual seconds


#: Statuses a Status rule may use: the transient ones clients are expected to retry.
FAULT_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class FaultRule:
    """One kind of fault, applied to matching requests with probability ``rate``.

    ``window``: only between these virtual times (start inclusive, end exclusive).
    ``route``: only for paths matching this regular expression (searched, not anchored).
    ``method``: only for this HTTP method. ``retry_after``: seconds sent in ``Retry-After``
    with a 503 or 429. ``latency``: seconds added (Latency rules).
    """

    kind: FaultKind
    rate: float = 1.0
    status: int = 503
    retry_after: float | None = None
    latency: float = 0.0
    window: tuple[float, float] | None = None
    route: str | None = None
    method: str | None = None
    _route_re: re.Pattern[str] | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        problems = []
        if not 0.0 <= self.rate <= 1.0:
            problems.append(f"rate must be between 0 and 1, not {self.rate}")
        if self.kind is FaultKind.Status and self.status not in FAULT_STATUSES:
            problems.append(
                f"status must be one of {sorted(FAULT_STATUSES)}, not {self.status}"
            )
        if self.latency < 0:
            problems.append(f"latency must be >= 0 seconds, not {self.latency}")
        if self.window is not None and not self.window[0] <= self.window[1]:
            problems.append(f"window start must not be after its end: {self.window}")
        if self.retry_after is not None and self.retry_after < 0:
            problems.append(f"retry_after must be >= 0 seconds, not {self.retry_after}")
        if self.route is not None:
            try:
                object.__setattr__(self, "_route_re", re.compile(self.route))
            except re.error as exc:
                problems.append(f"route {self.route!r} is not a valid regular expression: {exc}")
        if problems:
            raise ValueError(f"fault rule {self.kind.value}: " + "; ".join(problems))

    def applies(self, method: str, path: str, now: float) -> bool:
        """Return True if this rule covers a ``method`` request to ``path`` at ``now``."""
        if self.window is not None and not self.window[0] <= now < self.window[1]:
            return False
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self._route_re is None or self._route_re.search(path) is not None


@dataclass(frozen=True)
class Decision:
    """What the transport does to one request: add ``latency``, then fail with ``failure``."""

    latency: float = 0.0
    failure: FaultRule | None = None


NO_FAULT = Decision()


@dataclass
class FaultPlan:
    """The faults of one simulation. An empty plan never touches a request."""

    rules: list[FaultRule] = field(default_factory=list)

    def add(self, rule: FaultRule) -> FaultRule:
        """Append a rule and return it."""
        self.rules.append(rule)
        return rule

    def decide(self, method: str, path: str, now: float, rng: random.Random) -> Decision:
        """Return the latency and failure (if any) for this request.

        Draws one random number per applicable rule with a rate below 1, in rule order,
        so adding a rule never changes the draws of the rules before it.
        """
        if not self.rules:
            return NO_FAULT
        latency = 0.0
        failure: FaultRule | None = None
        for rule in self.rules:
            if not rule.applies(method, path, now):
                continue
            if rule.rate < 1.0 and rng.random() >= rule.rate:
                continue
            if rule.kind is FaultKind.Latency:
                latency += rule.latency
            elif failure is None:
                failure = rule
        if latency == 0.0 and failure is None:
            return NO_FAULT
        return Decision(latency, failure)
