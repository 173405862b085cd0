"""Job-state assertions over payloads: passing and failing output, as users see it."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from pytest_jobhooks.assertions import assert_job_sequence, assert_valid_lifecycle, lifecycle_violations, timeline
from pytest_jobhooks.errors import ArgumentError

TELMAI = {"tenant": "acme", "source": "src-1", "jobId": "j1", "details": ""}


def telmai(*statuses: str, job: str = "j1") -> list[dict[str, Any]]:
    return [{**TELMAI, "jobId": job, "status": s} for s in statuses]


def tamr_event(
    state: str, at: str, history: list[tuple[str, str]], error: dict[str, str] | None = None
) -> dict[str, Any]:
    status: dict[str, Any] = {"state": state, "stateStartTime": at}
    if error:
        status["error"] = error
    return {
        "jobId": "42",
        "type": "LOAD_SOURCE",
        "sourceId": "src",
        "sourceDisplayName": "Source",
        "status": status,
        "statusHistory": [{"state": s, "stateStartTime": t} for s, t in history],
    }


T0, T1, T2 = "2025-12-02T14:40:00.000Z", "2025-12-02T14:41:00.000Z", "2025-12-02T14:42:00.000Z"
TAMR = [
    tamr_event("PENDING", T0, []),
    tamr_event("RUNNING", T1, [("PENDING", T0)]),
    tamr_event("DONE", T2, [("PENDING", T0), ("RUNNING", T1)]),
]


def failure(excinfo: pytest.ExceptionInfo[AssertionError]) -> str:
    return str(excinfo.value)


# --- assert_job_sequence --------------------------------------------------------------------------


def test_native_and_unified_sequences_pass() -> None:
    assert_job_sequence(telmai("PREPARING", "IN_PROGRESS", "FINISHED"), ["PREPARING", "IN_PROGRESS", "FINISHED"])
    assert_job_sequence(TAMR, ["queued", "running", "succeeded"], unified=True)


def test_sequence_mismatch_shows_expected_actual_first_difference_and_timeline() -> None:
    with pytest.raises(AssertionError) as info:
        assert_job_sequence(telmai("PREPARING", "FAILED"), ["PREPARING", "IN_PROGRESS", "FINISHED"])
    assert failure(info).splitlines() == [
        "job 'j1': statuses differ",
        "  expected: ['PREPARING', 'IN_PROGRESS', 'FINISHED']",
        "  actual:   ['PREPARING', 'FAILED']",
        "  first difference at position 1: expected 'IN_PROGRESS', got 'FAILED'",
        "timeline:",
        "  #  arrival  vendor  job  status               problems",
        "  1  -        telmai  j1   PREPARING -> queued",
        "  2  -        telmai  j1   FAILED -> failed",
    ]


def test_sequence_that_stops_early_says_so() -> None:
    with pytest.raises(AssertionError, match="actual stops after 1; expected goes on"):
        assert_job_sequence(telmai("PREPARING"), ["PREPARING", "FINISHED"])


def test_several_jobs_need_a_job_id() -> None:
    items = telmai("PREPARING", job="a") + telmai("PREPARING", "FINISHED", job="b")
    with pytest.raises(AssertionError, match=r"the deliveries concern 2 jobs \(a, b\); pass job_id="):
        assert_job_sequence(items, ["PREPARING"])
    assert_job_sequence(items, ["PREPARING", "FINISHED"], job_id="b")
    assert_job_sequence(items, ["queued"], job_id="a", unified=True)


def test_vendor_filter_and_unknown_vendor() -> None:
    assert_job_sequence([*telmai("FINISHED"), *TAMR], ["PENDING", "RUNNING", "DONE"], vendor="tamr")
    with pytest.raises(KeyError, match="unknown vendor 'nope'"):
        assert_job_sequence(TAMR, [], vendor="nope")


def test_json_text_and_bytes_items() -> None:
    import json

    assert_job_sequence(
        [json.dumps(p) for p in TAMR[:2]] + [json.dumps(TAMR[2]).encode()], ["PENDING", "RUNNING", "DONE"]
    )


def test_unreadable_items_are_not_statuses_but_show_in_the_timeline() -> None:
    with pytest.raises(AssertionError) as info:
        assert_job_sequence([*telmai("PREPARING"), {"what": "ever"}], ["PREPARING", "FINISHED"])
    assert "matches no known vendor's payload (fields: what)" in failure(info)


def test_items_must_be_a_list_of_deliveries() -> None:
    with pytest.raises(ArgumentError, match="got dict"):
        assert_job_sequence(TAMR[0], ["PENDING"])


# --- assert_valid_lifecycle -----------------------------------------------------------------------


def test_valid_lifecycles_pass() -> None:
    assert_valid_lifecycle(telmai("PREPARING", "BATCH_WAIT", "IN_PROGRESS", "BATCH_WAIT", "IN_PROGRESS", "FINISHED"))
    assert_valid_lifecycle(TAMR)
    interleaved = (
        telmai("PREPARING", job="a")
        + telmai("PREPARING", "FAILED", job="b")
        + telmai("IN_PROGRESS", "FINISHED", job="a")
    )
    assert_valid_lifecycle(interleaved)


def test_illegal_move_is_named_with_its_position() -> None:
    with pytest.raises(AssertionError) as info:
        assert_valid_lifecycle(telmai("PREPARING", "FINISHED"))
    assert failure(info).splitlines()[:2] == [
        "1 lifecycle violation(s):",
        "  #2 telmai job j1: illegal move PREPARING -> FINISHED",
    ]


def test_nothing_after_the_terminal_state() -> None:
    late = telmai("IN_PROGRESS", "FINISHED")
    late.append({**late[0], "details": "progress: 50%"})  # not a repeat of #1: a new payload
    with pytest.raises(
        AssertionError, match=r"#3 telmai job j1: IN_PROGRESS arrived after the terminal state FINISHED \(#2\)"
    ):
        assert_valid_lifecycle(late)
    with pytest.raises(AssertionError, match=r"#3 telmai job j1: duplicate of #1 \(IN_PROGRESS\)"):
        assert_valid_lifecycle(telmai("IN_PROGRESS", "FINISHED", "IN_PROGRESS"))
    for allow_duplicates in (False, True):
        with pytest.raises(AssertionError, match="FAILED arrived after the terminal state FINISHED"):
            assert_valid_lifecycle(telmai("IN_PROGRESS", "FINISHED", "FAILED"), allow_duplicates=allow_duplicates)


def test_exact_duplicates_only_when_allowed() -> None:
    items = telmai("PREPARING", "IN_PROGRESS", "IN_PROGRESS", "FINISHED", "FINISHED")
    with pytest.raises(AssertionError, match=r"#3 telmai job j1: duplicate of #2 \(IN_PROGRESS\)"):
        assert_valid_lifecycle(items)
    assert_valid_lifecycle(items, allow_duplicates=True)
    changed = copy.deepcopy(items)
    changed[4]["details"] = "finished again, differently"
    # At least once, a state the job was already in passes wherever it arrives; strictly, it is a problem.
    assert_valid_lifecycle(changed, allow_duplicates=True)
    with pytest.raises(AssertionError, match="FINISHED arrived after the terminal state FINISHED"):
        assert_valid_lifecycle(changed)


def test_incomplete_job_fails_only_when_completeness_is_asked() -> None:
    with pytest.raises(AssertionError, match="never reached a terminal state \\(last: IN_PROGRESS\\)"):
        assert_valid_lifecycle(telmai("PREPARING", "IN_PROGRESS"))
    assert_valid_lifecycle(telmai("PREPARING", "IN_PROGRESS"), complete=False)


def test_time_never_goes_backwards() -> None:
    late_running = [TAMR[0], tamr_event("RUNNING", "2025-12-02T14:39:00.000Z", [("PENDING", T0)])]
    with pytest.raises(AssertionError, match="time went backwards: 2025-12-02T14:39:00"):
        assert_valid_lifecycle(late_running, complete=False)


def test_tamr_status_history_must_agree_with_what_was_seen() -> None:
    forgetful = [TAMR[0], TAMR[1], tamr_event("DONE", T2, [("RUNNING", T1)])]
    with pytest.raises(
        AssertionError, match=r"#3 tamr job 42: statusHistory lacks PENDING at 2025-12-02T14:40:00.000Z seen in #1"
    ):
        assert_valid_lifecycle(forgetful)
    with pytest.raises(AssertionError, match="statusHistory has an illegal move PENDING -> STOPPING"):
        assert_valid_lifecycle([tamr_event("DONE", T2, [("PENDING", T0), ("STOPPING", T1)])])


def test_invalid_payloads_are_violations() -> None:
    with pytest.raises(AssertionError, match=r"#2 telmai job j1: \$.status: 'DONE' is not one of"):
        assert_valid_lifecycle([*telmai("PREPARING"), {**TELMAI, "status": "DONE"}], complete=False)


def test_empty_input_is_a_failure_not_a_pass() -> None:
    with pytest.raises(AssertionError, match="no deliveries to check"):
        assert_valid_lifecycle([])


def test_violations_without_raising() -> None:
    observations, problems = lifecycle_violations(telmai("PREPARING", "FINISHED"))
    assert problems == ["#2 telmai job j1: illegal move PREPARING -> FINISHED"]
    assert observations[1].problems == ["illegal move PREPARING -> FINISHED"]
    assert "illegal move PREPARING -> FINISHED" in timeline(observations)


def test_timeline_of_nothing() -> None:
    assert timeline([]) == "  (nothing arrived)"


def test_pytest_shows_the_users_line_not_ours(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from pytest_jobhooks.assertions import assert_job_sequence

        def test_user():
            payloads = [{"job_id": "b1", "job_status": "delivered"}]
            assert_job_sequence(payloads, ["fetcher_approaching_dropoff", "delivered"])
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*assert_job_sequence(payloads, *", "E*job 'b1': statuses differ"])
    result.stdout.no_fnmatch_line("*sequences.py*")


def test_sender_reports_and_recorded_lines_are_items_too(jobhooks_server: object) -> None:
    from pytest_jobhooks import RecordedDelivery, deliver_all, lifecycle

    payloads = lifecycle("gofetch", seed=5)
    batch = deliver_all(payloads, jobhooks_server)
    assert_job_sequence(list(batch.deliveries), ["fetcher_approaching_dropoff", "delivered"])
    recorded = [
        RecordedDelivery(method="GET", path="/", headers={}, body=None, received_at="2026-04-17T09:30:00Z", query=p)
        for p in payloads
    ]
    assert_job_sequence(recorded, ["running", "succeeded"], unified=True)
    assert_valid_lifecycle(recorded)


# --- what the assertions take ---------------------------------------------------------------------------


@pytest.mark.parametrize("call", [lambda: timeline(3), lambda: assert_job_sequence(3, ["PENDING"])])
def test_a_non_list_is_an_argument_error(call: Any) -> None:
    with pytest.raises(ArgumentError, match="got int"):
        call()


def test_wire_requests_and_anything_holding_one_are_items() -> None:
    import json
    from dataclasses import dataclass
    from datetime import datetime, timedelta, timezone

    from pytest_jobhooks.wire import Request

    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    requests = [
        Request("POST", "/", body=json.dumps(p).encode(), time=start + timedelta(seconds=i))
        for i, p in enumerate(telmai("PREPARING", "FINISHED"))
    ]
    assert_job_sequence(requests, ["PREPARING", "FINISHED"])
    assert "+1.000s" in timeline(requests)

    @dataclass
    class Line:
        request: Request
        vendor: str | None = None

    assert_job_sequence([Line(r) for r in requests], ["queued", "succeeded"], unified=True)
    # The vendor a holder names is how it is read.
    [obs] = lifecycle_violations([Line(requests[0], "gofetch")])[0]
    assert obs.vendor == "gofetch"
    assert obs.status is None


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: assert_job_sequence([], "PENDING"), "expected must be a list of statuses"),
        (lambda: assert_job_sequence([], [], unified="yes"), "unified must be True or False"),
        (lambda: assert_valid_lifecycle(TAMR, complete=1), "complete must be True or False"),
        (lambda: lifecycle_violations(TAMR, allow_duplicates=None), "allow_duplicates must be True or False"),
    ],
)
def test_argument_misuse_is_an_argument_error(call: Any, message: str) -> None:
    with pytest.raises(ArgumentError, match=message):
        call()
