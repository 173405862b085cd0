"""The JSON Schemas: generated from the vendor models, shipped as files, loaded by name.

The files under ``schemas/`` are the language-neutral contract. They are
generated from the pydantic models (``python -m pytest_jobhooks schemas``) and
checked in; the test suite fails when they differ from a fresh generation.
How one vendor's schema is loaded or generated lives in :mod:`pytest_jobhooks.vendors.schema`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from .._json import JsonObject
from ..vendors import VENDORS, get_vendor
from ..vendors.base import AnyVendor
from ..vendors.schema import DIALECT, companion, generate, is_builtin, schema_dir, schema_file, schema_of

__all__ = ["DIALECT", "generate_schema", "generated_files", "load_schema", "schema_dir", "schema_path"]


def schema_path(vendor: str | AnyVendor) -> Path:
    """The shipped schema file of a built-in vendor (``<vendor>.schema.json``).

    Vendors registered at runtime have no file: use :func:`load_schema` for them.
    """
    return schema_file(get_vendor(vendor))


def load_schema(vendor: str | AnyVendor) -> JsonObject:
    """The vendor's JSON Schema (draft 2020-12) as a dict, a fresh copy on every call.

    Built-in vendors read their shipped file; runtime-registered ones are generated from the model.
    """
    return schema_of(get_vendor(vendor))


def generate_schema(vendor: str | AnyVendor) -> JsonObject:
    """Generate the vendor's JSON Schema from its pydantic model(s)."""
    return generate(get_vendor(vendor))


def generated_files() -> Iterator[tuple[str, str]]:
    """Every file ``python -m pytest_jobhooks schemas`` writes, as (relative path, text)."""
    for spec in VENDORS.values():
        if not is_builtin(spec):
            continue
        yield f"{spec.name}.schema.json", _dump(generate(spec))
        yield f"{spec.name}.vendor.json", _dump(companion(spec))
        for name, example in spec.examples.items():
            yield f"examples/{spec.name}/{name}.json", _dump(example)


def _dump(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"
