"""A folder of recordings as one stream: its recording files, and their lines in the order they happened.

``--jobhooks-record=DIR`` writes one file per process (``main.jobhooks.jsonl``,
or ``gw0.jobhooks.jsonl``, ``gw1.jobhooks.jsonl``... under pytest-xdist).
:func:`recording_files` finds them (and any other recording in the folder);
:func:`read_in_order` merges their lines by time (``received_at``), then by
file, then by sequence number (``seq``, the line's place in its file).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .._json import JsonObject, parse_rfc3339
from ._reader import Source, source_label
from .format import RecordedDelivery, read_records

__all__ = ["RECORDING_PATTERNS", "OrderedRecord", "read_in_order", "recording_files"]

RECORDING_PATTERNS = ("*.jobhooks.jsonl", "*.jobhooks.json")
"""The file names that are recordings: what ``pytest --jobhooks`` collects by default."""

_NO_TIME = datetime.min.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class OrderedRecord:
    """One line of a folder's recordings: which file (``source``), which line, and the record read there."""

    source: str
    line: int
    record: RecordedDelivery | JsonObject


def recording_files(directory: str | os.PathLike[str]) -> list[Path]:
    """Every recording under ``directory`` (subfolders too), sorted: the names matching :data:`RECORDING_PATTERNS`."""
    root = Path(directory)
    found = {path for pattern in RECORDING_PATTERNS for path in root.rglob(pattern) if path.is_file()}
    return sorted(found)


def read_in_order(sources: Iterable[Source]) -> list[OrderedRecord]:
    """Every line of ``sources`` (paths, or a folder's :func:`recording_files`), in the order it happened.

    Ordered by ``received_at``, then by file (in the order given), then by
    ``seq`` (else the line number). A bare payload has no time: it keeps its
    place after the line before it in its file. The lines are read whole into
    memory (to sort them); a bad line raises
    :class:`~pytest_jobhooks.RecordingError` naming its file and line.
    """
    keyed: list[tuple[datetime, int, int, OrderedRecord]] = []
    for position, source in enumerate(sources):
        label = source_label(source)
        moment = _NO_TIME
        for number, record in read_records(source, name=label):
            order = number
            if isinstance(record, RecordedDelivery):
                moment = parse_rfc3339(record.received_at)
                order = record.seq if record.seq is not None else number
            keyed.append((moment, position, order, OrderedRecord(label, number, record)))
    keyed.sort(key=lambda item: item[:3])
    return [item[3] for item in keyed]
