"""Checking recorded payloads: the delivery format, per-line verdicts, drift, bad input, flat streaming."""

from __future__ import annotations

import copy
import io
import json
import random
from pathlib import Path
from typing import Any

import pytest

import pytest_jobhooks as jh
from pytest_jobhooks.recordings import (
    MAX_DRIFT_KINDS,
    RECORD_KEY,
    RECORDING_FORMAT,
    DriftReport,
    LineVerdict,
    RecordedDelivery,
    RecordingChecker,
    RecordingError,
    RecordingSummary,
    check_recording,
    is_delivery,
    parse_record,
    read_records,
)
from pytest_jobhooks.vendors import VENDORS
from pytest_jobhooks.vendors._validation import compiled_verdict

TELMAI = dict(VENDORS["telmai"].examples["FINISHED.doc"])
TAMR = copy.deepcopy(VENDORS["tamr"].examples["DONE.doc-stopped"])
TENSORLAKE = copy.deepcopy(VENDORS["tensorlake"].examples["successful.doc"])
WORKFLOW = copy.deepcopy(VENDORS["tensorlake-workflow"].examples["failure.doc"])
GOFETCH = dict(VENDORS["gofetch"].examples["fetcher_approaching_dropoff.doc"])
EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "schemas" / "examples"
EXAMPLES = sorted((p.parent.name, p.stem) for p in EXAMPLES_DIR.glob("*/*.json"))


def write(path: Path, *lines: object) -> Path:
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines), encoding="utf-8")
    return path


def delivery(**fields: Any) -> dict[str, Any]:
    line: dict[str, Any] = {
        RECORD_KEY: RECORDING_FORMAT,
        "method": "POST",
        "path": "/hooks",
        "query": {},
        "headers": {"content-type": "application/json"},
        "body": None,
        "received_at": "2026-04-17T09:30:00.123Z",
    }
    line.update(fields)
    return line


def messages(report: jh.recordings.RecordingReport) -> list[str]:
    return [m for verdict in report.listed for m in verdict.messages()]


# --- the recorded-delivery format -----------------------------------------------------------------


def test_delivery_round_trips_through_one_line() -> None:
    sent = RecordedDelivery(
        method="GET",
        path="/hooks",
        headers={"user-agent": "GoFetch"},
        body=None,
        received_at="2026-04-17T09:30:00Z",
        query={"job_id": "b1", "job_status": "delivered", "tag": ["a", "b"]},
        vendor="gofetch",
    )
    line = sent.to_line()
    assert "\n" not in line
    assert json.loads(line)[RECORD_KEY] == RECORDING_FORMAT
    assert parse_record(line) == sent
    assert parse_record(line.encode()) == sent


def test_bare_payload_line_is_the_payload() -> None:
    assert parse_record(json.dumps(TELMAI)) == TELMAI
    assert not is_delivery(TELMAI)
    assert is_delivery(delivery())


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({RECORD_KEY: 3}, "$.jobhooks: unsupported recording format 3 (this version reads 1 and 2)"),
        ({RECORD_KEY: True}, "$.jobhooks: unsupported recording format True (this version reads 1 and 2)"),
        ({"seq": 0}, "$.seq: expected a sequence number (an integer from 1), got 0"),
        ({"intent": "maybe"}, "$.intent: expected one of 'invalid' or null, got 'maybe'"),
        ({"headers_base64": {"X": "%%"}}, "$.headers_base64: expected an object of base64 strings"),
        ({"headers_base64": {"X": "eA=="}}, "$.headers_base64: names headers that $.headers does not hold: ['X']"),
        ({"headers": {"x": 1}}, "$.headers: expected an object of strings"),
        ({"query": {"x": [1]}}, "$.query: expected an object of strings or lists of strings"),
        ({"received_at": "yesterday"}, "$.received_at: expected an RFC 3339 date-time, got 'yesterday'"),
        ({"method": ""}, "$.method: expected a non-empty string"),
        ({"vendor": 3}, "$.vendor: expected a string or null"),
    ],
)
def test_malformed_delivery_says_what_is_wrong(change: dict[str, Any], expected: str) -> None:
    with pytest.raises(RecordingError) as info:
        parse_record(json.dumps(delivery(**change)))
    assert [str(p) for p in info.value.problems] == [expected]


def test_delivery_missing_keys() -> None:
    with pytest.raises(RecordingError, match=r"\$\.path: missing; \$\.received_at: missing"):
        RecordedDelivery.from_json({RECORD_KEY: 1, "method": "POST", "headers": {}, "body": None})


@pytest.mark.parametrize(
    ("line", "message"), [("[1]", "expected a JSON object, got an array"), ("{", "not valid JSON")]
)
def test_parse_record_rejects_non_objects(line: str, message: str) -> None:
    with pytest.raises(RecordingError, match=message):
        parse_record(line)


def test_read_records_streams_records_with_line_numbers(tmp_path: Path) -> None:
    path = write(tmp_path / "r.jsonl", TELMAI, "", delivery(body=TAMR, vendor="tamr"))
    records = list(read_records(path))
    assert [n for n, _ in records] == [1, 3]
    assert records[0][1] == TELMAI
    assert isinstance(records[1][1], RecordedDelivery)
    assert records[1][1].body == TAMR


def test_read_records_stops_at_the_first_bad_line(tmp_path: Path) -> None:
    path = write(tmp_path / "r.jsonl", TELMAI, "nope", TELMAI)
    with pytest.raises(RecordingError, match=r"r\.jsonl:2: not valid JSON"):
        list(read_records(path))
    with pytest.raises(RecordingError, match=r"cannot read: No such file"):
        list(read_records(tmp_path / "missing.jsonl"))


# --- verdicts --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("vendor", "name"), EXAMPLES, ids=[f"{v}/{n}" for v, n in EXAMPLES])
def test_every_documented_example_passes_detected_and_fixed(tmp_path: Path, vendor: str, name: str) -> None:
    payload = json.loads((EXAMPLES_DIR / vendor / f"{name}.json").read_text())
    path = write(tmp_path / "r.jsonl", payload)
    for fixed in (None, vendor):
        report = check_recording(path, vendor=fixed)
        assert report.ok, report.failure()
        assert report.payloads == 1, report.failure()
        assert report.invalid == 0, report.failure()
        assert {entry.vendor for entry in report.drift} <= {vendor}


def test_bad_lines_are_listed_as_file_line_vendor_path_message(tmp_path: Path) -> None:
    path = write(
        tmp_path / "r.jsonl",
        TELMAI,
        {**TELMAI, "status": 5},
        {**TENSORLAKE, "finished_at": "2000-01-01T00:00:00Z"},
        {"foo": 1},
        [1, 2],
    )
    report = check_recording(path)
    assert not report.ok
    assert (report.payloads, report.valid, report.invalid) == (5, 1, 4)
    assert messages(report) == [
        f"{path}:2: telmai: $.status: 5 is not of type 'string'",
        f"{path}:2: telmai: $.status: 5 is not one of ['PREPARING', 'BATCH_WAIT', 'IN_PROGRESS', 'FINISHED', 'FAILED']",
        f"{path}:3: tensorlake: $: finished_at 2000-01-01T00:00:00Z is before created_at 2023-10-01T12:00:00Z",
        f"{path}:4: ?: $: matches no known vendor's payload (fields: foo)",
        f"{path}:5: ?: $: expected a JSON object, got an array",
    ]


def test_fixed_vendor_reads_every_line_as_that_vendor(tmp_path: Path) -> None:
    path = write(tmp_path / "r.jsonl", TELMAI, GOFETCH)
    report = check_recording(path, vendor="gofetch")
    assert (report.valid, report.invalid) == (1, 1)
    assert report.listed[0].vendor == "gofetch"
    assert report.listed[0].line == 1
    with pytest.raises(jh.UnknownVendorError, match="known vendors: gofetch, tamr"):
        RecordingChecker("nope")


def test_deliveries_are_checked_by_their_payload(tmp_path: Path) -> None:
    path = write(
        tmp_path / "r.jsonl",
        delivery(method="GET", query={"job_id": "b1", "job_status": "delivered"}),
        delivery(method="GET", query={"job_id": ["b1"], "job_status": ["delivered"]}, vendor="gofetch"),
        delivery(body=TENSORLAKE, headers={"svix-id": "m", "svix-signature": "v1,x"}),
        delivery(body=TELMAI, vendor="tamr"),
        delivery(body_text="<xml/>", vendor="telmai"),
        delivery(vendor="telmai"),
        delivery(body=TELMAI, vendor="nope"),
        delivery(**{RECORD_KEY: 9}),
    )
    report = check_recording(path)
    assert (report.valid, report.invalid) == (3, 5)
    lines = messages(report)
    assert lines[0].startswith(f"{path}:4: tamr: $: ")
    assert f"{path}:5: telmai: $: not valid JSON: Expecting value (column 1)" in lines
    assert f"{path}:6: telmai: $: empty body: expected a JSON object" in lines
    assert f"{path}:7: ?: $: unknown vendor 'nope'; known vendors: {', '.join(sorted(VENDORS))}" in lines
    assert f"{path}:8: ?: $.jobhooks: unsupported recording format 9 (this version reads 1 and 2)" in lines


def test_verdict_of_one_parsed_line() -> None:
    checker = RecordingChecker()
    assert checker.verdict(TAMR) == LineVerdict("<payload>", 1, "tamr", "valid")
    verdict = checker.verdict({**WORKFLOW, "fn_status": {}}, source="x", line=7)
    assert verdict.outcome == "invalid"
    assert verdict.messages() == ["x:7: tensorlake-workflow: $.fn_status: {} should be non-empty"]


# --- drift -----------------------------------------------------------------------------------------


def test_undeclared_fields_and_undocumented_values_are_drift_not_failures(tmp_path: Path) -> None:
    history = [{**TAMR["statusHistory"][0], "retries": 1}, {**TAMR["statusHistory"][0], "retries": 2}]
    path = write(
        tmp_path / "r.jsonl",
        {**GOFETCH, "job_status": "picked_up"},  # an open list's unknown status (a closed list's is invalid)
        {**TELMAI, "region": "eu"},
        {**TAMR, "statusHistory": history},
        {**TAMR, "type": "NEW_JOB_TYPE"},  # (a workflow's unknown fn_status is its status: invalid)
        {**GOFETCH, "job_status": "picked_up", "region": "eu"},
    )
    report = check_recording(path)
    assert report.ok
    assert report.drifted == 5
    assert report.valid == 0
    assert [str(entry) for entry in report.drift] == [
        f"gofetch: undocumented field $.region: 1 payload, first at {path}:5",
        f"gofetch: undocumented value $.job_status = 'picked_up': 2 payloads, first at {path}:1",
        f"tamr: undocumented field $.statusHistory[*].retries: 1 payload, first at {path}:3",
        f"tamr: undocumented value $.type = 'NEW_JOB_TYPE': 1 payload, first at {path}:4",
        f"telmai: undocumented field $.region: 1 payload, first at {path}:2",
    ]
    strict = check_recording(path, strict=True)
    assert not strict.ok
    assert strict.bad == 5
    assert messages(strict)[:3] == [
        f"{path}:1: gofetch: $.job_status: undocumented value 'picked_up' (drift)",
        f"{path}:2: telmai: $.region: undocumented field (drift)",
        f"{path}:3: tamr: $.statusHistory[0].retries: undocumented field (drift)",
    ]


def test_tamr_cloudevents_envelope_is_walked_into(tmp_path: Path) -> None:
    event = {"specversion": "1.0", "id": "e1", "source": "/tamr", "type": "job", "data": {**TAMR, "type": "NEW_JOB"}}
    report = check_recording(write(tmp_path / "r.jsonl", event))
    assert report.ok
    assert report.drifted == 1
    assert [(e.kind, e.path, e.value) for e in report.drift] == [("value", "$.data.type", "NEW_JOB")]


def test_drift_with_a_real_problem_is_invalid(tmp_path: Path) -> None:
    report = check_recording(write(tmp_path / "r.jsonl", {**TELMAI, "status": "CANCELLED", "jobId": ""}))
    assert report.invalid == 1
    assert not report.drift
    assert messages(report) == [
        f"{tmp_path / 'r.jsonl'}:1: telmai: $.jobId: '' should be non-empty",
        f"{tmp_path / 'r.jsonl'}:1: telmai: $.status: undocumented value 'CANCELLED' (drift)",
    ]


def test_a_conditional_rule_on_an_enum_is_not_drift() -> None:
    # Tamr's "does not apply to this job type" rule is an enum ["", null] in an if/then: a real problem.
    verdict = RecordingChecker().verdict({**TAMR, "workflowId": "wf_1"})
    assert verdict.outcome == "invalid"
    assert verdict.problems == (
        jh.Problem("$.workflowId", "workflowId does not apply to LOAD_SOURCE jobs: it may only be empty"),
    )


def test_drift_reports_merge_and_survive_json(tmp_path: Path) -> None:
    one = check_recording(write(tmp_path / "b.jsonl", {**TELMAI, "x": 1}, {**TELMAI, "x": 2}))
    two = check_recording(write(tmp_path / "a.jsonl", TELMAI, {**TELMAI, "x": 3}))
    merged = DriftReport()
    merged.merge(one.drift)
    merged.merge(DriftReport.from_json(json.loads(json.dumps(two.drift.to_json()))))
    [entry] = list(merged)
    assert (entry.count, entry.first) == (3, f"{tmp_path / 'a.jsonl'}:2")
    summary = RecordingSummary()
    summary.add(one)
    summary.merge(RecordingSummary.from_json(json.loads(json.dumps(_summary_of(two).to_json()))))
    assert (summary.files, summary.payloads, summary.valid, summary.drifted) == (2, 4, 1, 3)
    assert summary.lines(strict=False, switch="--x")[0] == "2 recordings, 4 payloads: 1 valid, 3 drift, 0 invalid"


def test_drift_report_memory_is_bounded(tmp_path: Path) -> None:
    path = write(tmp_path / "r.jsonl", *({**GOFETCH, "job_status": f"s{i}"} for i in range(MAX_DRIFT_KINDS + 50)))
    report = check_recording(path)
    assert (report.drifted, len(report.drift), report.drift.overflow) == (MAX_DRIFT_KINDS + 50, MAX_DRIFT_KINDS, 50)
    assert report.drift.lines()[-1] == "... and 50 more drift findings of kinds beyond the first 1,000"
    again = DriftReport.from_json(json.loads(json.dumps(report.drift.to_json())))
    assert (len(again), again.overflow) == (MAX_DRIFT_KINDS, 50)


def _summary_of(report: jh.recordings.RecordingReport) -> RecordingSummary:
    summary = RecordingSummary()
    summary.add(report)
    return summary


# --- the fast path gives jsonschema's verdict ----------------------------------------------------


def mutations(rng: random.Random) -> list[tuple[str, dict[str, Any]]]:
    """The documented examples, each also with one field removed, replaced or added (top level or nested)."""
    values: list[Any] = [None, "", "x", 0, -1, 1.5, 10.0, True, [], {}, "2000-01-01T00:00:00Z", "2025-02-30T00:00:00Z"]
    values += ["2025-12-02 14:46:04", "STOPPED_BY_USER", "CANCELLED", "NEW_JOB_TYPE"]
    values += sorted({s for v in VENDORS.values() for s in v.lifecycle.states})
    corpus: list[tuple[str, dict[str, Any]]] = []
    for vendor, name in EXAMPLES:
        example = json.loads((EXAMPLES_DIR / vendor / f"{name}.json").read_text())
        corpus.append((vendor, example))
        for path in [(), *((k,) for k, v in example.items() if isinstance(v, dict))]:
            for key in sorted(_at(example, path)):
                removed = copy.deepcopy(example)
                del _at(removed, path)[key]
                corpus.append((vendor, removed))
                for value in rng.sample(values, 5):
                    changed = copy.deepcopy(example)
                    _at(changed, path)[key] = value
                    corpus.append((vendor, changed))
            added = copy.deepcopy(example)
            _at(added, path)["undocumented"] = rng.choice(values)
            corpus.append((vendor, added))
    return corpus


def _at(payload: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    for key in path:
        payload = payload[key]
    return payload


CORPUS = mutations(random.Random(6))


def test_corpus_has_valid_invalid_and_drift_payloads() -> None:
    outcomes = {RecordingChecker(vendor).verdict(payload).outcome for vendor, payload in CORPUS}
    assert outcomes == {"valid", "drift", "invalid"}
    assert len(CORPUS) > 1000


@pytest.mark.parametrize("vendor", sorted(VENDORS))
def test_fast_path_and_jsonschema_agree_on_valid_and_invalid_payloads(vendor: str) -> None:
    spec = VENDORS[vendor]
    checker = RecordingChecker(vendor)
    for name, payload in CORPUS:
        if name != vendor:
            continue
        try:
            jh.validate_payload(vendor, payload)  # jsonschema, then the model
            expected: tuple[jh.Problem, ...] = ()
        except jh.PayloadValidationError as exc:
            expected = exc.errors
        fast = compiled_verdict(spec)  # the fast path's decision
        assert fast is not None
        fast_ok = fast(payload)
        assert fast_ok == (not expected), payload
        verdict = checker.verdict(payload)
        if not expected:
            assert verdict.outcome in ("valid", "drift"), payload
            assert not verdict.problems, payload
            assert all(d.kind == "field" for d in verdict.drift)
        elif verdict.outcome == "drift":
            # Only undocumented values: every jsonschema problem sits where the verdict found one.
            drifting = {d.path for d in verdict.drift if d.kind == "value"}
            assert {p.path for p in expected} <= drifting, payload
            assert all("is not one of" in p.message for p in expected)
        else:
            assert verdict.outcome == "invalid", payload
            assert set(verdict.problems) <= set(expected), payload


def test_fast_path_rejects_non_ascii_digits_in_times() -> None:
    payload = {**TENSORLAKE, "created_at": "\uff12\uff10\uff12\uff13-10-01T12:00:00Z"}
    with pytest.raises(jh.PayloadValidationError):
        jh.validate_payload("tensorlake", payload)
    assert RecordingChecker("tensorlake").verdict(payload).outcome == "invalid"


# --- bad input -------------------------------------------------------------------------------------


def test_empty_and_blank_files_are_valid_but_empty(tmp_path: Path) -> None:
    for text in ("", "\n\n  \n"):
        (tmp_path / "e.jsonl").write_text(text)
        report = check_recording(tmp_path / "e.jsonl")
        assert report.ok
        assert report.empty
        assert report.summary() == f"{tmp_path / 'e.jsonl'}: empty (no payloads)"


@pytest.mark.parametrize("make", ["missing", "directory", "under-a-file"])
def test_unreadable_source_is_a_per_file_verdict(tmp_path: Path, make: str) -> None:
    target = {"missing": tmp_path / "nope.jsonl", "directory": tmp_path, "under-a-file": tmp_path / "f" / "x"}[make]
    (tmp_path / "f").write_text("")
    report = check_recording(target)
    assert not report.ok
    assert not report.empty
    assert report.error
    assert report.summary().startswith(f"{target}: cannot read: ")


def test_garbage_invalid_utf8_and_bad_json_get_per_line_verdicts(tmp_path: Path) -> None:
    path = tmp_path / "g.jsonl"
    lines = [
        b"\x00\x01\x02\xff binary",
        b'{"a": "\xc3\x28"}',
        b'{"tenant": NaN}',
        b"[" * 100_000,
        json.dumps(TELMAI).encode(),
        b'{"a": 1} {"b": 2}',
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")
    report = check_recording(path)
    assert (report.payloads, report.valid, report.invalid) == (6, 1, 5)
    assert [m.split(": ", 3)[-1] for m in messages(report)] == [
        "not valid UTF-8 (byte 0xff at column 4)",
        "not valid UTF-8 (byte 0xc3 at column 8)",
        "not valid JSON: NaN is not allowed in JSON",
        "not valid JSON: nested too deeply",
        "not valid JSON: extra data after the value (column 10)",
    ]


def test_a_50_mb_line_is_reported_and_skipped_not_parsed(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    with path.open("wb") as out:
        out.write(b'{"tenant": "' + b"x" * (50 * 1024 * 1024) + b'"}\n')
        out.write(json.dumps(TELMAI).encode() + b"\n")
    report = check_recording(path)
    assert (report.payloads, report.valid, report.invalid) == (2, 1, 1)
    assert messages(report) == [
        f"{path}:1: ?: $: line is 52,428,815 bytes long, over the 16,777,216-byte limit: not checked"
    ]


def test_listing_is_capped_but_every_bad_line_is_counted(tmp_path: Path) -> None:
    path = write(tmp_path / "r.jsonl", *(["oops"] * 60), TELMAI)
    seen: list[LineVerdict] = []
    report = RecordingChecker(max_listed=50).check(path, on_bad=seen.append)
    assert (report.invalid, len(report.listed), len(seen)) == (60, 50, 60)
    assert report.failure().splitlines()[-1] == "... and 10 more bad lines not listed"


def test_stdin_and_streams(monkeypatch: pytest.MonkeyPatch) -> None:
    data = (json.dumps(TELMAI) + "\n" + json.dumps({**GOFETCH, "job_status": "?"}) + "\n").encode()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    report = check_recording("-")
    assert (report.source, report.valid, report.drifted) == ("<stdin>", 1, 1)
    report = RecordingChecker().check(io.BytesIO(data), name="upload")
    assert (report.source, report.payloads) == ("upload", 2)


# --- JSON documents (not JSON Lines) ---------------------------------------------------------------


def test_json_array_document_reports_element_lines(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps([TELMAI, {**TELMAI, "jobId": 1}, GOFETCH], indent=2))
    report = check_recording(path)
    assert (report.payloads, report.valid, report.invalid) == (3, 2, 1)
    assert report.listed[0].line == 1 + json.dumps([TELMAI], indent=2).count("\n")


@pytest.mark.parametrize(
    ("text", "outcome"),
    [
        (json.dumps(TAMR, indent=2), (1, 1, 0)),
        (json.dumps(TELMAI) + "\n" + json.dumps(GOFETCH) + "\n", (2, 2, 0)),
        ("[" + json.dumps(TELMAI) + ",", (2, 1, 1)),
        ("[" + json.dumps(TELMAI) + "] x", (2, 1, 1)),
        ("[]", (0, 0, 0)),
        ('{"tenant": \n', (1, 0, 1)),
    ],
    ids=["pretty-object", "json-lines", "unclosed-array", "trailing-data", "empty-array", "broken-object"],
)
def test_json_documents(tmp_path: Path, text: str, outcome: tuple[int, int, int]) -> None:
    path = tmp_path / "r.json"
    path.write_text(text)
    report = check_recording(path)
    assert (report.payloads, report.valid, report.invalid) == outcome, report.failure()
