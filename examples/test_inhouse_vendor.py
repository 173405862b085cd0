"""jobwatch's own webhook as an in-house vendor: registered once, known to the catalog, factories and assertions.

``conftest.py`` registers ``JOBWATCH`` (``jobwatch_vendor.py``) with
``register_vendor``: a pydantic model, a lifecycle, a delivery style and a
``VendorFactory``. These tests check the contract itself, so that the
notifier's tests (``test_emitter.py``) can lean on it.
"""

from __future__ import annotations

import pytest
from jobwatch.events import JobUpdate
from pydantic import ValidationError

from pytest_jobhooks import (
    INVALID_DEFECTS,
    VENDORS,
    PayloadValidationError,
    SeededFactory,
    assert_job_sequence,
    assert_valid_lifecycle,
    detect_vendor,
    job_state,
    validate_payload,
)


def test_jobwatch_is_a_vendor_like_the_others(jobhooks_factory: SeededFactory) -> None:
    update = jobhooks_factory.build("jobwatch", status="RUNNING")

    assert detect_vendor(update) == "jobwatch"
    state = job_state("jobwatch", update)
    assert (state.job_id, state.status, state.unified) == (update["job"], "RUNNING", "running")
    assert VENDORS["jobwatch"].delivery.signing == "svix"  # so the capture server insists on a signature


@pytest.mark.parametrize("outcome", ["succeeded", "failed", "cancelled"])
def test_factory_jobs_follow_the_lifecycle(outcome: str, jobhooks_factory: SeededFactory) -> None:
    updates = jobhooks_factory.lifecycle("jobwatch", outcome=outcome)

    assert_job_sequence(updates, ["queued", "running", outcome], unified=True)
    assert_valid_lifecycle(updates)
    assert [update["previous_state"] for update in updates] == [None, "QUEUED", "RUNNING"]
    JobUpdate.model_validate(updates[-1])  # the notifier's own model accepts what the factory writes


def test_a_notifier_that_goes_backwards_is_caught(jobhooks_factory: SeededFactory) -> None:
    queued, running, succeeded = jobhooks_factory.lifecycle("jobwatch")

    with pytest.raises(AssertionError, match="RUNNING arrived after the terminal state SUCCEEDED"):
        assert_valid_lifecycle([queued, succeeded, running])


def test_every_defect_is_refused_by_the_catalog_and_the_model(jobhooks_factory: SeededFactory) -> None:
    assert "missing:changed_at" in INVALID_DEFECTS["jobwatch"]
    for defect in INVALID_DEFECTS["jobwatch"]:
        update = jobhooks_factory.invalid("jobwatch", defect)
        with pytest.raises(PayloadValidationError):
            validate_payload("jobwatch", update)
        with pytest.raises(ValidationError):
            JobUpdate.model_validate(update)


def test_problems_name_the_field(jobhooks_factory: SeededFactory) -> None:
    update = jobhooks_factory.build("jobwatch")

    with pytest.raises(PayloadValidationError) as info:
        validate_payload("jobwatch", {**update, "state": "DONE", "changed_at": "yesterday"})
    assert [problem.path for problem in info.value.errors] == ["$.changed_at", "$.state"]

    with pytest.raises(PayloadValidationError) as info:
        validate_payload("jobwatch", {**update, "changed_at": "2026-02-30T09:30:00.000Z"})  # fits the pattern only
    assert [str(problem) for problem in info.value.errors] == ["$.changed_at: day is out of range for month"]
