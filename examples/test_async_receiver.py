"""jobwatch's async FastAPI app, tested from async tests: its lifespan-opened client sends the notifications.

The app is served on a real port by ``jobhooks_serve`` (uvicorn in a thread of
its own, lifespan included, stopped at teardown); the test drives it with an
``httpx.AsyncClient`` and waits for the app's outgoing webhooks with
``await jobhooks_server.wait_for_async(...)``, which never blocks the test's loop.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from fastapi import FastAPI
from jobwatch.async_app import create_app

from pytest_jobhooks import CaptureServer, SeededFactory, assert_job_sequence, assert_valid_lifecycle, deliver_all_async

Serve = Callable[..., str]


def jobwatch(jobhooks_server: CaptureServer, webhook_secret: str) -> FastAPI:
    """The async app, notifying ``jobhooks_server`` (signed with its secret) of every state change."""
    subscriber_secret = jobhooks_server.secret
    assert subscriber_secret is not None
    subscriber = jobhooks_server.url_for("/hooks/jobwatch")
    return create_app(secret=webhook_secret, subscriber=subscriber, subscriber_secret=subscriber_secret)


@pytest.mark.asyncio
async def test_each_state_change_is_notified_by_the_lifespan_client(
    jobhooks_serve: Serve, jobhooks_server: CaptureServer, jobhooks_factory: SeededFactory, webhook_secret: str
) -> None:
    secret = jobhooks_server.secret
    assert secret is not None
    app = create_app(
        secret=webhook_secret, subscriber=jobhooks_server.url_for("/hooks/jobwatch"), subscriber_secret=secret
    )
    payloads = jobhooks_factory.lifecycle("telmai", batch_wait_rounds=2)  # queued and running, back and forth

    async with httpx.AsyncClient(base_url=jobhooks_serve(app)) as client:
        for payload in payloads:
            assert (await client.post("/webhooks/telmai", json=payload)).status_code == 200

    [done] = await jobhooks_server.wait_for_async(vendor="jobwatch", status="SUCCEEDED")
    assert done.signature == "valid"
    job = f"telmai/{payloads[0]['jobId']}"
    assert_job_sequence(jobhooks_server, ["QUEUED", "RUNNING", "SUCCEEDED"], job_id=job)
    assert_valid_lifecycle(jobhooks_server)


@pytest.mark.asyncio
async def test_a_bad_payload_is_refused_and_nothing_is_notified(
    jobhooks_serve: Serve, jobhooks_server: CaptureServer, webhook_secret: str
) -> None:
    app = create_app(
        secret=webhook_secret,
        subscriber=jobhooks_server.url_for("/hooks/jobwatch"),
        subscriber_secret="whsec_" + "A" * 32,
    )
    async with httpx.AsyncClient(base_url=jobhooks_serve(app)) as client:
        response = await client.post("/webhooks/telmai", json={"jobId": "j1", "status": "FINISHED"})
    assert response.status_code == 400
    with pytest.raises(AssertionError, match="No delivery arrived"):
        await jobhooks_server.wait_for_async(timeout=0.05)


@pytest.mark.asyncio
async def test_in_process_with_deliver_async(
    jobhooks_server: CaptureServer, jobhooks_factory: SeededFactory, webhook_secret: str
) -> None:
    secret = jobhooks_server.secret
    assert secret is not None
    app = create_app(
        secret=webhook_secret, subscriber=jobhooks_server.url_for("/hooks/jobwatch"), subscriber_secret=secret
    )
    payloads = jobhooks_factory.lifecycle("telmai")

    # In-process, on this test's loop: the lifespan runs around the deliveries, so the client exists.
    batch = await deliver_all_async(payloads, app, path="/webhooks/telmai")
    assert batch.ok

    [done] = await jobhooks_server.wait_for_async(vendor="jobwatch", status="SUCCEEDED")
    assert done.signature == "valid"
