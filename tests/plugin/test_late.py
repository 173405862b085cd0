"""Exact per-test isolation: a delivery for test A arriving after A ended is shown to no later test, and reported for A."""

from __future__ import annotations

import pytest

LATE_FROM_A = """
import threading

import httpx
import pytest

go, sent = threading.Event(), threading.Event()
PAYLOAD = {PAYLOAD}


{MARK}
def test_a(jobhooks_server):
    url = jobhooks_server.url_for("/hooks/telmai")

    def deliver_late():  # a sender still busy when test_a returns
        go.wait(10)
        httpx.post(url, json=PAYLOAD)
        sent.set()

    threading.Thread(target=deliver_late, daemon=True).start()


def test_b(jobhooks_server):
    go.set()
    assert sent.wait(10)  # the late delivery was answered: it is on the server
    assert jobhooks_server.deliveries == []
    with pytest.raises(AssertionError, match="No delivery arrived"):
        jobhooks_server.wait_for(timeout=0.05)
    assert httpx.post(jobhooks_server.url_for("/mine"), json={{}}).status_code == 200
    assert [d.path for d in jobhooks_server.deliveries] == ["/mine"]
"""

VALID = '{"tenant": "acme", "source": "s", "jobId": "job-7", "status": "FINISHED", "details": "d"}'
INVALID = '{"tenant": "acme", "source": "s", "jobId": "job-7", "status": "FINISHED", "details": 42}'


def run_late(pytester: pytest.Pytester, payload: str, *options: str, mark: str = "") -> pytest.RunResult:
    """Run test_a (whose delivery comes late) then test_b; both pass, whatever the summary says."""
    pytester.makepyfile(test_late=LATE_FROM_A.format(PAYLOAD=payload, MARK=mark))
    result = pytester.runpytest("-p", "no:cacheprovider", *options)
    result.assert_outcomes(passed=2)
    return result


def test_a_late_delivery_is_not_shown_to_the_next_test_but_reported_for_its_own(pytester: pytest.Pytester) -> None:
    result = run_late(pytester, VALID)
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "*= jobhooks late deliveries =*",
            "1 delivery arrived after the test they were sent for had ended (shown to no later test):",
            "  test_late.py::test_a: POST /hooks/telmai telmai job 'job-7' FINISHED (succeeded) -> 200",
        ]
    )


def test_a_late_delivery_breaking_the_contract_fails_the_run_not_a_test(pytester: pytest.Pytester) -> None:
    result = run_late(pytester, INVALID, "--jobhooks")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*= jobhooks late deliveries =*",
            "1 delivery arrived after the test they were sent for had ended (shown to no later test); "
            "1 breaks the contract, which fails the run:",
            "  test_late.py::test_a: POST /hooks/telmai telmai [[]$.details: 42 is not of type 'string'] -> 200",
            "      jobhooks contract: 1 problem in what this test captured or sent",
        ]
    )


def test_a_late_delivery_of_a_test_that_opted_out_is_reported_but_not_judged(pytester: pytest.Pytester) -> None:
    result = run_late(pytester, INVALID, "--jobhooks", mark="@pytest.mark.jobhooks(contract=False)")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*; none breaks the contract:", "  test_late.py::test_a: POST /hooks/telmai *"])


def test_urls_built_by_hand_keep_todays_behaviour(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx

        def test_prefixed_urls(jobhooks_server):
            assert jobhooks_server.url_for("/hooks/x").endswith("/hooks/x")
            assert jobhooks_server.url_for("/hooks/x") != f"http://{jobhooks_server.host}:{jobhooks_server.port}/hooks/x"
            httpx.post(jobhooks_server.url, json={})
            httpx.post(f"http://{jobhooks_server.host}:{jobhooks_server.port}/by/hand", json={})
            httpx.post(f"http://{jobhooks_server.host}:{jobhooks_server.port}/t/999/never-handed-out", json={})
            assert [d.path for d in jobhooks_server.wait_for(3)] == ["/", "/by/hand", "/t/999/never-handed-out"]
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_a_late_delivery_on_an_xdist_worker_fails_the_run_on_the_controller(pytester: pytest.Pytester) -> None:
    result = run_late(pytester, INVALID, "--jobhooks", "-n", "1")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*= jobhooks late deliveries =*",
            "*1 breaks the contract, which fails the run:",
            "  test_late.py::test_a: POST /hooks/telmai telmai *-> 200",
        ]
    )
