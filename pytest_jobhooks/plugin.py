"""pytest wiring of pytest-jobhooks, registered through the ``pytest11`` entry point as ``jobhooks``.

Each feature keeps its options, markers and fixtures in its own module under
``_plugin/``; this module only loads them. None of them imports anything heavy
at start-up: the library is loaded when a fixture or hook first needs it.
"""

from __future__ import annotations

__all__ = ["pytest_plugins"]

pytest_plugins = [
    "pytest_jobhooks._plugin.options",
    "pytest_jobhooks._plugin.seeds",
    "pytest_jobhooks._plugin.vendors",
    "pytest_jobhooks._plugin.factories",
    "pytest_jobhooks._plugin.server",
    "pytest_jobhooks._plugin.serve",
    "pytest_jobhooks._plugin.late",
    "pytest_jobhooks._plugin.sender",
    "pytest_jobhooks._plugin.recordings",
    "pytest_jobhooks._plugin.contract",
    "pytest_jobhooks._plugin.report",
    "pytest_jobhooks._plugin._xdist",
    "pytest_jobhooks._plugin._reports",
]
