"""Tell jobwatch's subscriber about state changes: a signed ``JobUpdate`` POSTed to one URL.

Notifications are signed the Standard Webhooks / Svix way (``svix-id``,
``svix-timestamp``, ``svix-signature``) with the subscriber's secret, and sent
synchronously with a short timeout. A 5xx answer or a network error is retried
at once, up to ``attempts`` times in all, under the same ``svix-id``; what still
fails is kept in :attr:`Notifier.undelivered` for a later replay, so the
vendor's delivery that caused it is not failed for the subscriber's sake.
"""

from __future__ import annotations

import json
import secrets
import threading
from datetime import datetime, timezone

import httpx
from svix.webhooks import Webhook

from .events import JobUpdate, JobwatchState
from .store import JobRecord

STATES: dict[str, JobwatchState] = {
    "queued": "QUEUED",
    "running": "RUNNING",
    "succeeded": "SUCCEEDED",
    "failed": "FAILED",
    "cancelled": "CANCELLED",
}
"""jobwatch's state for each unified status."""


class Notifier:
    """POSTs a :class:`~jobwatch.events.JobUpdate` to ``url`` for every state change it is told about."""

    def __init__(self, url: str, *, secret: str, attempts: int = 3, timeout: float = 2.0) -> None:
        self.url = url
        self.attempts = attempts
        self.undelivered: list[JobUpdate] = []
        """Notifications every attempt failed for (a 4xx, or 5xx / network errors throughout)."""
        self._signer = Webhook(secret)
        self._http = httpx.Client(timeout=timeout)
        self._lock = threading.Lock()

    def job_changed(self, record: JobRecord, previous: str | None) -> bool:
        """Notify that ``record``'s job moved from unified status ``previous`` (None: first seen); True if delivered."""
        update = job_update(record, previous)
        if self._send(update):
            return True
        with self._lock:
            self.undelivered.append(update)
        return False

    def _send(self, update: JobUpdate) -> bool:
        for _ in range(self.attempts):
            body, headers = signed(self._signer, update)
            try:
                response = self._http.post(self.url, content=body, headers=headers)
            except httpx.TransportError:
                continue
            if response.is_success:
                return True
            if response.status_code < 500:
                return False  # the subscriber refused it (bad signature, say): retrying changes nothing
        return False

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()


def job_update(record: JobRecord, previous: str | None) -> JobUpdate:
    """The notification that ``record``'s job moved from unified status ``previous`` (None: first seen)."""
    return JobUpdate(
        event_id=f"evt_{secrets.token_hex(12)}",
        job=f"{record.vendor}/{record.job_id}",
        state=STATES[record.unified],
        previous_state=STATES[previous] if previous is not None else None,
        changed_at=datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    )


def signed(signer: Webhook, update: JobUpdate) -> tuple[str, dict[str, str]]:
    """The body of ``update`` and its headers, signed now (each attempt is signed afresh, under the same id)."""
    body = json.dumps(update.model_dump(mode="json"))
    now = datetime.now(timezone.utc)
    headers = {
        "content-type": "application/json",
        "svix-id": update.event_id,
        "svix-timestamp": str(int(now.timestamp())),
        "svix-signature": signer.sign(update.event_id, now, body),
    }
    return body, headers
