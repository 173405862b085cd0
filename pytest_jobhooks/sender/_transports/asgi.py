"""The ASGI transport: a Starlette / FastAPI (or any ASGI) app called in-process on an event loop of its own."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import httpx

from ...errors import DeliveryError
from ._httpx import build, done, failed, http_error, strip_defaults
from .base import IN_PROCESS_BASE, Exchange, Pairs, Target, now, user_agent
from .wsgi import app_error, app_name

__all__ = ["AsgiTarget"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]


class AsgiTarget(Target):
    """An ASGI app called on an event loop of its own, so that ``deliver`` stays synchronous."""

    def __init__(self, app: Callable[..., Any]) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            raise DeliveryError(
                "deliver() to an ASGI app runs the app on an event loop of its own, so it cannot be called "
                "from a running event loop (an async test): call it in a thread, e.g. "
                "`await asyncio.to_thread(deliver, payload, app)`, or deliver to the app's URL"
            )
        self._app = app
        self.base_url = IN_PROCESS_BASE
        self.description = f"ASGI app {app_name(app)}"
        self._exception: BaseException | None = None
        self._answered: int | None = None
        transport = httpx.ASGITransport(app=self._call_app, raise_app_exceptions=False)
        self._client = httpx.AsyncClient(
            transport=transport, base_url=IN_PROCESS_BASE, headers={"User-Agent": user_agent()}, trust_env=False
        )
        strip_defaults(self._client)
        self._loop = asyncio.new_event_loop()

    async def _call_app(self, scope: Scope, receive: Callable[[], Awaitable[Message]], send: Any) -> None:
        async def noting_send(message: Message) -> None:
            if message.get("type") == "http.response.start":
                self._answered = int(message["status"])
            await send(message)

        try:
            await self._app(scope, receive, noting_send)
        except Exception as exc:
            self._exception = exc
            raise

    def send(self, method: str, url: str, headers: Pairs, body: bytes, *, timeout: float) -> Exchange:
        """Send one request to the app on this target's loop; what the app raised is kept on the exchange."""
        return self._loop.run_until_complete(self._send(method, url, headers, body, timeout))

    async def _send(self, method: str, url: str, headers: Pairs, body: bytes, timeout: float) -> Exchange:
        request = build(self._client, method, url, headers, body, timeout)
        self._exception, self._answered = None, None
        sent_at, started = now(), time.perf_counter()
        try:
            response = await asyncio.wait_for(self._client.send(request), timeout)
        except asyncio.TimeoutError as exc:
            return failed(request, sent_at, started, f"timeout: no answer within {timeout:g} s", exc)
        except httpx.HTTPError as exc:
            return failed(request, sent_at, started, http_error(exc, timeout), exc)
        raised = self._exception
        if raised is None:
            return done(request, response, sent_at, started)
        if self._answered is None:  # httpx made up a 500 for an app that raised without answering
            return failed(request, sent_at, started, app_error(raised), raised)
        return done(request, response, sent_at, started, error=app_error(raised), exception=raised)

    def close(self) -> None:
        """Close the client, then the event loop."""
        loop = self._loop
        try:
            loop.run_until_complete(self._client.aclose())
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()
