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
from collections.abc import Mapping
from dataclasses import dataclass, fields

from restart.errors import ConfigurationError

__all__ = [
    "DEFAULT_DEADLINE",
    "KNOBS",
    "SEED_WORST_CASE",
    "Knob",
    "PolicyError",
    "RestartPolicy",
    "knob",
    "policy_flags",
]

#: The seed script's intended worst case in seconds (the table in the module docstring).
SEED_WORST_CASE = 3 + 15 + 30 + 180 + 60 + 5
#: The default overall deadline: the seed's worst case + preflight/probe 15 s + cleanup 10 s,
#: rounded up to the next half minute.
DEFAULT_DEADLINE = 330.0

# Characters that would break out of the quoting of the generated restart scripts, or act as
# wildcards in Get-Service's pattern. Rejected up front rather than escaped half-way.
_UNSAFE_INSTANCE = re.compile(r"[\"`$*?\[\]\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Knob:
    """One numeric knob of :class:`RestartPolicy`: the one place its name, flag, unit,
    bounds and help are written. The CLI's flags, the policy's error messages, validate's
    view and recommendations and the Hypothesis strategies all read it from :data:`KNOBS`.

    ``minimum``/``maximum`` bound a single value (``exclusive`` makes the minimum a strict
    ``>``); bounds between knobs are :class:`RestartPolicy`'s own checks. ``flag`` is None
    for knobs only the library sets. ``label`` is how validate names it in prose. ``grid``:
    the values validate's recommendation tries (spaced as a person would choose them,
    denser near the default); empty for the knobs it does not tune.
    """

    name: str
    flag: str | None
    unit: str
    whole: bool
    minimum: float
    help: str
    label: str
    exclusive: bool = False
    maximum: float | None = None
    grid: tuple[float, ...] = ()

    @property
    def tuned(self) -> bool:
        """True for the knobs validate's recommendation searches."""
        return bool(self.grid)

    def bounds(self) -> str:
        """The valid range in words: ``a number of seconds > 0``, ``a whole number >= 1``."""
        kind = "a whole number" if self.whole else "a number"
        unit = f" of {self.unit}" if self.unit else ""
        low = f"{'>' if self.exclusive else '>='} {self.minimum:g}"
        high = f" and <= {self.maximum:g}" if self.maximum is not None else ""
        return f"{kind}{unit} {low}{high}"

    def within(self, value: object) -> bool:
        """True when ``value`` is a finite number (whole if need be) inside the bounds."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if not math.isfinite(value) or (self.whole and value != int(value)):
            return False
        too_low = value <= self.minimum if self.exclusive else value < self.minimum
        return not too_low and (self.maximum is None or value <= self.maximum)

    def parse(self, text: str) -> float | int:
        """Read a command-line value (argparse's ``type``); raise ValueError saying the
        valid range (argparse prefixes the flag: ``argument --deadline: must be ...``)."""
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not self.within(value):
            raise ValueError(f"must be {self.bounds()}, got {text}")
        return int(value) if self.whole else value


_S = "seconds"
#: Every numeric knob, in the order ``--help`` lists the flags.
KNOBS: tuple[Knob, ...] = (
    Knob("deadline", "--deadline", _S, False, 0, "overall deadline", "deadline",
         exclusive=True),
    Knob("poll_interval", "--poll-interval", _S, False, 0, "task polling interval",
         "poll interval", exclusive=True),
    Knob("script_delay", "--script-delay", _S, True, 0, "delay before the restart",
         "script delay"),
    Knob("health_window", "--health-window", _S, False, 0, "time to come back healthy",
         "health window", exclusive=True,
         grid=(15, 30, 45, 60, 90, 120, 150, 180, 240, 300, 450, 600, 900)),
    Knob("post_restart_wait", "--wait", _S, False, 0, "wait after the restart task",
         "post-restart wait", grid=(0, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300)),
    Knob("health_task_timeout", "--health-timeout", _S, False, 1, "health task Timeout",
         "health task timeout"),
    Knob("health_machine_timeout", "--machine-timeout", _S, False, 1,
         "health task MachineTimeout", "machine timeout"),
    Knob("stable_checks", "--stable-checks", "", True, 1, "consecutive healthy checks",
         "stable checks"),
    Knob("request_timeout", "--request-timeout", _S, False, 0, "per HTTP request",
         "request timeout", exclusive=True),
    Knob("max_attempts", "--max-attempts", "", True, 1, "tries per request", "attempts"),
    Knob("cleanup_allowance", None, _S, False, 0, "reserved at the end to cancel tasks",
         "cleanup allowance"),
    Knob("retry_base", None, _S, False, 0, "first retry's backoff", "retry base",
         exclusive=True),
    Knob("retry_cap", None, _S, False, 0, "longest backoff", "retry cap"),
    Knob("retry_jitter", None, "", False, 0, "random fraction of each backoff",
         "retry jitter", maximum=1),
    Knob("probe_attempts", None, "", True, 1, "start-time probes before the restart",
         "probe attempts"),
)
_BY_NAME = {k.name: k for k in KNOBS}


def knob(name: str) -> Knob:
    """The knob of field ``name``; raises KeyError naming the knobs for an unknown one."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"no policy knob {name!r}; knobs: {', '.join(_BY_NAME)}") from None


class PolicyError(ConfigurationError):
    """An invalid :class:`RestartPolicy`. ``knobs`` are the fields at fault; ``template``
    names them as ``{field}`` so :meth:`spelled` can say it in the caller's words (the CLI
    names flags; a library user sees ``RestartPolicy.field``)."""

    def __init__(self, template: str, knobs: tuple[str, ...]) -> None:
        self.template = template
        self.knobs = knobs
        super().__init__(self.spelled({}))

    def spelled(self, names: Mapping[str, str]) -> str:
        """The message with each field named by ``names`` (default ``RestartPolicy.field``)."""
        return self.template.format_map(
            {k: names.get(k, f"RestartPolicy.{k}") for k in (*_BY_NAME, "instance")}
        )


def _bad(name: str, value: object) -> PolicyError:
    shown = f"{value:g}" if isinstance(value, float) else repr(value)
    escaped = shown.replace("{", "{{").replace("}", "}}")
    return PolicyError(f"{{{name}}} must be {_BY_NAME[name].bounds()}, got {escaped}", (name,))


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

    Each knob's bounds are in :data:`KNOBS`. Raises :class:`PolicyError` (a
    ConfigurationError, from ``__post_init__``) for a value that cannot work.
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
            if f.name in _BY_NAME and not _BY_NAME[f.name].within(getattr(self, f.name)):
                raise _bad(f.name, getattr(self, f.name))
        if self.health_machine_timeout > self.health_task_timeout:
            raise PolicyError(
                "{health_machine_timeout} cannot exceed {health_task_timeout}: the health "
                "task would end before any machine could time out",
                ("health_machine_timeout", "health_task_timeout"),
            )
        if self.cleanup_allowance >= self.deadline:
            # Named by the deadline: it is the knob a user sets; the allowance is fixed.
            raise PolicyError(
                f"{{deadline}} must be more than {self.cleanup_allowance:g} seconds: "
                "{cleanup_allowance} at its end is reserved for cancelling the run's tasks; "
                f"got {self.deadline:g}",
                ("deadline", "cleanup_allowance"),
            )
        if self.retry_cap < self.retry_base:
            raise PolicyError("{retry_cap} must be >= {retry_base}", ("retry_cap", "retry_base"))
        if self.instance is not None and (
            not self.instance.strip() or _UNSAFE_INSTANCE.search(self.instance)
        ):
            shown = repr(self.instance).replace("{", "{{").replace("}", "}}")
            raise PolicyError(
                f"{{instance}} {shown} is not a usable Tentacle instance "
                'name: it must be non-empty and contain none of " ` $ * ? [ ] or control '
                "characters (pass the name exactly as `Tentacle list-instances` prints it)",
                ("instance",),
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


def policy_flags(policy: RestartPolicy) -> str:
    """``policy`` as the command-line flags that give it (``--deadline 330 ...``), so a
    policy shown by validate can be pasted into ``restart-tentacle run``."""
    flags = " ".join(
        f"{k.flag} {getattr(policy, k.name):g}" for k in KNOBS if k.flag is not None
    )
    return flags if policy.instance is None else f"{flags} --instance {policy.instance}"
