"""docs/deployment-tasks.md: its example runs as shown and prints what it says."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[3] / "docs" / "deployment-tasks.md"


def test_the_python_action_example_runs_and_prints_its_comment() -> None:
    [code] = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(DOC), "exec"), {})
    printed = re.search(r"^# (Success .*)$", code, re.M)
    assert printed is not None
    assert out.getvalue().strip() == printed.group(1)
