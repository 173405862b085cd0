"""The package's layers point one way: no import cycle, no import of a higher layer (ARCHITECTURE.md, rule 2).

The import graph is built from the AST, function-local imports included; only
imports under ``if TYPE_CHECKING:`` are left out (they never run).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests._imports import runtime_import_nodes

PACKAGE = Path(__file__).resolve().parent.parent / "pytest_jobhooks"

# Lowest first. A module may import modules of its own feature and of lower layers only.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors",),
    ("_json",),
    ("_checks",),
    ("_seeds", "wire"),
    ("vendors",),
    ("catalog",),
    ("signing",),
    ("deliveries",),
    ("factories",),
    ("server", "sender"),  # peers: the sender reaches a capture server through what it offers, not its class
    ("assertions",),
    ("recordings",),
    ("contract",),
    ("devloop",),  # listen / trigger / replay: the cli registers them as subcommands
    ("cli", "strategies", "fakes"),
    ("_plugin",),
    ("plugin", "__main__", ""),
)
RANK = {feature: rank for rank, features in enumerate(LAYERS) for feature in features}


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    package = [part for part in package if part]
    targets: set[str] = set()
    for node in runtime_import_nodes(path):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.startswith("pytest_jobhooks"):
                module = node.module.removeprefix("pytest_jobhooks").lstrip(".")
            else:
                continue
            candidates = [module] + [f"{module}.{alias.name}".lstrip(".") for alias in node.names]
        else:
            candidates = [
                alias.name.removeprefix("pytest_jobhooks").lstrip(".")
                for alias in node.names
                if alias.name.startswith("pytest_jobhooks")
            ]
        for target in candidates:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target != name and (target or candidates == [""]):
                targets.add(target)
    return targets


GRAPH = {name: imports(name, path, set(modules())) for name, path in modules().items()}


def feature(name: str) -> str:
    return name.split(".")[0]


def test_every_module_has_a_layer() -> None:
    assert sorted({feature(name) for name in GRAPH} - set(RANK)) == []


@pytest.mark.parametrize("name", sorted(GRAPH))
def test_imports_point_down(name: str) -> None:
    upward = [
        target
        for target in sorted(GRAPH[name])
        if feature(target) != feature(name) and RANK.get(feature(target), 0) >= RANK.get(feature(name), 0)
    ]
    assert upward == [], f"{name} imports from its own layer or above: {upward}"


def test_no_import_cycles() -> None:
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for target in sorted(GRAPH.get(node, ())):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target)
        path.pop()
        state[node] = 2

    for node in sorted(GRAPH):
        if node not in state:
            visit(node)
    assert cycles == []


def test_package_stays_small_and_modules_short() -> None:
    flat = sorted(path.name for path in PACKAGE.glob("*.py"))
    assert len(flat) <= 15, flat
    long = {name: n for name, path in modules().items() if (n := len(path.read_text().splitlines())) > 400}
    assert long == {}
