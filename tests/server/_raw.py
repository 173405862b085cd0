"""Raw-socket helpers for the capture server's protocol tests."""

from __future__ import annotations

import socket
import threading


def connect(port: int, data: bytes = b"") -> socket.socket:
    """A client connection to 127.0.0.1:``port`` that has sent ``data``."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    if data:
        sock.sendall(data)
    return sock


def read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (a reset ends it too)."""
    chunks = []
    try:
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    except ConnectionResetError:
        pass
    return b"".join(chunks)


def server_threads(port: int) -> list[threading.Thread]:
    """The threads of the capture server listening on ``port``."""
    return [thread for thread in threading.enumerate() if thread.name.startswith(f"jobhooks:{port}-")]
