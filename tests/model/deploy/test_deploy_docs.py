"""docs/deployments.md: its example runs as shown and prints what it says."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[3] / "docs" / "deployments.md"


def test_the_walk_through_runs_and_prints_its_comment() -> None:
    # The walk-through is the first example; "The recipe's whole story" has its own test
    # (tests/e2e/test_seed_deployment.py).
    code = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)[0]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(DOC), "exec"), {})
    printed = re.search(r"^# (\[\(.*)$", code, re.M)
    assert printed is not None
    assert out.getvalue().strip() == printed.group(1)
