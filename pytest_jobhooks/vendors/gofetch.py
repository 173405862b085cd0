"""GoFetch: job status webhook (GET with ``job_id`` and ``job_status`` query parameters).

Source: GoFetch's "Job status webhook" API page. GoFetch's later API docs send
the same two fields as a POST with a JSON body (job ids are UUIDs there); both
forms are accepted.
"""

from __future__ import annotations

import random
from datetime import datetime
from typing import Literal

from pydantic import ConfigDict, Field

from ._fields import NonEmptyStr, VendorModel
from .base import DeliveryStyle, JsonObject, Lifecycle, Vendor, schema_states_all
from .factory import JobHistory, VendorFactory, random_uuid

__all__ = ["VENDOR", "GoFetchJobStatus"]

GoFetchStatus = Literal["fetcher_approaching_dropoff", "delivered"]


class GoFetchJobStatus(VendorModel):
    """A GoFetch job status notification, from the query string or a JSON body."""

    model_config = ConfigDict(
        title="GoFetch job status webhook",
        json_schema_extra={
            "description": (
                "GoFetch sends GET requests to the saved URL with job_id and job_status URL parameters "
                "(doc: Job status webhook); its later API sends the same fields as a POST JSON body."
            )
        },
    )

    job_id: NonEmptyStr = Field(description="Doc: the job's id, e.g. 'b3131f1d' (UUIDs in the later API).")
    job_status: GoFetchStatus = Field(
        description=(
            "Doc: the job's new status; documented values are fetcher_approaching_dropoff and delivered "
            "(the doc says 'etc.': other values exist but are undocumented)."
        )
    )


# Factory: realistic payloads and job histories (used by pytest_jobhooks.factories).


def _factory_job(rng: random.Random, job_id: str | None, start: datetime) -> JsonObject:
    # GoFetch's later API uses UUID job ids.
    return {"job_id": job_id if job_id is not None else random_uuid(rng)}


def _factory_payload(rng: random.Random, history: JobHistory) -> JsonObject:
    return {**history.job, "job_status": history.state}


_FACTORY = VendorFactory(job=_factory_job, payload=_factory_payload, status_path=lambda payload: ("job_status",))


VENDOR = Vendor(
    name="gofetch",
    title="GoFetch",
    model=GoFetchJobStatus,
    lifecycle=Lifecycle(
        states=("fetcher_approaching_dropoff", "delivered"),
        initial={"fetcher_approaching_dropoff"},
        transitions={"fetcher_approaching_dropoff": {"delivered"}},
        terminal={"delivered"},
        unified={"fetcher_approaching_dropoff": "running", "delivered": "succeeded"},
        note="Order inferred from the status names; only these two statuses are documented.",
    ),
    delivery=DeliveryStyle(
        method="GET",
        encoding="query",
        note="GET <url>?job_id=...&job_status=...",
        alternatives=(DeliveryStyle(method="POST", encoding="json", note="GoFetch's later API: JSON body."),),
    ),
    job_id=lambda m: m.job_id,
    status=lambda m: m.job_status,
    examples={
        "fetcher_approaching_dropoff.doc": {
            "job_id": "b3131f1d",
            "job_status": "fetcher_approaching_dropoff",
        },
    },
    docs="GoFetch: Job status webhook (public_api/v1)",
    factory=_FACTORY,
    open_statuses=True,  # the doc lists its statuses with "etc.": others exist, undocumented
    beyond_schema=schema_states_all,
)
