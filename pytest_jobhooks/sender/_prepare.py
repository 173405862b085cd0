"""Turn a payload into the HTTP request its vendor sends, following the vendor's :class:`DeliveryStyle`.

Everything is derived from the style (method, encoding, signing), never from
the vendor's name, so a vendor registered by a user is delivered the same way.
A JSON body is serialised once, deterministically (:func:`json_body`); the
signature covers exactly those bytes and exactly those bytes are sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode

from .._json import COMPACT, decode
from ..errors import DeliveryError
from ..vendors import get_vendor
from ..vendors.base import AnyVendor, DeliveryStyle
from ..wire import looks_like_query
from ._transports.base import Pairs

if TYPE_CHECKING:
    from ..signing import ForgeryKind, HeaderPrefix

Payload = Mapping[str, object] | str | bytes
"""What can be delivered: a JSON object, or its exact text / bytes (sent as is)."""


@dataclass(frozen=True)
class Prepared:
    """A request ready to send, except for its signature (made afresh for each attempt).

    Built from a payload by :func:`prepare` (``vendor`` and ``style`` say how),
    or from a recorded request to send again as it was (``style`` None, and
    ``vendor`` None when no registered vendor sends it). ``signs`` says whether
    each attempt carries a signature, with the header names of ``prefix``.
    """

    vendor: AnyVendor | None
    style: DeliveryStyle | None
    method: str
    url: str
    body: bytes
    headers: Pairs
    extra_headers: Pairs
    signs: bool = False
    prefix: HeaderPrefix = "svix"
    forgery: ForgeryKind | None = None

    def headers_for(self, secret: str | bytes | None, msg_id: str | None, timestamp: datetime | None) -> Pairs:
        """The headers of one attempt: its own, the signature (or its forgery), then ``headers=`` over them."""
        pairs = list(self.headers)
        if self.forgery is not None and secret is not None:
            # The forgery replaces the sender's own signature: a negative test sends no valid one beside it.
            from ..signing import forged_headers

            forged = forged_headers(
                self.forgery, secret, self.body, msg_id=msg_id, timestamp=timestamp, prefix=self.prefix
            )
            pairs += forged.items()
        elif self.signs and secret is not None:
            from ..signing import sign

            pairs += sign(secret, self.body, msg_id=msg_id, timestamp=timestamp, prefix=self.prefix).items()
        for name, value in self.extra_headers:
            pairs = [(n, v) for n, v in pairs if n.lower() != name.lower()]
            pairs.append((name, value))
        return tuple(pairs)


def json_body(payload: Payload) -> bytes:
    """The exact body sent for ``payload``: compact JSON in the payload's own key order, UTF-8.

    ``json.dumps(payload, separators=(",", ":"), ensure_ascii=False)`` encoded
    as UTF-8; str or bytes are sent as they are (to replay a body byte for byte,
    or to send one that is not valid JSON on purpose).
    """
    if isinstance(payload, (bytes, bytearray, memoryview)):
        return bytes(payload)
    if isinstance(payload, str):
        return payload.encode("utf-8")
    if not isinstance(payload, Mapping):
        raise DeliveryError(
            f"a payload must be a JSON object (a dict), or its text or bytes, not {type(payload).__name__}"
        )
    try:
        text = COMPACT.encode(dict(payload))
    except (TypeError, ValueError) as exc:
        raise DeliveryError(f"the payload cannot be sent as JSON: {exc}") from None
    return text.encode("utf-8")


def choose_style(vendor: AnyVendor, style: str | DeliveryStyle | None) -> DeliveryStyle:
    """The vendor's delivery style, or the one of its documented forms that ``style`` names.

    ``style`` names a form by method, encoding or name (``"get"``, ``"post"``,
    ``"query"``, ``"json"``, Tamr's ``"binary"``); a :class:`DeliveryStyle` is used as given.
    """
    if style is None:
        return vendor.delivery
    if isinstance(style, DeliveryStyle):
        return style
    forms = (vendor.delivery, *vendor.delivery.alternatives)
    if isinstance(style, str):
        wanted = style.strip().lower()
        for form in forms:
            if wanted in (form.method.lower(), form.encoding, form.name):
                return form
    known = ", ".join(f"{(form.name or form.method.lower())!r} ({form.encoding})" for form in forms)
    raise DeliveryError(f"{vendor.name} has no delivery style {style!r}; its documented styles: {known}")


def prepare(
    payload: Payload,
    *,
    vendor: str | AnyVendor | None,
    style: str | DeliveryStyle | None,
    url: str,
    headers: Mapping[str, str] | None,
    forgery: ForgeryKind | None = None,
) -> Prepared:
    """The request ``payload`` becomes for ``vendor`` (detected when None), addressed to ``url``.

    ``forgery`` (a :data:`~pytest_jobhooks.signing.ForgeryKind`) sends the
    forged headers of that kind instead of the signature; only for a style that signs.
    """
    spec = _vendor(payload, vendor)
    form = choose_style(spec, style)
    extra = extra_headers(headers)
    signs = form.signing is not None
    _check_forgery(forgery, spec, signs)
    if form.encoding == "query":
        query = _query(payload)
        separator = "&" if "?" in url else "?"
        full = f"{url}{separator}{query}" if query else url
        return Prepared(spec, form, form.method, full, b"", form.headers, extra, signs=signs, forgery=forgery)
    if form.encoding != "json":
        raise DeliveryError(
            f"{spec.name}: unsupported delivery encoding {form.encoding!r} (expected 'json' or 'query')"
        )
    content, body = form.encode(json_body(payload))  # Content-Type, and ce-* headers in CloudEvents binary mode
    own = content + form.headers
    return Prepared(spec, form, form.method, url, body, own, extra, signs=signs, forgery=forgery)


def _check_forgery(forgery: object, spec: AnyVendor, signs: bool) -> None:
    if forgery is None:
        return
    from ..signing import FORGERIES

    if forgery not in FORGERIES:
        known = ", ".join(repr(kind) for kind in FORGERIES)
        raise DeliveryError(f"forgery= must be one of {known}, not {forgery!r}")
    if not signs:
        raise DeliveryError(f"forgery= forges a signature, but {spec.name} deliveries are not signed")


def _vendor(payload: Payload, vendor: str | AnyVendor | None) -> AnyVendor:
    if vendor is not None:
        try:
            return get_vendor(vendor)
        except LookupError as exc:
            raise DeliveryError(str(exc)) from None
    from ..catalog import detect_vendor

    name = detect_vendor(payload)
    if name is None:
        query = _raw_query(payload)
        if query is not None:
            name = detect_vendor(None, query=dict(parse_qsl(query, keep_blank_values=True)))
    if name is None:
        raise DeliveryError("cannot tell which vendor sends this payload: pass vendor=")
    return get_vendor(name)


def _raw_query(payload: Payload) -> str | None:
    """The payload as a query string when it is given as one (``"job_id=...&job_status=..."``), else None.

    An empty payload is the empty query string: a GET with no parameters is a legitimate negative test.
    """
    if isinstance(payload, (bytes, bytearray, memoryview)):
        try:
            payload = bytes(payload).decode("utf-8")
        except UnicodeDecodeError:
            return None
    if isinstance(payload, str) and not payload.strip():
        return ""
    if isinstance(payload, str) and looks_like_query(payload):
        return payload.strip().removeprefix("?")
    return None


def _query(payload: Payload) -> str:
    raw = _raw_query(payload)
    if raw is not None:
        return raw
    value: object = payload
    if isinstance(payload, (str, bytes, bytearray, memoryview)):
        try:
            value = decode(payload if isinstance(payload, str) else bytes(payload).decode("utf-8"))
        except ValueError:  # a UnicodeDecodeError is one too
            raise DeliveryError("a payload sent as query parameters must be a JSON object or a query string") from None
    if not isinstance(value, Mapping):
        raise DeliveryError(f"a payload sent as query parameters must be a JSON object, not {type(value).__name__}")
    return urlencode([(str(key), _query_value(str(key), item)) for key, item in value.items()])


def _query_value(key: str, value: object) -> str:
    if isinstance(value, str):
        return value
    # A query string carries only text: 142047 would arrive as "142047", silently turning a payload
    # that is invalid on purpose (invalid("gofetch", "wrong-type:job_id")) into a valid one.
    raise DeliveryError(
        f"field {key!r} is {value!r}, not a string: a query string carries only text, so it would arrive as "
        f"the string {str(value)!r}; send the payload as JSON (style='post'), "
        "or pass the exact query string as the payload"
    )


def extra_headers(headers: Mapping[str, str] | None) -> Pairs:
    """``headers=`` as pairs, once checked: a mapping of single-line strings."""
    if headers is None:
        return ()
    if not isinstance(headers, Mapping):
        raise DeliveryError(f"headers= must be a mapping of names to values, not {type(headers).__name__}")
    pairs = tuple(headers.items())
    for name, value in pairs:
        if not isinstance(name, str) or not isinstance(value, str) or any(c in name + value for c in "\r\n\0"):
            raise DeliveryError(f"header {name!r}: {value!r} must be single-line strings")
    return pairs
