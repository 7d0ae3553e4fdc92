"""The layers of docs/architecture.md hold: imports only look down, and nothing imports in a
circle.

Every import counts: module level, under ``TYPE_CHECKING`` and inside functions, because
each is a dependency a reader has to hold in their head, whenever Python happens to run it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("octosim", "restart")

#: Each module's layer: the longest matching prefix wins. A module may import modules of
#: its own layer or below, never above. A module that matches no prefix fails the test:
#: place it in a layer here (and in docs/architecture.md).
LAYERS: dict[str, int] = {
    # the clock, the journal and fault rules know nothing else of octosim
    "octosim.clock": 0,
    "octosim.journal": 0,
    "octosim.faults": 0,
    "octosim.requestlog": 0,
    # the model: domain state and rules; no HTTP
    "octosim.model": 1,
    "octosim.options": 2,
    # what reads and builds worlds, and the REST surface: both below the edges
    "octosim.scenario": 3,
    "octosim.api": 3,
    # the seams to clients
    "octosim.delivery": 4,
    "octosim.transport": 5,
    "octosim.server": 7,
    "octosim.intercept": 5,
    # the roof
    "octosim.simulation": 6,
    # surfaces a user touches
    "octosim": 7,  # the package itself (exactly: its modules are each placed here)
    "octosim.__main__": 7,
    "octosim.cli": 7,
    "octosim.pytest": 7,
    "octosim.plugin": 7,
    "octosim.strategies": 7,
    "octosim.faker_provider": 7,
    "octosim.timepatch": 7,
    "octosim.aio": 7,
    "octosim.testing": 7,
    # the restart client sits on top: it may drive a simulation, never the other way round
    "restart": 8,
    "restart.drivers.inprocess": 8,  # Send <-> the simulated API, for every in-process edge
    "restart.flows": 8,  # a procedure as an engine flow, inside a simulation's tasks
    "restart.step_actions": 8,  # Octosim.RestartTentacle, a Python step action
    "restart.slot_timeline": 8,  # a finished simulation's task slots, as data
    "restart.slot_timeline_plot": 8,  # ... drawn (matplotlib, the plot extra), as validate_plot
    "restart.fleet": 8,  # many clients in one simulation, on its clock (issue 18)
    "restart.validate_fleet_plot": 8,  # a rollout's worst run drawn as task slots
    "restart.validate_fleet": 8,  # validate for a rollout: runs, sums, knobs, advice, view
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[_module_name(path)] = path
    return found


MODULES = _modules()


def _resolve(name: str) -> str | None:
    """The project module ``name`` refers to (a module, or a package's ``__init__``)."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def _imports(module: str, path: Path) -> Iterator[str]:
    yield from imports_in(path.read_text(), module, is_package=path.name == "__init__.py")


def imports_in(source: str, module: str, *, is_package: bool = False) -> Iterator[str]:
    """The project modules ``source`` (the text of ``module``) imports, wherever it does."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from package import module` names a module; `from module import name` not.
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            resolved = _resolve(target)
            # A package is always imported before its own modules: naming it adds nothing.
            if resolved is not None and not (module + ".").startswith(resolved + "."):
                yield resolved


GRAPH = {module: sorted(set(_imports(module, path))) for module, path in MODULES.items()}


def layer(module: str) -> int:
    """The layer of ``module`` (by the longest prefix in LAYERS)."""
    matches = [p for p in LAYERS
               if module == p or (p != "octosim" and module.startswith(p + "."))]
    if not matches:
        raise LookupError(f"{module} is in no layer: add it to LAYERS in {__file__}")
    return LAYERS[max(matches, key=len)]


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in GRAPH[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in GRAPH:
        if node not in index:
            visit(node)
    return found


def test_the_import_graph_is_read() -> None:
    assert "octosim.simulation" in GRAPH["octosim"]
    assert "octosim.model.engine" in GRAPH["octosim.simulation"]


def test_imports_inside_functions_and_under_type_checking_count() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from octosim.model.engine import TaskEngine\n"
        "def f():\n    from .adhoc import AdHocScriptExecutor\n"
    )
    found = set(imports_in(source, "octosim.model.health"))
    assert {"octosim.model.engine", "octosim.model.adhoc"} <= found


def test_no_import_cycles() -> None:
    assert _cycles() == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_only_look_down(module: str) -> None:
    upward = [f"{target} (layer {layer(target)})" for target in GRAPH[module]
              if layer(target) > layer(module)]
    assert upward == [], f"{module} (layer {layer(module)}) imports upward: {upward}"


def test_octosim_never_imports_restart() -> None:
    wrong = {m: [t for t in targets if t.startswith("restart")]
             for m, targets in GRAPH.items() if m.startswith("octosim")}
    assert {m: t for m, t in wrong.items() if t} == {}


def test_a_module_in_no_layer_is_refused() -> None:
    with pytest.raises(LookupError, match="add it to LAYERS"):
        layer("octosim.something_new")


def test_cycle_detection_finds_a_cycle() -> None:
    saved = dict(GRAPH)
    try:
        GRAPH["octosim.clock"] = ["octosim.journal"]
        GRAPH["octosim.journal"] = ["octosim.clock"]
        assert ["octosim.clock", "octosim.journal"] in _cycles()
    finally:
        GRAPH.clear()
        GRAPH.update(saved)
