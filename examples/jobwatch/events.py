"""jobwatch's own webhook: the ``JobUpdate`` it POSTs to its subscriber when a job's state changes.

The format is the team's contract with its subscribers, so it is a pydantic
model: the notifier builds every notification through it, and the tests hand
the same model to pytest-jobhooks as an in-house vendor (see ``jobwatch_vendor.py``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

JobwatchState = Literal["QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"]
"""A job's state in jobwatch's words: the unified status, upper-cased."""

RFC3339_UTC_MS = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$"
"""RFC 3339 in UTC with milliseconds, as jobwatch writes every time: ``2026-04-17T09:30:00.000Z``."""


class JobUpdate(BaseModel):
    """A job tracked by jobwatch changed state."""

    model_config = ConfigDict(strict=True, extra="allow", title="jobwatch job update")

    event_id: str = Field(pattern=r"^evt_[0-9a-f]{24}$", description="Unique per notification; retries repeat it.")
    job: str = Field(pattern=r"^[a-z][a-z-]*/.+$", description="'<vendor>/<the vendor's job id>'.")
    state: JobwatchState = Field(description="The job's new state.")
    previous_state: JobwatchState | None = Field(description="The state before, or null for a job seen first.")
    changed_at: str = Field(pattern=RFC3339_UTC_MS, description="When jobwatch learned of the change (UTC).")

    @field_validator("changed_at")
    @classmethod
    def _is_a_real_time(cls, value: str) -> str:
        datetime.fromisoformat(value.replace("Z", "+00:00"))  # 2026-02-30 fits the pattern, not the calendar
        return value

    @property
    def changed(self) -> datetime:
        """``changed_at`` as an aware datetime."""
        return datetime.fromisoformat(self.changed_at.replace("Z", "+00:00"))
