"""How a background server reads each HTTP request on a connection (werkzeug's handler, made stricter).

``http.server`` reads the header lines and hands them to ``email.parser``,
which is lenient by design: a line without a colon or with a space before it
ends the headers (the rest, and the body, are silently lost), a bare CR starts
a new header (an injected one), and of two ``Content-Length`` values werkzeug
keeps the last. Here each header line is checked as it was received, and a
request whose head does not read one way only is answered 400 (RFC 9112) and
noted as a rejection, never passed on to be recorded as a delivery.

Each request, head and body, must arrive within one ``read_timeout`` from the
moment the handler starts reading it (a timeout per ``recv`` would let a client
dribbling a byte at a time hold a thread without end). werkzeug answers every
request ``Connection: close`` and discards what the client sent after it; here
the connection stays open once a request was read whole (HTTP/1.1 persistent
connections, RFC 9112 9.3): the next request, pipelined or sent later, is
answered next, in order, until the client asks to close, speaks HTTP/1.0
without ``Connection: keep-alive``, or stays idle for one ``read_timeout``.
"""

from __future__ import annotations

import contextlib
import io
import re
import time
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from werkzeug.serving import WSGIRequestHandler

if TYPE_CHECKING:
    import socket

    from _typeshed.wsgi import WSGIEnvironment

    from ._httpd import Httpd

__all__ = ["HEADERS_KEY", "Handler"]

HEADERS_KEY = "jobhooks.headers"
"""The environ key under which the handler passes the request headers as sent (names in their case)."""

_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 5.1: a field name is a token
_CONTROL = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")  # RFC 9110 5.5: no CTL but HTAB in a field value
_DIGITS = re.compile(r"[0-9]+")  # str.isdigit() takes "²" too
_SHOWN = 80  # bytes of an offending line quoted in the answer


class _HeadReader(io.BufferedIOBase):
    """Passes ``readline`` through to the connection, keeping each line as received."""

    def __init__(self, rfile: io.BufferedIOBase) -> None:
        super().__init__()
        self._rfile = rfile
        self.lines: list[bytes] = []

    def readline(self, size: int | None = -1, /) -> bytes:
        line = self._rfile.readline(size)
        self.lines.append(line)
        return line


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


class _Output(io.RawIOBase):
    """The connection's output, held until ``flush``: an answer's head and body leave in one ``sendall``.

    A head sent apart from its body costs the client a second read, and both
    threads a hand-over of the GIL, on every request.
    """

    def __init__(self, connection: socket.socket) -> None:
        super().__init__()
        self._connection = connection
        self._held: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._held.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        if self._held:
            data = b"".join(self._held)
            self._held.clear()
            self._connection.sendall(data)


class Handler(WSGIRequestHandler):
    """werkzeug's request handler serving one connection of the capture server or a fake API.

    Each request's head is checked strictly and read within one deadline.
    Once a request was read whole, its answer leaves the connection open (no
    ``Connection: close``; ``Connection: keep-alive`` to an HTTP/1.0 client
    that asked for it) and the next request is served, in order, pipelined or
    not. The connection closes when the client asks (``Connection: close``,
    HTTP/1.0), when a body was not read to its end (what follows it cannot be
    told from a request), when the server stops, or after one ``read_timeout``
    without a new request (quietly: an idle connection is no rejection). Bytes a
    client sends after a complete request on a closing connection are noted in
    the server's rejections.
    """

    server: Httpd
    rfile: _Input
    protocol_version = "HTTP/1.1"  # set here so werkzeug does not set it on the shared class
    _content_length: str | None = None
    _head_end: int | None = None
    _answered_at: int | None = None
    _complete = False
    _idle_from: int | None = None  # bytes received when this kept-alive connection began waiting

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.read_timeout)  # what writes see; reads keep one deadline
        self.rfile.close()
        self.rfile = _Input(_Reader(self.connection, self.server.read_timeout))
        self.wfile = _Output(self.connection)  # type: ignore[assignment]

    def handle_one_request(self) -> None:
        reader: _Reader = self.rfile.raw  # type: ignore[assignment]
        reader.deadline = time.monotonic() + self.server.read_timeout  # this request's head and body
        self.rfile.held = False
        kept = self._answered_at is not None  # a request was answered on this connection already
        self._head_end = self._answered_at = None
        self._complete = False
        self._idle_from = reader.received if kept else None
        if kept:
            self.server.idle(self.connection, True)  # a stop ends it at once: no request is in progress
        try:
            super().handle_one_request()
        finally:
            if kept:
                self.server.idle(self.connection, False)
            with contextlib.suppress(OSError):  # an error answer that nobody flushed; the client may be gone
                self.wfile.flush()
        if self.close_connection and self._complete and self._answered_at is not None:
            # What arrived after the answer point: buffered then, or read since by werkzeug's drain.
            discarded = reader.received - self._answered_at
            if discarded > 0:
                self.server.note_rejection(
                    f"{discarded} bytes sent after a complete request were discarded: the connection was "
                    "closing (the client asked to close it, or sent them after its answer was on its way)"
                )

    def parse_request(self) -> bool:
        """Read the request line and headers (the base class), then refuse a head that is not whole or not valid."""
        self._content_length = None
        if not self.raw_requestline.endswith(b"\n"):  # a line over the limit was answered 414 before this
            return self._incomplete("in the middle of the request line", self.raw_requestline)
        rfile = self.rfile
        reader = self.rfile = _HeadReader(rfile)  # type: ignore[assignment]
        try:
            parsed = super().parse_request()  # calls handle_expect_100, which checks the head first
        except ConnectionError as exc:
            where = f"in the middle of the request head ({self.requestline!r})"
            self.server.note_rejection(f"connection lost {where}: {exc}; not recorded")
            raise
        finally:
            self.rfile = rfile
        if not parsed or not self._head_ok(reader.lines):
            return False
        # http.server reads only a lone "close" or "keep-alive"; the header is a list (RFC 9110 7.6.1).
        options = {o.strip(" \t").lower() for v in self.headers.get_all("Connection", ()) for o in v.split(",")}
        if "close" in options:
            self.close_connection = True
        # http.server decodes the request line as latin-1, werkzeug then takes the path for UTF-8 text:
        # raw UTF-8 bytes (``/café`` not percent-encoded) would come out double-decoded (``/cafÃ©``).
        self.path = self.path.encode("latin-1").decode("utf-8", "replace")
        self._head_end = self.rfile.consumed()
        return True

    def handle_expect_100(self) -> bool:
        """Answer ``100 Continue`` only to a head that will be read; a bad one is answered 400 at once."""
        assert isinstance(self.rfile, _HeadReader)  # parse_request set it up
        if not (self._head_ok(self.rfile.lines) and super().handle_expect_100()):
            return False
        self.wfile.flush()  # the client waits for it before sending the body
        return True

    def send_header(self, keyword: str, value: str) -> None:
        if keyword.lower() == "connection" and value.lower() == "close" and self._keep_open():
            if self.request_version == "HTTP/1.0":  # HTTP/1.0 closes unless the answer says keep-alive
                super().send_header("Connection", "keep-alive")
            return  # HTTP/1.1 keeps the connection open when the answer does not say close
        super().send_header(keyword, value)

    def _keep_open(self) -> bool:
        """Whether the connection stays open for the next request once this answer is written."""
        if self._head_end is None:  # answering a request that could not be read
            return False
        buffered = self.rfile.buffered()  # one look: a pipelined request may have arrived already
        self._answered_at = self.rfile.raw.received - buffered  # type: ignore[attr-defined]
        self._complete = self._read_whole()
        # held: werkzeug's drain after the answer must not swallow the next request.
        self.rfile.held = self._complete and not self.close_connection and not self.server.stopping
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
        # Only a plain, sane number counts: int() would take "1²" and refuses 5,000 digits.
        return len(declared) <= 19 and _DIGITS.fullmatch(declared) is not None and body == int(declared)

    def make_environ(self) -> WSGIEnvironment:
        environ = super().make_environ()
        environ[HEADERS_KEY] = self.headers.items()
        if self._content_length is not None:  # werkzeug keeps the last of repeated (equal) values, or a list
            environ["CONTENT_LENGTH"] = self._content_length
        return environ

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Requests are recorded as deliveries, not logged."""

    def log_error(self, format: str, *args: Any) -> None:
        # Called for requests rejected before they reach the app (bad request line, huge headers...).
        if self._idle_from is not None and self.rfile.raw.received == self._idle_from:  # type: ignore[attr-defined]
            return  # a kept-alive connection idle for read_timeout: closed, nothing was lost
        self.server.note_rejection(format % args if args else format)

    def _head_ok(self, lines: list[bytes]) -> bool:
        if not lines or lines[-1] == b"":  # the connection ended before the blank line closing the head
            whole = sum(line.endswith(b"\n") for line in lines)
            return self._incomplete(f"in the middle of the request head, after {whole} whole header line(s)")
        problem = _head_problem(lines)
        if isinstance(problem, tuple):
            return self._reject(*problem)
        self._content_length = problem
        return True

    def _incomplete(self, where: str, received: bytes = b"") -> bool:
        # Nobody is left to answer (or the client half-closed a request it never finished): no reply.
        self.close_connection = True
        shown = f": {received[:_SHOWN]!r}" if received else f" ({self.requestline!r})"
        self.server.note_rejection(f"client closed the connection {where}{shown}; not recorded")
        return False

    def _reject(self, status: HTTPStatus, reason: str) -> bool:
        self.close_connection = True
        self.server.note_rejection(f"code {status.value}, {reason} ({self.requestline!r}); not recorded")
        body = f"{status.value} {status.phrase}: {reason}\n".encode()
        with contextlib.suppress(OSError):  # the client may be gone already
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
        return False


def _head_problem(lines: list[bytes]) -> tuple[HTTPStatus, str] | str | None:
    """Why the header ``lines`` (as received, the closing blank line last) are refused: a status and a reason.

    Otherwise the one ``Content-Length`` they declare (repeated equal values
    count as one), or None when they declare none.
    """
    lengths: list[str] = []
    codings: list[str] = []
    hosts = 0
    for line in lines[:-1]:
        content = line[:-2] if line.endswith(b"\r\n") else line[:-1]  # a bare LF ends a line too (RFC 9112 2.2)
        shown = content[:_SHOWN]
        if content[:1] in (b" ", b"\t"):
            return HTTPStatus.BAD_REQUEST, f"obsolete line folding in header line {shown!r}"
        name, colon, value = content.partition(b":")
        if not colon:
            return HTTPStatus.BAD_REQUEST, f"header line without a colon: {shown!r}"
        if not _TOKEN.fullmatch(name):
            if name.rstrip(b" \t") != name:
                return HTTPStatus.BAD_REQUEST, f"whitespace before the colon in header line {shown!r}"
            return HTTPStatus.BAD_REQUEST, f"invalid header name {name[:_SHOWN]!r}"
        if _CONTROL.search(value):  # a bare CR would otherwise start a header of its own
            return HTTPStatus.BAD_REQUEST, f"control character in the value of header {name.decode()!r}: {shown!r}"
        field = name.lower()
        text = value.decode("latin-1").strip(" \t")
        if field == b"content-length":
            lengths.extend(member.strip(" \t") for member in text.split(","))
        elif field == b"transfer-encoding":
            codings.extend(member.strip(" \t").lower() for member in text.split(","))
        elif field == b"host":
            hosts += 1
    if hosts > 1:
        return HTTPStatus.BAD_REQUEST, f"{hosts} Host headers"  # RFC 9112 3.2
    if codings and lengths:
        return HTTPStatus.BAD_REQUEST, "both Transfer-Encoding and Content-Length"  # RFC 9112 6.3: smuggling
    if codings and codings != ["chunked"]:
        return HTTPStatus.NOT_IMPLEMENTED, f"unsupported Transfer-Encoding {', '.join(codings)!r}"
    # Equal values count as one (RFC 9112 6.3); a value that is not a number is left to the body reader.
    declared = {(length.lstrip("0") or "0") if _DIGITS.fullmatch(length) else length for length in lengths}
    if len(declared) > 1:
        return HTTPStatus.BAD_REQUEST, f"conflicting Content-Length values {', '.join(lengths)!r}"
    return declared.pop() if declared else None
