"""Every test module in docs/pytest.md runs and passes, as the page promises."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs" / "pytest.md"
#: A fenced python block whose first line names a test module: ```python\n# test_x.py\n...```
BLOCK = re.compile(r"```python\n# (test_\w+\.py)\n(.*?)```", re.DOTALL)


def test_every_example_on_the_pytest_page_passes(pytester: pytest.Pytester) -> None:
    modules = dict(BLOCK.findall(DOCS.read_text(encoding="utf-8")))
    assert len(modules) >= 15, sorted(modules)  # one per fixture, the marker, strategies...
    for name, source in modules.items():
        pytester.path.joinpath(name).write_text(source, encoding="utf-8")
    result = pytester.runpytest("-p", "no:cacheprovider")
    outcomes = result.parseoutcomes()
    assert result.ret == 0, result.stdout.str()
    assert outcomes.get("passed", 0) >= len(modules) and "failed" not in outcomes
