"""The fake GoFetch API reads request heads as strictly as the capture server (they share the handler)."""

from __future__ import annotations

import socket

from pytest_jobhooks.fakes.gofetch import API_PREFIX, GoFetchAPI


def test_misparsable_head_is_answered_400_and_not_taken_as_a_call() -> None:
    body = b'{"url": "http://hooks.example/in"}'
    with GoFetchAPI(token="t0ken") as api:
        head = (
            f"PUT {API_PREFIX}webhooks/job_status HTTP/1.1\r\nHost: test\r\n"
            f"X-User-Email: {api.headers['X-User-Email']}\r\nX-User-Token : t0ken\r\n"  # space before the colon
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        with socket.create_connection(("127.0.0.1", api.port), timeout=5) as sock:
            sock.sendall(head.encode() + body)
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 400 Bad Request\r\n")
        assert answer.endswith(b"400 Bad Request: whitespace before the colon in header line b'X-User-Token : t0ken'\n")
        assert api.calls == []
        assert api.webhook_url is None
