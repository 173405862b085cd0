"""Payloads the capture server tests send: one of each kind, and every built-in vendor's documented examples."""

from __future__ import annotations

import pytest

from pytest_jobhooks.vendors import VENDORS

TELMAI = {"tenant": "acme", "source": "src-1", "jobId": "job-7", "status": "IN_PROGRESS", "details": "running"}
TENSORLAKE = {"job_id": "parse_1", "status": "pending", "created_at": "2023-10-01T12:00:00Z"}
EXAMPLES = [
    pytest.param(name, example, id=f"{name}:{label}")
    for name, vendor in VENDORS.items()
    if vendor.model.__module__.startswith("pytest_jobhooks.vendors.")
    for label, example in vendor.examples.items()
]
