"""Persistent connections (HTTP/1.1 keep-alive) on the capture server: kept, closed when asked, idle, stopped."""

from __future__ import annotations

import http.client
import socket
from collections.abc import Iterator

import pytest

from pytest_jobhooks.server import CaptureServer

from ._raw import connect, read_until_closed, server_threads

POST = b"POST %s HTTP/%s\r\nHost: t\r\n%sContent-Length: 2\r\n\r\n{}"


def request(path: bytes, version: bytes = b"1.1", extra: bytes = b"") -> bytes:
    return POST % (path, version, extra)


def answer(sock: socket.socket) -> bytes:
    """One whole answer of a body-less or ``Content-Length`` response read off ``sock``."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"closed before a whole answer: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next((int(line[15:]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")), 0)
    while len(body) < length:
        body += sock.recv(65536)
    assert len(body) == length, "more than one answer arrived: the test reads one at a time"
    return head


@pytest.fixture
def server() -> Iterator[CaptureServer]:
    with CaptureServer(read_timeout=2.0) as capture:
        yield capture


def test_two_requests_on_one_connection_get_two_answers(server: CaptureServer) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        statuses = []
        for path in ("/first", "/second"):
            connection.request("POST", path, b"{}", {"Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            statuses.append(response.status)
            assert response.getheader("Connection") is None
            assert not response.will_close
        sock = connection.sock
        assert sock is not None  # still open: both answers came over it
    finally:
        connection.close()
    assert statuses == [200, 200]
    assert [d.path for d in server.wait_for(2)] == ["/first", "/second"]
    assert server.rejected == []


def test_connection_close_is_honoured(server: CaptureServer) -> None:
    with connect(server.port, request(b"/a", extra=b"Connection: keep-alive, close\r\n")) as sock:
        head = answer(sock)
        assert b"\r\nConnection: close" in head
        assert sock.recv(65536) == b""  # the server closed its side
    assert [d.path for d in server.deliveries] == ["/a"]


def test_http_1_0_closes_unless_keep_alive_is_asked(server: CaptureServer) -> None:
    with connect(server.port, request(b"/plain", b"1.0")) as sock:
        assert answer(sock).startswith(b"HTTP/1.1 200 OK")
        assert sock.recv(65536) == b""
    with connect(server.port, request(b"/kept", b"1.0", b"Connection: Keep-Alive\r\n")) as sock:
        assert b"\r\nConnection: keep-alive" in answer(sock)
        sock.sendall(request(b"/again", b"1.0"))  # asks for nothing this time: the last on this connection
        answer(sock)
        assert sock.recv(65536) == b""
    assert [d.path for d in server.deliveries] == ["/plain", "/kept", "/again"]


def test_requests_sent_after_each_answer_and_pipelined_are_answered_in_order(server: CaptureServer) -> None:
    with connect(server.port, request(b"/1")) as sock:
        answer(sock)
        sock.sendall(request(b"/2") + request(b"/3") + request(b"/4", extra=b"Connection: close\r\n"))
        answers = read_until_closed(sock)
    assert answers.count(b"HTTP/1.1 200 OK") == 3
    assert [d.path for d in server.deliveries] == ["/1", "/2", "/3", "/4"]


def test_an_idle_kept_alive_connection_is_closed_quietly_after_the_read_timeout() -> None:
    with CaptureServer(read_timeout=0.3) as server, connect(server.port, request(b"/a")) as sock:
        answer(sock)
        assert sock.recv(65536) == b""  # closed by the server once idle for read_timeout
        assert server.rejected == []  # an idle connection lost nothing
        assert len(server.deliveries) == 1


def test_stop_ends_idle_kept_alive_connections() -> None:
    server = CaptureServer(read_timeout=60).start()
    port = server.port
    kept = [connect(port, request(b"/a")) for _ in range(5)]
    try:
        for sock in kept:
            answer(sock)
        server.stop()
        assert server_threads(port) == []
        assert all(read_until_closed(sock) == b"" for sock in kept)
    finally:
        for sock in kept:
            sock.close()
    assert len(server.deliveries) == 5
