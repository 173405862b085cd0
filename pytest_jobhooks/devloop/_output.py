"""How the development-loop commands write: one line per delivery or attempt, through rich (colour on a terminal)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

_STYLES = {"valid": "green", "drift": "yellow", "invalid": "bold red", "signature": "bold red", "unknown": "dim"}


def console() -> Console:
    """A console on standard output: colours on a terminal, plain lines (never wrapped) otherwise."""
    from rich.console import Console

    return Console(file=sys.stdout, highlight=False, soft_wrap=True, emoji=False)


def say(out: Console, *parts: tuple[str, str | None]) -> None:
    """Print one line of ``(text, style)`` parts joined by two spaces, and flush (a reader may be waiting on it)."""
    from rich.text import Text

    line = Text()
    for index, (text, style) in enumerate(parts):
        if index:
            line.append("  ")
        line.append(text, style=style)
    out.print(line)
    out.file.flush()


def verdict_style(verdict: str) -> str | None:
    """The style of a verdict word (``valid``, ``drift``, ``invalid``, ``signature``, ``unknown``)."""
    return _STYLES.get(verdict)


def answer_style(status: int | None) -> str:
    """Green for a 2xx answer, red otherwise."""
    return "green" if status is not None and 200 <= status < 300 else "red"
