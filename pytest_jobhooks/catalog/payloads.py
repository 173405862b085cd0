"""Payloads as the catalog takes them: turned into a JSON object, recognised, validated, read as a job state."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qs

from pydantic import BaseModel

from .._json import JsonObject, decode, json_path, json_type
from ..errors import PayloadValidationError, Problem
from ..vendors import VENDORS, get_vendor
from ..vendors._validation import validated
from ..vendors.base import AnyVendor, JobState
from ..wire import has_signature_headers, looks_like_query

__all__ = [
    "EMPTY_BODY",
    "decode_utf8",
    "detect_vendor",
    "is_valid",
    "job_state",
    "may_be",
    "not_an_object",
    "to_json_object",
    "validate_payload",
]


def validate_payload(vendor: str | AnyVendor, payload: object) -> BaseModel:
    """Check ``payload`` against what ``vendor`` documents and return it as the vendor's model.

    ``payload`` may be a mapping, JSON text or bytes; for a vendor that delivers
    in a query string (GoFetch) also a query mapping (values as strings or
    one-item lists, as ``parse_qs`` gives them) or a query string. Raises
    :class:`~pytest_jobhooks.PayloadValidationError` listing every problem.
    """
    spec = get_vendor(vendor)
    verdict = validated(spec, to_json_object(spec, payload))
    if isinstance(verdict, tuple):
        raise PayloadValidationError(spec.name, verdict)
    return verdict


def job_state(vendor: str | AnyVendor, payload: object) -> JobState:
    """Where the job stands according to ``payload``: id, native and unified status, time if sent.

    The payload is validated first (see :func:`validate_payload`).
    """
    spec = get_vendor(vendor)
    return spec.state_of(validate_payload(spec, payload))


def is_valid(vendor: str | AnyVendor, payload: object) -> bool:
    """Whether :func:`validate_payload` accepts ``payload`` for ``vendor`` (without the problems)."""
    try:
        validate_payload(vendor, payload)
    except PayloadValidationError:
        return False
    return True


def detect_vendor(
    payload: object,
    *,
    headers: Mapping[str, str] | None = None,
    query: Mapping[str, object] | None = None,
) -> str | None:
    """Which registered vendor a delivery looks like it came from, or None when nothing fits.

    Judged from the payload's shape (its top-level field names), narrowed by
    a signature header when given (``svix-signature`` or ``webhook-signature``:
    only signing vendors then), and from a GoFetch-style query string when the
    body says nothing. A payload need not be valid to be recognised: an
    invalid Telmai payload is still Telmai's.
    """
    signed = headers is not None and has_signature_headers(headers)
    candidates = [v for v in VENDORS.values() if not signed or v.delivery.signing is not None]
    data = _loose_object(payload)
    if data is None and query:
        data = _loose_object(query)
        candidates = [v for v in candidates if v.delivery.accepts_query()]
    if not data:
        return None
    scores = {spec.name: score for spec in candidates if (score := _score(spec, data)) is not None}
    if not scores:
        return None
    best = max(scores.values())
    leaders = [name for name, score in scores.items() if score == best]
    if len(leaders) > 1:
        leaders = [name for name in leaders if is_valid(name, data)]
    return leaders[0] if len(leaders) == 1 else None


def may_be(spec: AnyVendor, data: JsonObject) -> bool:
    """Whether ``data`` has enough of ``spec``'s field names for :func:`detect_vendor` to consider it."""
    return _score(spec, data) is not None


def _score(spec: AnyVendor, data: JsonObject) -> int | None:
    shape = spec.shape(data)
    score = len(spec.fields.intersection(shape)) if isinstance(shape, dict) else 0
    return score if score >= min(2, len(spec.fields)) else None


def to_json_object(vendor: AnyVendor, payload: object) -> JsonObject:
    """Turn a payload (mapping, JSON text/bytes, query mapping/string) into a JSON object.

    Raises :class:`~pytest_jobhooks.PayloadValidationError` when it is not one.
    """
    if isinstance(payload, (bytes, bytearray, memoryview)):
        text = decode_utf8(bytes(payload))
        if isinstance(text, Problem):
            raise PayloadValidationError(vendor.name, [text])
        payload = text
    if isinstance(payload, str):
        payload = _parse_text(vendor, payload)
    if isinstance(payload, Mapping):
        if not all(isinstance(key, str) for key in payload):
            raise _fail(vendor, "object keys must be strings")
        if vendor.delivery.accepts_query():
            return _from_query(vendor, payload)
        return dict(payload)
    raise _fail(vendor, not_an_object(payload))


def not_an_object(value: object) -> str:
    """The one wording of a payload that is not a JSON object."""
    return f"expected a JSON object, got {json_type(value)}"


EMPTY_BODY = "empty body: expected a JSON object"
"""The one wording of a payload with nothing in it."""


def decode_utf8(raw: bytes) -> str | Problem:
    """``raw`` as text, or the problem saying where it is not UTF-8."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = raw[exc.start : exc.start + 1].hex()
        return Problem("$", f"body is not valid UTF-8 (byte 0x{bad} at position {exc.start})")


def _fail(vendor: AnyVendor, message: str) -> PayloadValidationError:
    return PayloadValidationError(vendor.name, [Problem("$", message)])


def _parse_text(vendor: AnyVendor, text: str) -> object:
    if not text.strip():
        raise _fail(vendor, EMPTY_BODY)
    try:
        return decode(text)
    except ValueError as exc:
        if vendor.delivery.accepts_query() and looks_like_query(text):
            return parse_qs(text.lstrip("?"), keep_blank_values=True)
        raise _fail(vendor, str(exc)) from None


def _from_query(vendor: AnyVendor, mapping: Mapping[str, object]) -> JsonObject:
    data: JsonObject = {}
    for key, value in mapping.items():
        if isinstance(value, (list, tuple)):
            if len(value) != 1:
                raise PayloadValidationError(
                    vendor.name, [Problem(json_path([key]), f"given {len(value)} times in the query string")]
                )
            value = value[0]
        data[key] = value  # type: ignore[assignment]
    return data


def _loose_object(payload: object) -> JsonObject | None:
    if isinstance(payload, (bytes, bytearray, memoryview)):
        text = decode_utf8(bytes(payload))
        if isinstance(text, Problem):
            return None
        payload = text
    if isinstance(payload, str):
        try:
            payload = decode(payload)
        except ValueError:
            return None
    if isinstance(payload, Mapping):
        return {str(k): (v[0] if isinstance(v, list) and len(v) == 1 else v) for k, v in payload.items()}
    return None
