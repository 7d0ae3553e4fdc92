"""The seed's ScriptBody, byte for byte, in both places that carry it."""

from __future__ import annotations

from pathlib import Path

import pytest

from octosim.model.scripts import SEED_SCRIPT_BODY, DetachedRestart, ScriptSyntax, interpret
from restart.seedport import SEED_RESTART_SCRIPT

SEED_FILE = Path(__file__).resolve().parents[2] / "shared" / "seed" / "restart-tentacle.ps1"


def test_simulator_and_seed_port_carry_the_same_body() -> None:
    assert SEED_SCRIPT_BODY == SEED_RESTART_SCRIPT
    assert "-Command \u00a0`" in SEED_SCRIPT_BODY


@pytest.mark.skipif(not SEED_FILE.exists(), reason="../shared/seed is not beside this checkout")
def test_body_matches_the_seed_file_exactly() -> None:
    line = next(
        line for line in SEED_FILE.read_text(encoding="utf-8").splitlines()
        if line.startswith("$script = '")
    )
    # A PowerShell single-quoted string: strip the quotes, undo '' doubling.
    assert line[len("$script = '") : -1].replace("''", "'") == SEED_SCRIPT_BODY


def test_exact_body_is_a_detached_restart_of_named_instances_only() -> None:
    (effect,) = interpret(SEED_SCRIPT_BODY, ScriptSyntax.PowerShell)
    assert isinstance(effect, DetachedRestart)
    assert effect.delay_seconds == 3
    assert [t.name for t in effect.targets] == ["OctopusDeploy Tentacle:*"]
