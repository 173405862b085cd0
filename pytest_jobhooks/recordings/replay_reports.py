"""What :func:`~pytest_jobhooks.replay` reports: the sender's batch report, plus the lines it could not send.

A replay never refuses a whole recording for one bad line: a line that is not
a record (not JSON, a malformed delivery, a format this version does not
read), a bare payload no vendor sends, or a recorded request no HTTP client
can send (a header name that is not a token, a value holding a line break)
is left out and listed as an :class:`UnsentLine`; every other line is sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..sender import BatchReport

__all__ = ["ReplayReport", "UnsentLine"]


@dataclass(frozen=True)
class UnsentLine:
    """A line of a recording that replay could not send: its number and why (``reason``)."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line} not sent: {self.reason}"


@dataclass(frozen=True, repr=False)
class ReplayReport(BatchReport):
    """A :class:`~pytest_jobhooks.sender.BatchReport` of a replay, with the lines it could not send (``unsent``).

    :attr:`ok` is true only when every line was sent and answered 2xx;
    :meth:`describe` lists the unsent lines after the sends.
    """

    unsent: tuple[UnsentLine, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether every line was sent and every send answered 2xx in the end."""
        return not self.unsent and super().ok

    def describe(self) -> str:
        """The batch's description (see :meth:`BatchReport.describe`), then one line per unsent line."""
        text = super().describe()
        if not self.unsent:
            return text
        head, _, rest = text.partition("\n")
        head += f", {len(self.unsent)} not sent"
        return "\n".join([head, *([rest] if rest else []), *map(str, self.unsent)])

    def __repr__(self) -> str:
        text = super().__repr__()
        return f"{text[:-1]}, {len(self.unsent)} not sent>" if self.unsent else text
