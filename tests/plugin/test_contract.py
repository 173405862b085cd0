"""Contract mode, its summary and --jobhooks-record as users run them: pass and fail output, opt-outs, xdist, replay."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

# One copy of the modules the plugin imports lazily, for every in-process run (see conftest.py).
import pytest_jobhooks.contract
import pytest_jobhooks.recordings._writer  # noqa: F401
from pytest_jobhooks.errors import ServerError
from pytest_jobhooks.recordings import RecordedDelivery, read_records
from pytest_jobhooks.recordings.replaying import HOP_BY_HOP_HEADERS, replay
from pytest_jobhooks.server import CaptureServer

HELPERS = """
import httpx
import pytest

TELMAI = {"tenant": "acme", "source": "s1", "jobId": "job-1", "details": ""}


def telmai(status, **changes):
    return {**TELMAI, "status": status, **changes}


def post(server, *bodies, **options):
    for body in bodies:
        if isinstance(body, bytes):
            httpx.post(server.url, content=body, **options)
        else:
            httpx.post(server.url, json=body, **options)
"""

CHECKED = (
    HELPERS
    + """
def test_invalid(jobhooks_server):
    post(jobhooks_server, telmai("FINISHED", jobId=""))

def test_illegal(jobhooks_server, jobhooks_sender):
    jobhooks_sender.deliver(telmai("FINISHED"), jobhooks_server)
    jobhooks_sender.deliver(telmai("PREPARING"), jobhooks_server)
"""
)


def test_contract_mode_is_off_by_default(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(CHECKED)
    result = pytester.runpytest()
    result.assert_outcomes(passed=2)
    result.stdout.no_fnmatch_line("*jobhooks contract*")


def test_an_invalid_delivery_and_an_illegal_sequence_fail_their_tests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_c=CHECKED)
    result = pytester.runpytest("--jobhooks", "-p", "no:randomly")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            "*_ test_invalid _*",
            "jobhooks contract: 1 problem in what this test captured or sent",
            "(to skip these checks for a test, mark it @pytest.mark.jobhooks(contract=False); *",
            "jobhooks_server http://127.0.0.1:*: 1 delivery received:",
            "  #1 telmai job ?: $.jobId: '' should be non-empty",
            "timeline:",
            "  #  arrival  vendor  job  status     problems",
            "  1  +0.000s  telmai  ?    (invalid)  $.jobId: '' should be non-empty",
            "*_ test_illegal _*",
            "jobhooks_server http://127.0.0.1:*: 2 deliveries received:",
            "  #2 telmai job job-1: PREPARING arrived after the terminal state FINISHED (#1)",
            "timeline:",
            "*jobhooks sender*",
            "jobhooks_sender: seed=*, 2 delivery(ies) sent",
            "*= jobhooks contract =*",
            "vendor  captured  sent  jobs  invalid  illegal moves  drift  redelivered",
            "telmai         3     2     1        1              1      0            0",
            "2 tests checked, 2 failed the contract",
            "FAILED test_c.py::test_invalid - Failed: jobhooks contract: 1 problem*",
            "FAILED test_c.py::test_illegal - Failed: jobhooks contract: 1 problem*",
        ]
    )
    result.stdout.no_fnmatch_line("*Traceback*")
    result.stdout.no_fnmatch_line("*_plugin*")


def test_the_ini_switch_turns_it_on(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\njobhooks = true\n")
    pytester.makepyfile(CHECKED)
    pytester.runpytest().assert_outcomes(failed=2)


def test_what_real_senders_do_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HELPERS
        + """
from pytest_jobhooks import lifecycle

def test_retried_and_duplicated(jobhooks_server, jobhooks_sender):
    jobhooks_server.respond(500, times=2)
    jobhooks_sender.deliver_all(lifecycle("tensorlake", seed=1), jobhooks_server, duplicates=0.5, retry=[1, 1])

def test_reordered_on_purpose(jobhooks_server, jobhooks_sender):
    jobhooks_sender.deliver_all(lifecycle("tamr", seed=1), jobhooks_server, reorder=True)

def test_part_of_a_job(jobhooks_server):
    post(jobhooks_server, telmai("IN_PROGRESS"))

def test_not_a_vendor(jobhooks_server):
    post(jobhooks_server, {"hello": "x"}, b"plain text")

@pytest.mark.jobhooks(body_limit=100)
def test_rejected_on_purpose(jobhooks_server):
    post(jobhooks_server, {"job_id": "j", "status": "?"}, headers={"svix-signature": "v1,forged"})
    post(jobhooks_server, telmai("FINISHED", details="x" * 200))
    assert [d.response.status for d in jobhooks_server.deliveries] == [401, 413]

def test_no_deliveries():
    pass
"""
    )
    result = pytester.runpytest("--jobhooks")
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(
        [
            "*= jobhooks contract =*",
            "vendor  *captured  sent  jobs  invalid  illegal moves  drift  redelivered",
            "tamr  * 0              0      0            0",
            "telmai  *     1     0     1        0              0      0            0",
            "tensorlake  * 0              0      0  *",
            "total  *",
            "unrecognised deliveries (no known vendor's payload; not checked): 2",
            "rejected by a capture server (bad signature, body too large...; not checked): 2",
            "5 tests checked, 0 failed the contract",
        ]
    )


def test_tests_opt_out_with_the_marker(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_c=HELPERS
        + """
pytestmark = pytest.mark.jobhooks(contract=False)

def test_module_opts_out(jobhooks_server):
    post(jobhooks_server, telmai("FINISHED", jobId=""))

class TestClass:
    pytestmark = pytest.mark.jobhooks(contract=True)

    def test_class_opts_in_again(self, jobhooks_server):
        post(jobhooks_server, telmai("FINISHED", jobId=""))

    @pytest.mark.jobhooks(contract="schema", secret=None)
    def test_schema_only_lets_order_pass(self, jobhooks_server):
        post(jobhooks_server, telmai("FINISHED"), telmai("PREPARING"))

    @pytest.mark.jobhooks(contract="schema")
    def test_schema_only_still_checks_payloads(self, jobhooks_server):
        post(jobhooks_server, telmai("FINISHED", jobId=""))

    @pytest.mark.jobhooks(contract="no")
    def test_bad_value(self, jobhooks_server):
        post(jobhooks_server, telmai("FINISHED"))
"""
    )
    result = pytester.runpytest("--jobhooks", "-p", "no:randomly", "--strict-markers")
    result.assert_outcomes(passed=2, failed=3)
    result.stdout.fnmatch_lines(
        [
            "*_ TestClass.test_bad_value _*",
            "@pytest.mark.jobhooks(contract=...) takes True, False or 'schema', not 'no'",
            "*= jobhooks contract =*",
            "FAILED test_c.py::TestClass::test_class_opts_in_again - Failed: jobhooks con*",
            "FAILED test_c.py::TestClass::test_schema_only_still_checks_payloads - Failed*",
            "FAILED test_c.py::TestClass::test_bad_value - Failed: @pytest.mark.jobhooks(*",
        ]
    )
    result.stdout.no_fnmatch_line("*During handling*")
    result.stdout.fnmatch_lines(["3 tests checked, 2 failed the contract; 1 opted out*"])


def test_a_test_failing_on_its_own_shows_the_problems_in_a_section(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_c=HELPERS
        + """
def test_own_failure(jobhooks_server):
    post(jobhooks_server, telmai("FINISHED", jobId=""))
    assert 1 == 2
"""
    )
    result = pytester.runpytest("--jobhooks")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E       assert 1 == 2",
            "*- jobhooks contract -*",
            "jobhooks contract: 1 problem in what this test captured or sent",
            "  #1 telmai job ?: $.jobId: '' should be non-empty",
            "1 test checked, 1 failed the contract",
            "FAILED test_c.py::test_own_failure - assert 1 == 2",
        ]
    )


def test_extra_servers_are_checked_per_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HELPERS
        + """
@pytest.fixture(scope="module")
def other(make_jobhooks_server):
    return make_jobhooks_server()

def test_first_finishes(other):
    post(other, telmai("FINISHED"))

def test_second_sees_only_its_own(other):
    post(other, telmai("PREPARING"))  # after the first test's FINISHED, but that was another test

def test_cleared_and_illegal(other):
    other.clear()
    post(other, telmai("FINISHED"), telmai("PREPARING"))

def test_stopped_server(make_jobhooks_server):
    with make_jobhooks_server() as server:
        post(server, telmai("FINISHED", jobId=""))
"""
    )
    result = pytester.runpytest("--jobhooks", "-p", "no:randomly")
    result.assert_outcomes(passed=2, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*_ test_cleared_and_illegal _*",
            "make_jobhooks_server http://127.0.0.1:*: 2 deliveries received:",
            "  #2 telmai job job-1: PREPARING arrived after the terminal state FINISHED (#1)",
            "*_ test_stopped_server _*",
            "make_jobhooks_server (stopped): 1 delivery received:",
        ]
    )


def test_the_summary_adds_up_every_xdist_worker(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HELPERS
        + """
@pytest.mark.parametrize("n", range(8))
def test_job(jobhooks_server, n):
    if n < 6:
        post(jobhooks_server, telmai("IN_PROGRESS", jobId=f"job-{n}"), telmai("FINISHED", jobId=f"job-{n}"))
    else:
        post(jobhooks_server, telmai("FINISHED", jobId=""))
    post(jobhooks_server, {"hello": n})
"""
    )
    result = pytester.runpytest("-n", "2", "-p", "xdist", "--jobhooks", "--jobhooks-record=rec")
    result.assert_outcomes(passed=6, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*= jobhooks contract =*",
            "vendor  captured  sent  jobs  invalid  illegal moves  drift  redelivered",
            "telmai        14     0     6        2              0      0            *",
            "unrecognised deliveries (no known vendor's payload; not checked): 8",
            "8 tests checked, 2 failed the contract",
            "recorded 22 deliveries (22 captured, 0 sent attempts): *gw?.jobhooks.jsonl, *gw?.jobhooks.jsonl",
        ]
    )
    files = sorted(path.name for path in (pytester.path / "rec").iterdir())
    assert files == ["gw0.jobhooks.jsonl", "gw1.jobhooks.jsonl"]
    assert sum(len(list(read_records(pytester.path / "rec" / name))) for name in files) == 22


def test_recording_writes_every_delivery_with_secrets_redacted(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HELPERS
        + """
def test_captured(jobhooks_server):
    secret = jobhooks_server.secret
    post(jobhooks_server, telmai("FINISHED", details=secret), headers={"Authorization": "Bearer t", "X-Key": secret})

@pytest.mark.jobhooks(contract=False)
def test_sent(jobhooks_sender):
    def app(environ, start_response):
        start_response("200 OK", [("Set-Cookie", "a=b")])
        return []
    jobhooks_sender.deliver(telmai("FINISHED", jobId=""), app, headers={"Cookie": "session=1"})
"""
    )
    result = pytester.runpytest("--jobhooks-record", "rec", "-p", "no:randomly")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        ["*= jobhooks contract =*", f"recorded 2 deliveries (1 captured, 1 sent attempts): {pytester.path}/rec/*"]
    )
    text = (pytester.path / "rec" / "main.jobhooks.jsonl").read_text()
    assert "whsec_" in text
    assert "whsec_[redacted]" in text
    assert text.count("whsec_") == text.count("whsec_[redacted]") == 2
    (_, captured), (_, sent) = read_records(pytester.path / "rec" / "main.jobhooks.jsonl")
    assert isinstance(captured, RecordedDelivery)
    assert isinstance(sent, RecordedDelivery)
    assert (captured.side, captured.vendor, captured.headers["Authorization"]) == ("captured", "telmai", "[redacted]")
    assert (sent.side, sent.path, sent.headers["Cookie"]) == ("sent", "/", "[redacted]")
    pytester.runpytest("--jobhooks-record", "rec").assert_outcomes(passed=2)
    assert len(list(read_records(pytester.path / "rec" / "main.jobhooks.jsonl"))) == 4  # appended


@pytest.mark.parametrize(
    ("ini", "args", "where"),
    [
        ("jobhooks_record = from_ini", [], "from_ini"),
        ("jobhooks_record = from_ini", ["--jobhooks-record=from_option"], "from_option"),
    ],
)
def test_the_ini_twin_and_the_option_winning(pytester: pytest.Pytester, ini: str, args: list[str], where: str) -> None:
    pytester.makeini(f"[pytest]\n{ini}\n")
    pytester.makepyfile(HELPERS + "\ndef test_one(jobhooks_server):\n    post(jobhooks_server, telmai('FINISHED'))\n")
    pytester.runpytest(*args).assert_outcomes(passed=1)
    assert [path.name for path in pytester.path.glob("*/main.jobhooks.jsonl")] == ["main.jobhooks.jsonl"]
    assert (pytester.path / where / "main.jobhooks.jsonl").exists()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("afile/sub", "ERROR: --jobhooks-record / jobhooks_record: cannot record deliveries in '*afile/sub': *"),
        ("", "ERROR: --jobhooks-record must be a directory, not ''"),
    ],
)
def test_an_unusable_directory_is_a_usage_error(pytester: pytest.Pytester, value: str, message: str) -> None:
    pytester.makefile("", afile="")
    result = pytester.runpytest(f"--jobhooks-record={value}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_a_recording_that_cannot_be_written_fails_the_teardown(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HELPERS
        + """
import shutil

def test_removes_the_directory(jobhooks_server):
    shutil.rmtree("rec")
    post(jobhooks_server, telmai("FINISHED"))
"""
    )
    result = pytester.runpytest("--jobhooks-record=rec")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*_ ERROR at teardown of test_removes_the_directory _*",
            "jobhooks: cannot append to the recording '*/rec/main.jobhooks.jsonl': No such file or directory",
        ]
    )


def test_options_and_marker_are_documented(pytester: pytest.Pytester) -> None:
    pytester.runpytest("--help").stdout.fnmatch_lines(["*--jobhooks-record=DIR*", "*jobhooks_record *"])
    pytester.runpytest("--markers").stdout.fnmatch_lines(["@pytest.mark.jobhooks(*contract=True)*"])


def test_recorded_deliveries_replayed_arrive_identical(pytester: pytest.Pytester, tmp_path: Path) -> None:
    originals = tmp_path / "originals.json"
    pytester.makepyfile(
        HELPERS
        + f"""
import json
from pytest_jobhooks import deliver, lifecycle

def test_send_a_bit_of_everything(jobhooks_server):
    deliver(lifecycle("tensorlake", seed=4)[0], jobhooks_server)  # signed with the server's secret
    deliver(lifecycle("gofetch", seed=4)[0], jobhooks_server)  # a GET with query parameters
    with httpx.Client(base_url=jobhooks_server.url) as client:
        client.post("/hooks/t%C3%A9lmai", content=json.dumps(telmai("FINISHED"), indent=2))
        client.put("/text", params=[("a", "1"), ("a", "2")], content=b"plain", headers={{"Authorization": "x"}})
        client.post("/binary", content=bytes(range(256)))
    seen = [
        [d.method, d.path, d.query_string, d.body.hex(), dict(d.headers.items()), d.signature]
        for d in jobhooks_server.deliveries
    ]
    with open({str(originals)!r}, "w") as out:
        json.dump(seen, out)
"""
    )
    pytester.runpytest("--jobhooks-record=rec", "--jobhooks").assert_outcomes(passed=1)
    expected = json.loads(originals.read_text())
    with CaptureServer() as fresh:
        report = replay(pytester.path / "rec" / "main.jobhooks.jsonl", fresh)
        arrived = fresh.deliveries
    assert report.ok
    assert len(arrived) == len(expected) == 5
    left_out = HOP_BY_HOP_HEADERS | {"authorization", "svix-id", "svix-timestamp", "svix-signature"}
    for delivery, (method, path, query, body, headers, signature) in zip(arrived, expected, strict=True):
        assert (delivery.method, delivery.path, delivery.query_string, delivery.body.hex()) == (
            method,
            path,
            query,
            body,
        )
        assert {k.lower(): v for k, v in delivery.headers.items() if k.lower() not in left_out} == {
            k.lower(): v for k, v in headers.items() if k.lower() not in left_out
        }
        assert delivery.signature == signature  # re-signed with the fresh server's secret: valid again
    assert arrived[0].headers["svix-id"] == expected[0][4]["svix-id"]


def test_nothing_heavy_is_imported_when_nothing_is_delivered(pytester: pytest.Pytester) -> None:
    heavy = ["pydantic", "jsonschema", "svix", "httpx", "werkzeug", "pytest_jobhooks.catalog"]
    pytester.makeconftest(
        f"""
import json, sys

def pytest_unconfigure(config):
    with open("imported.json", "w") as out:
        json.dump([name for name in {heavy!r} if name in sys.modules], out)
"""
    )
    pytester.makepyfile("def test_plain():\n    pass\n")
    # pytest-httpserver, installed here, imports werkzeug itself.
    result = pytester.runpytest_subprocess("--jobhooks", "--jobhooks-record=rec", "-p", "no:pytest_httpserver")
    result.assert_outcomes(passed=1)
    assert json.loads((pytester.path / "imported.json").read_text()) == []
    assert not (pytester.path / "rec" / "main.jobhooks.jsonl").exists()  # created by the first line only


def test_since_a_mark_gives_what_arrived_after_it_across_clear_and_reset() -> None:
    with CaptureServer(secret=None) as server:
        url = server.url_for("/hooks")
        httpx.post(url, content=b"1")
        first = server.mark()
        assert server.since(first) == []
        httpx.post(url, content=b"2")
        assert [d.body for d in server.since(first)] == [b"2"]
        server.clear()
        httpx.post(url, content=b"3")
        second = server.mark()
        httpx.post(url, content=b"4")
        assert [d.body for d in server.since(first)] == [b"3", b"4"]  # what clear() removed is gone
        assert [d.body for d in server.since(second)] == [b"4"]
        server.reset()
        assert server.since(second) == []
        with pytest.raises(ServerError, match=r"since\(\) takes a mark from this server's mark\(\)"):
            server.since(object())
