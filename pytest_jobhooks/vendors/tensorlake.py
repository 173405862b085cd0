"""Tensorlake document ingestion: job created / failed / completed events (Svix-signed POST).

Source: Tensorlake's "Webhooks" page. Which fields are required in which event
is inferred from the page's three example payloads.
"""

from __future__ import annotations

import random
from datetime import datetime
from typing import Literal

from pydantic import ConfigDict, Field, model_validator

from .._json import format_rfc3339, parse_rfc3339
from ._fields import Count, NonEmptyStr, Rfc3339, VendorModel
from .base import DeliveryStyle, JsonObject, Lifecycle, Vendor
from .factory import JobHistory, VendorFactory, random_token

__all__ = ["VENDOR", "TensorlakeJobEvent", "TensorlakeUsage"]

TensorlakeStatus = Literal["pending", "failure", "successful"]

EVENT_TYPES = {
    "pending": "tensorlake.document_ingestion.job.created",
    "failure": "tensorlake.document_ingestion.job.failed",
    "successful": "tensorlake.document_ingestion.job.completed",
}
"""The Svix event type Tensorlake sends with each status."""


class TensorlakeUsage(VendorModel):
    """What a completed parsing job used, in the nine documented counters."""

    model_config = ConfigDict(title="Tensorlake usage")

    pages_parsed: Count = Field(description="Doc (Job Completed example): pages parsed.")
    extraction_input_tokens_used: Count = Field(description="Doc: extraction input tokens used.")
    extraction_output_tokens_used: Count = Field(description="Doc: extraction output tokens used.")
    ocr_input_tokens_used: Count = Field(description="Doc: OCR input tokens used.")
    ocr_output_tokens_used: Count = Field(description="Doc: OCR output tokens used.")
    signature_detected_pages: Count = Field(description="Doc: pages where a signature was detected.")
    strikethrough_detected_pages: Count = Field(description="Doc: pages where strikethrough was detected.")
    summarization_input_tokens_used: Count = Field(description="Doc: summarization input tokens used.")
    summarization_output_tokens_used: Count = Field(description="Doc: summarization output tokens used.")


class TensorlakeJobEvent(VendorModel):
    """The payload of a ``tensorlake.document_ingestion.job.*`` event."""

    model_config = ConfigDict(
        title="Tensorlake document ingestion job event",
        json_schema_extra={
            "description": (
                "Body of the tensorlake.document_ingestion.job.created / .failed / .completed events, "
                "delivered by Svix (signed POST). Per-status requirements are inferred from the doc's "
                "examples. finished_at is never before created_at (checked by the pydantic model; "
                "JSON Schema cannot compare two fields)."
            ),
            "allOf": [
                {
                    "if": {"properties": {"status": {"const": "pending"}}, "required": ["status"]},
                    "then": {
                        "properties": {
                            "finished_at": {
                                "type": "null",
                                "$comment": "a pending job has no finished_at",
                            }
                        }
                    },
                },
                {
                    "if": {"properties": {"status": {"const": "failure"}}, "required": ["status"]},
                    "then": {
                        "required": ["error", "finished_at"],
                        "properties": {"error": {"type": "string"}, "finished_at": {"type": "string"}},
                    },
                },
                {
                    "if": {"properties": {"status": {"const": "successful"}}, "required": ["status"]},
                    "then": {
                        "required": ["finished_at", "usage"],
                        "properties": {"finished_at": {"type": "string"}, "usage": {"type": "object"}},
                    },
                },
            ],
        },
    )

    job_id: NonEmptyStr = Field(description="Doc: the parse job's id, e.g. 'parse_XXX'.")
    status: TensorlakeStatus = Field(
        description="Doc: 'pending' (job created), 'failure' (job failed) or 'successful' (job completed)."
    )
    error: str | None = Field(
        default=None,
        description="Doc (Job Failed): 'Error message describing the failure'. Required on failure.",
    )
    created_at: Rfc3339 = Field(description="Doc: when the job was created (RFC 3339).")
    finished_at: Rfc3339 | None = Field(
        default=None,
        description="Doc: when the job finished (RFC 3339). Required on failure and successful, absent when pending.",
    )
    usage: TensorlakeUsage | None = Field(
        default=None, description="Doc (Job Completed): usage counters. Required when successful."
    )

    @property
    def event_type(self) -> str:
        """The Svix event type this payload is sent as (``tensorlake.document_ingestion.job.completed``, ...)."""
        return EVENT_TYPES[self.status]

    @property
    def time(self) -> datetime:
        """When the job reached this status: ``finished_at`` if sent, else ``created_at``."""
        return parse_rfc3339(self.finished_at or self.created_at)

    @model_validator(mode="after")
    def _consistent(self) -> TensorlakeJobEvent:
        required = {"failure": ("error", "finished_at"), "successful": ("finished_at", "usage")}
        missing = [name for name in required.get(self.status, ()) if getattr(self, name) is None]
        if missing:
            raise ValueError(f"a {self.status} event needs {' and '.join(missing)}")
        if self.status == "pending" and self.finished_at is not None:
            raise ValueError("a pending job has no finished_at")
        if self.finished_at is not None and parse_rfc3339(self.finished_at) < parse_rfc3339(self.created_at):
            raise ValueError(f"finished_at {self.finished_at} is before created_at {self.created_at}")
        return self


# Factory: realistic payloads and job histories (used by pytest_jobhooks.factories).

_PARSE_ERRORS = (
    "Failed to download the file: 404 Not Found",
    "The document is password protected",
    "Unsupported file type: application/zip",
    "Parsing timed out after 900 seconds",
    "The file is empty",
    "Page limit exceeded: the document has more pages than your plan allows",
)


def _factory_job(rng: random.Random, job_id: str | None, start: datetime) -> JsonObject:
    return {"job_id": job_id if job_id is not None else f"parse_{random_token(rng, 21)}"}


def _tokens(rng: random.Random, used: float, pages: int, per_page: tuple[int, int]) -> tuple[int, int]:
    """(input, output) token counts of one optional feature: zero when the job did not use it."""
    if rng.random() >= used:
        return 0, 0
    return pages * rng.randint(*per_page) + rng.randint(200, 1_500), rng.randint(40, 2_500)


def _usage(rng: random.Random) -> JsonObject:
    pages = rng.randint(1, rng.choice((3, 12, 40, 250)))
    ocr_in, ocr_out = _tokens(rng, 0.7, pages, (900, 1_800))
    extraction_in, extraction_out = _tokens(rng, 0.5, pages, (700, 2_000))
    summary_in, summary_out = _tokens(rng, 0.25, pages, (600, 1_500))
    signatures = rng.randint(1, min(pages, 3)) if rng.random() < 0.2 else 0
    strikethroughs = rng.randint(1, min(pages, 2)) if rng.random() < 0.1 else 0
    return {
        "pages_parsed": pages,
        "extraction_input_tokens_used": extraction_in,
        "extraction_output_tokens_used": extraction_out,
        "ocr_input_tokens_used": ocr_in,
        "ocr_output_tokens_used": ocr_out,
        "signature_detected_pages": signatures,
        "strikethrough_detected_pages": strikethroughs,
        "summarization_input_tokens_used": summary_in,
        "summarization_output_tokens_used": summary_out,
    }


def _factory_payload(rng: random.Random, history: JobHistory) -> JsonObject:
    payload: JsonObject = {**history.job, "status": history.state}
    if history.state == "failure":
        payload["error"] = rng.choice(_PARSE_ERRORS)
    # The doc writes times without fractions of a second.
    payload["created_at"] = format_rfc3339(history.started, "s")
    if history.state != "pending":
        payload["finished_at"] = format_rfc3339(history.time, "s")
    if history.state == "successful":
        payload["usage"] = _usage(rng)
    return payload


def _in_order(payload: JsonObject) -> bool:
    """The one rule of the model its schema cannot state: ``finished_at`` is not before ``created_at``."""
    finished, created = payload.get("finished_at"), payload.get("created_at")
    if not isinstance(finished, str) or not isinstance(created, str):
        return finished is None
    return parse_rfc3339(finished) >= parse_rfc3339(created)


_FACTORY = VendorFactory(job=_factory_job, payload=_factory_payload, status_path=lambda payload: ("status",))


VENDOR = Vendor(
    name="tensorlake",
    title="Tensorlake document ingestion",
    model=TensorlakeJobEvent,
    lifecycle=Lifecycle(
        states=("pending", "successful", "failure"),
        initial={"pending"},
        transitions={"pending": {"successful", "failure"}},
        terminal={"successful", "failure"},
        unified={"pending": "queued", "successful": "succeeded", "failure": "failed"},
        note="Documented: created (pending), then completed (successful) or failed (failure).",
    ),
    delivery=DeliveryStyle(
        method="POST", encoding="json", signing="svix", retries="svix", note="Delivered and signed by Svix."
    ),
    job_id=lambda m: m.job_id,
    status=lambda m: m.status,
    time=lambda m: m.time,
    examples={
        # The doc's "Job Created" example has a trailing comma; this is it corrected.
        "pending.doc": {"job_id": "parse_XXX", "status": "pending", "created_at": "2023-10-01T12:00:00Z"},
        "failure.doc": {
            "job_id": "parse_XXX",
            "status": "failure",
            "error": "Error message describing the failure",
            "created_at": "2023-10-01T12:00:00Z",
            "finished_at": "2023-10-01T12:05:00Z",
        },
        "successful.doc": {
            "job_id": "parse_XXX",
            "status": "successful",
            "created_at": "2023-10-01T12:00:00Z",
            "finished_at": "2023-10-01T12:05:00Z",
            "usage": {
                "pages_parsed": 10,
                "extraction_input_tokens_used": 0,
                "extraction_output_tokens_used": 0,
                "ocr_input_tokens_used": 0,
                "ocr_output_tokens_used": 0,
                "signature_detected_pages": 0,
                "strikethrough_detected_pages": 0,
                "summarization_input_tokens_used": 0,
                "summarization_output_tokens_used": 0,
            },
        },
    },
    docs="Tensorlake: Webhooks (document ingestion)",
    factory=_FACTORY,
    beyond_schema=_in_order,
)
