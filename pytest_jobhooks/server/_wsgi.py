"""Reading a WSGI request into a :class:`~pytest_jobhooks.wire.Request`, and sending a :class:`Response` back.

Shared by every background server (the capture server, the fake vendor APIs),
so each reads bodies the same way: a limit, chunked bodies, stalled and
cut-off clients turned into a reason and a status instead of an exception.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from http import HTTPStatus
from typing import IO, TYPE_CHECKING

from ..deliveries import Response
from ..wire import Headers, Request
from ._handler import HEADERS_KEY

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

_NO_LENGTH = frozenset({204, 304})


@dataclass(frozen=True)
class Received:
    """A request as read from the WSGI environ: the :class:`Request`, and why its body is not whole (or None).

    ``problem`` is a sentence (``body too large: ...``) and ``problem_status``
    the status to answer it with (400, 408 or 413); 0 when the body is whole.
    """

    request: Request
    problem: str | None
    problem_status: int


def read_request(environ: WSGIEnvironment, body_limit: int) -> Received:
    """The request in ``environ``, its body read up to ``body_limit`` bytes, timed when it arrived (UTC)."""
    received_at = datetime.now(timezone.utc)
    body, problem, status = _read_body(environ, body_limit)
    request = Request(
        environ["REQUEST_METHOD"],
        _unwsgi(environ.get("PATH_INFO", "")),
        _unwsgi(environ.get("QUERY_STRING", "")),
        Headers(environ.get(HEADERS_KEY, ())),
        body,
        received_at,
    )
    return Received(request, problem, status)


def send_response(response: Response, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """Answer with ``response`` (its ``delay`` is the caller's business): status line, headers, body."""
    headers = list(response.headers.items())
    if response.status not in _NO_LENGTH:
        headers.append(("Content-Length", str(len(response.body))))
    start_response(f"{response.status} {reason_phrase(response.status)}", headers)
    return [] if environ["REQUEST_METHOD"] == "HEAD" else [response.body]


def reason_phrase(status: int) -> str:
    """The standard reason phrase of ``status`` (``Unknown`` for unregistered codes)."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _read_body(environ: WSGIEnvironment, limit: int) -> tuple[bytes, str | None, int]:
    """The body, why it could not be read whole (or None) and the status to answer that with."""
    stream: IO[bytes] = environ["wsgi.input"]
    if environ.get("wsgi.input_terminated"):  # chunked: werkzeug decodes it
        return _read_chunked(stream, limit)
    declared = environ.get("CONTENT_LENGTH") or ""
    if not declared:
        return b"", None, 0
    if not (declared.isascii() and declared.isdigit()):  # isdigit() alone takes "²", which int() refuses
        return b"", f"invalid Content-Length header {declared!r}", 400
    digits = declared.lstrip("0") or "0"
    if len(digits) > len(str(limit)) or int(digits) > limit:  # int() refuses over 4,300 digits: not asked
        shown = digits if len(digits) <= 20 else f"of {len(digits)} digits"
        return b"", f"body too large: Content-Length {shown} exceeds the limit of {limit} bytes", 413
    length = int(digits)
    read = getattr(stream, "read1", stream.read)
    chunks: list[bytes] = []
    got = 0
    while got < length:
        try:
            chunk = read(length - got)
        except TimeoutError:
            stalled = _stalled(environ, f"after {got} of {length} body bytes")
            return b"".join(chunks), stalled, 408
        except OSError as exc:
            return b"".join(chunks), f"connection failed after {got} of {length} body bytes: {exc}", 400
        if not chunk:
            return b"".join(chunks), f"incomplete body: connection closed after {got} of {length} bytes", 400
        chunks.append(chunk)
        got += len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks), None, 0


def _read_chunked(stream: IO[bytes], limit: int) -> tuple[bytes, str | None, int]:
    chunks: list[bytes] = []
    got = 0
    while True:
        try:
            chunk = stream.read(65536)
        except TimeoutError:
            return b"".join(chunks), f"client stalled after {got} bytes of a chunked body", 408
        except OSError as exc:
            return b"".join(chunks), f"broken chunked body after {got} bytes: {exc}", 400
        if not chunk:
            return b"".join(chunks), None, 0
        got += len(chunk)
        if got > limit:
            return b"", f"body too large: the chunked body exceeds the limit of {limit} bytes", 413
        chunks.append(chunk)


def _stalled(environ: WSGIEnvironment, where: str) -> str:
    connection = environ.get("werkzeug.socket")
    timeout = connection.gettimeout() if connection is not None else None
    waited = f" for {timeout:g} s" if timeout else ""
    return f"client stalled {where}: nothing more arrived{waited}"


def _unwsgi(value: str) -> str:
    # WSGI hands text over as latin-1 code points of the UTF-8 bytes.
    return value.encode("latin-1").decode("utf-8", "replace")
