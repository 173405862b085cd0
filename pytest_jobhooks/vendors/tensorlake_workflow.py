"""Tensorlake serverless workflows: one event when every function of an invocation has finished.

Source: Tensorlake's "Workflow Webhook Payload" page. The payload has no job
status of its own; the native status here (``success`` when every function
succeeded, else ``failure``) is derived, and inferred.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from ._fields import NonEmptyStr, VendorModel
from ._vendor import DeliveryStyle, Lifecycle, Vendor

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
    delivery=DeliveryStyle(method="POST", encoding="json", signing="svix", note="Delivered and signed by Svix."),
    job_id=lambda m: m.invocation_id,
    status=lambda m: "success" if m.succeeded else "failure",
    examples={
        "failure.doc": {
            "workflow_name": "workflow_XXXX",
            "invocation_id": "invocation_XXXX",
            "fn_status": {"fn_A": "success", "fn_B": "failure"},
        }
    },
    docs="Tensorlake: Workflow Webhook Payload",
)
