"""jobwatch's own webhooks, caught by the capture server: what its subscriber receives as jobs move on.

The app under test gets vendor deliveries in-process and POSTs signed
``JobUpdate`` notifications over real HTTP to ``jobhooks_server``, which
records, classifies (jobwatch is registered as an in-house vendor in
``conftest.py``) and signature-checks each one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from jobwatch.notify import Notifier

from pytest_jobhooks import (
    CaptureServer,
    SeededFactory,
    Sender,
    assert_job_sequence,
    assert_valid_lifecycle,
    deliver_all,
    lifecycle,
    new_secret,
)


def test_a_job_is_announced_once_per_state(
    create_app: Callable[..., Any],
    notifier: Notifier,
    webhook_secret: str,
    jobhooks_server: CaptureServer,
    jobhooks_factory: SeededFactory,
    jobhooks_sender: Sender,
) -> None:
    app = create_app(secret=webhook_secret, notifier=notifier)
    payloads = jobhooks_factory.lifecycle("telmai", batch_wait_rounds=2)  # queued and running, back and forth

    jobhooks_sender.deliver_all(payloads, app, path="/webhooks/telmai")

    [done] = jobhooks_server.wait_for(vendor="jobwatch", status="SUCCEEDED")
    job = f"telmai/{payloads[0]['jobId']}"
    assert done.job_id == job
    assert done.signature == "valid"  # signed with the subscriber's secret, as Svix would
    assert_job_sequence(jobhooks_server, ["QUEUED", "RUNNING", "SUCCEEDED"], job_id=job)
    assert_valid_lifecycle(jobhooks_server)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("vendor", ["tamr", "telmai"])
def test_chaos_upstream_still_gives_a_legal_downstream(
    vendor: str,
    seed: int,
    create_app: Callable[..., Any],
    notifier: Notifier,
    webhook_secret: str,
    jobhooks_server: CaptureServer,
) -> None:
    app = create_app(secret=webhook_secret, notifier=notifier)
    payloads = lifecycle(vendor, outcome="failed", seed=seed)

    deliver_all(payloads, app, path=f"/webhooks/{vendor}", duplicates=0.5, reorder=True, seed=seed)

    jobhooks_server.wait_for(vendor="jobwatch", status="FAILED")
    assert_valid_lifecycle(jobhooks_server)  # legal moves, one final state, nothing after it, time only forwards
    states = [delivery.status for delivery in jobhooks_server.deliveries]
    assert len(states) == len(set(states)), states  # each state announced once, however often it arrived


def test_a_briefly_failing_subscriber_gets_the_notification_on_a_retry(
    create_app: Callable[..., Any],
    notifier: Notifier,
    webhook_secret: str,
    jobhooks_server: CaptureServer,
    jobhooks_factory: SeededFactory,
    jobhooks_sender: Sender,
) -> None:
    app = create_app(secret=webhook_secret, notifier=notifier)
    jobhooks_server.respond(503, times=2)

    report = jobhooks_sender.deliver(jobhooks_factory.build("gofetch"), app, path="/webhooks/gofetch")

    assert report.status == 200  # the vendor's delivery succeeds whatever the subscriber does
    attempts = jobhooks_server.wait_for(3, vendor="jobwatch")
    assert [attempt.response.status for attempt in attempts if attempt.response] == [503, 503, 200]
    assert len({attempt.headers["svix-id"] for attempt in attempts}) == 1
    assert notifier.undelivered == []


def test_a_subscriber_that_stays_down_is_kept_for_later(
    create_app: Callable[..., Any],
    notifier: Notifier,
    webhook_secret: str,
    jobhooks_server: CaptureServer,
    jobhooks_factory: SeededFactory,
    jobhooks_sender: Sender,
) -> None:
    app = create_app(secret=webhook_secret, notifier=notifier)
    jobhooks_server.respond(500)

    report = jobhooks_sender.deliver(jobhooks_factory.build("tamr", outcome="cancelled"), app, path="/webhooks/tamr")

    assert report.status == 200
    assert len(jobhooks_server.wait_for(3)) == 3
    [kept] = notifier.undelivered
    assert (kept.state, kept.previous_state) == ("CANCELLED", None)


def test_a_notification_signed_with_the_wrong_secret_is_refused_and_not_retried(
    create_app: Callable[..., Any],
    webhook_secret: str,
    jobhooks_server: CaptureServer,
    jobhooks_factory: SeededFactory,
    jobhooks_sender: Sender,
) -> None:
    notifier = Notifier(jobhooks_server.url_for("/hooks/jobwatch"), secret=new_secret())
    app = create_app(secret=webhook_secret, notifier=notifier)

    jobhooks_sender.deliver(jobhooks_factory.build("telmai"), app, path="/webhooks/telmai")

    # Deliveries the capture server refuses (401 here) are counted by --jobhooks, not judged: no opt-out needed.
    [refused] = jobhooks_server.wait_for(vendor="jobwatch")
    assert (refused.signature, refused.signature_reason) == ("invalid", "mismatch")
    assert refused.response is not None
    assert refused.response.status == 401
    assert len(jobhooks_server.deliveries) == 1  # a 4xx is not retried
    assert len(notifier.undelivered) == 1
    notifier.close()
