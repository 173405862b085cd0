"""Appending to a recording: :class:`Recorder`, the one writer of ``--jobhooks-record`` (and of any tool's recording).

A :class:`Recorder` appends :meth:`RecordedDelivery.to_line
<pytest_jobhooks.recordings.RecordedDelivery.to_line>` lines to one file, each
line and its newline in a single unbuffered write to a file opened for
appending: a run killed at any moment leaves only whole lines behind. Nothing
is written, and the file is not even created, until the first line. Each line
gets the file's next sequence number (``"seq"``), continuing after the lines
the file already holds. It needs no pytest: a capture server's deliveries, a
sender's reports or records made by hand are appended the same way.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import IO, TYPE_CHECKING

from ..errors import RecordingError
from ._writer import captured_record, line_of, sent_records
from .format import RecordedDelivery

if TYPE_CHECKING:
    from ..deliveries import Delivery
    from ..sender import DeliveryReport

__all__ = ["RECORDING_SUFFIX", "Recorder"]

RECORDING_SUFFIX = ".jobhooks.jsonl"
"""How a recording's file name ends: what ``pytest --jobhooks`` collects by default (``*.jobhooks.jsonl``)."""

_TAIL = 1024 * 1024


class Recorder:
    """Appends recorded deliveries to ``path`` (created on the first line); safe to share between threads.

    :meth:`record_captured` takes what a :class:`~pytest_jobhooks.CaptureServer`
    received, :meth:`record_sent` what the sender sent (one line per attempt),
    :meth:`write` any :class:`~pytest_jobhooks.RecordedDelivery`. ``test``
    names the test the lines come from (their ``"test"``); ``intent="invalid"``
    marks payloads invalid on purpose. Secrets are redacted in every line.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.captured = 0
        """Lines written for captured deliveries."""
        self.sent = 0
        """Lines written for sent deliveries (one per attempt)."""
        self._file: IO[bytes] | None = None
        self._seq: int | None = None
        self._lock = threading.Lock()

    def record_captured(self, deliveries: Iterable[Delivery], *, test: str | None = None) -> int:
        """Append each captured delivery; returns how many."""
        return self.write(replace(captured_record(delivery), test=test) for delivery in deliveries)

    def record_sent(self, reports: Iterable[DeliveryReport], *, test: str | None = None) -> int:
        """Append every attempt of each sent delivery; returns how many lines."""
        return self.write(replace(record, test=test) for report in reports for record in sent_records(report))

    def write(self, records: Iterable[RecordedDelivery]) -> int:
        """Append each record as the file's next line (its ``seq`` is set here); returns how many."""
        count = 0
        for record in records:
            with self._lock:
                try:
                    seq = self._next_seq()
                    data = line_of(replace(record, seq=seq))
                    stream = self._file or self._open()
                    written = stream.write(data)
                    while written is not None and written < len(data):  # a short write: finish the line
                        data = data[written:]
                        written = stream.write(data)
                except OSError as exc:
                    reason = exc.strerror or type(exc).__name__
                    raise RecordingError(f"cannot append to the recording {str(self.path)!r}: {reason}") from None
                self._seq = seq
                if record.side == "sent":
                    self.sent += 1
                else:
                    self.captured += 1
            count += 1
        return count

    def _next_seq(self) -> int:
        if self._seq is None:
            self._seq = _last_seq(self.path)
        return self._seq + 1

    def _open(self) -> IO[bytes]:
        # Unbuffered: each write() is one system call, so every line reaches the file whole, at once.
        self._file = open(self.path, "ab", buffering=0)  # noqa: SIM115 - kept open for the whole run
        return self._file

    def close(self) -> None:
        """Close the file (a later line opens it again, and goes on counting)."""
        with self._lock:
            stream, self._file = self._file, None
        if stream is not None:
            stream.close()


def _last_seq(path: Path) -> int:
    """The highest sequence number among the last lines of an existing recording (0 for none, or no file).

    Only the file's tail is read: appending to a large recording stays cheap. A
    file written before sequence numbers (format 1) counts its lines instead.
    """
    try:
        with open(path, "rb") as stream:
            size = stream.seek(0, os.SEEK_END)
            stream.seek(max(0, size - _TAIL))
            tail = stream.read()
            if size > _TAIL:
                tail = tail.partition(b"\n")[2]  # the first line read is probably cut
            found = [_seq_of(line) for line in tail.splitlines()]
            numbers = [number for number in found if number is not None]
            if numbers:
                return max(numbers)
            stream.seek(0)
            return sum(1 for line in stream if line.strip())
    except FileNotFoundError:
        return 0
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise RecordingError(f"cannot read the recording {str(path)!r} to append to it: {reason}") from None


def _seq_of(line: bytes) -> int | None:
    try:
        value = json.loads(line)
    except ValueError:
        return None
    seq = value.get("seq") if isinstance(value, dict) else None
    return seq if type(seq) is int else None
