"""Recording format 2: sequence numbers, intent, test, raw header bytes; format 1 still read; a folder in time order."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from pytest_jobhooks import RecordedDelivery, check_recording
from pytest_jobhooks._plugin.recordings import recording_name
from pytest_jobhooks.recordings import RECORDING_FORMAT, RecordingSummary, parse_record
from pytest_jobhooks.recordings.ordering import read_in_order, recording_files
from pytest_jobhooks.recordings.writer import RECORDING_SUFFIX, Recorder
from pytest_jobhooks.vendors import VENDORS

TELMAI = dict(VENDORS["telmai"].examples["FINISHED.doc"])


def delivery(at: str, **fields: object) -> RecordedDelivery:
    return RecordedDelivery("POST", "/hooks", {}, TELMAI, at, vendor="telmai", **fields)  # type: ignore[arg-type]


def test_the_new_fields_round_trip() -> None:
    record = RecordedDelivery(
        "POST", "/", {"X-Name": "café"}, {**TELMAI, "jobId": ""}, "2026-04-17T09:30:00Z",
        seq=7, intent="invalid", test="test_x.py::test_one", headers_base64={"X-Name": base64.b64encode(b"caf\xc3\xa9").decode()},
    )  # fmt: skip
    line = json.loads(record.to_line())
    assert (line["jobhooks"], line["seq"], line["intent"], line["test"]) == (2, 7, "invalid", "test_x.py::test_one")
    assert parse_record(record.to_line()) == record
    assert record.header_bytes() == {"X-Name": "café".encode()}
    assert record.request.headers["X-Name"] == "cafÃ©"  # the wire's bytes, as transports and the server read them


def test_a_format_1_line_is_still_read_with_its_headers_as_the_wire_had_them() -> None:
    line = json.dumps(
        {"jobhooks": 1, "vendor": "telmai", "method": "POST", "path": "/", "query": {}, "headers": {"X-Name": "cafÃ©"},
         "body": TELMAI, "received_at": "2026-04-17T09:30:00Z", "side": "captured"}
    )  # fmt: skip
    record = parse_record(line)
    assert isinstance(record, RecordedDelivery)
    assert (record.seq, record.intent, record.header_bytes()) == (None, None, {"X-Name": "café".encode()})
    assert RECORDING_FORMAT == 2
    assert json.loads(record.to_line())["jobhooks"] == 2  # written again in the current format


def test_the_recorder_numbers_lines_on_from_what_the_file_holds(tmp_path: Path) -> None:
    path = tmp_path / "main.jobhooks.jsonl"
    first = Recorder(path)
    assert first.write([delivery("2026-04-17T09:30:00Z"), delivery("2026-04-17T09:30:01Z", side="sent")]) == 2
    first.close()
    again = Recorder(path)  # another run appending to the same file (listen --record, a second pytest run)
    again.write([delivery("2026-04-17T09:30:02Z")])
    again.close()
    seqs = [json.loads(line)["seq"] for line in path.read_text().splitlines()]
    assert seqs == [1, 2, 3]
    assert (first.captured, first.sent, again.captured) == (1, 1, 1)
    old = tmp_path / "old.jsonl"
    old.write_text(json.dumps(TELMAI) + "\n" + json.dumps(TELMAI) + "\n")  # no seq: its lines are counted
    appended = Recorder(old)
    appended.write([delivery("2026-04-17T09:30:00Z")])
    appended.close()
    assert json.loads(old.read_text().splitlines()[-1])["seq"] == 3


def test_a_folder_of_worker_files_reads_in_time_order(tmp_path: Path) -> None:
    (tmp_path / "nested").mkdir()
    gw0, gw1 = tmp_path / recording_name("gw0"), tmp_path / "nested" / recording_name("gw1")
    for path, records in [
        (gw0, [delivery("2026-04-17T09:30:00Z"), delivery("2026-04-17T09:30:03Z")]),
        (gw1, [delivery("2026-04-17T09:30:01Z"), delivery("2026-04-17T09:30:01Z", side="sent")]),
    ]:
        recorder = Recorder(path)
        recorder.write(records)
        recorder.close()
    with gw1.open("a") as stream:
        stream.write(json.dumps(TELMAI) + "\n")  # a bare payload: no time, stays after the line before it
    (tmp_path / "notes.txt").write_text("not a recording")
    files = recording_files(tmp_path)
    assert files == [gw0, gw1]
    order = [(Path(item.source).name, item.line) for item in read_in_order(files)]
    assert order == [
        ("gw0.jobhooks.jsonl", 1),
        ("gw1.jobhooks.jsonl", 1),
        ("gw1.jobhooks.jsonl", 2),  # same instant: by seq
        ("gw1.jobhooks.jsonl", 3),
        ("gw0.jobhooks.jsonl", 2),
    ]
    assert recording_name("main").endswith(RECORDING_SUFFIX)


def test_lines_invalid_on_purpose_are_counted_not_judged(tmp_path: Path) -> None:
    path = tmp_path / "r.jobhooks.jsonl"
    broken = {**TELMAI, "jobId": ""}
    lines = [
        RecordedDelivery("POST", "/", {}, broken, "2026-04-17T09:30:00Z", intent="invalid"),
        RecordedDelivery("POST", "/", {}, broken, "2026-04-17T09:30:01Z"),
        RecordedDelivery("POST", "/", {}, TELMAI, "2026-04-17T09:30:02Z"),
    ]
    path.write_text("".join(line.to_line() + "\n" for line in lines))
    report = check_recording(path)
    assert (report.payloads, report.valid, report.invalid, report.negative) == (3, 1, 1, 1)
    assert report.summary().endswith("1 valid, 0 drift, 1 invalid, 1 invalid on purpose (not judged)")
    assert [verdict.line for verdict in report.listed] == [2]
    summary = RecordingSummary()
    summary.add(report)
    merged = RecordingSummary()
    merged.merge(RecordingSummary.from_json(summary.to_json()))
    assert merged.negative == 1
    assert "1 invalid on purpose (not judged)" in merged.lines(strict=False)[0]
