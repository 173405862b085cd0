"""The capture server's signature checks: fresh secrets, valid, forged, malformed and missing signatures."""

from __future__ import annotations

import json
import socket

import httpx
import pytest

from pytest_jobhooks.catalog import detect_vendor, read, read_if_signing
from pytest_jobhooks.errors import ServerError
from pytest_jobhooks.server import CaptureServer
from pytest_jobhooks.signing import FORGERIES, forged_headers
from pytest_jobhooks.vendors import VENDORS
from pytest_jobhooks.wire import Request
from tests.server._payloads import EXAMPLES, TELMAI, TENSORLAKE


@pytest.fixture
def server(jobhooks_server: CaptureServer) -> CaptureServer:
    return jobhooks_server


def send(url: str, body: bytes | dict[str, object] = b"", *, headers: dict[str, str] | None = None) -> httpx.Response:
    content = json.dumps(body).encode() if isinstance(body, dict) else body
    return httpx.post(url, content=content, headers=headers, timeout=5.0)


def test_each_server_and_each_reset_has_a_fresh_secret(server: CaptureServer) -> None:
    first = server.secret
    assert first is not None
    assert first.startswith("whsec_")
    with CaptureServer() as other:
        assert other.secret not in (None, first)
    server.reset()
    assert server.secret not in (None, first)
    assert (
        CaptureServer(secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").secret
        == "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    )
    assert CaptureServer(secret=None).secret is None


@pytest.mark.parametrize("prefix", ["svix", "webhook"])
def test_signed_delivery_is_valid(server: CaptureServer, prefix: str) -> None:
    body = json.dumps(TENSORLAKE).encode()
    assert send(server.url, body, headers=server.sign(body, prefix=prefix)).status_code == 200  # type: ignore[arg-type]
    [delivery] = server.wait_for(vendor="tensorlake")
    assert (delivery.signature, delivery.signature_reason) == ("valid", None)


@pytest.mark.parametrize("kind", FORGERIES)
def test_forged_signature_is_rejected_401_with_its_reason(server: CaptureServer, kind: str) -> None:
    server.respond(500, times=1)
    body = json.dumps(TENSORLAKE).encode()
    assert server.secret is not None
    response = send(server.url, body, headers=forged_headers(kind, server.secret, body))  # type: ignore[arg-type]
    assert response.status_code == 401
    [delivery] = server.wait_for()
    expected = {"tampered-body": "mismatch", "wrong-secret": "mismatch"}.get(kind, kind)
    assert delivery.signature == "invalid"  # signing headers were sent, so the signature is not missing
    assert delivery.signature_reason == expected
    assert delivery.signature_message
    assert delivery.signature_message in response.text
    assert send(server.url, body, headers=server.sign(body)).status_code == 500  # the script was not used up


@pytest.mark.parametrize("signature", ["v1", "v1,abc", "v1,@@@@", "v1,", "garbage"])
def test_malformed_signature_never_escapes_the_handler(server: CaptureServer, signature: str) -> None:
    body = json.dumps(TENSORLAKE).encode()
    headers = {**server.sign(body), "svix-signature": signature}
    assert send(server.url, body, headers=headers).status_code == 401
    assert send(server.url, body, headers=server.sign(body)).status_code == 200
    bad, good = server.wait_for(2)
    assert (bad.signature, bad.signature_reason) == ("invalid", "malformed")
    assert good.signature == "valid"
    assert server.rejected == []


def test_unsigned_delivery_of_a_signing_vendor_is_missing(server: CaptureServer) -> None:
    response = send(server.url, TENSORLAKE)
    assert response.status_code == 401
    [delivery] = server.wait_for()
    assert (delivery.signature, delivery.signature_reason) == ("missing", "missing-header")
    assert delivery.vendor == "tensorlake"


@pytest.mark.parametrize(("vendor", "example"), EXAMPLES)
def test_only_deliveries_of_signing_vendors_are_expected_signed(vendor: str, example: dict[str, object]) -> None:
    request = Request("POST", body=json.dumps(example).encode())
    signing = read_if_signing(request)
    assert (signing is not None and signing.from_signing_vendor) == (VENDORS[vendor].delivery.signing is not None)
    assert read(request).vendor == vendor


@pytest.mark.parametrize(
    "payload",
    [
        {"job_id": "x", "status": "pending"},  # enough of Tensorlake's fields to be recognised
        {"job_id": "x", "job_status": "delivered", "status": "pending"},  # GoFetch's and Tensorlake's: a tie
        {"workflow_name": "w", "fn_status": {}},
        {"status": "pending"},
        {"job_id": "x", "job_status": "delivered"},
        {"tenant": "t", "status": "FINISHED"},
    ],
)
def test_signing_vendor_check_agrees_with_detection(payload: dict[str, object]) -> None:
    reading = read_if_signing(Request("POST", body=json.dumps(payload).encode()))
    signing = {name for name, spec in VENDORS.items() if spec.delivery.signing is not None}
    assert (reading is not None and reading.from_signing_vendor) == (detect_vendor(payload) in signing)


def test_require_signature(server: CaptureServer) -> None:
    server.configure(require_signature=True)
    assert send(server.url, TELMAI).status_code == 401
    server.configure(require_signature=False)
    assert send(server.url, TENSORLAKE).status_code == 200
    telmai, tensorlake = server.wait_for(2)
    assert telmai.signature == "missing"
    assert tensorlake.signature is None


def test_reject_status(server: CaptureServer) -> None:
    server.configure(reject_status=403)
    assert send(server.url, TENSORLAKE).status_code == 403
    server.configure(reject_status=None)
    server.respond(202, times=1)
    assert send(server.url, TENSORLAKE).status_code == 202  # recorded as missing, answered by the script
    assert [d.signature for d in server.wait_for(2)] == ["missing", "missing"]


def test_no_secret_no_verdict(server: CaptureServer) -> None:
    server.configure(secret=None)
    body = json.dumps(TENSORLAKE).encode()
    send(server.url, body, headers={"svix-id": "x", "svix-timestamp": "1", "svix-signature": "v1"})
    send(server.url, body)
    assert [d.signature for d in server.wait_for(2)] == [None, None]
    with pytest.raises(ServerError, match="no secret to sign with"):
        server.sign(body)


def raw_post(server: CaptureServer, body: bytes, extra_headers: bytes) -> bytes:
    """POST ``body`` over a raw socket with ``extra_headers`` (CRLF-ended lines); the status line answered."""
    port = int(server.url.rstrip("/").rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        head = b"POST /hooks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\n"
        sock.sendall(head + b"Content-Length: %d\r\n" % len(body) + extra_headers + b"\r\n" + body)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer.split(b"\r\n", 1)[0]


LONE_HEADERS = [b"svix-id: msg_1\r\n", b"Webhook-Id: msg_1\r\n", b"svix-timestamp: 1\r\nwebhook-id: msg_1\r\n"]


@pytest.mark.parametrize("extra", LONE_HEADERS)
def test_a_lone_signing_header_does_not_make_a_non_signing_vendor_delivery_signed(extra: bytes) -> None:
    # Issue 14, defect 10: any svix-*/webhook-* header made this unsigned Telmai delivery "signed", so 401.
    with CaptureServer() as server:
        assert raw_post(server, json.dumps(TELMAI).encode(), extra) == b"HTTP/1.1 200 OK"
        [delivery] = server.wait_for()
    assert (delivery.vendor, delivery.signature, delivery.signature_reason) == ("telmai", None, None)


@pytest.mark.parametrize("extra", LONE_HEADERS)
def test_a_signing_vendor_delivery_with_some_signing_headers_is_still_missing_header(extra: bytes) -> None:
    with CaptureServer() as server:
        assert raw_post(server, json.dumps(TENSORLAKE).encode(), extra) == b"HTTP/1.1 401 Unauthorized"
        [delivery] = server.wait_for()
    assert (delivery.signature, delivery.signature_reason) == ("invalid", "missing-header")
    assert "svix-signature (or webhook-signature)" in (delivery.signature_message or "")


def test_a_lone_signing_header_under_require_signature_is_still_refused() -> None:
    with CaptureServer(require_signature=True) as server:
        assert raw_post(server, json.dumps(TELMAI).encode(), b"svix-id: msg_1\r\n") == b"HTTP/1.1 401 Unauthorized"
        [delivery] = server.wait_for()
    assert (delivery.signature, delivery.signature_reason) == ("invalid", "missing-header")
