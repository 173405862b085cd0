"""The one rule of judgement as users meet it in ``pytest --jobhooks``: at least once, and drift that warns (issue 12)."""

from __future__ import annotations

import pytest

import pytest_jobhooks.contract  # noqa: F401 - one copy of the lazily imported modules for in-process runs
from pytest_jobhooks.recordings import check_recording

STEP_BY_STEP = """
import httpx
from pytest_jobhooks.factories import lifecycle


def steps():
    return lifecycle("telmai", seed=5, batch_wait_rounds=1)  # PREPARING, IN_PROGRESS, BATCH_WAIT, IN_PROGRESS, FINISHED


def test_late_retry_of_an_earlier_payload(jobhooks_server):
    payloads = steps()
    for payload in payloads:
        httpx.post(jobhooks_server.url, json=payload)
    httpx.post(jobhooks_server.url, json=payloads[1])  # IN_PROGRESS again, after FINISHED: a late retry


def test_sent_step_by_step_then_resent(jobhooks_server, jobhooks_sender):
    payloads = steps()
    for payload in payloads:
        jobhooks_sender.deliver(payload, jobhooks_server)
    jobhooks_sender.deliver(payloads[0], jobhooks_server)


def test_same_message_id_is_the_same_message(jobhooks_server):
    payloads = steps()
    for number, payload in enumerate(payloads):
        httpx.post(jobhooks_server.url, json=payload, headers={"webhook-id": f"msg_{number}"})
    # Re-rendered by the vendor (another body), but the same message: a redelivery.
    httpx.post(jobhooks_server.url, json={**payloads[2], "details": "retried"}, headers={"webhook-id": "msg_2"})
"""


def test_an_earlier_payload_resent_after_the_terminal_one_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_steps=STEP_BY_STEP)
    result = pytester.runpytest("--jobhooks", "-p", "no:randomly")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(
        [
            "*= jobhooks contract =*",
            "vendor  captured  sent  jobs  invalid  illegal moves  drift  redelivered",
            "telmai        18     6     3        0              0      0            3",
            "3 tests checked, 0 failed the contract",
        ]
    )
    result.stdout.no_fnmatch_line("*arrived after the terminal state*")


def test_a_state_never_seen_before_that_is_illegal_fails(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_new=STEP_BY_STEP
        + """

def test_failed_after_finished(jobhooks_server):
    payloads = steps()
    for payload in [*payloads, payloads[1]]:
        httpx.post(jobhooks_server.url, json=payload)
    httpx.post(jobhooks_server.url, json={**payloads[-1], "status": "FAILED"})


def test_finished_straight_after_preparing(jobhooks_server):
    payloads = steps()
    httpx.post(jobhooks_server.url, json=payloads[0])
    httpx.post(jobhooks_server.url, json=payloads[-1])
"""
    )
    result = pytester.runpytest("--jobhooks", "-p", "no:randomly")
    result.assert_outcomes(passed=3, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*_ test_failed_after_finished _*",
            "jobhooks contract: 1 problem in what this test captured or sent",
            "*",
            "*",
            "  #7 telmai job *: FAILED arrived after the terminal state FINISHED (#5)",
            "timeline:",
            "*",
            "*(redelivery)",  # not the late IN_PROGRESS: only the new state fails
            "*_ test_finished_straight_after_preparing _*",
            "*",
            "*",
            "*",
            "  #2 telmai job *: illegal move PREPARING -> FINISHED",
        ]
    )


GOFETCH = """
import httpx


def test_undocumented_status(jobhooks_server):
    for status in ("fetcher_approaching_dropoff", "picked_up", "delivered"):
        httpx.get(jobhooks_server.url, params={"job_id": "b3131f1d", "job_status": status})
"""


def test_gofetch_picked_up_is_drift_in_contract_mode_and_recordings_alike(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_gofetch=GOFETCH)
    result = pytester.runpytest("--jobhooks", "--jobhooks-record=rec", "-p", "no:randomly")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "vendor   captured  sent  jobs  invalid  illegal moves  drift  redelivered",
            "gofetch         3     0     1        0              0      1            0",
            "1 test checked, 0 failed the contract",
            "drift: fields and values the vendor docs do not mention (not failing without --jobhooks-strict):",
            "  gofetch: undocumented value $.job_status = 'picked_up': 1 payload, "
            "first at test_gofetch.py::test_undocumented_status:2",
        ]
    )
    # The recording of the same deliveries: the same verdict, drift, failing only when strict.
    (recording,) = (pytester.path / "rec").iterdir()
    report = check_recording(recording)
    assert (report.valid, report.drifted, report.invalid, report.ok) == (2, 1, 0, True)
    assert [(entry.vendor, entry.path, entry.value) for entry in report.drift] == [
        ("gofetch", "$.job_status", "picked_up")
    ]
    assert not check_recording(recording, strict=True).ok

    strict = pytester.runpytest("--jobhooks", "--jobhooks-strict", "-p", "no:randomly", "test_gofetch.py")
    strict.assert_outcomes(failed=1)
    strict.stdout.fnmatch_lines(
        [
            "jobhooks contract: 1 problem in what this test captured or sent",
            "*",
            "*",
            "jobhooks_server *: 3 deliveries received:",
            "  #2 gofetch job b3131f1d: $.job_status: undocumented value 'picked_up' (drift)",
            "timeline:",
            "*",
            "*",
            "*  gofetch  b3131f1d  picked_up -> ? * $.job_status: undocumented value 'picked_up' (drift)",
            "*  gofetch  b3131f1d  delivered -> succeeded",
            "drift: fields and values the vendor docs do not mention (failing: --jobhooks-strict):",
        ]
    )
