"""jobwatch on FastAPI, async all the way: the subscriber's HTTP client is opened by the app's lifespan.

What most teams write: an ``async def`` endpoint, and one ``httpx.AsyncClient``
opened at startup (``lifespan``), closed at shutdown and shared by every
request through ``request.state``. A delivery is checked and stored by the same
service as the other apps; the notification of a state change is sent with that
client on the event loop, signed like :class:`~jobwatch.notify.Notifier`'s.
A server that skips the lifespan leaves ``request.state.notify`` unset: the
notification cannot be sent, and the endpoint fails rather than answer 200.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import TypedDict

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from svix.webhooks import Webhook

from .notify import job_update, signed
from .service import JSON_VENDORS, WebhookService
from .store import JobRecord, JobStore


class AsyncNotifier:
    """Sends the signed ``JobUpdate`` of each state change to ``url`` with an ``httpx.AsyncClient``."""

    def __init__(self, client: httpx.AsyncClient, url: str, *, secret: str, attempts: int = 3) -> None:
        self._client = client
        self.url = url
        self.attempts = attempts
        self._signer = Webhook(secret)

    async def job_changed(self, record: JobRecord, previous: str | None) -> bool:
        """Notify that ``record``'s job moved from ``previous``; True if delivered (5xx and network errors retried)."""
        update = job_update(record, previous)
        for _ in range(self.attempts):
            body, headers = signed(self._signer, update)
            try:
                response = await self._client.post(self.url, content=body, headers=headers)
            except httpx.TransportError:
                continue
            if response.status_code < 500:
                return response.is_success
        return False


class State(TypedDict):
    """What the lifespan hands every request (``request.state``)."""

    notify: AsyncNotifier


def create_app(*, secret: str, subscriber: str, subscriber_secret: str, store: JobStore | None = None) -> FastAPI:
    """The async app: ``POST /webhooks/<vendor>`` for JSON vendors; each state change notified to ``subscriber``.

    ``secret`` verifies Tensorlake's signatures; ``subscriber_secret`` signs
    the notifications.
    """
    service = WebhookService(secret=secret, store=store if store is not None else JobStore())

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[State]:
        async with httpx.AsyncClient(timeout=2.0) as client:  # one connection pool for the app's whole life
            yield {"notify": AsyncNotifier(client, subscriber, secret=subscriber_secret)}

    app = FastAPI(title="jobwatch (async)", lifespan=lifespan)
    app.state.jobwatch = service

    async def receive(vendor: str, request: Request) -> JSONResponse:
        if vendor not in JSON_VENDORS:
            return JSONResponse({"error": f"unknown vendor {vendor!r}"}, status_code=404)
        body = await request.body()
        answer, change = service.store_delivery(vendor, body, dict(request.headers), {})
        if change is not None and change.moved:
            previous = change.before.unified if change.before else None
            await request.state.notify.job_changed(change.after, previous)
        return JSONResponse(answer.body, status_code=answer.status)

    app.add_api_route("/webhooks/{vendor}", receive, methods=["POST"], name="webhook")
    return app
