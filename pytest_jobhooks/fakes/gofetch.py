"""A fake GoFetch control plane: its job status webhook API under ``/public_api/v1/`` on a real HTTP server.

Point the code that registers your webhook at :attr:`GoFetchAPI.url`, send it
the credentials in :attr:`GoFetchAPI.headers`, then check :attr:`GoFetchAPI.calls`
and fire webhooks at the saved URL with :meth:`GoFetchAPI.emit`::

    with GoFetchAPI() as api:
        register_webhook(api.url, api.email, api.token, "https://me.example/hooks")
        assert api.webhook_url == "https://me.example/hooks"

Documented by GoFetch ("Job status webhook"): ``GET``/``PUT``/``DELETE
webhooks/job_status``, ``POST webhooks/job_status/test`` and the
``X-User-Email`` / ``X-User-Token`` headers. Inferred (the doc does not say):
the status codes and ``{"error": ...}`` bodies of failures (401 bad
credentials, 422 bad body or unusable URL (refused when PUT: one holding
whitespace or control characters, or that the sender could not send to), 404
unknown path or job, 405 wrong method; a fault of the fake itself is a JSON
500, and every call is logged), ``{"url": null}`` when no URL is saved, and that the test endpoint sends its webhook
before answering 200 with an empty body, whatever the webhook's receiver said.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .._checks import check_number
from .._json import COMPACT, JsonValue
from ..deliveries import Response
from ..errors import ArgumentError, DeliveryError, GoFetchAPIError
from ..sender import DeliveryReport, deliver
from ..server._wsgi import read_request, send_response
from ..server.background import BackgroundServer
from ..wire import Headers, Request
from .calls import APICall

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["API_PREFIX", "DEFAULT_EMAIL", "APICall", "GoFetchAPI", "GoFetchAPIError"]

API_PREFIX = "/public_api/v1/"
"""Where GoFetch's public API lives on its host."""

DEFAULT_EMAIL = "tester@example.com"
"""The account email a :class:`GoFetchAPI` accepts unless told otherwise."""

WEBHOOK = "webhooks/job_status"
TEST = "webhooks/job_status/test"
_ALLOWED = {WEBHOOK: ("GET", "PUT", "DELETE"), TEST: ("POST",)}
_BODY_LIMIT = 64 * 1024
_EMPTY = Response(200)


class GoFetchAPI(BackgroundServer):
    """A fake GoFetch public API for the job status webhook, served on ``host:port`` (default: a free port).

    Every call needs ``X-User-Email: <email>`` and ``X-User-Token: <token>``
    (see :attr:`headers`; the token is random unless given). ``jobs`` = None
    lets the test endpoint accept any job id; a set limits it to those jobs (404
    for others, as GoFetch needs the job to exist). ``timeout`` bounds each
    webhook attempt sent to the saved URL as a whole (a receiver dribbling its
    answer cannot stretch it). :attr:`url` ends in ``/public_api/v1/``
    (``url_for("webhooks/job_status")``). Served like the capture server (see
    :class:`~pytest_jobhooks.server.background.BackgroundServer`); its
    lifecycle errors are :class:`~pytest_jobhooks.errors.GoFetchAPIError`.
    """

    _what = "the fake GoFetch API"
    _error = GoFetchAPIError
    _url_path = API_PREFIX
    _thread_name = "gofetch"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        email: str = DEFAULT_EMAIL,
        token: str | None = None,
        timeout: float = 10.0,
        read_timeout: float = 5.0,
    ) -> None:
        super().__init__(host, port, read_timeout=read_timeout)
        self.timeout = check_number("timeout", timeout)
        """Seconds each webhook sent to the saved URL may take."""
        self.jobs: set[str] | None = None
        """The job ids the test endpoint knows (None: any)."""
        self._lock = threading.Lock()
        self._calls: list[APICall] = []
        self._sent: list[DeliveryReport] = []
        self._url: str | None = None
        self.email, self.token = _credentials(email, token)

    def _application(self) -> WSGIApplication:
        return self._app

    def _summary(self) -> str:
        return f"{len(self.calls)} calls"

    def reset(self, *, email: str = DEFAULT_EMAIL, token: str | None = None) -> GoFetchAPI:
        """Forget the saved URL, calls, sent webhooks and known jobs; new credentials (a fresh token by default)."""
        email, token = _credentials(email, token)
        with self._lock:
            self._calls.clear()
            self._sent.clear()
            self._url = None
            self.jobs = None
            self.email, self.token = email, token
        return self

    # -- where and who

    @property
    def headers(self) -> dict[str, str]:
        """The credential headers every call needs: ``X-User-Email`` and ``X-User-Token``."""
        return {"X-User-Email": self.email, "X-User-Token": self.token}

    # -- state

    @property
    def webhook_url(self) -> str | None:
        """The job status webhook URL saved (by a PUT, or set here to start a test from it), or None."""
        with self._lock:
            return self._url

    @webhook_url.setter
    def webhook_url(self, url: str | None) -> None:
        problem = None if url is None else _url_problem(url)
        if problem is not None:
            raise ArgumentError(f"webhook_url: {problem}")
        with self._lock:
            self._url = url

    @property
    def calls(self) -> list[APICall]:
        """Every API call made so far, oldest first (a snapshot)."""
        with self._lock:
            return list(self._calls)

    @property
    def sent(self) -> list[DeliveryReport]:
        """Every webhook sent to the saved URL (by :meth:`emit` or the test endpoint), oldest first."""
        with self._lock:
            return list(self._sent)

    def emit(self, job_id: str, job_status: str, *, style: str | None = None) -> DeliveryReport:
        """Send the webhook GoFetch sends when a job's status changes: ``GET <saved URL>?job_id=…&job_status=…``.

        ``style="post"`` sends GoFetch's later form (a JSON POST) instead.
        Returns the delivery's report (also added to :attr:`sent`). Raises
        :class:`GoFetchAPIError` when no webhook URL is saved.
        """
        for name, value in (("job_id", job_id), ("job_status", job_status)):
            if not isinstance(value, str) or not value:
                raise ArgumentError(f"{name} must be a non-empty str, not {value!r}")
        url = self.webhook_url
        if url is None:
            raise GoFetchAPIError("no job status webhook URL is saved: nothing to send to (PUT one first)")
        payload = {"job_id": job_id, "job_status": job_status}
        report = deliver(payload, url, vendor="gofetch", style=style, timeout=self.timeout)
        with self._lock:
            self._sent.append(report)
        return report

    # -- the WSGI app

    def _app(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        # Recorded before answering: once the client has its answer, the call is listed.
        received = read_request(environ, _BODY_LIMIT)
        request = received.request
        if received.problem is not None:
            response = _error(received.problem_status, received.problem)
        else:
            try:
                response = self._answer(request)
            except Exception as exc:  # a bug here must still answer in the API's form, and be logged
                response = _error(500, f"internal error in the fake GoFetch API: {type(exc).__name__}: {exc}")
        with self._lock:
            self._calls.append(APICall(request, response.status, response.body, API_PREFIX))
        return send_response(response, environ, start_response)

    def _answer(self, request: Request) -> Response:
        method, path = request.method, request.path
        endpoint = path[len(API_PREFIX) :] if path.startswith(API_PREFIX) else None
        allowed = _ALLOWED.get(endpoint or "")
        if endpoint is None or allowed is None:
            return _error(404, f"not found: {path}")
        if method not in allowed:
            message = f"{method} is not allowed on {endpoint} (allowed: {', '.join(allowed)})"
            return _error(405, message, {"Allow": ", ".join(allowed)})
        refusal = self._authenticate(request.headers)
        if refusal is not None:
            return refusal
        if method == "GET":
            return _json(200, {"url": self.webhook_url})
        if method == "DELETE":
            self.webhook_url = None
            return _EMPTY
        data = request.json
        if not isinstance(data, dict):
            return _error(422, "the request body must be a JSON object")
        if method == "PUT":
            url = data.get("url")
            problem = _url_problem(url)
            if problem is not None:
                return _error(422, problem)
            with self._lock:
                self._url = url  # type: ignore[assignment]  # checked just above
            return _EMPTY
        return self._test(data)

    def _authenticate(self, headers: Headers) -> Response | None:
        email, token = headers.get("X-User-Email"), headers.get("X-User-Token")
        if not email or not token:
            return _error(401, "missing X-User-Email or X-User-Token header")
        if not (_same(email, self.email) and _same(token, self.token)):
            return _error(401, "invalid X-User-Email or X-User-Token")
        return None

    def _test(self, data: dict[str, JsonValue]) -> Response:
        job_id, job_status = data.get("job_id"), data.get("job_status")
        if not isinstance(job_id, str) or not job_id or not isinstance(job_status, str) or not job_status:
            return _error(422, "job_id and job_status are required (non-empty strings)")
        if self.webhook_url is None:
            return _error(422, "no job status webhook URL is set")
        jobs = self.jobs
        if jobs is not None and job_id not in jobs:
            return _error(404, f"job {job_id} not found")
        self.emit(job_id, job_status)
        return _EMPTY


def _credentials(email: object, token: object) -> tuple[str, str]:
    token = secrets.token_hex(16) if token is None else token
    for name, value in (("email", email), ("token", token)):
        if not isinstance(value, str) or not value or any(c in value for c in "\r\n\0"):
            raise ArgumentError(f"{name} must be a non-empty single-line str, not {value!r}")
    return email, token  # type: ignore[return-value]


def _url_problem(url: object) -> str | None:
    """Why ``url`` cannot be saved as the webhook URL, or None: refused at PUT, never at the test call."""
    if url is None or url == "":
        return "url is required"
    if not isinstance(url, str):
        return f"url must be a string, not {type(url).__name__}"
    if any(ch.isspace() or ch < " " or ch == "\x7f" for ch in url):
        # A NUL, CR or LF would be a header injection once sent; a space is no URL either.
        return f"url must not hold whitespace or control characters, not {url!r}"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  # urlsplit checks the port only when it is read
    except ValueError as exc:  # an unclosed IPv6 bracket, a port out of range
        return f"url is not a valid URL ({exc}): {url!r}"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"url must be an http:// or https:// URL, not {url!r}"
    # The sender's own check (httpx's parser, imported only when a URL is saved): what passes here can be sent.
    from ..sender._transports.http import checked_url

    try:
        checked_url(url)
    except DeliveryError as exc:
        return str(exc).replace("cannot deliver to", "url is not a valid URL:", 1)
    return None


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8", "replace"))


def _json(status: int, value: JsonValue, headers: dict[str, str] | None = None) -> Response:
    return Response(
        status, COMPACT.encode(value).encode("utf-8"), {"Content-Type": "application/json", **(headers or {})}
    )


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return _json(status, {"error": message}, headers)
