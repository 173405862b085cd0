"""Sign and verify webhooks the way Svix (and Standard Webhooks) do, and forge bad signatures for tests.

A signed delivery carries three headers: ``svix-id``, ``svix-timestamp`` (Unix
seconds) and ``svix-signature`` (space-separated ``v1,<base64 HMAC-SHA256>``
entries, several during a key rotation). Standard Webhooks names them
``webhook-*``; both spellings are accepted, in any letter case.

The HMAC itself is computed by the svix library, imported on first use (it
costs ~0.3 s). Two of its pitfalls are guarded here: ``Webhook.sign`` formats a
bytes body into ``"b'...'"`` and relabels a non-UTC datetime as UTC instead of
converting it; ``Webhook.verify`` lets ``ValueError`` / ``binascii.Error`` escape
on malformed headers. :func:`verify` raises :class:`~pytest_jobhooks.SignatureError`
for every verdict against a delivery, with a short :attr:`~pytest_jobhooks.SignatureError.reason`.
Bad arguments (an unusable secret, timestamp, body, message id, forgery kind...)
are no verdict: every function here raises :class:`~pytest_jobhooks.errors.ArgumentError`
for them.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import math
import random
import re
import secrets
import time
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Literal, get_args

from ._checks import check_choice
from .errors import ArgumentError, SignatureError
from .wire import has_signature_headers

__all__ = [
    "DEFAULT_TOLERANCE",
    "FORGERIES",
    "ForgeryKind",
    "forged_headers",
    "has_signature_headers",
    "new_message_id",
    "new_secret",
    "secret_key",
    "sign",
    "verify",
]

ForgeryKind = Literal["tampered-body", "wrong-secret", "stale", "future", "missing-header", "malformed"]
"""The kinds of bad signature :func:`forged_headers` can produce."""

FORGERIES: tuple[ForgeryKind, ...] = get_args(ForgeryKind)
"""Every :data:`ForgeryKind`, for parametrizing negative tests."""

DEFAULT_TOLERANCE = timedelta(minutes=5)
"""How far a signature's timestamp may be from now (Svix's and Standard Webhooks' default)."""

HeaderPrefix = Literal["svix", "webhook"]
"""How the signing headers are named: ``svix-*`` (Svix) or ``webhook-*`` (Standard Webhooks)."""

Body = bytes | bytearray | memoryview | str
Timestamp = datetime | int | float

_PARTS = ("id", "timestamp", "signature")
_PREFIXES: tuple[HeaderPrefix, ...] = get_args(HeaderPrefix)
_SECRET_PREFIX = "whsec_"
_SECRET_BYTES = 24  # the size of the secrets Svix issues
_DIGITS = re.compile(r"[0-9]+")
_MAX_SECONDS = 253_402_300_799  # 9999-12-31T23:59:59Z: the last second a datetime (and so svix) can hold
# How far outside the tolerance forged stale/future timestamps are, so a slow test cannot drift back inside.
_FORGERY_MARGIN = timedelta(minutes=1)


def new_secret(rng: random.Random | None = None) -> str:
    """A fresh signing secret in Svix's format: ``whsec_`` followed by base64 of 24 random bytes.

    Pass a seeded ``random.Random`` for a reproducible secret; without one the
    bytes come from :mod:`secrets`.
    """
    _check_rng(rng)
    raw = rng.randbytes(_SECRET_BYTES) if rng is not None else secrets.token_bytes(_SECRET_BYTES)
    return _SECRET_PREFIX + base64.b64encode(raw).decode("ascii")


def new_message_id(rng: random.Random | None = None) -> str:
    """A fresh message id such as ``msg_3f9c...`` (what ``svix-id`` carries)."""
    _check_rng(rng)
    raw = rng.randbytes(12) if rng is not None else secrets.token_bytes(12)
    return "msg_" + raw.hex()


def sign(
    secret: str | bytes,
    body: Body,
    *,
    msg_id: str | None = None,
    timestamp: Timestamp | None = None,
    prefix: HeaderPrefix = "svix",
) -> dict[str, str]:
    """The headers that sign ``body`` as Svix would: ``svix-id``, ``svix-timestamp``, ``svix-signature``.

    ``secret`` is a ``whsec_...`` string (or the raw key bytes). ``body`` is
    signed over its exact bytes (a str is encoded as UTF-8). ``timestamp`` is now
    unless given as Unix seconds or a timezone-aware datetime (converted to UTC;
    a naive one is rejected as ambiguous). ``prefix="webhook"`` names the
    headers the Standard Webhooks way. Raises :class:`~pytest_jobhooks.errors.ArgumentError`
    for an unusable secret, body, timestamp, message id or prefix.
    """
    key = secret_key(secret)
    data = _body_bytes(body)
    seconds = _unix_seconds(timestamp)
    message_id = new_message_id() if msg_id is None else _checked_id(msg_id)
    check_choice("prefix", prefix, _PREFIXES)
    return {
        f"{prefix}-id": message_id,
        f"{prefix}-timestamp": str(seconds),
        f"{prefix}-signature": _signature(key, message_id, seconds, data),
    }


def verify(
    secret: str | bytes,
    body: Body,
    headers: Mapping[str, str],
    *,
    tolerance: timedelta = DEFAULT_TOLERANCE,
    now: Timestamp | None = None,
) -> None:
    """Check that ``headers`` sign ``body`` with ``secret``, or raise :class:`~pytest_jobhooks.SignatureError`.

    Header names may be ``svix-*`` or ``webhook-*`` in any case (``svix-*`` wins
    when both are present). The signature header may hold several
    space-separated entries (key rotation): one matching ``v1`` entry suffices;
    entries of other versions are skipped, whatever their value. Entries are
    read in order, as the svix library reads them: a malformed one before the
    match rejects the delivery. The timestamp must be within ``tolerance`` of
    ``now`` (default: the current time); one past the year 9999 is malformed.

    The error's ``reason`` is one of ``missing-header``, ``malformed``, ``stale``,
    ``future`` or ``mismatch`` (the body or the secret differs from what was
    signed: an HMAC cannot tell which). An unusable ``secret``, ``body``,
    ``headers``, ``tolerance`` or ``now`` raises :class:`~pytest_jobhooks.errors.ArgumentError`
    instead: it says nothing about the delivery.
    """
    key = secret_key(secret)
    data = _body_bytes(body)
    if not isinstance(headers, Mapping):
        raise ArgumentError(f"headers must be a mapping of header names to values, not {headers!r}")
    limit = _tolerance_seconds(tolerance)
    current = _unix_seconds(now, "now")
    message_id, stamp, signature = _signature_headers(headers)
    seconds = _parse_timestamp(stamp)
    _check_age(seconds, current, limit)
    expected = base64.b64decode(_signature(key, message_id, seconds, data).partition(",")[2])
    if not _matches(signature, expected):
        raise SignatureError(
            "mismatch",
            "no v1 signature matches: the body was changed after signing, or it was signed with another secret",
        )


def forged_headers(
    kind: ForgeryKind,
    secret: str | bytes,
    body: Body,
    *,
    msg_id: str | None = None,
    timestamp: Timestamp | None = None,
    tolerance: timedelta = DEFAULT_TOLERANCE,
    prefix: HeaderPrefix = "svix",
) -> dict[str, str]:
    """Headers that :func:`verify` rejects for ``body`` and ``secret``, for negative tests.

    ``kind`` is one of :data:`FORGERIES`:

    - ``tampered-body``: a valid signature of a slightly different body (reason ``mismatch``);
    - ``wrong-secret``: a valid signature made with another secret (reason ``mismatch``);
    - ``stale`` / ``future``: a valid signature dated a minute beyond ``tolerance``
      before / after ``timestamp`` (default now) (reasons ``stale`` / ``future``);
    - ``missing-header``: no signature header (reason ``missing-header``);
    - ``malformed``: a ``v1`` entry without its comma, which makes the svix
      library itself raise ``ValueError`` (reason ``malformed``).

    Bad arguments (an unknown ``kind`` included) raise :class:`~pytest_jobhooks.errors.ArgumentError`.
    """
    check_choice("kind", kind, FORGERIES)
    secret_key(secret)  # refused for every kind, "wrong-secret" too: the caller's secret is unusable either way
    data = _body_bytes(body)
    when = _unix_seconds(timestamp)
    margin = int(_tolerance_seconds(tolerance) + _FORGERY_MARGIN.total_seconds())
    if kind == "tampered-body":
        return sign(secret, data + b" ", msg_id=msg_id, timestamp=when, prefix=prefix)
    if kind == "wrong-secret":
        other = new_secret()
        return sign(other, data, msg_id=msg_id, timestamp=when, prefix=prefix)
    if kind == "stale":
        return sign(secret, data, msg_id=msg_id, timestamp=when - margin, prefix=prefix)
    if kind == "future":
        return sign(secret, data, msg_id=msg_id, timestamp=when + margin, prefix=prefix)
    headers = sign(secret, data, msg_id=msg_id, timestamp=when, prefix=prefix)
    if kind == "missing-header":
        del headers[f"{prefix}-signature"]
        return headers
    # "malformed", the only kind left (checked above)
    headers[f"{prefix}-signature"] = headers[f"{prefix}-signature"].replace(",", "", 1)
    return headers


def _signature_headers(headers: Mapping[str, str]) -> tuple[str, str, str]:
    lowered = {str(name).lower(): value for name, value in headers.items()}
    found: list[str] = []
    missing: list[str] = []
    for part in _PARTS:
        value = lowered.get(f"svix-{part}") or lowered.get(f"webhook-{part}")
        if value and value.strip():
            found.append(str(value))
        else:
            missing.append(f"svix-{part} (or webhook-{part})")
    if missing:
        raise SignatureError("missing-header", f"missing signature header(s): {', '.join(missing)}")
    return found[0], found[1], found[2]


def _parse_timestamp(stamp: str) -> int:
    text = stamp.strip()
    if not _DIGITS.fullmatch(text):
        raise SignatureError("malformed", f"signature timestamp {stamp!r} is not a whole number of Unix seconds")
    # Leading zeros are allowed (svix reads the number); past year 9999 no datetime holds it, and svix calls
    # it invalid too. Checked on the length first: int() refuses strings of over 4,300 digits.
    digits = text.lstrip("0") or "0"
    if len(digits) > len(str(_MAX_SECONDS)) or int(digits) > _MAX_SECONDS:
        shown = text if len(text) <= 40 else f"{text[:20]}... ({len(text)} digits)"
        raise SignatureError("malformed", f"signature timestamp {shown} is past the year 9999")
    return int(digits)


def _check_age(seconds: int, now: int, limit: float) -> None:
    age = now - seconds
    if age > limit:
        raise SignatureError("stale", f"signature timestamp {seconds} is {age} s old (tolerance {limit:g} s)")
    if -age > limit:
        raise SignatureError(
            "future", f"signature timestamp {seconds} is {-age} s in the future (tolerance {limit:g} s)"
        )


def _matches(header: str, expected: bytes) -> bool:
    """Whether a ``v1`` entry of ``header`` is ``expected``, read entry by entry in order as svix reads them.

    svix splits on single spaces and stops at the first match. Before it, an
    entry that is not ``<version>,<value>`` or a ``v1`` value that cannot be
    decoded is malformed; an entry of another version is skipped unread, its
    value too (so a valid ``v1`` signature next to a garbled ``v2,...`` passes).
    A ``v1`` value with characters outside base64, which svix drops, makes the
    verdict ``malformed`` rather than ``mismatch`` when nothing matched.
    """
    versions: list[str] = []
    garbled: str | None = None
    for entry in header.strip().split(" "):
        version, comma, value = entry.partition(",")
        if not comma or "," in value:
            raise SignatureError("malformed", f"signature entry {entry!r} is not '<version>,<base64>'")
        versions.append(version or "''")
        if version != "v1":
            continue
        try:
            candidate = base64.b64decode(value)  # as svix decodes it
        except binascii.Error:
            raise SignatureError("malformed", f"signature entry {entry!r} is not valid base64") from None
        if hmac.compare_digest(expected, candidate):
            return True
        if garbled is None and not _strict_base64(value):
            garbled = entry
    if garbled is not None:
        raise SignatureError("malformed", f"signature entry {garbled!r} is not valid base64")
    if "v1" not in versions:
        raise SignatureError("mismatch", f"no v1 signature to check (versions present: {', '.join(versions)})")
    return False


def _strict_base64(value: str) -> bool:
    try:
        return bool(value) and base64.b64decode(value, validate=True) is not None
    except binascii.Error:
        return False


def _signature(key: bytes, message_id: str, seconds: int, data: bytes) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        # Webhook.sign only takes text; the library's own HMAC primitive signs the exact bytes.
        from standardwebhooks.webhooks import hmac_data

        digest = hmac_data(key, f"{message_id}.{seconds}.".encode() + data)
        return "v1," + base64.b64encode(digest).decode("ascii")
    from svix.webhooks import Webhook

    # A UTC datetime, so Webhook.sign's relabelling as UTC changes nothing.
    return Webhook(key).sign(message_id, datetime.fromtimestamp(seconds, timezone.utc), text)


def secret_key(secret: object, name: str = "secret") -> bytes:
    """The HMAC key of a ``whsec_...`` secret or raw key bytes; ``name`` is how the caller's argument is spelled.

    Raises :class:`~pytest_jobhooks.errors.ArgumentError` for anything that is not a usable secret.
    """
    if isinstance(secret, (bytes, bytearray)):
        key = bytes(secret)
    elif isinstance(secret, str):
        encoded = secret.removeprefix(_SECRET_PREFIX)
        try:
            # The same decoding as the svix library (which tolerates missing padding).
            key = base64.b64decode(encoded + "==")
        except (binascii.Error, ValueError):
            # The secret itself is not shown: messages end up in logs.
            raise ArgumentError(f"{name} must be 'whsec_' followed by base64") from None
    else:
        raise ArgumentError(f"{name} must be a 'whsec_...' str or the key bytes, not {secret!r}")
    if not key:
        raise ArgumentError(f"{name} is empty: it must hold key bytes ('whsec_' followed by base64)")
    return key


def _body_bytes(body: object) -> bytes:
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body)
    if isinstance(body, str):
        try:
            return body.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ArgumentError(f"body cannot be encoded as UTF-8 ({exc.reason}): pass the bytes sent") from None
    raise ArgumentError(f"body must be bytes or str (the exact text sent), not {type(body).__name__}")


def _unix_seconds(timestamp: object, name: str = "timestamp") -> int:
    if timestamp is None:
        return int(time.time())
    if isinstance(timestamp, datetime):
        if timestamp.tzinfo is None or timestamp.utcoffset() is None:
            raise ArgumentError(
                f"{name} must be a timezone-aware datetime: a naive one is ambiguous (e.g. datetime.now(timezone.utc))"
            )
        # .timestamp() converts from the datetime's own zone; svix would relabel it as UTC.
        return math.floor(timestamp.timestamp())
    if (
        isinstance(timestamp, bool)
        or not isinstance(timestamp, (int, float))
        or not 0 <= timestamp <= _MAX_SECONDS  # False for NaN; no float() of a huge int that would overflow
    ):
        raise ArgumentError(
            f"{name} must be a datetime or Unix seconds from 0 to {_MAX_SECONDS} (year 9999), not {_shown(timestamp)}"
        )
    return math.floor(timestamp)


def _shown(value: object) -> str:
    # repr() of an int of over 4,300 digits raises ValueError; its size is what matters then.
    if isinstance(value, int) and value.bit_length() > 256:
        return f"an int of {value.bit_length()} bits"
    return repr(value)


def _tolerance_seconds(tolerance: object) -> float:
    if not isinstance(tolerance, timedelta) or tolerance < timedelta(0):
        raise ArgumentError(f"tolerance must be a timedelta >= 0, not {tolerance!r}")
    return tolerance.total_seconds()


# Standard Webhooks signs "{msg_id}.{timestamp}.{body}", so an id must not hold a "." ("not be allowed to
# include any `.` to prevent certain attacks"); it travels in a header, so visible ASCII only.
_MESSAGE_ID = re.compile(r"[!-\-/-~]+", re.ASCII)


def _checked_id(msg_id: object) -> str:
    if not isinstance(msg_id, str) or not _MESSAGE_ID.fullmatch(msg_id):
        if isinstance(msg_id, str) and "." in msg_id:
            raise ArgumentError(
                f"msg_id must not contain '.' (Standard Webhooks signs msg_id.timestamp.body), not {msg_id!r}"
            )
        raise ArgumentError(
            f"msg_id must be a non-empty str of visible ASCII characters without '.' or spaces, not {msg_id!r}"
        )
    return msg_id


def _check_rng(rng: object) -> None:
    if rng is not None and not isinstance(rng, random.Random):
        raise ArgumentError(f"rng must be a random.Random or None, not {rng!r}")
