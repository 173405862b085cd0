"""pytest wiring of pytest-jobhooks: options, ini settings, markers and fixtures.

Registered through the ``pytest11`` entry point as ``jobhooks``. It imports
nothing heavy at start-up: the library is loaded when a fixture first needs it.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the ``jobhooks`` option group (filled by the features that need options)."""
    parser.getgroup("jobhooks", "job-status webhook testing (pytest-jobhooks)")
