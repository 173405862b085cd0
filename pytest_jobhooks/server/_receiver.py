"""The capture server's WSGI application: read each request, judge its signature, record it, answer it.

It never raises and never asks the catalog more than needed: a delivery's
vendor is looked up while receiving only to decide whether a missing signature
matters; everything else is worked out when a test asks.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import IO, TYPE_CHECKING

from ..catalog.reading import Reading, read_if_signing
from ..deliveries import Delivery, Response, SignatureVerdict
from ..errors import SignatureError
from ..signing import verify
from ..wire import Headers, Request, has_signature_headers
from ._httpd import HEADERS_KEY
from ._script import Script, reason_phrase

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

DEFAULT_BODY_LIMIT = 1024 * 1024
_NO_LENGTH = frozenset({204, 304})
_TEXT = {"Content-Type": "text/plain; charset=utf-8"}

Verdict = tuple[SignatureVerdict | None, str | None, str | None]


@dataclass(frozen=True)
class Settings:
    """How the server treats requests; replaced as a whole, so a request sees one consistent set."""

    secret: str | None = None
    body_limit: int = DEFAULT_BODY_LIMIT
    reject_status: int | None = 401
    require_signature: bool | None = None


class Receiver:
    """The WSGI app: records every request as a :class:`Delivery` and answers from the script."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.script = Script()
        self.stopping = threading.Event()
        self.changed = threading.Condition()
        self.generation = 0
        self._deliveries: list[Delivery] = []
        self._rejections: list[str] = []
        # How many deliveries ever arrived before _deliveries[0]: clear() moves it on, so marks stay valid.
        self._cleared = 0

    def deliveries(self) -> list[Delivery]:
        """A copy of the deliveries recorded so far, in arrival order."""
        with self.changed:
            return list(self._deliveries)

    def rejections(self) -> list[str]:
        """Why each request that could not be recorded (bad request line, timeout...) was turned away."""
        with self.changed:
            return list(self._rejections)

    def clear(self) -> None:
        """Forget every delivery and rejection; a waiting ``wait_for`` starts over."""
        with self.changed:
            self._cleared += len(self._deliveries)
            self._deliveries.clear()
            self._rejections.clear()
            self.generation += 1
            self.changed.notify_all()

    def arrived(self) -> int:
        """How many deliveries arrived since the receiver was made (cleared ones included): a mark of "now"."""
        with self.changed:
            return self._cleared + len(self._deliveries)

    def arrived_since(self, mark: int) -> list[Delivery]:
        """The deliveries still held that arrived after :meth:`arrived` returned ``mark``, in arrival order."""
        with self.changed:
            return self._deliveries[max(0, mark - self._cleared) :]

    def arrivals(self, seen: int, generation: int, deadline: float) -> tuple[int, list[Delivery]]:
        """The deliveries after the first ``seen`` of ``generation``, waiting for one until ``deadline``.

        Returns the current generation and the new deliveries (all of them when
        the generation changed, i.e. :meth:`clear` was called); no wait then.
        """
        with self.changed:
            while True:
                if self.generation != generation:
                    return self.generation, list(self._deliveries)
                if len(self._deliveries) > seen:
                    return generation, self._deliveries[seen:]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return generation, []
                self.changed.wait(remaining)

    def note_rejection(self, message: str) -> None:
        """Remember a request answered before it could be recorded."""
        with self.changed:
            self._rejections.append(message)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        try:
            response = self._receive(environ)
        except Exception as exc:  # a bug here must still answer, and be seen
            self.note_rejection(f"internal error: {type(exc).__name__}: {exc}")
            response = Response(500, b"internal error in the capture server\n", _TEXT)
        if response.delay:
            self.stopping.wait(response.delay)  # cut short when the server stops
        headers = list(response.headers.items())
        if response.status not in _NO_LENGTH:
            headers.append(("Content-Length", str(len(response.body))))
        start_response(f"{response.status} {reason_phrase(response.status)}", headers)
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [response.body]

    def _receive(self, environ: WSGIEnvironment) -> Response:
        received_at = datetime.now(timezone.utc)
        settings = self.settings
        method = environ["REQUEST_METHOD"]
        path = _unwsgi(environ.get("PATH_INFO", ""))
        query_string = _unwsgi(environ.get("QUERY_STRING", ""))
        raw_headers = environ.get(HEADERS_KEY, ())
        headers = Headers(raw_headers)
        signed = has_signature_headers(name for name, _ in raw_headers)
        body, transport_error, error_status = _read_body(environ, settings.body_limit)
        request = Request(method, path, query_string, headers, body, received_at)
        verdict: Verdict = (None, None, None)
        reading: Reading | None = None
        if transport_error is not None:
            response = Response(error_status, f"{transport_error}\n".encode(), _TEXT)
        else:
            verdict, reading = _judge(settings, request, signed)
            if verdict[0] in ("invalid", "missing") and settings.reject_status is not None:
                response = Response(settings.reject_status, f"signature {verdict[0]}: {verdict[2]}\n".encode(), _TEXT)
            else:
                response = self.script.next(path)
        delivery = Delivery(
            request,
            response=response,
            signature=verdict[0],
            signature_reason=verdict[1],
            signature_message=verdict[2],
            transport_error=transport_error,
            _reading=reading,
        )
        # Recorded before answering: once the sender has its answer, the test can see the delivery.
        with self.changed:
            self._deliveries.append(delivery)
            self.changed.notify_all()
        return response


def _judge(settings: Settings, request: Request, signed: bool) -> tuple[Verdict, Reading | None]:
    """The signature verdict, and the request's reading when working it out needed one (kept for the delivery)."""
    secret = settings.secret
    if secret is None:
        return (None, None, None), None
    if signed:
        try:
            verify(secret, request.body, request.headers)
        except SignatureError as exc:
            return ("invalid", exc.reason, str(exc)), None
        except Exception as exc:  # whatever the svix library raises must not escape the handler
            return ("invalid", "malformed", f"{type(exc).__name__}: {exc}"), None
        return ("valid", None, None), None
    expected = settings.require_signature
    reading = None
    if expected is None:
        reading = read_if_signing(request)
        expected = reading is not None and reading.from_signing_vendor
    if expected:
        return ("missing", "missing-header", "no svix-signature or webhook-signature header"), reading
    return (None, None, None), reading


def _read_body(environ: WSGIEnvironment, limit: int) -> tuple[bytes, str | None, int]:
    """The body, why it could not be read whole (or None) and the status to answer that with."""
    stream: IO[bytes] = environ["wsgi.input"]
    if environ.get("wsgi.input_terminated"):  # chunked: werkzeug decodes it
        return _read_chunked(stream, limit)
    declared = environ.get("CONTENT_LENGTH") or ""
    if not declared:
        return b"", None, 0
    if not declared.isdigit():
        return b"", f"invalid Content-Length header {declared!r}", 400
    length = int(declared)
    if length > limit:
        return b"", f"body too large: Content-Length {length} exceeds the limit of {limit} bytes", 413
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
