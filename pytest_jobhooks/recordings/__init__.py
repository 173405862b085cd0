"""Recorded payloads: the recording format, and checking recordings line by line against the vendor catalog.

A recording is JSON Lines (``.jsonl``): one payload per line, read as a stream,
so memory stays flat whatever the file size. A ``.json`` file (or stdin)
holding one JSON document, an object or an array of payloads, is read whole
instead. A line is either

- a **bare payload**: the vendor's JSON object as sent, or
- a **recorded delivery**, as ``--jobhooks-record`` writes it: an object with
  the key ``"jobhooks"`` (see :class:`RecordedDelivery`, in :mod:`.format`).

Each payload gets a verdict: *valid*, *drift* or *invalid* (see
:mod:`.checker`), unless its line is marked invalid on purpose (``"intent":
"invalid"``: counted, not judged); :mod:`.summary` adds reports up across files.
:class:`Recorder` (:mod:`.writer`) appends lines; :func:`read_in_order`
(:mod:`.ordering`) reads a folder's recordings in the order they happened.
"""

from __future__ import annotations

from ..errors import RecordingError
from ._reader import MAX_LINE_BYTES
from .checker import Drift, LineVerdict, RecordingChecker, RecordingReport, check_recording
from .format import (
    RECORD_KEY,
    RECORDING_FORMAT,
    RecordedDelivery,
    is_delivery,
    parse_record,
    read_lines,
    read_records,
)
from .ordering import read_in_order, recording_files
from .summary import MAX_DRIFT_KINDS, DriftEntry, DriftReport, RecordingSummary
from .writer import Recorder

__all__ = [
    "MAX_DRIFT_KINDS",
    "MAX_LINE_BYTES",
    "RECORDING_FORMAT",
    "RECORD_KEY",
    "Drift",
    "DriftEntry",
    "DriftReport",
    "LineVerdict",
    "RecordedDelivery",
    "Recorder",
    "RecordingChecker",
    "RecordingError",
    "RecordingReport",
    "RecordingSummary",
    "check_recording",
    "is_delivery",
    "parse_record",
    "read_in_order",
    "read_lines",
    "read_records",
    "recording_files",
]
