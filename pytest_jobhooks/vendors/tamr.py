"""Tamr: job event notifications (POST with a JSON body, optionally in a CloudEvents envelope).

Source: Tamr's "/webhooks/v1alpha1/jobEvents" page. It lists what an event
holds but gives no JSON names for the envelope: ``jobId``, ``type``, ``status``
and ``statusHistory`` and the job type values are inferred (the resource
identifier names and the ``status`` object are documented).
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from itertools import pairwise
from typing import Annotated, Any, Literal, get_args

from pydantic import ConfigDict, Discriminator, Field, RootModel, StringConstraints, Tag, model_validator

from .._json import format_rfc3339, parse_rfc3339
from ..errors import VendorDefinitionError
from ._cloudevents import EXTENSION_NAME, URI, URI_REFERENCE
from ._fields import NonEmptyStr, Rfc3339, VendorModel
from .base import DeliveryStyle, JobEvent, JsonObject, JsonValue, Lifecycle, UnifiedStatus, Vendor
from .factory import JobHistory, VendorFactory, bool_option, check_outcome_option, random_uuid

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

TamrState = Literal["PENDING", "RUNNING", "STOPPING", "DONE"]
TamrJobType = Literal[
    "LOAD_SOURCE", "UPDATE_DATA_PRODUCT", "UPDATE_WORKFLOW", "PUBLISH_CONFIGURATION", "PUBLISH_DESTINATION"
]
ErrorReason = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$", max_length=63)]

IDENTIFIERS = (
    "sourceId",
    "sourceDisplayName",
    "dataProductId",
    "dataProductDisplayName",
    "workflowId",
    "workflowDisplayName",
    "destinationId",
    "destinationDisplayName",
)

# Per job type, from the doc's table: identifiers that must carry a value, and
# those that may also be sent (the table's display names, which legacy data
# products omit). Every other identifier, if present, must be empty.
_REQUIRED: dict[str, tuple[str, ...]] = {
    "LOAD_SOURCE": ("sourceId", "sourceDisplayName"),
    "UPDATE_DATA_PRODUCT": ("dataProductId",),
    "UPDATE_WORKFLOW": ("workflowId", "workflowDisplayName"),
    "PUBLISH_CONFIGURATION": ("destinationId",),
    "PUBLISH_DESTINATION": ("destinationId", "destinationDisplayName"),
}
_OPTIONAL: dict[str, tuple[str, ...]] = {
    "UPDATE_DATA_PRODUCT": ("dataProductDisplayName",),
    "PUBLISH_CONFIGURATION": ("destinationDisplayName", "dataProductId", "dataProductDisplayName"),
}
if set(_REQUIRED) != set(get_args(TamrJobType)):  # pragma: no cover - guards edits to the table
    raise VendorDefinitionError("Tamr identifier table does not cover every job type")


def _empty_identifiers(job_type: str) -> tuple[str, ...]:
    allowed = {*_REQUIRED[job_type], *_OPTIONAL.get(job_type, ())}
    return tuple(name for name in IDENTIFIERS if name not in allowed)


def _identifier_rules() -> list[JsonValue]:
    rules: list[JsonValue] = []
    for job_type, required in _REQUIRED.items():
        properties: dict[str, JsonValue] = {name: {"minLength": 1, "type": "string"} for name in required}
        for name in _empty_identifiers(job_type):
            properties[name] = {
                "enum": ["", None],
                "$comment": f"{name} does not apply to {job_type} jobs: it may only be empty",
            }
        rules.append(
            {
                "if": {"properties": {"type": {"const": job_type}}, "required": ["type"]},
                "then": {"required": list(required), "properties": properties},
            }
        )
    return rules


class TamrError(VendorModel):
    """Why a DONE job was stopped or failed."""

    model_config = ConfigDict(title="Tamr job error")

    reason: ErrorReason = Field(
        description=(
            "Upper snake case. Documented: STOPPED_BY_USER (the job was stopped), PLANNING_FAILED "
            "(failed during planning); other reasons are inferred to exist."
        )
    )
    message: str = Field(description="Doc: a human-readable message, e.g. 'The job was stopped by a user.'")


class TamrStatus(VendorModel):
    """A job status: the state and when the job entered it (plus the error of a stopped or failed DONE)."""

    model_config = ConfigDict(
        title="Tamr job status",
        json_schema_extra={
            "if": {"properties": {"state": {"not": {"const": "DONE"}}}, "required": ["state"]},
            "then": {"properties": {"error": {"type": "null", "$comment": "error is only sent when state is DONE"}}},
        },
    )

    state: TamrState = Field(description="Doc: 'Current job status (PENDING, RUNNING, STOPPING, or DONE)'.")
    state_start_time: Rfc3339 = Field(
        alias="stateStartTime", description="Doc: 'the time the job entered this status' (RFC 3339)."
    )
    error: TamrError | None = Field(
        default=None,
        description="Doc: 'If a job was stopped or failed, the event includes an error message'. Only on DONE.",
    )

    @property
    def start_time(self) -> datetime:
        """``stateStartTime`` as an aware datetime."""
        return parse_rfc3339(self.state_start_time)

    @model_validator(mode="after")
    def _error_only_when_done(self) -> TamrStatus:
        if self.error is not None and self.state != "DONE":
            raise ValueError("error is only sent when state is DONE")
        return self


def _identifier_doc(what: str) -> str:
    return f"Doc: the {what}. Sent with a value, or only empty, depending on the job type (doc's table)."


class TamrJobEvent(VendorModel):
    """One Tamr job event: the job, its type, the resource it ran for, its status and past statuses."""

    model_config = ConfigDict(
        title="Tamr job event",
        json_schema_extra={"allOf": _identifier_rules()},
    )

    job_id: NonEmptyStr = Field(alias="jobId", description="Doc: 'Job ID'. JSON name inferred.")
    type: TamrJobType = Field(
        description="Doc: 'Job type' (load source, update data product, ...). JSON name and values inferred."
    )
    status: TamrStatus = Field(
        description="Doc: 'Current job status ... and the time the job entered this status'. JSON name documented."
    )
    status_history: list[TamrStatus] = Field(
        alias="statusHistory",
        description=(
            "Doc: 'Past statuses for this job'. Inferred: JSON name, oldest first, the current status excluded."
        ),
    )
    source_id: str | None = Field(default=None, alias="sourceId", description=_identifier_doc("source ID"))
    source_display_name: str | None = Field(
        default=None, alias="sourceDisplayName", description=_identifier_doc("source name")
    )
    data_product_id: str | None = Field(
        default=None, alias="dataProductId", description=_identifier_doc("data product ID")
    )
    data_product_display_name: str | None = Field(
        default=None, alias="dataProductDisplayName", description=_identifier_doc("data product name")
    )
    workflow_id: str | None = Field(default=None, alias="workflowId", description=_identifier_doc("workflow ID"))
    workflow_display_name: str | None = Field(
        default=None, alias="workflowDisplayName", description=_identifier_doc("workflow name")
    )
    destination_id: str | None = Field(
        default=None, alias="destinationId", description=_identifier_doc("destination ID")
    )
    destination_display_name: str | None = Field(
        default=None, alias="destinationDisplayName", description=_identifier_doc("destination name")
    )

    @model_validator(mode="after")
    def _identifiers_fit_type(self) -> TamrJobEvent:
        values = self.model_dump(by_alias=True)
        missing = [name for name in _REQUIRED[self.type] if not values[name]]
        stray = [name for name in _empty_identifiers(self.type) if values[name]]
        problems = [f"{name} is required for {self.type} jobs" for name in missing]
        problems += [f"{name} does not apply to {self.type} jobs: it may only be empty" for name in stray]
        if problems:
            raise ValueError("; ".join(problems))
        return self


_SPEC = "CloudEvents 1.0"


class TamrCloudEvent(VendorModel):
    """A Tamr job event in a CloudEvents 1.0 envelope, as Tamr sends it ("payloads follow the CloudEvents standard")."""

    model_config = ConfigDict(
        title="Tamr job event in a CloudEvents 1.0 envelope",
        json_schema_extra={
            "description": (
                "Tamr's realtime-notifications page: 'Webhook payloads follow the CloudEvents standard'. "
                "The attribute rules are CloudEvents 1.0's; the values Tamr puts in source and type are inferred."
            ),
            # CloudEvents 1.0: attribute names are a-z and 0-9, at most 20 characters (data_base64 is the binary data).
            "propertyNames": {"anyOf": [{"pattern": EXTENSION_NAME}, {"const": "data_base64"}]},
        },
    )

    specversion: Literal["1.0"] = Field(description=f"{_SPEC}: the spec version, '1.0'.")
    id: NonEmptyStr = Field(description=f"{_SPEC}: identifies the event (unique per source); non-empty.")
    source: Annotated[str, StringConstraints(pattern=URI_REFERENCE)] = Field(
        description=f"{_SPEC}: the event's origin, a non-empty URI-reference."
    )
    type: NonEmptyStr = Field(description=f"{_SPEC}: the event type; non-empty.")
    time: Rfc3339 | None = Field(default=None, description=f"{_SPEC} (optional): when it happened (RFC 3339).")
    datacontenttype: NonEmptyStr | None = Field(
        default=None, description=f"{_SPEC} (optional): media type of data, e.g. 'application/json'; non-empty."
    )
    dataschema: Annotated[str, StringConstraints(pattern=URI)] | None = Field(
        default=None, description=f"{_SPEC} (optional): URI of the schema data adheres to."
    )
    subject: NonEmptyStr | None = Field(
        default=None, description=f"{_SPEC} (optional): the subject of the event; non-empty."
    )
    data: TamrJobEvent = Field(description="The Tamr job event itself.")

    @model_validator(mode="after")
    def _extension_names(self) -> TamrCloudEvent:
        bad = [name for name in self.model_extra or {} if not re.fullmatch(EXTENSION_NAME, name)]
        if bad:
            raise ValueError(f"extension attribute names must be 1-20 lowercase letters or digits, not {bad[0]!r}")
        return self


def _one_branch(schema: dict[str, Any]) -> None:
    # One branch per payload: an object with specversion or data is an event (so a missing id is reported
    # as a missing id, not as a job event's wrong type), anything else is the legacy bare job event.
    event, bare = schema.pop("oneOf", None) or schema.pop("anyOf")  # in the order of the RootModel union
    # (a job event has no data field)
    when = {"type": "object", "anyOf": [{"properties": {n: {}}, "required": [n]} for n in ("specversion", "data")]}
    schema.update({"if": when, "then": event, "else": bare})


def _form(value: object) -> str:
    return "event" if isinstance(value, dict) and ("specversion" in value or "data" in value) else "bare"


class TamrPayload(
    RootModel[
        Annotated[Annotated[TamrCloudEvent, Tag("event")] | Annotated[TamrJobEvent, Tag("bare")], Discriminator(_form)]
    ]
):
    """What Tamr POSTs: a job event in a CloudEvents envelope (structured mode), or the bare job event (legacy)."""

    model_config = ConfigDict(
        title="Tamr webhook payload",
        strict=True,
        defer_build=True,
        json_schema_extra=_one_branch,
    )


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
    names = (*_REQUIRED[job_type], *_OPTIONAL.get(job_type, ()))
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
)
