"""Every Python block in README.md runs as a user's test file would, and all its tests pass."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_readme_has_python_examples() -> None:
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("index", range(len(BLOCKS)), ids=lambda i: f"block{i}")
def test_readme_block(index: int, pytester: pytest.Pytester) -> None:
    # Module-level code runs at collection; the sentinel proves the file ran to its end.
    source = BLOCKS[index] + "\n\ndef test_readme_block_ran_to_the_end():\n    pass\n"
    pytester.makepyfile(**{f"test_readme_block{index}": source})
    result = pytester.runpytest("-p", "no:cacheprovider")
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == outcomes.get("errors", 0) == 0, result.stdout.str()
    assert outcomes.get("passed", 0) >= 1
