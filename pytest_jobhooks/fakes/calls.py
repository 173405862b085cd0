"""What a fake vendor API records: each call as an :class:`APICall`, a wire request and the answer it got."""

from __future__ import annotations

from dataclasses import dataclass

from .._json import JsonValue, decode
from ..wire import OnRequest, Request

__all__ = ["APICall"]


@dataclass(frozen=True, eq=False)
class APICall(OnRequest):
    """One request the client under test made to a fake API (a :class:`~pytest_jobhooks.wire.Request`), and
    the answer it got (``status``, ``response_body``).

    The request's ``method``, ``path``, ``query_string``, ``headers``, ``body``
    and ``received_at`` (UTC) read through. ``headers`` are recorded as sent,
    credentials included (they are the fake's own test credentials), so a test
    can check what its client sent. ``api_prefix`` is where the API lives on
    its host (``/public_api/v1/`` for GoFetch): :attr:`endpoint` is the path under it.
    """

    request: Request
    status: int
    response_body: bytes
    api_prefix: str = "/"

    @property
    def endpoint(self) -> str:
        """The path under :attr:`api_prefix` (``webhooks/job_status``), or the whole path outside it."""
        prefix = self.api_prefix
        return self.path[len(prefix) :] if self.path.startswith(prefix) else self.path

    @property
    def json(self) -> JsonValue | None:
        """The request body parsed as JSON, or None when it is empty or not JSON."""
        return self.request.json

    @property
    def response_json(self) -> JsonValue | None:
        """The answer's body parsed as JSON, or None when it is empty or not JSON."""
        try:
            text = self.response_body.decode("utf-8")
            return decode(text) if text.strip() else None  # type: ignore[return-value]
        except (UnicodeDecodeError, ValueError):
            return None

    def describe(self) -> str:
        """One line: method, endpoint and status."""
        return f"{self.method} {self.endpoint} -> {self.status}"

    def __repr__(self) -> str:
        return f"<APICall {self.describe()}>"
