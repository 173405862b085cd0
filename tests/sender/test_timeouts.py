"""``timeout=`` bounds a whole attempt over a socket (issue 14, defect 4), not each read of it."""

from __future__ import annotations

import time

from pytest_jobhooks.sender import deliver, deliver_all
from pytest_jobhooks.server import CaptureServer

from .dribbling import DribblingReceiver

TELMAI = {"tenant": "acme", "source": "src-1", "jobId": "job-7", "status": "SUCCESS", "details": "done"}


def test_a_dribbling_receiver_cannot_stretch_an_attempt_past_its_timeout() -> None:
    # 86 bytes at 0.2 s each, every byte within the 0.3 s read timeout: 17 s an attempt before the fix.
    with DribblingReceiver(interval=0.2) as receiver:
        started = time.monotonic()
        report = deliver(TELMAI, receiver.url, vendor="telmai", timeout=0.3, retry=[1])
        took = time.monotonic() - started
    assert [attempt.status for attempt in report.attempts] == [None, None]
    assert all("timeout: no answer within 0.3 s" in (attempt.error or "") for attempt in report.attempts)
    assert all(attempt.elapsed < 1.5 for attempt in report.attempts)
    assert took < 3.0  # two attempts (the retry delay is virtual)
    assert len(receiver.requests) == 2


def test_each_attempt_has_its_own_deadline_on_a_kept_alive_connection() -> None:
    with CaptureServer() as server:
        batch = deliver_all([TELMAI] * 5, server, timeout=0.5)
        assert all(report.ok for report in batch.deliveries)
        assert len(server.deliveries) == 5
