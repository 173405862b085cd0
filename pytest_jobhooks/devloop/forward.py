"""``listen --forward-to``: a transparent proxy from the capture server to the app under development.

Each delivery goes to the target as it arrived: method, path (under the
target's own path), query string, headers in order and the exact body; only
hop-by-hop headers are left out and ``Host`` names the target. The target's
status, headers and body become the capture server's answer, so the sender's
retries are driven by the real app. An unreachable target is answered 502.
"""

from __future__ import annotations

import http.client
import threading
import time
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from ..deliveries import Delivery, Response
from ..errors import ArgumentError
from ..recordings.replaying import HOP_BY_HOP_HEADERS
from ..wire import Request

__all__ = ["Forwarded", "Forwarder"]

_PATH_SAFE = "/!$&'()*+,;=:@%"


@dataclass(frozen=True)
class Forwarded:
    """What the forward target made of one delivery: its status (None: no answer), how long it took, any error."""

    status: int | None
    latency: float
    error: str | None = None

    def describe(self) -> str:
        """``app 200 in 3.1 ms`` or ``app unreachable: ...``."""
        if self.status is None:
            return f"app unreachable: {self.error}"
        return f"app {self.status} in {self.latency * 1000:.1f} ms"


class Forwarder:
    """Sends each request on to ``url`` and answers with the target's answer (a capture server's responder)."""

    def __init__(self, url: str, *, timeout: float = 30.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ArgumentError(f"--forward-to must be an http:// or https:// URL, not {url!r}")
        self.url = url
        self._parts = parts
        self._timeout = timeout
        self._lock = threading.Lock()
        self._results: dict[Request, Forwarded] = {}

    def __call__(self, request: Request) -> Response:
        """Forward ``request``; the answer to give its sender."""
        started = time.perf_counter()
        try:
            status, headers, body = self._send(request)
        except (OSError, http.client.HTTPException) as exc:
            self._note(request, Forwarded(None, time.perf_counter() - started, str(exc) or type(exc).__name__))
            message = f"listen: the forward target {self.url} did not answer: {exc}\n"
            return Response(502, message.encode(), {"Content-Type": "text/plain; charset=utf-8"})
        self._note(request, Forwarded(status, time.perf_counter() - started))
        return Response(status, body, headers)

    def replay(self, delivery: Delivery) -> str:
        """Send a captured delivery to the target again (the inspector's replay button); how it went."""
        self(delivery.request)
        return f"replayed to {self.url}: {self.result(delivery.request).describe()}"

    def result(self, request: Request) -> Forwarded:
        """What the target answered to ``request`` (forgotten once asked)."""
        with self._lock:
            return self._results.pop(request, Forwarded(None, 0.0, "not forwarded"))

    def _note(self, request: Request, forwarded: Forwarded) -> None:
        with self._lock:
            self._results[request] = forwarded

    def _send(self, request: Request) -> tuple[int, dict[str, str], bytes]:
        parts = self._parts
        kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        connection = kind(parts.hostname or "", parts.port, timeout=self._timeout)
        try:
            target = parts.path.rstrip("/") + quote(request.path, safe=_PATH_SAFE)
            if request.query_string:
                target += "?" + request.query_string
            connection.putrequest(request.method, target, skip_host=True, skip_accept_encoding=True)
            connection.putheader("Host", parts.netloc)
            for name, value in request.headers.raw():
                if name.lower() not in HOP_BY_HOP_HEADERS:
                    connection.putheader(name, value)
            if request.body or request.method in ("POST", "PUT", "PATCH"):
                connection.putheader("Content-Length", str(len(request.body)))
            connection.endheaders(request.body or None)
            answer = connection.getresponse()
            body = answer.read()
            headers = {
                name: value
                for name, value in answer.getheaders()
                if name.lower() not in HOP_BY_HOP_HEADERS and name.lower() not in ("date", "server")
            }
            return answer.status, headers, body
        finally:
            connection.close()
