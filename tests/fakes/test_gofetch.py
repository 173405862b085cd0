"""The fake GoFetch API, used as a client would: httpx calls with and without credentials, bad bodies, the test endpoint."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import httpx
import pytest

from pytest_jobhooks.errors import ArgumentError, ServerError
from pytest_jobhooks.fakes.gofetch import API_PREFIX, DEFAULT_EMAIL, APICall, GoFetchAPI, GoFetchAPIError
from pytest_jobhooks.server import CaptureServer
from pytest_jobhooks.wire import Request

from ..sender.dribbling import DribblingReceiver


@pytest.fixture
def api() -> Iterator[GoFetchAPI]:
    with GoFetchAPI(token="t0ken") as fake:
        yield fake


@pytest.fixture
def client(api: GoFetchAPI) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api.url, headers=api.headers, timeout=5.0) as http:
        yield http


def test_url_and_credentials(api: GoFetchAPI) -> None:
    url = httpx.URL(api.url)
    assert (url.scheme, url.host, url.path) == ("http", "127.0.0.1", "/public_api/v1/")
    assert url.port
    assert api.url_for("webhooks/job_status") == api.url + "webhooks/job_status"
    assert api.headers == {"X-User-Email": DEFAULT_EMAIL, "X-User-Token": "t0ken"}


def test_put_then_get_then_delete(api: GoFetchAPI, client: httpx.Client) -> None:
    assert client.get("webhooks/job_status").json() == {"url": None}
    saved = client.put("webhooks/job_status", json={"url": "https://website.net/example"})
    assert (saved.status_code, saved.content) == (200, b"")
    assert api.webhook_url == "https://website.net/example"
    shown = client.get("webhooks/job_status")
    assert (shown.status_code, shown.json()) == (200, {"url": "https://website.net/example"})
    removed = client.delete("webhooks/job_status")
    assert (removed.status_code, removed.content) == (200, b"")
    assert api.webhook_url is None
    assert [call.describe() for call in api.calls] == [
        "GET webhooks/job_status -> 200",
        "PUT webhooks/job_status -> 200",
        "GET webhooks/job_status -> 200",
        "DELETE webhooks/job_status -> 200",
    ]


def test_the_doc_curl_example_body_works(api: GoFetchAPI, client: httpx.Client) -> None:
    body = b'{"url": "http://webhook42.net/example"}'
    response = client.put("webhooks/job_status", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 200
    [call] = api.calls
    assert call.body == body
    assert call.json == {"url": "http://webhook42.net/example"}
    assert call.headers["X-User-Token"] == "t0ken"  # recorded as sent
    assert call.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-User-Email": DEFAULT_EMAIL},
        {"X-User-Token": "t0ken"},
        {"X-User-Email": DEFAULT_EMAIL, "X-User-Token": "wrong"},
        {"X-User-Email": "other@example.com", "X-User-Token": "t0ken"},
    ],
)
@pytest.mark.parametrize(
    ("method", "endpoint", "body"),
    [
        ("GET", "webhooks/job_status", None),
        ("PUT", "webhooks/job_status", {"url": "https://x.example"}),
        ("DELETE", "webhooks/job_status", None),
        ("POST", "webhooks/job_status/test", {"job_id": "b3131f1d", "job_status": "delivered"}),
    ],
)
def test_every_call_needs_both_credentials(
    api: GoFetchAPI, headers: dict[str, str], method: str, endpoint: str, body: object
) -> None:
    api.webhook_url = "https://kept.example/hook"
    response = httpx.request(method, api.url_for(endpoint), json=body, headers=headers, timeout=5.0)
    assert response.status_code == 401
    assert set(response.json()) == {"error"}
    assert api.webhook_url == "https://kept.example/hook"
    assert api.sent == []
    assert api.calls[-1].status == 401


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the request body must be a JSON object"),
        (b"url=https://x.example", "the request body must be a JSON object"),
        (b'["https://x.example"]', "the request body must be a JSON object"),
        (b"{}", "url is required"),
        (b'{"url": ""}', "url is required"),
        (b'{"url": 42}', "url must be a string, not int"),
        (b'{"url": "ftp://x.example/hook"}', "url must be an http:// or https:// URL, not 'ftp://x.example/hook'"),
        (b'{"url": "website.net/example"}', "url must be an http:// or https:// URL"),
        (b'{"url": "https://"}', "url must be an http:// or https:// URL"),
    ],
)
def test_put_rejects_bad_bodies_with_422(api: GoFetchAPI, client: httpx.Client, content: bytes, message: str) -> None:
    response = client.put("webhooks/job_status", content=content, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert message in response.json()["error"]
    assert api.webhook_url is None


def test_unknown_paths_and_methods(api: GoFetchAPI, client: httpx.Client) -> None:
    missing = client.get("webhooks/other")
    assert (missing.status_code, missing.json()) == (404, {"error": "not found: /public_api/v1/webhooks/other"})
    outside = httpx.get(api.url.replace(API_PREFIX, "/webhooks/job_status"), headers=api.headers)
    assert outside.status_code == 404
    wrong = client.post("webhooks/job_status", json={"url": "https://x.example"})
    assert wrong.status_code == 405
    assert wrong.headers["Allow"] == "GET, PUT, DELETE"
    assert client.get("webhooks/job_status/test").headers["Allow"] == "POST"


def test_test_endpoint_sends_the_documented_get(
    api: GoFetchAPI, client: httpx.Client, jobhooks_server: CaptureServer
) -> None:
    client.put("webhooks/job_status", json={"url": jobhooks_server.url_for("/webhook")})
    response = client.post(
        "webhooks/job_status/test", json={"job_id": "b3131f1d", "job_status": "fetcher_approaching_dropoff"}
    )
    assert (response.status_code, response.content) == (200, b"")
    [delivery] = jobhooks_server.wait_for()
    assert (delivery.method, delivery.path, delivery.body) == ("GET", "/webhook", b"")
    assert delivery.query_string == "job_id=b3131f1d&job_status=fetcher_approaching_dropoff"
    assert delivery.vendor == "gofetch"
    [report] = api.sent
    assert report.ok
    assert report.requests[0].headers.raw() == delivery.headers.raw()


def test_test_endpoint_answers_200_whatever_the_receiver_says(
    api: GoFetchAPI, client: httpx.Client, jobhooks_server: CaptureServer
) -> None:
    jobhooks_server.respond(500)
    api.webhook_url = jobhooks_server.url
    response = client.post("webhooks/job_status/test", json={"job_id": "j", "job_status": "delivered"})
    assert response.status_code == 200
    [report] = api.sent
    assert report.status == 500
    assert len(report.attempts) == 1  # GoFetch documents no retries


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"job_id": "b3131f1d"},
        {"job_status": "delivered"},
        {"job_id": "", "job_status": "delivered"},
        {"job_id": 7, "job_status": "x"},
    ],
)
def test_test_endpoint_needs_job_id_and_status(api: GoFetchAPI, client: httpx.Client, body: object) -> None:
    api.webhook_url = "https://never.example/hook"
    response = client.post("webhooks/job_status/test", json=body)
    assert response.status_code == 422
    assert response.json() == {"error": "job_id and job_status are required (non-empty strings)"}
    assert api.sent == []


def test_test_endpoint_needs_a_saved_url(api: GoFetchAPI, client: httpx.Client) -> None:
    response = client.post("webhooks/job_status/test", json={"job_id": "j", "job_status": "delivered"})
    assert (response.status_code, response.json()) == (422, {"error": "no job status webhook URL is set"})


def test_test_endpoint_needs_a_known_job_when_jobs_are_listed(
    api: GoFetchAPI, client: httpx.Client, jobhooks_server: CaptureServer
) -> None:
    api.webhook_url = jobhooks_server.url
    api.jobs = {"b3131f1d"}
    unknown = client.post("webhooks/job_status/test", json={"job_id": "nope", "job_status": "delivered"})
    assert (unknown.status_code, unknown.json()) == (404, {"error": "job nope not found"})
    known = client.post("webhooks/job_status/test", json={"job_id": "b3131f1d", "job_status": "delivered"})
    assert known.status_code == 200
    assert [d.query["job_id"] for d in jobhooks_server.wait_for()] == ["b3131f1d"]


def test_emit_sends_to_the_saved_url(api: GoFetchAPI, jobhooks_server: CaptureServer) -> None:
    api.webhook_url = jobhooks_server.url_for("/hooks/gofetch")
    first = api.emit("b3131f1d", "fetcher_approaching_dropoff")
    second = api.emit("b3131f1d", "delivered", style="post")
    got = jobhooks_server.wait_for(2)
    assert [(d.method, d.job_id, d.status) for d in got] == [
        ("GET", "b3131f1d", "fetcher_approaching_dropoff"),
        ("POST", "b3131f1d", "delivered"),
    ]
    assert api.sent == [first, second]
    assert api.calls == []  # emitting is not an API call


def test_emit_without_a_saved_url_is_an_error(api: GoFetchAPI) -> None:
    with pytest.raises(GoFetchAPIError, match="no job status webhook URL is saved"):
        api.emit("j", "delivered")
    api.webhook_url = "https://x.example/hook"
    with pytest.raises(ArgumentError, match="job_status must be a non-empty str, not ''"):
        api.emit("j", "")


def test_reset_forgets_everything_and_changes_the_token(api: GoFetchAPI, client: httpx.Client) -> None:
    client.put("webhooks/job_status", json={"url": "https://x.example"})
    api.jobs = {"j"}
    api.reset()
    assert (api.webhook_url, api.calls, api.sent, api.jobs) == (None, [], [], None)
    assert api.token != "t0ken"
    assert client.get("webhooks/job_status").status_code == 401  # the old token no longer works
    api.reset(email="ops@example.com", token="abc")
    assert api.headers == {"X-User-Email": "ops@example.com", "X-User-Token": "abc"}


def test_bad_settings_are_refused(api: GoFetchAPI) -> None:
    with pytest.raises(ArgumentError, match="url must be an http:// or https:// URL"):
        api.webhook_url = "mailto:me@example.com"
    with pytest.raises(ArgumentError, match="token must be a non-empty single-line str"):
        GoFetchAPI(token="")
    with pytest.raises(ArgumentError, match="token must be a non-empty single-line str"):
        api.reset(token="a\nb")
    assert api.is_running  # a refused reset changes nothing
    with pytest.raises(GoFetchAPIError, match="already running"):
        api.start()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"timeout": 0}, "timeout must be a number of seconds > 0, not 0"),
        ({"read_timeout": float("inf")}, "read_timeout must be a number of seconds > 0, not inf"),
        ({"port": -1}, "port must be an int from 0 to 65535, not -1"),
    ],
)
def test_bad_constructor_arguments_are_argument_errors(options: dict[str, object], message: str) -> None:
    with pytest.raises(ArgumentError) as info:
        GoFetchAPI(**options)  # type: ignore[arg-type]
    assert str(info.value) == message


def test_lifecycle_errors_are_server_errors(api: GoFetchAPI) -> None:
    assert issubclass(GoFetchAPIError, ServerError)
    with pytest.raises(ServerError, match=r"the fake GoFetch API is already running at http://127\.0\.0\.1:"):
        api.start()


def test_not_running(api: GoFetchAPI) -> None:
    stopped = GoFetchAPI()
    with pytest.raises(GoFetchAPIError, match="not running"):
        _ = stopped.url
    assert repr(stopped) == "<GoFetchAPI stopped, 0 calls>"
    api.stop()
    api.stop()  # twice is fine
    assert not api.is_running


def test_a_taken_port_is_a_gofetch_api_error(api: GoFetchAPI) -> None:
    port = httpx.URL(api.url).port
    assert port is not None
    with pytest.raises(GoFetchAPIError, match=r"cannot listen on 127\.0\.0\.1"):
        GoFetchAPI(port=port).start()


def test_oversized_body_is_413(api: GoFetchAPI, client: httpx.Client) -> None:
    response = client.put("webhooks/job_status", content=b"x" * 70_000)
    assert response.status_code == 413
    assert api.calls[-1].status == 413


def test_the_call_log_holds_wire_requests(api: GoFetchAPI, client: httpx.Client) -> None:
    client.put("webhooks/job_status?dry=1", json={"url": "https://x.example"})
    client.get("webhooks/job_status")
    put, get = api.calls
    assert isinstance(put, APICall)
    assert isinstance(put.request, Request)
    assert (put.method, put.path, put.query_string) == ("PUT", "/public_api/v1/webhooks/job_status", "dry=1")
    assert put.request.query == {"dry": "1"}
    assert put.received_at == put.request.time
    assert put.received_at <= get.received_at
    assert put.json == {"url": "https://x.example"}
    assert (put.response_body, put.response_json) == (b"", None)
    assert get.response_json == {"url": "https://x.example"}
    assert repr(get) == "<APICall GET webhooks/job_status -> 200>"


def test_a_call_outside_the_api_keeps_its_whole_path_as_endpoint(api: GoFetchAPI) -> None:
    httpx.get(api.url.replace(API_PREFIX, "/elsewhere"), headers=api.headers)
    [call] = api.calls
    assert call.describe() == "GET /elsewhere -> 404"
    assert call.response_json == {"error": "not found: /elsewhere"}


def test_the_test_call_is_bounded_by_the_timeout_against_a_dribbling_receiver() -> None:
    # Issue 14, defect 4: a receiver dribbling a byte within each read timeout held the test call
    # for 40 s with timeout=10; the fake's timeout now bounds the whole webhook attempt.
    with DribblingReceiver(interval=0.2) as receiver, GoFetchAPI(timeout=0.3) as api:
        api.webhook_url = receiver.url
        started = time.monotonic()
        answer = httpx.post(
            api.url_for("webhooks/job_status/test"),
            json={"job_id": "job-1", "job_status": "COMPLETED"},
            headers=api.headers,
            timeout=10.0,
        )
        took = time.monotonic() - started
        assert answer.status_code == 200  # GoFetch answers 200 whatever the receiver did
        assert took < 2.0
        [report] = api.sent
        assert "timeout: no answer within 0.3 s" in (report.attempts[-1].error or "")


BAD_URLS = [
    pytest.param("http://[::1", "not a valid URL (Invalid IPv6 URL)", id="unclosed-ipv6"),
    pytest.param("http://a.example/x\x00y", "whitespace or control characters", id="nul"),
    pytest.param("http://a.example/x\r\nX-Injected: 1", "whitespace or control characters", id="crlf"),
    pytest.param("http://a.example/x\ny", "whitespace or control characters", id="lf"),
    pytest.param("http://a.example/x\ry", "whitespace or control characters", id="cr"),
    pytest.param("http://exa mple.com/", "whitespace or control characters", id="space"),
    pytest.param("http://a.example:99999/", "Port out of range", id="port"),
]


@pytest.mark.parametrize(("url", "message"), BAD_URLS)
def test_an_unusable_url_is_refused_at_put_with_a_json_422_and_logged(
    api: GoFetchAPI, client: httpx.Client, url: str, message: str
) -> None:
    # Issue 14, defect 5: these were saved (or answered an HTML 500 and lost from the log) and
    # failed only at the test call, with an HTML 500 again.
    saved = client.put("webhooks/job_status", json={"url": url})
    assert saved.status_code == 422
    assert saved.headers["content-type"] == "application/json"
    assert message in saved.json()["error"]
    assert api.webhook_url is None
    tested = client.post("webhooks/job_status/test", json={"job_id": "job-1", "job_status": "COMPLETED"})
    assert (tested.status_code, tested.json()) == (422, {"error": "no job status webhook URL is set"})
    assert [call.describe() for call in api.calls] == [
        "PUT webhooks/job_status -> 422",
        "POST webhooks/job_status/test -> 422",
    ]
    with pytest.raises(ArgumentError, match=rf"^webhook_url: url .*{re.escape(message)}"):
        api.webhook_url = url


def test_a_failure_inside_the_fake_answers_a_logged_json_500(
    api: GoFetchAPI, client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(job_id: str, job_status: str, *, style: str | None = None) -> None:
        raise RuntimeError("the receiver exploded")

    api.webhook_url = "https://x.example/hook"
    monkeypatch.setattr(api, "emit", broken)
    answer = client.post("webhooks/job_status/test", json={"job_id": "job-1", "job_status": "COMPLETED"})
    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == {"error": "internal error in the fake GoFetch API: RuntimeError: the receiver exploded"}
    assert [call.describe() for call in api.calls] == ["POST webhooks/job_status/test -> 500"]
