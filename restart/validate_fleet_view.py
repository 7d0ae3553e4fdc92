"""How a fleet validation reads: the rollout's table, its worst machines, the settings tried,
and a verdict in plain English (as :mod:`restart.validate_view` does for lone restarts)."""

from __future__ import annotations

from rich import box
from rich.console import Group as RenderGroup
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from restart.policy import policy_flags
from restart.validate_fleet import FleetValidation, FleetVerdict, MachineResult
from restart.validate_stats import Durations

__all__ = ["MACHINES_SHOWN", "fleet_verdict_text", "render_fleet"]

#: Machines listed by name, worst first: a 200-machine fleet's table must fit a screen.
MACHINES_SHOWN = 10

_LABELS = {
    FleetVerdict.PASS: ("✔ pass", "bold green"),
    FleetVerdict.BELOW_TARGET: ("✘ too few", "bold yellow"),
    FleetVerdict.HANGS: ("✘ HANGS", "bold red"),
    FleetVerdict.DEADLOCK: ("✘ DEADLOCK", "bold red"),
    FleetVerdict.FALSE_SUCCESS: ("✘ UNSAFE", "bold red"),
}


def _pct(rate: float) -> str:
    # Never round 99.96% up to a "100.0%" that hides a failure.
    text = f"{rate * 100:.1f}%"
    return "99.9%" if text == "100.0%" and rate < 1.0 else text


def _ci(interval: tuple[float, float]) -> str:
    low, high = interval
    return f"{_pct(low).rstrip('%')}–{_pct(high)}"


def _pmx(d: Durations) -> str:
    return "/".join(f"{v:.0f}" for v in (d.p50, d.p95, d.max))


def _table(title: str, columns: list[tuple[str, str]]) -> Table:
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False,
                  collapse_padding=True)
    for name, justify in columns:
        # Numbers and settings never wrap: a setting is pasted as it reads.
        table.add_column(name, justify="right" if justify == "r" else "left", no_wrap=True)
    return table


def render_fleet(result: FleetValidation) -> RenderableType:
    """Everything the CLI prints for a fleet without ``--json``."""
    parts: list[RenderableType] = [_header(result), _rollout_table(result),
                                   _machine_table(result)]
    s = result.summary
    if s.deadlock:
        parts.append(Text(f"First deadlock (seed {s.deadlock_seed}): {s.deadlock}",
                          style="red"))
    trials = _trials_table(result)
    if trials is not None:
        parts.append(trials)
    parts.append(Text(fleet_verdict_text(result), style="bold" if result.passed else ""))
    return RenderGroup(*parts)


def _header(result: FleetValidation) -> Text:
    text = Text("Policy: ", style="bold")
    text.append(policy_flags(result.policy))
    text.append("\nRollout: ", style="bold")
    machines = result.summary.machines
    text.append(f"{result.scenario}: {len(machines)} Tentacles restarted per run, "
                f"{result.runs} runs (seeds {result.seed}–{result.seed + result.runs - 1})")
    return text


def _rollout_table(result: FleetValidation) -> Table:
    s = result.summary
    table = _table(f"Rollout: {result.runs} runs, target {_pct(result.target)}",
                   [("measure", "l"), ("result", "r"), ("", "l")])
    table.add_row("verified restarts", _pct(s.rate),
                  f"{s.verified} of {s.restarts}, 95% CI {_ci(s.interval)}")
    table.add_row("false successes", Text(str(s.false_successes),
                                          style="bold red" if s.false_successes else ""),
                  f"{_pct(s.false_success_rate)} of restarts" + (
                      f"; seeds {_seeds(s.false_success_seeds)}" if s.false_successes else ""))
    table.add_row("rollout finished", f"{s.finished} of {s.runs}",
                  "none finished by the horizon" if s.rollout is None
                  else f"p50/p95/max {_pmx(s.rollout)} s")
    table.add_row("longest Queued wait", _pmx(s.queued_longest), "p50/p95/max s per run")
    table.add_row("all Queued waits", _pmx(s.queued_total), "p50/p95/max s per run, summed")
    table.add_row("deadlocks", Text(str(s.deadlocks), style="bold red" if s.deadlocks else ""),
                  f"first at seed {s.deadlock_seed}" if s.deadlocks else "")
    label, style = _LABELS[result.verdict]
    table.add_row("verdict", Text(label, style=style), "")
    return table


def _machine_table(result: FleetValidation) -> Table:
    machines = sorted(result.summary.machines, key=lambda m: (m.rate, -m.false_successes))
    shown = machines[:MACHINES_SHOWN]
    more = len(machines) - len(shown)
    title = "Per machine, worst first" + (f" ({more} more not shown)" if more else "")
    table = _table(title, [("machine", "l"), ("verified", "r"), ("95% CI", "r"),
                           ("false\nsucc.", "r"), ("un-\nclaimed", "r")])
    for m in shown:
        table.add_row(Text(m.name), _pct(m.rate), _ci(m.interval),
                      Text(str(m.false_successes), style="bold red" if m.false_successes
                           else ""), str(m.unclaimed))
    return table


def _trials_table(result: FleetValidation) -> Table | None:
    rec = result.recommendation
    if rec is None or not rec.trials:
        return None
    table = _table(f"Settings tried, {rec.runs} real runs each (one change at a time)",
                   [("setting", "l"), ("verified", "r"), ("dead-\nlocks", "r"),
                    ("false\nsucc.", "r"), ("p95 s", "r"), ("verdict", "l")])
    for t in rec.trials:
        label, style = _LABELS[FleetVerdict(t.verdict)]
        table.add_row(Text(t.how), _pct(t.rate), str(t.deadlocks), str(t.false_successes),
                      "-" if t.rollout_p95 is None else f"{t.rollout_p95:.0f}",
                      Text(label, style=style))
    return table


def _seeds(seeds: tuple[int, ...]) -> str:
    return ", ".join(str(s) for s in seeds[:3]) + ("…" if len(seeds) > 3 else "")


def fleet_verdict_text(result: FleetValidation) -> str:
    """The one-paragraph verdict in plain English."""
    s = result.summary
    target = _pct(result.target)
    sentences: list[str] = []
    if result.verdict is FleetVerdict.PASS:
        sentences.append(f"✔ The rollout holds: {_pct(s.rate)} of {s.restarts} restarts "
                         f"verified (target {target}), every run finished "
                         f"(p95 {s.rollout.p95:.0f} s)." if s.rollout else "✔ The rollout holds.")
    else:
        sentences.append(f"✘ The rollout does not hold: {_pct(s.rate)} of {s.restarts} "
                         f"restarts verified (target {target}).")
    if s.false_successes:
        sentences.append(
            f"{s.false_successes} restarts were reported done although the Tentacle did not "
            f"restart ({_worst(s.machines)}); replay one with "
            f"restart.validate_fleet_runs.run_fleet(scenario, policy, "
            f"{s.false_success_seeds[0]}).")
    if s.deadlocks:
        sentences.append(
            f"{s.deadlocks} of {s.runs} runs left the server deadlocked (first at seed "
            f"{s.deadlock_seed}): the task cap full of tasks waiting on children that "
            "cannot start.")
    elif s.hung:
        sentences.append(f"{s.hung} of {s.runs} runs were still going at the horizon (first "
                         f"at seed {s.hung_seeds[0]}), with no deadlock left standing.")
    rec = result.recommendation
    if rec is not None:
        sentences.append(("Recommended: " if rec.chosen is not None else "") + rec.advice)
    return " ".join(sentences)


def _worst(machines: tuple[MachineResult, ...]) -> str:
    hit = [m for m in machines if m.false_successes]
    names = ", ".join(m.name for m in hit[:3])
    return f"{len(hit)} machines: {names}{', …' if len(hit) > 3 else ''}"
