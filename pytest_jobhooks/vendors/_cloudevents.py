"""CloudEvents 1.0 over HTTP: the content modes, the attribute rules, and turning an event into a request and back.

A vendor says it sends CloudEvents through its :class:`~pytest_jobhooks.vendors.base.DeliveryStyle`
(``cloudevents=``); nothing here names a vendor. The official ``cloudevents`` SDK
writes the ``ce-*`` headers of binary mode (imported only when a request is made);
what it cannot carry is written here by the same rule (see :func:`binary`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal
from urllib.parse import quote, unquote

from .._json import COMPACT, JsonObject, JsonValue, decode, parse_rfc3339
from ..errors import ArgumentError

__all__ = [
    "ATTRIBUTES",
    "CONTENT_TYPE",
    "EXTENSION_NAME",
    "JSON_CONTENT_TYPE",
    "URI",
    "URI_REFERENCE",
    "ContentMode",
    "HeaderPairs",
    "attributes_of",
    "check_headers",
    "encode_body",
    "from_binary",
    "is_binary",
    "is_structured",
]

ContentMode = Literal["structured", "binary", "unwrapped"]
"""How an event goes on the wire: the whole envelope as the body (``application/cloudevents+json``),
``ce-*`` headers with the data as the body, or the data alone as ``application/json`` (no attributes: a legacy form)."""

HeaderPairs = tuple[tuple[str, str], ...]
"""Header name-value pairs, in order."""

CONTENT_TYPE = "application/cloudevents+json"
"""The media type of an event in structured mode (CloudEvents HTTP binding, 3.2.1)."""

JSON_CONTENT_TYPE = "application/json"

ATTRIBUTES = ("specversion", "id", "source", "type", "datacontenttype", "dataschema", "subject", "time")
"""The context attributes CloudEvents 1.0 defines; any other name is an extension."""

# RFC 3986: a URI-reference is made of unreserved, reserved and percent-encoded characters;
# a URI (dataschema) also starts with a scheme. Patterns, so every JSON Schema validator checks them.
_URI_CHAR = r"(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})"
URI_REFERENCE = rf"^{_URI_CHAR}+$"
"""A non-empty URI-reference (``source``)."""
URI = rf"^[A-Za-z][A-Za-z0-9+\-.]*:{_URI_CHAR}*$"
"""An absolute URI (``dataschema``)."""
EXTENSION_NAME = r"^[a-z0-9]{1,20}$"
"""CloudEvents 1.0: attribute names are lowercase letters a-z and digits, at most 20 characters."""

# What the HTTP binding leaves unencoded in a header value (3.1.3.2): printable ASCII but space, '"' and '%'.
_HEADER_SAFE = "".join(c for c in map(chr, range(0x21, 0x7F)) if c not in ' "%')
_CE = "ce-"


def check_headers(headers: Mapping[str, str]) -> HeaderPairs:
    """``headers`` as pairs, once checked: a mapping of single-line strings (ArgumentError naming ``headers``)."""
    if not isinstance(headers, Mapping):
        raise ArgumentError(f"headers must be a mapping of names to values, not {type(headers).__name__}")
    pairs = tuple(headers.items())
    for name, value in pairs:
        if (
            not isinstance(name, str)
            or not isinstance(value, str)
            or not name
            or any(c in name + value for c in "\r\n\0")
        ):
            raise ArgumentError(f"headers: {name!r}: {value!r} must be single-line strings (and a name)")
    return pairs


def attributes_of(payload: object) -> dict[str, JsonValue] | None:
    """The context attributes of a structured event (the object without ``data``), or None when it is no event."""
    if not isinstance(payload, dict) or "specversion" not in payload:
        return None
    return {key: value for key, value in payload.items() if key not in ("data", "data_base64")}


def is_structured(content_type: str | None) -> bool:
    """Whether ``content_type`` is structured mode's ``application/cloudevents+json`` (parameters aside)."""
    return content_type is not None and content_type.split(";", 1)[0].strip().lower() == CONTENT_TYPE


def is_binary(headers: Mapping[str, str]) -> bool:
    """Whether a request is a binary-mode event: it carries ``ce-*`` headers (as the SDK's ``from_http`` decides)."""
    return any(name.lower().startswith(_CE) for name in headers)


def from_binary(headers: Mapping[str, str], data: JsonValue | None, *, has_body: bool) -> JsonObject:
    """The structured form of a binary-mode event: ``ce-*`` headers (percent-decoded) and ``Content-Type``
    as attributes, the body as ``data``; judged then by the same rules as a structured event."""
    event: JsonObject = {}
    for name, value in headers.items():
        lower = name.lower()
        if lower.startswith(_CE):
            event[lower[len(_CE) :]] = unquote(value)
        elif lower == "content-type":
            event["datacontenttype"] = value
    if has_body:
        event["data"] = data
    return event


def encode_body(mode: ContentMode | None, body: bytes) -> tuple[HeaderPairs, bytes]:
    """The headers and body a JSON ``body`` goes out with in ``mode`` (None: plain ``application/json``)."""
    if mode is None:
        return (("Content-Type", JSON_CONTENT_TYPE),), body
    event = _event(body)
    if event is None:  # not an event (a bare payload, or one broken on purpose): sent as it is
        return (("Content-Type", JSON_CONTENT_TYPE),), body
    if mode == "structured":
        return (("Content-Type", CONTENT_TYPE),), body
    data = event.get("data")
    content_type = event.get("datacontenttype")
    media = content_type if isinstance(content_type, str) and content_type else JSON_CONTENT_TYPE
    payload = COMPACT.encode(data).encode("utf-8") if "data" in event else b""
    if mode == "unwrapped":
        return (("Content-Type", media),), payload
    return binary(event), payload


def binary(event: JsonObject) -> HeaderPairs:
    """The headers of ``event`` in binary mode: ``ce-<attribute>`` for each attribute, ``Content-Type`` for
    ``datacontenttype``.

    Written by the SDK's ``to_binary``, ``ce-time`` kept as the text given (the SDK
    re-renders it through ``datetime``: ``.518Z`` would become ``.518000Z``). An event
    the SDK cannot carry is written here by the same rule: one broken on purpose (the
    SDK invents a missing ``id`` and refuses a bad attribute) or with a non-string attribute.
    """
    attributes = {key: value for key, value in event.items() if key not in ("data", "data_base64")}
    made = _sdk_headers(attributes, event.get("data"))
    if made is not None:
        return made
    pairs: list[tuple[str, str]] = []
    for name, value in attributes.items():
        if value is None:
            continue
        text = value if isinstance(value, str) else COMPACT.encode(value)
        if name == "datacontenttype":
            pairs.append(("Content-Type", text))
        else:
            pairs.append((f"{_CE}{name}", quote(text, safe=_HEADER_SAFE)))
    return tuple(pairs)


def _sdk_headers(attributes: dict[str, JsonValue], data: JsonValue) -> HeaderPairs | None:
    if not all(isinstance(value, str) for value in attributes.values()) or "id" not in attributes:
        return None  # the SDK would invent a missing id, and refuses what is not a string
    given: dict[str, object] = dict(attributes)
    time = given.get("time")
    try:
        if isinstance(time, str):
            given["time"] = parse_rfc3339(time)  # the SDK takes a datetime
    except ValueError:
        return None
    from cloudevents.core.bindings.http import to_binary
    from cloudevents.core.exceptions import BaseCloudEventException
    from cloudevents.core.formats.json import JSONFormat
    from cloudevents.core.v1.event import CloudEvent

    try:
        message = to_binary(CloudEvent(given, data if isinstance(data, dict) else None), JSONFormat())
    except (BaseCloudEventException, ValueError, TypeError):
        return None
    pairs: list[tuple[str, str]] = []
    for name, value in message.headers.items():
        if name.lower() == "ce-time":
            if not isinstance(time, str):
                continue  # the SDK stamps an event without a time with the clock: it had none
            value = quote(time, safe=_HEADER_SAFE)  # the text as given, not re-rendered through datetime
        pairs.append(("Content-Type" if name.lower() == "content-type" else name, value))
    return tuple(pairs)


def _event(body: bytes) -> JsonObject | None:
    try:
        value = decode(body.decode("utf-8"))
    except ValueError:  # a UnicodeDecodeError is one too
        return None
    return value if isinstance(value, dict) and "specversion" in value else None
