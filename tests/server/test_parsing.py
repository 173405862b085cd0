"""How the capture server reads a request head: strictly (RFC 9112), and raw UTF-8 in the target decoded once."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from pytest_jobhooks.server import CaptureServer

from .test_reliability import read_until_closed

BODY = b'{"job_id": "j1"}'
LENGTH = f"Content-Length: {len(BODY)}\r\n".encode()


@pytest.fixture
def server() -> Iterator[CaptureServer]:
    with CaptureServer(read_timeout=2) as capture:
        yield capture


def exchange(port: int, data: bytes, *, half_close: bool = False) -> bytes:
    """Send ``data`` on a new connection and read until the server closes it (the answer, or nothing)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(data)
        if half_close:
            sock.shutdown(socket.SHUT_WR)  # the client hangs up: no more bytes will come
        return read_until_closed(sock)


def request(*header_lines: bytes, body: bytes = BODY, target: bytes = b"/hook") -> bytes:
    head = b"POST " + target + b" HTTP/1.1\r\nHost: test\r\n" + b"".join(header_lines)
    return head + b"Connection: close\r\n\r\n" + body


@pytest.mark.parametrize(
    ("header_lines", "reason"),
    [
        ([LENGTH, b"Content-Length: 2\r\n"], "conflicting Content-Length values '16, 2'"),
        ([b"Content-Length: 16, 2\r\n"], "conflicting Content-Length values '16, 2'"),
        ([b"Content-Length : 16\r\n"], "whitespace before the colon in header line b'Content-Length : 16'"),
        ([b"X-Note\r\n", LENGTH], "header line without a colon: b'X-Note'"),
        ([b"X-\xff\xfe: 1\r\n", LENGTH], "invalid header name b'X-\\xff\\xfe'"),
        ([b"Caf\xc3\xa9: 1\r\n", LENGTH], "invalid header name b'Caf\\xc3\\xa9'"),
        ([b"X-A: a\rX-Injected: yes\r\n", LENGTH], "control character in the value of header 'X-A'"),
        ([b"X-A: a\x00b\r\n", LENGTH], "control character in the value of header 'X-A'"),
        ([b"X-A: a\r\n", b" folded\r\n", LENGTH], "obsolete line folding in header line b' folded'"),
        ([b"Host: other\r\n", LENGTH], "2 Host headers"),
        ([b"Transfer-Encoding: chunked\r\n", LENGTH], "both Transfer-Encoding and Content-Length"),
    ],
    ids=[
        "two-content-lengths",
        "content-length-list",
        "space-before-colon",
        "no-colon",
        "non-utf8-name",
        "non-ascii-name",
        "bare-cr-in-value",
        "nul-in-value",
        "obs-fold",
        "two-hosts",
        "chunked-and-length",
    ],
)
def test_misparsable_head_is_answered_400_and_noted_not_recorded(
    server: CaptureServer, header_lines: list[bytes], reason: str
) -> None:
    answer = exchange(server.port, request(*header_lines))
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert b"\r\nContent-Type: text/plain; charset=utf-8\r\n" in head
    assert body.startswith(f"400 Bad Request: {reason}".encode())
    assert body.endswith(b"\n")
    assert len(body) < 300
    assert b"<" not in body  # a short text, not an HTML page
    assert server.deliveries == []
    [noted] = server.rejected
    assert noted.startswith(f"code 400, {reason}")
    assert noted.endswith("('POST /hook HTTP/1.1'); not recorded")
    assert exchange(server.port, request(LENGTH)).startswith(b"HTTP/1.1 200 OK\r\n")  # still serving
    [delivery] = server.wait_for()
    assert delivery.request.body == BODY


def test_unsupported_transfer_coding_is_answered_501(server: CaptureServer) -> None:
    answer = exchange(server.port, request(b"Transfer-Encoding: gzip, chunked\r\n", body=b"0\r\n\r\n"))
    assert answer.startswith(b"HTTP/1.1 501 Not Implemented\r\n")
    assert server.deliveries == []
    assert server.rejected == [
        "code 501, unsupported Transfer-Encoding 'gzip, chunked' ('POST /hook HTTP/1.1'); not recorded"
    ]


def test_bad_head_is_refused_before_100_continue(server: CaptureServer) -> None:
    answer = exchange(server.port, request(b"Expect: 100-continue\r\n", b"X-Note\r\n", LENGTH))
    assert answer.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert b"100 Continue" not in answer
    assert server.deliveries == []


@pytest.mark.parametrize(
    "header_lines",
    [
        [LENGTH, LENGTH],  # repeated, equal: one value (RFC 9112 6.3)
        [b"Content-Length: 16 , 016\r\n"],
        [b"X-Tab:\tvalue\twith tabs \r\n", b"X-Latin: caf\xe9\r\n", LENGTH],  # HTAB and obs-text are allowed
        [b"Content-Length:16\n", b"X-A:  spaced  \n"],  # bare LF line ends are accepted (RFC 9112 2.2)
    ],
    ids=["equal-content-lengths", "equal-list", "tabs-and-obs-text", "bare-lf"],
)
def test_valid_heads_are_still_recorded_whole(server: CaptureServer, header_lines: list[bytes]) -> None:
    assert exchange(server.port, request(*header_lines)).startswith(b"HTTP/1.1 200 OK\r\n")
    [delivery] = server.wait_for()
    assert delivery.request.body == BODY
    assert delivery.transport_error is None
    assert server.rejected == []


@pytest.mark.parametrize(
    ("sent", "noted"),
    [
        (b"POST /hook HTTP/1.1\r\nHost: test\r\nContent-Le", "in the middle of the request head, after 1 whole"),
        (b"POST /hook HTTP/1.1\r\nHost: test\r\n" + LENGTH, "in the middle of the request head, after 2 whole"),
        (b"POST /hook HTTP/1.1\r\n", "in the middle of the request head, after 0 whole"),
        (b"POST /ho", "in the middle of the request line: b'POST /ho'"),
        (b"GET /hook", "in the middle of the request line: b'GET /hook'"),  # not taken for HTTP/0.9
    ],
    ids=["mid-line", "before-blank-line", "no-headers", "mid-request-line", "http09-lookalike"],
)
def test_client_hanging_up_mid_head_is_noted_not_recorded(server: CaptureServer, sent: bytes, noted: str) -> None:
    assert exchange(server.port, sent, half_close=True) == b""  # nobody to answer: closed without a reply
    assert server.deliveries == []
    [message] = server.rejected
    assert message.startswith(f"client closed the connection {noted}")
    assert message.endswith("; not recorded")


def test_connection_closed_between_requests_is_not_a_rejection(server: CaptureServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"POST /hook HTTP/1.1\r\nHost: test\r\n" + LENGTH + b"\r\n" + BODY)
        assert sock.recv(65536).startswith(b"HTTP/1.1 200 OK\r\n")
        sock.shutdown(socket.SHUT_WR)
        assert sock.recv(65536) == b""  # the server saw the end and closed its side
    assert len(server.deliveries) == 1
    assert server.rejected == []


@pytest.mark.parametrize(
    ("target", "path", "query"),
    [
        ("/café?q=café&r=%C3%A9".encode(), "/café", "q=café&r=%C3%A9"),  # raw UTF-8: decoded once
        (b"/caf%C3%A9?q=caf%C3%A9", "/café", "q=caf%C3%A9"),  # percent-encoded: as before
        ("/日本/ü".encode(), "/日本/ü", ""),
        (b"/bad\xff?x=\xff", "/bad\ufffd", "x=\ufffd"),  # not UTF-8: replaced, as a percent-encoded %FF is
    ],
    ids=["raw-utf8", "percent-encoded", "raw-cjk", "raw-not-utf8"],
)
def test_raw_utf8_target_is_recorded_decoded_once(server: CaptureServer, target: bytes, path: str, query: str) -> None:
    assert exchange(server.port, request(LENGTH, target=target)).startswith(b"HTTP/1.1 200 OK\r\n")
    [delivery] = server.wait_for()
    assert (delivery.request.path, delivery.request.query_string) == (path, query)


@pytest.mark.parametrize(
    ("length", "status", "problem"),
    [
        (b"1\xb2", b"400 Bad Request", "invalid Content-Length header '1\xb2'"),  # "1²": str.isdigit() takes it
        (b"1" + b"0" * 5000, b"413 Request Entity Too Large", "body too large: Content-Length of 5001 digits"),
    ],
    ids=["superscript-digit", "5001-digits"],
)
def test_unreadable_content_length_is_answered_not_an_internal_error(
    server: CaptureServer, length: bytes, status: bytes, problem: str
) -> None:
    answer = exchange(server.port, request(b"Content-Length: " + length + b"\r\n"))
    assert answer.startswith(b"HTTP/1.1 " + status + b"\r\n")
    [delivery] = server.wait_for()  # recorded with why its body is not whole, like any bad Content-Length
    assert delivery.transport_error is not None
    assert delivery.transport_error.startswith(problem)
    assert server.rejected == []
