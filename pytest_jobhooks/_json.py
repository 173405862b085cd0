"""JSON as every part of pytest-jobhooks reads and writes it, written once.

The aliases, the strict decoder (no ``NaN``/``Infinity``: they are not JSON),
one wording of a value's JSON type, JSON paths for problems, and RFC 3339 times.
Kept free of heavy imports: the plugin's start-up path may use it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import Literal, Union

__all__ = [
    "COMPACT",
    "JsonObject",
    "JsonValue",
    "decode",
    "decode_prefix",
    "format_rfc3339",
    "json_path",
    "json_type",
    "parse_rfc3339",
]

JsonValue = Union[None, bool, int, float, str, list["JsonValue"], dict[str, "JsonValue"]]  # noqa: UP007
"""Any value JSON can hold."""

JsonObject = dict[str, JsonValue]
"""A JSON object: what every vendor payload is."""


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not allowed in JSON")


# One of each, reused: json.loads(**kw) and json.dumps(**kw) build a new one per call.
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)

COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
"""How bodies and recordings are written: compact, UTF-8 kept as is, non-finite numbers refused."""


def decode(text: str) -> object:
    """``text`` as one JSON value (surrounding whitespace allowed).

    Raises ``ValueError`` with a message fit for users (``not valid JSON: ...``);
    a value nested too deeply is one too, never a ``RecursionError``.
    """
    value, end = decode_prefix(text)
    rest = text[end:]
    if rest and not rest.isspace():
        column = end + len(rest) - len(rest.lstrip()) + 1
        raise ValueError(f"not valid JSON: extra data after the value (column {column})")
    return value


def decode_prefix(text: str, start: int = 0) -> tuple[object, int]:
    """The JSON value starting at ``start`` (after optional whitespace), and where it ends.

    Raises ``ValueError`` as :func:`decode` does.
    """
    end = len(text)
    while start < end and text[start] in " \t\r\n":
        start += 1
    try:
        return _DECODER.raw_decode(text, start)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON: {exc.msg} (column {exc.colno})") from None
    except RecursionError:
        raise ValueError("not valid JSON: nested too deeply") from None
    except ValueError as exc:  # NaN / Infinity, or an integer too long to convert
        raise ValueError(f"not valid JSON: {exc}") from None


_TYPE_NAMES: tuple[tuple[type, str], ...] = (
    (dict, "an object"),
    (list, "an array"),
    (str, "a string"),
    (bool, "a boolean"),  # before int: a bool is an int in Python
    (int, "a number"),
    (float, "a number"),
    (type(None), "null"),
)


def json_type(value: object) -> str:
    """How problems name a value's JSON type: ``an object``, ``an array``, ``a string``, ``a number``,
    ``a boolean``, ``null``; for a value JSON cannot hold, ``a Python <type>``."""
    for kind, name in _TYPE_NAMES:
        if isinstance(value, kind):
            return name
    return f"a Python {type(value).__name__}"


def json_path(parts: Iterable[object]) -> str:
    """A JSON path such as ``$.status.error.reason`` or ``$.fn_status['fn A']`` for a key sequence."""
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(part, str) and part.isidentifier():
            out += f".{part}"
        else:
            out += f"[{str(part)!r}]"
    return out


_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))",
    re.ASCII,  # a plain \d also takes other scripts' digits, which RFC 3339 (and jsonschema) refuse
)


# What vendors send (upper-case T and Z, offset minutes below 60), which datetime's own C parser reads
# exactly as _parse does, ~3x faster: a leap second, the year 0000 or an out-of-range field makes it
# raise, and _parse then gives the verdict and its message (tests/test_rfc3339.py holds the two equal).
_COMMON = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:[0-5]\d)", re.ASCII)
_fromisoformat = datetime.fromisoformat


def parse_rfc3339(text: str) -> datetime:
    """Parse an RFC 3339 date-time (``2025-12-02T14:46:04.518Z``) into an aware datetime.

    Accepts what jsonschema's ``date-time`` format accepts and nothing else, leap
    seconds and year 0000 included (read as the nearest instant datetime can hold);
    fractions beyond microseconds are truncated. Raises ``ValueError`` otherwise.
    """
    if _COMMON.fullmatch(text) is not None:
        try:
            return _fromisoformat(text)
        except ValueError:
            pass
    return _parse(text)


def _parse(text: str) -> datetime:
    """:func:`parse_rfc3339` field by field: every form RFC 3339 allows, and the reason for any it does not."""
    match = _RFC3339.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not an RFC 3339 date-time")
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    fraction = match.group(7) or ""
    if match.group(8):
        offset = timedelta(0)
    else:
        sign = -1 if match.group(9) == "-" else 1
        off_h, off_m = int(match.group(10)), int(match.group(11))
        if off_h > 23 or off_m > 59:
            raise ValueError(f"{text!r} has an out-of-range UTC offset")
        offset = sign * timedelta(hours=off_h, minutes=off_m)
    micro = int((fraction + "000000")[:6])
    # RFC 3339 allows a leap second (23:59:60) and year 0000, which datetime cannot hold: a leap
    # second reads as the last microsecond before it, year 0000 (a leap year) as 0001-01-01 UTC.
    leap = second == 60
    if leap and ((hour * 60 + minute) - offset // timedelta(minutes=1)) % 1440 != 1439:
        raise ValueError(f"{text!r} is not a valid date-time: a leap second is 23:59:60 UTC")
    try:
        if year == 0:
            datetime(2000, month, day, hour, minute, min(second, 59))  # checks month, day and time
            return datetime(1, 1, 1, tzinfo=timezone.utc)
        moment = datetime(year, month, day, hour, minute, 59 if leap else second, micro, tzinfo=timezone(offset))
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid date-time: {exc}") from None
    return moment.replace(microsecond=999_999) if leap else moment


Precision = Literal["s", "ms", "us"]


def format_rfc3339(moment: datetime, precision: Precision = "us") -> str:
    """``moment`` in UTC as RFC 3339 with a ``Z``, to the second, millisecond or microsecond.

    ``2026-04-17T09:30:00.123456Z`` (``"us"``, what recordings keep),
    ``2025-12-02T14:46:04.518Z`` (``"ms"``, what vendors send), ``...:04Z`` (``"s"``).
    A naive ``moment`` is taken as UTC.
    """
    utc = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if precision == "us":
        return f"{text}.{utc.microsecond:06d}Z"
    if precision == "ms":
        return f"{text}.{utc.microsecond // 1000:03d}Z"
    return f"{text}Z"
