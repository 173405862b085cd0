"""Svix / Standard Webhooks signing: interoperability with the svix library, forgeries, pitfalls."""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
import time
from datetime import datetime, timedelta, timezone

import pytest
from svix.webhooks import Webhook, WebhookVerificationError

from pytest_jobhooks.errors import ArgumentError, SignatureError
from pytest_jobhooks.signing import (
    DEFAULT_TOLERANCE,
    FORGERIES,
    forged_headers,
    has_signature_headers,
    new_message_id,
    new_secret,
    sign,
    verify,
)

# The test vector of the Standard Webhooks specification (used by every svix library).
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TIMESTAMP = 1614265330
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

BODIES = {
    "json": b'{"job_id": "parse_1", "status": "pending", "created_at": "2023-10-01T12:00:00Z"}',
    "non-ascii": '{"details": "Zoë finished ✓ — 完成"}'.encode(),
    "empty": b"",
}

EXPECTED_REASONS = {
    "tampered-body": "mismatch",
    "wrong-secret": "mismatch",  # an HMAC cannot tell a changed body from another key
    "stale": "stale",
    "future": "future",
    "missing-header": "missing-header",
    "malformed": "malformed",
}


def reference_signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The Standard Webhooks definition, written out as an independent oracle."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def test_standard_webhooks_vector() -> None:
    headers = sign(VECTOR_SECRET, VECTOR_BODY, msg_id=VECTOR_ID, timestamp=VECTOR_TIMESTAMP)
    assert headers == {"svix-id": VECTOR_ID, "svix-timestamp": "1614265330", "svix-signature": VECTOR_SIGNATURE}
    verify(VECTOR_SECRET, VECTOR_BODY, headers, now=VECTOR_TIMESTAMP)


def test_standard_webhooks_vector_with_aware_datetime() -> None:
    when = datetime.fromtimestamp(VECTOR_TIMESTAMP, timezone.utc)
    headers = sign(VECTOR_SECRET, VECTOR_BODY.decode(), msg_id=VECTOR_ID, timestamp=when)
    assert headers["svix-signature"] == VECTOR_SIGNATURE


@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES.keys())
@pytest.mark.parametrize("prefix", ["svix", "webhook"])
def test_our_signatures_pass_the_svix_library(body: bytes, prefix: str) -> None:
    secret = new_secret()
    headers = sign(secret, body, prefix=prefix)  # type: ignore[arg-type]
    assert set(headers) == {f"{prefix}-id", f"{prefix}-timestamp", f"{prefix}-signature"}
    Webhook(secret).verify(body, headers)


@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES.keys())
def test_svix_library_signatures_pass_ours(body: bytes) -> None:
    secret = new_secret()
    now = datetime.now(timezone.utc)
    signature = Webhook(secret).sign("msg_1", now, body.decode())
    verify(secret, body, {"svix-id": "msg_1", "svix-timestamp": str(int(now.timestamp())), "svix-signature": signature})


def test_header_names_in_any_case_and_svix_names_win() -> None:
    secret = new_secret()
    good = sign(secret, b"{}")
    shouted = {name.upper(): value for name, value in good.items()}
    verify(secret, b"{}", shouted)
    other = forged_headers("wrong-secret", secret, b"{}", prefix="webhook")
    verify(secret, b"{}", {**other, **good})  # the svix-* triple is the one checked
    with pytest.raises(SignatureError, match="no v1 signature matches"):
        verify(secret, b"{}", {**good, **{"svix-signature": other["webhook-signature"]}})


def test_key_rotation_any_matching_v1_entry_passes() -> None:
    secret, old = new_secret(), new_secret()
    now = int(time.time())
    current = sign(secret, b"{}", msg_id="msg_1", timestamp=now)["svix-signature"]
    previous = sign(old, b"{}", msg_id="msg_1", timestamp=now)["svix-signature"]
    headers = {"svix-id": "msg_1", "svix-timestamp": str(now)}
    verify(secret, b"{}", {**headers, "svix-signature": f"{previous} {current}"})
    verify(old, b"{}", {**headers, "svix-signature": f"{previous} {current}"})
    verify(secret, b"{}", {**headers, "svix-signature": f"v1a,AAAA {current}"})  # other versions are skipped
    with pytest.raises(SignatureError) as info:
        verify(new_secret(), b"{}", {**headers, "svix-signature": f"{previous} {current}"})
    assert info.value.reason == "mismatch"


@pytest.mark.parametrize("kind", FORGERIES)
def test_every_forgery_is_rejected_with_its_reason(kind: str) -> None:
    secret = new_secret()
    body = BODIES["json"]
    headers = forged_headers(kind, secret, body)  # type: ignore[arg-type]
    with pytest.raises(SignatureError) as info:
        verify(secret, body, headers)
    assert info.value.reason == EXPECTED_REASONS[kind]
    # The svix library rejects them too (with ValueError for the malformed one: the pitfall we guard).
    with pytest.raises((WebhookVerificationError, ValueError)):
        Webhook(secret).verify(body, headers)


def test_forgery_reasons_are_distinct_except_what_an_hmac_cannot_tell_apart() -> None:
    assert len(set(EXPECTED_REASONS.values())) == len(FORGERIES) - 1
    assert set(EXPECTED_REASONS) == set(FORGERIES)


def test_forgeries_use_the_requested_header_names() -> None:
    headers = forged_headers("stale", new_secret(), b"{}", prefix="webhook")
    assert set(headers) == {"webhook-id", "webhook-timestamp", "webhook-signature"}


def test_unknown_forgery_kind() -> None:
    with pytest.raises(ArgumentError, match=r"kind must be one of 'tampered-body', 'wrong-secret', .*, not 'expired'"):
        forged_headers("expired", new_secret(), b"{}")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("signature", "timestamp", "reason"),
    [
        ("v1", None, "malformed"),  # the svix library raises ValueError here
        ("v1,abc", None, "malformed"),  # ... and binascii.Error here
        ("v1,@@@@", None, "malformed"),
        ("v1,", None, "malformed"),
        (",AAAA", None, "mismatch"),  # an empty version is another version: skipped, as svix does
        ("v2,AAAA", None, "mismatch"),
        ("", None, "missing-header"),
        ("   ", None, "missing-header"),
        (None, "yesterday", "malformed"),
        (None, "1614265330.5", "malformed"),
        (None, "", "missing-header"),
    ],
)
def test_malformed_headers_raise_only_signature_errors(
    signature: str | None, timestamp: str | None, reason: str
) -> None:
    secret = new_secret()
    headers = sign(secret, b"{}")
    if signature is not None:
        headers["svix-signature"] = signature
    if timestamp is not None:
        headers["svix-timestamp"] = timestamp
    with pytest.raises(SignatureError) as info:
        verify(secret, b"{}", headers)
    assert info.value.reason == reason


def test_tolerance_window() -> None:
    secret = new_secret()
    now = 1_700_000_000
    four_minutes_old = sign(secret, b"{}", timestamp=now - 240)
    verify(secret, b"{}", four_minutes_old, now=now)
    six_minutes_old = sign(secret, b"{}", timestamp=now - 360)
    with pytest.raises(SignatureError, match="360 s old") as info:
        verify(secret, b"{}", six_minutes_old, now=now)
    assert info.value.reason == "stale"
    verify(secret, b"{}", six_minutes_old, now=now, tolerance=timedelta(minutes=10))
    assert timedelta(minutes=5) == DEFAULT_TOLERANCE


def test_non_utf8_bytes_are_signed_over_their_exact_bytes() -> None:
    secret = new_secret()
    body = b'{"details": "caf\xe9"}\xff'  # latin-1, not UTF-8
    headers = sign(secret, body, msg_id="msg_1", timestamp=1_700_000_000)
    assert headers["svix-signature"] == reference_signature(secret, "msg_1", 1_700_000_000, body)
    verify(secret, body, headers, now=1_700_000_000)
    with pytest.raises(SignatureError) as info:
        verify(secret, body.replace(b"\xe9", b"\xe8"), headers, now=1_700_000_000)
    assert info.value.reason == "mismatch"


def test_bytes_are_not_signed_as_their_repr_like_svix_sign_does() -> None:
    secret = new_secret()
    body = '{"details": "Zoë"}'.encode()
    ours = sign(secret, body, msg_id="msg_1", timestamp=1_700_000_000)["svix-signature"]
    assert ours == reference_signature(secret, "msg_1", 1_700_000_000, body)
    when = datetime.fromtimestamp(1_700_000_000, timezone.utc)
    assert ours == Webhook(secret).sign("msg_1", when, body.decode())
    assert ours != Webhook(secret).sign("msg_1", when, body)  # type: ignore[arg-type]  # the pitfall


def test_non_utc_datetime_is_converted_not_relabelled() -> None:
    secret = new_secret()
    paris = timezone(timedelta(hours=2))
    local = datetime(2024, 6, 1, 14, 0, tzinfo=paris)  # 12:00 UTC
    headers = sign(secret, b"{}", msg_id="msg_1", timestamp=local)
    utc_seconds = int(datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc).timestamp())
    assert headers["svix-timestamp"] == str(utc_seconds)
    assert headers == sign(secret, b"{}", msg_id="msg_1", timestamp=utc_seconds)
    relabelled = Webhook(secret).sign("msg_1", local, "{}")  # svix treats 14:00+02:00 as 14:00 UTC
    assert headers["svix-signature"] != relabelled


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ArgumentError, match="timestamp must be a timezone-aware datetime: a naive one is ambiguous"):
        sign(new_secret(), b"{}", timestamp=datetime(2024, 6, 1, 12, 0))


RANGE = "Unix seconds from 0 to 253402300799 (year 9999)"


@pytest.mark.parametrize(
    ("timestamp", "shown"),
    [
        (-1, "-1"),
        (float("nan"), "nan"),
        (True, "True"),
        ("1614265330", "'1614265330'"),
        (10**12, "1000000000000"),  # its datetime was out of range: a plain ValueError
        (1e300, "1e+300"),  # OverflowError
        pytest.param(10**5000, "an int of 16610 bits", id="10**5000"),  # OverflowError, then ValueError in repr()
    ],
)
def test_bad_timestamps_are_refused(timestamp: object, shown: str) -> None:
    with pytest.raises(ArgumentError) as info:
        sign(new_secret(), b"{}", timestamp=timestamp)  # type: ignore[arg-type]
    assert str(info.value) == f"timestamp must be a datetime or {RANGE}, not {shown}"
    with pytest.raises(ArgumentError) as info:
        verify(new_secret(), b"{}", sign(new_secret(), b"{}"), now=timestamp)  # type: ignore[arg-type]
    assert str(info.value) == f"now must be a datetime or {RANGE}, not {shown}"
    sign(new_secret(), b"{}", timestamp=253402300799)  # the last second of the year 9999 is fine


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        ("whsec_", "secret is empty: it must hold key bytes ('whsec_' followed by base64)"),
        ("", "secret is empty: it must hold key bytes ('whsec_' followed by base64)"),
        ("whsec_!!!!", "secret is empty: it must hold key bytes ('whsec_' followed by base64)"),
        ("whsec_a", "secret must be 'whsec_' followed by base64"),
        (42, "secret must be a 'whsec_...' str or the key bytes, not 42"),
    ],
)
def test_bad_secrets_are_argument_errors_of_sign_verify_and_forged_headers(secret: object, message: str) -> None:
    for call in (
        lambda: sign(secret, b"{}"),  # type: ignore[arg-type]
        lambda: verify(secret, b"{}", sign(new_secret(), b"{}")),  # type: ignore[arg-type]
        lambda: forged_headers("stale", secret, b"{}"),  # type: ignore[arg-type]
    ):
        with pytest.raises(ArgumentError) as info:
            call()
        assert str(info.value) == message
        assert not isinstance(info.value, SignatureError)  # a bad argument is no verdict on a delivery


def test_bad_bodies_and_message_ids_are_refused() -> None:
    with pytest.raises(ArgumentError, match=r"body must be bytes or str \(the exact text sent\), not dict"):
        sign(new_secret(), {"a": 1})  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="body cannot be encoded as UTF-8"):
        sign(new_secret(), "\udcff")
    with pytest.raises(ArgumentError, match="msg_id must be a non-empty str of visible ASCII"):
        sign(new_secret(), b"{}", msg_id="msg\r\nX-Injected: 1")


def test_other_bad_arguments_are_argument_errors() -> None:
    secret = new_secret()
    with pytest.raises(ArgumentError, match="prefix must be one of 'svix', 'webhook', not 'x'"):
        sign(secret, b"{}", prefix="x")  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="tolerance must be a timedelta >= 0, not 300"):
        verify(secret, b"{}", sign(secret, b"{}"), tolerance=300)  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="tolerance must be a timedelta >= 0"):
        forged_headers("stale", secret, b"{}", tolerance=timedelta(seconds=-1))
    with pytest.raises(ArgumentError, match="headers must be a mapping of header names to values, not None"):
        verify(secret, b"{}", None)  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match=r"rng must be a random\.Random or None, not 7"):
        new_secret(7)  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match=r"rng must be a random\.Random or None"):
        new_message_id("seed")  # type: ignore[arg-type]


def test_argument_errors_come_before_verdicts() -> None:
    # Missing headers and a bad secret: the secret is what the caller must fix first.
    with pytest.raises(ArgumentError, match="secret"):
        verify("whsec_", b"{}", {})


def test_str_and_bytes_bodies_sign_alike() -> None:
    secret = new_secret()
    text = '{"details": "Zoë"}'
    assert sign(secret, text, msg_id="m", timestamp=1) == sign(secret, text.encode(), msg_id="m", timestamp=1)


def test_raw_key_bytes_are_accepted() -> None:
    raw = bytes(range(24))
    secret = "whsec_" + base64.b64encode(raw).decode()
    assert sign(raw, b"{}", msg_id="m", timestamp=1) == sign(secret, b"{}", msg_id="m", timestamp=1)


def test_new_secret_and_message_id() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 24
    assert new_secret() != secret
    assert new_secret(random.Random(7)) == new_secret(random.Random(7))
    assert new_message_id().startswith("msg_")
    assert new_message_id(random.Random(7)) == new_message_id(random.Random(7))


def test_has_signature_headers() -> None:
    assert has_signature_headers({"Svix-Signature": "v1,x"})
    assert has_signature_headers(["Webhook-Signature"])
    assert not has_signature_headers(["webhook-id"])  # no signature: a lone id or timestamp claims nothing
    assert not has_signature_headers({"svix-id": "msg_1", "svix-timestamp": "1"})
    assert not has_signature_headers({"content-type": "application/json", "x-signature": "abc"})


def svix_accepts(secret: str, body: bytes, headers: dict[str, str]) -> bool:
    try:
        Webhook(secret).verify(body, headers)
    except Exception:  # WebhookVerificationError, or the ValueError / binascii.Error of a malformed header
        return False
    return True


def ours_accepts(secret: str, body: bytes, headers: dict[str, str]) -> bool:
    try:
        verify(secret, body, headers)
    except SignatureError:
        return False
    return True


@pytest.mark.parametrize(
    ("signature", "accepted"),
    [
        # Issue 14, defect 11: a garbled entry of another version was "malformed" before a valid v1.
        ("v2,@@@@ {good}", True),
        ("v2,abc {good}", True),
        ("v1a,!! {good}", True),
        ("v2, {good}", True),
        (",AAAA {good}", True),
        ("v1,@@@@ {good}", True),  # svix drops the characters outside base64: no match, goes on
        ("{good} v2,@@@@", True),
        ("{good} garbage", True),  # svix stops at the match
        ("garbage {good}", False),  # ... and raises ValueError on what comes before it
        ("v2,a,b {good}", False),
        ("v1,abc {good}", False),  # binascii.Error: bad padding
        ("v2,AAAA", False),
        ("v1,AAAA", False),
        ("{other} {good}", True),
        ("{other}", False),
    ],
)
def test_signature_entries_are_judged_as_the_svix_library_judges_them(signature: str, accepted: bool) -> None:
    secret, now = new_secret(), int(time.time())
    headers = sign(secret, b"{}", msg_id="msg_1", timestamp=now)
    other = sign(new_secret(), b"{}", msg_id="msg_1", timestamp=now)["svix-signature"]
    headers["svix-signature"] = signature.format(good=headers["svix-signature"], other=other)
    assert svix_accepts(secret, b"{}", headers) is accepted
    assert ours_accepts(secret, b"{}", headers) is accepted


@pytest.mark.parametrize(
    ("timestamp", "reason"),
    [
        # Issue 14, defect 12: int() raised a plain ValueError past 4,300 digits
        pytest.param("9" * 5000, "malformed", id="5000-nines"),
        pytest.param("1" + "0" * 4400, "malformed", id="10**4400"),
        ("99999999999999", "malformed"),  # past the year 9999: svix says "Invalid Signature Headers" too
        ("253402300800", "malformed"),
    ],
)
def test_huge_timestamps_are_malformed_signature_errors(timestamp: str, reason: str) -> None:
    secret = new_secret()
    headers = {**sign(secret, b"{}"), "svix-timestamp": timestamp}
    with pytest.raises(SignatureError) as info:
        verify(secret, b"{}", headers)
    assert info.value.reason == reason
    assert len(str(info.value)) < 200  # the number is not printed whole
    assert not svix_accepts(secret, b"{}", headers)


def test_leading_zeros_in_a_timestamp_are_read_as_svix_reads_them() -> None:
    secret, now = new_secret(), int(time.time())
    headers = sign(secret, b"{}", msg_id="msg_1", timestamp=now)
    headers["svix-timestamp"] = "0" * 5000 + str(now)
    verify(secret, b"{}", headers)
    assert svix_accepts(secret, b"{}", headers)


@pytest.mark.parametrize("msg_id", ["msg_1.2", ".", "msg 1", "msg_\u00e9", "", "msg_1\n"])
def test_sign_refuses_message_ids_standard_webhooks_forbids(msg_id: str) -> None:
    # Standard Webhooks signs "msg_id.timestamp.body": an id holding "." could be split elsewhere.
    with pytest.raises(ArgumentError, match="msg_id must"):
        sign(new_secret(), b"{}", msg_id=msg_id, timestamp=1_700_000_000)


def test_sign_keeps_svix_and_uuid_message_ids() -> None:
    for msg_id in ("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", "1f81eb52-5198-4599-803e-771906343485", "evt~1:2/3"):
        assert sign(new_secret(), b"{}", msg_id=msg_id, timestamp=1_700_000_000)["svix-id"] == msg_id
