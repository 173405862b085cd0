"""Judging a JSON object against one vendor: its JSON Schema first, then its model; every problem found.

Here, below the catalog, so that registering a vendor can check its examples
with the very rules the catalog applies to every payload.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from pydantic import BaseModel, ValidationError

from .._json import JsonObject, JsonValue, json_path
from ..errors import Problem

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError as SchemaError

    from .base import AnyVendor


def validated(vendor: AnyVendor, data: JsonObject) -> BaseModel | tuple[Problem, ...]:
    """``data`` as the vendor's model, or every problem with it (schema problems, else the model's)."""
    problems = tuple(schema_problems(vendor, data))
    if problems:
        return problems
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
