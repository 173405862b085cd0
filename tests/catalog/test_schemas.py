"""The shipped JSON Schemas and examples: complete, current, and valid on their own (no pydantic)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker

import pytest_jobhooks as jh
from pytest_jobhooks.cli import main
from pytest_jobhooks.vendors import VENDORS

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "schemas" / "examples").rglob("*.json"))
BUILTIN = ["telmai", "tamr", "tensorlake", "tensorlake-workflow", "gofetch"]


def _example_id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def _properties(node: object, where: str = "$") -> Iterator[tuple[str, dict[str, object]]]:
    """Every declared property (name, subschema) anywhere in a schema, with where it was found."""
    if isinstance(node, dict):
        props = node.get("properties")
        if isinstance(props, dict):
            for name, sub in props.items():
                yield f"{where}.{name}", sub
        for key, value in node.items():
            if key not in ("if", "then"):  # conditional overlays refine properties declared elsewhere
                yield from _properties(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _properties(value, f"{where}[{i}]")


def test_checked_in_schemas_match_a_fresh_generation(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schemas", "--check", "--dir", str(ROOT / "schemas")]) == 0, capsys.readouterr()


def test_check_reports_a_stale_schema_and_write_repairs_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schemas", "--dir", str(tmp_path)]) == 0
    target = tmp_path / "telmai.schema.json"
    target.write_text(target.read_text().replace("Associated tenant ID", "Tenant"))
    assert main(["schemas", "--check", "--dir", str(tmp_path)]) == 1
    assert f"out of date: {target}" in capsys.readouterr().out
    assert main(["schemas", "--dir", str(tmp_path)]) == 0
    assert main(["schemas", "--check", "--dir", str(tmp_path)]) == 0


@pytest.mark.parametrize("vendor", BUILTIN)
def test_schema_header_and_dialect(vendor: str) -> None:
    schema = jh.load_schema(vendor)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"urn:pytest-jobhooks:schemas:{vendor}"
    assert schema["title"]
    assert schema["description"]
    Draft202012Validator.check_schema(schema)
    assert jh.schema_path(vendor).name == f"{vendor}.schema.json"


@pytest.mark.parametrize("vendor", BUILTIN)
def test_every_property_has_a_description(vendor: str) -> None:
    undescribed = [where for where, sub in _properties(jh.load_schema(vendor)) if not sub.get("description")]
    assert undescribed == []


@pytest.mark.parametrize("vendor", BUILTIN)
def test_inferred_facts_are_marked(vendor: str) -> None:
    schema = jh.schema_path(vendor)
    text = schema.read_text() + schema.with_name(f"{vendor}.vendor.json").read_text()
    assert "nferred" in text, "every vendor's schema or its companion says what it infers beyond the doc"


@pytest.mark.parametrize("vendor", BUILTIN)
def test_schemas_allow_extra_fields(vendor: str) -> None:
    example = next(iter(VENDORS[vendor].examples.values()))
    validator = Draft202012Validator(jh.load_schema(vendor), format_checker=FormatChecker())
    assert validator.is_valid({**example, "addedByVendorLater": {"x": 1}})


def test_load_schema_returns_a_private_copy() -> None:
    jh.load_schema("telmai")["title"] = "changed"
    assert jh.load_schema("telmai")["title"] != "changed"


@pytest.mark.parametrize("path", EXAMPLES, ids=_example_id)
def test_example_is_valid_under_jsonschema_alone(path: Path) -> None:
    schema = json.loads((ROOT / "schemas" / f"{path.parent.name}.schema.json").read_text())
    errors = list(
        Draft202012Validator(schema, format_checker=FormatChecker()).iter_errors(json.loads(path.read_text()))
    )
    assert errors == []


@pytest.mark.parametrize("path", EXAMPLES, ids=_example_id)
def test_example_is_valid_through_the_model_and_in_the_state_its_name_says(path: Path) -> None:
    vendor = path.parent.name
    state = jh.job_state(vendor, path.read_bytes())
    assert state.status == path.name.split(".")[0]
    assert jh.detect_vendor(path.read_bytes()) == vendor


@pytest.mark.parametrize("vendor", BUILTIN)
def test_every_lifecycle_state_has_an_example(vendor: str) -> None:
    states = {p.name.split(".")[0] for p in EXAMPLES if p.parent.name == vendor}
    assert set(VENDORS[vendor].lifecycle.states) <= states


def test_every_tamr_job_type_has_an_example() -> None:
    types = set()
    for path in EXAMPLES:
        if path.parent.name == "tamr":
            data = json.loads(path.read_text())
            types.add(data.get("data", data)["type"])
    assert types == {
        "LOAD_SOURCE",
        "UPDATE_DATA_PRODUCT",
        "UPDATE_WORKFLOW",
        "PUBLISH_CONFIGURATION",
        "PUBLISH_DESTINATION",
    }


@pytest.mark.parametrize("vendor", BUILTIN)
def test_documented_examples_are_shipped_as_files(vendor: str) -> None:
    for name, example in VENDORS[vendor].examples.items():
        path = ROOT / "schemas" / "examples" / vendor / f"{name}.json"
        assert json.loads(path.read_text()) == example


KEYWORDS_2020_12 = {
    # core and applicators
    "$schema", "$id", "$ref", "$defs", "$comment", "$anchor", "$dynamicRef", "$dynamicAnchor", "$vocabulary",
    "allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependentSchemas", "prefixItems", "items",
    "contains", "properties", "patternProperties", "additionalProperties", "propertyNames",
    "unevaluatedItems", "unevaluatedProperties",
    # validation
    "type", "enum", "const", "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
    "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "maxContains", "minContains",
    "maxProperties", "minProperties", "required", "dependentRequired",
    # format, content, meta-data
    "format", "contentEncoding", "contentMediaType", "contentSchema",
    "title", "description", "default", "deprecated", "readOnly", "writeOnly", "examples",
}  # fmt: skip
# None of our own: the lifecycle and delivery style are in <vendor>.vendor.json, messages in "$comment".
ANNOTATIONS: set[str] = set()


def _keywords(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            if key in ("properties", "$defs", "patternProperties", "dependentSchemas"):
                for sub in value.values():
                    yield from _keywords(sub)
            elif key not in ANNOTATIONS and key not in ("enum", "const", "default", "examples", "required"):
                yield from _keywords(value)
    elif isinstance(node, list):
        for value in node:
            yield from _keywords(value)


@pytest.mark.parametrize("vendor", BUILTIN)
def test_schemas_use_only_real_keywords(vendor: str) -> None:
    # A misspelt keyword (pydantic once emitted "ge") is silently ignored by every validator.
    assert set(_keywords(jh.load_schema(vendor))) - KEYWORDS_2020_12 - ANNOTATIONS == set()
