"""The capture server under bad clients and load: nothing lost, nothing hangs, nothing outlives a stop."""

from __future__ import annotations

import http.client
import json
import socket
import threading
from collections import Counter
from collections.abc import Iterator

import pytest

from pytest_jobhooks.server import CaptureServer

from ._raw import connect, read_until_closed, server_threads

HEAD = b"POST /hook HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"


@pytest.fixture
def server() -> Iterator[CaptureServer]:
    with CaptureServer(read_timeout=0.5) as capture:
        yield capture


def post(port: int, body: bytes, path: str = "/hook") -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("POST", path, body, {"Content-Type": "application/json"})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status


def test_no_delivery_lost_or_duplicated_under_concurrency(jobhooks_server: CaptureServer) -> None:
    server = jobhooks_server  # the plugin's own server, with its default read timeout
    threads, each = 16, 300
    statuses: list[list[int]] = [[] for _ in range(threads)]
    barrier = threading.Barrier(threads)

    def client(index: int) -> None:
        barrier.wait()
        for n in range(each):
            body = json.dumps({"client": index, "n": n}).encode()
            statuses[index].append(post(server.port, body))

    workers = [threading.Thread(target=client, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    received = Counter((d.json["client"], d.json["n"]) for d in server.deliveries if isinstance(d.json, dict))
    assert len(server.deliveries) == threads * each
    assert set(received.values()) == {1}
    assert set(received) == {(i, n) for i in range(threads) for n in range(each)}
    assert all(status == 200 for answers in statuses for status in answers)


def test_client_stalling_mid_body_blocks_nobody_and_is_recorded(server: CaptureServer) -> None:
    with connect(server.port, HEAD + b'{"tenant":') as stalled:
        assert post(server.port, b"{}") == 200  # served while the other client stalls
        [late] = server.wait_for(predicate=lambda d: d.transport_error is not None, timeout=10)
        assert late.transport_error == "client stalled after 10 of 100 body bytes: nothing more arrived for 0.5 s"
        assert late.body == b'{"tenant":'
        assert late.response is not None
        assert late.response.status == 408
        assert read_until_closed(stalled).startswith(b"HTTP/1.1 408 Request Timeout\r\n")


def test_client_closing_mid_body_is_recorded(server: CaptureServer) -> None:
    connect(server.port, HEAD + b'{"tenant":').close()
    [cut] = server.wait_for(timeout=10)
    assert cut.transport_error == "incomplete body: connection closed after 10 of 100 bytes"
    assert cut.errors == ["$: incomplete body: connection closed after 10 of 100 bytes"]
    assert post(server.port, b"{}") == 200


@pytest.mark.parametrize(
    ("request_bytes", "answer", "rejection"),
    [
        # http.server answers a request line it cannot read the HTTP/0.9 way: a bare HTML error page.
        (b"GARBAGE\r\n\r\n", b"Error code: 400", "code 400, message Bad request syntax ('GARBAGE')"),
        (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", b"Error code: 400", "code 400, message Bad request"),
        (b"GET / HTTP/9.9\r\n\r\n", b"Error code: 505", "code 505, message Invalid HTTP version (9.9)"),
        (b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * 101 + b"\r\n", b"HTTP/1.1 431", "code 431, message Too many headers"),
    ],
    ids=["garbage", "tls-hello", "bad-version", "too-many-headers"],
)
def test_garbage_request_is_answered_and_noted_not_recorded(
    server: CaptureServer, request_bytes: bytes, answer: bytes, rejection: str
) -> None:
    with connect(server.port, request_bytes) as sock:
        assert answer in read_until_closed(sock)
    assert post(server.port, b"{}") == 200  # still serving
    assert len(server.deliveries) == 1
    [noted] = server.rejected
    assert noted.startswith(rejection)
    with pytest.raises(AssertionError, match=r"1 request\(s\) turned away before they could be recorded:\n  - code"):
        server.wait_for(2, timeout=0)


def test_silent_client_times_out_without_blocking_others(server: CaptureServer) -> None:
    with connect(server.port) as silent:
        assert post(server.port, b"{}") == 200
        assert read_until_closed(silent) == b""  # closed by the server after its read timeout
    assert any("timed out" in message for message in server.rejected)


def test_invalid_content_length_is_answered_400_and_recorded(server: CaptureServer) -> None:
    with connect(server.port, b"POST /hook HTTP/1.1\r\nHost: t\r\nContent-Length: ten\r\n\r\n") as sock:
        assert read_until_closed(sock).startswith(b"HTTP/1.1 400 Bad Request\r\n")
    [delivery] = server.wait_for()
    assert delivery.transport_error == "invalid Content-Length header 'ten'"


def test_head_request_gets_no_body(server: CaptureServer) -> None:
    server.respond(200, body="hello", times=1)
    with connect(server.port, b"HEAD /hook HTTP/1.1\r\nHost: t\r\n\r\n") as sock:
        answer = read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"Content-Length: 5\r\n" in answer
    assert answer.endswith(b"\r\n\r\n")


def test_stop_leaves_no_thread_and_no_listening_socket() -> None:
    server = CaptureServer().start()
    port = server.port
    post(port, b"{}")
    assert server_threads(port)
    server.stop()
    assert server_threads(port) == []
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5)


def test_stop_ends_stalled_connections_and_cuts_delays_short() -> None:
    server = CaptureServer(read_timeout=60).start()
    port = server.port
    server.respond(200, delay=60)
    outcome: list[object] = []

    def delayed_post() -> None:
        try:
            outcome.append(post(port, b"{}"))
        except (ConnectionError, http.client.HTTPException) as exc:  # cut off if the grace period ran out
            outcome.append(type(exc).__name__)

    delayed = threading.Thread(target=delayed_post)
    with connect(port, HEAD + b"{") as stalled:
        delayed.start()
        server.wait_for(predicate=lambda d: d.response is not None and d.response.delay == 60, timeout=10)
        server.stop()
        assert server_threads(port) == []
        assert read_until_closed(stalled) == b""  # cut off: no answer to a request it never finished
    delayed.join(timeout=10)
    assert not delayed.is_alive()  # the 60 s delay did not hold the sender
    assert outcome in ([200], ["RemoteDisconnected"], ["ConnectionResetError"])


def test_start_stop_cycles_leave_nothing_behind() -> None:
    before = {thread.name for thread in threading.enumerate()}
    ports = []
    for _ in range(20):
        with CaptureServer() as server:
            ports.append(server.port)
            post(server.port, b"{}")
    assert {thread.name for thread in threading.enumerate()} <= before
    for port in ports[-3:]:
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=5)


def test_many_stalled_clients_still_leave_room_for_one_more(server: CaptureServer) -> None:
    stalled = [connect(server.port, HEAD) for _ in range(12)]
    try:
        assert post(server.port, b"{}") == 200
    finally:
        for sock in stalled:
            sock.close()
