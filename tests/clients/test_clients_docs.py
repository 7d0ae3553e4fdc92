"""Every test module in docs/clients.md runs and passes, as the page promises."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs" / "clients.md"
BLOCK = re.compile(r"```python\n# (test_\w+\.py)\n(.*?)```", re.DOTALL)


def test_every_example_on_the_clients_page_passes(pytester: pytest.Pytester) -> None:
    modules = dict(BLOCK.findall(DOCS.read_text(encoding="utf-8")))
    assert len(modules) >= 5, sorted(modules)
    for name, source in modules.items():
        pytester.path.joinpath(name).write_text(source, encoding="utf-8")
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == 0, result.stdout.str()
    assert result.parseoutcomes().get("passed", 0) == len(modules)
