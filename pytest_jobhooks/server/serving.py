"""Serving the app under test on a real port: a WSGI app on werkzeug, an ASGI app on uvicorn with its lifespan.

For tests that need the app over real HTTP (a client of its own, an outgoing
webhook it sends, a vendor calling it back) without writing threads::

    with AppServer(create_app()) as app_server:
        httpx.post(app_server.url_for("/webhooks/telmai"), json=payload)

The ``jobhooks_serve`` fixture does the same for one test:
``base_url = jobhooks_serve(app)``.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Literal

from .._checks import check_number
from ..errors import ArgumentError, ServerError
from ._httpd import DEFAULT_MAX_CONNECTIONS
from .background import BackgroundServer, Serving

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

__all__ = ["SERVE_EXTRA", "AppKind", "AppServer", "app_kind"]

AppKind = Literal["wsgi", "asgi"]
"""How an app is called: WSGI (Flask, Django's WSGI handler) or ASGI (FastAPI, Starlette)."""

SERVE_EXTRA = "pip install 'pytest-jobhooks[serve]'"
"""What installs uvicorn, which serving an ASGI app needs."""


def app_kind(app: object) -> AppKind:
    """``"asgi"`` for an app called as ``await app(scope, receive, send)``, else ``"wsgi"``."""
    if inspect.iscoroutinefunction(app) or inspect.iscoroutinefunction(type(app).__call__):
        return "asgi"
    return "wsgi"


class AppServer(BackgroundServer):
    """The app under test served on ``host:port`` (default 127.0.0.1 and a free port) in background threads.

    A WSGI app runs on the same werkzeug server as the capture server (the same
    limits: ``read_timeout``, ``max_connections``). An ASGI app runs on uvicorn
    (the ``serve`` extra: ``pip install 'pytest-jobhooks[serve]'``) in a thread
    with its own event loop, lifespan included: :meth:`start` returns once the
    app's startup completed (a failing one raises
    :class:`~pytest_jobhooks.errors.ServerError` naming the app's exception),
    :meth:`stop` runs its shutdown. Either stops in milliseconds. ``kind``
    forces ``"wsgi"`` or ``"asgi"`` when detecting it (an ``async def
    __call__``) is not enough. ``startup_timeout`` (seconds, default 10)
    bounds an ASGI app's startup.
    """

    _what = "the app server"
    _thread_name = "jobhooks-app"

    def __init__(
        self,
        app: object,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        kind: AppKind | None = None,
        read_timeout: float = 5.0,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        startup_timeout: float = 10.0,
    ) -> None:
        super().__init__(host, port, read_timeout=read_timeout, max_connections=max_connections)
        if not callable(app):
            raise ArgumentError(f"app must be a WSGI or ASGI application (a callable), not {app!r}")
        if kind not in (None, "wsgi", "asgi"):
            raise ArgumentError(f"kind must be 'wsgi', 'asgi' or None (detect), not {kind!r}")
        self._app = app
        self._kind: AppKind = kind or app_kind(app)
        self._startup_timeout = check_number("startup_timeout", startup_timeout)

    @property
    def app(self) -> object:
        """The app served."""
        return self._app

    @property
    def kind(self) -> AppKind:
        """``"wsgi"`` or ``"asgi"``: how the app is called."""
        return self._kind

    def _summary(self) -> str:
        return self._kind

    def _application(self) -> WSGIApplication:
        return self._app

    def _serve(self, host: str, port: int) -> Serving:
        if self._kind == "wsgi":
            return super()._serve(host, port)
        try:
            import uvicorn  # noqa: F401  (deferred: heavy, and optional)
        except ImportError:
            raise ServerError(f"serving an ASGI app needs uvicorn, which is not installed: {SERVE_EXTRA}") from None
        from ._uvicorn import UvicornServing

        return UvicornServing(
            self._app,
            host,
            port,
            name=self._thread_name,
            startup_timeout=self._startup_timeout,
        )
