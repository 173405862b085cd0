"""The sender over HTTP: every vendor's lifecycle arrives at the capture server byte for byte, as the vendor sends it."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from urllib.parse import parse_qsl

import pytest

from pytest_jobhooks.deliveries import Delivery
from pytest_jobhooks.errors import ArgumentError
from pytest_jobhooks.factories import lifecycle, outcomes
from pytest_jobhooks.sender import DeliveryError, DeliveryReport, deliver, deliver_all
from pytest_jobhooks.server import CaptureServer
from pytest_jobhooks.signing import new_secret, verify
from pytest_jobhooks.vendors import VENDORS, get_vendor
from pytest_jobhooks.vendors.base import DeliveryStyle
from pytest_jobhooks.wire import Request

BUILTIN = ["telmai", "tamr", "tensorlake", "tensorlake-workflow", "gofetch"]
LIFECYCLES = [
    pytest.param(vendor, outcome, id=f"{vendor}:{outcome}") for vendor in BUILTIN for outcome in outcomes(vendor)
]
TELMAI = {"tenant": "acme", "source": "src-1", "jobId": "job-7", "status": "IN_PROGRESS", "details": "naïve ✓"}
TENSORLAKE = {"job_id": "parse_1", "status": "pending", "created_at": "2023-10-01T12:00:00Z"}


def compact(payload: object) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def assert_arrived_as_sent(requests: list[Request], deliveries: list[Delivery], prefix: str = "") -> None:
    """Each delivery is its request, byte for byte; ``prefix`` is the test's own URL prefix, not in ``delivery.path``."""
    assert len(deliveries) == len(requests)
    for request, delivery in zip(requests, deliveries, strict=True):
        assert (delivery.method, prefix + delivery.path, delivery.query_string) == (
            request.method,
            request.path,
            request.query_string,
        )
        assert delivery.headers.raw() == request.headers.raw()  # names as spelled, in order
        assert delivery.body == request.body


def assert_as_vendor_sends(report: DeliveryReport, payload: dict[str, object], secret: str | None) -> None:
    """What the vendor's documented style says, checked independently of the sender's own record."""
    style = get_vendor(report.vendor).delivery
    for request in report.requests:
        assert request.method == style.method
        if style.encoding == "query":
            assert request.body == b""
            assert dict(parse_qsl(request.query_string)) == payload
            assert "Content-Type" not in request.headers
        else:
            assert request.body == compact(payload)
            assert request.headers["Content-Type"] == dict(style.encode(request.body)[0])["Content-Type"]
        if style.signing == "svix":
            assert secret is not None
            verify(secret, request.body, request.headers)
            assert request.headers["svix-id"] == report.msg_id
        else:
            assert not any(name.lower().startswith("svix-") for name in request.headers)


@pytest.mark.parametrize(("vendor", "outcome"), LIFECYCLES)
def test_every_lifecycle_arrives_byte_for_byte(jobhooks_server: CaptureServer, vendor: str, outcome: str) -> None:
    payloads = lifecycle(vendor, outcome=outcome, seed=7)  # type: ignore[arg-type]
    batch = deliver_all(payloads, jobhooks_server.url_for(f"/hooks/{vendor}"), secret=jobhooks_server.secret, seed=1)
    assert batch.ok
    assert batch.order == list(range(len(payloads)))
    deliveries = jobhooks_server.wait_for(len(payloads))
    assert_arrived_as_sent([a.request for a in batch.attempts], deliveries, jobhooks_server.path_prefix)
    for report, payload, delivery in zip(batch.deliveries, payloads, deliveries, strict=True):
        assert_as_vendor_sends(report, payload, jobhooks_server.secret)
        assert delivery.payload == payload
        assert delivery.vendor == vendor
        assert delivery.errors == []
        assert delivery.signature == ("valid" if VENDORS[vendor].delivery.signing else None)
        assert delivery.path == f"/hooks/{vendor}"


def test_a_capture_server_target_lends_its_url_and_secret(jobhooks_server: CaptureServer) -> None:
    report = deliver(TENSORLAKE, jobhooks_server)
    [delivery] = jobhooks_server.wait_for()
    assert report.ok
    assert delivery.signature == "valid"
    assert report.secret == jobhooks_server.secret
    assert report.target == jobhooks_server.url


def test_body_is_compact_json_in_key_order_and_utf8(jobhooks_server: CaptureServer) -> None:
    report = deliver(TELMAI, jobhooks_server)
    [delivery] = jobhooks_server.wait_for()
    expected = '{"tenant":"acme","source":"src-1","jobId":"job-7","status":"IN_PROGRESS","details":"naïve ✓"}'
    assert delivery.body == expected.encode("utf-8") == report.requests[0].body
    assert delivery.headers["Content-Length"] == str(len(expected.encode("utf-8")))


def test_text_and_bytes_payloads_are_sent_exactly(jobhooks_server: CaptureServer) -> None:
    text = '{ "tenant": "acme", "source": "s", "jobId": "j", "status": "FINISHED", "details": "d" }'
    deliver(text, jobhooks_server)
    deliver(b'{"tenant": "acme", broken', jobhooks_server, vendor="telmai")
    first, second = jobhooks_server.wait_for(2)
    assert first.body == text.encode()
    assert first.vendor == "telmai"
    assert second.body == b'{"tenant": "acme", broken'


def test_gofetch_is_a_get_with_query_parameters(jobhooks_server: CaptureServer) -> None:
    payload = {"job_id": "b3131f1d", "job_status": "fetcher_approaching_dropoff"}
    report = deliver(payload, jobhooks_server.url_for("/webhook"))
    [delivery] = jobhooks_server.wait_for()
    assert (delivery.method, delivery.path, delivery.body) == ("GET", "/webhook", b"")
    assert delivery.query_string == "job_id=b3131f1d&job_status=fetcher_approaching_dropoff"  # the doc's example
    assert report.requests[0].url == jobhooks_server.url + "/webhook?" + delivery.query_string
    assert delivery.job_state is not None
    assert delivery.job_state.status == "fetcher_approaching_dropoff"


def test_gofetch_query_is_appended_to_an_existing_one_and_escaped(jobhooks_server: CaptureServer) -> None:
    payload = {"job_id": "a b&c", "job_status": "delivered"}
    deliver(payload, jobhooks_server.url_for("/webhook?account=7"))
    [delivery] = jobhooks_server.wait_for()
    assert delivery.query_string == "account=7&job_id=a+b%26c&job_status=delivered"
    assert delivery.payload == {"account": "7", **payload}


@pytest.mark.parametrize("style", ["post", "POST", "json"])
def test_gofetch_later_form_is_a_json_post(jobhooks_server: CaptureServer, style: str) -> None:
    payload = {"job_id": "8c6e2f4a-0d1b-4c55-9a8e-3f2b1c0d9e77", "job_status": "delivered"}
    report = deliver(payload, jobhooks_server, style=style)
    [delivery] = jobhooks_server.wait_for()
    assert (delivery.method, delivery.query_string, delivery.body) == ("POST", "", compact(payload))
    assert report.style == VENDORS["gofetch"].delivery.alternatives[0]
    assert delivery.vendor == "gofetch"


def test_gofetch_query_payload_can_be_a_query_string(jobhooks_server: CaptureServer) -> None:
    report = deliver("job_id=b3131f1d&job_status=delivered", jobhooks_server)
    [delivery] = jobhooks_server.wait_for()
    assert report.vendor == "gofetch"
    assert delivery.query_string == "job_id=b3131f1d&job_status=delivered"


def test_unknown_style_names_the_documented_ones(jobhooks_server: CaptureServer) -> None:
    with pytest.raises(
        DeliveryError, match=r"telmai has no delivery style 'get'; its documented styles: 'post' \(json\)"
    ):
        deliver(TELMAI, jobhooks_server, style="get")
    assert jobhooks_server.deliveries == []


def test_a_style_object_is_used_as_given(jobhooks_server: CaptureServer) -> None:
    deliver(TELMAI, jobhooks_server, style=DeliveryStyle(method="GET", encoding="query"))
    [delivery] = jobhooks_server.wait_for()
    assert delivery.method == "GET"
    assert delivery.query == {key: str(value) for key, value in TELMAI.items()}


def test_style_is_derived_not_named_so_a_registered_vendor_is_signed_too(jobhooks_server: CaptureServer) -> None:
    tensorlake = get_vendor("tensorlake")
    from dataclasses import replace

    custom = replace(tensorlake, name="acme-svix", examples={})
    report = deliver(TENSORLAKE, jobhooks_server, vendor=custom)
    [delivery] = jobhooks_server.wait_for()
    assert report.vendor == "acme-svix"
    assert delivery.signature == "valid"
    assert report.schedule.name == "svix"


def test_extra_headers_come_last_and_replace_same_name(jobhooks_server: CaptureServer) -> None:
    headers = {"user-agent": "Svix-Webhooks/1.24", "X-Tenant": "acme"}
    report = deliver(TENSORLAKE, jobhooks_server, headers=headers)
    [delivery] = jobhooks_server.wait_for()
    names = [name for name, _ in delivery.headers.raw()]
    assert names[-3:] == ["user-agent", "X-Tenant", "Content-Length"]  # httpx adds the length last
    assert "User-Agent" not in names
    assert delivery.headers["User-Agent"] == "Svix-Webhooks/1.24"
    assert delivery.signature == "valid"
    assert report.requests[0].headers.raw() == delivery.headers.raw()


def test_forged_signature_header_is_sent_as_given(jobhooks_server: CaptureServer) -> None:
    report = deliver(TENSORLAKE, jobhooks_server, headers={"svix-signature": "v1,AAAA"})
    [delivery] = jobhooks_server.wait_for()
    assert delivery.signature == "invalid"
    assert report.status == 401  # the capture server rejects it
    assert report.attempts[0].response_body.startswith(b"signature invalid")


def test_secret_false_sends_unsigned(jobhooks_server: CaptureServer) -> None:
    report = deliver(TENSORLAKE, jobhooks_server, secret=False, retry=False)
    [delivery] = jobhooks_server.wait_for()
    assert delivery.signature == "missing"
    assert not any(name.lower().startswith("svix-") for name in delivery.headers)
    assert (report.msg_id, report.secret) == (None, None)
    assert report.status == 401


def test_given_secret_and_msg_id_are_used(jobhooks_server: CaptureServer) -> None:
    secret = new_secret()
    jobhooks_server.configure(secret=secret)
    report = deliver(TENSORLAKE, jobhooks_server.url, secret=secret, msg_id="msg_fixed")
    [delivery] = jobhooks_server.wait_for()
    assert delivery.headers["svix-id"] == "msg_fixed" == report.msg_id
    assert delivery.signature == "valid"


def test_without_any_secret_a_fresh_one_is_made_and_reported(jobhooks_server: CaptureServer) -> None:
    report = deliver(TENSORLAKE, jobhooks_server.url, seed=5)
    assert isinstance(report.secret, str)
    assert report.secret.startswith("whsec_")
    assert report.secret != jobhooks_server.secret
    verify(report.secret, report.requests[0].body, report.requests[0].headers)
    again = deliver(TENSORLAKE, jobhooks_server.url, seed=5)
    assert (again.secret, again.msg_id) == (report.secret, report.msg_id)


def test_unsigned_vendors_ignore_secret_and_have_no_msg_id(jobhooks_server: CaptureServer) -> None:
    report = deliver(TELMAI, jobhooks_server, secret=new_secret(), msg_id="msg_x")
    assert report.msg_id is None
    assert report.secret is None
    assert "svix-id" not in report.requests[0].headers


def test_anchored_timestamp_is_signed_and_deterministic(jobhooks_server: CaptureServer) -> None:
    when = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
    secret = new_secret()
    first = deliver(TENSORLAKE, jobhooks_server, secret=secret, msg_id="msg_1", timestamp=when)
    second = deliver(TENSORLAKE, jobhooks_server, secret=secret, msg_id="msg_1", timestamp=when.timestamp())
    one, two = first.requests[0], second.requests[0]
    assert one.headers["svix-timestamp"] == str(int(when.timestamp()))
    assert one.headers.raw() == two.headers.raw()
    verify(secret, one.body, one.headers, now=when)
    assert first.attempts[0].scheduled_at == when


def test_path_is_appended_to_the_url(jobhooks_server: CaptureServer) -> None:
    report = deliver(TELMAI, jobhooks_server.url + "/", path="/hooks/telmai")
    [delivery] = jobhooks_server.wait_for()
    assert delivery.path == "/hooks/telmai"
    assert report.requests[0].path == jobhooks_server.path_prefix + "/hooks/telmai"


def test_report_reads_well(jobhooks_server: CaptureServer) -> None:
    report = deliver(TELMAI, jobhooks_server.url_for("/t"))
    assert report.ok
    assert report.status == 200
    assert not report.gave_up
    assert report.describe().splitlines() == [
        f"telmai payload #0 -> {jobhooks_server.url}/t: delivered after 1 of 4 attempt(s) "
        "(inferred: immediately, then 10s, 1m00s, 5m00s)",
        f"  #1 +0s POST {jobhooks_server.path_prefix}/t -> 200",
    ]


@pytest.mark.parametrize(
    ("payload", "options", "message"),
    [
        ({"nothing": "known"}, {}, "cannot tell which vendor sends this payload: pass vendor="),
        (TELMAI, {"vendor": "nope"}, "unknown vendor 'nope'"),
        ([1, 2], {"vendor": "telmai"}, "a payload must be a JSON object"),
        ({**TELMAI, "when": datetime(2024, 1, 1)}, {}, "the payload cannot be sent as JSON"),
        ({**TELMAI, "score": float("nan")}, {}, "the payload cannot be sent as JSON"),
        (
            {"job_id": "j", "job_status": {"x": 1}},
            {"vendor": "gofetch"},
            "field 'job_status' is {'x': 1}, not a string",
        ),
        (TELMAI, {"timeout": 0}, "timeout= must be a number of seconds > 0, not 0"),
        (TELMAI, {"timeout": True}, "timeout= must be a number of seconds > 0, not True"),
        (TELMAI, {"retry": "often"}, "retry= takes a RetrySchedule"),
        (TELMAI, {"retry": [5, -1]}, "a retry delay must be a number of seconds (or a timedelta) >= 0, not -1"),
        (TELMAI, {"retry": [float("inf")]}, "a retry delay must be a number of seconds (or a timedelta) >= 0"),
        (TENSORLAKE, {"secret": "whsec_"}, "secret= is empty: it must hold key bytes"),
        (TENSORLAKE, {"secret": 42}, "secret= must be a 'whsec_...' str"),
        (TELMAI, {"start": datetime(2024, 1, 1)}, "start= must be timezone-aware"),
        (TELMAI, {"timestamp": "yesterday"}, "timestamp= must be a datetime or Unix seconds"),
        (TELMAI, {"headers": {"X-A": "1\r\nX-B: 2"}}, "must be single-line strings"),
        (TELMAI, {"app_kind": "wsgi"}, "app_kind= is for in-process apps, not a capture server"),
        (TELMAI, {"real_time": "yes"}, "real_time= must be True or False"),
        (TELMAI, {"seed": -1}, "seed must be an int >= 0, not -1"),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_sent(
    jobhooks_server: CaptureServer, payload: object, options: dict[str, object], message: str
) -> None:
    # Numbers, flags and seeds are checked by _checks (ArgumentError); the rest are DeliveryErrors.
    expected = (
        ArgumentError
        if re.match(r"(timeout|real_time|seed|a retry delay|secret= is empty)\b", message)
        else DeliveryError
    )
    with pytest.raises(expected) as info:
        deliver(payload, jobhooks_server, **options)  # type: ignore[arg-type]
    assert message in str(info.value)
    assert jobhooks_server.deliveries == []


def test_a_bad_payload_anywhere_in_a_batch_stops_it_before_the_first_send(jobhooks_server: CaptureServer) -> None:
    with pytest.raises(DeliveryError, match="cannot tell which vendor"):
        deliver_all([TELMAI, TELMAI, {"x": 1}], jobhooks_server)
    assert jobhooks_server.deliveries == []


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("ftp://example.com/x", "expected an http:// or https:// URL"),
        ("not a url", "expected an http:// or https:// URL"),
        (42, "cannot deliver to 42: expected an http(s):// URL, a CaptureServer, or a WSGI or ASGI app"),
        (None, "cannot deliver to None"),
    ],
)
def test_unusable_targets_are_refused(target: object, message: str) -> None:
    with pytest.raises(DeliveryError) as info:
        deliver(TELMAI, target)
    assert message in str(info.value)


def test_delivery_error_is_a_jobhooks_error() -> None:
    from pytest_jobhooks.errors import JobhooksError

    assert issubclass(DeliveryError, JobhooksError)
    assert issubclass(DeliveryError, ValueError)


def test_style_chooses_the_form_for_deliver_and_deliver_all(jobhooks_server: CaptureServer) -> None:
    payload = {"job_id": "7c9e6679-7425-40de-944b-e07c4f1b2f6a", "job_status": "delivered"}
    deliver(payload, jobhooks_server, style="post")
    deliver_all([payload], jobhooks_server, style="get")
    post, get = jobhooks_server.wait_for(2)
    assert (post.method, post.payload, get.method, get.query) == ("POST", payload, "GET", payload)
    with pytest.raises(TypeError, match="gofetch_style"):  # no vendor name in an option name
        deliver(payload, jobhooks_server, gofetch_style="post")  # type: ignore[call-arg]


def test_a_wrong_type_is_not_lost_in_a_query_string(jobhooks_server: CaptureServer) -> None:
    from pytest_jobhooks import invalid

    payload = invalid("gofetch", "wrong-type:job_id", seed=3)
    with pytest.raises(
        DeliveryError, match=r"field 'job_id' is .* not a string: a query string carries only text.*\(style='post'\)"
    ):
        deliver(payload, jobhooks_server)
    deliver(payload, jobhooks_server, style="post")  # as JSON the defect arrives intact
    [delivery] = jobhooks_server.wait_for()
    assert delivery.errors == [f"$.job_id: {payload['job_id']!r} is not of type 'string'"]


def test_any_object_with_url_and_secret_is_a_target(jobhooks_server: CaptureServer) -> None:
    from pytest_jobhooks.sender import Endpoint

    class Receiver:  # a test's own receiver: the sender needs only what a capture server offers
        url = jobhooks_server.url_for("/mine")
        secret = jobhooks_server.secret

    assert isinstance(jobhooks_server, Endpoint)
    assert isinstance(Receiver(), Endpoint)
    report = deliver(TENSORLAKE, Receiver())
    [delivery] = jobhooks_server.wait_for()
    assert (report.ok, report.secret, delivery.path, delivery.signature) == (
        True,
        jobhooks_server.secret,
        "/mine",
        "valid",
    )


def test_each_attempt_holds_the_one_wire_record(jobhooks_server: CaptureServer) -> None:
    report = deliver({"job_id": "a b", "job_status": "delivered"}, jobhooks_server.url_for("/hooks/gofetch"))
    [request] = report.requests
    assert isinstance(request, Request)
    prefix = jobhooks_server.path_prefix  # the test's own URLs: /t/<n> before the path given to url_for
    assert (request.base_url + prefix, request.path, request.query) == (
        jobhooks_server.url,
        prefix + "/hooks/gofetch",
        {"job_id": "a b", "job_status": "delivered"},
    )
    assert request.time == report.attempts[0].sent_at
    assert request.target == prefix + "/hooks/gofetch?job_id=a+b&job_status=delivered"


def test_importing_the_sender_imports_neither_httpx_nor_the_server() -> None:
    import subprocess
    import sys

    code = (
        "import sys, pytest_jobhooks.sender;"
        "print(sorted(m for m in ('httpx', 'pytest_jobhooks.server') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
