"""The recording format: a recorded delivery (one line of a recording), reading lines and whole recordings.

A recording is JSON Lines (``.jsonl``): one payload per line, read as a stream.
A line is a **bare payload** (the vendor's JSON object as sent) or a
**recorded delivery**, as ``--jobhooks-record`` writes it: an object with the
key ``"jobhooks"`` (see :class:`RecordedDelivery`). A recorded delivery is a
:class:`~pytest_jobhooks.wire.Request` (its :attr:`~RecordedDelivery.request`)
and what the recorder knew about it (vendor, side).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from .._json import COMPACT, JsonObject, JsonValue, json_type, parse_rfc3339
from ..errors import Problem, RecordingError
from ..wire import Headers, Request
from ._reader import (
    Source,
    Unreadable,
    describe_os_error,
    format_hint,
    open_source,
    parse_line,
    read_values,
    source_label,
)

__all__ = ["RECORDING_FORMAT", "RECORD_KEY", "RecordedDelivery", "is_delivery", "parse_record", "read_records"]

RECORD_KEY = "jobhooks"
"""The key that marks a line as a recorded delivery (a bare payload never has it)."""

RECORDING_FORMAT = 1
"""The version of the recorded-delivery format: the value of :data:`RECORD_KEY`."""

_REQUIRED = ("method", "path", "headers", "body", "received_at")


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
    JSON (see :meth:`body_bytes`); :attr:`request` is the whole request again.
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
        return COMPACT.encode(self.body).encode("utf-8")

    @property
    def request(self) -> Request:
        """The recorded request as the one wire record (headers as recorded, so redacted ones stay redacted)."""
        query = urlencode(list(self.query.items()), doseq=True)
        return Request(
            self.method, self.path, query, Headers(self.headers), self.body_bytes(), parse_rfc3339(self.received_at)
        )

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
        return COMPACT.encode(self.to_json())

    @classmethod
    def from_json(cls, value: Mapping[str, object]) -> RecordedDelivery:
        """Read a delivery from its line's JSON object; raises :class:`RecordingError` saying what is wrong."""
        problems = delivery_problems(value)
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


def delivery_problems(value: Mapping[str, object]) -> tuple[Problem, ...]:
    """Everything wrong with a recorded delivery's object, as problems (empty when it is well formed)."""
    marker = value.get(RECORD_KEY)
    if marker != RECORDING_FORMAT or type(marker) is not int:
        message = f"unsupported recording format {marker!r} (this version reads {RECORDING_FORMAT})"
        return (Problem(f"$.{RECORD_KEY}", message),)
    problems = [Problem(f"$.{name}", "missing") for name in _REQUIRED if name not in value]
    for name in ("method", "path"):
        if name in value and not (isinstance(value[name], str) and value[name]):
            problems.append(Problem(f"$.{name}", "expected a non-empty string"))
    received = value.get("received_at")
    if "received_at" in value:
        try:
            parse_rfc3339(received)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            problems.append(Problem("$.received_at", f"expected an RFC 3339 date-time, got {received!r}"))
    if "headers" in value and not _strings(value.get("headers")):
        problems.append(Problem("$.headers", "expected an object of strings"))
    query = value.get("query")
    if query is not None and not _strings(query, lists=True):
        problems.append(Problem("$.query", "expected an object of strings or lists of strings"))
    for name in ("vendor", "body_text", "side"):
        if value.get(name) is not None and not isinstance(value[name], str):
            problems.append(Problem(f"$.{name}", "expected a string or null"))
    encoded = value.get("body_base64")
    if encoded is not None and not _base64(encoded):
        problems.append(Problem("$.body_base64", "expected base64 text or null"))
    return tuple(problems)


def _base64(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        base64.b64decode(value, validate=True)
    except ValueError:  # binascii.Error is a ValueError
        return False
    return True


def _strings(value: object, *, lists: bool = False) -> bool:
    if not isinstance(value, dict):
        return False
    for item in value.values():
        if isinstance(item, str):
            continue
        if lists and isinstance(item, list) and all(isinstance(v, str) for v in item):
            continue
        return False
    return True


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
