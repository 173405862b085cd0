"""Tamr's payload models: the job event (the jobEvents page) and the CloudEvents 1.0 envelope Tamr sends it in.

Source: Tamr's "/webhooks/v1alpha1/jobEvents" page. It lists what an event
holds but gives no JSON names: ``jobId``, ``type``, ``status`` and
``statusHistory`` and the job type values are inferred (the resource identifier
names and the ``status`` object are documented). The realtime-notifications page
says "Webhook payloads follow the CloudEvents standard". :mod:`pytest_jobhooks.vendors.tamr`
holds the rest of the vendor (lifecycle, delivery, factory).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Generic, Literal, TypeVar, get_args

from pydantic import ConfigDict, Discriminator, Field, RootModel, StringConstraints, Tag, model_validator

from .._json import parse_rfc3339
from ..errors import VendorDefinitionError
from ._cloudevents import EXTENSION_NAME, URI, URI_REFERENCE
from ._fields import NonEmptyStr, Rfc3339, VendorModel
from .base import JsonValue

__all__ = [
    "IDENTIFIERS",
    "TamrCloudEvent",
    "TamrError",
    "TamrJobEvent",
    "TamrJobType",
    "TamrPayload",
    "TamrStatus",
    "optional_identifiers",
    "required_identifiers",
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


def required_identifiers(job_type: str) -> tuple[str, ...]:
    """The identifiers a job event of ``job_type`` carries with a value (the doc's table)."""
    return _REQUIRED[job_type]


def optional_identifiers(job_type: str) -> tuple[str, ...]:
    """The identifiers a job event of ``job_type`` may also carry (display names legacy data products omit)."""
    return _OPTIONAL.get(job_type, ())


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


_Root = TypeVar("_Root")


class _DeferredRoot(RootModel[_Root], Generic[_Root]):
    """A root model whose parametrised classes are built on first use too (``RootModel[X]`` is built at once)."""

    model_config = ConfigDict(defer_build=True)


class TamrPayload(
    _DeferredRoot[
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
