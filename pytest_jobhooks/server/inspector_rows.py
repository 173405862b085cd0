"""What the inspector shows of each delivery: a :class:`Row` per request, and per job what each arrival was.

A row is built from the one wire record (:class:`~pytest_jobhooks.wire.Request`)
with what the catalog reads in it, so captured deliveries and sent attempts
(the pytest report shows both) are shown alike. :func:`annotate` walks the rows
in arrival order and marks, per job, redeliveries (a message id seen before,
or the same state and payload again) and moves the vendor's lifecycle does not
allow (nothing may follow a terminal state).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from .._json import json_path
from ..catalog.drift import Finding, Member
from ..catalog.reading import Reading, read
from ..deliveries import Delivery
from ..vendors import get_vendor
from ..wire import Request

__all__ = ["JobTracker", "Row", "annotate", "body_view", "delivery_row", "jobs", "sent_row"]

_MESSAGE_ID_HEADERS = ("svix-id", "webhook-id", "ce-id")


@dataclass
class Row:
    """One delivery as the inspector shows it; ``redelivery`` and ``illegal`` are set by :func:`annotate`."""

    id: int
    request: Request
    reading: Reading
    answer: int | None
    answer_body: bytes = b""
    side: str = "captured"
    signature: str | None = None
    signature_note: str | None = None
    transport_error: str | None = None
    redelivery: str | None = None
    illegal: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def time(self) -> datetime | None:
        """When the request arrived or went out."""
        return self.request.time

    @property
    def job(self) -> str | None:
        """The job id, read loosely (an invalid payload still names its job)."""
        state = self.reading.job_state
        return state.job_id if state is not None else self.reading.job_id

    @property
    def message_id(self) -> str | None:
        """The sender's message id (Svix / Standard Webhooks / CloudEvents), shared by every redelivery."""
        headers = self.request.headers
        return next((headers[name] for name in _MESSAGE_ID_HEADERS if name in headers), None)

    @property
    def verdict(self) -> str:
        """One word for the filter: ``signature`` (invalid or missing), ``unknown`` (no vendor) or the outcome."""
        if self.signature in ("invalid", "missing"):
            return "signature"
        if self.transport_error is not None or self.reading.vendor is None:
            return "unknown"
        return self.reading.outcome

    @property
    def drift(self) -> list[str]:
        """The undocumented fields and values, one line each."""
        found = self.reading.drift if self.reading.vendor else ()
        return [f"undocumented {finding.kind} at {_where(finding)}" for finding in found]

    @property
    def problems(self) -> list[str]:
        """What is wrong with the payload, one line each."""
        return [str(problem) for problem in self.reading.problems]


def delivery_row(delivery: Delivery, number: int) -> Row:
    """The row of a delivery a capture server received (``number``: its arrival count, for replay and polling)."""
    response = delivery.response
    note = delivery.signature_reason or None
    if delivery.signature_message:
        note = f"{note}: {delivery.signature_message}" if note else delivery.signature_message
    return Row(
        number,
        delivery.request,
        delivery.reading,
        response.status if response is not None else None,
        response.body if response is not None else b"",
        signature=delivery.signature,
        signature_note=note,
        transport_error=delivery.transport_error,
    )


def sent_row(request: Request, number: int, *, answer: int | None, body: bytes = b"", error: str | None = None) -> Row:
    """The row of one attempt a sender made (its request exactly as sent, and the answer or ``error``)."""
    row = Row(number, request, read(request), answer, body, side="sent")
    if error:
        row.notes.append(f"no answer: {error}")
    return row


class JobTracker:
    """Marks each row's redelivery and illegal move, given the rows in arrival order, one at a time."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self._last: dict[tuple[str, str], Row] = {}
        self._terminal: dict[tuple[str, str], Row] = {}

    def add(self, row: Row) -> Row:
        """Set ``row.redelivery`` and ``row.illegal`` from the rows added before it; returns ``row``."""
        msg_id = row.message_id
        first = self._ids.setdefault(msg_id, row.id) if msg_id else row.id
        vendor, job, status = row.reading.vendor, row.job, row.reading.status
        if first != row.id:
            row.redelivery = f"redelivery of #{first} (same message id)"
        if vendor is None or job is None or status is None:
            return row
        key = (vendor, job)
        previous = self._last.get(key)
        if previous is not None and row.redelivery is None and _same(previous, row):
            row.redelivery = f"redelivery of #{previous.id} (same state and payload)"
        if row.redelivery is None:
            lifecycle = get_vendor(vendor).lifecycle
            ended = self._terminal.get(key)
            if ended is not None:
                row.illegal = f"{status} arrived after the terminal state {ended.reading.status} (#{ended.id})"
            elif previous is not None and not lifecycle.is_legal(previous.reading.status or "", status):
                row.illegal = f"illegal move {previous.reading.status} -> {status}"
            if lifecycle.is_terminal(status):
                self._terminal.setdefault(key, row)
            self._last[key] = row
        return row


def _same(previous: Row, row: Row) -> bool:
    """Whether ``row`` repeats ``previous``: the same state and payload again."""
    return (previous.reading.status, previous.reading.payload) == (row.reading.status, row.reading.payload)


def annotate(rows: Sequence[Row]) -> list[Row]:
    """Mark each row's redelivery and illegal move (see :class:`JobTracker`), in order; returns the rows."""
    tracker = JobTracker()
    return [tracker.add(row) for row in rows]


def jobs(rows: Iterable[Row]) -> dict[tuple[str, str], list[Row]]:
    """The rows of each (vendor, job), in arrival order."""
    found: dict[tuple[str, str], list[Row]] = {}
    for row in rows:
        if row.reading.vendor is not None and row.job is not None and row.reading.status is not None:
            found.setdefault((row.reading.vendor, row.job), []).append(row)
    return found


def body_view(body: bytes) -> tuple[str, str]:
    """``(kind, text)`` to show a body: ``json`` pretty-printed, ``text`` as it is, ``bytes`` as a hex dump."""
    if not body:
        return "empty", ""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        lines = [
            f"{offset:08x}  {body[offset : offset + 16].hex(' ')}" for offset in range(0, min(len(body), 4096), 16)
        ]
        more = [f"... {len(body) - 4096} more bytes"] if len(body) > 4096 else []
        return "bytes", "\n".join([f"{len(body)} bytes, not UTF-8:", *lines, *more])
    try:
        return "json", json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):
        return "text", text


def _where(finding: Finding) -> str:
    where = json_path(part.key if isinstance(part, Member) else part for part in finding.parts)
    return f"{where} ({finding.value!r})" if finding.value is not None else where
