"""Checking that a recorded delivery's JSON object is well formed (the format is documented on RecordedDelivery)."""

from __future__ import annotations

import base64
from collections.abc import Mapping

from ..errors import Problem
from ..vendors._fields import parse_rfc3339

_REQUIRED = ("method", "path", "headers", "body", "received_at")


def delivery_problems(value: Mapping[str, object], key: str, version: int) -> tuple[Problem, ...]:
    """Everything wrong with a recorded delivery's object, as problems (empty when it is well formed)."""
    marker = value.get(key)
    if marker != version or type(marker) is not int:
        return (Problem(f"$.{key}", f"unsupported recording format {marker!r} (this version reads {version})"),)
    problems = [Problem(f"$.{name}", "missing") for name in _REQUIRED if name not in value]
    for name in ("method", "path"):
        if name in value and not (isinstance(value[name], str) and value[name]):
            problems.append(Problem(f"$.{name}", "expected a non-empty string"))
    received = value.get("received_at")
    if "received_at" in value:
        try:
            parse_rfc3339(received)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            problems.append(Problem("$.received_at", f"expected an RFC 3339 date-time, got {received!r}"))
    headers = value.get("headers")
    if "headers" in value and not _strings(headers):
        problems.append(Problem("$.headers", "expected an object of strings"))
    query = value.get("query")
    if query is not None and not _strings(query, lists=True):
        problems.append(Problem("$.query", "expected an object of strings or lists of strings"))
    for name in ("vendor", "body_text", "side"):
        if value.get(name) is not None and not isinstance(value[name], str):
            problems.append(Problem(f"$.{name}", "expected a string or null"))
    encoded = value.get("body_base64")
    if encoded is not None and not _base64(encoded):
        problems.append(Problem("$.body_base64", "expected base64 text or null"))
    return tuple(problems)


def _base64(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        base64.b64decode(value, validate=True)
    except ValueError:  # binascii.Error is a ValueError
        return False
    return True


def _strings(value: object, *, lists: bool = False) -> bool:
    if not isinstance(value, dict):
        return False
    for item in value.values():
        if isinstance(item, str):
            continue
        if lists and isinstance(item, list) and all(isinstance(v, str) for v in item):
            continue
        return False
    return True
