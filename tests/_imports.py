"""The import statements of a module that run: every one, function-local ones included, but those under
``if TYPE_CHECKING:`` (they never run). Shared by the layer and dependency tests."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path


def runtime_import_nodes(path: Path) -> Iterator[ast.Import | ast.ImportFrom]:
    """Each ``import`` / ``from ... import`` of the module at ``path`` that can run."""
    tree = ast.parse(path.read_text())
    skipped = {
        id(child)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for child in ast.walk(node)
    }
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in skipped:
            yield node
