"""Per-test URLs: a path prefix ``/t/<n>`` that tells which test a delivery was sent for, even when it comes late.

:meth:`CaptureServer.isolate <pytest_jobhooks.CaptureServer.isolate>` opens
scope ``n``: from then on the server's ``url`` and ``url_for()`` carry the
prefix. A request to the current scope's prefix is recorded with the prefix
stripped (so path assertions see the path the sender was given); one to an
earlier scope's prefix arrived after its test ended: it is kept apart, with the
scope's label, and never shown as a delivery of the current test. Paths with
no prefix, or a prefix never handed out, are recorded as they are.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

PREFIX = "/t/"


@dataclass(frozen=True)
class Route:
    """Where a request's path belongs: the path to record, and the label of the ended scope it was sent for."""

    path: str
    late_for: str | None


class Scopes:
    """The scopes a server handed out: their labels, and which one is current."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._labels: dict[str, str] = {}  # the number, as it appears in the path -> label
        self._current: str | None = None

    @property
    def prefix(self) -> str:
        """The current scope's path prefix (``/t/3``), or ``""`` before the first scope."""
        current = self._current
        return f"{PREFIX}{current}" if current is not None else ""

    def open(self, label: str) -> str:
        """Open a new current scope labelled ``label`` (e.g. a test's node id); returns its prefix."""
        with self._lock:
            number = str(len(self._labels) + 1)
            self._labels[number] = label
            self._current = number
        return self.prefix

    def close(self) -> None:
        """No scope is current any more: every scope's URLs are late from now on."""
        self._current = None

    def route(self, path: str) -> Route:
        """Where a request for ``path`` belongs (its path unchanged unless it starts with a handed-out prefix)."""
        if not path.startswith(PREFIX):
            return Route(path, None)
        number, slash, rest = path[len(PREFIX) :].partition("/")
        label = self._labels.get(number)
        if label is None:
            return Route(path, None)
        stripped = slash + rest or "/"
        return Route(stripped, None if number == self._current else label)
