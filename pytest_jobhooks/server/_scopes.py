"""Per-test URLs: a path prefix ``/t/<n>`` that tells which test a delivery was sent for, even when it comes late.

:meth:`CaptureServer.isolate <pytest_jobhooks.CaptureServer.isolate>` opens
scope ``n``: from then on the server's ``url`` and ``url_for()`` carry the
prefix. A request to the current scope's prefix is recorded with the prefix
stripped (so path assertions see the path the sender was given); one to an
earlier scope's prefix arrived after its test ended: it is kept apart, with the
scope's label, never shown as a delivery of the current test, and judged with
the settings in force when its scope ended (its test's secret, not the next
one's). Paths with no prefix, or a prefix never handed out, are recorded as
they are.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Generic, TypeVar

PREFIX = "/t/"
S = TypeVar("S")


@dataclass(frozen=True)
class Route(Generic[S]):
    """Where a request's path belongs: the path to record; for an ended scope, its label and settings then."""

    path: str
    late_for: str | None = None
    settings: S | None = None


class Scopes(Generic[S]):
    """The scopes a server handed out: their labels, the settings each ended with, and which one is current."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._labels: dict[str, str] = {}  # the number, as it appears in the path -> label
        self._ended: dict[str, S] = {}
        self._current: str | None = None

    @property
    def prefix(self) -> str:
        """The current scope's path prefix (``/t/3``), or ``""`` before the first scope."""
        current = self._current
        return f"{PREFIX}{current}" if current is not None else ""

    def open(self, label: str, settings: S) -> str:
        """Open a new current scope labelled ``label`` (a test's node id), ending the current one with ``settings``."""
        with self._lock:
            self._end(settings)
            number = str(len(self._labels) + 1)
            self._labels[number] = label
            self._current = number
        return self.prefix

    def close(self, settings: S) -> None:
        """End the current scope with ``settings``: every scope's URLs are late from now on."""
        with self._lock:
            self._end(settings)

    def _end(self, settings: S) -> None:
        if self._current is not None:
            self._ended[self._current] = settings
            self._current = None

    def route(self, path: str) -> Route[S]:
        """Where a request for ``path`` belongs (its path unchanged unless it starts with a handed-out prefix)."""
        if not path.startswith(PREFIX):
            return Route(path)
        number, slash, rest = path[len(PREFIX) :].partition("/")
        label = self._labels.get(number)
        if label is None:
            return Route(path)
        stripped = slash + rest or "/"
        if number == self._current:
            return Route(stripped)
        return Route(stripped, label, self._ended.get(number))
