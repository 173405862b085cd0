"""A raw-socket receiver on 127.0.0.1 that answers one byte every ``interval`` seconds (a slow-drip attack)."""

from __future__ import annotations

import socket
import threading
from types import TracebackType

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 20\r\n\r\naccepted, eventually"


class DribblingReceiver:
    """Reads each request, then dribbles :data:`ANSWER` a byte at a time until the client hangs up or :meth:`close`."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.requests: list[bytes] = []
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self._threads: list[threading.Thread] = []
        self._accepting = threading.Thread(target=self._accept, name="dribbler", daemon=True)
        self._accepting.start()

    @property
    def url(self) -> str:
        """Where it listens."""
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}/hook"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._dribble, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _dribble(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5.0)
            try:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                self.requests.append(data)
                for byte in ANSWER:
                    conn.sendall(bytes([byte]))
                    if self._stop.wait(self.interval):  # the drip's pace, cut short by close()
                        return
            except OSError:  # the client gave up and hung up: what the test wants
                return

    def close(self) -> None:
        """Stop dribbling and listening; wait for the threads."""
        self._stop.set()
        self._listener.close()
        self._accepting.join(5.0)
        for thread in self._threads:
            thread.join(5.0)

    def __enter__(self) -> DribblingReceiver:
        return self

    def __exit__(self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]) -> None:
        self.close()
