"""The verdict a newcomer reads, for results built by hand (no simulation)."""

from __future__ import annotations

import io

from rich.console import Console

from restart.policy import RestartPolicy
from restart.report import Outcome
from restart.validate import ScenarioResult, ValidationResult, Verdict
from restart.validate_stats import RunRecord, summarise
from restart.validate_view import render, verdict_text


def scenario(name: str, verdict: Verdict, runs: list[RunRecord],
             impossible: str | None = None) -> ScenarioResult:
    return ScenarioResult(name, impossible, verdict, summarise(runs, 330.0), tuple(runs))


def result(*scenarios: ScenarioResult) -> ValidationResult:
    return ValidationResult(RestartPolicy(), 0.99, 4, 0, scenarios, None, 4)


def ok(seed: int) -> RunRecord:
    return RunRecord(seed, seed, Outcome.RESTARTED, 50.0, "", True, True, True, 20.0)


def false_success(seed: int) -> RunRecord:
    return RunRecord(seed, seed, Outcome.RESTARTED, 40.0, "", False, True, True, 10.0)


def gave_up(seed: int, duration: float = 315.0) -> RunRecord:
    return RunRecord(seed, seed, Outcome.TIMED_OUT, duration, "timed out", False, False, False)


def test_a_false_success_is_called_unsafe_whatever_the_rate() -> None:
    r = result(scenario("default", Verdict.FALSE_SUCCESS,
                        [ok(0), ok(1), ok(2), false_success(3)]))
    text = verdict_text(r)
    assert text.startswith("✘ Unsafe: the client reported 1 restart(s) that did not happen")
    assert "never reported" not in text
    assert not r.passed


def test_running_past_the_deadline_is_a_bug_not_a_timeout() -> None:
    r = result(scenario("slow", Verdict.OVER_DEADLINE, [ok(0), gave_up(1, duration=331.0)]))
    text = verdict_text(r)
    assert text.startswith("✘ ")
    assert "Runs went past the deadline in slow" in text


def test_only_impossible_scenarios() -> None:
    r = result(scenario("never-returns", Verdict.CORRECTLY_FAILS, [gave_up(0), gave_up(1)],
                        impossible="every start fails"))
    text = verdict_text(r)
    assert text.startswith("✔ No scenario here can succeed by construction")
    assert "never-returns: success is impossible there (every start fails)" in text


def test_render_fits_80_columns() -> None:
    r = result(
        scenario("flaky-network-with-a-long-name", Verdict.PASS, [ok(i) for i in range(4)]),
        scenario("never-returns", Verdict.CORRECTLY_FAILS, [gave_up(0)], impossible="x"),
    )
    out = io.StringIO()
    Console(file=out, width=80, color_system=None).print(render(r))
    lines = out.getvalue().splitlines()
    table = lines[: lines.index(next(line for line in lines if line.startswith("✔")))]
    assert all(len(line) <= 80 for line in table)
    assert "long-name" in out.getvalue() and "…" not in out.getvalue()  # folded, not cut
