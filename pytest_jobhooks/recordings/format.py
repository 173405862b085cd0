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

__all__ = [
    "INTENTS",
    "READABLE_FORMATS",
    "RECORDING_FORMAT",
    "RECORD_KEY",
    "RecordedDelivery",
    "is_delivery",
    "parse_record",
    "read_lines",
    "read_records",
]

RECORD_KEY = "jobhooks"
"""The key that marks a line as a recorded delivery (a bare payload never has it)."""

RECORDING_FORMAT = 2
"""The version of the recorded-delivery format written: the value of :data:`RECORD_KEY`.

Version 2 added ``seq``, ``intent``, ``test`` and ``headers_base64``; version 1
lines are still read (their header values are the wire's bytes as latin-1 text).
"""

READABLE_FORMATS = (1, 2)
"""The format versions :func:`parse_record` and :func:`read_records` read."""

INTENTS = ("invalid",)
"""The values of a line's ``"intent"``: ``"invalid"`` marks a payload invalid on purpose (a negative test's)."""

_REQUIRED = ("method", "path", "headers", "body", "received_at")


@dataclass(frozen=True)
class RecordedDelivery:
    """One HTTP delivery as ``--jobhooks-record`` writes it: a JSON object on one line.

    The line's keys:

    - ``"jobhooks"``: :data:`RECORDING_FORMAT` (``2``; ``1`` is read too); marks the line as a delivery;
    - ``"seq"``: the line's sequence number in its file, from 1, rising by one per line (absent when
      the line was not written by a :class:`~pytest_jobhooks.recordings.Recorder`);
    - ``"vendor"``: the vendor's name when the recorder knew it, else null (or absent);
    - ``"method"``, ``"path"``: the HTTP method (``"POST"``) and request path (``"/hooks"``);
    - ``"query"``: query parameters, name -> value, or -> list of values when
      repeated (``{}`` when none; may be absent);
    - ``"headers"``: request headers, name -> value as text (a repeated header's values joined by ``", "``;
      a value of non-ASCII bytes reads as UTF-8 when it is, else as latin-1);
    - ``"headers_base64"``: name -> the exact bytes of each header value that is not ASCII, in
      base64 (absent when every value is ASCII): what the wire carried, whatever the text says;
    - ``"body"``: the body parsed as JSON, or null when it is empty or not JSON;
    - ``"body_text"``: the raw body as text when ``"body"`` does not give it back
      byte for byte: it is not JSON, or JSON spelt otherwise than compactly
      (absent otherwise);
    - ``"body_base64"``: the raw body in base64 when it is not UTF-8 text (absent otherwise);
    - ``"received_at"``: when it arrived, RFC 3339 (``"2026-04-17T09:30:00.123Z"``);
    - ``"side"``: ``"captured"`` (received by a capture server) or ``"sent"``
      (sent by ``jobhooks_sender``, then ``"received_at"`` is when it went out);
      absent when not known;
    - ``"intent"``: ``"invalid"`` when the payload is invalid on purpose (a negative test's:
      sent by the test itself, rejected by the capture server, or from a test marked
      ``contract=False``): validation counts it as *negative* and does not fail on it (absent otherwise);
    - ``"test"``: the pytest node id of the test that captured or sent it (absent outside pytest).

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
    seq: int | None = None
    intent: str | None = None
    test: str | None = None
    headers_base64: Mapping[str, str] = field(default_factory=dict)

    def header_bytes(self) -> dict[str, bytes]:
        """Each header value's exact bytes: from ``headers_base64``, else the text's (latin-1, else UTF-8)."""
        out: dict[str, bytes] = {}
        for name, value in self.headers.items():
            raw = self.headers_base64.get(name)
            out[name] = base64.b64decode(raw) if raw is not None else _octets(value)
        return out

    def wire_headers(self) -> dict[str, str]:
        """The headers as the wire carried them: each value's bytes as latin-1 text (what transports send)."""
        return {name: raw.decode("latin-1") for name, raw in self.header_bytes().items()}

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
        headers = Headers(self.wire_headers())
        return Request(self.method, self.path, query, headers, self.body_bytes(), parse_rfc3339(self.received_at))

    def to_json(self) -> JsonObject:
        """The delivery as the JSON object of its line."""
        out: JsonObject = {RECORD_KEY: RECORDING_FORMAT}
        if self.seq is not None:
            out["seq"] = self.seq
        out.update(vendor=self.vendor, method=self.method, path=self.path)
        out["query"] = {k: list(v) if isinstance(v, list) else v for k, v in self.query.items()}
        out["headers"] = dict(self.headers)
        if self.headers_base64:
            out["headers_base64"] = dict(self.headers_base64)
        out["body"] = self.body
        if self.body_text is not None:
            out["body_text"] = self.body_text
        if self.body_base64 is not None:
            out["body_base64"] = self.body_base64
        out["received_at"] = self.received_at
        for name in ("side", "intent", "test"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
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
            seq=raw.get("seq"),  # type: ignore[arg-type]
            intent=raw.get("intent"),  # type: ignore[arg-type]
            test=raw.get("test"),  # type: ignore[arg-type]
            headers_base64=raw.get("headers_base64") or {},  # type: ignore[arg-type]
        )


def delivery_problems(value: Mapping[str, object]) -> tuple[Problem, ...]:
    """Everything wrong with a recorded delivery's object, as problems (empty when it is well formed)."""
    marker = value.get(RECORD_KEY)
    if marker not in READABLE_FORMATS or type(marker) is not int:
        readable = " and ".join(map(str, READABLE_FORMATS))
        message = f"unsupported recording format {marker!r} (this version reads {readable})"
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
    for name in ("vendor", "body_text", "side", "test"):
        if value.get(name) is not None and not isinstance(value[name], str):
            problems.append(Problem(f"$.{name}", "expected a string or null"))
    encoded = value.get("body_base64")
    if encoded is not None and not _base64(encoded):
        problems.append(Problem("$.body_base64", "expected base64 text or null"))
    problems.extend(_v2_problems(value))
    return tuple(problems)


def _v2_problems(value: Mapping[str, object]) -> Iterator[Problem]:
    """What is wrong with the fields format 2 added (``seq``, ``intent``, ``headers_base64``)."""
    seq = value.get("seq")
    if seq is not None and not (type(seq) is int and seq >= 1):
        yield Problem("$.seq", f"expected a sequence number (an integer from 1), got {seq!r}")
    intent = value.get("intent")
    if intent is not None and intent not in INTENTS:
        yield Problem("$.intent", f"expected one of {', '.join(map(repr, INTENTS))} or null, got {intent!r}")
    raw = value.get("headers_base64")
    headers = value.get("headers")
    if raw is not None and not (isinstance(raw, dict) and _strings(raw) and all(map(_base64, raw.values()))):
        yield Problem("$.headers_base64", "expected an object of base64 strings")
    elif isinstance(raw, dict) and isinstance(headers, dict) and not raw.keys() <= headers.keys():
        extra = sorted(raw.keys() - headers.keys())
        yield Problem("$.headers_base64", f"names headers that $.headers does not hold: {extra}")


def _octets(text: str) -> bytes:
    """A header's text as bytes: latin-1 (how the wire's bytes are read), else UTF-8 (text written by hand)."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


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
    for number, record in read_lines(source, name=label):
        if isinstance(record, RecordingError):
            raise RecordingError(f"{label}:{number}: {record}", record.problems) from None
        yield number, record


def read_lines(
    source: Source, *, name: str | None = None
) -> Iterator[tuple[int, RecordedDelivery | JsonObject | RecordingError]]:
    """Every line of a recording with its number: a record, or the :class:`RecordingError` saying why it is not one.

    Reads on past bad lines (what :func:`~pytest_jobhooks.replay` does); raises
    :class:`RecordingError` only when the source itself cannot be read.
    """
    label = name or source_label(source)
    try:
        with open_source(source) as stream:
            for number, value in read_values(stream, format_hint(source, label)):
                try:
                    yield number, _record(value)
                except RecordingError as exc:
                    yield number, exc
    except OSError as exc:
        raise RecordingError(f"{label}: cannot read: {describe_os_error(exc)}") from None


def _record(value: object) -> RecordedDelivery | JsonObject:
    if isinstance(value, Unreadable):
        raise RecordingError(value.message, (Problem("$", value.message),))
    if type(value) is not dict:
        message = f"expected a JSON object, got {json_type(value)}"
        raise RecordingError(message, (Problem("$", message),))
    return RecordedDelivery.from_json(value) if RECORD_KEY in value else value
