"""The capture server as users write it: fixtures, the jobhooks marker, options, xdist, session end."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

HELPERS = """
import http.client
import json
from urllib.parse import urlsplit

import pytest

TELMAI = {"tenant": "acme", "source": "s1", "jobId": "job-1", "status": "FINISHED", "details": "done"}


def post(url, body=TELMAI):
    parts = urlsplit(url)
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.request("POST", parts.path or "/", data, {"Content-Type": "application/json"})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def server_threads(port: int) -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name.startswith(f"jobhooks:{port}-")]


def test_fixture_records_deliveries_and_waits_for_them(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HELPERS
        + """
def test_telmai_sender(jobhooks_server):
    assert post(jobhooks_server.url_for("/hooks/telmai")) == 200
    [delivery] = jobhooks_server.wait_for(vendor="telmai", status="FINISHED")
    assert (delivery.path, delivery.job_id, delivery.unified) == ("/hooks/telmai", "job-1", "succeeded")
    assert delivery.signature is None
"""
    )
    pytester.runpytest("--strict-markers").assert_outcomes(passed=1)


def test_each_test_starts_clean(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HELPERS
        + """
SEEN = {}

def test_first(jobhooks_server):
    SEEN["port"], SEEN["secret"] = jobhooks_server.port, jobhooks_server.secret
    jobhooks_server.respond(500)
    jobhooks_server.configure(body_limit=1)
    assert post(jobhooks_server.url) == 413
    assert post(jobhooks_server.url, b"{") == 500
    assert len(jobhooks_server.deliveries) == 2

def test_second(jobhooks_server):
    assert jobhooks_server.port == SEEN["port"]  # the same server...
    assert jobhooks_server.deliveries == []  # ...cleared before the test
    assert jobhooks_server.secret.startswith("whsec_")
    assert jobhooks_server.secret != SEEN["secret"]  # a fresh secret
    assert post(jobhooks_server.url) == 200  # no leftover script or limit
"""
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=2)


def test_marker_configures_the_server(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HELPERS
        + """
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

@pytest.mark.jobhooks(secret=SECRET, respond=[500, {"status": 503, "times": 2}], body_limit=100)
def test_configured(jobhooks_server):
    assert jobhooks_server.secret == SECRET
    assert [post(jobhooks_server.url) for _ in range(4)] == [500, 503, 503, 200]
    assert post(jobhooks_server.url, b" " * 101) == 413

@pytest.mark.jobhooks(secret=None, respond=202)
class TestClassLevel:
    @pytest.mark.jobhooks(respond=418)
    def test_closest_marker_wins(self, jobhooks_server):
        assert jobhooks_server.secret is None
        assert post(jobhooks_server.url) == 418

    def test_class_marker_applies(self, jobhooks_server):
        assert post(jobhooks_server.url) == 202
"""
    )
    pytester.runpytest("--strict-markers").assert_outcomes(passed=3)


def test_marker_misuse_is_a_clear_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
import pytest

@pytest.mark.jobhooks(colour="blue")
def test_unknown(jobhooks_server):
    pass

@pytest.mark.jobhooks(500)
def test_positional(jobhooks_server):
    pass

@pytest.mark.jobhooks(respond=[700])
def test_bad_value(jobhooks_server):
    pass
"""
    )
    result = pytester.runpytest()
    result.assert_outcomes(errors=3)
    result.stdout.fnmatch_lines(
        [
            "*UsageError: @pytest.mark.jobhooks: unknown setting(s) colour; "
            "allowed: body_limit, reject_status, require_signature, respond, secret*",
            "*UsageError: @pytest.mark.jobhooks takes keyword arguments only, got (500,)*",
            "*UsageError: @pytest.mark.jobhooks: response status must be an int from 200 to 599, not 700*",
        ]
    )


def test_port_from_command_line_and_ini_the_command_line_winning(pytester: pytest.Pytester) -> None:
    ini_port, cli_port = free_port(), free_port()
    pytester.makeini(f"[pytest]\njobhooks_port = {ini_port}\n")
    pytester.makepyfile(
        """
def test_port(jobhooks_server):
    print("PORT", jobhooks_server.port)
"""
    )
    pytester.runpytest("-s").stdout.fnmatch_lines([f"*PORT {ini_port}*"])
    pytester.runpytest("-s", f"--jobhooks-port={cli_port}").stdout.fnmatch_lines([f"*PORT {cli_port}*"])


def test_host_option(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HELPERS
        + """
def test_host(jobhooks_server):
    assert jobhooks_server.host == "localhost"
    assert jobhooks_server.url.startswith("http://localhost:")
    assert post(jobhooks_server.url) == 200
"""
    )
    pytester.runpytest("--jobhooks-host=localhost").assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("ini", "args", "message"),
    [
        ("", ["--jobhooks-port=http"], "--jobhooks-port must be a port number from 0 to 65535, not 'http'"),
        ("", ["--jobhooks-port=8²"], "--jobhooks-port must be a port number from 0 to 65535, not '8²'"),
        ("jobhooks_port = 99999\n", [], "jobhooks_port (ini) must be a port number from 0 to 65535, not '99999'"),
    ],
)
def test_bad_port_is_a_usage_error(pytester: pytest.Pytester, ini: str, args: list[str], message: str) -> None:
    pytester.makeini(f"[pytest]\n{ini}")
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{message}*"])


def test_listen_address_fixture_can_be_redefined(pytester: pytest.Pytester) -> None:
    port = free_port()
    pytester.makeconftest(
        f"""
import pytest

@pytest.fixture(scope="session")
def jobhooks_listen_address():
    return "127.0.0.1", {port}
"""
    )
    pytester.makepyfile(f"def test_port(jobhooks_server):\n    assert jobhooks_server.port == {port}\n")
    pytester.runpytest().assert_outcomes(passed=1)


def test_make_jobhooks_server_gives_more_endpoints(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HELPERS
        + """
def test_two_more(jobhooks_server, make_jobhooks_server):
    primary = make_jobhooks_server(respond=202)
    backup = make_jobhooks_server(secret=None)
    assert len({jobhooks_server.port, primary.port, backup.port}) == 3
    assert post(primary.url) == 202
    assert post(backup.url) == 200
    assert len(primary.deliveries) == len(backup.deliveries) == 1
    assert jobhooks_server.deliveries == []
    assert backup.secret is None
    with make_jobhooks_server() as short_lived:
        assert post(short_lived.url) == 200
    assert not short_lived.is_running
"""
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_wait_for_failure_explains_itself(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HELPERS
        + """
def test_waits_for_the_wrong_vendor(jobhooks_server):
    post(jobhooks_server.url_for("/hook"))
    jobhooks_server.wait_for(vendor="tamr", timeout=0.1)
"""
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*AssertionError: waited 0.1 s for 1 delivery matching vendor='tamr'; 0 matched.",
            "*1 delivery arrived:",
            "*1. POST /hook telmai job 'job-1' FINISHED (succeeded) -> 200",
            "*no match: vendor is 'telmai', not 'tamr'",
        ]
    )
    result.stdout.no_fnmatch_line("*pytest_jobhooks/server.py*")  # the helper's own frames are hidden


def test_no_thread_or_listening_socket_outlives_the_session(pytester: pytest.Pytester, tmp_path: Path) -> None:
    record = tmp_path / "ports.txt"
    pytester.makepyfile(
        HELPERS
        + f"""
def test_uses_servers(jobhooks_server, make_jobhooks_server):
    extra = make_jobhooks_server()
    assert post(jobhooks_server.url) == 200
    assert post(extra.url) == 200
    with open({str(record)!r}, "w") as out:
        out.write(f"{{jobhooks_server.port}} {{extra.port}}")
"""
    )
    pytester.runpytest().assert_outcomes(passed=1)
    for port in map(int, record.read_text().split()):
        assert server_threads(port) == []
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=5)


def test_each_xdist_worker_has_its_own_server(pytester: pytest.Pytester, tmp_path: Path) -> None:
    pytester.makepyfile(
        HELPERS
        + f"""
import os

@pytest.mark.parametrize("n", range(6))
def test_deliver(jobhooks_server, n):
    assert post(jobhooks_server.url, {{**TELMAI, "jobId": f"job-{{n}}"}}) == 200
    [delivery] = jobhooks_server.wait_for()
    assert jobhooks_server.deliveries == [delivery]  # nothing from another worker or test
    assert delivery.job_id == f"job-{{n}}"
    worker = os.environ["PYTEST_XDIST_WORKER"]
    with open(os.path.join({str(tmp_path)!r}, f"{{worker}}-{{n}}"), "w") as out:
        out.write(str(jobhooks_server.port))
"""
    )
    result = pytester.runpytest("-n", "2", "-p", "xdist")
    result.assert_outcomes(passed=6)
    ports: dict[str, set[str]] = {}
    for path in tmp_path.iterdir():
        ports.setdefault(path.name.split("-")[0], set()).add(path.read_text())
    assert len(ports) == 2  # both workers ran tests
    assert all(len(seen) == 1 for seen in ports.values())  # one server per worker...
    assert len(set.union(*ports.values())) == 2  # ...and not the same one


def test_fixtures_and_options_are_documented(pytester: pytest.Pytester) -> None:
    fixtures = pytester.runpytest("--fixtures")
    for name, doc in [
        ("jobhooks_server", "A capture server*a real HTTP endpoint recording every delivery."),
        ("jobhooks_listen_address", "(host, port) of the ``jobhooks_server`` capture server."),
        ("make_jobhooks_server", "Factory of extra capture servers, for tests that need more than one endpoint."),
    ]:
        fixtures.stdout.fnmatch_lines([f"{name}* -- *", f"    {doc}"])
    helped = pytester.runpytest("--help")
    helped.stdout.fnmatch_lines(["*--jobhooks-host=*", "*--jobhooks-port=*", "*jobhooks_host *", "*jobhooks_port *"])
    markers = pytester.runpytest("--markers")
    markers.stdout.fnmatch_lines(["@pytest.mark.jobhooks(secret=..., respond=..., body_limit=...*"])
