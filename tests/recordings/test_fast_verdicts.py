"""The recordings' fast path (jsonschema-rs, then the vendor's beyond-schema rules) gives catalog.read's verdict."""

from __future__ import annotations

import copy
import dataclasses
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import model_validator

from pytest_jobhooks import build
from pytest_jobhooks._json import JsonObject
from pytest_jobhooks.catalog import read
from pytest_jobhooks.factories import outcomes
from pytest_jobhooks.recordings import RecordingChecker
from pytest_jobhooks.vendors import VENDORS, _validation, get_vendor, registered
from pytest_jobhooks.vendors.base import AnyVendor
from pytest_jobhooks.vendors.tensorlake import TensorlakeJobEvent
from tests.catalog.test_compiled_verdicts import DATE_TIMES, corpus
from tests.recordings.test_recordings import CORPUS

# Rules the models check that a schema might not state: each must still decide the verdict.
EDGES: dict[str, list[JsonObject]] = {
    "telmai": [
        {k: v for k, v in VENDORS["telmai"].examples["FINISHED.doc"].items() if k != "jobId"},
        {**VENDORS["telmai"].examples["FINISHED.doc"], "jobId": None},
        {**VENDORS["telmai"].examples["FINISHED.doc"], "job_id": None},
        {**VENDORS["telmai"].examples["FINISHED.doc"], "job_id": "client-1"},
    ],
    "tensorlake": [
        {**build("tensorlake", status="successful", seed=3), "finished_at": "2000-01-01T00:00:00Z"},
        {**build("tensorlake", status="successful", seed=3), "finished_at": None},
        {**build("tensorlake", status="pending", seed=3), "finished_at": "2099-01-01T00:00:00Z"},
        {**build("tensorlake", status="failure", seed=3), "created_at": "2016-12-31T23:59:60Z"},
        {**build("tensorlake", status="failure", seed=3), "finished_at": "0000-01-01T00:00:00Z"},
        {
            **build("tensorlake", status="failure", seed=3),
            "created_at": "2016-12-31T23:59:60Z",
            "finished_at": "2016-12-31T23:59:59.9999999Z",
        },
    ],
}


def _tamr_edges() -> Iterator[JsonObject]:
    event: dict[str, Any] = copy.deepcopy(VENDORS["tamr"].examples["DONE.doc-stopped"])
    yield event
    running = copy.deepcopy(event)
    running["status"]["state"] = "RUNNING"  # an error only on DONE
    yield running
    for key in ("sourceId", "dataProductId", "workflowId", "destinationId"):
        yield {**event, key: "x"}
        yield {**event, key: ""}
    envelope: JsonObject = {"specversion": "1.0", "id": "1", "source": "/tamr", "type": "com.tamr.job", "data": event}
    yield envelope
    yield {**envelope, "Bad_Name": "x"}  # an extension attribute name the spec refuses
    yield {**envelope, "okname": "x"}


def payloads(spec: AnyVendor) -> Iterator[JsonObject]:
    yield from corpus(spec)
    yield from (payload for name, payload in CORPUS if name == spec.name)
    yield from EDGES.get(spec.name, [])
    if spec.name == "tamr":
        yield from _tamr_edges()


@pytest.mark.parametrize("name", sorted(VENDORS))
def test_the_fast_path_gives_catalog_reads_verdict(name: str) -> None:
    spec = get_vendor(name)
    fixed, detected = RecordingChecker(name), RecordingChecker()
    fast = _validation.compiled_verdict(spec)
    assert fast is not None  # jsonschema-rs is installed here: the fast path is the one judged
    seen = set()
    for payload in payloads(spec):
        reading = read(payload, vendor=spec)
        if reading.payload is not None:  # what read judged (a query mapping made a JSON object)
            assert fast(reading.payload) == reading.valid, payload
        assert fixed.verdict(payload).outcome == reading.outcome, payload
        if read(payload).spec is spec:
            assert detected.verdict(payload).outcome == reading.outcome, payload
        seen.add(reading.outcome)
    assert seen >= {"valid", "invalid"}


def test_the_leap_second_and_year_zero_are_ours_to_judge() -> None:
    spec = get_vendor("tensorlake")
    fast = _validation.compiled_verdict(spec)
    assert fast is not None
    base = build(spec, status="pending", seed=1)
    for value in DATE_TIMES:
        payload = {**base, "created_at": value}
        assert fast(payload) == read(payload, vendor=spec).valid, value


def test_a_rule_beyond_the_schema_decides_without_the_model() -> None:
    spec = get_vendor("tensorlake")
    payload = {**build(spec, status="successful", seed=3), "finished_at": "2000-01-01T00:00:00Z"}
    assert _validation.passes_compiled(spec, payload)  # the schema says nothing of the order
    fast = _validation.compiled_verdict(spec)
    assert fast is not None
    assert not fast(payload)
    verdict = RecordingChecker().verdict(payload)
    assert verdict.outcome == "invalid"
    assert any("finished_at" in p.message for p in verdict.problems)


def test_a_vendor_that_does_not_say_its_rules_is_judged_by_its_model() -> None:
    own = dataclasses.replace(get_vendor("tensorlake"), name="own-lake", beyond_schema=None)
    assert _validation.compiled_verdict(own) is None
    payload = {**build("tensorlake", status="successful", seed=3), "finished_at": "2000-01-01T00:00:00Z"}
    with registered(own):
        assert RecordingChecker("own-lake").verdict(payload).outcome == "invalid"
        assert RecordingChecker("own-lake").verdict(build("tensorlake", seed=2)).outcome == "valid"


def test_without_the_wheel_recordings_judge_by_the_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "jsonschema_rs", None)  # import jsonschema_rs now raises ImportError
    monkeypatch.setattr(_validation, "_COMPILED", {})
    for name in sorted(VENDORS):
        spec = get_vendor(name)
        assert _validation.compiled_verdict(spec) is None
        checker = RecordingChecker(name)
        for payload in payloads(spec):
            assert checker.verdict(payload).outcome == read(payload, vendor=spec).outcome, payload


def _with_an_undeclared_field(value: object) -> Iterator[object]:
    """``value`` with one undeclared field added, once per object in it (nested ones and array items too)."""
    if isinstance(value, dict):
        yield {**value, "undeclared_x": 1}
        for key, item in value.items():
            for changed in _with_an_undeclared_field(item):
                yield {**value, key: changed}
    elif isinstance(value, list):
        for index, item in enumerate(value):
            for changed in _with_an_undeclared_field(item):
                yield [*value[:index], changed, *value[index + 1 :]]


@pytest.mark.parametrize("name", sorted(VENDORS))
def test_the_closed_schema_passes_only_valid_payloads_without_drift(name: str) -> None:
    spec = get_vendor(name)
    closed = _validation.compiled_verdict(spec, closed=True)
    assert closed is not None
    samples = [*payloads(spec), *(build(spec, outcome=o, seed=s) for o in outcomes(spec) for s in range(3))]
    for payload in list(samples):
        samples.extend(p for p in _with_an_undeclared_field(payload) if isinstance(p, dict))
    passed = 0
    for payload in samples:
        if closed(payload):
            reading = read(payload, vendor=spec)
            assert reading.outcome == "valid", payload
            assert not reading.drift, payload
            passed += 1
        assert RecordingChecker(name).verdict(payload).outcome == read(payload, vendor=spec).outcome, payload
    assert passed > 5  # the clean payloads take the shortest path


def test_a_valid_line_is_judged_without_the_model(tmp_path: Path) -> None:
    calls: list[object] = []

    class Counted(TensorlakeJobEvent):
        @model_validator(mode="before")
        @classmethod
        def _count(cls, data: object) -> object:
            calls.append(data)
            return data

    lake = dataclasses.replace(get_vendor("tensorlake"), name="counted-lake", model=Counted)
    lines = [build("tensorlake", seed=seed) for seed in range(20)]
    recording = tmp_path / "lake.jsonl"
    recording.write_text("".join(json.dumps(line) + "\n" for line in lines))
    with registered(lake):
        calls.clear()  # registering checked the examples with the model
        report = RecordingChecker("counted-lake").check(recording)
    assert (report.payloads, report.valid) == (20, 20)
    assert calls == []  # the compiled schema and beyond_schema decided every line
