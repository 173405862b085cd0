"""The capture server's limits, measured: stop with idle connections, threads and memory at the caps.

Prints one line per measurement:

- stop: time ``stop()`` takes with 500 idle client connections held open (the
  default cap of 256, and a cap of 1,000 so that every one is served);
- connections: threads and RSS with 3,000 connections held open (the default
  ``max_connections=256``), and how many were answered 503;
- deliveries: memory per recorded delivery (RSS and tracemalloc), RSS at the
  ``max_deliveries`` ring's cap, and after ``clear()``.

Usage::

    python bench/bench_limits.py            # ~5 minutes
    python bench/bench_limits.py --quick    # fewer deliveries, seconds
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import socket
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable

from pytest_jobhooks.server import CaptureServer

BODY = json.dumps(
    {"tenant": "acme", "source": "src-1", "jobId": "job-1", "status": "FINISHED", "details": "done"}
).encode()


def rss_mib() -> float:
    """The process' resident set size in MiB (Linux /proc)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def server_threads(port: int) -> int:
    return sum(thread.name.startswith(f"jobhooks:{port}-") for thread in threading.enumerate())


def wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)


def stop_with_idle(count: int, max_connections: int) -> None:
    server = CaptureServer(max_connections=max_connections).start()
    port = server.port
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(count)]
    held = min(count, max_connections)
    wait_until(lambda: server_threads(port) > held and server.refused >= count - held)
    started = time.monotonic()
    server.stop()
    took = time.monotonic() - started
    for sock in idle:
        sock.close()
    print(
        f"stop: {took * 1000:.0f} ms with {count} idle connections "
        f"(max_connections={max_connections}: {held} served, {server.refused} answered 503)"
    )


def connections_at_the_cap(count: int) -> None:
    before = rss_mib()
    with CaptureServer(read_timeout=30) as server:  # no idle connection times out while measured
        port = server.port
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(count)]
        wait_until(lambda: server.refused >= count - 256)
        threads = server_threads(port)
        print(
            f"connections: {count} held open -> {threads} server threads, {threading.active_count()} in all, "
            f"{server.refused} answered 503, RSS +{rss_mib() - before:.1f} MiB (max_connections=256)"
        )
        for sock in idle:
            sock.close()


def post(port: int, count: int, batch: int = 500) -> None:
    """``count`` POSTs, ``batch`` at a time pipelined on one connection (each one answered in order)."""
    request = b"POST /hooks/telmai HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
    request += b"Content-Length: %d\r\n\r\n%s" % (len(BODY), BODY)
    for start in range(0, count, batch):
        n = min(batch, count - start)
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(request * n)
            answers = b""
            while chunk := sock.recv(1 << 20):
                answers += chunk
        assert answers.count(b"HTTP/1.1 200 OK") == n, "a pipelined POST went unanswered"


def per_delivery(count: int) -> None:
    with CaptureServer() as server:
        post(server.port, 200)  # warm up: threads, imports, caches
        server.clear()
        gc.collect()
        tracemalloc.start()
        traced = tracemalloc.get_traced_memory()[0]
        post(server.port, count)
        grown = tracemalloc.get_traced_memory()[0] - traced
        tracemalloc.stop()
        print(f"deliveries: {grown / count / 1024:.2f} KiB each (tracemalloc, {count} with {len(BODY)}-byte bodies)")


def deliveries(count: int, cap: int) -> None:
    with CaptureServer(max_deliveries=cap) as server:
        post(server.port, 200)  # warm up: threads, imports, caches
        server.clear()
        gc.collect()
        before = rss_mib()
        post(server.port, count)
        held = len(server.deliveries)
        grown = rss_mib() - before
        print(
            f"deliveries: {count} posted, {held} held, {server.dropped} dropped (max_deliveries={cap}): "
            f"RSS +{grown:.1f} MiB ({grown * 2**20 / held / 1024:.2f} KiB per held delivery)"
        )
        server.clear()
        gc.collect()
        cleared = rss_mib() - before
        post(server.port, count)
        print(
            f"deliveries: after clear() RSS +{cleared:.1f} MiB; after {count} more, +{rss_mib() - before:.1f} MiB "
            "(the freed memory is reused)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer deliveries and connections")
    parser.add_argument("--part", type=int, help=argparse.SUPPRESS)  # one measurement, in a fresh process
    args = parser.parse_args()
    quick = args.quick
    parts: list[Callable[[], None]] = [
        lambda: stop_with_idle(500, 256),
        lambda: stop_with_idle(500, 1000),
        lambda: connections_at_the_cap(500 if quick else 3000),
        lambda: per_delivery(1_000 if quick else 2_000),
        lambda: deliveries(2_000 if quick else 20_000, 1_000 if quick else 10_000),
        lambda: deliveries(2_000 if quick else 120_000, 1_000 if quick else 100_000),  # the default cap
    ]
    if args.part is not None:
        parts[args.part]()
        return
    for part in range(len(parts)):  # each in its own process: memory freed by one must not flatter the next
        command = [sys.executable, __file__, "--part", str(part)] + (["--quick"] if quick else [])
        subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
