"""httpx for the transport that needs it (ASGI apps, in-process): request and exchange helpers.

Imported only when such a target is opened; deliveries to a URL or to a WSGI
app go without httpx.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import httpcore  # noqa: F401  # see below
import httpx

from ...errors import DeliveryError
from .base import Exchange, Pairs

# httpx imports httpcore on first use and caches a map of httpcore's exception classes. Loading it
# with httpx keeps one copy of those classes where modules get unloaded (pytester's in-process runs);
# otherwise a later timeout would escape as a stale httpcore class instead of httpx.TimeoutException.

__all__ = ["build", "done", "failed", "http_error", "strip_defaults"]


def strip_defaults(client: httpx.Client | httpx.AsyncClient) -> None:
    """Only what a webhook sender needs: no compressed answers, HTTP/1.1's default keep-alive unstated."""
    for name in ("Accept-Encoding", "Connection"):
        del client.headers[name]


def _pairs(headers: httpx.Headers) -> Pairs:
    return tuple((name.decode("latin-1"), value.decode("latin-1")) for name, value in headers.raw)


def build(
    client: httpx.Client | httpx.AsyncClient, method: str, url: str, headers: Pairs, body: bytes, timeout: float
) -> httpx.Request:
    """The httpx request, or a :class:`~pytest_jobhooks.DeliveryError` when it cannot be built."""
    try:
        # Header text is sent as latin-1, as http.client does and as the capture server reads it back: a value
        # recorded from the wire ("cafÃ©" for the UTF-8 bytes of "café") goes out as the same bytes.
        octets = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers]
        return client.build_request(method, url, headers=octets, content=body or None, timeout=timeout)
    except (httpx.InvalidURL, UnicodeEncodeError) as exc:
        raise DeliveryError(f"cannot build the request {method} {url}: {exc}") from None


def done(request: httpx.Request, response: httpx.Response, sent_at: datetime, started: float, **extra: Any) -> Exchange:
    """The exchange of an answered request."""
    return Exchange(
        request.method,
        str(request.url),
        _pairs(request.headers),
        request.content,
        sent_at,
        time.perf_counter() - started,
        status=response.status_code,
        response_headers=_pairs(response.headers),
        response_body=response.content,
        **extra,
    )


def failed(request: httpx.Request, sent_at: datetime, started: float, error: str, exc: BaseException) -> Exchange:
    """The exchange of a request that got no answer."""
    elapsed = time.perf_counter() - started
    return Exchange(
        request.method, str(request.url), _pairs(request.headers), request.content, sent_at, elapsed,
        error=error, exception=exc,
    )  # fmt: skip


def http_error(exc: httpx.HTTPError, timeout: float) -> str:
    """What went wrong on the wire, for the report."""
    if isinstance(exc, httpx.TimeoutException):
        return f"timeout: no answer within {timeout:g} s ({type(exc).__name__})"
    if isinstance(exc, httpx.ConnectError):
        return f"connection failed: {exc}"
    return f"{type(exc).__name__}: {exc}"
