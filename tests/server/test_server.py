"""The capture server: what it records, how it classifies, scripted answers, signatures, wait_for."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from urllib.parse import urlencode

import httpx
import pytest

from pytest_jobhooks.catalog import job_state
from pytest_jobhooks.deliveries import Delivery
from pytest_jobhooks.errors import ArgumentError, ServerError
from pytest_jobhooks.server import SETTINGS, CaptureServer
from pytest_jobhooks.server.background import BackgroundServer
from pytest_jobhooks.vendors import VENDORS
from pytest_jobhooks.wire import Headers, Request
from tests.server._payloads import EXAMPLES, TELMAI, TENSORLAKE


def send(
    url: str, body: bytes | dict[str, object] = b"", *, method: str = "POST", headers: dict[str, str] | None = None
) -> httpx.Response:
    content = json.dumps(body).encode() if isinstance(body, dict) else body
    return httpx.request(method, url, content=content, headers=headers, timeout=5.0)


@pytest.fixture
def server() -> Iterator[CaptureServer]:
    with CaptureServer() as capture:
        yield capture


def test_records_every_part_of_the_request(server: CaptureServer) -> None:
    body = json.dumps(TELMAI).encode()
    response = send(server.url_for("/hooks/telmai?attempt=2&tag=a&tag=b"), body, headers={"X-Trace": "t-1"})
    assert response.status_code == 200
    [delivery] = server.deliveries
    assert (delivery.method, delivery.path) == ("POST", "/hooks/telmai")
    assert delivery.query == {"attempt": "2", "tag": "a"}
    assert delivery.query_string == "attempt=2&tag=a&tag=b"
    assert delivery.headers["x-trace"] == delivery.headers["X-TRACE"] == "t-1"
    assert delivery.body == body
    assert delivery.json == TELMAI
    assert delivery.received_at.tzinfo is not None
    assert delivery.response is not None
    assert delivery.response.status == 200
    assert delivery.signature is None  # Telmai does not sign, none was sent
    assert delivery.errors == []


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "POST"])
def test_any_method_on_any_path(server: CaptureServer, method: str) -> None:
    response = send(server.url_for("/a/deeply/nested/p%C3%A4th"), method=method)
    assert response.status_code == 200
    [delivery] = server.deliveries
    assert (delivery.method, delivery.path) == (method, "/a/deeply/nested/päth")


@pytest.mark.parametrize(("vendor", "example"), EXAMPLES)
def test_classifies_every_documented_example(server: CaptureServer, vendor: str, example: dict[str, object]) -> None:
    body = json.dumps(example).encode()
    style = VENDORS[vendor].delivery
    signs = style.signing is not None
    send(server.url, body, headers=server.sign(body) if signs else dict(style.encode(body)[0]))
    [delivery] = server.wait_for()
    expected = job_state(vendor, example)
    assert delivery.vendor == vendor
    assert (delivery.job_id, delivery.status, delivery.unified) == (expected.job_id, expected.status, expected.unified)
    assert delivery.job_state == expected
    assert delivery.signature == ("valid" if signs else None)
    assert delivery.errors == []


def test_gofetch_get_with_query_is_parsed_from_the_query_string(server: CaptureServer) -> None:
    query = urlencode({"job_id": "b3131f1d", "job_status": "fetcher_approaching_dropoff"})
    send(server.url_for(f"/gofetch?{query}"), method="GET")
    [delivery] = server.wait_for(vendor="gofetch")
    assert (delivery.job_id, delivery.status, delivery.unified) == (
        "b3131f1d",
        "fetcher_approaching_dropoff",
        "running",
    )
    assert delivery.json is None
    assert delivery.payload == {"job_id": "b3131f1d", "job_status": "fetcher_approaching_dropoff"}


def test_gofetch_repeated_query_parameter_is_a_problem(server: CaptureServer) -> None:
    send(server.url_for("/?job_id=a&job_id=b&job_status=delivered"), method="GET")
    [delivery] = server.wait_for()
    assert delivery.vendor == "gofetch"
    assert delivery.job_state is None
    assert delivery.errors == ["$.job_id: given 2 times in the query string"]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b'{"tenant": ', "$: not valid JSON: Expecting value (column 12)"),
        (b'{"details": "caf\xe9"}', "$: body is not valid UTF-8 (byte 0xe9 at position 16)"),
        (b"", "$: empty body: expected a JSON object"),
        (b"[1, 2]", "$: expected a JSON object, got an array"),
        (b"NaN", "$: not valid JSON: NaN is not allowed in JSON"),
        (b'{"color": "blue"}', "$: matches no known vendor's payload (fields: color)"),
    ],
    ids=["malformed-json", "invalid-utf8", "empty", "array", "nan", "unknown-shape"],
)
def test_bad_bodies_are_recorded_with_their_error_and_answered_by_the_script(
    server: CaptureServer, body: bytes, error: str
) -> None:
    server.respond(202)
    assert send(server.url, body).status_code == 202
    assert send(server.url, TELMAI).status_code == 202  # still serving
    bad, good = server.wait_for(2)
    assert bad.errors == [error]
    assert bad.vendor is None
    assert bad.job_state is None
    assert bad.body == body
    assert good.vendor == "telmai"
    assert good.errors == []


def test_schema_errors_are_listed(server: CaptureServer) -> None:
    send(server.url, {**TELMAI, "status": "DONE", "jobId": ""})
    [delivery] = server.wait_for()
    assert delivery.vendor == "telmai"
    assert delivery.job_state is None
    assert delivery.errors == [
        "$.jobId: '' should be non-empty",
        "$.status: 'DONE' is not one of ['PREPARING', 'BATCH_WAIT', 'IN_PROGRESS', 'FINISHED', 'FAILED']",
    ]
    assert [problem.path for problem in delivery.problems] == ["$.jobId", "$.status"]


def test_body_over_the_limit_is_answered_413_and_recorded(server: CaptureServer) -> None:
    server.configure(body_limit=64)
    assert send(server.url, b"x" * 64).status_code == 200
    response = send(server.url, b"x" * 65)
    assert response.status_code == 413
    assert "exceeds the limit of 64 bytes" in response.text
    chunked = httpx.post(server.url, content=iter([b"x" * 40, b"y" * 40]), timeout=5.0)
    assert chunked.status_code == 413
    _, too_big, too_big_chunked = server.wait_for(3)
    assert too_big.transport_error == "body too large: Content-Length 65 exceeds the limit of 64 bytes"
    assert too_big.errors == [f"$: {too_big.transport_error}"]
    assert too_big_chunked.transport_error == "body too large: the chunked body exceeds the limit of 64 bytes"


def test_default_body_limit_is_one_mebibyte(server: CaptureServer) -> None:
    assert send(server.url, b" " * (1024 * 1024)).status_code == 200
    assert send(server.url, b" " * (1024 * 1024 + 1)).status_code == 413


def test_chunked_body_is_read_whole(server: CaptureServer) -> None:
    parts = [json.dumps(TELMAI)[:10].encode(), json.dumps(TELMAI)[10:].encode()]
    assert httpx.post(server.url, content=iter(parts), timeout=5.0).status_code == 200
    [delivery] = server.wait_for()
    assert delivery.json == TELMAI


def test_scripted_answers_in_order_then_200(server: CaptureServer) -> None:
    server.respond(500, times=2)
    server.respond(503, body={"retry": True}, headers={"Retry-After": "1"})
    statuses = [send(server.url, TELMAI).status_code for _ in range(2)]
    last = send(server.url, TELMAI)
    assert [*statuses, last.status_code] == [500, 500, 503]
    assert last.json() == {"retry": True}
    assert last.headers["retry-after"] == "1"
    assert last.headers["content-type"] == "application/json"
    assert send(server.url, TELMAI).status_code == 503  # times=None: every following request
    assert [d.response.status for d in server.deliveries if d.response] == [500, 500, 503, 503]


def test_scripted_answer_for_one_path(server: CaptureServer) -> None:
    server.respond(410, path="/gone", times=1)
    assert send(server.url_for("/other")).status_code == 200
    assert send(server.url_for("/gone")).status_code == 410
    assert send(server.url_for("/gone")).status_code == 200


def test_scripted_text_and_bytes_bodies(server: CaptureServer) -> None:
    server.respond(200, body="accepted", times=1)
    server.respond(200, body=b"\x00\x01", times=1)
    text = send(server.url)
    raw = send(server.url)
    assert (text.text, text.headers["content-type"]) == ("accepted", "text/plain; charset=utf-8")
    assert (raw.content, raw.headers["content-type"]) == (b"\x00\x01", "application/octet-stream")


def test_delay_provokes_the_senders_timeout(server: CaptureServer) -> None:
    server.respond(200, delay=30.0, times=1)
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(server.url, json=TELMAI, timeout=0.2)
    assert send(server.url, TELMAI).status_code == 200  # the delayed answer holds no other request up
    first, _ = server.wait_for(2)
    assert first.response is not None
    assert first.response.delay == 30.0


def test_configure_respond_replaces_the_script(server: CaptureServer) -> None:
    server.respond(418)
    server.configure(respond=[500, {"status": 503, "times": 2}])
    assert [send(server.url).status_code for _ in range(5)] == [500, 503, 503, 200, 200]
    server.configure(respond=202)
    assert [send(server.url).status_code for _ in range(2)] == [202, 202]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: s.respond(99), "response status must be an int from 200 to 599, not 99"),
        (lambda s: s.respond(204, body="x"), "a 204 response cannot have a body"),
        (lambda s: s.respond(200, times=0), "times must be None (always) or an int >= 1, not 0"),
        (lambda s: s.respond(200, delay=-1), "delay must be a number of seconds >= 0, not -1"),
        (lambda s: s.respond(200, path="hook"), "path must start with '/'"),
        (lambda s: s.respond(200, body={1, 2}), "response body is not JSON-serialisable"),
        (lambda s: s.respond(200, headers={"X": "a\r\nb"}), "must be single-line strings"),
        (lambda s: s.configure(respond="500"), "respond= takes a status or a list"),
        (lambda s: s.configure(respond=[{"statuz": 500}]), "unknown key(s) ['statuz']; allowed: status, times"),
        (lambda s: s.configure(body_limit=-1), "body_limit must be a number of bytes >= 0"),
        (lambda s: s.configure(reject_status=700), "response status must be an int from 200 to 599"),
        (lambda s: s.configure(require_signature="yes"), "require_signature must be True, False or None"),
        (lambda s: s.configure(secret="whsec_"), "secret is empty: it must hold key bytes"),
        (lambda s: s.configure(secret=42), "secret must be a 'whsec_...' str, True (fresh) or None"),
        (lambda s: s.configure(contract=False), "unknown setting(s) contract; allowed: body_limit, reject_status"),
        (lambda s: s.wait_for(-1), "count must be an int >= 0, not -1"),
        (lambda s: s.wait_for(timeout=float("nan")), "timeout must be a number of seconds >= 0, not nan"),
        (lambda s: s.wait_for(timeout=-1), "timeout must be a number of seconds >= 0, not -1"),
    ],
)
def test_bad_arguments_are_argument_errors(server: CaptureServer, call: object, message: str) -> None:
    with pytest.raises(ArgumentError) as info:
        call(server)  # type: ignore[operator]
    assert message in str(info.value)


def test_settings_names() -> None:
    assert SETTINGS == ("body_limit", "reject_status", "require_signature", "respond", "secret")


def test_wait_for_returns_deliveries_that_arrived_before_the_call(server: CaptureServer) -> None:
    send(server.url, TELMAI)
    [delivery] = server.wait_for(timeout=0)
    assert delivery.job_id == "job-7"


def test_wait_for_wakes_when_a_delivery_arrives_from_another_thread(server: CaptureServer) -> None:
    started = threading.Event()

    def sender() -> None:
        started.wait()
        for status in ("PREPARING", "IN_PROGRESS", "FINISHED"):
            send(server.url, {**TELMAI, "status": status})

    thread = threading.Thread(target=sender)
    thread.start()
    started.set()
    [finished] = server.wait_for(status="succeeded", timeout=10)
    thread.join()
    assert finished.status == "FINISHED"


def test_wait_for_filters(server: CaptureServer) -> None:
    send(server.url_for("/a"), {**TELMAI, "jobId": "j1", "status": "FAILED"})
    send(server.url_for("/b"), {**TELMAI, "jobId": "j2", "status": "FINISHED"})
    send(server.url_for("/b"), TENSORLAKE, headers=server.sign(json.dumps(TENSORLAKE)))
    assert [d.job_id for d in server.wait_for(3)] == ["j1", "j2", "parse_1"]
    assert [d.job_id for d in server.wait_for(vendor="tensorlake")] == ["parse_1"]
    assert [d.job_id for d in server.wait_for(job_id="j2")] == ["j2"]
    assert [d.job_id for d in server.wait_for(status="FAILED")] == ["j1"]
    assert [d.job_id for d in server.wait_for(status="failed")] == ["j1"]
    assert [d.job_id for d in server.wait_for(2, path="/b")] == ["j2", "parse_1"]
    assert [d.job_id for d in server.wait_for(predicate=lambda d: d.headers.get("svix-id") is not None)] == ["parse_1"]
    assert server.wait_for(0) == []


def test_wait_for_timeout_explains_what_arrived(server: CaptureServer) -> None:
    send(server.url_for("/telmai"), TELMAI)
    send(server.url, b"not json")
    with pytest.raises(AssertionError) as info:
        server.wait_for(2, vendor="telmai", status="FINISHED", timeout=0.05)
    message = str(info.value)
    assert message.startswith("waited 0.05 s for 2 deliveries matching vendor='telmai', status='FINISHED'; 0 matched.")
    assert "2 deliveries arrived:" in message
    assert "1. POST /telmai telmai job 'job-7' IN_PROGRESS (running) -> 200" in message
    assert "no match: status is 'IN_PROGRESS' (running), not 'FINISHED'" in message
    assert "no match: vendor is None, not 'telmai'; status is None [$: not valid JSON" in message


def test_wait_for_timeout_with_nothing_arrived(server: CaptureServer) -> None:
    with pytest.raises(AssertionError, match=r"No delivery arrived at http://127\.0\.0\.1:\d+ \(is the sender"):
        server.wait_for(timeout=0)


def test_deliveries_is_a_snapshot_and_clear_keeps_settings(server: CaptureServer) -> None:
    server.configure(body_limit=10)
    server.respond(500)
    secret = server.secret
    send(server.url, b"{}")
    snapshot = server.deliveries
    send(server.url, b"{}")
    assert len(snapshot) == 1
    assert len(server.deliveries) == 2
    server.clear()
    assert server.deliveries == []
    assert server.secret == secret
    assert send(server.url, b"x" * 11).status_code == 413
    assert send(server.url, b"{}").status_code == 500


def test_reset_goes_back_to_the_constructor_settings() -> None:
    with CaptureServer(body_limit=10, respond=503, secret=None) as server:
        server.configure(body_limit=1000, respond=200, secret=True)
        server.respond(418)
        send(server.url, b"{}")
        server.reset()
        assert server.deliveries == []
        assert server.secret is None
        assert send(server.url, b"{}").status_code == 503
        assert send(server.url, b"x" * 11).status_code == 413


def test_url_and_lifecycle() -> None:
    server = CaptureServer()
    assert not server.is_running
    with pytest.raises(ServerError, match="not running"):
        server.url  # noqa: B018
    with server:
        assert server.is_running
        assert server.url == f"http://127.0.0.1:{server.port}"
        assert server.url_for("hooks/x") == server.url_for("/hooks/x") == f"{server.url}/hooks/x"
        assert repr(server) == f"<CaptureServer {server.url}, 0 deliveries>"
        with pytest.raises(ServerError, match="already running"):
            server.start()
    assert not server.is_running
    server.stop()  # twice is fine
    assert repr(server) == "<CaptureServer stopped, 0 deliveries>"


def test_constructor_checks() -> None:
    with pytest.raises(ArgumentError, match="port must be an int from 0 to 65535, not 70000"):
        CaptureServer(port=70000)
    with pytest.raises(ArgumentError, match="read_timeout must be a number of seconds > 0, not 0"):
        CaptureServer(read_timeout=0)
    with pytest.raises(ArgumentError, match="host must be a non-empty str, not None"):
        CaptureServer(None)  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="unknown setting"):
        CaptureServer(colour="blue")  # type: ignore[call-arg]


def test_port_in_use_is_a_capture_server_error(server: CaptureServer) -> None:
    with pytest.raises(ServerError, match=f"cannot listen on 127.0.0.1:{server.port}"):
        CaptureServer(port=server.port).start()


def test_delivery_repr_and_describe(server: CaptureServer) -> None:
    send(server.url_for("/h?x=1"), TELMAI)
    [delivery] = server.wait_for()
    assert repr(delivery) == f"<Delivery POST /h -> 200, {len(json.dumps(TELMAI))} bytes>"
    assert delivery.describe() == "POST /h?x=1 telmai job 'job-7' IN_PROGRESS (running) -> 200"


def test_delivery_can_be_built_by_hand() -> None:
    from datetime import datetime, timezone

    request = Request(
        "POST",
        "/",
        "",
        Headers({"Content-Type": "application/json"}),
        json.dumps(TELMAI).encode(),
        datetime.now(timezone.utc),
    )
    delivery = Delivery(request, response=None)
    assert (delivery.vendor, delivery.status) == ("telmai", "IN_PROGRESS")
    assert delivery.describe().endswith("-> no response")


def test_headers_mapping() -> None:
    headers = Headers([("Content-Type", "application/json"), ("X-Tag", "a"), ("x-tag", "b")])
    assert headers["content-type"] == "application/json"
    assert headers["X-TAG"] == "a, b"
    assert headers.get_all("X-Tag") == ["a", "b"]
    assert list(headers) == ["Content-Type", "X-Tag"]
    assert len(headers) == 2
    assert "CONTENT-TYPE" in headers
    assert 42 not in headers
    assert headers.get("missing") is None
    assert headers.raw() == (("Content-Type", "application/json"), ("X-Tag", "a"), ("x-tag", "b"))
    assert repr(headers) == "Headers({'Content-Type': 'application/json', 'X-Tag': 'a, b'})"


def test_a_sender_needs_only_url_and_secret() -> None:
    with CaptureServer(secret=None) as server:
        assert isinstance(server.url, str)
        assert server.secret is None
        server.configure(secret=True)
        assert isinstance(server.secret, str)
        assert server.secret.startswith("whsec_")


def test_every_background_server_shares_one_base_and_one_lifecycle_error() -> None:
    from pytest_jobhooks.fakes.gofetch import GoFetchAPI

    for server in (CaptureServer(), GoFetchAPI()):
        assert isinstance(server, BackgroundServer)
        with pytest.raises(ServerError, match="is not running: call start"):
            server.port  # noqa: B018
        with server:
            assert server.url.startswith(f"http://127.0.0.1:{server.port}")
            assert server.url_for("/x") == server.url_for("x") == server.url.rstrip("/") + "/x"
        assert not server.is_running
