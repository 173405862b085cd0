"""Deliveries to a URL reuse kept-alive connections: one per process and target, never a lost or doubled delivery."""

from __future__ import annotations

import os
import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

import pytest

from pytest_jobhooks.sender import deliver, deliver_all
from pytest_jobhooks.server import CaptureServer

TELMAI = {"tenant": "acme", "source": "src-1", "jobId": "job-7", "status": "SUCCESS", "details": "done"}
ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
After = Literal["keep", "close", "reset"]


class Receiver:
    """A raw-socket HTTP/1.1 receiver: answers each request, then keeps, closes or resets the connection.

    Its answers never say ``Connection: close``: a connection it ends looks kept alive to the client, as an
    idle connection a server times out does.
    """

    def __init__(self, after: After) -> None:
        self.after = after
        self.connections = 0
        self.requests: list[bytes] = []
        self.ended = threading.Semaphore(0)  # released each time it ends a connection
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}/hook"

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(10)
            data = b""
            while True:
                while b"\r\n\r\n" not in data:
                    try:
                        chunk = conn.recv(65536)
                    except OSError:  # a connection left in the sender's pool, idle until the timeout
                        return
                    if not chunk:
                        return
                    data += chunk
                head, _, data = data.partition(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
                while len(data) < length:
                    data += conn.recv(65536)
                self.requests.append(data[:length])
                data = data[length:]
                conn.sendall(ANSWER)
                if self.after == "reset":  # an RST instead of a FIN: SO_LINGER with a zero timeout
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                if self.after != "keep":
                    break
        self.ended.release()  # closed (the with block is done)

    def close(self) -> None:
        self._listener.close()


@contextmanager
def receiver(after: After) -> Iterator[Receiver]:
    made = Receiver(after)
    try:
        yield made
    finally:
        made.close()


def test_deliveries_to_one_target_share_one_kept_alive_connection() -> None:
    with receiver("keep") as server:
        reports = [deliver(TELMAI, server.url, vendor="telmai") for _ in range(3)]
        reports += deliver_all([TELMAI] * 2, server.url, vendor="telmai").deliveries
    assert all(report.ok for report in reports)
    assert len(server.requests) == 5
    assert server.connections == 1  # a new connection per deliver() before


@pytest.mark.parametrize("after", ["close", "reset"])
def test_a_connection_the_server_ended_is_replaced_without_losing_or_doubling(after: After) -> None:
    with receiver(after) as server:
        reports = []
        for n in range(4):
            reports.append(deliver({**TELMAI, "jobId": f"job-{n}"}, server.url, vendor="telmai", retry=False))
            assert server.ended.acquire(timeout=10)  # the pooled connection is ended before the next delivery
    assert [len(report.attempts) for report in reports] == [1, 1, 1, 1]
    assert all(report.ok for report in reports)
    assert [body.count(b'"job-%d"' % n) for n, body in enumerate(server.requests)] == [1, 1, 1, 1]
    assert server.connections == 4


def test_a_forked_child_opens_its_own_connection() -> None:
    with CaptureServer() as server:
        assert deliver(TELMAI, server, vendor="telmai").ok  # the parent's connection is now pooled
        child = os.fork()
        if child == 0:  # pragma: no cover - runs in the child
            ok = deliver({**TELMAI, "jobId": "child"}, server, vendor="telmai").ok
            os._exit(0 if ok else 1)
        _, status = os.waitpid(child, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert deliver({**TELMAI, "jobId": "parent"}, server, vendor="telmai").ok  # its connection still works
        assert sorted(str(d.json["jobId"]) for d in server.wait_for(3) if isinstance(d.json, dict)) == [
            "child",
            "job-7",
            "parent",
        ]


def test_deliveries_from_many_threads_each_arrive_once() -> None:
    with CaptureServer() as server:
        reports: list[bool] = []

        def send(index: int) -> None:
            for n in range(20):
                reports.append(deliver({**TELMAI, "jobId": f"{index}-{n}"}, server, vendor="telmai").ok)

        threads = [threading.Thread(target=send, args=(i,)) for i in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        received = sorted(str(d.json["jobId"]) for d in server.wait_for(120) if isinstance(d.json, dict))
    assert all(reports)
    assert received == sorted(f"{i}-{n}" for i in range(6) for n in range(20))
