"""Every third-party module the package imports is a dependency it declares (pyproject.toml).

A module that only comes in through another package's requirements can vanish
with that package's next release: svix 1.40-1.83 do not require
``standardwebhooks``, which the signing module imports.
"""

from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

from tests._imports import runtime_import_nodes

tomllib = pytest.importorskip("tomllib")

ROOT = Path(__file__).resolve().parent.parent
# Modules that are part of the declared package that ships them, pinned by it exactly.
PART_OF = {"pydantic_core": "pydantic", "pluggy": "pytest", "httpcore": "httpx", "jsonschema_rs": "jsonschema-rs"}


def runtime_imports() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "pytest_jobhooks").rglob("*.py"):
        for node in runtime_import_nodes(path):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                found.add(node.module.split(".")[0])
    return {name for name in found if name not in sys.stdlib_module_names and name != "pytest_jobhooks"}


def declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        requirements += extra
    return {re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower() for requirement in requirements}


def test_every_imported_module_is_declared() -> None:
    distributions = packages_distributions()
    undeclared = []
    for module in sorted(runtime_imports()):
        names = {PART_OF[module]} if module in PART_OF else {d.lower() for d in distributions.get(module, [module])}
        if not names & declared():
            undeclared.append(f"{module} (from {', '.join(sorted(names))})")
    assert undeclared == []


def test_svix_floor_requires_standardwebhooks() -> None:
    # svix 1.84 is the first release that itself depends on standardwebhooks.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    [svix] = [r for r in project["dependencies"] if r.startswith("svix")]
    floor = re.search(r">=\s*([\d.]+)", svix)
    assert floor is not None
    assert tuple(int(part) for part in floor.group(1).split(".")) >= (1, 84)
