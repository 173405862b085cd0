"""Telmai: job status notifications (POST with a JSON body).

Source: Telmai's "Jobs Status Notification" page. The order of states is not
documented; the lifecycle below is inferred from the status names and the page's
"job is running / intermediate job state changes / job is completed".
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from ._fields import Count, NonEmptyStr, VendorModel
from ._vendor import DeliveryStyle, Lifecycle, Vendor

TelmaiStatus = Literal["PREPARING", "BATCH_WAIT", "IN_PROGRESS", "FINISHED", "FAILED"]


class TelmaiJobStatus(VendorModel):
    """The body Telmai POSTs when a processing job changes status."""

    model_config = ConfigDict(
        title="Telmai job status notification",
        json_schema_extra={
            "description": (
                "Telmai POSTs this JSON body to the configured Webhook URL when a processing job's "
                "status changes (doc: Jobs Status Notification). Telmai retries delivery on failure."
            )
        },
    )

    tenant: NonEmptyStr = Field(description="Doc: 'Associated tenant ID where the callback happened'.")
    source: NonEmptyStr = Field(description="Doc: 'Associated dataset source ID'.")
    job_id: NonEmptyStr = Field(alias="jobId", description="Doc: 'Associated job ID'.")
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
    delivery=DeliveryStyle(method="POST", encoding="json", note="Retries on failure (schedule undocumented)."),
    job_id=lambda m: m.job_id,
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
)
