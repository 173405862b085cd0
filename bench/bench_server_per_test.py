"""Per-test cost of receiving one delivery: the capture server against pytest-httpserver, in pytest runs.

Writes a suite of N tests that each receive one delivery and one of N empty
tests using the same fixture, runs each in its own pytest process (interleaved,
over several rounds) and takes receive minus empty of the per-test time (setup +
call + teardown), pooled over the rounds: lower quartile and median. Also the
whole-run cost: the wall time of the pytest process running the receive suite
(which includes importing what the fixture needs, the session server's start and
stop) minus that of a process running N plain empty tests that use no fixture
(same plugins loaded), divided by N, median over the rounds: what a suite of N
such tests costs its user. Suites:
``jobhooks_server``; pytest-httpserver's ``httpserver`` with the
``expect_request(...).respond_with_data(...)`` its users write; a bare werkzeug
server answering 204 (the HTTP round trip alone, so the fixture's own work shows).
Run by ``bench_server.py``, or alone::

    python bench/bench_server_per_test.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BODY = json.dumps(
    {"tenant": "acme", "source": "src-1", "jobId": "job-1", "status": "FINISHED", "details": "done"}
).encode()

POST = """
import http.client

BODY = {body!r}


def post(port, path="/hook"):
    connection = http.client.HTTPConnection("127.0.0.1", port)
    connection.request("POST", path, BODY, {{"Content-Type": "application/json"}})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status
"""

TIMER = """
import json
import os
import threading
import time

import pytest

_durations = []


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    start = time.perf_counter()
    try:
        return (yield)
    finally:
        _durations.append(time.perf_counter() - start)


def pytest_sessionfinish(session):
    with open(os.environ["BENCH_DURATIONS"], "w") as out:
        json.dump(_durations, out)


@pytest.fixture(scope="session")
def bare_port():
    from werkzeug.serving import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args):
            pass

    def app(environ, start_response):
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        start_response("204 No Content", [])
        return []

    server = make_server("127.0.0.1", 0, app, request_handler=Quiet)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01})
    thread.start()
    yield server.port
    server.shutdown()
    thread.join()
    server.server_close()
"""

SUITES: dict[str, tuple[str, str, str]] = {
    # name: (fixture, one test's body when it receives a delivery, plugin switch)
    "jobhooks": ("jobhooks_server", "assert post(jobhooks_server.port) == 200", ""),
    "httpserver": (
        "httpserver",
        'httpserver.expect_request("/hook", method="POST").respond_with_data("ok")\n'
        "    assert post(httpserver.port) == 200",
        "-p no:jobhooks",
    ),
    "bare": ("bare_port", "assert post(bare_port) == 204", "-p no:jobhooks"),
}


# The plugin switch each suite's plain run uses, so both runs load the same plugins.
SUITES_PLAIN: dict[str, str] = {}


def write_suites(root: Path, tests: int) -> None:
    (root / "conftest.py").write_text(TIMER)
    header = POST.format(body=BODY)
    for name, (fixture, body, _) in SUITES.items():
        receive = "".join(f"\n\ndef test_{i}({fixture}):\n    {body}\n" for i in range(tests))
        empty = "".join(f"\n\ndef test_{i}({fixture}):\n    pass\n" for i in range(tests))
        (root / f"test_{name}_receive.py").write_text(header + receive)
        (root / f"test_{name}_empty.py").write_text(header + empty)
    plain = "".join(f"\n\ndef test_{i}():\n    pass\n" for i in range(tests))
    (root / "test_plain_empty.py").write_text(header + plain)


def run_suite(root: Path, name: str, kind: str, wall: list[float] | None = None) -> list[float]:
    """The duration of every test of ``test_<name>_<kind>.py``, in seconds, in order.

    The first includes the session server's start, the last its stop. The
    process's wall time is appended to ``wall`` when given.
    """
    out = root / "durations.json"
    if name.startswith("plain-"):
        switch, target = SUITES_PLAIN[name.removeprefix("plain-")].split(), "test_plain_empty.py"
    else:
        switch, target = SUITES[name][2].split(), f"test_{name}_{kind}.py"
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *switch, target]
    env = dict(os.environ, BENCH_DURATIONS=str(out))
    started = time.perf_counter()
    result = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
    if wall is not None:
        wall.append(time.perf_counter() - started)
    if result.returncode != 0:
        raise SystemExit(f"{name}/{kind} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    durations: list[float] = json.loads(out.read_text())
    return durations


def per_test_costs(tests: int, rounds: int) -> dict[str, dict[str, float]]:
    """Per suite, the cost of receiving one delivery: receive minus empty, by statistic of the per-test times.

    Times are pooled over the rounds. The lower quartile (``q1``) and the median
    leave out the session's start and stop and shrug off other load on the machine.
    (A mean would not: pytest-httpserver's stop waits out a random part of a 0.5 s
    poll, which spread over 200 tests is +-1.2 ms each.)
    """
    pooled: dict[tuple[str, str], list[float]] = {}
    whole: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_suites(root, tests)
        for _ in range(rounds):
            for name in SUITES:  # interleaved, so drift in the machine's speed hits every suite alike
                plain: list[float] = []
                received: list[float] = []
                SUITES_PLAIN[name] = SUITES[name][2]
                run_suite(root, f"plain-{name}", "empty", plain)
                for kind in ("receive", "empty"):
                    walls = received if kind == "receive" else None
                    pooled.setdefault((name, kind), []).extend(run_suite(root, name, kind, walls))
                whole.setdefault(name, []).append((received[0] - plain[0]) / tests)
    stats = {
        "q1": lambda values: statistics.quantiles(values, n=4)[0],
        "median": statistics.median,
    }
    costs = {
        name: {key: stat(pooled[name, "receive"]) - stat(pooled[name, "empty"]) for key, stat in stats.items()}
        for name in SUITES
    }
    for name in SUITES:
        costs[name]["whole"] = statistics.median(whole[name])
    return costs


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def rows(*, quick: bool) -> list[tuple[str, str, str, str, str]]:
    """Table rows: (measurement, pytest-jobhooks, peer, ratio, goal)."""
    costs = per_test_costs(tests=20 if quick else 200, rounds=1 if quick else 5)
    ours, peer, bare = costs["jobhooks"], costs["httpserver"], costs["bare"]
    table = [
        (
            "per-test cost, whole run incl. the server's start and stop (median of rounds)",
            ms(ours["whole"]),
            ms(peer["whole"]),
            f"{peer['whole'] / ours['whole']:.1f}x cheaper",
            ">= 3x cheaper",
        )
    ]
    for key, label in (("q1", "lower quartile"), ("median", "median")):
        ratio = f"{peer[key] / ours[key]:.1f}x cheaper"
        table.append((f"per-test cost, steady state ({label})", ms(ours[key]), ms(peer[key]), ratio, ">= 3x cheaper"))
    table.append(("  of which the HTTP round trip (bare werkzeug 204, q1)", ms(bare["q1"]), "-", "-", "-"))
    table.append(("  of which the fixture's own work (q1)", ms(ours["q1"] - bare["q1"]), "-", "-", "<= 0.3 ms"))
    return table


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="per-test cost of the capture server vs pytest-httpserver")
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run, not a measurement")
    quick = parser.parse_args().quick
    print("| measurement | pytest-jobhooks | peer | ratio | goal |")
    print("| --- | --- | --- | --- | --- |")
    for row in rows(quick=quick):
        print("| " + " | ".join(row) + " |")
