"""Making the lines ``--jobhooks-record`` writes: each captured or sent delivery as a record, secrets redacted.

:class:`~pytest_jobhooks.recordings.writer.Recorder` appends the lines made here.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from .._json import COMPACT, JsonValue, decode, format_rfc3339
from ..vendors import credential_headers
from ..wire import Headers, Request
from .format import RecordedDelivery

if TYPE_CHECKING:
    from ..deliveries import Delivery
    from ..sender import DeliveryReport

REDACTED = "[redacted]"
"""What a redacted header value reads as."""

REDACTED_HEADERS = frozenset({"authorization", "x-user-token", "cookie", "set-cookie"})
"""Headers whose values are never recorded (lower case)."""

SECRET_PREFIX = "whsec_"
_REDACTED_SECRET = f"{SECRET_PREFIX}{REDACTED}"


def _spelt(char: str) -> str:
    """``char`` as a pattern: itself, its JSON escape ``\\u00XX`` or its percent escape ``%XX`` (hex in any case)."""
    code = "".join(f"[{d}{d.upper()}]" if d.isalpha() else d for d in f"{ord(char):02x}")
    return f"(?:{re.escape(char)}|\\\\u00{code}|%{code})"


# A secret as a recording may hold it: plain, or with JSON or percent escapes anywhere in it (``whsec\u005f...``,
# ``whsec_AB\/CD``, ``whsec_AB%2BCD`` in a form body) in a raw body kept as text or base64, or in a path:
# where a reader that decodes it would get it back.
_SECRET = re.compile(
    "".join(map(_spelt, SECRET_PREFIX)) + r"(?!\[redacted\])(?:[\w+=-]|\\?/|\\u[0-9a-fA-F]{4}|%[0-9a-fA-F]{2})*"
)


def redact_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    """``headers`` (a mapping or name-value pairs) with :data:`REDACTED_HEADERS` and every vendor's
    ``credential_headers`` (any case) valued ``"[redacted]"``.

    A name given several times (in any case) keeps its first spelling and its
    values joined by ``", "``, as :class:`~pytest_jobhooks.Headers` reads them.
    """
    pairs = (
        headers.raw() if isinstance(headers, Headers) else headers.items() if isinstance(headers, Mapping) else headers
    )
    out: dict[str, str] = {}
    spelled: dict[str, str] = {}
    credentials = credential_headers()  # what registered vendors send a user's credential in (Tamr's X-API-KEY)
    for name, value in pairs:
        key = name.lower()
        if key in REDACTED_HEADERS or key in credentials:
            value = REDACTED
        first = spelled.get(key)
        if first is None:
            spelled[key] = name
            out[name] = value
        elif out[first] != REDACTED:
            out[first] = f"{out[first]}, {value}"
    return out


def redact_secrets(text: str) -> str:
    """``text`` with every Svix secret (``whsec_...``, JSON escapes or not) replaced by ``whsec_[redacted]``."""
    # A secret spelt with an escape holds "\u00" or "%"; without one, the prefix itself: a quick test first.
    return _SECRET.sub(_redacted, text) if SECRET_PREFIX in text or "\\u00" in text or "%" in text else text


def _redacted(match: re.Match[str]) -> str:
    text, found = match.string, match.group()
    before = match.start() - 1
    while before >= 0 and text[before] == "\\":
        before -= 1
    # After an odd run of backslashes a "\u0077" is an escaped backslash and the text "u0077": no secret.
    return found if (match.start() - 1 - before) % 2 and found.startswith("\\") else _REDACTED_SECRET


def _redacted_base64(encoded: str) -> str:
    """A base64 body with its secrets redacted in the decoded bytes (read as latin-1: every byte kept as it is)."""
    text = base64.b64decode(encoded).decode("latin-1")
    redacted = redact_secrets(text)
    return encoded if redacted == text else base64.b64encode(redacted.encode("latin-1")).decode("ascii")


def redacted_record(record: RecordedDelivery) -> RecordedDelivery:
    """``record`` with secrets redacted where its line holds them encoded: raw text and base64 bodies, headers.

    The line is redacted again as a whole by :func:`line_of`; this catches what
    only a reader that decodes a field (JSON escapes, base64) would see.
    """
    text = record.body_text
    raw = record.body_base64
    return replace(
        record,
        path=redact_secrets(record.path),
        headers={name: redact_secrets(value) for name, value in record.headers.items()},
        headers_base64={
            name: _redacted_base64(value)
            for name, value in record.headers_base64.items()
            if record.headers.get(name) != REDACTED
        },
        body_text=redact_secrets(text) if text is not None else None,
        body_base64=_redacted_base64(raw) if raw is not None else None,
    )


def header_fields(headers: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """Wire headers (values as latin-1 text of their bytes) as a recording keeps them: (text, base64 of non-ASCII).

    A value whose bytes are all ASCII is kept as it is. Any other keeps its
    exact bytes in base64, and reads as text in UTF-8 when it is UTF-8 (a
    ``café`` sent as UTF-8 reads ``café``, not ``cafÃ©``), else in latin-1.
    """
    text: dict[str, str] = {}
    raw: dict[str, str] = {}
    for name, value in headers.items():
        if value.isascii():
            text[name] = value
            continue
        try:
            octets = value.encode("latin-1")
        except UnicodeEncodeError:  # text made by hand, not read off the wire: its UTF-8 is what goes out
            octets = value.encode("utf-8", "surrogatepass")
        try:
            text[name] = octets.decode("utf-8")
        except UnicodeDecodeError:
            text[name] = octets.decode("latin-1")
        raw[name] = base64.b64encode(octets).decode("ascii")
    return text, raw


def body_fields(body: bytes, parsed: JsonValue | None = None) -> tuple[JsonValue, str | None, str | None]:
    """``body`` as a recording keeps it: (parsed JSON or None, raw text or None, base64 or None).

    The raw text is kept only when the parsed JSON, written compactly, would
    not give back the same bytes; base64 only when the body is not UTF-8.
    ``parsed`` saves parsing again when the caller has the JSON already.
    """
    if not body:
        return None, None, None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None, None, base64.b64encode(body).decode("ascii")
    if parsed is None:
        try:
            parsed = decode(text)  # type: ignore[assignment]
        except ValueError:
            return None, text, None
    try:
        compact = COMPACT.encode(parsed)
    except (TypeError, ValueError, RecursionError):
        return None, text, None
    return parsed, (None if compact == text else text), None


def recorded(request: Request, *, vendor: str | None, side: str) -> RecordedDelivery:
    """``request`` as a recording keeps it: headers redacted (secrets are redacted per line, by :func:`line_of`).

    The one way a line is made, for what a capture server received (``side="captured"``)
    and for what the sender sent (``side="sent"``, one line per attempt).
    """
    body, text, raw = body_fields(request.body, request.json)
    query = request.query_lists
    headers, headers_raw = header_fields(redact_headers(request.headers))
    return RecordedDelivery(
        method=request.method,
        path=request.path,
        headers=headers,
        headers_base64=headers_raw,
        body=body,
        # A request made by hand may have no time: it is recorded as arriving now.
        received_at=format_rfc3339(request.time or datetime.now(timezone.utc)),
        query={name: values[0] if len(values) == 1 else values for name, values in query.items()},
        body_text=text,
        vendor=vendor,
        side=side,
        body_base64=raw,
    )


def captured_record(delivery: Delivery) -> RecordedDelivery:
    """A delivery a capture server received, as recorded (see :func:`recorded`)."""
    return recorded(delivery.request, vendor=delivery.vendor, side="captured")


def sent_records(report: DeliveryReport) -> Iterator[RecordedDelivery]:
    """Each attempt of a delivery the sender made, as recorded: the request exactly as sent (see :func:`recorded`)."""
    for attempt in report.attempts:
        yield recorded(attempt.request, vendor=report.vendor, side="sent")  # timed when it went out


def line_of(record: RecordedDelivery) -> bytes:
    """The record's line with its newline, secrets redacted, as UTF-8."""
    record = redacted_record(record)
    line = redact_secrets(record.to_line())
    try:
        return (line + "\n").encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a JSON "\ud800" escape: write the line in ASCII
        # allow_nan=False as COMPACT: a recorded line is always strict JSON, never "Infinity".
        ascii_line = json.dumps(record.to_json(), ensure_ascii=True, separators=(",", ":"), allow_nan=False)
        return (redact_secrets(ascii_line) + "\n").encode("ascii")
