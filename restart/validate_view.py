"""How a validation result reads: rich tables and a plain-English verdict.

The verdict paragraph is written for someone who has never seen the tool: it says whether
the timeouts hold, whether the client ever claimed a restart that did not happen, what the
impossible scenarios showed, and what to change, with the flag to change it.
"""

from __future__ import annotations

from rich import box
from rich.console import Group as RenderGroup
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from restart.policy import knob, policy_flags
from restart.validate import ScenarioResult, ValidationResult, Verdict
from restart.validate_recommend import GRIDS, KnobRecommendation
from restart.validate_stats import Summary

__all__ = [
    "header",
    "recommendation_table",
    "render",
    "scenario_table",
    "seed_table",
    "verdict_text",
]

_VERDICT_STYLES = {
    Verdict.PASS: "bold green",
    Verdict.CORRECTLY_FAILS: "green",
    Verdict.BELOW_TARGET: "bold yellow",
    Verdict.OVER_DEADLINE: "bold red",
    Verdict.FALSE_SUCCESS: "bold red",
}
_VERDICT_LABELS = {
    Verdict.PASS: "✔ pass",
    Verdict.CORRECTLY_FAILS: "✔ gives up",
    Verdict.BELOW_TARGET: "✘ too few",
    Verdict.OVER_DEADLINE: "✘ too late",
    Verdict.FALSE_SUCCESS: "✘ UNSAFE",
}

def _flag(name: str) -> str:
    # The flag that sets the knob, so advice can be pasted onto the command line.
    return knob(name).flag or name

def _pct(rate: float) -> str:
    # One decimal, but never round 99.96% up to a "100.0%" that hides a failure.
    text = f"{rate * 100:.1f}%"
    return "99.9%" if text == "100.0%" and rate < 1.0 else text


def _secs(value: float) -> str:
    return f"{value:.0f}"


def _table(title: str, columns: list[tuple[str, str]]) -> Table:
    # A light box and no row lines: the tables must fit an 80-column terminal.
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False,
                  collapse_padding=True)
    for name, justify in columns:
        # Headers break only where they say ("\n"); numbers never wrap; a long scenario
        # name (a user's file) folds onto a second line rather than losing its end.
        first = name == "scenario"
        table.add_column(name, justify="right" if justify == "r" else "left",
                         no_wrap=not first, overflow="fold" if first else "ellipsis")
    return table


def scenario_table(result: ValidationResult) -> Table:
    """One row per scenario: runs, verified success, false successes, durations, how many
    runs returned by the deadline, and the verdict. (Failure reasons are listed apart.)"""
    table = _table(
        f"Client: {result.runs} runs per scenario, target {_pct(result.target)}, "
        f"deadline {result.policy.deadline:g} s",
        [("scenario", "l"), ("runs", "r"), ("verified\n(95% CI)", "r"), ("false\nsucc.", "r"),
         ("p50/p95/p99\n/max s", "r"), ("by\ndeadline", "r"),
         ("verdict", "l")],
    )
    for s in result.scenarios:
        c = s.client
        d = c.durations
        low, high = c.success_interval
        table.add_row(
            s.title,
            str(c.runs),
            # The rate, and under it the 95% Wilson interval: how sure the rate is.
            f"{_pct(c.success_rate)}\n{_pct(low).rstrip('%')}–{_pct(high).rstrip('%')}",
            Text(str(c.false_successes), style="bold red" if c.false_successes else ""),
            "/".join(_secs(v) for v in (d.p50, d.p95, d.p99, d.max)),
            "all" if c.all_within_deadline else f"{c.within_deadline}",
            Text(_VERDICT_LABELS[s.verdict], style=_VERDICT_STYLES[s.verdict]),
        )
    return table


def seed_table(result: ValidationResult) -> Table | None:
    """The seed script beside the client on the same seeds (None if not compared)."""
    if not any(s.seed_script for s in result.scenarios):
        return None
    table = _table(
        "The seed script on the same seeds (it has no deadline)",
        [("scenario", "l"), ("says\nrestarted", "r"), ("false\nsucc.", "r"),
         ("verified", "r"), ("max s", "r"), ("client\nverified", "r"),
         ("client\nfalse succ.", "r")],
    )
    for s in result.scenarios:
        seed = s.seed_script
        if seed is None:
            continue
        table.add_row(
            s.title,
            _pct(seed.reported_successes / seed.runs if seed.runs else 0.0),
            Text(str(seed.false_successes), style="bold red" if seed.false_successes else ""),
            _pct(seed.success_rate),
            _secs(seed.durations.max),
            _pct(s.client.success_rate),
            str(s.client.false_successes),
        )
    return table


def recommendation_table(result: ValidationResult) -> Table | None:
    """Each knob: the current value, the smallest value reaching the target, the deadline
    that goes with it, the scenario that needs it most, and where it is unreachable."""
    rec = result.recommendation
    if rec is None:
        return None
    table = _table(
        f"Smallest values reaching {_pct(rec.target)} in every scenario (the other knob "
        "unchanged)",
        [("flag", "l"), ("now s", "r"), ("smallest s", "r"), ("with\n--deadline", "r"),
         ("needed by", "l"), ("unreachable\nin", "l")],
    )
    for k in rec.knobs:
        table.add_row(
            _flag(k.knob),
            _secs(k.current),
            "unreachable" if k.value is None else _secs(k.value),
            "" if k.deadline is None else _secs(k.deadline),
            ", ".join(k.limiting),
            ", ".join(k.unreachable),
        )
    return table


def _reason_lines(result: ValidationResult) -> Text | None:
    lines = Text()
    for s in result.scenarios:
        if not s.client.reasons or s.verdict is Verdict.CORRECTLY_FAILS:
            continue
        lines.append(f"{s.title}:\n", style="bold")
        for reason, count in s.client.reasons[:3]:
            lines.append(f"  {count:>5} × {reason}\n")
    if not lines.plain:
        return None
    heading = Text("Why client runs did not succeed (a range where runs differ):\n",
                   style="italic")
    return heading + lines


def render(result: ValidationResult) -> RenderableType:
    """Everything the CLI prints without ``--json``: tables, reasons, verdict."""
    parts: list[RenderableType] = [header(result), scenario_table(result)]
    reasons = _reason_lines(result)
    if reasons is not None:
        parts.append(reasons)
    for extra in (seed_table(result), recommendation_table(result)):
        if extra is not None:
            parts.append(extra)
    for warning in result.warnings:
        parts.append(Text(f"warning: {warning}", style="bold yellow"))
    parts.append(Text(verdict_text(result), style="bold" if result.passed else ""))
    return RenderGroup(*parts)


def header(result: ValidationResult) -> Text:
    """What was validated: the policy as the flags that give it (so it can be pasted into
    ``run``), and each scenario's restarted machines."""
    flags = policy_flags(result.policy)
    by_scenario: dict[str, list[str]] = {}
    for s in result.scenarios:
        by_scenario.setdefault(s.name, []).extend(s.machines)
    machines = "; ".join(f"{name}: {', '.join(m) or '?'}" for name, m in by_scenario.items())
    text = Text("Policy: ", style="bold")
    text.append(flags)
    text.append("\nRestarted: ", style="bold")
    text.append(machines)
    return text


def verdict_text(result: ValidationResult) -> str:
    """Return the one-paragraph verdict in plain English."""
    possible = [s for s in result.scenarios if s.impossible is None]
    impossible = [s for s in result.scenarios if s.impossible is not None]
    policy = result.policy
    sentences = [_headline(result, possible)]
    false_total = sum(s.client.false_successes for s in result.scenarios)
    if false_total == 0:
        sentences.append("The client never reported a restart that did not happen.")
    for s in impossible:
        sentences.append(_impossible_sentence(s, policy.deadline))
    over = [s for s in result.scenarios if not s.client.all_within_deadline]
    if over:
        sentences.append(
            "Runs went past the deadline in " + ", ".join(s.title for s in over)
            + ": the client must always return by it, so this is a bug in restart-tentacle."
        )
    if result.recommendation is not None:
        sentences.append(_advice(result))
    seed = _seed_sentence(result)
    if seed:
        sentences.append(seed)
    return " ".join(sentences)


def _headline(result: ValidationResult, possible: list[ScenarioResult]) -> str:
    unsafe = [s for s in result.scenarios if s.verdict is Verdict.FALSE_SUCCESS]
    if unsafe:
        total = sum(s.client.false_successes for s in unsafe)
        return (
            f"✘ Unsafe: the client reported {total} restart(s) that did not happen (in "
            f"{', '.join(s.title for s in unsafe)}). That is a bug in restart-tentacle, not "
            "a timeout to tune: report it with the seeds (false_success_seeds in --json)."
        )
    runs = sum(s.client.runs for s in possible)
    verified = sum(s.client.successes for s in possible)
    overall = verified / runs if runs else 0.0
    count = f"{len(possible)} scenario{'s' if len(possible) != 1 else ''}"
    within = f"within the {result.policy.deadline:g} s deadline"
    low = [s for s in possible if s.verdict is Verdict.BELOW_TARGET]
    if low:
        worst = ", ".join(f"{s.title} ({_pct(s.client.success_rate)})" for s in low)
        return (
            f"✘ Your timeouts are too short for some scenarios: {_pct(overall)} of restarts "
            f"were verified {within} across {count}, but {worst} "
            f"{'falls' if len(low) == 1 else 'fall'} below the {_pct(result.target)} target."
        )
    if not possible:
        if result.passed:
            return ("✔ No scenario here can succeed by construction, so only safety was "
                    "judged, and it held.")
        return "✘ No scenario here can succeed by construction, and the client misbehaved."
    if not result.passed:
        return f"✘ {_pct(overall)} of restarts were verified {within} across {count}."
    return (
        f"✔ Your timeouts hold: {_pct(overall)} of restarts were verified {within} across "
        f"{count} (target {_pct(result.target)} in each)."
    )


def _impossible_sentence(s: ScenarioResult, deadline: float) -> str:
    reason = f"success is impossible there ({s.impossible})"
    if s.verdict is Verdict.CORRECTLY_FAILS:
        return (
            f"{s.title}: {reason}, and the client correctly gave up by its {deadline:g} s "
            "deadline every time: the right answer, not a policy problem."
        )
    return f"{s.title}: {reason}, but the client did not fail cleanly ({s.verdict.value})."


def _advice(result: ValidationResult) -> str:
    rec = result.recommendation
    assert rec is not None
    raises = [k for k in rec.knobs if k.value is not None and k.value > k.current]
    parts = [_knob_advice(k) for k in rec.knobs if k not in raises]
    if raises:
        # Raising either knob buys the same thing (more time after the restart): they are
        # alternatives, not steps to take together.
        parts.insert(0, "Raise " + " or, instead, ".join(_raise(k) for k in raises) + ".")
    return " ".join(parts) + (
        f" (Each knob on its own, predicted from the {rec.runs} runs per scenario and "
        f"checked on {rec.check_runs} real runs; confirm a change with a full run using "
        "those flags.)"
    )


def _raise(k: KnobRecommendation) -> str:
    assert k.value is not None and k.deadline is not None
    needed = f"; {_names(k.limiting)} {'needs' if len(k.limiting) == 1 else 'need'} it" if (
        k.limiting) else ""
    text = (f"the {knob(k.knob).label} to {k.value:g} s ({_flag(k.knob)} {k.value:g} "
            f"--deadline {k.deadline:g}{needed})")
    return text + (f", though {_missing(k)}" if k.unreachable else "")


def _knob_advice(k: KnobRecommendation) -> str:
    name, flag = knob(k.knob).label, _flag(k.knob)
    if k.value is None:
        return f"No {name} reaches the target: {_missing(k)}."
    assert k.deadline is not None
    flags = f"{flag} {k.value:g} --deadline {k.deadline:g}"
    needed = f"; {_names(k.limiting)} {'needs' if len(k.limiting) == 1 else 'need'} it" if (
        k.limiting) else ""
    if k.value < k.current:
        text = f"The {name} could shrink from {k.current:g} s to {k.value:g} s ({flags}{needed})"
    else:
        text = f"The {name} of {k.current:g} s is already the smallest that works{needed}"
    return text + (f", though {_missing(k)}." if k.unreachable else ".")


def _missing(k: KnobRecommendation) -> str:
    # Unreachable means even the largest value on the grid was predicted or run and missed.
    verb = "misses" if len(k.unreachable) == 1 else "miss"
    return (f"{_names(k.unreachable)} {verb} the target even at "
            f"{max(*GRIDS[k.knob], k.current):g} s")


def _names(names: tuple[str, ...]) -> str:
    return ", ".join(names)


def _seed_sentence(result: ValidationResult) -> str:
    compared = [(s, s.seed_script) for s in result.scenarios if s.seed_script is not None]
    if not compared:
        return ""
    false_in = [(s.title, seed) for s, seed in compared if seed.false_successes]
    runs = sum(seed.runs for _, seed in compared)
    verified = sum(seed.successes for _, seed in compared)
    base = f"The seed script, on the same seeds, verified {_pct(verified / runs)} of restarts"
    if not false_in:
        return base + " and never reported one falsely."
    where = ", ".join(f"{name} {_false_rate(seed)}" for name, seed in false_in)
    return (
        f"{base}, and reported success although the Tentacle did not restart in {where}: "
        "it takes a successful restart task as proof."
    )


def _false_rate(seed: Summary) -> str:
    return f"({seed.false_successes}/{seed.runs} runs)"
