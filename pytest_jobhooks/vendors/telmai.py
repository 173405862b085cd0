"""Telmai: job status notifications (POST with a JSON body).

Source: Telmai's "Jobs Status Notification" page. The order of states is not
documented; the lifecycle below is inferred from the status names and the page's
"job is running / intermediate job state changes / job is completed".
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, WithJsonSchema, model_validator

from ._fields import Count, NonEmptyStr, VendorModel
from .base import DeliveryStyle, JsonObject, Lifecycle, UnifiedStatus, Vendor, schema_states_all
from .factory import JobHistory, VendorFactory, choice_option, int_option, random_uuid

__all__ = ["VENDOR", "TelmaiJobStatus"]

TelmaiStatus = Literal["PREPARING", "BATCH_WAIT", "IN_PROGRESS", "FINISHED", "FAILED"]

# Either spelling may be absent, but one sent is a non-empty string (never null).
_JobId = Annotated[NonEmptyStr | None, WithJsonSchema({"type": "string", "minLength": 1})]


_CLIENT = "Telmai's official client (telmai 0.3.6, telmai/resources/scans.py, set_callback)"
_RETRIES = (
    "Retries: the doc says 'Telmai retries delivery on failure' without a schedule, so the sender's default "
    f"schedule is inferred (10 s, 1 min, 5 min); {_CLIENT} says 'no retry and no delivery guarantee': "
    "model that with retry=False."
)


_ONE_ID = "one of jobId (the doc) or job_id (Telmai's client) is required"


class TelmaiJobStatus(VendorModel):
    """The body Telmai POSTs when a processing job changes status."""

    model_config = ConfigDict(
        title="Telmai job status notification",
        json_schema_extra={
            "description": (
                "Telmai POSTs this JSON body to the configured Webhook URL when a processing job's "
                "status changes. The two sources disagree on the job id's name: the doc (Jobs Status "
                "Notification) says jobId, " + _CLIENT + " describes the payload as "
                "{tenant, source, job_id, status, details}; one of jobId / job_id is required. " + _RETRIES
            ),
            "anyOf": [
                {"properties": {name: {"description": _ONE_ID}}, "required": [name], "$comment": _ONE_ID}
                for name in ("jobId", "job_id")
            ],
        },
    )

    tenant: NonEmptyStr = Field(description="Doc: 'Associated tenant ID where the callback happened'.")
    source: NonEmptyStr = Field(description="Doc: 'Associated dataset source ID'.")
    job_id: _JobId = Field(default=None, alias="jobId", description="Doc: 'Associated job ID' (the doc's spelling).")
    client_job_id: _JobId = Field(
        default=None, alias="job_id", description=f"The job ID as {_CLIENT} spells it (instead of jobId)."
    )
    status: TelmaiStatus = Field(
        description=(
            "Doc: 'Job status (IN_PROGRESS, FINISHED, FAILED, PREPARING, BATCH_WAIT)'. "
            "Order (inferred): PREPARING, then BATCH_WAIT and IN_PROGRESS (may alternate), "
            "then FINISHED or FAILED."
        )
    )
    details: str = Field(description="Doc: 'Description of job status'.")
    upload_timestamp: Count | None = Field(
        default=None,
        alias="uploadTimestamp",
        description=(
            "Optional. Documented by an older version of Telmai's page: epoch milliseconds, "
            "the same for every status of one job."
        ),
    )

    @property
    def id(self) -> str:
        """The job id, whichever of ``jobId`` (the doc) and ``job_id`` (the client) carries it."""
        return self.job_id or self.client_job_id or ""

    @model_validator(mode="after")
    def _one_job_id(self) -> TelmaiJobStatus:
        given = self.model_fields_set
        if not {"job_id", "client_job_id"} & given:
            raise ValueError(_ONE_ID)
        for name, alias in (("job_id", "jobId"), ("client_job_id", "job_id")):
            if name in given and getattr(self, name) is None:
                raise ValueError(f"{alias} must be a non-empty string, not null")
        return self


# Factory: realistic payloads and job histories (used by pytest_jobhooks.factories).

_COMPANIES = ("acme", "northwind", "globex", "initech", "umbrella", "hooli", "wayne", "stark", "tyrell", "soylent")
_ENVIRONMENTS = ("prod", "analytics", "data", "dev", "staging", "eu", "us")
_DETAILS: dict[str, tuple[str, ...]] = {
    "PREPARING": ("Preparing job", "Job is being prepared", "Preparing data source"),
    "BATCH_WAIT": ("Waiting for the next batch", "Waiting for batch data", "Batch wait"),
    "IN_PROGRESS": ("Job is running", "Profiling in progress", "Processing data"),
    "FINISHED": ("Job completed successfully",),
}
_FAILURES = (
    "Job failed: connection to the data source timed out",
    "Job failed: permission denied reading the source table",
    "Job failed: the source schema changed while the job was running",
    "Job failed: out of memory while profiling",
    "Job failed: source file not found",
)


def _factory_job(rng: random.Random, job_id: str | None, start: datetime) -> JsonObject:
    # The doc's example: a kebab-case tenant, a UUID source, job-<date>-<counter>.
    tenant = f"{rng.choice(_COMPANIES)}-{rng.choice(_ENVIRONMENTS)}"
    source = random_uuid(rng)
    drawn = f"job-{start.astimezone(timezone.utc):%Y%m%d}-{rng.randint(1, 999):03d}"
    return {"tenant": tenant, "source": source, "jobId": job_id if job_id is not None else drawn}


def _factory_plan(rng: random.Random, outcome: UnifiedStatus, options: Mapping[str, object]) -> list[str]:
    rounds = int_option(options, "batch_wait_rounds", rng, (0, 0, 0, 0, 1, 1, 2, 3))
    path = ["PREPARING", "IN_PROGRESS", *["BATCH_WAIT", "IN_PROGRESS"] * rounds]
    if outcome == "succeeded":
        return [*path, "FINISHED"]
    # A job can fail at any point; rounds asked for explicitly are all run first.
    cut = rng.randint(1, len(path))
    return [*path[: len(path) if "batch_wait_rounds" in options else cut], "FAILED"]


def _factory_payload(rng: random.Random, history: JobHistory) -> JsonObject:
    state = history.state
    details = rng.choice(_FAILURES) if state == "FAILED" else rng.choice(_DETAILS[state])
    payload: JsonObject = {**history.job, "status": state, "details": details}
    if choice_option(history.options, "id_field", _ID_FIELDS) == "job_id":
        payload = {("job_id" if key == "jobId" else key): value for key, value in payload.items()}
    return payload


_ID_FIELDS = ("jobId", "job_id")


_FACTORY = VendorFactory(
    job=_factory_job,
    payload=_factory_payload,
    status_path=lambda payload: ("status",),
    plan=_factory_plan,
    options={
        "batch_wait_rounds": "how many BATCH_WAIT -> IN_PROGRESS rounds the job goes through (drawn if not set)",
        "id_field": "where the job id goes: 'jobId' (the doc, default) or 'job_id' (Telmai's official client)",
    },
)


VENDOR = Vendor(
    name="telmai",
    title="Telmai",
    model=TelmaiJobStatus,
    lifecycle=Lifecycle(
        states=("PREPARING", "BATCH_WAIT", "IN_PROGRESS", "FINISHED", "FAILED"),
        initial={"PREPARING"},
        transitions={
            "PREPARING": {"BATCH_WAIT", "IN_PROGRESS", "FAILED"},
            "BATCH_WAIT": {"IN_PROGRESS", "FAILED"},
            "IN_PROGRESS": {"BATCH_WAIT", "FINISHED", "FAILED"},
        },
        terminal={"FINISHED", "FAILED"},
        unified={
            "PREPARING": "queued",
            "BATCH_WAIT": "queued",
            "IN_PROGRESS": "running",
            "FINISHED": "succeeded",
            "FAILED": "failed",
        },
        note=(
            "The whole ordering is inferred: the doc lists the statuses without an order. "
            "FAILED is accepted from any non-terminal state."
        ),
    ),
    delivery=DeliveryStyle(method="POST", encoding="json", retries="undocumented", note=_RETRIES),
    job_id=lambda m: m.id,
    job_id_fields=("jobId", "job_id"),
    status=lambda m: m.status,
    examples={
        "FINISHED.doc": {
            "tenant": "your-tenant-id",
            "source": "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
            "jobId": "job-20260417-001",
            "status": "FINISHED",
            "details": "Job completed successfully",
        }
    },
    docs="Telmai: Jobs Status Notification",
    factory=_FACTORY,
    beyond_schema=schema_states_all,
)
