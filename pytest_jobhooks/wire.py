"""The one record of an HTTP request on the wire, and its headers.

A :class:`Request` is what a capture server received, what the sender sent
(one per attempt), what the fake vendor APIs logged, what a recording line
holds and what a replay sends again. Everything that reads it (its query,
its JSON body) is worked out on first use, so recording one stays cheap.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from urllib.parse import parse_qs, quote, unquote, urlsplit

from ._json import JsonValue, decode

__all__ = [
    "SIGNATURE_HEADER_PREFIXES",
    "Headers",
    "OnRequest",
    "Request",
    "has_signature_headers",
    "has_signing_headers",
    "looks_like_query",
]

_PATH_SAFE = "/!$&'()*+,;=:@%"

SIGNATURE_HEADER_PREFIXES = ("svix", "webhook")
"""The prefixes of Svix's signing headers: ``svix-id``/``-timestamp``/``-signature`` and ``webhook-*``."""

_SIGNING_HEADERS = frozenset(
    f"{prefix}-{part}" for prefix in SIGNATURE_HEADER_PREFIXES for part in ("id", "timestamp", "signature")
)


_SIGNATURES = frozenset(f"{prefix}-signature" for prefix in SIGNATURE_HEADER_PREFIXES)


def has_signature_headers(headers: Iterable[str]) -> bool:
    """Whether ``headers`` (a mapping or names, any case) carry ``svix-signature`` or ``webhook-signature``.

    Only the signature header makes a delivery claim to be signed: a lone
    ``svix-id`` or ``webhook-timestamp`` (which some senders add for other
    reasons) does not, so an unsigned delivery of a vendor that does not sign
    is not judged as a bad signature.
    """
    return not _SIGNATURES.isdisjoint(map(str.lower, headers))


def has_signing_headers(headers: Iterable[str]) -> bool:
    """Whether any ``svix-*`` / ``webhook-*`` signing header (id, timestamp or signature) is among ``headers``."""
    return not _SIGNING_HEADERS.isdisjoint(map(str.lower, headers))


def looks_like_query(text: str) -> bool:
    """Whether ``text`` that is not JSON reads as a query string (``job_id=1&job_status=done``)."""
    return "=" in text and not text.lstrip().startswith(("{", "["))


class Headers(Mapping[str, str]):
    """Read-only HTTP headers looked up in any letter case; iteration gives the names as sent.

    A header sent several times reads as its values joined by ``", "``;
    :meth:`get_all` gives them one by one.
    """

    __slots__ = ("_index", "_items")

    def __init__(self, items: Iterable[tuple[str, str]] | Mapping[str, str] = ()) -> None:
        pairs = items.items() if isinstance(items, Mapping) else items
        self._items: tuple[tuple[str, str], ...] = tuple(pairs)
        self._index: dict[str, tuple[str, str]] | None = None

    def _lookup(self) -> dict[str, tuple[str, str]]:
        # Built on first lookup: most recorded headers are never read.
        index = self._index
        if index is None:
            index = {}
            for name, value in self._items:
                key = name.lower()
                if key in index:
                    first, joined = index[key]
                    index[key] = (first, f"{joined}, {value}")
                else:
                    index[key] = (name, value)
            self._index = index
        return index

    def __getitem__(self, name: str) -> str:
        return self._lookup()[name.lower()][1]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._lookup()

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._lookup().values())

    def __len__(self) -> int:
        return len(self._lookup())

    def get_all(self, name: str) -> list[str]:
        """Every value sent for ``name`` (any case), in order; empty if it was not sent."""
        key = name.lower()
        return [value for header, value in self._items if header.lower() == key]

    def raw(self) -> tuple[tuple[str, str], ...]:
        """The headers exactly as received: (name, value) pairs in order, repeats included."""
        return self._items

    def __repr__(self) -> str:
        return f"Headers({dict(self.items())!r})"


@dataclass(frozen=True, eq=False)
class Request:
    """One HTTP request as it went over the wire.

    ``path`` is percent-decoded, ``query_string`` as sent (without the ``?``),
    ``headers`` in order and letter case as sent, ``body`` the exact bytes.
    ``time`` is when it was received (captured) or sent (sender); ``base_url``
    is the scheme and host it was sent to (``http://127.0.0.1:41234``), empty
    for a request received by a capture server.
    """

    method: str
    path: str = "/"
    query_string: str = ""
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""
    time: datetime | None = None
    base_url: str = ""

    @classmethod
    def from_url(
        cls,
        method: str,
        url: str,
        headers: Headers | Iterable[tuple[str, str]] | Mapping[str, str] = (),
        body: bytes = b"",
        time: datetime | None = None,
    ) -> Request:
        """The request for an absolute ``url`` (split into base URL, decoded path and query string)."""
        parts = urlsplit(url)
        base = f"{parts.scheme}://{parts.netloc}" if parts.scheme else ""
        headers = headers if isinstance(headers, Headers) else Headers(headers)
        return cls(method, unquote(parts.path) or "/", parts.query, headers, body, time, base)

    @property
    def url(self) -> str:
        """The absolute URL (``base_url``, the path percent-encoded again, and the query string)."""
        query = f"?{self.query_string}" if self.query_string else ""
        return f"{self.base_url}{quote(self.path, safe=_PATH_SAFE)}{query}"

    @property
    def target(self) -> str:
        """The path with its query string, as failure messages show it (``/hooks?job_id=1``)."""
        return self.path + (f"?{self.query_string}" if self.query_string else "")

    @cached_property
    def query_lists(self) -> dict[str, list[str]]:
        """Every query parameter with all its values, in order."""
        return parse_qs(self.query_string, keep_blank_values=True) if self.query_string else {}

    @property
    def query(self) -> dict[str, str]:
        """Each query parameter's first value (``query_lists`` has them all)."""
        return {key: values[0] for key, values in self.query_lists.items()}

    @cached_property
    def json(self) -> JsonValue | None:
        """The body parsed as strict JSON, or None when it is empty, not UTF-8 or not JSON."""
        if not self.body.strip():
            return None
        try:
            return decode(self.body.decode("utf-8"))  # type: ignore[return-value]
        except (UnicodeDecodeError, ValueError):
            return None

    def __repr__(self) -> str:
        return f"<Request {self.method} {self.target}, {len(self.body)} bytes>"


class OnRequest:
    """Read-through properties of a record that holds the :class:`Request` it is about.

    A captured ``Delivery`` and a fake API's ``APICall`` are a request plus what
    was made of it; their ``method``, ``path``, ``query_string``, ``headers``,
    ``body`` and ``received_at`` are the request's.
    """

    request: Request

    @property
    def method(self) -> str:
        """The HTTP method."""
        return self.request.method

    @property
    def path(self) -> str:
        """The request path, percent-decoded."""
        return self.request.path

    @property
    def query_string(self) -> str:
        """The query string as sent, without the ``?``."""
        return self.request.query_string

    @property
    def headers(self) -> Headers:
        """The request headers as sent, looked up in any letter case."""
        return self.request.headers

    @property
    def body(self) -> bytes:
        """The request body, byte for byte."""
        return self.request.body

    @property
    def received_at(self) -> datetime:
        """When the request arrived (UTC)."""
        moment = self.request.time
        assert moment is not None  # a server stamps every request it records
        return moment
