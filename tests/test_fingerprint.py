"""The simulator's behaviour stays what ``tests/data/fingerprint.json`` pins (see
``tests/fingerprint.py``: every preset × seeds 0–5 × sync, async, direct and the seed port)."""

from __future__ import annotations

import json

import pytest

from tests.fingerprint import PINNED, cases, fingerprint

_PINNED: dict[str, str] = json.loads(PINNED.read_text())


def test_every_case_is_pinned() -> None:
    assert sorted(_PINNED) == sorted(f"{p}/{s}/{d}" for p, s, d in cases())


@pytest.mark.parametrize(("preset", "seed", "driver"), list(cases()))
def test_behaviour_matches_the_pinned_fingerprint(preset: str, seed: int, driver: str) -> None:
    assert fingerprint(preset, seed, driver) == _PINNED[f"{preset}/{seed}/{driver}"], (
        "the simulator's journal, response bodies or outcome changed for this case. If the "
        "change is deliberate, re-pin with `python -m tests.fingerprint --update` in a commit "
        "that says why."
    )
