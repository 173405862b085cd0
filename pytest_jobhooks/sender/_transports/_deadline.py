"""One deadline for a whole attempt over a socket: connect, send, and read the answer's head and body.

httpx's timeouts bound each socket operation: a receiver that sends its answer
a byte at a time, each byte within the read timeout, holds the sender for as
long as it likes (``timeout=2`` took 8 s against one byte a second). httpx
offers no total timeout, so the network backend under its connection pool is
wrapped: every connect, read and write waits at most what is left of the
attempt's deadline, and one past the deadline fails with httpcore's timeout
(httpx reports it as its own ``TimeoutException``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpcore
import httpx

__all__ = ["DeadlineBackend", "deadline_transport"]


class DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's network backend with a per-thread deadline (see :meth:`bounded`) on every socket operation."""

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner
        self._local = threading.local()

    @contextmanager
    def bounded(self, seconds: float) -> Iterator[None]:
        """Within the block, socket operations of this thread end ``seconds`` from now at the latest."""
        self._local.deadline = time.monotonic() + seconds
        try:
            yield
        finally:
            self._local.deadline = None

    def left(self, timeout: float | None, error: type[httpcore.TimeoutException]) -> float | None:
        """The timeout of the next operation: ``timeout`` cut to the time left; past the deadline, ``error``."""
        deadline: float | None = getattr(self._local, "deadline", None)
        if deadline is None:
            return timeout
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            # Not settimeout(0): that makes the socket non-blocking instead of timing out.
            raise error("the attempt's deadline has passed")
        return remaining if timeout is None else min(timeout, remaining)

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        """Connect within what is left of the deadline."""
        timeout = self.left(timeout, httpcore.ConnectTimeout)
        return _Stream(self._inner.connect_tcp(host, port, timeout, local_address, socket_options), self)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        """Connect within what is left of the deadline."""
        timeout = self.left(timeout, httpcore.ConnectTimeout)
        return _Stream(self._inner.connect_unix_socket(path, timeout, socket_options), self)

    def sleep(self, seconds: float) -> None:
        """Sleep as the wrapped backend does."""
        self._inner.sleep(seconds)


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, backend: DeadlineBackend) -> None:
        self._inner = inner
        self._backend = backend

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._backend.left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._backend.left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        timeout = self._backend.left(timeout, httpcore.ConnectTimeout)
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, timeout), self._backend)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


def deadline_transport(**kwargs: Any) -> tuple[httpx.HTTPTransport, DeadlineBackend]:
    """An httpx transport (built with ``kwargs``) whose socket operations obey a :class:`DeadlineBackend`."""
    transport = httpx.HTTPTransport(**kwargs)
    # httpx builds its httpcore pool itself and takes no network backend: the pool's is wrapped in place.
    # tests/sender/test_timeouts.py fails if a new httpx moves it.
    pool = transport._pool
    if not isinstance(pool, httpcore.ConnectionPool) or not hasattr(pool, "_network_backend"):
        raise RuntimeError(f"httpx {httpx.__version__}: cannot bound an attempt's time (no httpcore pool backend)")
    backend = DeadlineBackend(pool._network_backend)
    pool._network_backend = backend
    return transport, backend
