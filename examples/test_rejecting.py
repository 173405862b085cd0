"""jobwatch refuses what it must: undocumented payloads (400), Tensorlake deliveries Tensorlake did not sign (401).

Under ``--jobhooks`` every payload ``jobhooks_sender`` sends must be valid, so
the tests that send invalid ones on purpose opt out with
``@pytest.mark.jobhooks(contract=False)``. Forged signatures need no opt-out:
their payloads are valid, and contract mode judges payloads, not signatures.
"""

from __future__ import annotations

import json

import pytest
from jobwatch.store import JobStore

from pytest_jobhooks import INVALID_DEFECTS, SeededFactory, Sender, forged_headers
from pytest_jobhooks.signing import FORGERIES, ForgeryKind

VENDORS = ("telmai", "tamr", "tensorlake", "tensorlake-workflow", "gofetch")
SIGNED = ("tensorlake", "tensorlake-workflow")


@pytest.mark.jobhooks(contract=False)  # invalid on purpose
@pytest.mark.parametrize("vendor", VENDORS)
def test_every_documented_way_to_be_wrong_is_answered_400(
    vendor: str,
    receiver: object,
    store: JobStore,
    webhook_secret: str,
    jobhooks_factory: SeededFactory,
    jobhooks_sender: Sender,
) -> None:
    # GoFetch's JSON form keeps a wrong type (a number job_id); its query string would turn it into text.
    style = "post" if vendor == "gofetch" else None
    for defect in INVALID_DEFECTS[vendor]:
        payload = jobhooks_factory.invalid(vendor, defect)
        report = jobhooks_sender.deliver(
            payload,
            receiver,
            vendor=vendor,
            path=f"/webhooks/{vendor}",
            style=style,
            secret=webhook_secret,
            retry=False,
        )
        body = json.loads(report.attempts[0].response_body)
        assert (report.status, body["error"]) == (400, "invalid payload"), defect
        assert body["problems"], defect
    assert store.jobs() == []


@pytest.mark.jobhooks(contract=False)  # not even JSON objects, on purpose
@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"", "$: empty body: expected a JSON object"),
        (b'{"tenant": ', "$: not valid JSON: Expecting value (column 12)"),
        (b"[]", "$: expected a JSON object, got an array"),
        (b"\xff{}", "$: body is not valid UTF-8 (byte 0xff at position 0)"),
    ],
    ids=["empty", "truncated", "array", "not-utf8"],
)
def test_bodies_that_are_not_json_objects_are_answered_400(
    body: bytes, problem: str, receiver: object, store: JobStore, jobhooks_sender: Sender
) -> None:
    report = jobhooks_sender.deliver(body, receiver, vendor="telmai", path="/webhooks/telmai", retry=False)

    assert report.status == 400
    assert json.loads(report.attempts[0].response_body)["problems"] == [problem]
    assert store.jobs() == []


@pytest.mark.parametrize("kind", FORGERIES)
@pytest.mark.parametrize("vendor", SIGNED)
def test_forged_signatures_are_answered_401_never_500(
    vendor: str,
    kind: ForgeryKind,
    receiver: object,
    store: JobStore,
    webhook_secret: str,
    jobhooks_factory: SeededFactory,
    jobhooks_sender: Sender,
) -> None:
    body = json.dumps(jobhooks_factory.build(vendor)).encode()
    headers = forged_headers(kind, webhook_secret, body)

    report = jobhooks_sender.deliver(
        body, receiver, vendor=vendor, path=f"/webhooks/{vendor}", secret=False, headers=headers, retry=False
    )

    assert report.status == 401, report.describe()
    assert json.loads(report.attempts[0].response_body)["error"] == "invalid signature"
    assert store.jobs() == []


def test_unsigned_tensorlake_deliveries_are_refused_at_every_retry(
    receiver: object, store: JobStore, jobhooks_factory: SeededFactory, jobhooks_sender: Sender
) -> None:
    report = jobhooks_sender.deliver(
        jobhooks_factory.build("tensorlake"), receiver, path="/webhooks/tensorlake", secret=False
    )

    assert [attempt.status for attempt in report.attempts] == [401] * 8  # Svix tries 8 times over 28 hours
    assert report.gave_up
    assert store.jobs() == []
