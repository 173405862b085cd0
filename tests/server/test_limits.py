"""The capture server's limits: stop with many connections, pipelining, one deadline per request, caps."""

from __future__ import annotations

import gc
import threading
import time
import weakref
from collections.abc import Callable, Iterator

import pytest

from pytest_jobhooks.errors import ArgumentError
from pytest_jobhooks.server import CaptureServer

from ._raw import connect, read_until_closed, server_threads

POST = b"POST %s HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"


def post_bytes(path: str, body: bytes = b"{}", *, close: bool = False) -> bytes:
    request = POST % (path.encode(), len(body), body)
    # Connections are kept alive: a request that is to be the last asks the server to close.
    return request.replace(b"Host: t\r\n", b"Host: t\r\nConnection: close\r\n") if close else request


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        threading.Event().wait(0.01)


@pytest.fixture
def server() -> Iterator[CaptureServer]:
    with CaptureServer(read_timeout=1.0) as capture:
        yield capture


# -- defect 1: stop() with many open connections


def test_stop_with_200_idle_connections_takes_no_more_than_a_moment() -> None:
    server = CaptureServer().start()
    port = server.port
    idle = [connect(port) for _ in range(200)]
    try:
        wait_until(lambda: len(server_threads(port)) > 200)  # every one accepted and held by a thread
        started = time.monotonic()
        server.stop()
        took = time.monotonic() - started
    finally:
        for sock in idle:
            sock.close()
    assert took < 5.0  # it took 71 s: one wake-up connection per thread, and the listen backlog filled
    assert server_threads(port) == []


# -- defect 17: pipelined requests


def test_pipelined_requests_are_answered_in_order_and_recorded(server: CaptureServer) -> None:
    server.respond(201, times=1)
    chunked = b"POST /c HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"
    pipelined = (
        post_bytes("/a")
        + post_bytes("/b", b"[1]")
        + chunked
        + b"GET /d?x=1 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
    )
    with connect(server.port, pipelined) as sock:
        answers = read_until_closed(sock)
    assert answers.count(b"HTTP/1.1 ") == 4
    assert answers.startswith(b"HTTP/1.1 201 Created\r\n")
    assert answers.count(b"Connection: close") == 1  # only the last answer closes: the last request asked
    assert [(d.method, d.path, d.body) for d in server.deliveries] == [
        ("POST", "/a", b"{}"),
        ("POST", "/b", b"[1]"),
        ("POST", "/c", b"{}"),
        ("GET", "/d", b""),
    ]
    assert server.rejected == []


def test_pipelined_requests_beyond_one_read_buffer_are_all_answered(server: CaptureServer) -> None:
    requests = [post_bytes(f"/p{n}", b'{"n": %d}' % n, close=n == 299) for n in range(300)]  # about 40 KiB
    with connect(server.port, b"".join(requests)) as sock:
        answers = read_until_closed(sock)
    assert answers.count(b"HTTP/1.1 200 OK\r\n") == 300
    assert [d.path for d in server.deliveries] == [f"/p{n}" for n in range(300)]
    assert server.rejected == []


def test_request_pipelined_after_a_close_is_noted_not_lost(server: CaptureServer) -> None:
    first = post_bytes("/a", close=True)
    with connect(server.port, first + post_bytes("/b")) as sock:
        answers = read_until_closed(sock)
    assert answers.count(b"HTTP/1.1 ") == 1
    assert [d.path for d in server.deliveries] == ["/a"]
    [noted] = server.rejected
    assert noted.startswith(f"{len(post_bytes('/b'))} bytes sent after a complete request were discarded")


def test_body_left_unread_is_never_taken_for_a_pipelined_request(server: CaptureServer) -> None:
    server.configure(body_limit=10)
    smuggled = post_bytes("/smuggled")
    with connect(server.port, post_bytes("/big", smuggled) + post_bytes("/after")) as sock:
        answers = read_until_closed(sock)
    assert answers.startswith(b"HTTP/1.1 413 Request Entity Too Large\r\n")
    assert answers.count(b"HTTP/1.1 ") == 1
    assert [d.path for d in server.deliveries] == ["/big"]


# -- defect 18: one deadline per request


def test_client_dribbling_its_head_is_cut_off_at_the_read_timeout(server: CaptureServer) -> None:
    head = b"POST /hook HTTP/1.1\r\nHost: t\r\nX-Padding: " + b"x" * 100
    started = time.monotonic()
    with connect(server.port) as sock:
        sock.settimeout(0.1)
        for byte in head:  # a byte every 0.1 s: each recv is quick, the request never ends
            try:
                sock.sendall(bytes([byte]))
                if sock.recv(1) == b"":
                    break  # closed by the server
            except TimeoutError:
                continue
            except OSError:
                break
        took = time.monotonic() - started
    assert took < 3.0  # read_timeout=1 bounds the whole head; per recv it held the thread for 10 s
    assert server.rejected == [
        "Request timed out: TimeoutError('the request did not arrive whole within read_timeout=1 s')"
    ]


def test_client_dribbling_its_body_is_answered_408_at_the_read_timeout(server: CaptureServer) -> None:
    started = time.monotonic()
    with connect(server.port, POST % (b"/hook", 100, b"")) as sock:
        sock.settimeout(0.1)
        answer = b""
        while not answer and time.monotonic() - started < 5:  # a body byte every 0.1 s until answered
            try:
                sock.sendall(b" ")
                answer = sock.recv(65536)
            except TimeoutError:
                continue
        took = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408 Request Timeout\r\n")
    assert took < 3.0  # read_timeout=1 bounds the whole body
    [delivery] = server.deliveries
    assert delivery.transport_error is not None
    assert delivery.transport_error.startswith("client stalled after ")


# -- limits


def test_connection_over_the_cap_is_answered_503_and_counted() -> None:
    with CaptureServer(max_connections=3) as server:
        server.respond(200, delay=30)  # holds each connection until the stop cuts the delay short
        held = [connect(server.port, post_bytes(f"/held{n}")) for n in range(3)]
        try:
            server.wait_for(3)  # recorded, so each one is held by a thread in its delay
            with connect(server.port, post_bytes("/more")) as extra:
                answer = read_until_closed(extra)
            assert answer.startswith(b"HTTP/1.1 503 Service Unavailable\r\n")
            assert answer.endswith(b"too many connections open: try again later\n")
            assert server.refused == 1
            assert server.rejected == ["connection answered 503: 3 connections open (max_connections)"]
            assert len(server_threads(server.port)) <= 3 + 8
        finally:
            for sock in held:
                sock.close()
    assert server.refused == 1  # still counted once stopped


def test_threads_stay_bounded_under_many_connections() -> None:
    with CaptureServer(max_connections=10, read_timeout=2.0) as server:
        port = server.port
        idle = [connect(port) for _ in range(60)]
        try:
            wait_until(lambda: server.refused == 50)
            assert len(server_threads(port)) <= 10 + 8
        finally:
            for sock in idle:
                sock.close()


def test_the_newest_max_deliveries_are_held_and_the_dropped_counted() -> None:
    with CaptureServer(max_deliveries=3) as server:
        mark = server.mark()
        for n in range(5):
            with connect(server.port, post_bytes(f"/d{n}", close=True)) as sock:
                read_until_closed(sock)
        assert [d.path for d in server.deliveries] == ["/d2", "/d3", "/d4"]
        assert server.dropped == 2
        assert [d.path for d in server.since(mark)] == ["/d2", "/d3", "/d4"]
        assert [d.path for d in server.wait_for(3, timeout=0)] == ["/d2", "/d3", "/d4"]
        server.clear()
        assert server.deliveries == []
        assert server.dropped == 2


@pytest.mark.parametrize(
    ("argument", "value", "message"),
    [
        ("max_connections", 0, "max_connections must be an int >= 1, not 0"),
        ("max_connections", True, "max_connections must be an int >= 1, not True"),
        ("max_deliveries", 0, "max_deliveries must be an int >= 1, not 0"),
        ("max_deliveries", 1.5, "max_deliveries must be an int >= 1, not 1.5"),
    ],
)
def test_limits_are_checked(argument: str, value: object, message: str) -> None:
    with pytest.raises(ArgumentError, match=message):
        CaptureServer(**{argument: value})  # type: ignore[arg-type]


def test_clear_lets_the_deliveries_go() -> None:
    with CaptureServer() as server:
        with connect(server.port, post_bytes("/hook", close=True)) as sock:
            read_until_closed(sock)
        [delivery] = server.wait_for()
        held = weakref.ref(delivery)
        del delivery
        server.clear()
        gc.collect()
        assert held() is None  # nothing else keeps it: its memory is free for the next deliveries
