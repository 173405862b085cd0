"""What jobwatch does with one vendor delivery, whatever web framework carries it.

Check the signature (Tensorlake signs through Svix), validate the payload
against what the vendor documents, store the job's state, notify the
subscriber when the job's state changed, and say what to answer: 200 on
success, 400 for a payload the vendor does not document, 401 for a bad
signature, 503 when the store is down (the vendor will retry).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from svix.webhooks import Webhook, WebhookVerificationError

from pytest_jobhooks import PayloadValidationError, job_state

from .notify import Notifier
from .store import Change, JobStore, StoreUnavailable

JSON_VENDORS = ("telmai", "tamr", "tensorlake", "tensorlake-workflow")
"""Vendors that POST a JSON body, each to ``/webhooks/<vendor>``."""

SIGNED = frozenset({"tensorlake", "tensorlake-workflow"})
"""Vendors whose deliveries carry a Svix signature, which must verify."""


@dataclass(frozen=True)
class Answer:
    """The HTTP answer to a delivery: status code and JSON body."""

    status: int
    body: dict[str, object]


class WebhookService:
    """Receives vendor deliveries into a :class:`~jobwatch.store.JobStore`; shared by the Flask and FastAPI apps."""

    def __init__(self, *, secret: str, store: JobStore, notifier: Notifier | None = None) -> None:
        self.store = store
        self.notifier = notifier
        self._verifier = Webhook(secret)

    def receive(
        self, vendor: str, body: bytes, headers: Mapping[str, str], query: Mapping[str, Sequence[str]]
    ) -> Answer:
        """Handle one delivery from ``vendor``: the raw body, its headers and query parameters."""
        answer, change = self.store_delivery(vendor, body, headers, query)
        if self.notifier is not None and change is not None and change.moved:
            self.notifier.job_changed(change.after, change.before.unified if change.before else None)
        return answer

    def store_delivery(
        self, vendor: str, body: bytes, headers: Mapping[str, str], query: Mapping[str, Sequence[str]]
    ) -> tuple[Answer, Change | None]:
        """Check and store one delivery without notifying: the answer, and the change it made (None if refused)."""
        if vendor in SIGNED:
            try:
                self._verifier.verify(body, dict(headers))
            # svix raises ValueError (binascii.Error) for malformed headers: still a bad signature, not a crash.
            except (WebhookVerificationError, ValueError) as exc:
                return Answer(401, {"error": "invalid signature", "detail": str(exc) or type(exc).__name__}), None
        # GoFetch's GET carries the job in the query string and has no body.
        payload: object = body if body.strip() or not query else dict(query)
        try:
            state = job_state(vendor, payload)
        except PayloadValidationError as exc:
            return Answer(400, {"error": "invalid payload", "problems": [str(problem) for problem in exc.errors]}), None
        try:
            change = self.store.apply(state)
        except StoreUnavailable:
            return Answer(503, {"error": "store unavailable, try again later"}), None
        record = change.after
        return Answer(200, {"job_id": record.job_id, "status": record.status, "outcome": change.outcome}), change
