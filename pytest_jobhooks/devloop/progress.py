"""A progress bar for long command-line work (``validate`` over large recordings), drawn by rich.

Shown only when standard error is a terminal and the file is large enough to
wait for; otherwise the path is handed on untouched and nothing is drawn, so
piped output and CI logs stay clean.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

__all__ = ["LARGE", "read_with_progress"]

LARGE = 1024 * 1024
"""Files from this size (bytes) on get a progress bar."""


class _Counting:
    """A binary stream that advances a progress bar by the bytes read through it."""

    def __init__(self, stream: IO[bytes], progress: Progress, task: TaskID) -> None:
        self._stream = stream
        self._progress = progress
        self._task = task

    def readline(self, size: int = -1) -> bytes:
        data = self._stream.readline(size)
        self._progress.advance(self._task, len(data))
        return data

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        self._progress.advance(self._task, len(data))
        return data

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


@contextlib.contextmanager
def read_with_progress(path: str, *, large: int = LARGE) -> Iterator[str | IO[bytes]]:
    """``path`` itself, or on a terminal for a large regular file, the open file drawing a progress bar as read."""
    from rich.console import Console

    console = Console(stderr=True)
    try:
        info = os.stat(path) if path != "-" else None
    except OSError:
        info = None
    if not console.is_terminal or info is None or not stat.S_ISREG(info.st_mode) or info.st_size < large:
        yield path
        return
    try:
        stream = open(path, "rb")  # noqa: SIM115 - closed below, after the bar
    except OSError:
        yield path  # the checker reports why it cannot be read
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn())
    with stream, Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(os.path.basename(path), total=info.st_size)
        yield _Counting(stream, progress, task)  # type: ignore[misc]
