"""Contract checks of one test's deliveries, and the run's totals (the pytest side is in test_plugin_contract.py)."""

from __future__ import annotations

import json
from typing import Any

import httpx

from pytest_jobhooks.assertions import lifecycle_violations, timeline
from pytest_jobhooks.catalog.drift import Finding
from pytest_jobhooks.contract import CapturedStream, ContractCheck, ContractSummary, VendorCounts, check_test
from pytest_jobhooks.factories import lifecycle
from pytest_jobhooks.sender import Sender
from pytest_jobhooks.server import CaptureServer

TELMAI = {"tenant": "acme", "source": "s1", "jobId": "job-1", "details": ""}


def telmai(status: str, **changes: Any) -> dict[str, Any]:
    return {**TELMAI, "status": status, **changes}


def captured(server: CaptureServer) -> list[CapturedStream]:
    return [CapturedStream(f"jobhooks_server {server.url}", server.url, server.deliveries)]


def check(server: CaptureServer, sender: Sender | None = None, mode: Any = "full") -> ContractCheck:
    sent = sender.sent if sender is not None else []
    return check_test(captured(server), sent, sender.batches if sender is not None else [], mode=mode)


def post(server: CaptureServer, *bodies: object, **options: Any) -> None:
    for body in bodies:
        httpx.post(server.url, content=body if isinstance(body, bytes) else json.dumps(body), **options)


def test_a_legal_lifecycle_with_retries_passes(jobhooks_server: CaptureServer) -> None:
    jobhooks_server.respond(500, times=1)
    sender = Sender(1)
    payloads = lifecycle("telmai", seed=3)
    sender.deliver_all(payloads, jobhooks_server, retry=[1])
    result = check(jobhooks_server, sender)
    assert result.ok, result.message()
    # The first payload arrived twice (retried after the 500), as real senders redeliver.
    counts = VendorCounts(captured=len(payloads) + 1, sent=len(payloads), jobs=1, redelivered=1)
    assert result.vendors == {"telmai": counts}


def test_an_illegal_move_fails_with_the_timeline(jobhooks_server: CaptureServer) -> None:
    post(jobhooks_server, telmai("IN_PROGRESS"), telmai("IN_PROGRESS"), telmai("FINISHED"), telmai("PREPARING"))
    result = check(jobhooks_server)
    assert result.problems == 1
    message = result.message()
    assert message.splitlines()[:2] == [
        "jobhooks contract: 1 problem in what this test captured or sent",
        "(to skip these checks for a test, mark it @pytest.mark.jobhooks(contract=False); "
        "to check payloads only, contract='schema')",
    ]
    assert f"jobhooks_server {jobhooks_server.url}: 4 deliveries received:" in message
    assert "  #4 telmai job job-1: PREPARING arrived after the terminal state FINISHED (#3)" in message
    assert "timeline:" in message
    assert result.vendors["telmai"] == VendorCounts(captured=4, jobs=1, illegal=1, redelivered=1)
    assert check(jobhooks_server, mode="schema").ok  # order is not judged in schema mode


def test_an_invalid_payload_fails_in_both_modes(jobhooks_server: CaptureServer) -> None:
    post(jobhooks_server, telmai("FINISHED", jobId=""))
    for mode in ("full", "schema"):
        result = check(jobhooks_server, mode=mode)
        assert result.problems == 1
        assert "  #1 telmai job ?: $.jobId: '' should be non-empty" in result.message()
        assert result.vendors["telmai"] == VendorCounts(captured=1, invalid=1)


def test_unrecognised_and_rejected_deliveries_are_counted_not_judged(jobhooks_server: CaptureServer) -> None:
    jobhooks_server.configure(body_limit=200)
    post(jobhooks_server, {"hello": "x"}, b"not json", b"[1, 2]")
    post(jobhooks_server, {"job_id": "j", "status": "nope", "created_at": "x"}, headers={"svix-signature": "v1,bad"})
    post(jobhooks_server, telmai("FINISHED", details="x" * 300))
    statuses = [d.response.status for d in jobhooks_server.deliveries if d.response is not None]
    assert statuses == [200, 200, 200, 401, 413]
    result = check(jobhooks_server)
    assert result.ok
    assert (result.unrecognised, result.rejected, result.vendors) == (3, 2, {})


def test_a_reordering_batch_is_judged_in_the_order_given(jobhooks_server: CaptureServer) -> None:
    sender = Sender(5)
    batch = sender.deliver_all(lifecycle("tamr", seed=2), jobhooks_server, reorder=True, duplicates=0.5)
    assert batch.reordered
    assert batch.duplicated
    assert lifecycle_violations(jobhooks_server, complete=False, allow_duplicates=True)[1]  # as arrived: illegal
    result = check(jobhooks_server, sender)
    assert result.ok, result.message()
    sends = len(batch.deliveries)
    assert result.vendors["tamr"] == VendorCounts(captured=sends, sent=sends, jobs=1)
    bad = Sender(5)
    bad.deliver_all([*lifecycle("tamr", seed=2)][::-1], jobhooks_server, reorder=True)  # a wrong input order fails
    assert "jobhooks_sender -> " in check(jobhooks_server, bad).message()


def test_what_the_sender_sent_elsewhere_is_checked_once(jobhooks_server: CaptureServer) -> None:
    def app(environ: Any, start_response: Any) -> list[bytes]:
        start_response("200 OK", [])
        return []

    sender = Sender(3)
    sender.deliver(telmai("FINISHED"), app)
    sender.deliver(telmai("PREPARING"), app)
    sender.deliver(telmai("FINISHED", jobId=""), jobhooks_server)
    result = check_test(captured(jobhooks_server), sender.sent, sender.batches, mode="full")
    assert result.problems == 2  # the app's illegal move, and the invalid payload once (as the server received it)
    message = result.message()
    assert "jobhooks_sender -> WSGI app test_what_the_sender_sent_elsewhere_is_checked_once.<locals>.app:" in message
    assert "  #2 telmai job job-1: PREPARING arrived after the terminal state FINISHED (#1)" in message
    assert message.count("$.jobId: '' should be non-empty") == 2  # its problem line and its timeline row
    assert result.vendors["telmai"] == VendorCounts(captured=1, sent=3, jobs=1, invalid=1, illegal=1)


def test_sequences_read_captured_deliveries_as_the_server_did(jobhooks_server: CaptureServer) -> None:
    post(jobhooks_server, {"hello": "x"}, b"{")
    httpx.get(jobhooks_server.url, params={"job_id": "g1", "job_status": "delivered"})
    observations, problems = lifecycle_violations(jobhooks_server)
    assert problems == [
        "#1 ? job ?: $: matches no known vendor's payload (fields: hello)",
        "#2 ? job ?: $: not valid JSON: Expecting property name enclosed in double quotes (column 2)",
    ]
    assert (observations[2].vendor, observations[2].job_id, observations[2].unified) == ("gofetch", "g1", "succeeded")
    assert "gofetch  g1   delivered -> succeeded" in timeline(jobhooks_server)


def test_summary_adds_merges_and_travels_as_json() -> None:
    first = ContractCheck(problems=1, vendors={"telmai": VendorCounts(3, 1, 1, 0, 1)}, unrecognised=2)
    second = ContractCheck(
        vendors={"telmai": VendorCounts(1, 0, 1, 1, 0), "gofetch": VendorCounts(2, 0, 1, 0, 0, 1, 1)}
    )
    second.drift.append(("gofetch", 2, (Finding("value", ("job_status",), "picked_up"),)))
    worker = ContractSummary()
    worker.add(first)
    worker.opted_out += 1
    worker.note_recording("rec/jobhooks-gw0.jsonl", 4, 1)
    controller = ContractSummary()
    controller.add(second, "test_g.py::test_late")
    controller.rejected += 1
    controller.merge(ContractSummary.from_json(json.loads(json.dumps(worker.to_json()))))
    assert controller.lines(contract=True, recording="rec/jobhooks-gw0.jsonl") == [
        "vendor   captured  sent  jobs  invalid  illegal moves  drift  redelivered",
        "gofetch         2     0     1        0              0      1            1",
        "telmai          4     1     2        1              1      0            0",
        "total           6     1     3        1              1      1            1",
        "unrecognised deliveries (no known vendor's payload; not checked): 2",
        "rejected by a capture server (bad signature, body too large...; not checked): 1",
        "2 tests checked, 1 failed the contract; 1 opted out (@pytest.mark.jobhooks(contract=False))",
        "drift: fields and values the vendor docs do not mention (not failing without --jobhooks-strict):",
        "  gofetch: undocumented value $.job_status = 'picked_up': 1 payload, first at test_g.py::test_late:2",
        "recorded 5 deliveries (4 captured, 1 sent attempts): rec/jobhooks-gw0.jsonl",
    ]
    travelled = ContractSummary.from_json(json.loads(json.dumps(controller.to_json())))
    assert travelled.lines(contract=True, recording=None) == controller.lines(contract=True, recording=None)
    assert ContractSummary().lines(contract=True, recording=None) == [
        "no deliveries of a known vendor captured by a jobhooks capture server or sent by jobhooks_sender",
        "0 tests checked, 0 failed the contract",
    ]
    assert ContractSummary().lines(contract=False, recording="rec/jobhooks-main.jsonl") == [
        "recorded 0 deliveries (0 captured, 0 sent attempts): nothing to write to rec/jobhooks-main.jsonl"
    ]
