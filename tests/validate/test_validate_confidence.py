"""How sure validate is: Wilson intervals, too few runs for --target, what was validated."""

from __future__ import annotations

import io
import json

import pytest

from restart.commands import main
from restart.validate_stats import CONFIDENCE_Z, fewest_runs_for, wilson_interval


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["validate", "--workers", "1", "--no-recommend", "-q", *argv],
                stdout=out, stderr=err, env={})
    return code, out.getvalue(), err.getvalue()


def test_wilson_interval_values() -> None:
    low, high = wilson_interval(875, 1000)
    assert low == pytest.approx(0.85306, abs=1e-4) and high == pytest.approx(0.89407, abs=1e-4)
    assert wilson_interval(0, 0) == (0.0, 1.0)
    assert wilson_interval(0, 10)[0] == 0.0 and wilson_interval(10, 10)[1] == 1.0
    # n of n: the lower bound is n / (n + z^2), not 100%.
    assert wilson_interval(50, 50)[0] == pytest.approx(50 / (50 + CONFIDENCE_Z**2))


def test_fewest_runs_is_the_first_that_can_show_the_target() -> None:
    n = fewest_runs_for(0.99)
    assert n == 381
    assert wilson_interval(n, n)[0] >= 0.99 > wilson_interval(n - 1, n - 1)[0]
    with pytest.raises(ValueError, match="target below 1"):
        fewest_runs_for(1.0)


def test_too_few_runs_for_the_target_are_warned_about() -> None:
    code, out, _ = run("--scenario", "default", "--runs", "20")
    text = " ".join(out.split())
    assert code == 0
    assert ("warning: 20 runs per scenario are too few to show a 99.0% target: even 20 "
            "verified of 20 leave a 95% interval down to 83.9%; use --runs 381 or more") in text


def test_enough_runs_and_json_carry_intervals_and_warnings() -> None:
    code, out, _ = run("--scenario", "default", "--runs", "20", "--json")
    document = json.loads(out)
    assert code == 0 and document["warnings"]
    low, high = document["scenarios"][0]["client"]["success_interval"]
    assert low == pytest.approx(20 / (20 + CONFIDENCE_Z**2)) and high == 1.0
    assert document["scenarios"][0]["machines"] == ["web-01"]
    code, out, _ = run("--scenario", "default", "--runs", "20", "--target", "0.8", "--json")
    assert json.loads(out)["warnings"] == []


def test_header_names_the_policy_as_flags_and_the_machines() -> None:
    _, out, _ = run("--scenario", "default", "--scenario", "linux", "--runs", "5",
                    "--wait", "12", "--instance", "Tentacle")
    text = " ".join(out.split())
    assert "Policy: --deadline 330 --poll-interval 5" in text
    assert "--wait 12" in text and "--instance Tentacle" in text
    assert "Restarted: default: web-01; linux: app-01" in text
    assert "(95% CI)" in text
