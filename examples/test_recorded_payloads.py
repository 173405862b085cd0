"""What vendors really sent, kept in ``recordings/`` and checked on every run.

Under ``pytest --jobhooks`` each ``*.jobhooks.jsonl`` file is also collected as
a test item of its own, and the run ends with a summary of totals and drift.
This test checks the same files from Python (no ``--jobhooks`` needed) and pins
the one drift they hold, so a new field from a vendor shows up in review.
"""

from __future__ import annotations

from pathlib import Path

from pytest_jobhooks import check_recording

RECORDINGS = Path(__file__).parent / "recordings"


def test_every_recorded_payload_is_what_its_vendor_documents() -> None:
    files = sorted(RECORDINGS.glob("*.jobhooks.jsonl"))
    assert [path.name for path in files] == [
        "gofetch-prod.jobhooks.jsonl",
        "jobwatch-staging.jobhooks.jsonl",  # our own notifications: jobwatch is registered while this runs
        "telmai-prod.jobhooks.jsonl",
    ]
    reports = {path.name: check_recording(path) for path in files}

    assert {name: report.invalid for name, report in reports.items()} == dict.fromkeys(reports, 0)
    drift = [(entry.vendor, entry.path, entry.count) for report in reports.values() for entry in report.drift]
    assert drift == [("telmai", "$.retryCount", 1)]  # Telmai added a field its docs do not mention yet
    assert not check_recording(RECORDINGS / "telmai-prod.jobhooks.jsonl", strict=True).ok  # drift fails under strict
