"""The recorder behind --jobhooks-record: exact bodies, redaction, whole appended lines, read back by parse_record."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest

from pytest_jobhooks.errors import RecordingError
from pytest_jobhooks.recordings import RecordedDelivery, Recorder, parse_record, read_records
from pytest_jobhooks.recordings._writer import (
    REDACTED,
    body_fields,
    captured_record,
    line_of,
    recorded,
    redact_headers,
    redact_secrets,
    sent_records,
)
from pytest_jobhooks.sender import deliver
from pytest_jobhooks.server import CaptureServer
from pytest_jobhooks.wire import Headers, Request

TELMAI = {"tenant": "acme", "source": "s1", "jobId": "job-1", "status": "FINISHED", "details": "naïve ✓"}
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"", (None, None, None)),
        (b'{"a":1,"b":"\xc3\xa9"}', ({"a": 1, "b": "é"}, None, None)),  # compact JSON: the parsed body suffices
        (b'{"a": 1}', ({"a": 1}, '{"a": 1}', None)),  # spelt otherwise: the text too, for exact bytes
        (b'{"a":1e3}', ({"a": 1000.0}, '{"a":1e3}', None)),
        (b"[1,2]", ([1, 2], None, None)),
        (b"not json", (None, "not json", None)),
        (b'{"a":NaN}', (None, '{"a":NaN}', None)),
        (b"\xff\xfe", (None, None, "//4=")),
    ],
)
def test_body_fields_keep_the_exact_bytes(body: bytes, expected: tuple[object, ...]) -> None:
    assert body_fields(body) == expected
    parsed, text, raw = expected
    record = RecordedDelivery("POST", "/", {}, parsed, "2026-04-17T09:30:00Z", body_text=text, body_base64=raw)  # type: ignore[arg-type]
    assert parse_record(record.to_line()).body_bytes() == body  # type: ignore[union-attr]


def test_headers_are_redacted_in_any_case() -> None:
    headers = {
        "authorization": "Bearer abc",
        "X-USER-TOKEN": "t0k3n",
        "Cookie": "session=1",
        "Set-Cookie": "a=b",
        "X-Other": "kept",
    }
    assert redact_headers(headers) == {
        "authorization": REDACTED,
        "X-USER-TOKEN": REDACTED,
        "Cookie": REDACTED,
        "Set-Cookie": REDACTED,
        "X-Other": "kept",
    }


def test_repeated_headers_are_joined_as_headers_reads_them() -> None:
    pairs = [("X-A", "1"), ("x-a", "2"), ("Cookie", "a=1"), ("cookie", "b=2"), ("X-B", "3")]
    assert redact_headers(pairs) == {"X-A": "1, 2", "Cookie": REDACTED, "X-B": "3"}
    assert redact_headers(Headers(pairs)) == redact_headers(pairs)
    assert dict(Headers(pairs)) == {"X-A": "1, 2", "Cookie": "a=1, b=2", "X-B": "3"}


def test_svix_secrets_are_redacted_anywhere_and_only_once() -> None:
    text = f"secret={SECRET}&other=whsec_a-b_c+d/e=, done"
    redacted = redact_secrets(text)
    assert redacted == "secret=whsec_[redacted]&other=whsec_[redacted], done"
    assert redact_secrets(redacted) == redacted
    assert redact_secrets("no secret here") == "no secret here"


def test_a_captured_delivery_is_recorded_as_received() -> None:
    with CaptureServer(secret=None) as server:
        body = json.dumps({**TELMAI, "note": SECRET}, indent=1).encode()
        headers = {"Content-Type": "application/json", "Authorization": "Bearer x", "X-Hook": SECRET}
        httpx.post(server.url_for("/hooks/t%C3%A9lmai?a=1&b=2&a=3"), content=body, headers=headers)
        [delivery] = server.wait_for()
    record = captured_record(delivery)
    assert (record.method, record.path, record.query) == ("POST", "/hooks/télmai", {"a": ["1", "3"], "b": "2"})
    assert (record.vendor, record.side) == ("telmai", "captured")
    assert record.headers["Authorization"] == REDACTED
    assert record.body_bytes() == body  # pretty-printed JSON is kept byte for byte...
    line = line_of(record)
    assert line.endswith(b"\n")
    assert line.count(b"\n") == 1
    assert SECRET.encode() not in line  # ...but no secret reaches the file
    read = parse_record(line)
    assert isinstance(read, RecordedDelivery)
    assert read.headers["X-Hook"] == "whsec_[redacted]"
    assert read.received_at.endswith("Z")


def test_a_recorded_delivery_gives_back_its_request() -> None:
    with CaptureServer(secret=None) as server:
        headers = {"Content-Type": "application/json", "Authorization": "Bearer x"}
        httpx.post(server.url_for("/hooks/t%C3%A9lmai?a=1&b=2&a=3"), content=b'{"a": 1}', headers=headers)
        [delivery] = server.wait_for()
    read = parse_record(line_of(captured_record(delivery)))
    assert isinstance(read, RecordedDelivery)
    request = read.request
    assert isinstance(request, Request)
    assert (request.method, request.path, request.body) == ("POST", "/hooks/télmai", b'{"a": 1}')
    assert request.query_lists == delivery.request.query_lists == {"a": ["1", "3"], "b": ["2"]}
    assert request.time == delivery.received_at
    assert request.headers["authorization"] == REDACTED  # what was redacted stays redacted


def test_any_request_makes_a_line_through_the_one_writer() -> None:
    moment = datetime(2026, 4, 17, 9, 30, 0, 123456, tzinfo=timezone.utc)
    request = Request.from_url("PUT", "http://example.test/x?y=1&y=2", {"Cookie": "c"}, b"\xff", moment)
    record = recorded(request, vendor=None, side="sent")
    assert (record.method, record.path, record.query, record.side) == ("PUT", "/x", {"y": ["1", "2"]}, "sent")
    assert (record.headers, record.received_at) == ({"Cookie": REDACTED}, "2026-04-17T09:30:00.123456Z")
    assert record.body_bytes() == b"\xff"
    assert record.request.query_string == "y=1&y=2"


def test_a_sent_delivery_is_recorded_once_per_attempt() -> None:
    with CaptureServer() as server:
        server.respond(500, times=1)
        report = deliver({"job_id": "j1", "status": "pending", "created_at": "2023-10-01T12:00:00Z"}, server, retry=[1])
    records = list(sent_records(report))
    assert [r.side for r in records] == ["sent", "sent"]
    assert [r.vendor for r in records] == ["tensorlake", "tensorlake"]
    for record, attempt in zip(records, report.attempts, strict=True):
        assert record.body_bytes() == attempt.request.body
        assert record.headers["svix-id"] == report.msg_id  # the signature is recorded as sent (it is no secret)
    gofetch = deliver({"job_id": "g1", "job_status": "delivered"}, "http://127.0.0.1:9/x", retry=False, timeout=1)
    [record] = sent_records(gofetch)
    assert (record.method, record.path, record.query, record.body) == (
        "GET",
        "/x",
        {"job_id": "g1", "job_status": "delivered"},
        None,
    )


def test_a_lone_surrogate_is_written_as_ascii_json() -> None:
    record = RecordedDelivery("POST", "/", {}, {"a": "\ud800"}, "2026-04-17T09:30:00Z", body_text='{"a":"\\ud800"}')
    line = line_of(record)
    assert line.isascii()
    assert parse_record(line) == record


def test_recorder_appends_whole_lines_and_creates_the_file_on_the_first(tmp_path: Path) -> None:
    path = tmp_path / "jobhooks-main.jsonl"
    path.write_text('{"earlier": "run"}\n')
    recorder = Recorder(path)
    assert recorder.record_captured([]) == 0
    with CaptureServer(secret=None) as server:
        for n in range(3):
            httpx.post(server.url, json={**TELMAI, "jobId": f"job-{n}"})
        deliveries = server.wait_for(3)
    assert recorder.record_captured(deliveries) == 3
    # Written straight through: readable while the file is still open, as after a killed run.
    records = list(read_records(path))
    assert [n for n, _ in records] == [1, 2, 3, 4]
    assert [r.body["jobId"] for _, r in records[1:]] == ["job-0", "job-1", "job-2"]  # type: ignore[union-attr, index, call-overload]
    recorder.close()
    assert recorder.record_captured(deliveries[:1]) == 1  # opened again after close()
    recorder.close()
    assert (recorder.captured, recorder.sent) == (4, 0)
    assert len(path.read_bytes().splitlines()) == 5


def test_recorder_that_cannot_write_says_so(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path / "missing" / "jobhooks-main.jsonl")
    with CaptureServer(secret=None) as server:
        httpx.post(server.url, json=TELMAI)
        deliveries = server.wait_for()
    with pytest.raises(RecordingError, match=r"cannot append to the recording '.*jobhooks-main\.jsonl': No such file"):
        recorder.record_captured(deliveries)


def test_non_utf8_body_round_trips_through_base64() -> None:
    with CaptureServer(secret=None) as server:
        httpx.post(server.url, content=b"\x89PNG\r\n")
        [delivery] = server.wait_for()
    record = captured_record(delivery)
    assert record.body_base64 == base64.b64encode(b"\x89PNG\r\n").decode()
    assert parse_record(line_of(record)).body_bytes() == b"\x89PNG\r\n"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"side": 3}, "$.side: expected a string or null"),
        ({"body_base64": "not base64!"}, "$.body_base64: expected base64 text or null"),
        ({"body_base64": 1}, "$.body_base64: expected base64 text or null"),
    ],
)
def test_the_added_keys_are_checked_when_read(change: dict[str, object], expected: str) -> None:
    line = {**RecordedDelivery("POST", "/", {}, None, "2026-04-17T09:30:00Z").to_json(), **change}
    with pytest.raises(RecordingError) as info:
        parse_record(json.dumps(line))
    assert [str(p) for p in info.value.problems] == [expected]
