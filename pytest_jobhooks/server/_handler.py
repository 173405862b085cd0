"""How a background server reads each HTTP request on a connection (werkzeug's handler, made stricter)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from werkzeug.serving import WSGIRequestHandler

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

    from ._httpd import Httpd

__all__ = ["HEADERS_KEY", "Handler"]

HEADERS_KEY = "jobhooks.headers"
"""The environ key under which the handler passes the request headers as sent (names in their case)."""


class Handler(WSGIRequestHandler):
    """werkzeug's request handler, reading each request's head for the capture server and the fake APIs."""

    server: Httpd
    protocol_version = "HTTP/1.1"  # set here so werkzeug does not set it on the shared class

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.read_timeout)  # a stalled client cannot hold a worker for longer

    def make_environ(self) -> WSGIEnvironment:
        environ = super().make_environ()
        environ[HEADERS_KEY] = self.headers.items()
        return environ

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Requests are recorded as deliveries, not logged."""

    def log_error(self, format: str, *args: Any) -> None:
        # Called for requests rejected before they reach the app (bad request line, huge headers...).
        self.server.note_rejection(format % args if args else format)
