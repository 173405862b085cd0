"""Ask the catalog about a payload: is it valid, which vendor sent it, where is the job."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from pydantic import BaseModel, ValidationError

from ..errors import PayloadValidationError, Problem
from ..vendors import VENDORS, get_vendor
from ..vendors.base import AnyVendor, JobState, JsonObject

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError as SchemaError

_JSON_TYPES = {
    dict: "object",
    list: "array",
    str: "string",
    bool: "boolean",
    int: "number",
    float: "number",
    type(None): "null",
}


def validate_payload(vendor: str | AnyVendor, payload: object) -> BaseModel:
    """Check ``payload`` against what ``vendor`` documents and return it as the vendor's model.

    ``payload`` may be a mapping, JSON text or bytes; for a vendor that delivers
    in a query string (GoFetch) also a query mapping (values as strings or
    one-item lists, as ``parse_qs`` gives them) or a query string. Raises
    :class:`~pytest_jobhooks.PayloadValidationError` listing every problem.
    """
    spec = get_vendor(vendor)
    data = to_json_object(spec, payload)
    problems = list(schema_problems(spec, data))
    if problems:
        raise PayloadValidationError(spec.name, problems)
    try:
        model: BaseModel = spec.model.model_validate(spec.unwrap(data) if spec.unwrap else data)
    except ValidationError as exc:
        raise PayloadValidationError(spec.name, _pydantic_problems(exc)) from None
    except RecursionError:
        raise PayloadValidationError(spec.name, [Problem("$", "nested too deeply")]) from None
    return model


def job_state(vendor: str | AnyVendor, payload: object) -> JobState:
    """Where the job stands according to ``payload``: id, native and unified status, time if sent.

    The payload is validated first (see :func:`validate_payload`).
    """
    spec = get_vendor(vendor)
    return spec.state_of(validate_payload(spec, payload))


def detect_vendor(
    payload: object,
    *,
    headers: Mapping[str, str] | None = None,
    query: Mapping[str, object] | None = None,
) -> str | None:
    """Which registered vendor a delivery looks like it came from, or None when nothing fits.

    Judged from the payload's shape (its top-level field names), narrowed by
    Svix headers when given (only Svix-signing vendors then), and from a
    GoFetch-style query string when the body says nothing. A payload need not be
    valid to be recognised: an invalid Telmai payload is still Telmai's.
    """
    signed = headers is not None and any(key.lower() in ("svix-signature", "webhook-signature") for key in headers)
    candidates = [v for v in VENDORS.values() if not signed or v.delivery.signing == "svix"]
    data = _loose_object(payload)
    if data is None and query:
        data = _loose_object(query)
        candidates = [v for v in candidates if v.delivery.accepts_query()]
    if not data:
        return None
    scores: dict[str, int] = {}
    for spec in candidates:
        shape = spec.unwrap(data) if spec.unwrap else data
        score = len(spec.fields.intersection(shape)) if isinstance(shape, dict) else 0
        if score >= min(2, len(spec.fields)):
            scores[spec.name] = score
    if not scores:
        return None
    best = max(scores.values())
    leaders = [name for name, score in scores.items() if score == best]
    if len(leaders) > 1:
        leaders = [name for name in leaders if is_valid(name, data)]
    return leaders[0] if len(leaders) == 1 else None


def to_json_object(vendor: AnyVendor, payload: object) -> JsonObject:
    """Turn a payload (mapping, JSON text/bytes, query mapping/string) into a JSON object.

    Raises :class:`~pytest_jobhooks.PayloadValidationError` when it is not one.
    """

    if isinstance(payload, (bytes, bytearray, memoryview)):
        raw = bytes(payload)
        try:
            payload = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad = raw[exc.start : exc.start + 1].hex()
            raise _fail(vendor, f"body is not valid UTF-8 (byte 0x{bad} at position {exc.start})") from None
    if isinstance(payload, str):
        payload = _parse_text(vendor, payload)
    if isinstance(payload, Mapping):
        if not all(isinstance(key, str) for key in payload):
            raise _fail(vendor, "object keys must be strings")
        if vendor.delivery.accepts_query():
            return _from_query(vendor, payload)
        return dict(payload)
    raise _fail(vendor, f"expected a JSON object, got {json_type(payload)}")


def schema_problems(vendor: AnyVendor, data: JsonObject) -> Iterator[Problem]:
    """Every way ``data`` breaks the vendor's JSON Schema, as :class:`Problem` objects, sorted by path."""
    try:
        errors = list(vendor.validator.iter_errors(data))
    except RecursionError:
        yield Problem("$", "nested too deeply")
        return
    problems = {Problem(json_path(e.absolute_path), _message(e)) for e in _leaf_errors(errors)}
    yield from sorted(problems, key=lambda p: (p.path, p.message))


def json_path(parts: Iterable[object]) -> str:
    """A JSON path such as ``$.status.error.reason`` or ``$.fn_status['fn A']`` for a key sequence."""
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(part, str) and part.isidentifier():
            out += f".{part}"
        else:
            out += f"[{str(part)!r}]"
    return out


def _fail(vendor: AnyVendor, message: str) -> PayloadValidationError:
    return PayloadValidationError(vendor.name, [Problem("$", message)])


def _parse_text(vendor: AnyVendor, text: str) -> object:
    if not text.strip():
        raise _fail(vendor, "empty body: expected a JSON object")
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except ValueError as exc:
        if vendor.delivery.accepts_query() and "=" in text and not text.lstrip().startswith(("{", "[")):
            return parse_qs(text.lstrip("?"), keep_blank_values=True)
        raise _fail(vendor, f"not valid JSON: {exc}") from None
    except RecursionError:
        raise _fail(vendor, "not valid JSON: nested too deeply") from None


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not allowed in JSON")


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


def json_type(value: object) -> str:
    """The JSON name of a value's type (object, array, string, boolean, number, null), else its Python type."""
    for kind, name in _JSON_TYPES.items():
        if isinstance(value, kind):
            return name
    return f"a Python {type(value).__name__}"


def _loose_object(payload: object) -> JsonObject | None:
    if isinstance(payload, (bytes, bytearray, memoryview)):
        try:
            payload = bytes(payload).decode("utf-8")
        except UnicodeDecodeError:
            return None
    if isinstance(payload, str):
        try:
            payload = json.loads(payload)
        except (ValueError, RecursionError):
            return None
    if isinstance(payload, Mapping):
        return {str(k): (v[0] if isinstance(v, list) and len(v) == 1 else v) for k, v in payload.items()}
    return None


def is_valid(vendor: str | AnyVendor, payload: object) -> bool:
    """Whether :func:`validate_payload` accepts ``payload`` for ``vendor`` (without the problems)."""
    try:
        validate_payload(vendor, payload)
    except PayloadValidationError:
        return False
    return True


def _leaf_errors(errors: Iterable[SchemaError]) -> Iterator[SchemaError]:
    """Replace an anyOf/oneOf failure by the failures of the branch the instance was meant for."""
    for error in errors:
        if error.validator in ("anyOf", "oneOf") and error.context:
            branch = _closest_branch(error.context)
            if branch:
                yield from _leaf_errors(branch)
                continue
        if error.validator == "if":
            continue  # the failure is reported by "then"
        yield error


def _closest_branch(context: list[SchemaError]) -> list[SchemaError]:
    branches: dict[object, list[SchemaError]] = {}
    for sub in context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    # A branch whose type does not even match the value was not the one meant.
    meant = [
        errs
        for errs in branches.values()
        if not any(e.validator in ("type", "const") and not e.relative_path for e in errs)
    ]
    if not meant:
        return []
    # The branch the payload got furthest into (deepest error) was meant; then the one with fewest errors.
    return max(meant, key=lambda errs: (max(len(e.relative_path) for e in errs), -len(errs)))


def _message(error: SchemaError) -> str:
    custom = error.schema.get("errorMessage") if isinstance(error.schema, dict) else None
    if isinstance(custom, str):
        return custom
    if error.validator in ("anyOf", "oneOf") and error.context:
        # Every branch rejected the value's type (an optional field): name the types it may have.
        kinds = [repr(e.validator_value) for e in error.context if e.validator == "type" and not e.relative_path]
        if kinds:
            return f"{error.instance!r} is not of type {' or '.join(kinds)}"
    return str(error.message)


def _pydantic_problems(exc: ValidationError) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False):
        message = err["msg"].removeprefix("Value error, ")
        problems.append(Problem(json_path(err["loc"]), message))
    return problems
