"""A vendor's JSON Schema: the shipped file of a built-in vendor, else generated from its pydantic model(s).

Lives with the vendors so that :attr:`Vendor.validator <pytest_jobhooks.vendors.base.Vendor.validator>`
needs nothing above them; :mod:`pytest_jobhooks.catalog.schemas` offers the same by vendor name.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic.json_schema import GenerateJsonSchema
from pydantic_core import CoreSchema

from .._json import JsonObject, JsonValue, decode
from ..errors import JobhooksError

if TYPE_CHECKING:
    from .base import AnyVendor, DeliveryStyle

__all__ = ["BUILTIN", "DIALECT", "companion", "generate", "is_builtin", "schema_dir", "schema_file", "schema_of"]

BUILTIN = ("telmai", "tamr", "tensorlake", "tensorlake_workflow", "gofetch")
"""The modules of the built-in vendors (``vendors/<module>.py``, each defining ``VENDOR``)."""

DIALECT = "https://json-schema.org/draft/2020-12/schema"
"""The JSON Schema dialect every schema is written in."""

_PACKAGE = Path(__file__).resolve().parent.parent
# In a wheel the schemas are inside the package; in a source checkout they sit beside it.
_SCHEMA_DIRS = (_PACKAGE / "schemas", _PACKAGE.parent / "schemas")


class _Generator(GenerateJsonSchema):
    def field_title_should_be_set(self, schema: CoreSchema) -> bool:
        # Property titles would only repeat the field names; descriptions say what they mean.
        return False


def is_builtin(vendor: AnyVendor) -> bool:
    """Whether ``vendor`` is one of the built-in vendor objects (which ship a schema file)."""
    # The registry imports every built-in module first: whichever is loaded can be asked.
    package = __name__.rpartition(".")[0]
    return any(getattr(sys.modules.get(f"{package}.{name}"), "VENDOR", None) is vendor for name in BUILTIN)


def schema_dir() -> Path:
    """The folder holding the shipped ``<vendor>.schema.json`` files."""
    for candidate in _SCHEMA_DIRS:
        if (candidate / "telmai.schema.json").is_file():
            return candidate
    raise JobhooksError(f"schema files not found (looked in {', '.join(map(str, _SCHEMA_DIRS))})")


def schema_file(vendor: AnyVendor) -> Path:
    """The shipped schema file of a built-in vendor; a vendor registered at runtime has none."""
    if not is_builtin(vendor):
        raise JobhooksError(f"vendor {vendor.name!r} was registered at runtime and has no schema file")
    return schema_dir() / f"{vendor.name}.schema.json"


def schema_of(vendor: AnyVendor) -> JsonObject:
    """The vendor's JSON Schema (draft 2020-12), a fresh copy: the shipped file, else generated."""
    if is_builtin(vendor):
        return copy.deepcopy(_read(schema_file(vendor)))
    return generate(vendor)


def generate(vendor: AnyVendor) -> JsonObject:
    """Generate the vendor's JSON Schema from its pydantic model(s)."""
    body = vendor.adapter.json_schema(by_alias=True, mode="validation", schema_generator=_Generator)
    header: JsonObject = {
        "$schema": DIALECT,
        "$id": f"urn:pytest-jobhooks:schemas:{vendor.name}",
        "title": body.pop("title", f"{vendor.title} webhook payload"),
        "description": body.pop("description", f"A {vendor.title} job webhook payload."),
    }
    if vendor.schema_type is not None:
        header["title"] = f"{vendor.title} webhook payload"
        header["description"] = f"{vendor.docs}. One of: " + ", ".join(str(d.get("title")) for d in _referenced(body))
    return {**header, **body}


def companion(vendor: AnyVendor) -> JsonObject:
    """What the schema cannot say, shipped beside it as ``<vendor>.vendor.json``: lifecycle and delivery style.

    A companion file rather than ``x-`` keywords, so the schema compiles in strict
    validators (Ajv's strict mode refuses unknown keywords).
    """
    return {
        "vendor": vendor.name,
        "title": vendor.title,
        "docs": vendor.docs,
        "schema": f"{vendor.name}.schema.json",
        "lifecycle": _lifecycle(vendor),
        "delivery": _delivery(vendor.delivery),
    }


def _lifecycle(spec: AnyVendor) -> JsonObject:
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
    if style.name:
        out["name"] = style.name
    if style.cloudevents:
        out["cloudevents"] = style.cloudevents
    if style.credential_headers:
        out["credentialHeaders"] = _names(style.credential_headers)
    if style.note:
        out["note"] = style.note
    if style.alternatives:
        out["alternatives"] = [_delivery(alt) for alt in style.alternatives]
    return out


def _referenced(body: JsonObject) -> Iterator[JsonObject]:
    defs = body.get("$defs")
    branches = body.get("anyOf", [body.get("then"), body.get("else")])
    if not isinstance(defs, dict) or not isinstance(branches, list):
        return
    for branch in branches:
        if isinstance(branch, dict) and isinstance(branch.get("$ref"), str):
            target = defs.get(str(branch["$ref"]).rsplit("/", 1)[-1])
            if isinstance(target, dict):
                yield target


@cache
def _read(path: Path) -> JsonObject:
    try:
        data = decode(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise JobhooksError(f"cannot read schema {path}: {exc}") from None
    if not isinstance(data, dict):
        raise JobhooksError(f"schema {path} is not a JSON object")
    return data
