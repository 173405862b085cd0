"""jobwatch's own webhook (``JobUpdate``) described to pytest-jobhooks as an in-house vendor.

With it registered (``conftest.py`` does that), every part of pytest-jobhooks
knows jobwatch's notifications as it knows Telmai's: the capture server
classifies and signature-checks them, ``assert_job_sequence`` and
``assert_valid_lifecycle`` follow their lifecycle, ``jobhooks_factory`` builds
them, ``--jobhooks`` checks them and their recordings.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import datetime, timezone

from jobwatch.events import JobUpdate

from pytest_jobhooks import DeliveryStyle, Lifecycle, Vendor
from pytest_jobhooks.vendors.factory import JobHistory, VendorFactory

STATES = ("QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED")
FINAL = {"succeeded": "SUCCEEDED", "failed": "FAILED", "cancelled": "CANCELLED"}
UPSTREAMS = ("telmai", "tamr", "tensorlake", "tensorlake-workflow", "gofetch")


def _job(rng: random.Random, job_id: str | None, start: datetime) -> dict[str, object]:
    return {"job": job_id if job_id is not None else f"{rng.choice(UPSTREAMS)}/job-{rng.randrange(10**6):06d}"}


def _update(rng: random.Random, history: JobHistory) -> dict[str, object]:
    return {
        "event_id": f"evt_{rng.getrandbits(96):024x}",
        **history.job,
        "state": history.state,
        "previous_state": history.previous,
        "changed_at": history.time.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }


def _plan(rng: random.Random, outcome: str, options: Mapping[str, object]) -> list[str]:
    return ["QUEUED", "RUNNING", FINAL[outcome]]


JOBWATCH = Vendor(
    name="jobwatch",
    title="jobwatch",
    model=JobUpdate,
    lifecycle=Lifecycle(
        states=STATES,
        # jobwatch reports what it learns: a job's first notification may be any state.
        initial=STATES,
        transitions={
            "QUEUED": {"RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"},
            "RUNNING": {"SUCCEEDED", "FAILED", "CANCELLED"},
        },
        terminal={"SUCCEEDED", "FAILED", "CANCELLED"},
        unified={
            "QUEUED": "queued",
            "RUNNING": "running",
            "SUCCEEDED": "succeeded",
            "FAILED": "failed",
            "CANCELLED": "cancelled",
        },
        note="States only move forward; a job may skip any of them.",
    ),
    delivery=DeliveryStyle(method="POST", encoding="json", signing="svix", note="Signed with the subscriber's secret."),
    job_id=lambda update: update.job,
    status=lambda update: update.state,
    time=lambda update: update.changed,
    examples={
        "SUCCEEDED": {
            "event_id": "evt_5f0c2a9e1b7d4c3a8e6f0b12",
            "job": "telmai/job-20260417-001",
            "state": "SUCCEEDED",
            "previous_state": "RUNNING",
            "changed_at": "2026-04-17T09:30:00.000Z",
        }
    },
    docs="jobwatch: JobUpdate (examples/jobwatch/events.py)",
    factory=VendorFactory(job=_job, payload=_update, status_path=lambda update: ("state",), plan=_plan),
)
"""The in-house vendor: register it with ``pytest_jobhooks.register_vendor(JOBWATCH)``."""
