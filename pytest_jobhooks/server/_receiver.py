"""The capture server's WSGI application: read each request, judge its signature, record it, answer it.

It never raises and never asks the catalog more than needed: a delivery's
vendor is looked up while receiving only to decide whether a missing signature
matters; everything else is worked out when a test asks.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..catalog.reading import Reading, read_if_signing
from ..deliveries import Delivery, Response, SignatureVerdict
from ..errors import ArgumentError, SignatureError
from ..signing import new_secret, secret_key, verify
from ..wire import Request, has_signature_headers, has_signing_headers
from ._scopes import Scopes
from ._script import DEFAULT, Script
from ._wsgi import read_request, send_response
from .inspector import INSPECTOR_PATH, Inspector

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

DEFAULT_BODY_LIMIT = 1024 * 1024
DEFAULT_MAX_DELIVERIES = 100_000
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

    def __init__(self, settings: Settings, max_deliveries: int = DEFAULT_MAX_DELIVERIES) -> None:
        self.settings = settings
        self.script = Script()
        self.stopping = threading.Event()
        self.changed = threading.Condition()
        self.generation = 0
        # Rings: a long session holds at most max_deliveries deliveries (and as many rejection notes);
        # the oldest go first, counted in dropped.
        self._deliveries: deque[Delivery] = deque(maxlen=max_deliveries)
        self._rejections: deque[str] = deque(maxlen=max_deliveries)
        self.dropped = 0
        # How many deliveries ever arrived before _deliveries[0]: clear() and the ring move it on, so
        # marks and arrival counts stay valid.
        self._first = 0
        # Per-test URL prefixes; deliveries sent to an ended scope's URLs, with its label, apart from the rest.
        self.scopes: Scopes[Settings] = Scopes()
        self._late: deque[tuple[str, Delivery]] = deque(maxlen=max_deliveries)
        # Called (in the recording thread) after each arrival or clear(): how async waits are woken.
        self._wakers: set[Callable[[], None]] = set()
        self.inspector = Inspector(self)
        # Answers deliveries instead of the script when set (listen --forward-to: the app's answer).
        self.responder: Callable[[Request], Response] | None = None

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
            self._first += len(self._deliveries)
            self._deliveries.clear()
            self._rejections.clear()
            self.generation += 1
            self.changed.notify_all()
            self._wake()

    def arrived(self) -> int:
        """How many deliveries arrived since the receiver was made (cleared ones included): a mark of "now"."""
        with self.changed:
            return self._first + len(self._deliveries)

    def arrived_since(self, mark: int) -> list[Delivery]:
        """The deliveries still held that arrived after :meth:`arrived` returned ``mark``, in arrival order."""
        with self.changed:
            return self._newest(self._first + len(self._deliveries) - mark)

    def arrivals(self, after: int, generation: int, deadline: float) -> tuple[int, int, list[Delivery]]:
        """The deliveries of ``generation`` that arrived after the first ``after``, waiting for one until ``deadline``.

        Returns the current generation, how many deliveries have arrived (the
        ``after`` of the next call) and the new deliveries still held (all of them
        when the generation changed, i.e. :meth:`clear` was called; no wait then).
        """
        with self.changed:
            while True:
                arrived = self._first + len(self._deliveries)
                if self.generation != generation:
                    return self.generation, arrived, list(self._deliveries)
                if arrived > after:
                    return generation, arrived, self._newest(arrived - after)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return generation, arrived, []
                self.changed.wait(remaining)

    def _newest(self, count: int) -> list[Delivery]:
        # From the right end of the ring: a waiter's look costs what is new, not what is held.
        count = max(0, min(count, len(self._deliveries)))
        newest = list(itertools.islice(reversed(self._deliveries), count))
        newest.reverse()
        return newest

    def note_rejection(self, message: str) -> None:
        """Remember a request answered before it could be recorded."""
        with self.changed:
            self._rejections.append(message)

    def _record(self, delivery: Delivery) -> None:
        with self.changed:
            if len(self._deliveries) == self._deliveries.maxlen:
                self.dropped += 1  # the ring forgets the oldest
                self._first += 1
            self._deliveries.append(delivery)
            self.changed.notify_all()
            self._wake()

    def add_waker(self, waker: Callable[[], None]) -> None:
        """Call ``waker`` after every arrival and every :meth:`clear` (in the server's thread; it must not block)."""
        with self.changed:
            self._wakers.add(waker)

    def remove_waker(self, waker: Callable[[], None]) -> None:
        """Stop calling ``waker``."""
        with self.changed:
            self._wakers.discard(waker)

    def _wake(self) -> None:
        # Called with self.changed held.
        for waker in self._wakers:
            with contextlib.suppress(Exception):  # a waiter's loop that has closed: nobody waits there now
                waker()

    def take_late(self) -> list[tuple[str, Delivery]]:
        """The deliveries sent to an ended scope's URLs, with that scope's label, since the last call (oldest first)."""
        with self.changed:
            late = list(self._late)
            self._late.clear()
            return late

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if INSPECTOR_PATH in path:  # looking at deliveries is not one (under a test's prefix too)
            path = self.scopes.route(path).path
            if path.startswith(INSPECTOR_PATH):
                return self.inspector({**environ, "PATH_INFO": path}, start_response)
        try:
            response = self._receive(environ)
        except Exception as exc:  # a bug here must still answer, and be seen
            self.note_rejection(f"internal error: {type(exc).__name__}: {exc}")
            response = Response(500, b"internal error in the capture server\n", _TEXT)
        if response.delay:
            self.stopping.wait(response.delay)  # cut short when the server stops
        return send_response(response, environ, start_response)

    def _receive(self, environ: WSGIEnvironment) -> Response:
        settings = self.settings
        route = self.scopes.route(environ.get("PATH_INFO", ""))
        if route.path != environ.get("PATH_INFO"):
            environ = {**environ, "PATH_INFO": route.path}
        if route.settings is not None:  # late: judged as its own test would have judged it
            settings = route.settings
        received = read_request(environ, settings.body_limit)
        request, transport_error = received.request, received.problem
        signed = has_signature_headers(request.headers)
        verdict: Verdict = (None, None, None)
        reading: Reading | None = None
        if transport_error is not None:
            response = Response(received.problem_status, f"{transport_error}\n".encode(), _TEXT)
        else:
            verdict, reading = _judge(settings, request, signed)
            if verdict[0] in ("invalid", "missing") and settings.reject_status is not None:
                response = Response(settings.reject_status, f"signature {verdict[0]}: {verdict[2]}\n".encode(), _TEXT)
            elif route.late_for is not None:
                response = DEFAULT  # the current test's script is not for it
            else:
                responder = self.responder
                response = self.script.next(request.path) if responder is None else responder(request)
        delivery = Delivery(
            request,
            response=response,
            signature=verdict[0],
            signature_reason=verdict[1],
            signature_message=verdict[2],
            transport_error=transport_error,
            _reading=reading,
        )
        if route.late_for is not None:
            with self.changed:
                self._late.append((route.late_for, delivery))
        else:
            self._record(delivery)  # before answering: once the sender has its answer, the test can see it
        return response


def _judge(settings: Settings, request: Request, signed: bool) -> tuple[Verdict, Reading | None]:
    """The signature verdict, and the request's reading when working it out needed one (kept for the delivery)."""
    secret = settings.secret
    if secret is None:
        return (None, None, None), None
    if signed:
        return _verified(secret, request), None
    expected = settings.require_signature
    reading = None
    if expected is None:
        reading = read_if_signing(request)
        expected = reading is not None and reading.from_signing_vendor
    if expected and has_signing_headers(request.headers):
        # Expected signed, sent some signing headers but no signature: verify() names the missing ones.
        return _verified(secret, request), reading
    if expected:
        return ("missing", "missing-header", "no svix-signature or webhook-signature header"), reading
    return (None, None, None), reading


def _verified(secret: str, request: Request) -> Verdict:
    try:
        verify(secret, request.body, request.headers)
    except SignatureError as exc:
        return ("invalid", exc.reason, str(exc))
    except Exception as exc:  # whatever the svix library raises must not escape the handler
        return ("invalid", "malformed", f"{type(exc).__name__}: {exc}")
    return ("valid", None, None)


def checked_names(settings: Mapping[str, object], allowed: tuple[str, ...]) -> dict[str, object]:
    """``settings`` as a dict, once every name is one of ``allowed``."""
    unknown = sorted(set(settings) - set(allowed))
    if unknown:
        raise ArgumentError(f"unknown setting(s) {', '.join(unknown)}; allowed: {', '.join(allowed)}")
    return dict(settings)


def settings_secret(value: object) -> str | None:
    """The ``secret`` setting's value: True draws a fresh one; a str must be a usable ``whsec_...`` secret."""
    if value is True:
        return new_secret()
    if value is None or value is False:
        return None
    if isinstance(value, str):
        secret_key(value)  # an unusable one is refused now, not by every delivery
        return value
    raise ArgumentError(f"secret must be a 'whsec_...' str, True (fresh) or None, not {value!r}")
