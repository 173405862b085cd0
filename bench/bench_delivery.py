"""``deliver(payload, url)`` over HTTP: to the capture server, to pytest-httpserver, and the raw-socket floor.

All measured in the same process, interleaved over the rounds, in steady state
(connections warmed, as in a suite delivering once per test):

- ``ours``: ``deliver(p, capture_server.url)``;
- ``peer``: the same ``deliver(p, url)`` to pytest-httpserver answering 200;
- ``floor``: a raw-socket client sending the same request bytes over one
  kept-alive connection to a raw-socket server thread that answers at once
  (the loopback round trip and the GIL hand-over, nothing else);
- ``server``: the same raw-socket client to the capture server (what the
  server's own work adds to the floor).

Goals (#15): ours <= 10x the floor; peer / ours >= 3x. Usage::

    python bench/bench_delivery.py [--quick]
"""

from __future__ import annotations

import argparse
import logging
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _rounds import interleave, load, per_call, ratio, spread

TELMAI = {"tenant": "acme", "source": "src-1", "jobId": "job-7", "status": "SUCCESS", "details": "done"}
BODY = b'{"tenant":"acme","source":"src-1","jobId":"job-7","status":"SUCCESS","details":"done"}'
REQUEST = (
    b"POST /hook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
    % (len(BODY), BODY)
)
ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


@contextmanager
def raw_server() -> Iterator[int]:
    """A thread answering every request on a kept-alive connection at once (no parsing beyond the blank line)."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve(conn: socket.socket) -> None:
        with conn, conn.makefile("rb") as stream:
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            while True:
                length = 0
                while (line := stream.readline()) not in (b"\r\n", b""):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line[15:])
                if not line:
                    return
                stream.read(length)
                conn.sendall(ANSWER)

    def accept() -> None:
        while True:
            try:
                conn = listener.accept()[0]
            except OSError:  # closed: the bench is over
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


def raw_client(port: int) -> Callable[[int], float]:
    """Seconds per round trip of REQUEST over one kept-alive connection to ``port`` (a new one each round)."""

    def trip(count: int) -> float:
        # A connection per round: a server may close one left idle while the other measures ran.
        with socket.create_connection(("127.0.0.1", port)) as sock, sock.makefile("rb") as stream:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def once() -> None:
                sock.sendall(REQUEST)
                length = 0
                while (line := stream.readline()) != b"\r\n":
                    if not line:
                        raise ConnectionError("the server closed the connection")
                    if line.lower().startswith(b"content-length:"):
                        length = int(line[15:])
                stream.read(length)

            once()  # the connection's first request is not steady state
            started = time.perf_counter()
            for _ in range(count):
                once()
            return (time.perf_counter() - started) / count

    return trip


def delivering(url: str) -> Callable[[int], float]:
    from pytest_jobhooks import deliver

    return lambda count: per_call(lambda: deliver(TELMAI, url, vendor="telmai"), count)()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests per round (a smoke run)")
    args = parser.parse_args()
    count, rounds = (50, 5) if args.quick else (400, 7)

    from pytest_httpserver import HTTPServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # pytest-httpserver logs every request

    from pytest_jobhooks.server import CaptureServer

    peer = HTTPServer(port=0)
    peer.start()
    peer.expect_request("/hook", method="POST").respond_with_data("ok")
    with CaptureServer() as ours, raw_server() as floor_port:
        measures = {
            "ours": delivering(ours.url + "/hook"),
            "peer": delivering(peer.url_for("/hook")),
            "floor": raw_client(floor_port),
            "server": raw_client(ours.port),
        }
        for measure in measures.values():
            measure(20)  # warm up: imports, first connections
        results = interleave({name: partial(measure, count) for name, measure in measures.items()}, rounds)
        ours.clear()
    peer.clear()
    peer.stop()
    print(f"# deliver() over HTTP, {count} requests x {rounds} interleaved rounds; {load()}")
    print("| what | ms per request, median (min-max) |")
    print("|---|---|")
    for name, values in results.items():
        print(f"| {name} | {spread(values, 1e3)} |")
    print()
    print(f"ours / floor: {ratio(results, 'ours', 'floor')} (goal <= 10x)")
    print(f"peer / ours: {ratio(results, 'peer', 'ours')} (goal >= 3x)")
    print(f"server / floor: {ratio(results, 'server', 'floor')} (the capture server's own share)")


if __name__ == "__main__":
    main()
