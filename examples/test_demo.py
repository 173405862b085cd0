"""A first look at pytest-jobhooks: is this payload what the vendor documents?

Run with:  pytest examples/
"""

from __future__ import annotations

import pytest

import pytest_jobhooks as jh


def test_a_documented_telmai_payload_is_valid() -> None:
    payload = {
        "tenant": "your-tenant-id",
        "source": "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
        "jobId": "job-20260417-001",
        "status": "FINISHED",
        "details": "Job completed successfully",
    }
    assert jh.detect_vendor(payload) == "telmai"
    state = jh.job_state("telmai", payload)
    assert (state.job_id, state.status, state.unified) == ("job-20260417-001", "FINISHED", "succeeded")


def test_a_wrong_status_is_reported_with_its_json_path() -> None:
    with pytest.raises(jh.PayloadValidationError) as info:
        jh.validate_payload("tamr", {"jobId": "42", "type": "LOAD_SOURCE", "status": {"state": "FINISHED"}})
    messages = [str(problem) for problem in info.value.errors]
    assert "$.status.state: 'FINISHED' is not one of ['PENDING', 'RUNNING', 'STOPPING', 'DONE']" in messages
    assert "$: 'statusHistory' is a required property" in messages


def test_gofetch_query_string_deliveries_are_understood() -> None:
    state = jh.job_state("gofetch", "job_id=b3131f1d&job_status=delivered")
    assert state.unified == "succeeded"
