"""Judging a JSON object against one vendor: its JSON Schema first, then its model; every problem found.

Here, below the catalog, so that registering a vendor can check its examples
with the very rules the catalog applies to every payload.

The verdict comes first from the schema compiled by jsonschema-rs (format
checks on) and the model: a payload both accept is valid, and jsonschema (the
slow, pure-Python validator, ~10x the time) is not even imported. Only a
payload either rejects is judged again in full, jsonschema's problems first,
so the problems reported are those of the full judgement, word for word.
Recordings need only valid-or-not: :func:`compiled_verdict` gives it from the
compiled schema and the vendor's ``beyond_schema`` rules, without the model.
jsonschema-rs's ``date-time`` takes what ``parse_rfc3339`` takes (leap seconds
at 23:59:60 UTC, the year 0000). Without the jsonschema-rs wheel every payload
is judged in full.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from .._json import JsonObject, JsonValue, json_path
from ..errors import Problem
from .base import schema_states_all
from .schema import is_builtin, schema_of

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError as SchemaError

    from .base import AnyVendor


def validated(vendor: AnyVendor, data: JsonObject) -> BaseModel | tuple[Problem, ...]:
    """``data`` as the vendor's model, or every problem with it (schema problems, else the model's)."""
    if passes_compiled(vendor, data):
        model = _as_model(vendor, data)
        if isinstance(model, BaseModel):
            return model
    return judged_in_full(vendor, data)


def judged_in_full(vendor: AnyVendor, data: JsonObject) -> BaseModel | tuple[Problem, ...]:
    """:func:`validated` without the compiled check: jsonschema's problems, else the model's."""
    problems = tuple(schema_problems(vendor, data))
    if problems:
        return problems
    return _as_model(vendor, data)


def passes_compiled(vendor: AnyVendor, data: JsonObject) -> bool:
    """Whether the vendor's schema compiled by jsonschema-rs accepts ``data`` (False without the wheel)."""
    compiled = _compiled(vendor)
    if compiled is None:
        return False
    try:
        return bool(compiled.is_valid(data))
    except Exception:  # an int beyond 64 bits, nesting too deep...: the full judgement decides
        return False


def compiled_verdict(vendor: AnyVendor, *, closed: bool = False) -> Callable[[JsonObject], bool] | None:
    """A check giving :func:`validated`'s valid-or-not verdict without the model, or None when there is none.

    The compiled schema, then the vendor's :attr:`~pytest_jobhooks.vendors.base.Vendor.beyond_schema`
    rules; None without the jsonschema-rs wheel or when the vendor does not say
    what its model checks beyond the schema (then only the model can tell).
    jsonschema-rs's ``date-time`` takes exactly what ``parse_rfc3339`` takes
    (leap seconds at 23:59:60 UTC, the year 0000; tests/recordings/test_fast_verdicts.py
    holds it to that). ``closed=True``: the schema with every object closed to
    undeclared fields, so that passing also says "no drift" (failing says nothing);
    built-in vendors only.
    Never raises: anything it cannot judge is "not valid here".
    """
    rules = vendor.beyond_schema
    if closed and not is_builtin(vendor):
        return None  # whether closing a user's schema leaves no undeclared field unseen is not tested
    compiled = _compiled(vendor, closed) if rules is not None else None
    if compiled is None or rules is None:
        return None
    is_valid = compiled.is_valid
    if rules is schema_states_all:

        def by_schema(data: JsonObject) -> bool:
            try:
                return bool(is_valid(data))
            except Exception:  # an int beyond 64 bits, nesting too deep...: the full judgement decides
                return False

        return by_schema

    def by_schema_and_rules(data: JsonObject) -> bool:
        try:
            return bool(is_valid(data)) and rules(data)
        except Exception:  # as above; and a rule that cannot read what the schema let through
            return False

    return by_schema_and_rules


_IN_PLACE = frozenset({"allOf", "anyOf", "then", "else"})
# Where a stricter subschema would make the whole schema more lenient (or change which branch applies):
# copied as they are, never closed.
_AS_IS = frozenset({"not", "if", "oneOf", "contains", "propertyNames"})
_NAMED = frozenset({"properties", "$defs", "patternProperties", "dependentSchemas"})


def _closed(node: JsonValue, in_place: bool = False) -> JsonValue:
    """A copy of a schema in which every object that declares fields refuses undeclared ones.

    ``unevaluatedProperties: false`` sees the fields its object's in-place
    branches (allOf, if/then/else...) declare, so it goes on the object itself,
    never on a branch; an object already closed, or with a schema for its other
    fields (a free-form map), is left as it is. Only subschemas where stricter
    means stricter overall are touched (never under ``not``, ``if`` or ``oneOf``),
    so what this accepts the schema accepts. Used for the built-in vendors only,
    whose schemas tests/recordings/test_fast_verdicts.py holds to "accepted here:
    valid, and no undeclared field" (the drift walk's verdict).
    """
    if isinstance(node, list):
        return [_closed(item, in_place) for item in node]
    if not isinstance(node, dict):
        return node
    out: JsonObject = {}
    for key, value in node.items():
        if key in _AS_IS:
            out[key] = value
        elif key in _IN_PLACE:
            out[key] = _closed(value, True)
        elif key in _NAMED and isinstance(value, dict):
            out[key] = {name: _closed(item) for name, item in value.items()}
        else:
            out[key] = _closed(value)
    if not in_place and ("properties" in out or out.get("additionalProperties") is True):
        if out.get("additionalProperties") is True:
            del out["additionalProperties"]
        if "additionalProperties" not in out:
            out["unevaluatedProperties"] = False
    return out


_COMPILED: dict[tuple[AnyVendor, bool], Any] = {}


def _compiled(vendor: AnyVendor, closed: bool = False) -> Any:
    """The vendor's schema compiled by jsonschema-rs, built on the vendor's first payload; None without it."""
    try:
        return _COMPILED[vendor, closed]
    except KeyError:
        pass
    try:
        import jsonschema_rs
    except ImportError:
        compiled = None
    else:
        schema: JsonValue = schema_of(vendor)
        if closed:
            schema = _closed(schema)
        assert isinstance(schema, dict)
        compiled = jsonschema_rs.validator_for(schema, validate_formats=True)
    _COMPILED[vendor, closed] = compiled
    return compiled


def _as_model(vendor: AnyVendor, data: JsonObject) -> BaseModel | tuple[Problem, ...]:
    try:
        model: BaseModel = vendor.model.model_validate(vendor.unwrap(data) if vendor.unwrap else data)
    except ValidationError as exc:
        return tuple(
            Problem(json_path(err["loc"]), err["msg"].removeprefix("Value error, "))
            for err in exc.errors(include_url=False)
        )
    except RecursionError:
        return (Problem("$", "nested too deeply"),)
    return model


def schema_problems(vendor: AnyVendor, data: JsonObject) -> Iterator[Problem]:
    """Every way ``data`` breaks the vendor's JSON Schema, as :class:`Problem` objects, sorted by path."""
    try:
        try:
            errors = list(vendor.validator.iter_errors(data))
        except ValueError:
            # jsonschema words its messages with repr(), which raises for an int of over 4,300 digits
            # (sys.get_int_max_str_digits): judged again with such ints shown by their size.
            errors = list(vendor.validator.iter_errors(_printable(data)))
    except RecursionError:
        yield Problem("$", "nested too deeply")
        return
    leaves = list(_leaf_errors(errors))
    # A date-time has a format and a pattern: when both fail, say it once.
    formats = {tuple(e.absolute_path) for e in leaves if e.validator == "format"}
    leaves = [e for e in leaves if not (e.validator == "pattern" and _is_time(e) and tuple(e.absolute_path) in formats)]
    problems = {Problem(json_path(e.absolute_path), _message(e)) for e in leaves}
    yield from sorted(problems, key=lambda p: (p.path, p.message))


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
    # A "$comment" beside a rule says what breaking it means (a standard keyword: strict validators accept it).
    custom = error.schema.get("$comment") if isinstance(error.schema, dict) else None
    if isinstance(custom, str):
        return custom
    if error.validator == "pattern" and _is_time(error):
        return f"{error.instance!r} is not a 'date-time'"  # as the format check words it
    if error.validator in ("anyOf", "oneOf") and error.context:
        # Every branch rejected the value's type (an optional field): name the types it may have.
        kinds = [repr(e.validator_value) for e in error.context if e.validator == "type" and not e.relative_path]
        if kinds:
            return f"{error.instance!r} is not of type {' or '.join(kinds)}"
    return str(error.message)


def _is_time(error: SchemaError) -> bool:
    return isinstance(error.schema, dict) and error.schema.get("format") == "date-time"


class _HugeInt(int):
    """An int too long for ``repr()``: still an int to the schema (type, bounds, enum), shown by its size."""

    def __repr__(self) -> str:
        return f"<an integer of about {int(self.bit_length() * _LOG10_2) + 1} digits>"

    __str__ = __repr__


_LOG10_2 = 0.30103
_HUGE_BITS = 4000  # ~1,200 digits: far below the 4,300-digit limit, far above any real number


def _printable(value: JsonValue) -> JsonValue:
    """``value`` with every huge int (not bool) wrapped in :class:`_HugeInt`; containers copied as they go."""
    if isinstance(value, dict):
        return {key: _printable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_printable(item) for item in value]
    if type(value) is int and value.bit_length() > _HUGE_BITS:
        return _HugeInt(value)
    return value
