"""The model's imports, read with ``ast``: no cycle among its modules, and nothing from the
layers above it. Every import counts: those under ``TYPE_CHECKING`` and inside functions
too, since a cycle there is still two modules that cannot be understood apart."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import octosim.model

MODEL = Path(octosim.model.__file__).parent
#: What the model may import from the rest of octosim: the layers below it.
BELOW = ("octosim.clock", "octosim.journal")


def module_name(path: Path) -> str:
    parts = path.relative_to(MODEL.parent.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every module ``path`` imports (absolute names), wherever the import is."""
    package = module_name(path)
    if path.name != "__init__.py":
        package = package.rsplit(".", 1)[0]
    return imports_in(path.read_text(encoding="utf-8"), package)


def imports_in(source: str, package: str) -> set[str]:
    """Every module ``source`` (a module of ``package``) imports, wherever the import is."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def model_graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in MODEL.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        graph[name] = {m for m in imports_of(path) if m in modules and m != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return the strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_model_has_no_import_cycle() -> None:
    # The package __init__ re-exports its modules, so it is left out: a module importing
    # ``octosim.model`` itself would be caught by the next test's rule instead.
    graph = {k: v - {"octosim.model"} for k, v in model_graph().items()
             if k != "octosim.model"}
    assert cycles(graph) == []


def test_model_modules_import_only_the_model_and_the_layers_below() -> None:
    wrong = []
    for path in MODEL.rglob("*.py"):
        for name in imports_of(path):
            if name == "octosim.model" and path.name != "__init__.py":
                wrong.append(f"{module_name(path)} imports the package octosim.model")
            elif (name.startswith(("octosim", "restart"))
                  and not name.startswith("octosim.model")
                  and not name.startswith(BELOW)):
                wrong.append(f"{module_name(path)} imports {name}")
    assert wrong == []


@pytest.mark.parametrize(("graph", "expected"), [
    ({"a": {"b"}, "b": {"a"}, "c": set()}, [["a", "b"]]),
    ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, [["a", "b", "c"]]),
])
def test_the_cycle_finder_finds_cycles(graph: dict[str, set[str]],
                                       expected: list[list[str]]) -> None:
    assert cycles(graph) == expected


def test_imports_inside_functions_and_type_checking_count() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from octosim.model.engine import TaskEngine\n"
        "def f():\n    from .adhoc import AdHocScriptExecutor\n"
    )
    found = imports_in(source, "octosim.model")
    assert {"octosim.model.engine", "octosim.model.adhoc"} <= found
