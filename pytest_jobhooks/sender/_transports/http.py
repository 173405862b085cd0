"""The HTTP transport: a URL over a socket, with persistent connections pooled per process and target.

Built on the standard library (``http.client`` reads the answers), not on
httpx: a kept-alive connection and one ``sendall`` per request cost a fraction
of a new client and a new connection per delivery. One pool per process and
(scheme, host, port), safe across threads (a connection serves one thread at a
time) and forks (a child starts with an empty pool). ``timeout`` bounds each
whole attempt, connect, send and the answer's head and body, not each read.

A pooled connection the server has closed since is found before anything is
sent (it reads as ended) and replaced. One that fails while the request is
being sent is replaced and the request sent once more on a new connection:
the server closed it before the request could be read whole, so nothing can
be delivered twice. A failure after the request went out is the attempt's
error, never retried here (the retry schedule decides).
"""

from __future__ import annotations

import http.client
import io
import os
import re
import select
import socket
import ssl
import threading
import time
from functools import cache
from typing import Any
from urllib.parse import quote, urlsplit

from ...errors import DeliveryError
from .base import Exchange, Pairs, Target, now, user_agent

__all__ = ["HttpTarget", "checked_url", "illegal_header", "is_url", "outgoing"]

_MAX_IDLE = 8  # kept-alive connections held per target; more are closed after their answer
_MAX_IDLE_AGE = 1.0  # seconds: servers close idle connections after 2 s (gunicorn), 5 s (uvicorn, ours)...
_DEFAULT_PORTS = {"http": 80, "https": 443}
_HAS_BODY = frozenset({"POST", "PUT", "PATCH"})  # an empty body still says Content-Length: 0 (as httpx does)
_PATH_SAFE = "/%!$&'()*+,;=:@-._~"
_QUERY_SAFE = _PATH_SAFE + "?"
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 5.1: a field name is a token
_UNSENDABLE = re.compile(r"[\r\n\0]")


def is_url(to: object) -> bool:
    """Whether ``to`` is a URL (a str or an ``httpx.URL``) rather than an app."""
    return isinstance(to, str) or (type(to).__name__ == "URL" and type(to).__module__.startswith("httpx"))


def checked_url(url: str) -> str:
    """``url`` when it is an absolute ``http://`` or ``https://`` URL."""
    try:
        parsed = urlsplit(url)
        parsed.port  # noqa: B018  # raises for a port that is no number or out of range
    except ValueError as exc:
        raise DeliveryError(f"cannot deliver to {url!r}: {exc}") from None
    if parsed.scheme not in _DEFAULT_PORTS or not parsed.hostname:
        raise DeliveryError(f"cannot deliver to {url!r}: expected an http:// or https:// URL")
    if any(c in url for c in " \t\r\n\0"):
        raise DeliveryError(f"cannot deliver to {url!r}: a URL holds no whitespace or control character")
    return url


@cache
def _tls() -> ssl.SSLContext:
    # Building it loads the system's CA certificates (~25 ms): once per process, not once per delivery.
    return ssl.create_default_context()


class _Pool:
    """Idle kept-alive connections per (scheme, host, port), for this process only."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.idle: dict[tuple[str, str, int], list[tuple[float, socket.socket]]] = {}

    def take(self, key: tuple[str, str, int]) -> socket.socket | None:
        """A connection to ``key`` the server has not closed, or None (newest first)."""
        while True:
            with self.lock:
                held = self.idle.get(key)
                if not held:
                    return None
                since, sock = held.pop()
            if time.monotonic() - since < _MAX_IDLE_AGE and _still_open(sock):
                return sock
            sock.close()

    def give(self, key: tuple[str, str, int], sock: socket.socket) -> None:
        """Keep ``sock`` for the next request to ``key``."""
        with self.lock:
            held = self.idle.setdefault(key, [])
            if len(held) < _MAX_IDLE:
                held.append((time.monotonic(), sock))
                return
        sock.close()

    def forget(self) -> None:
        """In a forked child: the parent's connections are not ours to use."""
        self.lock = threading.Lock()  # the parent's may have been held by another thread at the fork
        for held in self.idle.values():
            for _, sock in held:
                sock.close()  # our descriptor only: the parent's connection stays open
        self.idle = {}


_POOL = _Pool()
os.register_at_fork(after_in_child=_POOL.forget)


def _still_open(sock: socket.socket) -> bool:
    """Whether an idle connection is usable: nothing to read on it (a closing server makes it readable)."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return False
    return not readable


class _Late(TimeoutError):
    """The attempt's deadline passed while ``doing`` something."""

    def __init__(self, doing: str) -> None:
        super().__init__(f"the attempt's deadline passed while {doing}")
        self.doing = doing


class _Reader(io.RawIOBase):
    """Reads of a connection, each within what is left of the attempt's deadline."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        super().__init__()
        self._sock = sock
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise _Late("reading the answer")
        self._sock.settimeout(remaining)
        try:
            return self._sock.recv_into(buffer)
        except TimeoutError:
            raise _Late("reading the answer") from None


class _Answer:
    """What ``http.client.HTTPResponse`` reads from: the connection, under the attempt's deadline."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self._reader = _Reader(sock, deadline)

    def makefile(self, mode: str) -> io.BufferedReader:
        return io.BufferedReader(self._reader)


class HttpTarget(Target):
    """A URL, reached over a socket; ``timeout`` bounds each whole attempt, not each socket read."""

    def __init__(self, url: str) -> None:
        parsed = urlsplit(url)
        self.base_url = url
        self.description = url
        self._scheme = parsed.scheme
        self._host = parsed.hostname or ""
        self._port = parsed.port or _DEFAULT_PORTS[parsed.scheme]

    def send(self, method: str, url: str, headers: Pairs, body: bytes, *, timeout: float) -> Exchange:
        """Send one request; a failure to get an answer is an exchange with ``error`` set."""
        target, sent_url, pairs = outgoing(method, url, headers, body)
        head = "".join(f"{name}: {value}\r\n" for name, value in pairs)
        try:
            data = f"{method} {target} HTTP/1.1\r\n{head}\r\n".encode("latin-1") + body
        except UnicodeEncodeError as exc:
            raise DeliveryError(f"cannot build the request {method} {url}: {exc}") from None
        sent_at, started = now(), time.perf_counter()
        illegal = illegal_header(pairs)
        if illegal is not None:  # a CR or LF would inject a header (or a request) of its own
            return Exchange(
                method,
                sent_url,
                pairs,
                body,
                sent_at,
                0.0,
                error=f"ValueError: {illegal}",
                exception=ValueError(illegal),
            )
        deadline = time.monotonic() + timeout
        key = (self._scheme, self._host, self._port)

        def exchange(**answer: Any) -> Exchange:
            elapsed = time.perf_counter() - started
            return Exchange(method, sent_url, pairs, body, sent_at, elapsed, **answer)

        try:
            sock, response = self._exchange(key, data, method, deadline)
        except _Late as exc:
            return exchange(error=f"timeout: no answer within {timeout:g} s ({exc.doing})", exception=exc)
        except (ConnectionRefusedError, socket.gaierror, ssl.SSLError) as exc:
            return exchange(error=f"connection failed: {exc}", exception=exc)
        except (OSError, http.client.HTTPException) as exc:
            return exchange(error=f"{type(exc).__name__}: {exc}", exception=exc)
        if response.will_close:
            sock.close()
        else:
            _POOL.give(key, sock)
        answer_headers = tuple(response.msg.items())
        return exchange(status=response.status, response_headers=answer_headers, response_body=response.body)

    def _exchange(
        self, key: tuple[str, str, int], data: bytes, method: str, deadline: float
    ) -> tuple[socket.socket, _Response]:
        sock = _POOL.take(key)
        if sock is not None:
            try:
                _send(sock, data, deadline)
            except _Late:
                sock.close()
                raise
            except OSError:  # closed by the server before the request could be read whole: send it anew
                sock.close()
                sock = None
        if sock is None:
            sock = self._connect(deadline)
            try:
                _send(sock, data, deadline)
            except BaseException:
                sock.close()
                raise
        try:
            return sock, _Response(sock, method, deadline)
        except BaseException:
            sock.close()
            raise

    def _connect(self, deadline: float) -> socket.socket:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _Late("connecting")
        try:
            sock = socket.create_connection((self._host, self._port), timeout=remaining)
        except TimeoutError:
            raise _Late("connecting") from None
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self._scheme != "https":
            return sock
        try:
            sock.settimeout(max(deadline - time.monotonic(), 0.001))
            return _tls().wrap_socket(sock, server_hostname=self._host)
        except TimeoutError:
            sock.close()
            raise _Late("negotiating TLS") from None
        except BaseException:
            sock.close()
            raise


def outgoing(method: str, url: str, headers: Pairs, body: bytes) -> tuple[str, str, Pairs]:
    """The request target of ``url``, the URL as sent, and every header in the order sent.

    What httpx sent: ``Host``, an empty body's ``Content-Length: 0`` (POST, PUT,
    PATCH), ``Accept``, ``User-Agent``, the request's own headers (one of the
    same name replaces a default), then the body's ``Content-Length``.
    """
    parsed = urlsplit(url)
    target = quote(parsed.path or "/", safe=_PATH_SAFE)
    if parsed.query:
        target += "?" + quote(parsed.query, safe=_QUERY_SAFE)
    netloc = parsed.netloc.rpartition("@")[2]
    default = f":{_DEFAULT_PORTS[parsed.scheme]}"
    host = netloc.removesuffix(default) if netloc.endswith(default) else netloc
    if not host.isascii():
        host = host.encode("idna").decode("ascii")
    given = {name.lower() for name, _ in headers}
    pairs: list[tuple[str, str]] = [] if "host" in given else [("Host", host)]
    if not body and method in _HAS_BODY and "content-length" not in given:
        pairs.append(("Content-Length", "0"))
    defaults = (("Accept", "*/*"), ("User-Agent", user_agent()))
    pairs += [(name, value) for name, value in defaults if name.lower() not in given]
    pairs += headers
    if body and "content-length" not in given:
        pairs.append(("Content-Length", str(len(body))))
    return target, f"{parsed.scheme}://{host}{target}", tuple(pairs)


def illegal_header(pairs: Pairs) -> str | None:
    """Why a header cannot be sent as it is (httpx's wording), or None when every one can."""
    for name, value in pairs:
        if not _TOKEN.fullmatch(name):
            return f"Illegal header name {name.encode('latin-1', 'replace')!r}"
        if _UNSENDABLE.search(value):
            return f"Illegal header value {value.encode('latin-1', 'replace')!r}"
    return None


def _send(sock: socket.socket, data: bytes, deadline: float) -> None:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise _Late("sending the request")
    sock.settimeout(remaining)
    try:
        sock.sendall(data)
    except TimeoutError:
        raise _Late("sending the request") from None


class _Response:
    """The answer read whole off ``sock`` by ``http.client`` (status line, headers, body)."""

    def __init__(self, sock: socket.socket, method: str, deadline: float) -> None:
        response = http.client.HTTPResponse(_Answer(sock, deadline), method=method)  # type: ignore[arg-type]
        try:
            response.begin()
            self.body = response.read()
        finally:
            response.close()
        self.status = response.status
        self.msg = response.msg
        self.will_close = response.will_close
