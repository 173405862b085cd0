"""``deliver_async``'s transports that are not ASGI: a URL through ``httpx.AsyncClient``, a WSGI app in a thread.

The whole attempt (connect, send, the answer's head and body) is bounded by
``anyio.fail_after``, on asyncio and trio alike; a WSGI app runs in a worker
thread so it never blocks the loop.
"""

from __future__ import annotations

import time

import anyio
import httpx

from ...errors import DeliveryError
from .base import Exchange, Pairs, Target, now, user_agent

__all__ = ["AsyncHttpTarget", "ThreadedTarget"]


def _pairs(headers: httpx.Headers) -> Pairs:
    return tuple((name.decode("latin-1"), value.decode("latin-1")) for name, value in headers.raw)


class AsyncHttpTarget(Target):
    """A URL, reached over a socket with ``httpx.AsyncClient`` on the running loop."""

    def __init__(self, url: str) -> None:
        self.base_url = self.description = url
        # trust_env=False: no proxy or .netrc from the environment changes what is sent.
        self._client = httpx.AsyncClient(headers={"User-Agent": user_agent()}, trust_env=False, follow_redirects=False)
        for name in ("Accept-Encoding", "Connection"):  # only what a webhook sender sends
            del self._client.headers[name]

    async def asend(self, method: str, url: str, headers: Pairs, body: bytes, *, timeout: float) -> Exchange:
        """Send one request; no answer within ``timeout`` (the whole attempt) is an exchange with ``error``."""
        try:
            octets = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers]
            request = self._client.build_request(method, url, headers=octets, content=body or None, timeout=timeout)
        except (httpx.InvalidURL, UnicodeEncodeError) as exc:
            raise DeliveryError(f"cannot build the request {method} {url}: {exc}") from None
        sent = _pairs(request.headers)
        sent_at, started = now(), time.perf_counter()
        try:
            with anyio.fail_after(timeout):
                response = await self._client.send(request)
        except (TimeoutError, httpx.TimeoutException) as exc:
            error = f"timeout: no answer within {timeout:g} s ({type(exc).__name__})"
            return Exchange(method, url, sent, body, sent_at, time.perf_counter() - started, error=error, exception=exc)
        except httpx.HTTPError as exc:
            error = (
                f"connection failed: {exc}" if isinstance(exc, httpx.ConnectError) else f"{type(exc).__name__}: {exc}"
            )
            return Exchange(method, url, sent, body, sent_at, time.perf_counter() - started, error=error, exception=exc)
        return Exchange(
            method,
            url,
            sent,
            body,
            sent_at,
            time.perf_counter() - started,
            status=response.status_code,
            response_headers=_pairs(response.headers),
            response_body=response.content,
        )

    async def aclose(self) -> None:
        """Close the client's connections."""
        await self._client.aclose()


class ThreadedTarget(Target):
    """A synchronous target (a WSGI app) driven from the loop: each request in a worker thread."""

    def __init__(self, target: Target) -> None:
        self._target = target
        self.base_url = target.base_url
        self.description = target.description

    async def asend(self, method: str, url: str, headers: Pairs, body: bytes, *, timeout: float) -> Exchange:
        """The wrapped target's :meth:`send`, in a worker thread."""

        def call() -> Exchange:
            return self._target.send(method, url, headers, body, timeout=timeout)

        return await anyio.to_thread.run_sync(call)

    def close(self) -> None:
        """Close the wrapped target."""
        self._target.close()
