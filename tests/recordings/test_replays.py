"""replay(): recorded deliveries arrive again as recorded, re-signed when a secret is known; bare payloads as sent."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from pytest_jobhooks._json import format_rfc3339 as rfc3339
from pytest_jobhooks.deliveries import Delivery
from pytest_jobhooks.errors import ArgumentError, DeliveryError
from pytest_jobhooks.recordings import RecordedDelivery, Recorder, read_records
from pytest_jobhooks.recordings._writer import REDACTED
from pytest_jobhooks.recordings.replaying import HOP_BY_HOP_HEADERS, replay
from pytest_jobhooks.sender import BatchReport, deliver
from pytest_jobhooks.server import CaptureServer
from pytest_jobhooks.signing import sign

TELMAI = {"tenant": "acme", "source": "s1", "jobId": "job-1", "status": "IN_PROGRESS", "details": "naïve ✓"}
TENSORLAKE = {"job_id": "parse_1", "status": "pending", "created_at": "2023-10-01T12:00:00Z"}
GOFETCH = {"job_id": "g-1", "job_status": "delivered"}


def recorded(tmp_path: Path, send: Callable[[CaptureServer], None], *, secret: str | None = None) -> Path:
    """Record what ``send`` delivers to a capture server, as --jobhooks-record does."""
    path = tmp_path / "jobhooks-main.jsonl"
    recorder = Recorder(path)
    with CaptureServer(secret=secret) as server:
        send(server)
        recorder.record_captured(server.deliveries)
    recorder.close()
    return path


def comparable(delivery: Delivery, *, drop: Iterable[str] = ()) -> tuple[object, ...]:
    skip = HOP_BY_HOP_HEADERS | {name.lower() for name in drop}
    headers = {name.lower(): value for name, value in delivery.headers.items() if name.lower() not in skip}
    return delivery.method, delivery.path, delivery.query_string, delivery.body, headers


def test_recorded_deliveries_arrive_again_as_recorded(tmp_path: Path) -> None:
    def send(server: CaptureServer) -> None:
        with httpx.Client(base_url=server.url) as client:
            client.post("/hooks/telmai", content=json.dumps(TELMAI, indent=2), headers={"X-Trace": "t-1"})
            client.post("/hooks/telmai", content=json.dumps(TELMAI, separators=(",", ":")))
            client.get("/hooks/gofetch", params=GOFETCH)
            client.put("/a path/ü", params=[("x", "1"), ("x", "2")], content=b"plain text")
            client.post("/binary", content=b"\x89PNG\r\n\x00")
            client.post("/secret", json=TELMAI, headers={"Authorization": "Bearer nope"})

    path = recorded(tmp_path, send)
    with CaptureServer(secret=None) as original:
        send(original)
        expected = original.deliveries
    with CaptureServer(secret=None) as target:
        report = replay(path, target)
        arrived = target.deliveries
    assert report.ok
    assert [d.line for d in report.deliveries] == [1, 2, 3, 4, 5, 6]
    assert [comparable(d, drop=["Authorization"]) for d in arrived] == [
        comparable(d, drop=["Authorization"]) for d in expected
    ]
    assert "Authorization" not in arrived[-1].headers  # redacted when recorded: not replayed as "[redacted]"
    assert [d.vendor for d in report.deliveries] == ["telmai", "telmai", "gofetch", None, None, "telmai"]


def test_signed_deliveries_are_signed_again_with_the_targets_secret(tmp_path: Path) -> None:
    first = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    def send(server: CaptureServer) -> None:
        deliver(TENSORLAKE, server, msg_id="msg_recorded")
        body = json.dumps(TENSORLAKE).encode()
        httpx.post(server.url, content=body, headers=sign(first, body, msg_id="msg_webhook", prefix="webhook"))

    path = recorded(tmp_path, send, secret=first)
    with CaptureServer() as target:
        replay(path, target)
        resigned = target.deliveries
        target.clear()
        replay(path, target, secret=False)
        as_recorded = target.deliveries
    assert [(d.signature, d.vendor) for d in resigned] == [("valid", "tensorlake")] * 2
    assert resigned[0].headers["svix-id"] == "msg_recorded"  # the same message, redelivered
    assert resigned[1].headers["webhook-id"] == "msg_webhook"
    assert not any(name.startswith("svix-") for name in resigned[1].headers)  # the recorded header names
    assert [(d.signature, d.signature_reason) for d in as_recorded] == [("invalid", "mismatch")] * 2


def send_tensorlake(server: CaptureServer) -> None:
    deliver(TENSORLAKE, server)


def test_a_given_secret_signs_for_a_url_target(tmp_path: Path) -> None:
    path = recorded(tmp_path, lambda server: deliver(TENSORLAKE, server), secret=True)  # type: ignore[arg-type]
    with CaptureServer() as target:
        unsigned = replay(path, target.url)  # a URL brings no secret: the recorded signature goes as it was
        signed = replay(path, target.url, secret=target.secret)
        assert [d.signature for d in target.deliveries] == ["invalid", "valid"]
    assert (unsigned.ok, signed.ok) == (False, True)
    assert signed.deliveries[0].msg_id is not None
    assert unsigned.deliveries[0].msg_id is None


def test_bare_payloads_are_delivered_as_their_vendor_does(tmp_path: Path) -> None:
    path = tmp_path / "payloads.jsonl"
    path.write_text("".join(json.dumps(p) + "\n" for p in (TELMAI, GOFETCH, TENSORLAKE)))
    with CaptureServer() as target:
        report = replay(path, target, seed=7)
        telmai, gofetch, tensorlake = target.deliveries
    assert (telmai.method, telmai.json, telmai.signature) == ("POST", TELMAI, None)
    assert (gofetch.method, gofetch.body, gofetch.query) == ("GET", b"", GOFETCH)
    assert (tensorlake.signature, tensorlake.job_id) == ("valid", "parse_1")
    assert [d.vendor for d in report.deliveries] == ["telmai", "gofetch", "tensorlake"]


def test_side_chooses_captured_or_sent_deliveries(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    recorder = Recorder(path)
    with CaptureServer() as server:
        recorder.record_sent([deliver(TELMAI, server)])
        recorder.record_captured(server.deliveries)
    recorder.close()
    with path.open("a") as out:
        out.write(json.dumps(TELMAI) + "\n")  # a bare payload has no side
    with CaptureServer() as target:
        captured = replay(path, target, side="captured")
        sent = replay(path, target, side="sent")
        every = replay(path, target)
        assert len(target.deliveries) == 5
    assert [(len(r.deliveries), r.skipped) for r in (captured, sent, every)] == [(1, 2), (1, 2), (3, 0)]
    assert (
        captured.describe().splitlines()[0].endswith("r.jsonl -> " + captured.target + ": 1 line(s) sent, 2 left out")
    )
    assert [d.record.side for d in captured.deliveries + sent.deliveries] == ["captured", "sent"]  # type: ignore[attr-defined]
    assert [d.line for d in every.deliveries] == [1, 2, 3]


def records_at(*seconds: int) -> list[RecordedDelivery]:
    start = datetime(2026, 4, 17, 9, 30, tzinfo=timezone.utc)
    return [
        RecordedDelivery("POST", "/", {}, TELMAI, rfc3339(start + timedelta(seconds=s)), vendor="telmai")
        for s in seconds
    ]


def test_speed_keeps_the_recorded_gaps_in_virtual_time() -> None:
    with CaptureServer() as target:
        paced = replay(records_at(0, 40, 30, 100), target, speed=2)
        unpaced = replay(records_at(0, 40), target)
    # Out-of-order times (appended runs) never wait backwards.
    assert [d.offset for d in paced.deliveries] == [timedelta(seconds=s) for s in (0, 20, 20, 55)]
    assert [d.offset for d in unpaced.deliveries] == [timedelta(0), timedelta(0)]


def test_real_time_refuses_to_wait_for_hours() -> None:
    with CaptureServer() as target:
        with pytest.raises(
            DeliveryError,
            match=r"real_time=True would wait 1h00m00s between the recorded deliveries at speed=1 \(limit 10m00s\)",
        ):
            replay(records_at(0, 3600), target, speed=1, real_time=True)
        assert target.deliveries == []


def test_nothing_is_retried_unless_asked() -> None:
    with CaptureServer() as target:
        target.respond(500)
        once = replay(records_at(0), target)
        scheduled = replay(records_at(0), target, retry=[1, 1])
        vendors = replay([TELMAI, {"hello": "x", "jobhooks": 1, "method": "POST", "path": "/", "headers": {},
                                   "body": None, "received_at": "2026-04-17T09:30:00Z"}], target, retry=None)  # fmt: skip
    assert (once.ok, len(once.attempts)) == (False, 1)
    assert [a.offset for a in scheduled.attempts] == [timedelta(0), timedelta(seconds=1), timedelta(seconds=2)]
    telmai, unknown = vendors.deliveries
    assert len(telmai.attempts) == telmai.schedule.max_attempts == 4  # Telmai's (inferred) schedule
    assert (unknown.vendor, len(unknown.attempts)) == (None, 1)  # no vendor, no schedule
    assert (unknown.line, unknown.style, unknown.payload) == (2, None, b"")  # due after Telmai's retries:
    assert unknown.describe().splitlines()[0] == (
        f"line 2 (no vendor) +6m10s -> {unknown.target}: gave up after 1 of 1 attempt(s) (none: one attempt, no retries)"
    )


def test_paths_are_joined_to_a_base_url_and_an_app() -> None:
    seen: list[tuple[str, str]] = []

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        seen.append((environ["PATH_INFO"], environ["QUERY_STRING"]))
        start_response("204 No Content", [])
        return []

    record = RecordedDelivery("GET", "/hooks/gofetch", {}, None, "2026-04-17T09:30:00Z", query=GOFETCH)
    report = replay([record], app)
    with CaptureServer() as target:
        replay([record], target.url_for("/base/"))
        [delivery] = target.deliveries
    assert report.ok
    assert seen == [("/hooks/gofetch", "job_id=g-1&job_status=delivered")]
    assert (delivery.path, delivery.query) == ("/base/hooks/gofetch", GOFETCH)


def test_headers_replace_recorded_ones() -> None:
    record = RecordedDelivery("POST", "/", {"Authorization": REDACTED, "X-Env": "prod"}, TELMAI, "2026-04-17T09:30:00Z")
    with CaptureServer() as target:
        replay([record], target, headers={"authorization": "Bearer test", "X-Env": "test"})
        [delivery] = target.deliveries
    assert (delivery.headers["Authorization"], delivery.headers.get_all("x-env")) == ("Bearer test", ["test"])


def test_a_bad_line_is_left_out_and_reported_the_rest_is_sent(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    lines = [json.dumps(TELMAI), '{"jobhooks": 1, "method": "POST"}', "not json", json.dumps({"hello": "x"})]
    path.write_text("\n".join([*lines, json.dumps(TELMAI)]) + "\n")
    with CaptureServer() as target:
        report = replay(path, target)
        arrived = len(target.deliveries)
    assert (arrived, [d.line for d in report.deliveries], [u.line for u in report.unsent]) == (2, [1, 5], [2, 3, 4])
    assert report.unsent[0].reason.startswith("not a valid recorded delivery: $.path: missing")
    assert report.unsent[1].reason.startswith("not valid JSON")
    assert report.unsent[2].reason.startswith("cannot tell which vendor sends this payload")
    assert not report.ok
    assert "2 line(s) sent, 3 not sent" in report.describe().splitlines()[0]


@pytest.mark.parametrize(
    ("source", "options", "message"),
    [
        ([TELMAI], {"side": "both"}, "side= must be one of None, 'captured', 'sent', not 'both'"),
        ([TELMAI], {"speed": 0}, "speed= must be a number of times the recorded pace > 0, not 0"),
        ([TELMAI], {"timeout": -1}, "timeout= must be a number of seconds > 0, not -1"),
        ([TELMAI], {"seed": -1}, "seed must be an int >= 0, not -1"),
        (TELMAI, {}, "replay() reads a recording's path, a binary stream or a list of records, not dict"),
        ([42], {}, "record #1: expected a RecordedDelivery or a payload dict, not 42"),
        ([TELMAI], {"secret": 42}, "secret= must be a 'whsec_...' str"),
    ],
)
def test_bad_arguments_are_refused(source: Any, options: dict[str, Any], message: str) -> None:
    expected = ArgumentError if options.keys() & {"side", "speed", "timeout", "seed"} else DeliveryError
    with CaptureServer() as target:
        with pytest.raises(expected) as info:
            replay(source, target, **options)
        assert target.deliveries == []
    assert message in str(info.value)


def send_telmai(server: CaptureServer) -> None:
    deliver(TELMAI, server)


def test_records_read_elsewhere_and_the_report(tmp_path: Path) -> None:
    path = recorded(tmp_path, send_telmai)
    with CaptureServer() as target:
        report = replay(read_records(path), target, seed=4)  # the (line, record) pairs of read_records...
        direct = replay([record for _, record in read_records(path)], target)  # ...or the records
        url = target.url
    assert isinstance(report, BatchReport)  # the one report family of deliver, deliver_all and replay
    assert (report.source, report.target, report.seed, report.skipped) == ("<records>", url, 4, 0)
    assert report.ok
    assert direct.ok
    assert isinstance(direct.seed, int)  # drawn, so that it replays
    assert repr(report) == f"<BatchReport replay of <records> -> {url}: 1 sent, 0 failed>"
    assert report.describe().splitlines() == [
        f"replay(seed=4) of <records> -> {url}: 1 line(s) sent",
        f"line 1 (telmai) -> {url}: delivered after 1 of 1 attempt(s) (none: one attempt, no retries)",
        "  #1 +0s POST / -> 200",
    ]
