"""Telmai's two sources: the doc (jobId, retries on failure) and its official client (job_id, no retry)."""

from __future__ import annotations

import pytest

import pytest_jobhooks as jh
from pytest_jobhooks.errors import FactoryError
from pytest_jobhooks.factories import build, lifecycle
from pytest_jobhooks.sender.retry import NO_RETRIES, schedule_for
from pytest_jobhooks.vendors import VENDORS
from pytest_jobhooks.vendors.schema import companion

# The payload as Telmai's client (telmai 0.3.6, scans.set_callback) describes it.
CLIENT = {"tenant": "acme-prod", "source": "a1b2", "job_id": "job-20260417-001", "status": "FINISHED", "details": "ok"}


def test_a_payload_with_the_clients_job_id_validates_and_reads_its_job() -> None:
    assert jh.job_state("telmai", CLIENT).job_id == "job-20260417-001"
    reading = jh.catalog.read(CLIENT)
    assert (reading.vendor, reading.job_id, reading.valid) == ("telmai", "job-20260417-001", True)


def test_one_of_the_two_spellings_is_required_and_neither_may_be_null() -> None:
    bare = {k: v for k, v in CLIENT.items() if k != "job_id"}
    assert [str(p) for p in jh.catalog.read(bare, vendor="telmai").problems] == [
        "$: one of jobId (the doc) or job_id (Telmai's client) is required"
    ]
    assert not jh.catalog.read({**CLIENT, "job_id": None}, vendor="telmai").valid
    assert not jh.catalog.read({**CLIENT, "job_id": ""}, vendor="telmai").valid
    invalid = jh.catalog.read({**bare, "job_id": 7}, vendor="telmai")
    assert invalid.job_id is None
    assert not invalid.valid
    assert jh.catalog.read({**bare, "jobId": "j-1", "status": "NOPE"}, vendor="telmai").job_id == "j-1"  # loosely
    assert jh.catalog.read({**bare, "job_id": "j-2", "status": "NOPE"}, vendor="telmai").job_id == "j-2"


def test_the_factory_writes_either_spelling() -> None:
    doc = build("telmai", seed=3)
    client = build("telmai", seed=3, id_field="job_id")
    assert "job_id" not in doc
    assert client["job_id"] == doc["jobId"]
    assert {k: v for k, v in client.items() if k != "job_id"} == {k: v for k, v in doc.items() if k != "jobId"}
    assert all("job_id" in p for p in lifecycle("telmai", seed=3, id_field="job_id"))
    with pytest.raises(FactoryError, match="id_field must be one of 'jobId', 'job_id', not 'id'"):
        build("telmai", id_field="id")


def test_the_schema_and_the_style_say_which_source_says_what() -> None:
    description = str(jh.load_schema("telmai")["description"])
    assert all(quoted in description for quoted in ("jobId", "job_id", "telmai 0.3.6", "no retry"))
    style = VENDORS["telmai"].delivery
    assert style.retries == "undocumented"  # the doc: "Telmai retries delivery on failure"
    assert all(said in style.note for said in ("inferred", "retry=False", "no retry"))
    assert companion(VENDORS["telmai"])["delivery"]["note"] == style.note  # type: ignore[index]
    assert schedule_for(False, VENDORS["telmai"]) is NO_RETRIES  # the client's "no retry"
