"""Scripted answers of the capture server: a queue of responses, each for some requests, then 200."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .._checks import check_count, check_number
from ..deliveries import Response
from ..errors import ArgumentError

RespondSpec = int | Sequence[int | Mapping[str, object]]
"""What ``respond=`` accepts: a status for every request, or a list of statuses / ``respond()`` kwargs, one each."""

Body = bytes | str | Mapping[str, object] | Sequence[object] | None

DEFAULT = Response(200)
_NO_BODY = frozenset({204, 304})
_RESPOND_KEYS = ("status", "times", "delay", "body", "path", "headers")


@dataclass
class _Rule:
    response: Response
    times: int | None
    path: str | None


def make_response(
    status: int = 200,
    *,
    body: Body = None,
    delay: float = 0.0,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A validated :class:`Response`; a mapping or list body is sent as JSON, a str as UTF-8 text."""
    if isinstance(status, bool) or not isinstance(status, int) or not 200 <= status <= 599:
        raise ArgumentError(f"response status must be an int from 200 to 599, not {status!r}")
    delay = check_number("delay", delay, inclusive=True)
    data, content_type = _encode(body)
    if data and status in _NO_BODY:
        raise ArgumentError(f"a {status} response cannot have a body")
    extra: dict[str, str] = {"Content-Type": content_type} if content_type else {}
    for name, value in (headers or {}).items():
        if not isinstance(name, str) or not isinstance(value, str) or any(c in name + value for c in "\r\n"):
            raise ArgumentError(f"response header {name!r}: {value!r} must be single-line strings")
        extra[name] = value
    return Response(status, data, extra, delay)


class Script:
    """Queued answers, consumed in order by the requests they apply to; 200 when none applies.

    Thread-safe: the server's workers take answers while a test adds them.
    """

    def __init__(self) -> None:
        self._rules: list[_Rule] = []
        self._lock = threading.Lock()

    def add(self, response: Response, *, times: int | None = None, path: str | None = None) -> None:
        """Queue ``response`` for the next ``times`` requests (None: all of them) to ``path`` (None: any)."""
        if times is not None:
            check_count("times", times, minimum=1, what="None (always) or an int")
        if path is not None and (not isinstance(path, str) or not path.startswith("/")):
            raise ArgumentError(f"path must start with '/', not {path!r}")
        with self._lock:
            self._rules.append(_Rule(response, times, path))

    def load(self, spec: RespondSpec | None) -> None:
        """Replace the queue by ``spec``: a status answers every request; a list gives one answer per item.

        A list item is a status or a mapping of :meth:`~pytest_jobhooks.CaptureServer.respond` arguments.
        """
        rules: list[tuple[Response, int | None, str | None]] = []
        if isinstance(spec, int) and not isinstance(spec, bool):
            rules.append((make_response(spec), None, None))
        elif isinstance(spec, Sequence) and not isinstance(spec, (str, bytes)):
            rules.extend(_rule_from(item) for item in spec)
        elif spec is not None:
            raise ArgumentError(f"respond= takes a status or a list of statuses / respond() kwargs, not {spec!r}")
        with self._lock:
            self._rules.clear()
        for response, times, path in rules:
            self.add(response, times=times, path=path)

    def clear(self) -> None:
        """Forget every queued answer."""
        with self._lock:
            self._rules.clear()

    def next(self, path: str) -> Response:
        """The answer for a request to ``path``: the first queued one that applies (used up), else 200."""
        with self._lock:
            for index, rule in enumerate(self._rules):
                if rule.path is not None and rule.path != path:
                    continue
                if rule.times is not None:
                    rule.times -= 1
                    if rule.times == 0:
                        del self._rules[index]
                return rule.response
        return DEFAULT

    def pending(self) -> list[tuple[Response, int | None, str | None]]:
        """The queued answers not yet used up: (response, times left or None, path or None)."""
        with self._lock:
            return [(rule.response, rule.times, rule.path) for rule in self._rules]


def _rule_from(item: object) -> tuple[Response, int | None, str | None]:
    if isinstance(item, int) and not isinstance(item, bool):
        return make_response(item), 1, None
    if isinstance(item, Mapping):
        unknown = sorted(set(item) - set(_RESPOND_KEYS))
        if unknown:
            raise ArgumentError(f"respond= item has unknown key(s) {unknown}; allowed: {', '.join(_RESPOND_KEYS)}")
        kwargs = dict(item)
        times = kwargs.pop("times", 1)
        path = kwargs.pop("path", None)
        response = make_response(**kwargs)
        return response, times, path
    raise ArgumentError(f"respond= item must be a status or a dict of respond() arguments, not {item!r}")


def _encode(body: Body) -> tuple[bytes, str | None]:
    if body is None:
        return b"", None
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body), "application/octet-stream"
    if isinstance(body, str):
        return body.encode("utf-8"), "text/plain; charset=utf-8"
    try:
        return json.dumps(body).encode("utf-8"), "application/json"
    except (TypeError, ValueError) as exc:
        raise ArgumentError(f"response body is not JSON-serialisable: {exc}") from None
