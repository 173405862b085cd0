"""The verdict on one recorded payload, fast: the same :class:`~pytest_jobhooks.catalog.Reading` as ``catalog.read``.

Fast path: the vendor's schema compiled by jsonschema-rs, then the rules its
model checks beyond the schema (:attr:`Vendor.beyond_schema
<pytest_jobhooks.vendors.base.Vendor.beyond_schema>`), decide valid-or-not; a
valid payload is then only walked for undeclared fields. Without the
jsonschema-rs wheel, or for a vendor that does not say what its model checks
beyond the schema, the vendor's pydantic adapter decides instead. Only a
payload the fast check rejects pays for :func:`~pytest_jobhooks.catalog.read`
(the model, jsonschema's messages), whose ``outcome`` and ``breaking``
problems tell drift from breakage.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from pydantic import ValidationError

from ..catalog import detect_vendor, read, to_json_object
from ..catalog.drift import Check, Finding, new_fields_check, shape_of
from ..catalog.payloads import not_an_object
from ..catalog.reading import Reading, no_vendor, with_content_mode
from ..errors import PayloadValidationError, Problem, UnknownVendorError
from ..vendors import VENDORS, get_vendor
from ..vendors._cloudevents import attributes_of, from_binary, is_binary
from ..vendors._validation import compiled_verdict
from ..vendors.base import AnyVendor
from ..wire import Headers

# Enough for every key order of every payload shape a real recording holds; cleared when full.
_MEMO_SIZE = 4096


@dataclass(frozen=True, eq=False)
class _Plan:
    """What judging one vendor's payloads needs, looked up once per vendor instead of once per line."""

    spec: AnyVendor
    accepts: Callable[[dict[str, object]], bool]
    clean: Callable[[dict[str, object]], bool]  # valid and without drift (False: ask ``accepts``)
    new_fields: Check
    query: bool  # a mapping may be query parameters (to_json_object reads it so)


def unknown(problem: str | Problem, vendor: str | None = None) -> Reading:
    """The reading of a line that cannot be judged (unknown vendor, unreadable line)."""
    return Reading(vendor, None, (problem if isinstance(problem, Problem) else Problem("$", problem),))


class Judge:
    """Judges payloads one by one; remembers which vendor each payload shape (its keys) belongs to.

    A clean valid payload gives its vendor object (the common case allocates
    nothing); anything else a :class:`Reading` whose ``outcome`` is ``drift`` or ``invalid``.
    """

    def __init__(self, vendor: AnyVendor | None) -> None:
        self.vendor = vendor
        self._plans: dict[AnyVendor, _Plan] = {}
        self._memo: dict[tuple[str, ...], _Plan] = {}

    def payload(self, value: object) -> Reading | AnyVendor:
        """Judge a bare payload."""
        if self.vendor is not None:
            return self.check(self.vendor, value)
        if type(value) is not dict:
            return unknown(not_an_object(value))  # a parsed line: a string here is a JSON string, not JSON text
        key = tuple(value)
        plan = self._memo.get(key)
        if plan is not None:
            # The hot path, inlined: a known shape, valid for the vendor it was last seen from.
            data = value if not plan.query else _query_data(plan.spec, value)
            if data is not None:
                if plan.clean(data):
                    return plan.spec
                if plan.accepts(data):
                    return self._clean(plan, data)
        # A new shape, or the remembered vendor rejects the payload: ask detect_vendor.
        name = detect_vendor(value)
        if name is None:
            return unknown(no_vendor(value))
        plan = self._plan(VENDORS[name])
        if len(self._memo) >= _MEMO_SIZE:
            self._memo.clear()
        self._memo[key] = plan
        return self.check(plan.spec, value)

    def delivery(
        self,
        hint: str | None,
        body: object,
        headers: Mapping[str, str],
        query: Mapping[str, object],
    ) -> Reading | AnyVendor:
        """Judge a recorded delivery's payload: its body (parsed, else raw text), else its query string."""
        if is_binary(headers):  # a CloudEvent in binary mode: judged as its structured form, as read() does
            body = from_binary(headers, body, has_body=body not in (None, ""))  # type: ignore[arg-type]
        spec = self.vendor
        if spec is None and hint is not None:
            try:
                spec = get_vendor(hint)
            except UnknownVendorError as exc:
                return unknown(str(exc))
        if spec is None:
            name = detect_vendor(body, headers=headers, query=query)
            if name is None:
                return unknown(no_vendor(body if isinstance(body, Mapping) else query))
            spec = VENDORS[name]
        if body is None or body == "":
            body = query if query and self._plan(spec).query else ""
        if type(body) is dict and attributes_of(body) is not None and not is_binary(headers):
            # An envelope: its content type decides how a receiver reads it, as read() of the request says.
            return with_content_mode(read(body, vendor=spec), body, Headers(headers))
        return self.check(spec, body)

    def check(self, spec: AnyVendor, value: object) -> Reading | AnyVendor:
        """Judge ``value`` as a payload of ``spec``."""
        plan = self._plan(spec)
        if type(value) is dict and not plan.query:
            data: dict[str, object] = value
        else:
            try:
                data = dict(to_json_object(spec, value))
            except PayloadValidationError:
                return read(value, vendor=spec)
        if plan.clean(data):
            return spec
        if not plan.accepts(data):
            return read(data, vendor=spec)
        return self._clean(plan, data)

    def _plan(self, spec: AnyVendor) -> _Plan:
        plan = self._plans.get(spec)
        if plan is None:
            query = spec.delivery.accepts_query()
            clean = compiled_verdict(spec, closed=True) or _never
            accepts = _acceptor(spec)
            plan = _Plan(spec, accepts, clean, new_fields_check(shape_of(spec)), query)  # type: ignore[arg-type]
            self._plans[spec] = plan
        return plan

    def _clean(self, plan: _Plan, data: dict[str, object]) -> Reading | AnyVendor:
        findings: list[Finding] = []
        plan.new_fields(data, None, findings)
        if not findings:
            return plan.spec
        # Drift: the full reading (job state and all), with the findings already made.
        reading = read(data, vendor=plan.spec)
        object.__setattr__(reading, "_drift", tuple(findings))
        return reading


def _never(data: object) -> bool:
    return False


def _acceptor(spec: AnyVendor) -> Callable[[dict[str, object]], bool]:
    """Whether a payload is valid for ``spec``: the compiled verdict, else the model's (same verdict, slower)."""
    compiled = compiled_verdict(spec)
    if compiled is not None:
        return compiled  # type: ignore[return-value]  # a dict[str, object] the schema judges is JSON
    # The compiled pydantic validator itself: TypeAdapter.validate_python only adds Python overhead per call.
    validate = spec.adapter.validator.validate_python

    def by_model(data: dict[str, object]) -> bool:
        try:
            validate(data)
        except (ValidationError, RecursionError):
            return False
        return True

    return by_model


def _query_data(spec: AnyVendor, value: dict[str, object]) -> dict[str, object] | None:
    if not any(type(item) is list for item in value.values()):
        return value  # what to_json_object would make of it, without the copy
    try:
        return dict(to_json_object(spec, value))
    except PayloadValidationError:
        return None
