"""A small client for GoFetch's job status webhook API: register where GoFetch should call jobwatch.

GoFetch documents ``GET``/``PUT``/``DELETE /public_api/v1/webhooks/job_status``
and ``POST .../webhooks/job_status/test``, authenticated by the ``X-User-Email``
and ``X-User-Token`` headers.
"""

from __future__ import annotations

from types import TracebackType

import httpx

ENDPOINT = "webhooks/job_status"


class GoFetchError(Exception):
    """GoFetch refused a call: ``status`` is its HTTP status, the message its ``error`` text."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"GoFetch answered {status}: {message}")
        self.status = status


class GoFetchClient:
    """GoFetch's webhook API at ``base_url`` (``https://<host>/public_api/v1/``) for one account."""

    def __init__(self, base_url: str, *, email: str, token: str, timeout: float = 5.0) -> None:
        self._http = httpx.Client(
            base_url=base_url, headers={"X-User-Email": email, "X-User-Token": token}, timeout=timeout
        )

    def webhook_url(self) -> str | None:
        """The URL GoFetch calls on job status changes, or None when none is saved."""
        url = self._call("GET", ENDPOINT).json().get("url")
        return url if isinstance(url, str) else None

    def set_webhook_url(self, url: str) -> None:
        """Save ``url`` as the job status webhook."""
        self._call("PUT", ENDPOINT, json={"url": url})

    def delete_webhook(self) -> None:
        """Stop GoFetch calling any webhook."""
        self._call("DELETE", ENDPOINT)

    def ensure_webhook(self, url: str) -> bool:
        """Make ``url`` the webhook unless it already is (run at every deploy); True if it had to be changed."""
        if self.webhook_url() == url:
            return False
        self.set_webhook_url(url)
        return True

    def send_test(self, job_id: str, job_status: str) -> None:
        """Ask GoFetch to call the webhook now, as it would for that job and status."""
        self._call("POST", f"{ENDPOINT}/test", json={"job_id": job_id, "job_status": job_status})

    def _call(self, method: str, endpoint: str, json: object = None) -> httpx.Response:
        response = self._http.request(method, endpoint, json=json)
        if response.is_error:
            raise GoFetchError(response.status_code, _error_text(response))
        return response

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> GoFetchClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


def _error_text(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        return data["error"]
    return response.text or response.reason_phrase
