"""Recording a real suite: negative tests, strict JSON whatever was captured, then validate, collect and replay it.

The record -> validate -> replay loop of issue #12, run as a user runs it:
``pytest --jobhooks-record=rec``, ``python -m pytest_jobhooks validate rec``,
``pytest --jobhooks rec``, ``replay(...)``.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from pytest_jobhooks import CaptureServer, RecordedDelivery, replay
from pytest_jobhooks.cli import main
from pytest_jobhooks.recordings import parse_record, read_records

SUITE = """
import httpx
import pytest
from pytest_jobhooks import build, invalid, lifecycle

TELMAI = {"tenant": "acme", "source": "s1", "jobId": "job-1", "details": ""}


def test_a_whole_job(jobhooks_sender, jobhooks_server):
    jobhooks_sender.deliver_all(lifecycle("telmai", seed=1), jobhooks_server)


def test_receiver_rejects_a_named_defect(jobhooks_sender, jobhooks_server):
    jobhooks_sender.deliver(invalid("telmai", "missing:jobId", seed=2), jobhooks_server)


def test_receiver_rejects_an_unchecked_build(jobhooks_sender):
    def app(environ, start_response):
        start_response("400 Bad Request", [])
        return []
    report = jobhooks_sender.deliver(build("telmai", jobId="", validate=False), app, retry=False)
    assert report.status == 400


@pytest.mark.jobhooks(require_signature=True)
def test_an_unsigned_broken_delivery_is_refused(jobhooks_server):
    assert httpx.post(jobhooks_server.url, json={**TELMAI, "status": "FINISHED", "jobId": ""}).status_code == 401


@pytest.mark.jobhooks(contract=False)
def test_a_broken_payload_by_hand(jobhooks_server):
    httpx.post(jobhooks_server.url, json={**TELMAI, "status": "FINISHED", "jobId": ""})
    jobhooks_server.wait_for()


@pytest.mark.jobhooks(record=False)
def test_left_out_of_the_recording(jobhooks_server):
    httpx.post(jobhooks_server.url, json={**TELMAI, "status": "FINISHED", "jobId": "secret-job"})
"""


def record(pytester: pytest.Pytester, suite: str, *args: str, passed: int) -> Path:
    pytester.makepyfile(test_suite=suite)
    pytester.runpytest("--jobhooks-record=rec", "-p", "no:randomly", *args).assert_outcomes(passed=passed)
    return pytester.path / "rec"


def validate(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = main(["validate", *args])
    return status, capsys.readouterr().out


def test_a_suite_with_negative_tests_records_a_recording_that_validates(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = record(pytester, SUITE, passed=6)
    assert [path.name for path in folder.iterdir()] == ["main.jobhooks.jsonl"]  # the default collection pattern
    lines = list(read_records(folder / "main.jobhooks.jsonl"))
    records = [record for _, record in lines]
    assert all(isinstance(record, RecordedDelivery) for record in records)
    deliveries = [record for record in records if isinstance(record, RecordedDelivery)]
    assert [record.seq for record in deliveries] == list(range(1, len(deliveries) + 1))
    times = [record.received_at for record in deliveries]
    assert times == sorted(times)  # in time order: each attempt sent before its capture
    negative = {(record.test.split("::")[1], record.side) for record in deliveries if record.intent == "invalid"}  # type: ignore[union-attr]
    assert negative == {
        ("test_receiver_rejects_a_named_defect", "sent"),
        ("test_receiver_rejects_a_named_defect", "captured"),
        ("test_receiver_rejects_an_unchecked_build", "sent"),
        ("test_an_unsigned_broken_delivery_is_refused", "captured"),
        ("test_a_broken_payload_by_hand", "captured"),
    }
    assert all(record.intent is None for record in deliveries if record.test.endswith("test_a_whole_job"))  # type: ignore[union-attr]
    assert "secret-job" not in (folder / "main.jobhooks.jsonl").read_text()  # record=False

    status, out = validate(str(folder), capsys=capsys)
    assert status == 0, out
    assert f"{folder}/main.jobhooks.jsonl: 11 payloads: 6 valid, 0 drift, 0 invalid, 5 invalid on purpose" in out

    pytester.makepyfile(test_suite="")
    result = pytester.runpytest("--jobhooks", "rec")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["1 recording, 11 payloads: 6 valid, 0 drift, 0 invalid, 5 invalid on purpose*"])


def test_an_invalid_payload_from_the_app_is_not_excused(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    suite = (
        "import httpx\n"
        "def test_the_app_sends_a_broken_payload(jobhooks_server):\n"  # what the app under test sent: a real bug
        "    httpx.post(jobhooks_server.url, json={'tenant': 'a', 'source': 's', 'jobId': '', 'details': '',"
        " 'status': 'FINISHED'})\n"
    )
    folder = record(pytester, suite, passed=1)
    [(_, line)] = read_records(folder / "main.jobhooks.jsonl")
    assert isinstance(line, RecordedDelivery)
    assert line.intent is None
    status, out = validate(str(folder), capsys=capsys)
    assert status == 1
    assert "main.jobhooks.jsonl:1: telmai: $.jobId: '' should be non-empty" in out


def test_a_bad_record_value_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        "import pytest, httpx\n"
        "@pytest.mark.jobhooks(record='no')\n"
        "def test_one(jobhooks_server):\n"
        "    httpx.post(jobhooks_server.url, json={'hello': 1})\n"
    )
    result = pytester.runpytest("--jobhooks-record=rec")
    result.stdout.fnmatch_lines(["*@pytest.mark.jobhooks(record=...) takes True or False, not 'no'*"])


STRANGE = """
import http.client
from urllib.parse import urlsplit

BODY = b'{"tenant":"acme","source":"s1","jobId":"j-inf","details":"","status":"FINISHED","score":1e999}'


def test_strange_bytes(jobhooks_server):
    url = urlsplit(jobhooks_server.url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    connection.putrequest("POST", "/hooks")
    connection.putheader("Content-Type", "application/json")
    connection.putheader("X-Name", "café".encode())
    connection.putheader("X-Raw", b"\\xff\\xfe")
    connection.putheader("Content-Length", str(len(BODY)))
    connection.endheaders(BODY)
    assert connection.getresponse().status == 200
    connection.close()  # the server keeps the connection alive
    jobhooks_server.wait_for()
"""


def strict(line: str) -> object:
    def refuse(name: str) -> object:
        raise ValueError(f"{name} is not JSON")

    return json.loads(line, parse_constant=refuse)


def test_1e999_and_non_ascii_headers_round_trip_through_record_and_replay(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = record(pytester, STRANGE, passed=1)
    path = folder / "main.jobhooks.jsonl"
    [text] = path.read_text(encoding="utf-8").splitlines()
    line = strict(text)  # strict JSON: no Infinity
    assert isinstance(line, dict)
    assert line["body_text"].endswith('"score":1e999}')
    assert (line["headers"]["X-Name"], line["headers"]["X-Raw"]) == ("café", "\xff\xfe")
    assert line["headers_base64"] == {
        "X-Name": base64.b64encode("café".encode()).decode(),
        "X-Raw": base64.b64encode(b"\xff\xfe").decode(),
    }
    record_ = parse_record(text)
    assert isinstance(record_, RecordedDelivery)
    assert record_.vendor == "telmai"

    status, out = validate(str(path), capsys=capsys)
    assert status == 0, out  # the vendor is kept: an undocumented field is drift
    assert "telmai: undocumented field $.score" in out

    with CaptureServer(secret=None) as target:
        report = replay(path, target)
        [arrived] = target.deliveries
    assert report.ok, report.describe()
    assert arrived.request.body == record_.body_bytes()
    assert arrived.request.body.endswith(b'"score":1e999}')
    assert arrived.headers["X-Name"].encode("latin-1") == "café".encode()
    assert arrived.headers["X-Raw"].encode("latin-1") == b"\xff\xfe"
