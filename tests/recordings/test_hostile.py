"""Hostile input to recordings (issue 14): secrets hidden by escapes or binary bodies, non-finite numbers,
byte order marks, non-ASCII header values and long documents.

Protocol cases send raw bytes over a socket to a real capture server on 127.0.0.1 and record what it captured.
"""

from __future__ import annotations

import base64
import contextlib
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest

from pytest_jobhooks.recordings import (
    RecordedDelivery,
    Recorder,
    RecordingChecker,
    _reader,
    check_recording,
    parse_record,
    read_records,
)
from pytest_jobhooks.recordings._reader import MAX_LINE_BYTES
from pytest_jobhooks.recordings._writer import line_of, sent_records
from pytest_jobhooks.recordings.replaying import replay
from pytest_jobhooks.sender import deliver
from pytest_jobhooks.server import CaptureServer
from pytest_jobhooks.vendors import VENDORS

TELMAI = dict(VENDORS["telmai"].examples["FINISHED.doc"])
TAIL = "Zq7Xk9LmPw"
"""The secret's part after ``whsec_``: none of it may reach a recording."""


def strict(text: str) -> object:
    """``text`` as strict JSON: ``NaN`` / ``Infinity`` raise."""

    def refuse(name: str) -> object:
        raise ValueError(f"{name} in a recorded line")

    return json.loads(text, parse_constant=refuse)


def post(server: CaptureServer, body: bytes, *extra: bytes, path: bytes = b"/hooks") -> None:
    """One raw HTTP/1.1 POST to ``server``, answered before this returns."""
    host, port = server.url.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)
    head = [b"POST " + path + b" HTTP/1.1", b"Host: " + host.encode(), b"Content-Type: application/json", *extra]
    head.append(b"Content-Length: " + str(len(body)).encode())
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(b"\r\n".join([*head, b"Connection: close", b"", b""]) + body)
        while sock.recv(65536):
            pass


def record(tmp_path: Path, *requests: tuple[bytes, ...]) -> list[str]:
    """Send each (body, extra header lines...) to a capture server, record the captured deliveries: the lines."""
    path = tmp_path / "captured.jsonl"
    recorder = Recorder(path)
    with CaptureServer(secret=None) as server:
        for body, *extra in requests:
            post(server, body, *extra)
        assert len(server.deliveries) == len(requests)  # each was answered, so captured
        recorder.record_captured(server.deliveries)
    recorder.close()
    return path.read_text(encoding="utf-8").splitlines()


def unescaped(line: str) -> Iterator[str]:
    """Every form a reader may decode the line's body into: the line, its body_text, body and base64 bytes."""
    value = strict(line)
    assert isinstance(value, dict)
    yield line
    yield json.dumps(value["body"], ensure_ascii=False)
    text = value.get("body_text")
    if text is not None:
        yield text
        with contextlib.suppress(ValueError):  # not JSON: the text is all there is
            yield json.dumps(strict(text), ensure_ascii=False)
    if value.get("body_base64") is not None:
        yield base64.b64decode(value["body_base64"]).decode("latin-1")
    yield unquote(line)  # a form body, a path
    yield unquote(value["path"])


# Defect 2: a secret survives redaction when the recorded line only holds it encoded.
@pytest.mark.parametrize(
    "body",
    [
        pytest.param(f"\xff\xfesecret=whsec_{TAIL}\x00".encode("latin-1"), id="non-utf8-base64"),
        pytest.param(f'{{"s":"whsec_{TAIL[:4]}\\/{TAIL[4:]}"}}'.encode(), id="escaped-slash"),
        pytest.param(f'{{"s":"whsec\\u005f{TAIL}"}}'.encode(), id="escaped-underscore"),
        pytest.param(f'{{"s":"\\u0077hsec_{TAIL}"}}'.encode(), id="escaped-prefix"),
        pytest.param(f'{{"s":"whsec_{TAIL[:3]}\\u{ord(TAIL[3]):04X}{TAIL[4:]}"}}'.encode(), id="escaped-inside"),
        pytest.param(f'{{"s":"whsec\\u005f{TAIL}","n":1e400}}'.encode(), id="escaped-not-json"),
        pytest.param(f"secret=whsec_{TAIL[:4]}%2B{TAIL[4:]}%3D&x=1".encode(), id="form-percent-escaped"),
        pytest.param(f"secret=whsec%5F{TAIL}".encode(), id="form-escaped-underscore"),
    ],
)
def test_a_secret_is_redacted_in_every_decoded_form_of_the_line(tmp_path: Path, body: bytes) -> None:
    (line,) = record(tmp_path, (body,))
    for form in unescaped(line):
        assert TAIL[4:] not in form, form
    assert "whsec_[redacted]" in "".join(unescaped(line))


def test_a_secret_in_the_path_or_query_is_redacted(tmp_path: Path) -> None:
    path = tmp_path / "captured.jsonl"
    recorder = Recorder(path)
    with CaptureServer(secret=None) as server:
        post(server, b"{}", path=f"/hooks/whsec%5F{TAIL[:4]}%2F{TAIL[4:]}?key=whsec_{TAIL[:4]}%2B{TAIL[4:]}".encode())
        recorder.record_captured(server.deliveries)
    recorder.close()
    (line,) = path.read_text(encoding="utf-8").splitlines()
    assert all(TAIL[4:] not in form for form in unescaped(line))
    assert strict(line)["query"] == {"key": "whsec_[redacted]"}  # type: ignore[index]


def test_redaction_keeps_every_line_strict_json_and_other_escapes_as_they_are(tmp_path: Path) -> None:
    bodies = [
        b'{"s":"\\\\u0077hsec_kept","t":"caf\\u00e9 \\/ \\u005f"}',  # an escaped backslash: no secret
        b'{"s":"\\\\\\u0077hsec_' + TAIL.encode() + b'"}',  # a backslash, then an escaped "w": a secret
        b'{"s":"whsec_' + TAIL.encode() + b'\\u0022 and on"}',
    ]
    lines = record(tmp_path, *((body,) for body in bodies))
    kept = strict(strict(lines[0])["body_text"])  # type: ignore[index]
    assert kept == {"s": "\\u0077hsec_kept", "t": "café / _"}
    for line in lines[1:]:
        assert strict(strict(line)["body_text"])  # type: ignore[index]
        assert all(TAIL[4:] not in form for form in unescaped(line))


# Defect 3: a non-finite number must not make the line non-JSON; the body's bytes are kept exactly.
@pytest.mark.parametrize("body", [b'{"n":1e400}', b"[1e400,-1e400]", b"1e999", b'{"details":"x","n":-1E400}'])
def test_a_number_too_large_for_a_float_is_recorded_as_strict_json(tmp_path: Path, body: bytes) -> None:
    (line,) = record(tmp_path, (body,))
    value = strict(line)
    assert isinstance(value, dict)
    assert "Infinity" not in line
    recorded = parse_record(line)
    assert isinstance(recorded, RecordedDelivery)
    assert recorded.body is None
    assert recorded.body_bytes() == body
    path = tmp_path / "again.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    assert [number for number, _ in read_records(path)] == [1]
    assert "not valid JSON" not in check_recording(path).failure()


def test_a_sent_body_with_a_number_too_large_for_a_float_is_recorded_as_strict_json() -> None:
    body = b'{"jobId":"j","n":1e400}'
    with CaptureServer(secret=None) as server:
        report = deliver(body, server, vendor="telmai")
    (line,) = (line_of(record).decode() for record in sent_records(report))
    assert strict(line)["body_text"] == body.decode()  # type: ignore[index]
    recorded = parse_record(line)
    assert isinstance(recorded, RecordedDelivery)
    assert recorded.body_bytes() == body


# Defect 7: a byte order mark where a line or a payload begins is not part of it.
@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("bom.jsonl", b"\xef\xbb\xbf%(t)s\n"),
        ("blank-bom.jsonl", b" \xef\xbb\xbf%(t)s\r\n"),
        ("second.jsonl", b"%(t)s\n\xef\xbb\xbf%(t)s\n"),
        ("trailing.jsonl", b"%(t)s\xef\xbb\xbf\n"),
        ("bom-only-line.jsonl", b"%(t)s\n\xef\xbb\xbf\r\n%(t)s\n"),
        ("concatenated.json", b"\xef\xbb\xbf%(t)s\n\xef\xbb\xbf%(t)s\n"),
        ("pretty.json", b"\xef\xbb\xbf%(p)s\n\xef\xbb\xbf%(p)s\n"),
        ("array.json", b"\xef\xbb\xbf[%(t)s,\n\xef\xbb\xbf%(t)s]\n"),
    ],
)
def test_a_byte_order_mark_before_a_line_is_skipped(tmp_path: Path, name: str, data: bytes) -> None:
    payload = {b"t": json.dumps(TELMAI).encode(), b"p": json.dumps(TELMAI, indent=2).encode()}
    path = tmp_path / name
    path.write_bytes(data % payload)
    report = check_recording(path)
    assert report.ok, report.failure()
    assert report.valid == data.count(b"%")
    assert all(value == TELMAI for _, value in read_records(path))


@pytest.mark.parametrize("line", [b"\xef\xbb\xbf%s", b" \xef\xbb\xbf%s", b"%s\xef\xbb\xbf", "\ufeff%s"])
def test_parse_record_skips_a_byte_order_mark(line: bytes | str) -> None:
    text = json.dumps(TELMAI)
    assert parse_record(line % (text.encode() if isinstance(line, bytes) else text)) == TELMAI


# Defect 8: a header value the capture server recorded is kept byte for byte (text and base64) and replayed.
def test_replay_sends_a_non_ascii_header_value_as_the_server_recorded_it(tmp_path: Path) -> None:
    body = json.dumps(TELMAI).encode()
    lines = record(tmp_path, (body, "X-Name: café".encode()), (body, b"X-Raw: \xff\xfe"), (body, b"X-Plain: ok"))
    first, second, third = map(strict, lines)
    assert first["headers"]["X-Name"] == "café"  # type: ignore[index]
    assert first["headers_base64"] == {"X-Name": base64.b64encode("café".encode()).decode()}  # type: ignore[index]
    assert second["headers_base64"] == {"X-Raw": base64.b64encode(b"\xff\xfe").decode()}  # type: ignore[index]
    assert "headers_base64" not in third  # type: ignore[operator]
    path = tmp_path / "replayed.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with CaptureServer(secret=None) as target:
        report = replay(path, target)
        got = target.deliveries
    assert [delivery.ok for delivery in report.deliveries] == [True, True, True]
    assert got[0].headers["X-Name"] == "cafÃ©"
    assert got[1].headers["X-Raw"] == "\xff\xfe"
    assert got[2].headers["X-Plain"] == "ok"


def test_replay_sends_a_header_value_beyond_latin1_as_utf8(tmp_path: Path) -> None:
    line = RecordedDelivery("POST", "/hooks", {"X-Name": "完成"}, TELMAI, "2026-04-17T09:30:00Z").to_line()
    path = tmp_path / "hand-written.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with CaptureServer(secret=None) as target:
        report = replay(path, target)
        (got,) = target.deliveries
    assert report.deliveries[0].ok
    assert got.headers["X-Name"].encode("latin-1") == "完成".encode()


def test_replay_reports_a_header_it_cannot_send_and_goes_on_with_the_file() -> None:
    def line(headers: dict[str, str]) -> RecordedDelivery:
        return RecordedDelivery("POST", "/hooks", headers, TELMAI, "2026-04-17T09:30:00Z")

    records = [line({"X-Bad": "é\r\nInjected: 1"}), line({"Bad Name": "é"}), line({"X-Lone": "\ud800"}), line({})]
    with CaptureServer(secret=None) as target:
        report = replay(records, target)
        arrived = len(target.deliveries)
    assert [(delivery.line, delivery.ok) for delivery in report.deliveries] == [(3, True), (4, True)]
    assert [(unsent.line, unsent.reason.split(":")[0]) for unsent in report.unsent] == [
        (1, "the recorded header 'X-Bad' holds a line break or NUL"),
        (2, "the recorded header name 'Bad Name' is not an HTTP header name (a token of ASCII letters)"),
    ]
    assert not report.ok
    assert "line 1 not sent: the recorded header 'X-Bad'" in report.describe()
    assert arrived == 2


# Defect 14: a one-line JSON document is read up to the documented document limit, not the line limit.
def test_a_one_line_json_document_over_the_line_limit_is_read(tmp_path: Path) -> None:
    big = {**TELMAI, "details": "x" * (MAX_LINE_BYTES + 1024)}
    single = tmp_path / "single.json"
    single.write_text(json.dumps(big), encoding="utf-8")
    array = tmp_path / "array.json"
    array.write_text(json.dumps([big, TELMAI]), encoding="utf-8")
    assert check_recording(single).valid == 1
    report = check_recording(array)
    assert report.ok, report.failure()
    assert report.valid == 2
    lines = tmp_path / "lines.jsonl"
    lines.write_text(json.dumps(big) + "\n" + json.dumps(TELMAI) + "\n", encoding="utf-8")
    assert "over the 16,777,216-byte limit" in check_recording(lines).failure()  # JSON Lines keep the line limit


def test_a_json_document_over_the_document_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_reader, "MAX_DOCUMENT_BYTES", 8192)
    path = tmp_path / "huge.json"
    path.write_text(json.dumps({**TELMAI, "details": "x" * 10_000}) + "\n" + json.dumps(TELMAI), encoding="utf-8")
    report = RecordingChecker(max_line_bytes=1024).check(path)
    assert (report.invalid, report.valid) == (1, 1)
    assert "over 8,192 bytes is not read whole" in report.failure()
    path.write_text(json.dumps([{**TELMAI, "details": "x" * 5000}, TELMAI]), encoding="utf-8")
    report = RecordingChecker(max_line_bytes=1024).check(path)
    assert report.ok, report.failure()
