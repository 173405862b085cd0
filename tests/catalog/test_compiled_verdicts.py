"""The compiled check (jsonschema-rs) gives every payload the verdict, and the problems, of the full judgement."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest
from pydantic import BaseModel

from pytest_jobhooks import build, validate_payload
from pytest_jobhooks._json import JsonObject, JsonValue, parse_rfc3339
from pytest_jobhooks.errors import PayloadValidationError
from pytest_jobhooks.factories import INVALID_DEFECTS, invalid, outcomes
from pytest_jobhooks.vendors import VENDORS, _validation, get_vendor
from pytest_jobhooks.vendors.base import AnyVendor

# RFC 3339 section 5.6 and its edges: what the date-time fields meet (valid and not, as the model sees them).
DATE_TIMES = [
    "2024-01-01T00:00:00Z",
    "2016-12-31T23:59:60Z",  # a leap second: valid RFC 3339, taken by parse_rfc3339 and jsonschema-rs alike
    "2016-12-31T22:59:60-01:00",
    "2024-06-30T12:00:60Z",  # :60 not at the end of a day
    "0000-01-01T00:00:00Z",  # the year 0: valid RFC 3339, taken alike too
    "9999-12-31T23:59:59.999999999Z",
    "2024-01-01t00:00:00z",  # lowercase t and z (RFC 3339 5.6 NOTE)
    "2024-01-01T00:00:00.5+05:30",
    "2024-01-01T00:00:00.123456789-00:00",
    "2024-01-01T00:00:00+23:59",
    "2024-01-01T00:00:00+24:00",
    "2024-01-01T00:00:00+05:60",
    "2024-01-01T00:00:00",  # no offset
    "2024-01-01 00:00:00Z",  # a space for the T
    "2024-01-01T00:00:00.Z",  # a fraction without digits
    "2024-02-29T00:00:00Z",
    "2023-02-29T00:00:00Z",
    "2024-01-01T24:00:00Z",
    "2024-1-01T00:00:00Z",
    "2024-01-01T00:00:00ZZ",
    "",
]


def _with_each_time(payload: JsonValue, value: str) -> Iterator[JsonValue]:
    """``payload`` with one of its date-time strings replaced by ``value``, once per date-time string."""
    if isinstance(payload, str):
        try:
            parse_rfc3339(payload)
        except ValueError:
            return
        yield value
    elif isinstance(payload, dict):
        for key, item in payload.items():
            for changed in _with_each_time(item, value):
                yield {**payload, key: changed}
    elif isinstance(payload, list):
        for index, item in enumerate(payload):
            for changed in _with_each_time(item, value):
                yield [*payload[:index], changed, *payload[index + 1 :]]


def corpus(spec: AnyVendor) -> Iterator[JsonObject]:
    """Valid, invalid and edge-case payloads of ``spec``."""
    yield from spec.examples.values()
    for seed in range(3):
        for status in outcomes(spec):  # every unified outcome the vendor reaches
            yield build(spec, outcome=status, seed=seed)
    for defect in INVALID_DEFECTS[spec.name]:
        yield invalid(spec, defect, seed=1)
    base = build(spec, seed=7)
    for value in DATE_TIMES:
        for changed in _with_each_time(base, value):
            assert isinstance(changed, dict)
            yield changed
    for key in list(base)[:3]:
        yield {**base, key: 10**30}  # beyond 64 bits
        yield {**base, key: None}
        yield {**base, key: [base[key]]}
    yield {**base, "undocumented": {"nested": [1, 2.5, True]}}  # drift
    nested: JsonValue = "deep"
    for _ in range(200):
        nested = [nested]
    yield {**base, "undocumented": nested}


def _verdict(result: BaseModel | tuple[object, ...]) -> object:
    return result.model_dump() if isinstance(result, BaseModel) else result


@pytest.mark.parametrize("name", sorted(VENDORS))
def test_compiled_check_gives_the_full_judgements_verdict_and_problems(name: str) -> None:
    spec = get_vendor(name)
    judged = 0
    for payload in corpus(spec):
        assert _verdict(_validation.validated(spec, payload)) == _verdict(_validation.judged_in_full(spec, payload))
        judged += 1
    assert judged > 10


@pytest.mark.parametrize("name", sorted(VENDORS))
def test_compiled_and_jsonschema_differ_only_where_the_model_still_refuses(name: str) -> None:
    spec = get_vendor(name)
    for payload in corpus(spec):
        fast = _validation.passes_compiled(spec, payload)
        full = spec.validator.is_valid(payload)
        if fast and not full:
            # jsonschema-rs takes the leap second and the year 0 as date-times: the model refuses them.
            assert any(bad in repr(payload) for bad in (":60", "0000-")), payload
            assert isinstance(_validation.validated(spec, payload), tuple)


def test_rules_no_schema_states_are_still_checked() -> None:
    payload = {**build("tensorlake", status="successful", seed=3), "finished_at": "2000-01-01T00:00:00Z"}
    assert _validation.passes_compiled(get_vendor("tensorlake"), payload)  # the schema says nothing of the order
    with pytest.raises(PayloadValidationError, match="finished_at"):
        validate_payload("tensorlake", payload)


def test_without_the_jsonschema_rs_wheel_every_payload_is_judged_in_full(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "jsonschema_rs", None)  # import jsonschema_rs now raises ImportError
    monkeypatch.setattr(_validation, "_COMPILED", {})
    for name in sorted(VENDORS):
        spec = get_vendor(name)
        assert not _validation.passes_compiled(spec, build(spec, seed=1))
        for payload in corpus(spec):
            assert _verdict(_validation.validated(spec, payload)) == _verdict(_validation.judged_in_full(spec, payload))
        with pytest.raises(PayloadValidationError):
            validate_payload(spec, invalid(spec, INVALID_DEFECTS[name][0], seed=2))


def test_a_valid_payload_is_judged_without_importing_jsonschema() -> None:
    code = (
        "import sys; from pytest_jobhooks import build, validate_payload\n"
        "for name in ('telmai', 'tamr', 'tensorlake', 'tensorlake-workflow', 'gofetch'):\n"
        "    validate_payload(name, build(name, seed=1))\n"
        "print('jsonschema' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
