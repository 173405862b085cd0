"""What a received request says, worked out on first question: parsed body, vendor, job state, problems.

The capture server records requests without asking the catalog anything (that
keeps each request cheap); a :class:`Content` answers when a test first reads
``delivery.vendor``, ``delivery.status``... or filters in ``wait_for``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from ..errors import PayloadValidationError, Problem
from ..signing import has_signature_headers

if TYPE_CHECKING:
    from ..vendors.base import AnyVendor, JobState, JsonObject, JsonValue

_JSON_TYPES = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not allowed in JSON")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)  # one, reused: json.loads(**kw) builds one per call


@dataclass(frozen=True)
class Parsed:
    """The body as JSON (None if absent or unreadable) and the object to classify (body or query)."""

    json: JsonValue | None
    payload: JsonObject | None
    problem: Problem | None


@dataclass(frozen=True)
class Reading:
    """What the catalog makes of a delivery: the job state (if valid) and every problem found."""

    state: JobState | None
    problems: tuple[Problem, ...]


class Content:
    """A request's method, body, query and headers, with the catalog's verdict computed once, on demand."""

    def __init__(
        self,
        method: str,
        body: bytes,
        query_string: str,
        headers: Mapping[str, str],
        transport_error: str | None = None,
        *,
        signed: bool | None = None,
    ) -> None:
        self.method = method
        self.body = body
        self.query_string = query_string
        self.headers = headers
        self.transport_error = transport_error
        self.signed = has_signature_headers(headers) if signed is None else signed

    @cached_property
    def query_lists(self) -> dict[str, list[str]]:
        """Every query parameter with all its values, in order."""
        return parse_qs(self.query_string, keep_blank_values=True) if self.query_string else {}

    @cached_property
    def query(self) -> dict[str, str]:
        """Each query parameter's first value."""
        return {key: values[0] for key, values in self.query_lists.items()}

    @cached_property
    def parsed(self) -> Parsed:
        """The body parsed as JSON, and the JSON object (body, else query string) the vendor is judged from."""
        if self.transport_error is not None:
            return Parsed(None, None, Problem("$", self.transport_error))
        if not self.body.strip():
            if self.query:
                return Parsed(None, dict(self.query), None)
            return Parsed(None, None, Problem("$", "empty body: expected a JSON object"))
        try:
            text = self.body.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad = self.body[exc.start : exc.start + 1].hex()
            return Parsed(None, None, Problem("$", f"body is not valid UTF-8 (byte 0x{bad} at position {exc.start})"))
        try:
            value = _DECODER.decode(text)
        except (ValueError, RecursionError) as exc:
            reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
            return Parsed(None, None, Problem("$", f"not valid JSON: {reason}"))
        if not isinstance(value, dict):
            kind = _JSON_TYPES.get(type(value), "a number")
            return Parsed(value, None, Problem("$", f"expected a JSON object, got {kind}"))
        return Parsed(value, value, None)

    @cached_property
    def vendor(self) -> str | None:
        """The vendor the delivery looks like it came from (see :func:`pytest_jobhooks.detect_vendor`)."""
        parsed = self.parsed
        if parsed.payload is None:
            return None
        from . import detect_vendor

        # Headers only matter to detect_vendor when they sign (it then keeps to signing vendors).
        headers = self.headers if self.signed else None
        if parsed.json is None:  # a body-less delivery such as GoFetch's GET with query parameters
            return detect_vendor(None, headers=headers, query=self.query_lists)
        return detect_vendor(parsed.payload, headers=headers)

    @cached_property
    def from_signing_vendor(self) -> bool:
        """Whether the delivery comes from a vendor that signs its deliveries (Tensorlake...).

        Asked of every unsigned delivery while it is received, so it first checks
        cheaply what :func:`~pytest_jobhooks.detect_vendor` needs to name a vendor
        (at least two of its field names, or all if it has fewer) and only runs
        the detection when some signing vendor passes that check.
        """
        from ..vendors import VENDORS

        signing = [spec for spec in VENDORS.values() if spec.delivery.signing is not None]
        payload = self.parsed.payload
        if payload is None or not any(_may_be(spec, payload) for spec in signing):
            return False
        vendor = self.vendor
        return vendor is not None and any(spec.name == vendor for spec in signing)

    @cached_property
    def reading(self) -> Reading:
        """The job state the payload describes (None unless valid) and every problem with it."""
        parsed = self.parsed
        if parsed.problem is not None:
            return Reading(None, (parsed.problem,))
        assert parsed.payload is not None  # no problem means there is a payload
        vendor = self.vendor
        if vendor is None:
            fields = ", ".join(sorted(parsed.payload)) or "none"
            return Reading(None, (Problem("$", f"matches no known vendor's payload (fields: {fields})"),))
        from . import job_state

        source: object = self.query_lists if parsed.json is None else parsed.payload
        try:
            return Reading(job_state(vendor, source), ())
        except PayloadValidationError as exc:
            return Reading(None, exc.errors)


def _may_be(spec: AnyVendor, payload: JsonObject) -> bool:
    try:
        shape = spec.unwrap(payload) if spec.unwrap else payload
    except Exception:  # a vendor's unwrap may not expect this payload: let detection decide
        return True
    return isinstance(shape, dict) and len(spec.fields.intersection(shape)) >= min(2, len(spec.fields))
