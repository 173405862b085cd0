"""Where a delivery goes: a URL (httpx over a socket), or a WSGI / ASGI app called in-process (no socket).

One :class:`Target` per :func:`~pytest_jobhooks.deliver` / ``deliver_all`` call
keeps one httpx client (and, for an ASGI app, one event loop) for all of its
requests. :meth:`Target.send` never raises for what can go wrong on the wire
or in the app: a timeout, a refused connection or an exception raised by an
in-process app becomes an :class:`Exchange` with ``error`` set, which the
sender treats like a failed attempt (and retries).
"""

from __future__ import annotations

import asyncio
import inspect
import ssl
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cache
from typing import Any, Literal

import httpcore  # noqa: F401  # see below
import httpx

from ..errors import DeliveryError

# httpx imports httpcore on first use and caches a map of httpcore's exception classes. Loading it
# with httpx keeps one copy of those classes where modules get unloaded (pytester's in-process runs);
# otherwise a later timeout would escape as a stale httpcore class instead of httpx.TimeoutException.

AppKind = Literal["wsgi", "asgi"]
"""How an in-process app is called: ``"wsgi"`` (Flask, Django...) or ``"asgi"`` (Starlette, FastAPI...)."""

Pairs = tuple[tuple[str, str], ...]
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]]

IN_PROCESS_BASE = "http://testserver"
"""The base URL of requests to an in-process app (its ``Host`` header is ``testserver``)."""


def refuse(message: str) -> DeliveryError:
    """A :class:`~pytest_jobhooks.DeliveryError` with ``message``, for the sender's private modules to raise."""
    return DeliveryError(message)


@dataclass(frozen=True)
class Exchange:
    """One request as sent and what came back (or why nothing did)."""

    method: str
    url: str
    headers: Pairs
    body: bytes
    sent_at: datetime
    elapsed: float
    status: int | None = None
    response_headers: Pairs = ()
    response_body: bytes = b""
    error: str | None = None
    exception: BaseException | None = None


class Target:
    """An open destination: sends requests until :meth:`close` (also a context manager)."""

    description: str
    base_url: str

    def send(self, method: str, url: str, headers: Pairs, body: bytes, *, timeout: float) -> Exchange:
        """Send one request (``url`` is absolute) and return what happened."""
        raise NotImplementedError

    def close(self) -> None:
        """Release connections (and the event loop of an ASGI target)."""

    def __enter__(self) -> Target:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def open_target(to: object, *, app_kind: AppKind | None = None) -> tuple[Target, str | None]:
    """The :class:`Target` for ``to`` and the signing secret it brings (a capture server's), if any.

    ``to`` is an ``http(s)://`` URL, a :class:`~pytest_jobhooks.CaptureServer`,
    or an app: ASGI when ``app_kind="asgi"`` or when it (or its ``__call__``) is
    a coroutine function (Starlette and FastAPI apps are), else WSGI.
    """
    if app_kind is not None and app_kind not in ("wsgi", "asgi"):
        raise refuse(f"app_kind must be 'wsgi', 'asgi' or None, not {app_kind!r}")
    from ..server import CaptureServer

    if isinstance(to, CaptureServer):
        if app_kind is not None:
            raise refuse("app_kind= is for in-process apps, not a capture server")
        return _HttpTarget(to.url), to.secret
    if isinstance(to, (str, httpx.URL)):
        if app_kind is not None:
            raise refuse(f"app_kind= is for in-process apps, not a URL ({str(to)!r})")
        return _HttpTarget(_checked_url(str(to))), None
    if not callable(to):
        raise refuse(f"cannot deliver to {to!r}: expected an http(s):// URL, a CaptureServer, or a WSGI or ASGI app")
    kind = app_kind or ("asgi" if is_asgi(to) else "wsgi")
    if kind == "asgi":
        return _AsgiTarget(to), None
    return _WsgiTarget(to), None


def is_asgi(app: object) -> bool:
    """Whether ``app`` looks like an ASGI app: a coroutine function, or an object whose ``__call__`` is one."""
    return inspect.iscoroutinefunction(app) or inspect.iscoroutinefunction(type(app).__call__)


def join_url(base: str, path: str | None) -> str:
    """``base`` with ``path`` appended (one ``/`` between them); ``base`` itself when ``path`` is None."""
    if path is None:
        return base
    if not isinstance(path, str):
        raise refuse(f"path must be a str such as '/hooks/telmai', not {path!r}")
    return base.rstrip("/") + "/" + path.lstrip("/")


@cache
def user_agent() -> str:
    """The ``User-Agent`` every delivery carries unless ``headers=`` replaces it."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"pytest-jobhooks/{version('pytest-jobhooks')}"
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "pytest-jobhooks"


def _checked_url(url: str) -> str:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise refuse(f"cannot deliver to {url!r}: {exc}") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise refuse(f"cannot deliver to {url!r}: expected an http:// or https:// URL")
    return url


@cache
def _tls() -> ssl.SSLContext:
    # Building it loads the CA bundle (~25 ms): once per process, not once per deliver() call.
    return httpx.create_ssl_context()


def _client(**kwargs: Any) -> httpx.Client:
    if "transport" not in kwargs:
        kwargs["verify"] = _tls()
    # trust_env=False: no proxy or .netrc from the environment changes what is sent.
    client = httpx.Client(headers={"User-Agent": user_agent()}, trust_env=False, follow_redirects=False, **kwargs)
    # Only what a webhook sender needs: no compressed answers, HTTP/1.1's default keep-alive unstated.
    for name in ("Accept-Encoding", "Connection"):
        del client.headers[name]
    return client


def _pairs(headers: httpx.Headers) -> Pairs:
    return tuple((name.decode("latin-1"), value.decode("latin-1")) for name, value in headers.raw)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _build(
    client: httpx.Client | httpx.AsyncClient, method: str, url: str, headers: Pairs, body: bytes, timeout: float
) -> httpx.Request:
    try:
        return client.build_request(method, url, headers=list(headers), content=body or None, timeout=timeout)
    except (httpx.InvalidURL, UnicodeEncodeError) as exc:
        raise refuse(f"cannot build the request {method} {url}: {exc}") from None


def _done(
    request: httpx.Request, response: httpx.Response, sent_at: datetime, started: float, **extra: Any
) -> Exchange:
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


def _failed(request: httpx.Request, sent_at: datetime, started: float, error: str, exc: BaseException) -> Exchange:
    elapsed = time.perf_counter() - started
    return Exchange(
        request.method, str(request.url), _pairs(request.headers), request.content, sent_at, elapsed,
        error=error, exception=exc,
    )  # fmt: skip


def _http_error(exc: httpx.HTTPError, timeout: float) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"timeout: no answer within {timeout:g} s ({type(exc).__name__})"
    if isinstance(exc, httpx.ConnectError):
        return f"connection failed: {exc}"
    return f"{type(exc).__name__}: {exc}"


class _SyncTarget(Target):
    def __init__(self, client: httpx.Client, base_url: str, description: str) -> None:
        self._client = client
        self.base_url = base_url
        self.description = description

    def _unexpected(self, exc: Exception) -> str:
        return f"request failed: {type(exc).__name__}: {exc}"

    def send(self, method: str, url: str, headers: Pairs, body: bytes, *, timeout: float) -> Exchange:
        request = _build(self._client, method, url, headers, body, timeout)
        sent_at, started = _now(), time.perf_counter()
        try:
            response = self._client.send(request)
        except httpx.HTTPError as exc:
            return _failed(request, sent_at, started, _http_error(exc, timeout), exc)
        except Exception as exc:  # from an in-process WSGI app, mostly
            return _failed(request, sent_at, started, self._unexpected(exc), exc)
        return _done(request, response, sent_at, started)

    def close(self) -> None:
        self._client.close()


class _HttpTarget(_SyncTarget):
    def __init__(self, url: str) -> None:
        super().__init__(_client(), url, url)


class _WsgiTarget(_SyncTarget):
    def __init__(self, app: Callable[..., Any]) -> None:
        # The timeout cannot interrupt a WSGI app: it runs in this very thread.
        client = _client(transport=httpx.WSGITransport(app=app), base_url=IN_PROCESS_BASE)
        super().__init__(client, IN_PROCESS_BASE, f"WSGI app {_name(app)}")

    def _unexpected(self, exc: Exception) -> str:
        return _app_error(exc)


class _AsgiTarget(Target):
    """An ASGI app called on an event loop of its own, so that ``deliver`` stays synchronous."""

    def __init__(self, app: Callable[..., Any]) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            raise refuse(
                "deliver() to an ASGI app runs the app on an event loop of its own, so it cannot be called "
                "from a running event loop (an async test): call it in a thread, e.g. "
                "`await asyncio.to_thread(deliver, payload, app)`, or deliver to the app's URL"
            )
        self._app = app
        self.base_url = IN_PROCESS_BASE
        self.description = f"ASGI app {_name(app)}"
        self._exception: BaseException | None = None
        self._answered: int | None = None
        transport = httpx.ASGITransport(app=self._call_app, raise_app_exceptions=False)
        self._client = httpx.AsyncClient(
            transport=transport, base_url=IN_PROCESS_BASE, headers={"User-Agent": user_agent()}, trust_env=False
        )
        for name in ("Accept-Encoding", "Connection"):
            del self._client.headers[name]
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
        return self._loop.run_until_complete(self._send(method, url, headers, body, timeout))

    async def _send(self, method: str, url: str, headers: Pairs, body: bytes, timeout: float) -> Exchange:
        request = _build(self._client, method, url, headers, body, timeout)
        self._exception, self._answered = None, None
        sent_at, started = _now(), time.perf_counter()
        try:
            response = await asyncio.wait_for(self._client.send(request), timeout)
        except asyncio.TimeoutError as exc:
            return _failed(request, sent_at, started, f"timeout: no answer within {timeout:g} s", exc)
        except httpx.HTTPError as exc:
            return _failed(request, sent_at, started, _http_error(exc, timeout), exc)
        raised = self._exception
        if raised is None:
            return _done(request, response, sent_at, started)
        if self._answered is None:  # httpx made up a 500 for an app that raised without answering
            return _failed(request, sent_at, started, _app_error(raised), raised)
        return _done(request, response, sent_at, started, error=_app_error(raised), exception=raised)

    def close(self) -> None:
        loop = self._loop
        try:
            loop.run_until_complete(self._client.aclose())
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()


def _app_error(exc: BaseException) -> str:
    return f"the app raised {type(exc).__name__}: {exc}"


def _name(app: object) -> str:
    qualname = getattr(app, "__qualname__", None)
    if isinstance(qualname, str):  # a function
        return qualname
    name = getattr(app, "name", None)  # Flask's import name
    return type(app).__qualname__ + (f" {name!r}" if isinstance(name, str) else "")
