"""The capture server's HTTP layer: werkzeug's WSGI server, made to stop in milliseconds and never hang.

werkzeug's server is a ``socketserver``: its ``shutdown()`` waits for the next
0.5 s poll and ``ThreadingMixIn`` starts a thread per connection. Here the
threads block in ``accept()`` themselves: the one the kernel wakes serves the
connection (no hand-off between threads on a request's path), a new thread
starts whenever none is left accepting, so a stalled client never blocks the
others, and idle ones are reused. Stopping shuts the listening socket down,
which wakes every accepting thread at once (and, where that does not, one
connection per thread still accepting), so it takes milliseconds whatever
the number of open connections. Every connection is shut down when the
server stops.

Limits: at most ``max_connections`` connections are served at once, so at
most ``max_connections`` + 8 threads run; one over the cap is answered 503
by the accepting thread and counted (:attr:`Httpd.refused`). Each request
(its head and its body) must arrive within one ``read_timeout`` from the
moment the server starts reading it, however slowly a client dribbles it.

Connections are persistent (HTTP/1.1 keep-alive) and requests a client
pipelines are answered in order (see :class:`~._handler.Handler`); a stop ends
the idle kept-alive connections at once, without waiting for its grace period.
"""

from __future__ import annotations

import contextlib
import errno
import socket
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from werkzeug.serving import BaseWSGIServer, select_address_family

from ..errors import ServerError
from ._handler import Handler

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

_LISTEN_BACKLOG = 128
_INITIAL_THREADS = 2
_GRACE = 0.05  # seconds a stop waits for requests in progress before cutting their connections
_OUT_OF_RESOURCES = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})
_MAX_IDLE_THREADS = 8
DEFAULT_MAX_CONNECTIONS = 256
_BUSY_BODY = b"too many connections open: try again later\n"
_BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Content-Length: %d\r\nRetry-After: 1\r\nConnection: close\r\n\r\n%s" % (len(_BUSY_BODY), _BUSY_BODY)
)


class Httpd(BaseWSGIServer):
    """werkzeug's WSGI server with accepting threads, tracked connections and a stop in milliseconds."""

    multithread = True

    def __init__(
        self,
        host: str,
        port: int,
        app: WSGIApplication,
        *,
        read_timeout: float,
        name: str,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
    ) -> None:
        listener = _listen(host, port)
        try:
            # Handing werkzeug a bound socket keeps its sys.exit() on bind errors out of the way.
            super().__init__(host, port, app, handler=Handler, fd=listener.fileno())
        finally:
            listener.close()  # werkzeug works on a duplicate
        self.read_timeout = read_timeout
        self.max_connections = max_connections
        self.refused = 0  # connections answered 503 because max_connections were open
        self.name = f"{name}:{self.port}"  # thread names, so a leak shows which server it came from
        self.on_rejection: Callable[[str], None] = lambda message: None
        self._stopping = False
        self._lock = threading.Lock()
        self._free = 0  # threads waiting in accept()
        self._started = 0
        self._threads: set[threading.Thread] = set()
        self._connections: set[socket.socket] = set()
        self._idle: set[socket.socket] = set()  # kept-alive connections waiting for their next request

    def start(self) -> None:
        """Serve in background threads."""
        with self._lock:
            for _ in range(_INITIAL_THREADS):
                self._spawn()

    def stop(self) -> None:
        """Stop accepting, end open connections, join every thread and close every socket (milliseconds)."""
        self._stopping = True
        with self._lock:
            threads = list(self._threads)
        # Shutting the listening socket down wakes every thread blocked in accept() at once (Linux) and
        # refuses new connections. Waking threads with connections of their own instead stalls one second
        # per connection once the listen backlog is full: only threads still accepting may be woken so.
        with contextlib.suppress(OSError):
            self.socket.shutdown(socket.SHUT_RDWR)
        self._wake_acceptors()
        self._end_connections(idle_only=True)  # no request in progress there: nothing to wait for
        grace = time.monotonic() + _GRACE
        for thread in threads:  # requests in progress may finish: their answers are on their way
            thread.join(max(0.0, grace - time.monotonic()))
        deadline = time.monotonic() + self.read_timeout + 1.0
        for thread in threads:
            # Repeated: a connection accepted just as the stop began is only known a moment later.
            while thread.is_alive() and time.monotonic() < deadline:
                self._end_connections()
                self._wake_acceptors()
                thread.join(0.05)
        self.server_close()

    def _wake_acceptors(self) -> None:
        # Where shutdown() on a listening socket does not wake accept() (not Linux): one connection per
        # thread still blocked in it. Threads serving a connection are woken by _end_connections instead.
        with self._lock:
            accepting = self._free
        for _ in range(accepting):
            try:
                socket.create_connection(_reachable(self.server_address), timeout=0.2).close()
            except OSError:
                return  # refused: the listening socket is shut down, which woke them already

    def idle(self, connection: socket.socket, waiting: bool) -> None:
        """Note that a kept-alive ``connection`` waits for its next request (``waiting``), or no longer does."""
        with self._lock:
            if waiting and not self._stopping:
                self._idle.add(connection)
            else:
                self._idle.discard(connection)
        if waiting and self._stopping:  # the stop may have looked at the idle ones already
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def _end_connections(self, *, idle_only: bool = False) -> None:
        with self._lock:
            connections = list(self._idle if idle_only else self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)  # wakes a thread blocked reading a stalled client

    def _spawn(self) -> None:
        # Called with self._lock held.
        self._free += 1
        self._started += 1
        thread = threading.Thread(target=self._serve, name=f"{self.name}-{self._started}", daemon=True)
        self._threads.add(thread)
        thread.start()

    def _serve(self) -> None:
        # Idle threads all block in accept() on the blocking listening socket; the kernel wakes one
        # per connection and that one serves it, so no hand-off between threads is on a request's path.
        while not self._stopping:
            try:
                request, client_address = self.get_request()
            except OSError as exc:
                if exc.errno in _OUT_OF_RESOURCES:
                    time.sleep(0.01)  # out of file descriptors: let some connections close first
                continue  # otherwise the client gave up before we got to it
            if self._stopping:
                self.shutdown_request(request)
                break
            with self._lock:
                full = len(self._connections) >= self.max_connections
                if full:
                    self.refused += 1
                else:
                    self._connections.add(request)
                    self._free -= 1
                    if not self._free:
                        # Someone must be accepting while this connection is served (at the cap: to answer 503).
                        self._spawn()
            if full:
                self._refuse(request)
                continue
            self._handle_connection(request, client_address)
            with self._lock:
                if self._free >= _MAX_IDLE_THREADS:
                    break
                self._free += 1
        with self._lock:
            self._threads.discard(threading.current_thread())

    def _refuse(self, request: socket.socket) -> None:
        # Over the cap: answered by the accepting thread itself, without blocking it (no thread of its own).
        # Noted first, so a client that has its answer finds it noted.
        self.note_rejection(f"connection answered 503: {self.max_connections} connections open (max_connections)")
        with contextlib.suppress(OSError):
            request.setblocking(False)
            request.sendall(_BUSY)  # a few bytes into an empty send buffer: never blocks
            request.shutdown(socket.SHUT_WR)
            request.recv(65536)  # what the client already sent: closing on unread data would reset the 503
        request.close()

    def _handle_connection(self, request: socket.socket, client_address: Any) -> None:
        # The connection is in self._connections already (counted against the cap when accepted).
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            with self._lock:
                self._connections.discard(request)
            self.shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Note an unexpected error instead of printing a traceback into the test session's output."""
        error = sys.exc_info()[1]
        self.note_rejection(f"internal error: {type(error).__name__}: {error}")

    def log(self, type: str, message: str, *args: Any) -> None:
        """werkzeug's log of an error in a request: noted like a rejection instead of printed."""
        self.note_rejection(message % args if args else message)

    @property
    def stopping(self) -> bool:
        """Whether :meth:`stop` was called."""
        return self._stopping

    def note_rejection(self, message: str) -> None:
        """Report a request answered before it could be recorded."""
        self.on_rejection(message)


def _reachable(address: Any) -> tuple[str, int]:
    host, port = address[0], address[1]
    wildcard = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}
    return wildcard.get(host, host), port


def _listen(host: str, port: int) -> socket.socket:
    family = select_address_family(host, port)
    if family not in (socket.AF_INET, socket.AF_INET6):
        raise ServerError(f"cannot listen on {host!r}: only TCP hosts are supported")
    try:
        return socket.create_server((host, port), family=family, backlog=_LISTEN_BACKLOG)
    except OSError as exc:
        raise ServerError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
