"""The JSON Schemas: generated from the vendor models, shipped as files, loaded by name.

The files under ``schemas/`` are the language-neutral contract. They are
generated from the pydantic models (``python -m pytest_jobhooks schemas``) and
checked in; the test suite fails when they differ from a fresh generation.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path

from pydantic.json_schema import GenerateJsonSchema
from pydantic_core import CoreSchema

from ..errors import JobhooksError
from ..vendors import VENDORS, get_vendor, is_builtin
from ..vendors.base import AnyVendor, DeliveryStyle, JsonObject, JsonValue

DIALECT = "https://json-schema.org/draft/2020-12/schema"

_PACKAGE = Path(__file__).resolve().parent.parent
# In a wheel the schemas are inside the package; in a source checkout they sit beside it.
_SCHEMA_DIRS = (_PACKAGE / "schemas", _PACKAGE.parent / "schemas")


class _Generator(GenerateJsonSchema):
    def field_title_should_be_set(self, schema: CoreSchema) -> bool:
        # Property titles would only repeat the field names; descriptions say what they mean.
        return False


def schema_dir() -> Path:
    """The folder holding the shipped ``<vendor>.schema.json`` files."""
    for candidate in _SCHEMA_DIRS:
        if (candidate / "telmai.schema.json").is_file():
            return candidate
    raise JobhooksError(f"schema files not found (looked in {', '.join(map(str, _SCHEMA_DIRS))})")


def schema_path(vendor: str | AnyVendor) -> Path:
    """The shipped schema file of a built-in vendor (``telmai.schema.json``, ...).

    Vendors registered at runtime have no file: use :func:`load_schema` for them.
    """
    spec = get_vendor(vendor)
    if not is_builtin(spec):
        raise JobhooksError(f"vendor {spec.name!r} was registered at runtime and has no schema file")
    return schema_dir() / f"{spec.name}.schema.json"


def load_schema(vendor: str | AnyVendor) -> JsonObject:
    """The vendor's JSON Schema (draft 2020-12) as a dict, a fresh copy on every call.

    Built-in vendors read their shipped file; runtime-registered ones are generated from the model.
    """
    spec = get_vendor(vendor)
    if is_builtin(spec):
        return copy.deepcopy(_read(schema_path(spec)))
    return generate_schema(spec)


def generate_schema(vendor: str | AnyVendor) -> JsonObject:
    """Generate the vendor's JSON Schema from its pydantic model(s)."""
    spec = get_vendor(vendor)
    body = spec.adapter.json_schema(by_alias=True, mode="validation", schema_generator=_Generator)
    header: JsonObject = {
        "$schema": DIALECT,
        "$id": f"urn:pytest-jobhooks:schemas:{spec.name}",
        "title": body.pop("title", f"{spec.title} webhook payload"),
        "description": body.pop("description", f"A {spec.title} job webhook payload."),
    }
    if spec.schema_type is not None:
        header["title"] = f"{spec.title} webhook payload"
        header["description"] = f"{spec.docs}. One of: " + ", ".join(str(d.get("title")) for d in _referenced(body))
    return {**header, "x-lifecycle": _lifecycle(spec), "x-delivery": _delivery(spec.delivery), **body}


def _lifecycle(spec: AnyVendor) -> JsonObject:
    # An annotation (unknown keywords are ignored by validators) so the contract carries the lifecycle too.
    life = spec.lifecycle
    return {
        "description": f"Job lifecycle of {spec.title}. {life.note}".strip(),
        "states": _names(life.states),
        "initial": _names(sorted(life.initial)),
        "transitions": {s: _names(sorted(life.transitions[s])) for s in life.states if life.transitions[s]},
        "terminal": _names(sorted(life.terminal)),
        "unified": {state: _names(life.unified[state]) for state in life.states},
    }


def _names(values: Iterable[str]) -> list[JsonValue]:
    return [value for value in values]  # a list[str] is not a list[JsonValue] to mypy


def _delivery(style: DeliveryStyle) -> JsonObject:
    out: JsonObject = {
        "method": style.method,
        "encoding": style.encoding,
        "signing": style.signing,
        "retries": style.retries,
    }
    if style.note:
        out["note"] = style.note
    if style.alternatives:
        out["alternatives"] = [_delivery(alt) for alt in style.alternatives]
    return out


def generated_files() -> Iterator[tuple[str, str]]:
    """Every file ``python -m pytest_jobhooks schemas`` writes, as (relative path, text)."""
    for spec in VENDORS.values():
        if not is_builtin(spec):
            continue
        yield f"{spec.name}.schema.json", _dump(generate_schema(spec))
        for name, example in spec.examples.items():
            yield f"examples/{spec.name}/{name}.json", _dump(example)


def _referenced(body: JsonObject) -> Iterator[JsonObject]:
    defs = body.get("$defs")
    branches = body.get("anyOf")
    if not isinstance(defs, dict) or not isinstance(branches, list):
        return
    for branch in branches:
        if isinstance(branch, dict) and isinstance(branch.get("$ref"), str):
            target = defs.get(str(branch["$ref"]).rsplit("/", 1)[-1])
            if isinstance(target, dict):
                yield target


def _dump(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


@cache
def _read(path: Path) -> JsonObject:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise JobhooksError(f"cannot read schema {path}: {exc}") from None
    if not isinstance(data, dict):
        raise JobhooksError(f"schema {path} is not a JSON object")
    return data
