"""Recorded payloads: the recording format, and checking recordings line by line against the vendor catalog.

A recording is JSON Lines (``.jsonl``): one payload per line, read as a stream,
so memory stays flat whatever the file size. A ``.json`` file (or stdin)
holding one JSON document, an object or an array of payloads, is read whole
instead. A line is either

- a **bare payload**: the vendor's JSON object as sent, or
- a **recorded delivery**, as ``--jobhooks-record`` writes it: an object with
  the key ``"jobhooks"`` (see :class:`RecordedDelivery`).

Each payload gets a verdict: *valid*; *drift* (its only departures from the
vendor's schema are fields the schema does not declare, or strings outside a
documented enum: the vendor changed its payloads); or *invalid*. Drift fails a
check only when ``strict``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

from .._json import json_path, json_type
from ..catalog.drift import Finding, Member
from ..catalog.reading import Outcome, Reading
from ..errors import Problem, RecordingError
from ..vendors import get_vendor
from ..vendors.base import AnyVendor, JsonObject, JsonValue
from ._judge import Judge, unknown
from ._reader import (
    MAX_LINE_BYTES,
    Source,
    Unreadable,
    describe_os_error,
    format_hint,
    open_source,
    parse_line,
    read_values,
    source_label,
)
from .summary import MAX_DRIFT_KINDS, DriftEntry, DriftReport, RecordingSummary

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
    "RecordingChecker",
    "RecordingError",
    "RecordingReport",
    "RecordingSummary",
    "check_recording",
    "is_delivery",
    "parse_record",
    "read_records",
]

# Defined in a private module to keep this one readable; they belong here.
for _public in (DriftEntry, DriftReport, RecordingSummary):
    _public.__module__ = __name__

RECORD_KEY = "jobhooks"
"""The key that marks a line as a recorded delivery (a bare payload never has it)."""

RECORDING_FORMAT = 1
"""The version of the recorded-delivery format: the value of :data:`RECORD_KEY`."""

COMPACT_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
"""How a recording writes JSON: compact, UTF-8 kept as is (one encoder, reused: ``json.dumps`` builds one per call)."""


@dataclass(frozen=True)
class RecordedDelivery:
    """One HTTP delivery as ``--jobhooks-record`` writes it: a JSON object on one line.

    The line's keys:

    - ``"jobhooks"``: :data:`RECORDING_FORMAT` (``1``); marks the line as a delivery;
    - ``"vendor"``: the vendor's name when the recorder knew it, else null (or absent);
    - ``"method"``, ``"path"``: the HTTP method (``"POST"``) and request path (``"/hooks"``);
    - ``"query"``: query parameters, name -> value, or -> list of values when
      repeated (``{}`` when none; may be absent);
    - ``"headers"``: request headers, name -> value (a repeated header's values joined by ``", "``);
    - ``"body"``: the body parsed as JSON, or null when it is empty or not JSON;
    - ``"body_text"``: the raw body as text when ``"body"`` does not give it back
      byte for byte: it is not JSON, or JSON spelt otherwise than compactly
      (absent otherwise);
    - ``"body_base64"``: the raw body in base64 when it is not UTF-8 text (absent otherwise);
    - ``"received_at"``: when it arrived, RFC 3339 (``"2026-04-17T09:30:00.123Z"``);
    - ``"side"``: ``"captured"`` (received by a capture server) or ``"sent"``
      (sent by ``jobhooks_sender``, then ``"received_at"`` is when it went out);
      absent when not known.

    What is checked is the body, else the raw text; a query-string vendor's
    (GoFetch's) empty body means its query parameters. The exact bytes of the
    body are ``"body_base64"``, else ``"body_text"``, else ``"body"`` as compact
    JSON (see :meth:`body_bytes`).
    """

    method: str
    path: str
    headers: Mapping[str, str]
    body: JsonValue
    received_at: str
    query: Mapping[str, str | list[str]] = field(default_factory=dict)
    body_text: str | None = None
    vendor: str | None = None
    side: str | None = None
    body_base64: str | None = None

    def body_bytes(self) -> bytes:
        """The body's bytes as received: from ``body_base64``, else ``body_text``, else ``body`` as compact JSON."""
        if self.body_base64 is not None:
            return base64.b64decode(self.body_base64)
        if self.body_text is not None:
            return self.body_text.encode("utf-8")
        if self.body is None:
            return b""
        return COMPACT_JSON.encode(self.body).encode("utf-8")

    def to_json(self) -> JsonObject:
        """The delivery as the JSON object of its line."""
        out: JsonObject = {RECORD_KEY: RECORDING_FORMAT, "vendor": self.vendor, "method": self.method}
        out["path"] = self.path
        out["query"] = {k: list(v) if isinstance(v, list) else v for k, v in self.query.items()}
        out["headers"] = dict(self.headers)
        out["body"] = self.body
        if self.body_text is not None:
            out["body_text"] = self.body_text
        if self.body_base64 is not None:
            out["body_base64"] = self.body_base64
        out["received_at"] = self.received_at
        if self.side is not None:
            out["side"] = self.side
        return out

    def to_line(self) -> str:
        """The delivery as one line of a recording (compact JSON, no newline)."""
        return COMPACT_JSON.encode(self.to_json())

    @classmethod
    def from_json(cls, value: Mapping[str, object]) -> RecordedDelivery:
        """Read a delivery from its line's JSON object; raises :class:`RecordingError` saying what is wrong."""
        from ._format_check import delivery_problems

        problems = delivery_problems(value, RECORD_KEY, RECORDING_FORMAT)
        if problems:
            raise RecordingError(f"not a valid recorded delivery: {'; '.join(map(str, problems))}", problems)
        raw: dict[str, object] = dict(value)
        return cls(
            method=str(raw["method"]),
            path=str(raw["path"]),
            headers=raw["headers"],  # type: ignore[arg-type]
            body=raw["body"],  # type: ignore[arg-type]
            received_at=str(raw["received_at"]),
            query=raw.get("query") or {},  # type: ignore[arg-type]
            body_text=raw.get("body_text"),  # type: ignore[arg-type]
            vendor=raw.get("vendor"),  # type: ignore[arg-type]
            side=raw.get("side"),  # type: ignore[arg-type]
            body_base64=raw.get("body_base64"),  # type: ignore[arg-type]
        )


def is_delivery(value: object) -> bool:
    """Whether a parsed line is a recorded delivery (it has the ``"jobhooks"`` key) rather than a bare payload."""
    return type(value) is dict and RECORD_KEY in value


def parse_record(line: str | bytes) -> RecordedDelivery | JsonObject:
    """Read one line of a recording: a :class:`RecordedDelivery`, or a bare payload (a JSON object).

    Raises :class:`RecordingError` for a line that is not a JSON object, or not a well-formed delivery.
    """
    value = parse_line(line.encode("utf-8", "surrogatepass") if isinstance(line, str) else line)
    return _record(value)


def read_records(source: Source, *, name: str | None = None) -> Iterator[tuple[int, RecordedDelivery | JsonObject]]:
    """Every record of a recording with its line number (blank lines skipped; JSON Lines are streamed).

    Raises :class:`RecordingError` at the first line that is not a record, or when the source cannot be read.
    """
    label = name or source_label(source)
    try:
        with open_source(source) as stream:
            for number, value in read_values(stream, format_hint(source, label)):
                try:
                    yield number, _record(value)
                except RecordingError as exc:
                    raise RecordingError(f"{label}:{number}: {exc}", exc.problems) from None
    except OSError as exc:
        raise RecordingError(f"{label}: cannot read: {describe_os_error(exc)}") from None


def _record(value: object) -> RecordedDelivery | JsonObject:
    if isinstance(value, Unreadable):
        raise RecordingError(value.message, (Problem("$", value.message),))
    if type(value) is not dict:
        message = f"expected a JSON object, got {json_type(value)}"
        raise RecordingError(message, (Problem("$", message),))
    return RecordedDelivery.from_json(value) if RECORD_KEY in value else value


@dataclass(frozen=True)
class Drift:
    """One way a payload departs from its vendor's schema without breaking it.

    ``kind`` is ``"field"`` (a field the schema does not declare) or ``"value"``
    (a string outside a documented enum, held in :attr:`value`). :attr:`path`
    says where (``$.statusHistory[1].retries``); :attr:`pattern` is the same
    with array indices and free-form keys as ``[*]``
    (``$.statusHistory[*].retries``): drift is counted by pattern.
    """

    kind: Literal["field", "value"]
    path: str
    pattern: str
    value: str | None = None

    @property
    def message(self) -> str:
        """What the drift is: ``undocumented field (drift)`` or ``undocumented value 'X' (drift)``."""
        return "undocumented field (drift)" if self.kind == "field" else f"undocumented value {self.value!r} (drift)"

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass(frozen=True)
class LineVerdict:
    """The verdict on one payload of a recording: where it is, who sent it (None: unknown), and why it is not valid."""

    source: str
    line: int
    vendor: str | None
    outcome: Outcome
    problems: tuple[Problem, ...] = ()
    drift: tuple[Drift, ...] = ()

    def messages(self) -> list[str]:
        """One ``file:line: vendor: JSON-path: message`` string per problem, then one per drift."""
        where = f"{self.source}:{self.line}: {self.vendor or '?'}"
        return [f"{where}: {item}" for item in (*self.problems, *self.drift)]


@dataclass
class RecordingReport:
    """What checking one recording found: counts, the first bad lines, drift, or why it could not be read.

    :attr:`listed` holds the first bad lines (at most the checker's
    ``max_listed``); the counts cover every line. A bad line is an invalid one,
    or under ``strict`` a drift one too.
    """

    source: str
    strict: bool = False
    payloads: int = 0
    valid: int = 0
    drifted: int = 0
    invalid: int = 0
    listed: list[LineVerdict] = field(default_factory=list)
    error: str | None = None
    drift: DriftReport = field(default_factory=DriftReport)

    @property
    def bad(self) -> int:
        """How many lines fail: the invalid ones, and under ``strict`` the drift ones."""
        return self.invalid + (self.drifted if self.strict else 0)

    @property
    def ok(self) -> bool:
        """Whether the recording passes: readable, and no bad line."""
        return self.error is None and self.bad == 0

    @property
    def empty(self) -> bool:
        """Whether the recording was read and holds no payload at all (it passes, but checks nothing)."""
        return self.error is None and self.payloads == 0

    def summary(self) -> str:
        """One line: ``file: 120 payloads: 117 valid, 2 drift, 1 invalid`` (or empty, or unreadable)."""
        if self.error is not None:
            return f"{self.source}: cannot read: {self.error}"
        if self.empty:
            return f"{self.source}: empty (no payloads)"
        noun = "payload" if self.payloads == 1 else "payloads"
        counts = f"{self.valid:,} valid, {self.drifted:,} drift, {self.invalid:,} invalid"
        return f"{self.source}: {self.payloads:,} {noun}: {counts}"

    def failure(self) -> str:
        """The multi-line message of a failing recording: the summary, then every listed bad line."""
        lines = [self.summary()]
        for verdict in self.listed:
            lines.extend(verdict.messages())
        hidden = self.bad - len(self.listed)
        if hidden > 0:
            lines.append(f"... and {hidden:,} more bad line{'s' if hidden != 1 else ''} not listed")
        if self.drifted and not self.strict:
            lines.append(
                f"(and {self.drifted:,} drift line{'s' if self.drifted != 1 else ''}, failing only when strict)"
            )
        return "\n".join(lines)

    def to_json(self) -> JsonObject:
        """The report as JSON: counts (``payloads``, ``valid``, ``drifted``, ``invalid``), listed messages, drift."""
        return {
            "source": self.source,
            "ok": self.ok,
            "empty": self.empty,
            "error": self.error,
            "payloads": self.payloads,
            "valid": self.valid,
            "drifted": self.drifted,
            "invalid": self.invalid,
            "listed": [message for verdict in self.listed for message in verdict.messages()],
            "drift": self.drift.to_json(),
        }


class RecordingChecker:
    """Checks recordings against the vendor catalog, one payload at a time, in flat memory.

    ``vendor`` fixes the vendor of every payload (default: detected per line, or
    a delivery's recorded ``"vendor"``). ``strict`` makes drift fail. A report
    lists at most ``max_listed`` bad lines but counts them all; a line over
    ``max_line_bytes`` is reported, not parsed. An unknown ``vendor`` raises
    :class:`~pytest_jobhooks.UnknownVendorError`.
    """

    def __init__(
        self,
        vendor: str | AnyVendor | None = None,
        *,
        strict: bool = False,
        max_listed: int = 50,
        max_line_bytes: int = MAX_LINE_BYTES,
    ) -> None:
        self.vendor = get_vendor(vendor) if vendor is not None else None
        self.strict = strict
        self.max_listed = max_listed
        self.max_line_bytes = max_line_bytes
        self._judge = Judge(self.vendor)

    def check(
        self,
        source: Source,
        *,
        name: str | None = None,
        on_bad: Callable[[LineVerdict], None] | None = None,
    ) -> RecordingReport:
        """Check every payload of ``source``: a path, ``"-"`` for stdin, or a binary stream.

        ``name`` is what messages call the source (default: the path as given).
        ``on_bad`` is called with each bad line as soon as it is found. An
        unreadable source gives a report whose ``error`` says why; nothing raises.
        """
        label = name or source_label(source)
        report = RecordingReport(label, strict=self.strict)
        judge_payload, judge = self._judge.payload, self._judged
        hint = format_hint(source, label)
        clean = 0  # valid payloads, counted here rather than on the report: this loop is the hot path
        try:
            with open_source(source) as stream:
                for number, value in read_values(stream, hint, max_line_bytes=self.max_line_bytes):
                    # The common case first: a bare payload that is valid allocates nothing.
                    judged = judge_payload(value) if type(value) is dict and RECORD_KEY not in value else judge(value)
                    if type(judged) is not Reading:
                        clean += 1
                    else:
                        self._count(report, _verdict(judged, label, number), on_bad)
        except OSError as exc:
            report.error = describe_os_error(exc)
        report.valid += clean
        report.payloads = report.valid + report.drifted + report.invalid
        return report

    def verdict(self, value: object, *, source: str = "<payload>", line: int = 1) -> LineVerdict:
        """The verdict on one parsed line: a bare payload, or a recorded delivery's JSON object."""
        judged = self._judged(value)
        if isinstance(judged, Reading):
            return _verdict(judged, source, line)
        return LineVerdict(source, line, judged.name, "valid")

    def _judged(self, value: object) -> Reading | AnyVendor:
        if isinstance(value, Unreadable):
            return unknown(value.message, self._vendor_name())
        if not is_delivery(value):
            return self._judge.payload(value)
        try:
            delivery = RecordedDelivery.from_json(value)  # type: ignore[arg-type]
        except RecordingError as exc:
            return Reading(self._vendor_name(), None, exc.problems)
        body = delivery.body if delivery.body is not None else delivery.body_text
        return self._judge.delivery(delivery.vendor, body, delivery.headers, delivery.query)

    def _count(
        self, report: RecordingReport, verdict: LineVerdict, on_bad: Callable[[LineVerdict], None] | None
    ) -> None:
        if verdict.outcome == "valid":
            report.valid += 1
            return
        if verdict.outcome == "invalid":
            # An invalid line's drift is listed with its problems, not counted: it may not even be that vendor's.
            report.invalid += 1
        else:
            report.drifted += 1
            kinds = {(item.kind, item.pattern, item.value) for item in verdict.drift}
            for kind, pattern, value in kinds:
                report.drift.add(verdict.vendor or "?", kind, pattern, value, verdict.source, verdict.line)
        if verdict.outcome == "invalid" or self.strict:
            if len(report.listed) < self.max_listed:
                report.listed.append(verdict)
            if on_bad is not None:
                on_bad(verdict)

    def _vendor_name(self) -> str | None:
        return self.vendor.name if self.vendor is not None else None


def check_recording(
    source: Source,
    *,
    vendor: str | AnyVendor | None = None,
    strict: bool = False,
    max_listed: int = 50,
) -> RecordingReport:
    """Check one recording (see :class:`RecordingChecker`); ``report.ok`` says whether it passes."""
    return RecordingChecker(vendor, strict=strict, max_listed=max_listed).check(source)


def _verdict(judged: Reading, source: str, line: int) -> LineVerdict:
    drift = tuple(_drift(finding) for finding in judged.drift)
    return LineVerdict(source, line, judged.vendor, judged.outcome, judged.breaking, drift)


def _drift(finding: Finding) -> Drift:
    concrete = json_path(p.key if isinstance(p, Member) else p for p in finding.parts)
    pattern = "$" + "".join("[*]" if not isinstance(p, str) else json_path([p])[1:] for p in finding.parts)
    return Drift(finding.kind, concrete, pattern, finding.value)
