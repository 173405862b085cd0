"""The ``jobhooks`` option group that every feature adds its options to."""

from __future__ import annotations

import pytest

GROUP = "jobhooks"


def pytest_addoption(parser: pytest.Parser) -> None:
    """Create the ``jobhooks`` option group with its description."""
    parser.getgroup(GROUP, "job-status webhook testing (pytest-jobhooks)")
