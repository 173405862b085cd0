"""One base for every background HTTP server of pytest-jobhooks: the capture server and the fake vendor APIs.

A :class:`BackgroundServer` listens on ``host:port`` (port 0: a free one) and
serves a WSGI application in background threads that block in ``accept()``
themselves; :meth:`~BackgroundServer.stop` takes milliseconds. Lifecycle
problems (not running, already running, cannot listen) raise
:class:`~pytest_jobhooks.errors.ServerError` (or the subclass a server names);
bad constructor arguments raise :class:`~pytest_jobhooks.errors.ArgumentError`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Protocol

from .._checks import check_count, check_number, check_port
from ..errors import ArgumentError, ServerError
from ._httpd import DEFAULT_MAX_CONNECTIONS, Httpd

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication
    from typing_extensions import Self

__all__ = ["BackgroundServer", "Serving"]


class Serving(Protocol):
    """What a :class:`BackgroundServer` runs while started (werkzeug's server here; uvicorn for an ASGI app)."""

    @property
    def port(self) -> int:
        """The port it listens on."""

    @property
    def refused(self) -> int:
        """Connections it answered 503 because too many were open."""

    def stop(self) -> None:
        """Stop serving and join its threads (milliseconds)."""


class BackgroundServer:
    """A real HTTP server serving in background threads: start, stop in milliseconds, URLs, context manager.

    ``read_timeout`` (seconds, default 5) bounds how long one request, its head
    and its body, may take to arrive, however slowly a client sends it.
    ``max_connections`` (default 256) caps the connections served at once, and
    so the threads (at most ``max_connections`` + 8); a connection over it is
    answered 503 at once and counted in :attr:`refused`. Requests a client
    pipelines are answered in order. Use it as ``with Server() as server:`` or call :meth:`start` /
    :meth:`stop`; :attr:`port`, :attr:`url` and :meth:`url_for` need it running.

    A subclass serves :meth:`_application` and may set: ``_what`` (how messages
    name it), ``_error`` (the :class:`~pytest_jobhooks.errors.ServerError`
    subclass it raises), ``_url_path`` (the path :attr:`url` ends in),
    ``_thread_name`` (its threads' name prefix, so a leak shows whose they are);
    and override :meth:`_starting`, :meth:`_stopping`, :meth:`_note_rejection`
    and :meth:`_summary` (what :func:`repr` shows after the URL).
    """

    _what: ClassVar[str] = "the server"
    _error: ClassVar[type[ServerError]] = ServerError
    _url_path: ClassVar[str] = ""
    _thread_name: ClassVar[str] = "jobhooks-server"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        read_timeout: float = 5.0,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
    ) -> None:
        if not isinstance(host, str) or not host:
            raise ArgumentError(f"host must be a non-empty str, not {host!r}")
        self._host = host
        self._requested_port = check_port(port)
        self._read_timeout = check_number("read_timeout", read_timeout)
        self._max_connections = check_count("max_connections", max_connections, minimum=1)
        self._httpd: Serving | None = None
        self._refused = 0  # by the servers of earlier start()s

    # -- lifecycle

    def start(self) -> Self:
        """Listen and serve in background threads; returns the server. Raises ServerError if it cannot."""
        __tracebackhide__ = True
        if self._httpd is not None:
            raise self._error(f"{self._what} is already running at {self.url}")
        self._starting()
        try:
            self._httpd = self._serve(self._host, self._requested_port)
        except ServerError as exc:
            raise self._error(str(exc)) from None
        return self

    def stop(self) -> None:
        """Stop serving: end open connections, join every thread, close every socket (milliseconds). Safe twice."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping()
        httpd.stop()
        self._refused += httpd.refused

    @property
    def refused(self) -> int:
        """How many connections were answered 503 because ``max_connections`` were open (since it was made)."""
        return self._refused + (self._httpd.refused if self._httpd is not None else 0)

    @property
    def is_running(self) -> bool:
        """Whether the server is listening."""
        return self._httpd is not None

    def __enter__(self) -> Self:
        return self if self.is_running else self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- where

    @property
    def host(self) -> str:
        """The host the server listens on."""
        return self._host

    @property
    def port(self) -> int:
        """The port the server listens on (the one picked when it was asked for port 0)."""
        return self._running().port

    @property
    def url(self) -> str:
        """The server's URL: ``http://host:port`` and the server's own path (none for the capture server)."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self.port}{self._url_path}"

    def url_for(self, path: str) -> str:
        """The URL of ``path`` under :attr:`url` (``"/hooks/telmai"`` -> ``http://127.0.0.1:41234/hooks/telmai``)."""
        return self.url.rstrip("/") + "/" + path.lstrip("/")

    def __repr__(self) -> str:
        where = self.url if self.is_running else "stopped"
        summary = self._summary()
        return f"<{type(self).__name__} {where}{', ' + summary if summary else ''}>"

    # -- for subclasses

    def _serve(self, host: str, port: int) -> Serving:
        """Listen on ``host:port`` and serve :meth:`_application` in background threads (ServerError if it cannot)."""
        httpd = Httpd(
            host,
            port,
            self._application(),
            read_timeout=self._read_timeout,
            name=self._thread_name,
            max_connections=self._max_connections,
        )
        httpd.on_rejection = self._note_rejection
        httpd.start()
        return httpd

    def _application(self) -> WSGIApplication:
        """The WSGI application the server serves."""
        raise NotImplementedError

    def _starting(self) -> None:
        """Called by :meth:`start` before listening."""

    def _stopping(self) -> None:
        """Called by :meth:`stop` before the connections are ended (e.g. to cut scripted delays short)."""

    def _note_rejection(self, message: str) -> None:
        """A request was answered before the application saw it (bad request line, timeout...)."""

    def _summary(self) -> str:
        """What :func:`repr` shows after the URL (``3 deliveries``); empty for nothing."""
        return ""

    def _running(self) -> Serving:
        if self._httpd is None:
            raise self._error(f"{self._what} is not running: call start() or use it as a context manager")
        return self._httpd
