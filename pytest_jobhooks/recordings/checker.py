"""Checking recordings line by line against the vendor catalog: verdicts, reports, the checker.

Each payload gets a verdict: *valid*; *drift* (its only departures from the
vendor's schema are fields the schema does not declare, or strings outside a
documented enum: the vendor changed its payloads); or *invalid*. Drift fails a
check only when ``strict``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from .._json import JsonObject, json_path
from ..catalog.drift import Finding, Member
from ..catalog.reading import Outcome, Reading
from ..errors import Problem, RecordingError
from ..vendors import get_vendor
from ..vendors.base import AnyVendor
from ._judge import Judge, unknown
from ._reader import (
    MAX_LINE_BYTES,
    Source,
    Unreadable,
    describe_os_error,
    format_hint,
    open_source,
    read_values,
    source_label,
)
from .format import RECORD_KEY, RecordedDelivery, is_delivery
from .summary import DriftReport

__all__ = ["Drift", "LineVerdict", "RecordingChecker", "RecordingReport", "check_recording"]


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
    negative: int = 0
    """Lines marked ``"intent": "invalid"`` (a negative test's payloads): counted, not judged, never failing."""
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
        if self.negative:
            counts += f", {self.negative:,} invalid on purpose (not judged)"
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
            "negative": self.negative,
            "listed": [message for verdict in self.listed for message in verdict.messages()],
            "drift": self.drift.to_json(),
        }


class RecordingChecker:
    """Checks recordings against the vendor catalog, one payload at a time, in flat memory.

    ``vendor`` fixes the vendor of every payload (default: detected per line, or
    a delivery's recorded ``"vendor"``). ``strict`` makes drift fail. A report
    lists at most ``max_listed`` bad lines but counts them all; a line over
    ``max_line_bytes`` is reported, not parsed (a JSON document all on one
    line is read up to the 64 MiB document limit). A path that is not a regular
    file (a FIFO) is unreadable: check a stream as ``"-"``. An unknown
    ``vendor`` raises :class:`~pytest_jobhooks.UnknownVendorError`.
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
                    if type(judged) is Reading:
                        self._count(report, _verdict(judged, label, number), on_bad)
                    elif judged is None:
                        report.negative += 1
                    else:
                        clean += 1
        except OSError as exc:
            report.error = describe_os_error(exc)
        report.valid += clean
        report.payloads = report.valid + report.drifted + report.invalid + report.negative
        return report

    def verdict(self, value: object, *, source: str = "<payload>", line: int = 1) -> LineVerdict:
        """The verdict on one parsed line: a bare payload, or a recorded delivery's JSON object."""
        judged = self._judged(value, intent=False)
        if isinstance(judged, Reading):
            return _verdict(judged, source, line)
        return LineVerdict(source, line, judged.name if judged is not None else None, "valid")

    def _judged(self, value: object, *, intent: bool = True) -> Reading | AnyVendor | None:
        """A line's judgement: None for a delivery marked invalid on purpose (unless ``intent=False``)."""
        if isinstance(value, Unreadable):
            return unknown(value.message, self._vendor_name())
        if not is_delivery(value):
            return self._judge.payload(value)
        try:
            delivery = RecordedDelivery.from_json(value)  # type: ignore[arg-type]
        except RecordingError as exc:
            return Reading(self._vendor_name(), None, exc.problems)
        if intent and delivery.intent == "invalid":
            return None
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
