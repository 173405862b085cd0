"""Contract mode and the recordings judge give the same verdict to the same deliveries (issue 12: one rule)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from pytest_jobhooks.contract import CapturedStream, check_test
from pytest_jobhooks.deliveries import Delivery
from pytest_jobhooks.factories import build, invalid
from pytest_jobhooks.recordings import Recorder, RecordingChecker
from pytest_jobhooks.server import CaptureServer

TAMR_EVENT = {"specversion": "1.0", "id": "e1", "source": "/tamr", "type": "job"}


def corpus() -> list[tuple[str, Any]]:
    """(how it is sent, payload): valid, drifting and invalid payloads of every kind the rule tells apart."""
    telmai = build("telmai", seed=2)
    tamr = build("tamr", seed=2, legacy=True)
    return [
        ("json", telmai),
        ("json", {**telmai, "region": "eu"}),  # undeclared field: drift
        ("json", {**telmai, "status": "CANCELLED"}),  # a closed list's unknown status: invalid
        ("json", {**telmai, "jobId": ""}),  # invalid
        ("json", invalid("telmai", "missing:tenant", seed=2)),
        ("json", {**tamr, "type": "NEW_JOB_TYPE"}),  # an undocumented enum value, not the status: drift
        ("cloudevent", {**TAMR_EVENT, "data": {**tamr, "type": "NEW_JOB_TYPE"}}),  # the same inside an envelope
        ("cloudevent", {**TAMR_EVENT, "data": {**tamr, "status": {**tamr["status"], "state": "WAITING"}}}),  # invalid
        ("json", build("tensorlake", seed=2)),
        ("json", {**build("tensorlake", seed=2), "status": "paused"}),  # invalid
        ("query", {"job_id": "b3131f1d", "job_status": "delivered"}),
        ("query", {"job_id": "b3131f1d", "job_status": "picked_up"}),  # an open list's unknown status: drift
        ("query", {"job_id": "", "job_status": "delivered"}),  # invalid
        ("json", {"hello": "x"}),  # no vendor's: contract mode does not judge it, a recording calls it invalid
        ("json", {"job_id": "b3131f1d", "job_status": "picked_up", "eta": 3}),  # drift twice
        ("envelope as json", {**TAMR_EVENT, "data": tamr}),  # no application/cloudevents+json: invalid
    ]


def contract_verdict(delivery: Delivery) -> str:
    check = check_test([CapturedStream("s", None, [delivery])], [], [], mode="full")
    if check.unrecognised:
        return "unrecognised"
    (counts,) = check.vendors.values()
    assert counts.illegal == 0
    return "invalid" if counts.invalid else "drift" if counts.drift else "valid"


@pytest.fixture
def arrived() -> list[Delivery]:
    with CaptureServer(secret=None) as server:
        for how, payload in corpus():
            if how in ("json", "envelope as json"):
                httpx.post(server.url, json=payload)
            elif how == "cloudevent":
                httpx.post(server.url, json=payload, headers={"Content-Type": "application/cloudevents+json"})
            else:
                httpx.get(server.url, params=payload)
        return server.deliveries


def test_contract_mode_and_the_recording_of_the_same_deliveries_agree(arrived: list[Delivery], tmp_path: Path) -> None:
    recording = tmp_path / "r.jobhooks.jsonl"
    recorder = Recorder(recording)
    assert recorder.record_captured(arrived) == len(arrived)
    recorder.close()
    checker = RecordingChecker()
    lines = recording.read_text().splitlines()
    verdicts = [checker.verdict(json.loads(line)) for line in lines]
    # A payload no vendor sends is a test's own business in contract mode (counted, not judged); in a
    # recording of real traffic it is an invalid line. Every other verdict is the same.
    recorded = ["unrecognised" if v.vendor is None else v.outcome for v in verdicts]
    checked = [contract_verdict(delivery) for delivery in arrived]
    assert checked == recorded
    assert verdicts[-3].outcome == "invalid"
    expected = ["valid", "drift", "invalid", "invalid", "invalid", "drift", "drift", "invalid", "valid", "invalid"]
    expected += ["valid", "drift", "invalid", "unrecognised", "drift", "invalid"]
    assert checked == expected
    # Bare payloads (a recording of payloads alone) get the same verdicts as the deliveries.
    bare = [
        "unrecognised" if verdict.vendor is None else verdict.outcome
        for verdict in (checker.verdict(payload) for how, payload in corpus() if how == "json")
    ]
    assert bare == [verdict for (how, _), verdict in zip(corpus(), checked, strict=True) if how == "json"]
