"""Tamr: job event notifications, sent as CloudEvents 1.0 (POST, structured mode by default).

Sources: Tamr's "/webhooks/v1alpha1/jobEvents" page (what a job event holds) and its
realtime-notifications page ("Webhook payloads follow the CloudEvents standard").
The models are in :mod:`pytest_jobhooks.vendors.tamr_models`; here are the lifecycle,
the delivery styles, the factory and the :data:`VENDOR` itself.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from itertools import pairwise
from typing import get_args

from .._json import format_rfc3339
from .base import DeliveryStyle, JobEvent, JsonObject, JsonValue, Lifecycle, UnifiedStatus, Vendor, schema_states_all
from .factory import JobHistory, VendorFactory, bool_option, check_outcome_option, random_uuid
from .tamr_models import (
    IDENTIFIERS,
    TamrCloudEvent,
    TamrError,
    TamrJobEvent,
    TamrJobType,
    TamrPayload,
    TamrStatus,
    optional_identifiers,
    required_identifiers,
)

__all__ = [
    "EVENT_SOURCE",
    "EVENT_TYPE",
    "VENDOR",
    "TamrCloudEvent",
    "TamrError",
    "TamrJobEvent",
    "TamrPayload",
    "TamrStatus",
    "cloud_event",
]


def _unwrap(payload: JsonObject) -> JsonObject:
    data = payload.get("data")
    return data if isinstance(data, dict) else payload  # a job event has no data field: this is an envelope


def _history(event: JobEvent, before: Sequence[JobEvent]) -> Iterable[str]:
    # statusHistory must be a legal path to the current state, holding every earlier state seen, when it was entered.
    history = _unwrap(event.payload or {}).get("statusHistory")
    if not isinstance(history, list):
        return
    entries = [(h.get("state"), h.get("stateStartTime")) for h in history if isinstance(h, dict)]
    for a, b in pairwise([state for state, _ in entries] + [event.status]):
        if a != b and not VENDOR.lifecycle.is_legal(str(a), str(b)):
            yield f"statusHistory has an illegal move {a} -> {b}"
    for earlier in before:
        status = _unwrap(earlier.payload or {}).get("status")
        seen = (earlier.status, status.get("stateStartTime") if isinstance(status, dict) else None)
        if earlier.status != event.status and seen not in entries:
            yield f"statusHistory lacks {earlier.status} at {seen[1]} seen in #{earlier.index}"


def _unified(event: TamrJobEvent) -> UnifiedStatus:
    status = event.status
    if status.state != "DONE":
        return "queued" if status.state == "PENDING" else "running"
    if status.error is None:
        return "succeeded"
    return "cancelled" if status.error.reason == "STOPPED_BY_USER" else "failed"


def _doc_event(status: JsonObject) -> JsonObject:
    # The doc shows only the status object; the envelope around it is inferred.
    return {
        "jobId": "42",
        "type": "LOAD_SOURCE",
        "sourceId": "src_customers",
        "sourceDisplayName": "Customers",
        "status": status,
        "statusHistory": [
            {"state": "PENDING", "stateStartTime": "2025-12-02T14:40:00.000Z"},
        ],
    }


# Factory: realistic payloads and job histories (used by pytest_jobhooks.factories).

_RESOURCE_NAMES = {
    "source": ("Customers", "CRM Accounts", "Salesforce Contacts", "ERP Suppliers", "Web Leads", "Product Catalog"),
    "dataProduct": ("Customer Mastering", "Supplier Mastering", "Product Golden Records", "Householding"),
    "workflow": ("Nightly Customer Refresh", "Weekly Supplier Sync", "Daily Product Update", "Hourly Lead Merge"),
    "destination": ("Snowflake Analytics", "BigQuery Golden Records", "S3 Export", "Salesforce Sync"),
}
_ID_PREFIX = {"source": "src", "dataProduct": "dp", "workflow": "wf", "destination": "dst"}
# The doc table's "Returned Empty Identifier Values" column: sent, but as empty strings.
_SENT_EMPTY = {
    "UPDATE_DATA_PRODUCT": ("workflowId", "workflowDisplayName"),
    "UPDATE_WORKFLOW": ("dataProductId", "dataProductDisplayName"),
    "PUBLISH_DESTINATION": ("dataProductId", "dataProductDisplayName"),
}
_STOPPED = ("STOPPED_BY_USER", "The job was stopped by a user.")
_PLANNING_FAILED = (
    "PLANNING_FAILED",
    "Something went wrong while planning the job. Please verify the configuration is correct and try again.",
)
# Only STOPPED_BY_USER and PLANNING_FAILED are documented; these run-time reasons are invented in the same style.
_RUN_FAILURES = (
    ("EXECUTION_FAILED", "Something went wrong while running the job. Please try again."),
    ("RESOURCE_EXHAUSTED", "The job ran out of resources before it could finish."),
    ("SOURCE_UNAVAILABLE", "The job could not read from the source. Please verify the connection and try again."),
)


def _factory_job(rng: random.Random, job_id: str | None, start: datetime) -> JsonObject:
    job_type = rng.choice(get_args(TamrJobType))
    drawn = str(rng.randint(1_000, 99_999_999))  # drawn even when given, so the rest stays the same
    job: JsonObject = {"jobId": job_id if job_id is not None else drawn, "type": job_type}
    names = (*required_identifiers(job_type), *optional_identifiers(job_type))
    for kind in dict.fromkeys(name.removesuffix("DisplayName").removesuffix("Id") for name in names):
        display = rng.choice(_RESOURCE_NAMES[kind])
        job[f"{kind}Id"] = f"{_ID_PREFIX[kind]}_{display.lower().replace(' ', '_')}"
        job[f"{kind}DisplayName"] = display
    for name in _SENT_EMPTY.get(job_type, ()):
        job[name] = ""
    return {name: job[name] for name in ("jobId", "type", *IDENTIFIERS) if name in job}


def _factory_plan(rng: random.Random, outcome: UnifiedStatus, options: Mapping[str, object]) -> list[str]:
    planning_failure = bool_option(options, "planning_failure", rng, 0.25)
    stopping = bool_option(options, "stopping", rng, 0.7)
    stopped_before_start = rng.random() < 0.3
    check_outcome_option(options, "planning_failure", outcome, "failed")
    check_outcome_option(options, "stopping", outcome, "cancelled")
    if outcome == "failed" and planning_failure:
        return ["PENDING", "DONE"]
    if outcome == "cancelled" and stopping:
        return ["PENDING", "RUNNING", "STOPPING", "DONE"]
    if outcome == "cancelled" and stopped_before_start:
        return ["PENDING", "DONE"]
    return ["PENDING", "RUNNING", "DONE"]


def _status(state: str, time: datetime) -> JsonObject:
    return {"state": state, "stateStartTime": format_rfc3339(time, "ms")}


def _factory_payload(rng: random.Random, history: JobHistory) -> JsonObject:
    status = _status(history.state, history.time)
    if history.state == "DONE" and history.outcome != "succeeded":
        if history.outcome == "cancelled":
            reason, message = _STOPPED
        elif history.previous == "PENDING":
            reason, message = _PLANNING_FAILED
        else:
            reason, message = rng.choice(_RUN_FAILURES)
        status["error"] = {"reason": reason, "message": message}
    past: list[JsonValue] = [
        _status(state, time) for state, time in zip(history.states[:-1], history.times[:-1], strict=True)
    ]
    event: JsonObject = {**history.job, "status": status, "statusHistory": past}
    event_id = random_uuid(rng)  # drawn last, so the event itself is the same in both forms
    if bool_option(history.options, "legacy", rng, 0.0):
        return event
    return cloud_event(event, event_id, time=status["stateStartTime"])


EVENT_SOURCE = "/webhooks/v1alpha1/jobEvents"
"""The ``source`` of Tamr's job events (inferred: the doc's page path; Tamr documents it only as a URI-reference)."""

EVENT_TYPE = "com.tamr.webhooks.v1alpha1.jobEvents"
"""The ``type`` of Tamr's job events (inferred: Tamr documents no value)."""


def cloud_event(event: JsonObject, event_id: str, *, time: JsonValue = None) -> JsonObject:
    """``event`` in the CloudEvents envelope Tamr sends, with attributes as Tamr fills them.

    ``id`` identifies this event (a new one per event); ``time`` is when the job
    entered its state (``status.stateStartTime`` unless given); ``datacontenttype``
    is ``application/json`` (Tamr: "Always set to application/json").
    """
    status = event.get("status")
    when = time if time is not None else status.get("stateStartTime") if isinstance(status, dict) else None
    envelope: JsonObject = {"specversion": "1.0", "id": event_id, "source": EVENT_SOURCE, "type": EVENT_TYPE}
    if when is not None:
        envelope["time"] = when
    return {**envelope, "datacontenttype": "application/json", "data": event}


# Tamr: "you must provide an authorization header value ... a basic auth header (BasicCreds), an API key
# header (X-API-KEY)".
_CREDENTIALS = ("Authorization", "X-API-KEY")

_FACTORY = VendorFactory(
    job=_factory_job,
    payload=_factory_payload,
    status_path=lambda payload: ("data", "status", "state") if "specversion" in payload else ("status", "state"),
    plan=_factory_plan,
    options={
        "legacy": "True: the bare job event (the jobEvents page's shape), without the CloudEvents envelope Tamr sends",
        "planning_failure": "outcome failed: the job fails in planning, PENDING -> DONE (drawn if not set)",
        "stopping": "outcome cancelled: the job is stopped while running, through STOPPING (drawn if not set)",
    },
)


VENDOR = Vendor(
    name="tamr",
    title="Tamr",
    model=TamrJobEvent,
    lifecycle=Lifecycle(
        states=("PENDING", "RUNNING", "STOPPING", "DONE"),
        initial={"PENDING"},
        transitions={
            "PENDING": {"RUNNING", "DONE"},
            "RUNNING": {"STOPPING", "DONE"},
            "STOPPING": {"DONE"},
        },
        terminal={"DONE"},
        unified={
            "PENDING": "queued",
            "RUNNING": "running",
            "STOPPING": "running",
            "DONE": ("succeeded", "failed", "cancelled"),
        },
        note=(
            "States are documented; the moves are inferred (PENDING -> DONE covers a job that failed in "
            "planning or was stopped before it started). DONE without error is succeeded, with "
            "STOPPED_BY_USER cancelled, with any other reason failed."
        ),
    ),
    delivery=DeliveryStyle(
        method="POST",
        encoding="json",
        name="structured",
        cloudevents="structured",
        credential_headers=_CREDENTIALS,
        note=(
            "A CloudEvents 1.0 event in structured mode (application/cloudevents+json): Tamr's "
            "realtime-notifications page says 'Webhook payloads follow the CloudEvents standard'. "
            "Tamr sends the authorization header configured for the webhook (e.g. Authorization, X-API-KEY)."
        ),
        alternatives=(
            DeliveryStyle(
                name="binary",
                cloudevents="binary",
                credential_headers=_CREDENTIALS,
                note="The same event in binary mode: ce-* headers, the job event as the body (HTTP binding).",
            ),
            DeliveryStyle(
                name="legacy",
                cloudevents="unwrapped",
                credential_headers=_CREDENTIALS,
                note="The bare job event as application/json, no CloudEvents attributes (the jobEvents page's shape).",
            ),
        ),
    ),
    job_id=lambda m: m.job_id,
    status=lambda m: m.status.state,
    time=lambda m: m.status.start_time,
    unified=_unified,
    examples={
        f"DONE.doc-{name}": _doc_event(
            {
                "state": "DONE",
                "stateStartTime": "2025-12-02T14:46:04.518Z",
                "error": {"reason": reason, "message": message},
            }
        )
        for name, (reason, message) in (("stopped", _STOPPED), ("planning-failed", _PLANNING_FAILED))
    }
    | {
        # As Tamr sends it: the doc's event in a CloudEvents envelope (attribute values inferred, see cloud_event).
        "DONE.cloudevent-stopped": cloud_event(
            _doc_event(
                {
                    "state": "DONE",
                    "stateStartTime": "2025-12-02T14:46:04.518Z",
                    "error": {"reason": _STOPPED[0], "message": _STOPPED[1]},
                }
            ),
            "6f1c2a0e-3b9d-4c57-9a8e-2d4b7c1e5f30",
        )
    },
    docs="Tamr: /webhooks/v1alpha1/jobEvents",
    schema_type=TamrPayload,
    unwrap=_unwrap,
    factory=_FACTORY,
    history=_history,
    beyond_schema=schema_states_all,
)
