"""The capture server against pytest-httpserver and a bare werkzeug server, measured side by side.

Prints a markdown table with each measurement, the peer's, their ratio and the goal:

- per-test cost in pytest runs (see ``bench_server_per_test.py``);
- stop: time to stop a running server;
- throughput: sequential POSTs, and 8 concurrent clients (with a loss check), best of 7 rounds;
- wake-up: how long ``wait_for`` takes to return once a delivery is recorded.

Usage::

    python bench/bench_server.py            # ~1 minute
    python bench/bench_server.py --quick    # a smoke run, seconds
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import os
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

BODY = json.dumps(
    {"tenant": "acme", "source": "src-1", "jobId": "job-1", "status": "FINISHED", "details": "done"}
).encode()


@dataclass
class Row:
    metric: str
    ours: str
    peer: str
    ratio: str
    goal: str


def post(port: int) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port)
    connection.request("POST", "/hook", BODY, {"Content-Type": "application/json"})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status


@contextmanager
def bare_werkzeug(*, threaded: bool) -> Iterator[int]:
    from werkzeug.serving import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args: Any) -> None:
            pass

    def app(environ: dict[str, Any], start_response: Callable[..., object]) -> list[bytes]:
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        start_response("204 No Content", [])
        return []

    server = make_server("127.0.0.1", 0, app, threaded=threaded, request_handler=Quiet)  # type: ignore[arg-type]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01})
    thread.start()
    try:
        yield server.port
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


@contextmanager
def httpserver(*, threaded: bool) -> Iterator[int]:
    from pytest_httpserver import HTTPServer

    server = HTTPServer(port=0, threaded=threaded)
    server.start()
    server.expect_request("/hook", method="POST").respond_with_data("ok")
    try:
        yield server.port
    finally:
        server.clear()
        server.stop()


@contextmanager
def jobhooks() -> Iterator[int]:
    from pytest_jobhooks.server import CaptureServer

    with CaptureServer() as server:  # as the fixture runs it: with a fresh secret
        yield server.port


def sequential(port: int, count: int) -> float:
    start = time.perf_counter()
    for _ in range(count):
        post(port)
    return count / (time.perf_counter() - start)


def concurrent(port: int, clients: int, each: int) -> tuple[float, int]:
    """Requests per second with ``clients`` threads posting ``each`` times, and how many got a 2xx."""
    ok = [0] * clients
    barrier = threading.Barrier(clients + 1)

    def client(index: int) -> None:
        barrier.wait()
        ok[index] = sum(200 <= post(port) < 300 for _ in range(each))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    return clients * each / (time.perf_counter() - start), sum(ok)


def throughputs(count: int, rounds: int, clients: int, each: int) -> dict[str, float]:
    from pytest_jobhooks.server import CaptureServer

    servers: dict[str, Callable[[], Any]] = {
        "jobhooks": jobhooks,
        "httpserver": lambda: httpserver(threaded=False),
        "bare-single": lambda: bare_werkzeug(threaded=False),
        "bare-threaded": lambda: bare_werkzeug(threaded=True),
    }
    seq: dict[str, list[float]] = {name: [] for name in servers}
    for _ in range(rounds):
        for name, make in servers.items():
            with make() as port:
                post(port)  # warm up (imports, first thread)
                seq[name].append(sequential(port, count))
    # Best of the rounds, as timeit does: other load on the machine only ever slows a round down.
    result = {f"seq/{name}": max(values) for name, values in seq.items()}
    conc: dict[str, list[float]] = {"jobhooks": [], "httpserver-threaded": []}
    for _ in range(rounds):
        with CaptureServer() as server:
            post(server.port)
            server.clear()
            rate, ok = concurrent(server.port, clients, each)
            recorded = len(server.deliveries)
            if ok != clients * each or recorded != clients * each:
                raise SystemExit(f"loss: {ok} answered 2xx, {recorded} recorded of {clients * each}")
            conc["jobhooks"].append(rate)
        with httpserver(threaded=True) as port:
            post(port)
            conc["httpserver-threaded"].append(concurrent(port, clients, each)[0])
    result.update({f"conc/{name}": max(values) for name, values in conc.items()})
    return result


def stop_times(ours: int, peers: int) -> tuple[float, float]:
    from pytest_httpserver import HTTPServer

    from pytest_jobhooks.server import CaptureServer

    def timed_stop(server: Any) -> float:
        server.start()
        post(server.port)
        time.sleep(0.05)  # idle, as at the end of a session (a stop right after a request is a lucky case)
        start = time.perf_counter()
        server.stop()
        return time.perf_counter() - start

    jobhooks = [timed_stop(CaptureServer()) for _ in range(ours)]
    peer = [timed_stop(HTTPServer(port=0)) for _ in range(peers)]
    return statistics.median(jobhooks), statistics.median(peer)


def wake_latencies(count: int) -> list[float]:
    """Seconds from each delivery's recording to the return of the ``wait_for`` waiting for it."""
    from pytest_jobhooks import _receiver
    from pytest_jobhooks.server import CaptureServer

    recorded: list[float] = []
    woke: list[float] = []
    original = _receiver.Receiver._receive

    def receive(self: _receiver.Receiver, environ: Any) -> Any:
        response = original(self, environ)  # records the delivery, then returns
        recorded.append(time.perf_counter())
        return response

    _receiver.Receiver._receive = receive  # type: ignore[method-assign]
    try:
        with CaptureServer() as server:
            ready = threading.Event()

            def waiter() -> None:
                for number in range(1, count + 1):
                    ready.set()
                    server.wait_for(number, timeout=10)
                    woke.append(time.perf_counter())

            thread = threading.Thread(target=waiter)
            thread.start()
            for _ in range(count):
                ready.wait()
                ready.clear()
                post(server.port)
            thread.join()
    finally:
        _receiver.Receiver._receive = original  # type: ignore[method-assign]
    # The recording time is taken just after the notify, so the waiter may even beat it: never below 0.
    return [max(0.0, w - r) for w, r in zip(woke, recorded, strict=True)]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run, not a measurement")
    parser.add_argument("--skip-per-test", action="store_true", help="skip the pytest runs (per-test cost)")
    args = parser.parse_args(argv)
    quick = args.quick
    rows: list[Row] = []
    # The peer's request log lines would cost it time and flood the output: silence them.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    if not args.skip_per_test:
        from bench_server_per_test import rows as per_test_rows

        rows.extend(Row(*row) for row in per_test_rows(quick=quick))

    ours_stop, peer_stop = stop_times(ours=5 if quick else 30, peers=1 if quick else 5)
    rows.append(Row("stop", ms(ours_stop), ms(peer_stop), f"{peer_stop / ours_stop:.0f}x faster", "<= 10 ms"))

    rates = throughputs(count=50 if quick else 300, rounds=1 if quick else 7, clients=8, each=10 if quick else 100)
    seq = rates["seq/jobhooks"]
    rows.append(
        Row(
            "sequential POSTs /s",
            f"{seq:.0f}",
            f"{rates['seq/httpserver']:.0f}",
            f"{seq / rates['seq/httpserver']:.2f}x",
            ">= 1.0x pytest-httpserver",
        )
    )
    for name in ("bare-single", "bare-threaded"):
        label = "single-threaded" if name == "bare-single" else "threaded"
        rows.append(
            Row(
                f"  vs bare werkzeug 204 ({label})",
                f"{seq:.0f}",
                f"{rates['seq/' + name]:.0f}",
                f"{seq / rates['seq/' + name]:.2f}x",
                ">= 0.8x",
            )
        )
    conc = rates["conc/jobhooks"]
    peer_conc = rates["conc/httpserver-threaded"]
    rows.append(
        Row(
            "8 concurrent clients, POSTs /s (0 lost)",
            f"{conc:.0f}",
            f"{peer_conc:.0f}",
            f"{conc / peer_conc:.2f}x",
            ">= 2x pytest-httpserver threaded",
        )
    )

    latencies = wake_latencies(20 if quick else 300)
    rows.append(
        Row(
            "wait_for wake-up after recording (median / p90)",
            f"{ms(statistics.median(latencies))} / {ms(statistics.quantiles(latencies, n=10)[-1])}",
            "-",
            "-",
            "<= 1 ms median",
        )
    )

    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs{' (quick run: not a measurement)' if quick else ''}")
    print("| measurement | pytest-jobhooks | peer | ratio | goal |")
    print("| --- | --- | --- | --- | --- |")
    for row in rows:
        print(f"| {row.metric} | {row.ours} | {row.peer} | {row.ratio} | {row.goal} |")
    return rows


if __name__ == "__main__":
    main()
