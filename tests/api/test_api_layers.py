"""The API layer's imports, read from the source (every import: top level, under
TYPE_CHECKING, inside functions): nothing above it, and no cycle inside it."""

from __future__ import annotations

import ast
from pathlib import Path

import octosim.api

API = Path(octosim.api.__file__).parent
#: The layers above the API, and the client it is tested with (DESIGN.md §1).
ABOVE = ("octosim.simulation", "octosim.transport", "octosim.delivery", "octosim.server",
         "octosim.scenario", "octosim.plugin", "restart")


def _module(path: Path) -> str:
    return "octosim.api" if path.stem == "__init__" else f"octosim.api.{path.stem}"


def _imports() -> dict[str, set[str]]:
    """Module → every module it imports (``from octosim.api import x`` counts as x)."""
    modules = {_module(p) for p in API.glob("*.py")}
    graph: dict[str, set[str]] = {}
    for path in API.glob("*.py"):
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
                found.update(f"{node.module}.{a.name}" for a in node.names
                             if f"{node.module}.{a.name}" in modules)
        graph[_module(path)] = found
    return graph


def test_the_api_imports_nothing_above_it() -> None:
    wrong = {
        (module, name)
        for module, names in _imports().items()
        for name in names
        if any(name == above or name.startswith(f"{above}.") for above in ABOVE)
    }
    assert not wrong, f"the API layer must not import the layers above it: {sorted(wrong)}"


def test_the_api_has_no_import_cycle() -> None:
    graph = _imports()
    # The package's own __init__ only re-exports; importing a submodule is not a use of it.
    inner = {m: {n for n in names if n in graph and n != "octosim.api"}
             for m, names in graph.items()}
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            cycle = [*path[path.index(module):], module]
            raise AssertionError(f"import cycle: {' → '.join(cycle)}")
        if module in done:
            return
        for name in sorted(inner[module]):
            visit(name, [*path, module])
        done.add(module)

    for module in sorted(inner):
        visit(module, [])
