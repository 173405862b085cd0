"""Svix's delivery rules (Tensorlake): messages retried independently, 15 s per attempt, abort-message; forgeries."""

from __future__ import annotations

import pytest

from pytest_jobhooks import CaptureServer, DeliveryError, SignatureError, deliver, deliver_all, lifecycle
from pytest_jobhooks.sender import SVIX_DELIVERY_RULES, DeliveryPlan, default_delivery_rules
from pytest_jobhooks.signing import verify
from pytest_jobhooks.vendors import get_vendor

TENSORLAKE = lifecycle("tensorlake", seed=2)
TELMAI = lifecycle("telmai", seed=2)


def test_tensorlake_disorder_is_svix_s(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from pytest_jobhooks import lifecycle

        def test_first_answer_500(jobhooks_server, jobhooks_sender):
            jobhooks_server.respond(500, times=1)
            batch = jobhooks_sender.deliver_all(lifecycle("tensorlake", seed=1), jobhooks_server)
            assert batch.ok
            assert [d.status for d in jobhooks_server.deliveries] == ["pending", "successful", "pending"]
            assert [a.status for a in batch.attempts] == [500, 200, 200]
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_serial_ordering_holds_later_messages_back(jobhooks_server: CaptureServer) -> None:
    jobhooks_server.respond(500, times=1)
    batch = deliver_all(TENSORLAKE, jobhooks_server, ordering="serial", seed=1)
    assert [d.status for d in jobhooks_server.deliveries] == ["pending", "pending", "successful"]
    assert batch.ok


def test_vendors_without_documented_ordering_default_to_serial(jobhooks_server: CaptureServer) -> None:
    jobhooks_server.respond(500, times=1)
    deliver_all(TELMAI[:2], jobhooks_server, seed=1, retry=[1])
    assert [d.payload for d in jobhooks_server.deliveries] == [TELMAI[0], TELMAI[0], TELMAI[1]]


def test_a_lost_first_attempt_arrives_after_the_later_message(jobhooks_server: CaptureServer) -> None:
    batch = deliver_all(TENSORLAKE, jobhooks_server, plan=DeliveryPlan([0, 1], lost={0: 1}), seed=1)
    assert [d.status for d in jobhooks_server.deliveries] == ["successful", "pending"]
    assert [attempt.lost for attempt in batch.attempts] == [True, False, False]
    assert "0(lost 1) 1" in batch.describe()


def test_abort_message_stops_retries(jobhooks_server: CaptureServer) -> None:
    jobhooks_server.respond(500, headers={"webhook-delivery": "abort-message"})
    report = deliver(TENSORLAKE[0], jobhooks_server)
    assert len(report.attempts) == 1
    assert report.aborted
    assert not report.ok
    assert "abort-message" in report.describe()


def test_abort_message_is_svix_s_rule_only(jobhooks_server: CaptureServer) -> None:
    jobhooks_server.respond(500, times=1, headers={"webhook-delivery": "abort-message"})
    report = deliver(TELMAI[0], jobhooks_server, retry=[1])
    assert [a.status for a in report.attempts] == [500, 200]


def test_svix_attempts_get_15_seconds_others_10(jobhooks_server: CaptureServer) -> None:
    jobhooks_server.respond(200, delay=0.01)
    svix = deliver(TENSORLAKE[0], jobhooks_server)
    other = deliver(TELMAI[0], jobhooks_server)
    given = deliver(TENSORLAKE[0], jobhooks_server, timeout=3)
    assert default_delivery_rules(get_vendor("tensorlake")) is SVIX_DELIVERY_RULES
    assert SVIX_DELIVERY_RULES.timeout == 15.0
    assert default_delivery_rules(get_vendor("telmai")).timeout == 10.0
    assert svix.ok
    assert other.ok
    assert given.ok


def test_a_forgery_replaces_the_signature(jobhooks_server: CaptureServer) -> None:
    report = deliver(TENSORLAKE[0], jobhooks_server, forgery="missing-header", retry=False)
    request = report.attempts[0].request
    assert "svix-signature" not in {name.lower() for name, _ in request.headers.items()}
    assert report.status == 401 or not report.ok
    assert "forged signature (missing-header)" in report.describe()


def test_a_wrong_secret_forgery_does_not_verify(jobhooks_server: CaptureServer) -> None:
    report = deliver(TENSORLAKE[0], "http://127.0.0.1:9/", forgery="wrong-secret", secret=jobhooks_server.secret,
                     retry=False, timeout=1)  # fmt: skip
    request = report.attempts[0].request
    signatures = [value for name, value in request.headers.items() if name.lower() == "svix-signature"]
    assert len(signatures) == 1
    assert jobhooks_server.secret is not None
    with pytest.raises(SignatureError):
        verify(jobhooks_server.secret, request.body, dict(request.headers.items()))


def test_a_forgery_needs_a_signed_vendor() -> None:
    with pytest.raises(DeliveryError, match="not signed"):
        deliver(TELMAI[0], "http://127.0.0.1:9/", forgery="stale")
    with pytest.raises(DeliveryError, match="forgery= must be one of"):
        deliver(TENSORLAKE[0], "http://127.0.0.1:9/", forgery="nonsense")  # type: ignore[typeddict-item]


def test_an_empty_gofetch_query_and_an_empty_body_are_deliverable(jobhooks_server: CaptureServer) -> None:
    empty_get = deliver("", jobhooks_server, vendor="gofetch", retry=False)
    empty_post = deliver(b"", jobhooks_server, vendor="telmai", retry=False)
    assert empty_get.attempts[0].request.method == "GET"
    assert empty_get.attempts[0].request.target == (jobhooks_server.path_prefix or "/")  # no query string at all
    assert empty_post.attempts[0].request.body == b""
    assert empty_get.status is not None
    assert empty_post.status is not None
