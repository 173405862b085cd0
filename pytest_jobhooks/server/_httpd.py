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

Requests a client pipelines (sends before reading the answer to the previous
one) are answered in order on the same connection; werkzeug's handler
otherwise closes each connection after one answer (see :class:`_Connection`).
"""

from __future__ import annotations

import contextlib
import errno
import io
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
            super().__init__(host, port, app, handler=_Connection, fd=listener.fileno())
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

    def _end_connections(self) -> None:
        with self._lock:
            connections = list(self._connections)
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


class _Reader(io.RawIOBase):
    """A connection's reads, bounded by one deadline per request instead of one timeout per ``recv``.

    A timeout per ``recv`` lets a client dribbling a byte a little under every
    ``read_timeout`` hold a thread without end; the deadline bounds a whole
    request, head and body. ``received`` counts every byte read so far;
    ``no_wait`` makes a read return at once (None) when nothing has arrived.
    """

    def __init__(self, connection: socket.socket, timeout: float) -> None:
        super().__init__()
        self._connection = connection
        self._timeout = timeout
        self.deadline = time.monotonic() + timeout
        self.received = 0
        self.no_wait = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        remaining = 0.0 if self.no_wait else self.deadline - time.monotonic()
        if remaining <= 0 and not self.no_wait:
            raise self._late()
        self._connection.settimeout(min(remaining, self._timeout))
        try:
            got = self._connection.recv_into(buffer)
        except BlockingIOError:
            return None  # no_wait and nothing there
        except TimeoutError:
            raise self._late() from None
        finally:
            self._connection.settimeout(self._timeout)  # what writes (and werkzeug's messages) see
        self.received += got
        return got

    def _late(self) -> TimeoutError:
        return TimeoutError(f"the request did not arrive whole within read_timeout={self._timeout:g} s")


class _Input(io.BufferedReader):
    """The connection's buffered input; ``held`` keeps what is buffered for the next request."""

    held = False

    def read(self, size: int | None = -1) -> bytes:
        # werkzeug drains the input after each answer (it closes every connection); a pipelined request
        # that is kept for the next round must survive that drain.
        return b"" if self.held else super().read(size)

    def buffered(self) -> int:
        """How many bytes have arrived and are not read yet, without waiting for any."""
        raw: _Reader = self.raw  # type: ignore[assignment]
        raw.no_wait = True
        try:
            return len(self.peek(1))
        finally:
            raw.no_wait = False

    def consumed(self) -> int:
        """How many bytes of the connection were read by the handler so far."""
        raw: _Reader = self.raw  # type: ignore[assignment]
        buffered = self.buffered()  # first: it may read what has arrived meanwhile, counted in received
        return raw.received - buffered


class _Connection(Handler):
    """The handler serving one connection: a deadline per request, pipelined requests answered in order.

    werkzeug answers every request ``Connection: close`` and discards what the
    client sent after it, so requests pipelined behind the first one were lost
    without a trace. Here, when the next request has already arrived as the
    answer is written (and the request before it was read whole), the answer
    leaves the connection open and the next request is served, in order (HTTP/1.1
    pipelining). Otherwise the connection closes as before, so no client holds
    an idle connection (and a thread); bytes a client sends after a complete
    request on a closing connection are noted in the server's rejections.
    """

    rfile: _Input
    _head_end: int | None = None
    _answered_at: int | None = None
    _complete = False

    def setup(self) -> None:
        super().setup()
        self.rfile.close()
        self.rfile = _Input(_Reader(self.connection, self.server.read_timeout))

    def handle_one_request(self) -> None:
        reader: _Reader = self.rfile.raw  # type: ignore[assignment]
        reader.deadline = time.monotonic() + self.server.read_timeout  # this request's head and body
        self.rfile.held = False
        self._head_end = self._answered_at = None
        self._complete = False
        super().handle_one_request()
        if self.close_connection and self._complete and self._answered_at is not None:
            # What arrived after the answer point: buffered then, or read since by werkzeug's drain.
            discarded = reader.received - self._answered_at
            if discarded > 0:
                self.server.note_rejection(
                    f"{discarded} bytes sent after a complete request were discarded: the connection was "
                    "closing (the client asked to close it, or sent them after its answer was on its way)"
                )

    def parse_request(self) -> bool:
        parsed = super().parse_request()
        if parsed:
            self._head_end = self.rfile.consumed()
        return parsed

    def send_header(self, keyword: str, value: str) -> None:
        if keyword.lower() == "connection" and value.lower() == "close" and self._answer_next():
            return  # HTTP/1.1 keeps the connection open when the answer does not say close
        super().send_header(keyword, value)

    def _answer_next(self) -> bool:
        """Whether to keep the connection for a request that already arrived behind this one."""
        if self._head_end is None:  # answering a request that could not be read
            return False
        buffered = self.rfile.buffered()  # one look: the next request, if it has arrived
        self._answered_at = self.rfile.raw.received - buffered  # type: ignore[attr-defined]
        self._complete = self._read_whole()
        self.rfile.held = self._complete and not self.close_connection and not self.server.stopping and buffered > 0
        return self.rfile.held

    def _read_whole(self) -> bool:
        """Whether the request's body was read to its end, so what follows it is the next request."""
        assert self._head_end is not None
        assert self._answered_at is not None
        environ = getattr(self, "environ", {})
        if environ.get("wsgi.input_terminated"):  # chunked: werkzeug's decoder knows where it ended
            return bool(getattr(environ["wsgi.input"], "_done", False))
        declared = self.headers.get("Content-Length", "0").strip() or "0"
        body = self._answered_at - self._head_end
        # str.isdigit() takes "1²" and int() refuses 5,000 digits: only a plain, sane number counts.
        return declared.isascii() and declared.isdigit() and len(declared) <= 19 and body == int(declared)
