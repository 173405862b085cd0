"""The verdict on one recorded payload: valid, drift or invalid, with the vendor and the problems.

Fast path: the vendor's pydantic adapter (compiled, strict, and at least as
strict as the JSON Schema) decides valid-or-not; a valid payload is then only
walked for undeclared fields. Only a payload the adapter rejects pays for
``validate_payload`` (jsonschema), which produces the ``JSON-path: message``
problems; the enum errors among them whose value drift explains are drift, not
problems.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from pydantic import ValidationError

from ..catalog import detect_vendor, json_path, json_type, to_json_object, validate_payload
from ..catalog.drift import Check, Finding, Member, find_drift, new_fields_check, shape_of
from ..errors import PayloadValidationError, Problem, UnknownVendorError
from ..vendors import VENDORS, get_vendor
from ..vendors.base import AnyVendor

Outcome = Literal["valid", "drift", "invalid"]
"""A payload's verdict: valid, drift (only undeclared fields / undocumented values) or invalid."""

UNKNOWN_VENDOR = "cannot tell which vendor sent this payload (name it with --jobhooks-vendor or validate --vendor)"

# Enough for every key order of every payload shape a real recording holds; cleared when full.
_MEMO_SIZE = 4096


@dataclass(frozen=True)
class Judgement:
    """A payload that is not simply valid: who sent it (None: unknown), the outcome, and why."""

    vendor: str | None
    outcome: Outcome
    problems: tuple[Problem, ...] = ()
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True, eq=False)
class _Plan:
    """What judging one vendor's payloads needs, looked up once per vendor instead of once per line."""

    spec: AnyVendor
    validate: Callable[[object], object]
    new_fields: Check
    query: bool  # a mapping may be query parameters (validate_payload reads it so)


class Judge:
    """Judges payloads one by one; remembers which vendor each payload shape (its keys) belongs to."""

    def __init__(self, vendor: AnyVendor | None) -> None:
        self.vendor = vendor
        self._plans: dict[AnyVendor, _Plan] = {}
        self._memo: dict[tuple[str, ...], _Plan] = {}

    def payload(self, value: object) -> Judgement | AnyVendor:
        """Judge a bare payload; a clean valid one gives its vendor (so the common case allocates nothing)."""
        if self.vendor is not None:
            return self.check(self.vendor, value)
        if type(value) is not dict:
            return Judgement(None, "invalid", (Problem("$", f"expected a JSON object, got {json_type(value)}"),))
        key = tuple(value)
        plan = self._memo.get(key)
        if plan is not None:
            # The hot path, inlined: a known shape, valid for the vendor it was last seen from.
            data = value if not plan.query else _query_data(plan.spec, value)
            if data is not None:
                try:
                    plan.validate(data)
                except (ValidationError, RecursionError):
                    pass
                else:
                    findings: list[Finding] = []
                    plan.new_fields(data, None, findings)
                    return Judgement(plan.spec.name, "drift", (), tuple(findings)) if findings else plan.spec
        # A new shape, or the remembered vendor rejects the payload: ask detect_vendor.
        name = detect_vendor(value)
        if name is None:
            return Judgement(None, "invalid", (Problem("$", UNKNOWN_VENDOR),))
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
    ) -> Judgement | AnyVendor:
        """Judge a recorded delivery's payload: its body (parsed, else raw text), else its query string."""
        spec = self.vendor
        if spec is None and hint is not None:
            try:
                spec = get_vendor(hint)
            except UnknownVendorError as exc:
                return Judgement(None, "invalid", (Problem("$", str(exc)),))
        if spec is None:
            name = detect_vendor(body, headers=headers, query=query)
            if name is None:
                return Judgement(None, "invalid", (Problem("$", UNKNOWN_VENDOR),))
            spec = VENDORS[name]
        if body is None or body == "":
            body = query if query and self._plan(spec).query else ""
        return self.check(spec, body)

    def check(self, spec: AnyVendor, value: object) -> Judgement | AnyVendor:
        """Judge ``value`` as a payload of ``spec``."""
        plan = self._plan(spec)
        if type(value) is dict and not plan.query:
            data: dict[str, object] = value
        else:
            try:
                data = dict(to_json_object(spec, value))
            except PayloadValidationError as exc:
                return Judgement(spec.name, "invalid", exc.errors)
        if self._fast(plan, data):
            return self._clean(plan, data)
        return self._slow(spec, data)

    def _plan(self, spec: AnyVendor) -> _Plan:
        plan = self._plans.get(spec)
        if plan is None:
            query = spec.delivery.accepts_query()
            # The compiled validator itself: TypeAdapter.validate_python only adds Python overhead per call.
            validate = spec.adapter.validator.validate_python
            plan = self._plans[spec] = _Plan(spec, validate, new_fields_check(shape_of(spec)), query)
        return plan

    def _fast(self, plan: _Plan, data: dict[str, object]) -> bool:
        try:
            plan.validate(data)
        except (ValidationError, RecursionError):
            return False
        return True

    def _clean(self, plan: _Plan, data: dict[str, object]) -> Judgement | AnyVendor:
        findings: list[Finding] = []
        plan.new_fields(data, None, findings)
        return Judgement(plan.spec.name, "drift", (), tuple(findings)) if findings else plan.spec

    def _slow(self, spec: AnyVendor, data: dict[str, object]) -> Judgement | AnyVendor:
        try:
            findings = tuple(find_drift(shape_of(spec), data))
        except RecursionError:
            findings = ()
        try:
            validate_payload(spec, data)
        except PayloadValidationError as exc:
            problems = exc.errors
        else:
            problems = ()
        drifting = {_concrete(f.parts) for f in findings if f.kind == "value"}
        real = tuple(p for p in problems if p.path not in drifting)
        if problems and not real:
            # The schema saw only undocumented values; the model may know more (it runs after the schema).
            real = _model_problems(spec, data)
        if real:
            return Judgement(spec.name, "invalid", real, findings)
        return Judgement(spec.name, "drift", (), findings) if findings else spec


def _query_data(spec: AnyVendor, value: dict[str, object]) -> dict[str, object] | None:
    if not any(type(item) is list for item in value.values()):
        return value  # what to_json_object would make of it, without the copy
    try:
        return dict(to_json_object(spec, value))
    except PayloadValidationError:
        return None


def _model_problems(spec: AnyVendor, data: dict[str, object]) -> tuple[Problem, ...]:
    target = spec.unwrap(data) if spec.unwrap else data  # type: ignore[arg-type]
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


def _concrete(parts: tuple[str | int | Member, ...]) -> str:
    return json_path(part.key if isinstance(part, Member) else part for part in parts)
