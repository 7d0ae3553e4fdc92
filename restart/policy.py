"""Every timing knob of a restart, with the seed script's values as defaults.

How the default deadline is chosen
----------------------------------
The seed script has no deadline, but it does have an *intended* worst case: the time it
takes when everything is as slow as the script was written to tolerate. Adding it up::

      3 s  script_delay         the detached restart fires 3 s after the restart task ends
   + 15 s  restart task         queued, run, and seen complete at 5 s polling (3 polls)
   + 30 s  post_restart_wait    the seed's ``Start-Sleep 30``
   +180 s  health_window        the seed's ``$timeout = 180`` loop
   + 60 s  health_task_timeout  a health check started at 179 s may run its full Timeout
   +  5 s  poll_interval        ... and is seen complete one poll later
   ------
    293 s  the seed's intended worst case

This client adds two things the seed does not have: a preflight and a start-time probe
before the restart (allow 15 s: one short script task at 5 s polling), and the cleanup
allowance reserved at the end to cancel whatever it created (10 s). 293 + 15 + 10 = 318 s,
rounded up to **330 s (5.5 minutes)**, which leaves 12 s of slack for request latency.

The deadline is hard: the run *returns* by it. Work stops ``cleanup_allowance`` seconds
before it, and that reserve is spent cancelling tasks this run created that still run.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, fields

from restart.errors import ConfigurationError

__all__ = ["DEFAULT_DEADLINE", "SEED_WORST_CASE", "RestartPolicy"]

#: The seed script's intended worst case in seconds (the table in the module docstring).
SEED_WORST_CASE = 3 + 15 + 30 + 180 + 60 + 5
#: The default overall deadline: the seed's worst case + preflight/probe 15 s + cleanup 10 s,
#: rounded up to the next half minute.
DEFAULT_DEADLINE = 330.0

# Characters that would break out of the quoting of the generated restart scripts, or act as
# wildcards in Get-Service's pattern. Rejected up front rather than escaped half-way.
_UNSAFE_INSTANCE = re.compile(r"[\"`$*?\[\]\x00-\x1f\x7f]")


@dataclass(frozen=True)
class RestartPolicy:
    """How patient, persistent and strict a restart is. All durations are seconds.

    Seed values: ``poll_interval`` 5 (``Start-Sleep -Seconds 5``), ``script_delay`` 3
    (``Start-Sleep 3`` in the detached restart), ``post_restart_wait`` 30, ``health_window``
    180, ``health_task_timeout`` / ``health_machine_timeout`` 60 (``FromMinutes(1)``).

    What the seed lacks:

    - ``deadline``: the run returns by ``start + deadline`` (see the module docstring for
      the default); ``cleanup_allowance`` of it is reserved for cancelling tasks.
    - ``request_timeout``: the longest one HTTP request may take (less near the deadline).
    - retries of transient failures (connection errors, timeouts, 408/429/500/502/503/504):
      at most ``max_attempts`` tries per request, waiting ``retry_base * 2**(n-1)`` seconds
      capped at ``retry_cap``, of which up to the fraction ``retry_jitter`` is random; a
      ``Retry-After`` from Octopus is honoured even above the cap. Polls are not retried on
      this schedule: a failed poll is a missed poll, and the next comes a ``poll_interval``
      later, until the deadline.
    - ``stable_checks``: consecutive successful health checks required (1 = the seed's one).
    - ``probe_attempts``: start-time probes tried before the restart before giving up.
    - ``instance``: restart only this named Tentacle instance instead of every instance.

    Raises ConfigurationError (from ``__post_init__``) for a value that cannot work.
    """

    poll_interval: float = 5.0
    script_delay: int = 3
    post_restart_wait: float = 30.0
    health_window: float = 180.0
    health_task_timeout: float = 60.0
    health_machine_timeout: float = 60.0
    deadline: float = DEFAULT_DEADLINE
    cleanup_allowance: float = 10.0
    request_timeout: float = 30.0
    max_attempts: int = 5
    retry_base: float = 1.0
    retry_cap: float = 30.0
    retry_jitter: float = 0.5
    stable_checks: int = 1
    probe_attempts: int = 3
    instance: str | None = None

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "instance" or isinstance(value, bool):
                continue
            if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
                raise ConfigurationError(
                    f"RestartPolicy.{f.name} must be a finite number >= 0, got {value!r}"
                )
        positive = ("poll_interval", "request_timeout", "retry_base", "deadline")
        for name in positive:
            if getattr(self, name) <= 0:
                raise ConfigurationError(f"RestartPolicy.{name} must be > 0 seconds")
        if self.script_delay != int(self.script_delay):
            raise ConfigurationError(
                "RestartPolicy.script_delay must be whole seconds (Start-Sleep and sleep in "
                f"the restart script take integers), got {self.script_delay!r}"
            )
        for name in ("health_task_timeout", "health_machine_timeout"):
            if getattr(self, name) < 1:
                raise ConfigurationError(
                    f"RestartPolicy.{name} must be at least 1 second (a TimeSpan of 00:00:01)"
                )
        if self.health_machine_timeout > self.health_task_timeout:
            raise ConfigurationError(
                "RestartPolicy.health_machine_timeout cannot exceed health_task_timeout: the "
                "task would end before any machine could time out"
            )
        if self.cleanup_allowance >= self.deadline:
            raise ConfigurationError(
                f"RestartPolicy.cleanup_allowance ({self.cleanup_allowance:g} s) must be "
                f"smaller than the deadline ({self.deadline:g} s): it is reserved inside it"
            )
        if self.retry_cap < self.retry_base:
            raise ConfigurationError("RestartPolicy.retry_cap must be >= retry_base")
        if self.retry_jitter > 1:
            raise ConfigurationError(
                "RestartPolicy.retry_jitter is the random fraction of each backoff delay: "
                f"use 0..1, got {self.retry_jitter!r}"
            )
        for name in ("max_attempts", "stable_checks", "probe_attempts"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ConfigurationError(f"RestartPolicy.{name} must be an integer >= 1")
        if self.instance is not None and (
            not self.instance.strip() or _UNSAFE_INSTANCE.search(self.instance)
        ):
            raise ConfigurationError(
                f"RestartPolicy.instance {self.instance!r} is not a usable Tentacle instance "
                'name: it must be non-empty and contain none of " ` $ * ? [ ] or control '
                "characters (pass the name exactly as `Tentacle list-instances` prints it)"
            )

    @property
    def work_time(self) -> float:
        """Seconds available for the restart itself: the deadline minus the cleanup reserve."""
        return self.deadline - self.cleanup_allowance

    def backoff(self, retry: int, rng: random.Random) -> float:
        """Return the delay before retry number ``retry`` (1 = the first retry).

        ``retry_base * 2**(retry-1)``, capped at ``retry_cap``, then reduced by a random
        fraction of at most ``retry_jitter`` so clients that failed together do not retry
        together. The result is in ``[cap_delay * (1 - retry_jitter), cap_delay]``, so never
        above ``retry_cap``. Raises ValueError for ``retry < 1``.
        """
        if retry < 1:
            raise ValueError(f"retry numbers start at 1, got {retry}")
        # min() before the power would overflow for large retry counts.
        exponent = min(retry - 1, 64)
        delay = min(self.retry_cap, self.retry_base * 2.0**exponent)
        return delay * (1.0 - self.retry_jitter * rng.random())
