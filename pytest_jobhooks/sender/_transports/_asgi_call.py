"""One HTTP request to an ASGI app, called directly with a hand-built scope (no httpx, no socket).

Works on whichever event loop runs it (asyncio or trio, through anyio), so the
async sender calls the app on the test's own loop. The app call is awaited to
its end, background tasks included (Starlette runs them after the last body
chunk): what the app raises at any point is kept on the exchange, so the
attempt is not ok even when a 200 went out first.
"""

from __future__ import annotations

import time
from collections.abc import Callable, MutableMapping
from typing import Any
from urllib.parse import unquote, urlsplit

from .base import Exchange, Pairs, app_error, now, user_agent

__all__ = ["Application", "call_app", "request_headers"]

Application = Callable[..., Any]
"""An ASGI 3 application: ``await app(scope, receive, send)``."""

Message = MutableMapping[str, Any]

_ASGI = {"version": "3.0", "spec_version": "2.3"}
_CLIENT = ("127.0.0.1", 50000)
_SERVER = ("testserver", 80)


def request_headers(headers: Pairs, body: bytes) -> Pairs:
    """What goes to the app: ``Host`` and ``Accept`` as a client sends them, the delivery's own, the length."""
    names = {name.lower() for name, _ in headers}
    pairs = [("Host", "testserver")] if "host" not in names else []
    pairs += [("Accept", "*/*")] if "accept" not in names else []
    pairs += [("User-Agent", user_agent())] if "user-agent" not in names else []
    pairs += headers
    if body and "content-length" not in names:
        pairs.append(("Content-Length", str(len(body))))
    return tuple(pairs)


def _scope(method: str, url: str, headers: Pairs, state: dict[str, Any] | None) -> dict[str, Any]:
    parts = urlsplit(url)
    raw_path = parts.path or "/"
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": _ASGI,
        "http_version": "1.1",
        "method": method,
        "scheme": parts.scheme or "http",
        "path": unquote(raw_path),
        "raw_path": raw_path.encode("latin-1"),
        "query_string": parts.query.encode("latin-1"),
        "root_path": "",
        # Header text goes as latin-1, as a socket carries it: the same bytes the capture server reads back.
        "headers": [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers],
        "client": _CLIENT,
        "server": _SERVER,
    }
    if state is not None:
        scope["state"] = dict(state)  # a shallow copy per request, as uvicorn gives
    return scope


async def call_app(
    app: Application,
    method: str,
    url: str,
    headers: Pairs,
    body: bytes,
    *,
    timeout: float,
    state: dict[str, Any] | None,
) -> Exchange:
    """Call ``app`` with one request on the running loop; what it answered, or raised, as an exchange."""
    import anyio  # deferred with the transports: the sender itself imports no async library

    sent = request_headers(headers, body)
    scope = _scope(method, url, sent, state)
    status: int | None = None
    response_headers: Pairs = ()
    chunks: list[bytes] = []
    finished = False
    waiting: list[anyio.Event] = []
    delivered = False

    async def receive() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        # Like a server: the client is there until the answer is complete, then it disconnects.
        if not finished:
            event = anyio.Event()
            waiting.append(event)
            await event.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal status, response_headers, finished
        kind = message["type"]
        if kind == "http.response.start":
            status = int(message["status"])
            response_headers = tuple(
                (bytes(name).decode("latin-1"), bytes(value).decode("latin-1"))
                for name, value in message.get("headers", ())
            )
        elif kind == "http.response.body":
            chunks.append(bytes(message.get("body", b"")))
            if not message.get("more_body", False):
                finished = True
                for event in waiting:
                    event.set()

    sent_at, started = now(), time.perf_counter()
    error: str | None = None
    raised: BaseException | None = None
    try:
        with anyio.fail_after(timeout):
            await app(scope, receive, send)
    except TimeoutError as exc:
        done = "answered but did not finish" if status is not None else "no answer"
        error, raised = f"timeout: {done} within {timeout:g} s", exc
    except Exception as exc:
        error, raised = app_error(exc), exc
        if status is not None and 200 <= status < 300:
            # A background task that fails after a 2xx: the receiver's work was lost, say so.
            error += f" after answering {status}" if finished else f" while answering {status}"
    if status is None and error is None:
        error = "the app returned without answering"
    return Exchange(
        method,
        url,
        sent,
        body,
        sent_at,
        time.perf_counter() - started,
        status=status,
        response_headers=response_headers,
        response_body=b"".join(chunks),
        error=error,
        exception=raised,
    )
