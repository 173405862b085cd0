"""Every Python block in README.md runs, and every test function it defines passes."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_readme_has_python_examples() -> None:
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("index", range(len(BLOCKS)), ids=lambda i: f"block{i}")
def test_readme_block(index: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # A real module, as a user's conftest would be: pydantic resolves annotations through it.
    module = types.ModuleType(f"readme_block{index}")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    exec(compile(BLOCKS[index], f"README.md[python block {index}]", "exec"), module.__dict__)
    for name, value in list(module.__dict__.items()):
        if name.startswith("test_") and callable(value):
            value()
