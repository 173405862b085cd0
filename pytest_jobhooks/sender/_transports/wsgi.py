"""The WSGI transport: a Flask (or any WSGI) app called in-process, no socket and no HTTP client in between.

The environ is built the way httpx's ``WSGITransport`` built it (``Host:
testserver``, the headers a delivery over a socket carries), and the app is
called directly: a delivery costs about what the app itself costs.
"""

from __future__ import annotations

import io
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote, urlsplit

from .base import IN_PROCESS_BASE, Exchange, Pairs, Target, app_error, app_name, now
from .http import illegal_header, outgoing

__all__ = ["WsgiTarget"]

_AS_IS = frozenset({"CONTENT_TYPE", "CONTENT_LENGTH"})  # the two headers WSGI names without HTTP_


class WsgiTarget(Target):
    """A WSGI app, called in this very thread (so ``timeout=`` cannot interrupt it)."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self._app = app
        self.base_url = IN_PROCESS_BASE
        self.description = f"WSGI app {app_name(app)}"

    def send(self, method: str, url: str, headers: Pairs, body: bytes, *, timeout: float) -> Exchange:
        """Call the app with the request; an exception it raises is an exchange with ``error`` set."""
        target, sent_url, pairs = outgoing(method, url, headers, body)
        sent_at, started = now(), time.perf_counter()

        def exchange(**answer: Any) -> Exchange:
            return Exchange(method, sent_url, pairs, body, sent_at, time.perf_counter() - started, **answer)

        illegal = illegal_header(pairs)
        if illegal is not None:
            return exchange(error=f"ValueError: {illegal}", exception=ValueError(illegal))
        try:
            status, answer_headers, answer = _call(self._app, _environ(method, target, pairs, body))
        except Exception as exc:
            return exchange(error=app_error(exc), exception=exc)
        return exchange(status=status, response_headers=answer_headers, response_body=answer)


def _environ(method: str, target: str, pairs: Pairs, body: bytes) -> dict[str, Any]:
    path, _, query = target.partition("?")
    host = urlsplit(IN_PROCESS_BASE).hostname
    environ: dict[str, Any] = {
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        # WSGI hands text over as latin-1 code points of the bytes (PEP 3333): the UTF-8 of the unquoted path.
        "PATH_INFO": unquote(path, encoding="latin-1"),
        "QUERY_STRING": query,
        "SERVER_NAME": host,
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
    }
    for name, value in pairs:
        key = name.upper().replace("-", "_")
        if key not in _AS_IS:
            key = "HTTP_" + key
        environ[key] = f"{environ[key]},{value}" if key in environ else value  # repeated: one list (RFC 9110 5.3)
    return environ


def _call(app: Callable[..., Any], environ: dict[str, Any]) -> tuple[int, Pairs, bytes]:
    """The app's status, headers and body for ``environ`` (PEP 3333: ``start_response``, then the iterable)."""
    started: list[tuple[str, list[tuple[str, str]]]] = []
    written: list[bytes] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], Any]:
        if exc_info and started and written:
            raise exc_info[1].with_traceback(exc_info[2])  # too late to replace an answer under way
        started[:] = [(status, headers)]
        return written.append

    result: Iterable[bytes] = app(environ, start_response)
    try:
        written.extend(result)  # after what the app wrote through write(), in order
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    if not started:
        raise RuntimeError("the WSGI app returned without calling start_response")
    status, headers = started[0]
    return int(status.split(None, 1)[0]), tuple(headers), b"".join(written)
