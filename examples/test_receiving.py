"""jobwatch receives every vendor's whole job, as the vendor sends it, on Flask (WSGI) and FastAPI (ASGI) in-process.

``jobhooks_factory.lifecycle`` writes every delivery one job produces;
``jobhooks_sender`` delivers them the vendor's way (Tensorlake's signed by
Svix, GoFetch's as a GET with a query string) straight into the app: no
server, no socket, and retries in virtual time.
"""

from __future__ import annotations

import json

import pytest
from jobwatch.store import JobStore

from pytest_jobhooks import DeliveryReport, SeededFactory, Sender, assert_valid_lifecycle, deliver, job_state, timeline
from pytest_jobhooks.factories import outcomes

VENDORS = ("telmai", "tamr", "tensorlake", "tensorlake-workflow", "gofetch")
JOBS = [pytest.param(vendor, outcome, id=f"{vendor}-{outcome}") for vendor in VENDORS for outcome in outcomes(vendor)]


def answer(report: DeliveryReport) -> dict[str, object]:
    """The JSON body of the receiver's last answer."""
    body: dict[str, object] = json.loads(report.attempts[-1].response_body)
    return body


@pytest.mark.parametrize(("vendor", "outcome"), JOBS)
def test_a_whole_job_ends_where_the_vendor_says(
    vendor: str,
    outcome: str,
    receiver: object,
    store: JobStore,
    webhook_secret: str,
    jobhooks_factory: SeededFactory,
    jobhooks_sender: Sender,
) -> None:
    payloads = jobhooks_factory.lifecycle(vendor, outcome=outcome)
    assert_valid_lifecycle(payloads)  # what the vendor sends is a legal job, ending in `outcome`

    batch = jobhooks_sender.deliver_all(payloads, receiver, path=f"/webhooks/{vendor}", secret=webhook_secret)

    assert [report.status for report in batch.deliveries] == [200] * len(payloads), batch.describe()
    assert answer(batch.deliveries[0])["outcome"] == "created"
    final = job_state(vendor, payloads[-1])
    [record] = store.jobs()
    assert record.state == final, timeline(payloads)
    assert (record.unified, record.finished, record.deliveries) == (outcome, True, len(payloads))


def test_gofetch_is_understood_in_both_of_its_styles(
    receiver: object, store: JobStore, jobhooks_factory: SeededFactory, jobhooks_sender: Sender
) -> None:
    approaching, delivered = jobhooks_factory.lifecycle("gofetch")

    by_get = jobhooks_sender.deliver(approaching, receiver, path="/webhooks/gofetch")  # the documented GET
    by_post = jobhooks_sender.deliver(delivered, receiver, path="/webhooks/gofetch", style="post")  # the later API

    assert by_get.attempts[0].request.method == "GET"
    assert by_get.attempts[0].request.query == approaching
    assert by_post.attempts[0].request.method == "POST"
    assert [answer(by_get)["outcome"], answer(by_post)["outcome"]] == ["created", "advanced"]
    [record] = store.jobs()
    assert (record.job_id, record.history) == (delivered["job_id"], ("fetcher_approaching_dropoff", "delivered"))


def test_tensorlake_deliveries_verify_over_real_http(
    live_receiver: str, store: JobStore, webhook_secret: str, jobhooks_factory: SeededFactory
) -> None:
    payloads = jobhooks_factory.lifecycle("tensorlake", outcome="failed")

    reports = [deliver(payload, f"{live_receiver}/webhooks/tensorlake", secret=webhook_secret) for payload in payloads]

    assert [report.status for report in reports] == [200, 200]
    assert all("svix-signature" in report.attempts[0].request.headers for report in reports)
    [record] = store.jobs()
    assert (record.status, record.unified) == ("failure", "failed")
