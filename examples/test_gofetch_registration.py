"""jobwatch registers its webhook with GoFetch, and GoFetch's callbacks reach it: end to end over real HTTP.

``jobhooks_gofetch_api`` is a fake of GoFetch's public API (reset before each
test, with fresh credentials); ``live_receiver`` serves jobwatch on a real port
so GoFetch's GET callbacks can reach it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from jobwatch.gofetch import GoFetchClient, GoFetchError
from jobwatch.store import JobStore

from pytest_jobhooks import SeededFactory, assert_job_sequence
from pytest_jobhooks.fakes.gofetch import GoFetchAPI


@pytest.fixture
def gofetch(jobhooks_gofetch_api: GoFetchAPI) -> Iterator[GoFetchClient]:
    """jobwatch's GoFetch client, pointed at the fake API with the account's credentials."""
    api = jobhooks_gofetch_api
    with GoFetchClient(api.url, email=api.email, token=api.token) as client:
        yield client


def test_the_webhook_is_registered_once_however_often_jobwatch_deploys(
    gofetch: GoFetchClient, jobhooks_gofetch_api: GoFetchAPI, live_receiver: str
) -> None:
    url = f"{live_receiver}/webhooks/gofetch"

    assert gofetch.ensure_webhook(url) is True
    assert gofetch.ensure_webhook(url) is False

    assert jobhooks_gofetch_api.webhook_url == url
    assert [call.describe() for call in jobhooks_gofetch_api.calls] == [
        "GET webhooks/job_status -> 200",
        "PUT webhooks/job_status -> 200",
        "GET webhooks/job_status -> 200",
    ]
    assert jobhooks_gofetch_api.calls[1].json == {"url": url}


def test_gofetch_callbacks_reach_the_receiver(
    gofetch: GoFetchClient,
    jobhooks_gofetch_api: GoFetchAPI,
    live_receiver: str,
    store: JobStore,
    jobhooks_factory: SeededFactory,
) -> None:
    gofetch.ensure_webhook(f"{live_receiver}/webhooks/gofetch")
    job = jobhooks_factory.lifecycle("gofetch")

    reports = [jobhooks_gofetch_api.emit(event["job_id"], event["job_status"]) for event in job]

    assert [report.status for report in reports] == [200, 200]
    assert_job_sequence([report.payload for report in reports], ["running", "succeeded"], unified=True)
    [record] = store.jobs()
    assert (record.job_id, record.status, record.finished) == (job[0]["job_id"], "delivered", True)


def test_gofetch_test_button_reaches_the_receiver(gofetch: GoFetchClient, live_receiver: str, store: JobStore) -> None:
    gofetch.ensure_webhook(f"{live_receiver}/webhooks/gofetch")

    gofetch.send_test("b3131f1d", "fetcher_approaching_dropoff")

    [record] = store.jobs()  # GoFetch calls the webhook before it answers the test call
    assert (record.job_id, record.unified) == ("b3131f1d", "running")


def test_bad_credentials_are_reported_with_gofetchs_reason(jobhooks_gofetch_api: GoFetchAPI) -> None:
    api = jobhooks_gofetch_api
    with GoFetchClient(api.url, email=api.email, token="expired") as client, pytest.raises(GoFetchError) as info:
        client.webhook_url()

    assert info.value.status == 401
    assert str(info.value) == "GoFetch answered 401: invalid X-User-Email or X-User-Token"


def test_removing_the_webhook(gofetch: GoFetchClient, jobhooks_gofetch_api: GoFetchAPI) -> None:
    gofetch.set_webhook_url("https://jobwatch.example.com/webhooks/gofetch")

    gofetch.delete_webhook()

    assert gofetch.webhook_url() is None
    assert jobhooks_gofetch_api.webhook_url is None
    with pytest.raises(GoFetchError, match="no job status webhook URL is set"):
        gofetch.send_test("b3131f1d", "delivered")
