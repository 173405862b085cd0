"""The one reading of a payload: which vendor sent it, where its job stands, what is wrong, what drifts.

:func:`read` is how every part of pytest-jobhooks judges a payload: captured
deliveries, the assertions, contract mode and the recordings (whose fast path
gives the same :class:`Reading`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qs

from pydantic import ValidationError

from .._json import JsonObject, JsonValue, decode, json_path
from ..errors import PayloadValidationError, Problem
from ..vendors import VENDORS, get_vendor
from ..vendors._cloudevents import CONTENT_TYPE, attributes_of, from_binary, is_binary, is_structured
from ..vendors._validation import validated
from ..vendors.base import AnyVendor, JobState, UnifiedStatus
from ..wire import Request, has_signature_headers, looks_like_query
from .drift import Finding, find_drift, shape_of
from .judgement import closed_status
from .payloads import EMPTY_BODY, decode_utf8, detect_vendor, may_be, not_an_object, to_json_object

__all__ = ["Outcome", "Reading", "no_vendor", "read", "read_if_signing"]

Outcome = Literal["valid", "drift", "invalid"]
"""A payload's verdict: valid, drift (only undeclared fields / undocumented values) or invalid."""


@dataclass(frozen=True, eq=False)
class Reading:
    """What the catalog makes of one payload.

    ``vendor`` names who sent it (None when no registered vendor does);
    ``job_state`` is None unless the payload is valid; ``problems`` lists what
    is wrong (empty when valid); ``payload`` is the JSON object judged (a body,
    or a body-less delivery's query parameters), ``json`` the body as parsed;
    ``job_id`` is the job the payload concerns, read loosely when it is invalid.
    ``drift`` (fields and enum values the vendor does not document) is worked out on first use.
    """

    vendor: str | None
    job_state: JobState | None
    problems: tuple[Problem, ...]
    payload: JsonObject | None = None
    json: JsonValue | None = None
    job_id: str | None = None
    spec: AnyVendor | None = None
    """The registered vendor object it was read as (None when unknown)."""
    _drift: tuple[Finding, ...] | None = None

    @property
    def cloudevent(self) -> dict[str, JsonValue] | None:
        """The CloudEvents attributes of an event (``specversion``, ``id``, ``source``, ``type``, ``time``...,
        from the body or, in binary mode, the ``ce-*`` headers), or None when the payload is no event."""
        return attributes_of(self.payload)

    @property
    def valid(self) -> bool:
        """Whether the payload is one its vendor documents."""
        return self.job_state is not None

    @property
    def status(self) -> str | None:
        """The vendor's own status of a valid payload, else None."""
        return self.job_state.status if self.job_state is not None else None

    @property
    def unified(self) -> UnifiedStatus | None:
        """The unified status of a valid payload, else None."""
        return self.job_state.unified if self.job_state is not None else None

    @property
    def from_signing_vendor(self) -> bool:
        """Whether it was read as a vendor that signs its deliveries (a missing signature then matters)."""
        return self.spec is not None and self.spec.delivery.signing is not None

    @property
    def drift(self) -> tuple[Finding, ...]:
        """Every field and enum value in the payload the vendor's schema does not document."""
        found = self._drift
        if found is None:
            found = ()
            if self.spec is not None and self.payload is not None:
                try:
                    found = tuple(find_drift(shape_of(self.spec), self.payload))
                except RecursionError:
                    found = ()
            object.__setattr__(self, "_drift", found)
        return found

    @property
    def breaking(self) -> tuple[Problem, ...]:
        """The problems drift does not explain (an undocumented enum value is drift, not breakage)."""
        if not self.problems or self.spec is None or self.payload is None:
            return self.problems
        drifting = {f.path for f in self.drift if f.kind == "value"}
        real = tuple(p for p in self.problems if p.path not in drifting)
        # Only undocumented values: the model, which runs after the schema, may know more; a closed status breaks.
        return real or _model_problems(self.spec, self.payload) or closed_status(self)

    @property
    def outcome(self) -> Outcome:
        """``invalid`` unless drift explains all that is wrong, else ``drift`` if anything drifts, else ``valid``."""
        if self.breaking:
            return "invalid"
        return "drift" if self.drift else "valid"


def read(item: object, *, vendor: str | AnyVendor | None = None) -> Reading:
    """Read one payload: a mapping, JSON text or bytes, a query mapping or string, or a wire ``Request``.

    A request is read from its body, else (empty body) from its query string;
    signing headers narrow detection to vendors that sign. ``vendor`` skips
    detection (an unknown name raises :class:`~pytest_jobhooks.UnknownVendorError`).
    Never raises for bad input: it shows in ``problems``.
    """
    spec = get_vendor(vendor) if vendor is not None else None
    if isinstance(item, Request):
        return _read_request(item, spec)
    parsed, query = _parse(item, spec)
    if isinstance(parsed, Problem):
        return _unreadable(spec, parsed)
    if not isinstance(parsed, dict):
        return _unreadable(spec, Problem("$", not_an_object(parsed)))
    return _judge(spec, parsed, parsed, query, None, None if query else parsed)


def read_if_signing(request: Request) -> Reading | None:
    """The reading of ``request`` when it may come from a vendor that signs, else None (cheaply).

    Asked of every unsigned delivery a capture server with a secret receives:
    it first checks the field names (what detection needs) and reads the
    request only when some signing vendor passes that check.
    """
    signing = [spec for spec in VENDORS.values() if spec.delivery.signing is not None]
    body = request.json
    payload: JsonObject | None = None
    if isinstance(body, dict):
        payload = body
    elif not request.body.strip() and request.query:
        payload = dict(request.query)
    if payload is None or not any(may_be(spec, payload) for spec in signing):
        return None
    return read(request)


def _read_request(request: Request, spec: AnyVendor | None) -> Reading:
    headers = request.headers if has_signature_headers(request.headers) else None
    if not request.body.strip():
        if is_binary(request.headers):
            event = from_binary(request.headers, None, has_body=False)
            return _judge(spec, event, event, None, headers, None)
        if not request.query_string:
            return _unreadable(spec, Problem("$", EMPTY_BODY))
        query = request.query_lists
        return _judge(spec, dict(request.query), query, query, headers, None)
    value = request.json  # parsed once per request (cached), whoever asks first
    if value is None:  # not JSON (a JSON null body is too, and reads so below)
        text = decode_utf8(request.body)
        if isinstance(text, Problem):
            return _unreadable(spec, text)
        try:
            value = decode(text)  # type: ignore[assignment]
        except ValueError as exc:
            return _unreadable(spec, Problem("$", str(exc)))
    if is_binary(request.headers):  # a CloudEvent in binary mode: judged as its structured form
        event = from_binary(request.headers, value, has_body=True)
        return _judge(spec, event, event, None, headers, value)
    if not isinstance(value, dict):
        return Reading(spec.name if spec else None, None, (Problem("$", not_an_object(value)),), json=value)
    reading = _judge(spec, value, value, None, headers, value)
    return with_content_mode(reading, value, request.headers)


_STRUCTURED = f"structured mode needs Content-Type {CONTENT_TYPE}"


def with_content_mode(reading: Reading, value: JsonObject, headers: Mapping[str, str]) -> Reading:
    """``reading`` of a JSON body, with the problem of a CloudEvents envelope sent without its content type.

    HTTP binding: without application/cloudevents+json a receiver reads the
    request in binary mode, where this body is the data of an event with no
    ce-* attributes. Recordings judge their lines by this too (one rule).
    """
    content_type = headers.get("content-type")
    if attributes_of(value) is None or is_structured(content_type):
        return reading
    wrong = Problem("$", f"a CloudEvents envelope sent as {content_type or 'no Content-Type'}: {_STRUCTURED}")
    return Reading(reading.vendor, None, (wrong, *reading.problems), value, value, reading.job_id, reading.spec)


def _parse(item: object, spec: AnyVendor | None) -> tuple[object, Mapping[str, object] | None]:
    """The object a bare payload holds (or the problem reading it), and its query mapping if it is one."""
    if isinstance(item, (bytes, bytearray, memoryview)):
        item = decode_utf8(bytes(item))
        if isinstance(item, Problem):
            return item, None
    if isinstance(item, str):
        if not item.strip():
            return Problem("$", EMPTY_BODY), None
        try:
            return decode(item), None
        except ValueError as exc:
            if looks_like_query(item) and (spec is None or spec.delivery.accepts_query()):
                query = parse_qs(item.lstrip("?"), keep_blank_values=True)
                return dict(query), query
            return Problem("$", str(exc)), None
    if isinstance(item, Mapping):
        return dict(item), None  # a query mapping (parse_qs's lists) is read as to_json_object reads it
    return item, None


def _judge(
    spec: AnyVendor | None,
    payload: JsonObject,
    source: object,
    query: Mapping[str, object] | None,
    headers: Mapping[str, str] | None,
    body: JsonValue | None,
) -> Reading:
    if spec is None:
        name = detect_vendor(None if query is not None else payload, headers=headers, query=query)
        if name is None:
            return Reading(None, None, (no_vendor(payload),), payload, body)
        spec = VENDORS[name]
    try:
        data = to_json_object(spec, source)
    except PayloadValidationError as exc:
        return Reading(spec.name, None, exc.errors, payload, body, spec.loose_job_id(payload), spec)
    verdict = validated(spec, data)
    if isinstance(verdict, tuple):
        return Reading(spec.name, None, verdict, data, body, spec.loose_job_id(data), spec)
    state = spec.state_of(verdict)
    return Reading(spec.name, state, (), data, body, state.job_id, spec)


def _unreadable(spec: AnyVendor | None, problem: Problem) -> Reading:
    return Reading(spec.name if spec is not None else None, None, (problem,), spec=spec)


def _model_problems(spec: AnyVendor, data: JsonObject) -> tuple[Problem, ...]:
    target = spec.shape(data)
    prefix = next(((key,) for key, value in data.items() if value is target), ()) if target is not data else ()
    try:
        spec.model.model_validate(target)
    except ValidationError as exc:
        return tuple(
            Problem(json_path((*prefix, *error["loc"])), error["msg"].removeprefix("Value error, "))
            for error in exc.errors(include_url=False)
            if error["type"] != "literal_error"
        )
    except RecursionError:
        return (Problem("$", "nested too deeply"),)
    return ()


def no_vendor(fields: Iterable[str]) -> Problem:
    """The one wording of "no registered vendor sends this", naming the payload's top-level fields."""
    listed = ", ".join(sorted(fields)) or "none"
    return Problem("$", f"matches no known vendor's payload (fields: {listed})")
