"""Validate a restart policy by Monte Carlo: many simulated restarts, judged against the truth.

:func:`validate` runs the client (and, if asked, the seed script) ``runs`` times against
each scenario, one fresh :class:`~octosim.simulation.Simulation` per run with seed
``seed + i``, on every core. Each run's report is checked against the simulation's own
state, so a *false success* (success reported, but the Tentacle did not restart or is not
up and healthy) is caught, not counted as a success. It then recommends the smallest
health window and post-restart wait that reach the target success rate
(:mod:`restart.validate_recommend`).

``restart-tentacle validate`` (:mod:`restart.validate_cli`) is the command line on top;
``docs/validate.md`` explains how to read its verdict.

Same arguments, same result, whatever the number of workers and whatever executor runs them.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from restart.policy import RestartPolicy
from restart.validate_exec import Group, ProgressCallback, Runner, default_workers
from restart.validate_recommend import Recommendation, recommend
from restart.validate_runs import Row
from restart.validate_stats import (
    RunRecord,
    Summary,
    fewest_runs_for,
    records,
    summarise,
    wilson_interval,
)

if TYPE_CHECKING:
    from octosim.scenario import Scenario

__all__ = [
    "DEFAULT_RECOMMEND_RUNS",
    "DEFAULT_RUNS",
    "DEFAULT_TARGET",
    "ScenarioResult",
    "ValidationResult",
    "Verdict",
    "impossible_reason",
    "load_scenarios",
    "subjects",
    "validate",
]

DEFAULT_RUNS = 1000
DEFAULT_TARGET = 0.99
#: Real runs that check each recommended value (the values themselves are predicted from
#: the validation's runs, see restart.validate_recommend): enough to catch a prediction
#: that does not hold, few enough to cost a second or two.
DEFAULT_RECOMMEND_RUNS = 200


class Verdict(StrEnum):
    """How the client did on one scenario.

    - ``pass``: success rate at or above the target, no false success, always by the
      deadline.
    - ``correctly-fails``: success is impossible by construction (e.g. ``never-returns``)
      and the client never claimed it and always gave up by its deadline.
    - ``below-target``: safe and bounded, but too few restarts were verified.
    - ``over-deadline``: some run returned after the deadline (a client bug).
    - ``false-success``: the client reported a restart that did not happen (a client bug,
      the worst kind).
    """

    PASS = "pass"
    CORRECTLY_FAILS = "correctly-fails"
    BELOW_TARGET = "below-target"
    OVER_DEADLINE = "over-deadline"
    FALSE_SUCCESS = "false-success"

    @property
    def passed(self) -> bool:
        """True for the verdicts that meet the bar."""
        return self in (Verdict.PASS, Verdict.CORRECTLY_FAILS)


@dataclass(frozen=True)
class ScenarioResult:
    """One scenario: the client's runs and summary, the seed script's if compared.

    ``impossible``: why success cannot happen in this scenario by construction (None: it
    can); such a scenario is judged by "no false success and stopped by its deadline".
    ``machines``: the names of the machines whose Tentacle the runs restarted; ``label``:
    the scenario and machine, set when the scenario has several machines (see ``title``).
    """

    name: str
    impossible: str | None
    verdict: Verdict
    client: Summary
    runs: tuple[RunRecord, ...] = field(repr=False)
    seed_script: Summary | None = None
    seed_runs: tuple[RunRecord, ...] = field(default=(), repr=False)
    machines: tuple[str, ...] = ()
    label: str = ""

    @property
    def title(self) -> str:
        """How the report names this result: the scenario, with the machine when the
        scenario has several (``two-web-servers/web-02``)."""
        return self.label or self.name

    def to_dict(self, *, include_runs: bool = False) -> dict[str, object]:
        """Return the result as JSON-ready data (every run too, with ``include_runs``)."""
        out: dict[str, object] = {
            "name": self.name,
            "machines": list(self.machines),
            "title": self.title,
            "impossible": self.impossible,
            "verdict": self.verdict.value,
            "passed": self.verdict.passed,
            "client": self.client.to_dict(),
            "seed_script": None if self.seed_script is None else self.seed_script.to_dict(),
        }
        if include_runs:
            out["runs"] = [r.to_dict() for r in self.runs]
            out["seed_runs"] = [r.to_dict() for r in self.seed_runs]
        return out


@dataclass(frozen=True)
class ValidationResult:
    """Everything :func:`validate` found. ``passed``: every scenario's verdict passed.

    ``wall_seconds`` and ``workers`` describe how it ran, not what it found; they are left
    out of equality so results from different machines compare equal.
    """

    policy: RestartPolicy
    target: float
    runs: int
    seed: int
    scenarios: tuple[ScenarioResult, ...]
    recommendation: Recommendation | None
    runs_executed: int
    wall_seconds: float = field(default=0.0, compare=False)
    workers: int = field(default=1, compare=False)

    @property
    def passed(self) -> bool:
        """Every scenario passed (``pass`` or ``correctly-fails``)."""
        return all(s.verdict.passed for s in self.scenarios)

    @property
    def warnings(self) -> tuple[str, ...]:
        """What makes the verdict less sure than it reads: too few runs for the target."""
        if self.target >= 1.0:
            return ("a 100% target cannot be shown by any number of runs: a run that would "
                    "fail may simply not have been drawn; use a target below 1",)
        fewest = fewest_runs_for(self.target)
        if self.runs >= fewest:
            return ()
        low, _ = wilson_interval(self.runs, self.runs)
        return (f"{self.runs} runs per scenario are too few to show a {self.target:.1%} "
                f"target: even {self.runs} verified of {self.runs} leave a 95% interval "
                f"down to {low:.1%}; use --runs {fewest} or more",)

    @property
    def simulated_seconds(self) -> float:
        """Virtual seconds of every client and seed-script run (not the recommendation's)."""
        return sum(
            s.client.simulated_seconds + (s.seed_script.simulated_seconds if s.seed_script
                                          else 0.0)
            for s in self.scenarios
        )

    def to_dict(self, *, include_runs: bool = False) -> dict[str, object]:
        """Return the result as JSON-ready data (the CLI's ``--json``)."""
        return {
            "passed": self.passed,
            "target": self.target,
            "runs": self.runs,
            "seed": self.seed,
            "policy": dataclasses.asdict(self.policy),
            "scenarios": [s.to_dict(include_runs=include_runs) for s in self.scenarios],
            "recommendation": None if self.recommendation is None
            else self.recommendation.to_dict(),
            "warnings": list(self.warnings),
            "runs_executed": self.runs_executed,
            "simulated_seconds": self.simulated_seconds,
            "wall_seconds": self.wall_seconds,
            "workers": self.workers,
        }


def load_scenarios(scenarios: Sequence[str | Path | Scenario] | None) -> list[Scenario]:
    """Return the scenarios: each a preset name, a ``.toml`` path or a Scenario; None or
    empty means every shipped restart preset (the deployment presets repeat ``default`` and
    ``linux`` for a restart). Raises ScenarioError for one that cannot be read."""
    from octosim.scenario import Scenario, restart_presets

    items: Sequence[str | Path | Scenario] = scenarios or restart_presets()
    return [s if isinstance(s, Scenario) else Scenario.load(s) for s in items]


def impossible_reason(scenario: Scenario, machine: str | None = None) -> str | None:
    """Return why no restart of ``machine`` (a name; None: the first) can succeed in
    ``scenario`` by construction, or None.

    Today that is one case: every start of the restarted Tentacle fails
    (``fail_to_start_rate = 1``), so it never comes back, watchdog or not.
    """
    agents = scenario.all_agents()  # listed, then generated by [[agent_groups]]
    agent = next((a for a in agents if a.name == machine), agents[0])
    if agent.fail_to_start_rate >= 1.0:
        return f"every start of {agent.name}'s Tentacle fails: fail_to_start_rate = 1"
    return None


def validate(
    policy: RestartPolicy | None = None,
    scenarios: Sequence[str | Path | Scenario] | None = None,
    runs: int = DEFAULT_RUNS,
    seed: int = 0,
    workers: int | None = None,
    compare_seed_script: bool = False,
    progress: ProgressCallback | None = None,
    *,
    target: float = DEFAULT_TARGET,
    recommend_knobs: bool = True,
    recommend_runs: int = DEFAULT_RECOMMEND_RUNS,
    machines: Sequence[str] | None = None,
    executor: Executor | None = None,
) -> ValidationResult:
    """Run ``policy`` ``runs`` times on each scenario and judge it; see the module docstring.

    ``scenarios``: preset names, ``.toml`` paths or Scenarios (None: every restart preset,
    ``octosim.scenario.restart_presets()``).
    ``workers``: processes (None: every CPU; 1: in this process). ``executor``: run the
    chunks on this ``concurrent.futures.Executor`` instead (a thread or process pool, a
    Dask cluster's ``client.get_executor()``, :class:`~restart.validate_exec.InlineExecutor`);
    you own it and shut it down, and ``workers`` then only sizes the chunks (say how many
    run at once; None: every CPU). Neither changes the result. ``progress(stage, done,
    total)`` is called per finished chunk; stages are ``client``, ``seed script`` and
    ``recommendation``. ``recommend_runs``: real runs that check each recommended value
    (at most ``runs``); ``recommend_knobs=False`` skips the recommendation. ``machines``:
    the machines (by name) to restart in each scenario; None: every one, each judged on its
    own.

    Raises ValueError for ``runs``/``recommend_runs``/``workers`` < 1, a target outside
    (0, 1] or a scenario without any of ``machines``; ScenarioError for a scenario that
    cannot be read; RuntimeError (naming the scenario and seed) if a run crashes.
    """
    policy = policy if policy is not None else RestartPolicy()
    _check(runs, target, workers, recommend_runs)
    loaded = subjects(load_scenarios(scenarios), machines)
    workers = workers if workers is not None else default_workers()
    started = time.perf_counter()
    with Runner(workers, progress, executor=executor) as runner:
        client_rows = runner.run(
            [Group("client", sc, policy, seed, runs, m) for sc, m in loaded], "client"
        )
        seed_rows = (
            runner.run([Group("seed", sc, policy, seed, runs, m) for sc, m in loaded],
                       "seed script")
            if compare_seed_script
            else [[] for _ in loaded]
        )
        several = {sc.name for sc, _ in loaded if len(sc.all_agents()) > 1}
        results = [
            _scenario_result(sc, m, sc.name in several, policy, target, seed, rows, srows,
                             compare_seed_script)
            for (sc, m), rows, srows in zip(loaded, client_rows, seed_rows, strict=True)
        ]
        executed = runs * len(loaded) * (2 if compare_seed_script else 1)
        recommendation = None
        # Nothing to recommend when no scenario can succeed by construction.
        if recommend_knobs and any(r.impossible is None for r in results):
            recommendation, extra = _recommend(runner, policy, loaded, results, target, seed,
                                               min(runs, recommend_runs))
            executed += extra
    return ValidationResult(
        policy=policy,
        target=target,
        runs=runs,
        seed=seed,
        scenarios=tuple(results),
        recommendation=recommendation,
        runs_executed=executed,
        wall_seconds=time.perf_counter() - started,
        workers=workers,
    )


def _check(runs: int, target: float, workers: int | None, recommend_runs: int) -> None:
    if runs < 1:
        raise ValueError(f"runs must be at least 1, got {runs}")
    if recommend_runs < 1:
        raise ValueError(f"recommend_runs must be at least 1, got {recommend_runs}")
    if not 0.0 < target <= 1.0:
        raise ValueError(
            f"target is a success rate in (0, 1], e.g. 0.99 for 99%, got {target!r}"
        )
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be at least 1 (or None for every CPU), got {workers}")


def subjects(
    scenarios: Sequence[Scenario], machines: Sequence[str] | None = None
) -> list[tuple[Scenario, str]]:
    """Each (scenario, machine name) to validate: every machine of every scenario, or only
    those named in ``machines`` (ignoring case). Raises ValueError naming the scenario's
    machines when one has none of them."""
    wanted = None if not machines else {m.lower() for m in machines}
    chosen: list[tuple[Scenario, str]] = []
    for scenario in scenarios:
        names = [a.name for a in scenario.all_agents()]
        mine = [n for n in names if wanted is None or n.lower() in wanted]
        if not mine:
            raise ValueError(
                f"scenario {scenario.name!r} has none of the machines {', '.join(machines or ())}"
                f"; its machines: {', '.join(names)}"
            )
        chosen.extend((scenario, n) for n in mine)
    return chosen


def _scenario_result(
    scenario: Scenario,
    machine: str,
    several: bool,
    policy: RestartPolicy,
    target: float,
    seed: int,
    rows: Sequence[Row],
    seed_rows: Sequence[Row],
    compared: bool,
) -> ScenarioResult:
    runs = records(rows, seed)
    client = summarise(runs, policy.deadline)
    impossible = impossible_reason(scenario, machine)
    seed_runs = records(seed_rows, seed)
    return ScenarioResult(
        name=scenario.name,
        label=f"{scenario.name}/{machine}" if several else "",
        impossible=impossible,
        verdict=_judge(client, impossible is not None, target),
        client=client,
        runs=runs,
        # The seed script has no deadline of its own; None: "within deadline" is all runs.
        seed_script=summarise(seed_runs, None) if compared else None,
        seed_runs=seed_runs,
        machines=(machine,),
    )


def _judge(client: Summary, impossible: bool, target: float) -> Verdict:
    if client.false_successes:
        return Verdict.FALSE_SUCCESS
    if not client.all_within_deadline:
        return Verdict.OVER_DEADLINE
    if impossible:
        return Verdict.CORRECTLY_FAILS
    return Verdict.PASS if client.success_rate >= target else Verdict.BELOW_TARGET


def _recommend(
    runner: Runner,
    policy: RestartPolicy,
    scenarios: list[tuple[Scenario, str]],
    results: list[ScenarioResult],
    target: float,
    seed: int,
    check_runs: int,
) -> tuple[Recommendation, int]:
    # Impossible scenarios cannot be helped by any value: searching them would only report
    # "unreachable" for the wrong reason.
    usable = [i for i, r in enumerate(results) if r.impossible is None]
    executed = 0

    def measure(
        asks: Sequence[tuple[int, RestartPolicy]], runs: int
    ) -> list[tuple[RunRecord, ...]]:
        nonlocal executed
        if not asks:
            return []
        groups = [Group("client", *_subject(scenarios[usable[i]], p, seed, runs))
                  for i, p in asks]
        executed += runs * len(groups)
        return [records(rows, seed) for rows in runner.run(groups, "recommendation")]

    found = recommend(
        policy,
        [results[i].title for i in usable],
        [results[i].runs for i in usable],
        target,
        measure,
        check_runs=check_runs,
    )
    return found, executed


def _subject(
    subject: tuple[Scenario, str], policy: RestartPolicy, seed: int, runs: int
) -> tuple[Scenario, RestartPolicy, int, int, str]:
    scenario, machine = subject
    return scenario, policy, seed, runs, machine
