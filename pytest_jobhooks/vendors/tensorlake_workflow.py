"""Tensorlake serverless workflows: one event when every function of an invocation has finished.

Source: Tensorlake's "Workflow Webhook Payload" page. The payload has no job
status of its own; the native status here (``success`` when every function
succeeded, else ``failure``) is derived, and inferred.
"""

from __future__ import annotations

import random
from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from ._fields import NonEmptyStr, VendorModel
from .base import DeliveryStyle, JsonObject, JsonValue, Lifecycle, Vendor, schema_states_all
from .factory import JobHistory, VendorFactory, random_token

__all__ = ["VENDOR", "TensorlakeWorkflowEvent"]

FunctionStatus = Literal["success", "failure"]


class TensorlakeWorkflowEvent(VendorModel):
    """Sent when all functions of a workflow invocation have finished running."""

    model_config = ConfigDict(
        title="Tensorlake workflow invocation finished",
        json_schema_extra={
            "description": (
                "Sent once, when all functions of a Serverless Workflow finish running for a given input "
                "(doc: Workflow Webhook Payload). Delivered by Svix like the other Tensorlake webhooks."
            )
        },
    )

    workflow_name: NonEmptyStr = Field(description="Doc: the workflow's name, e.g. 'workflow_XXXX'.")
    invocation_id: NonEmptyStr = Field(description="Doc: the invocation's id, e.g. 'invocation_XXXX'.")
    fn_status: Annotated[dict[str, FunctionStatus], Field(min_length=1)] = Field(
        description=(
            "Doc: function name -> 'success' (finished running successfully) or 'failure' "
            "(failed to finish running). At least one function (inferred)."
        )
    )

    @property
    def succeeded(self) -> bool:
        """Whether every function of the invocation succeeded."""
        return all(status == "success" for status in self.fn_status.values())


# Factory: realistic payloads (used by pytest_jobhooks.factories).

_APPLICATIONS = {
    "invoice_extractor": ("fetch_document", "parse_pages", "extract_line_items", "validate_totals", "store_invoice"),
    "contract_summarizer": ("fetch_document", "parse_document", "summarize_clauses", "store_summary"),
    "kyc_document_check": ("fetch_id_document", "ocr_document", "detect_signature", "match_identity"),
    "receipt_parser": ("fetch_receipt", "parse_receipt", "store_expense"),
    "email_classifier": ("fetch_email", "classify_email", "route_email"),
}


def _factory_job(rng: random.Random, job_id: str | None, start: datetime) -> JsonObject:
    name = rng.choice(sorted(_APPLICATIONS))
    steps = _APPLICATIONS[name]
    functions: list[JsonValue] = list(steps[: rng.randint(1, len(steps))])
    invocation = job_id if job_id is not None else f"invocation_{random_token(rng, 16)}"
    return {"workflow_name": name, "invocation_id": invocation, "functions": functions}


def _factory_payload(rng: random.Random, history: JobHistory) -> JsonObject:
    job = history.job
    functions = job["functions"]
    assert isinstance(functions, list)
    # A failed function leaves the ones after it unfinished: they fail too.
    first_failure = len(functions) if history.state == "success" else rng.randrange(len(functions))
    fn_status: JsonObject = {
        str(name): "success" if index < first_failure else "failure" for index, name in enumerate(functions)
    }
    return {"workflow_name": job["workflow_name"], "invocation_id": job["invocation_id"], "fn_status": fn_status}


def _status_path(payload: JsonObject) -> tuple[str, ...]:
    fn_status = payload.get("fn_status")
    return ("fn_status", next(iter(fn_status))) if isinstance(fn_status, dict) and fn_status else ("fn_status",)


_FACTORY = VendorFactory(job=_factory_job, payload=_factory_payload, status_path=_status_path)


VENDOR = Vendor(
    name="tensorlake-workflow",
    title="Tensorlake workflow",
    model=TensorlakeWorkflowEvent,
    lifecycle=Lifecycle(
        states=("success", "failure"),
        initial={"success", "failure"},
        transitions={},
        terminal={"success", "failure"},
        unified={"success": "succeeded", "failure": "failed"},
        note="One terminal event per invocation; its status is derived from fn_status (inferred).",
    ),
    delivery=DeliveryStyle(
        method="POST", encoding="json", signing="svix", retries="svix", note="Delivered and signed by Svix."
    ),
    job_id=lambda m: m.invocation_id,
    job_id_fields=("invocation_id",),
    status=lambda m: "success" if m.succeeded else "failure",
    examples={
        "failure.doc": {
            "workflow_name": "workflow_XXXX",
            "invocation_id": "invocation_XXXX",
            "fn_status": {"fn_A": "success", "fn_B": "failure"},
        }
    },
    docs="Tensorlake: Workflow Webhook Payload",
    factory=_FACTORY,
    beyond_schema=schema_states_all,
)
