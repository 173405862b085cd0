"""How a background server reads each HTTP request on a connection (werkzeug's handler, made stricter).

``http.server`` reads the header lines and hands them to ``email.parser``,
which is lenient by design: a line without a colon or with a space before it
ends the headers (the rest, and the body, are silently lost), a bare CR starts
a new header (an injected one), and of two ``Content-Length`` values werkzeug
keeps the last. Here each header line is checked as it was received, and a
request whose head does not read one way only is answered 400 (RFC 9112) and
noted as a rejection, never passed on to be recorded as a delivery.
"""

from __future__ import annotations

import contextlib
import io
import re
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from werkzeug.serving import WSGIRequestHandler

if TYPE_CHECKING:
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


class Handler(WSGIRequestHandler):
    """werkzeug's request handler, reading each request's head for the capture server and the fake APIs."""

    server: Httpd
    protocol_version = "HTTP/1.1"  # set here so werkzeug does not set it on the shared class
    _content_length: str | None = None

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.read_timeout)  # a stalled client cannot hold a worker for longer

    def parse_request(self) -> bool:
        """Read the request line and headers (the base class), then refuse a head that is not whole or not valid."""
        self._content_length = None
        if not self.raw_requestline.endswith(b"\n"):  # a line over the limit was answered 414 before this
            return self._incomplete("in the middle of the request line", self.raw_requestline)
        rfile = self.rfile
        reader = self.rfile = _HeadReader(rfile)
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
        # http.server decodes the request line as latin-1, werkzeug then takes the path for UTF-8 text:
        # raw UTF-8 bytes (``/café`` not percent-encoded) would come out double-decoded (``/cafÃ©``).
        self.path = self.path.encode("latin-1").decode("utf-8", "replace")
        return True

    def handle_expect_100(self) -> bool:
        """Answer ``100 Continue`` only to a head that will be read; a bad one is answered 400 at once."""
        assert isinstance(self.rfile, _HeadReader)  # parse_request set it up
        return self._head_ok(self.rfile.lines) and super().handle_expect_100()

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
