"""Retries: each vendor's schedule against scripted failures, virtual and real time, timeouts, refused connections."""

from __future__ import annotations

import socket
from datetime import datetime, timedelta, timezone

import pytest

from pytest_jobhooks.errors import ArgumentError
from pytest_jobhooks.sender import (
    INFERRED_RETRY_SCHEDULE,
    NO_RETRIES,
    SVIX_RETRY_SCHEDULE,
    DeliveryError,
    RetrySchedule,
    default_retry_schedule,
    deliver,
    deliver_all,
)
from pytest_jobhooks.server import CaptureServer
from pytest_jobhooks.signing import new_secret, verify
from pytest_jobhooks.vendors import get_vendor

TELMAI = {"tenant": "acme", "source": "src-1", "jobId": "job-7", "status": "FINISHED", "details": "done"}
TAMR = {
    "id": "job-1",
    "type": "LOAD_SOURCE",
    "sourceId": "s",
    "sourceDisplayName": "S",
    "status": {"state": "RUNNING", "stateStartTime": "2025-12-02T14:46:04.518Z"},
    "statusHistory": [],
}
TENSORLAKE = {"job_id": "parse_1", "status": "pending", "created_at": "2023-10-01T12:00:00Z"}
GOFETCH = {"job_id": "b3131f1d", "job_status": "delivered"}
SECONDS = timedelta(seconds=1)


def seconds(*values: float) -> list[timedelta]:
    return [timedelta(seconds=value) for value in values]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_svix_schedule_is_the_documented_one() -> None:
    assert SVIX_RETRY_SCHEDULE.offsets == tuple(
        seconds(0, 5, 5 + 300, 305 + 1800, 2105 + 7200, 9305 + 18000, 27305 + 36000, 63305 + 36000)
    )
    assert SVIX_RETRY_SCHEDULE.max_attempts == 8
    assert not SVIX_RETRY_SCHEDULE.inferred
    assert (
        str(SVIX_RETRY_SCHEDULE)
        == "svix: immediately, then 5s, 5m00s, 30m00s, 2h00m00s, 5h00m00s, 10h00m00s, 10h00m00s"
    )


@pytest.mark.parametrize(
    ("vendor", "schedule"),
    [
        ("tensorlake", SVIX_RETRY_SCHEDULE),
        ("tensorlake-workflow", SVIX_RETRY_SCHEDULE),
        ("telmai", INFERRED_RETRY_SCHEDULE),
        ("tamr", NO_RETRIES),
        ("gofetch", NO_RETRIES),
    ],
)
def test_default_schedule_per_vendor(vendor: str, schedule: RetrySchedule) -> None:
    assert default_retry_schedule(get_vendor(vendor)) is schedule


def test_telmai_schedule_says_it_is_inferred() -> None:
    assert INFERRED_RETRY_SCHEDULE.inferred
    assert INFERRED_RETRY_SCHEDULE.source.startswith("inferred:")


def test_svix_retries_follow_the_schedule_in_virtual_time(jobhooks_server: CaptureServer) -> None:
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    jobhooks_server.respond(500, times=3)
    report = deliver(TENSORLAKE, jobhooks_server, start=start)  # 35 minutes of retries, and no sleeping
    deliveries = jobhooks_server.wait_for(4)
    assert [a.status for a in report.attempts] == [500, 500, 500, 200]
    assert [d.response.status for d in deliveries if d.response] == [500, 500, 500, 200]
    assert [a.offset for a in report.attempts] == seconds(0, 5, 305, 2105)
    assert [a.scheduled_at for a in report.attempts] == [start + offset for offset in seconds(0, 5, 305, 2105)]
    assert [a.number for a in report.attempts] == [1, 2, 3, 4]
    # Every attempt is signed afresh under the same message id, and verifies against the receiver's clock.
    assert {d.headers["svix-id"] for d in deliveries} == {report.msg_id}
    assert [d.signature for d in deliveries] == ["valid"] * 4
    assert report.ok
    assert not report.gave_up


def test_svix_gives_up_after_eight_attempts(jobhooks_server: CaptureServer) -> None:
    jobhooks_server.respond(503)
    report = deliver(TENSORLAKE, jobhooks_server)
    assert len(jobhooks_server.wait_for(8)) == 8
    assert [a.offset for a in report.attempts] == list(SVIX_RETRY_SCHEDULE.offsets)
    assert report.gave_up
    assert not report.ok
    assert report.status == 503
    assert "gave up after 8 of 8 attempt(s)" in report.describe()
    assert report.describe().splitlines()[-1] == f"  #8 +27h35m05s POST {jobhooks_server.path_prefix or '/'} -> 503"


def test_anchored_timestamps_follow_the_virtual_clock(jobhooks_server: CaptureServer) -> None:
    when = datetime(2025, 3, 1, 9, 30, tzinfo=timezone.utc)
    secret = new_secret()
    jobhooks_server.configure(secret=None)
    jobhooks_server.respond(500, times=2)
    report = deliver(TENSORLAKE, jobhooks_server, secret=secret, timestamp=when)
    stamps = [int(a.request.headers["svix-timestamp"]) for a in report.attempts]
    assert stamps == [int(when.timestamp()) + offset for offset in (0, 5, 305)]
    for attempt in report.attempts:
        verify(secret, attempt.request.body, attempt.request.headers, now=attempt.scheduled_at)
    assert len({a.request.headers["svix-signature"] for a in report.attempts}) == 3


@pytest.mark.parametrize("statuses", [[500, 500], [429, 302], [404, 400]])
def test_telmai_retries_on_any_non_2xx_with_the_inferred_schedule(
    jobhooks_server: CaptureServer, statuses: list[int]
) -> None:
    jobhooks_server.configure(respond=statuses)
    report = deliver(TELMAI, jobhooks_server)
    assert [a.status for a in report.attempts] == [*statuses, 200]
    assert [a.offset for a in report.attempts] == list(INFERRED_RETRY_SCHEDULE.offsets[:3])
    assert report.schedule is INFERRED_RETRY_SCHEDULE


@pytest.mark.parametrize("payload", [TAMR, GOFETCH])
def test_vendors_without_documented_retries_try_once(jobhooks_server: CaptureServer, payload: object) -> None:
    jobhooks_server.respond(500)
    report = deliver(payload, jobhooks_server)  # type: ignore[arg-type]
    assert [a.status for a in report.attempts] == [500]
    assert report.gave_up


@pytest.mark.parametrize("retry", [False, 0, [], NO_RETRIES])
def test_retries_can_be_turned_off(jobhooks_server: CaptureServer, retry: object) -> None:
    jobhooks_server.respond(500)
    report = deliver(TENSORLAKE, jobhooks_server, retry=retry)  # type: ignore[arg-type]
    assert len(report.attempts) == 1
    assert report.schedule.max_attempts == 1


@pytest.mark.parametrize(
    "retry",
    [[1, 2.5, timedelta(minutes=1)], RetrySchedule([1, 2.5, timedelta(minutes=1)], name="mine")],
)
def test_custom_schedule(jobhooks_server: CaptureServer, retry: object) -> None:
    jobhooks_server.respond(500)
    report = deliver(GOFETCH, jobhooks_server, retry=retry)  # type: ignore[arg-type]
    assert [a.offset for a in report.attempts] == seconds(0, 1, 3.5, 63.5)
    assert (
        report.describe()
        .splitlines()[-1]
        .startswith(f"  #4 +1m03s GET {jobhooks_server.path_prefix or '/'}?job_id=b3131f1d")
    )


def test_success_stops_the_retries(jobhooks_server: CaptureServer) -> None:
    jobhooks_server.respond(201)
    report = deliver(TENSORLAKE, jobhooks_server)
    assert [a.status for a in report.attempts] == [201]


def test_a_timeout_is_retried(jobhooks_server: CaptureServer) -> None:
    # Stalls the first answer well beyond the timeout (the server cuts the wait short when it stops);
    # the timeout leaves the retry, answered at once, a wide margin on a busy machine.
    jobhooks_server.respond(200, delay=30.0, times=1)
    report = deliver(TELMAI, jobhooks_server, timeout=0.5, retry=[1])
    first, second = report.attempts
    assert first.status is None
    assert first.error is not None
    assert first.error.startswith("timeout: no answer within 0.5 s")
    assert second.status == 200
    assert report.ok
    assert (
        f"#1 +0s POST {jobhooks_server.path_prefix or '/'} -> no answer (timeout: no answer within 0.5 s"
        in report.describe()
    )


def test_a_refused_connection_is_retried_and_reported() -> None:
    url = f"http://127.0.0.1:{free_port()}/hooks"
    report = deliver(TELMAI, url, retry=[5, 5])
    assert [a.status for a in report.attempts] == [None, None, None]
    assert all(a.error and a.error.startswith("connection failed") for a in report.attempts)
    assert all(a.exception is not None for a in report.attempts)
    assert report.gave_up
    assert report.requests[0].url == url


def test_real_time_waits_for_short_schedules(jobhooks_server: CaptureServer) -> None:
    jobhooks_server.respond(500, times=2)
    report = deliver(TELMAI, jobhooks_server, retry=[0.01, 0.01], real_time=True)
    assert [a.status for a in report.attempts] == [500, 500, 200]
    assert [a.offset for a in report.attempts] == seconds(0, 0.01, 0.02)
    sent = [a.sent_at for a in report.attempts]
    assert sent == sorted(sent)


def test_real_time_refuses_a_schedule_that_would_hang_the_run(jobhooks_server: CaptureServer) -> None:
    with pytest.raises(DeliveryError, match=r"real_time=True would wait 27h35m05s .* pass a short one"):
        deliver(TENSORLAKE, jobhooks_server, real_time=True)
    assert jobhooks_server.deliveries == []


def test_one_clock_runs_through_a_batch(jobhooks_server: CaptureServer) -> None:
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    jobhooks_server.respond(500, times=2)
    batch = deliver_all([TELMAI, TELMAI], jobhooks_server, start=start, seed=1)
    first, second = batch.deliveries
    assert [a.offset for a in first.attempts] == seconds(0, 10, 70)
    # The second send waited for the first one's retries: its clock starts where they ended.
    assert [a.scheduled_at for a in second.attempts] == [start + timedelta(seconds=70)]
    assert second.attempts[0].offset == timedelta(0)
    assert (first.offset, second.offset) == (timedelta(0), timedelta(seconds=70))  # when each send was due
    assert second.describe().startswith("telmai payload #1 +1m10s -> ")
    times = [a.scheduled_at for a in batch.attempts]
    assert times == sorted(times)


def test_schedule_validation() -> None:
    message = r"a retry delay must be a number of seconds \(or a timedelta\) >= 0, not "
    with pytest.raises(ArgumentError, match=message + "'soon'"):
        RetrySchedule(["soon"])  # type: ignore[list-item]
    with pytest.raises(ArgumentError, match=message + "-1.0"):
        RetrySchedule([timedelta(seconds=-1)])
    assert RetrySchedule([True and 1]).delays == (SECONDS,)
    with pytest.raises(ArgumentError):
        RetrySchedule([True])  # a bool is not a number of seconds
    assert str(NO_RETRIES) == "none: one attempt, no retries"
