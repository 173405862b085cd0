"""Field types and the base model shared by the vendor modules.

Times stay strings in the models (the payload as sent, byte for byte) and are
checked against RFC 3339 exactly as jsonschema's ``date-time`` format does, so
the pydantic model and the JSON Schema give the same verdict.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, WithJsonSchema

_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))",
    re.ASCII,  # a plain \d also takes other scripts' digits, which RFC 3339 (and jsonschema) refuse
)


def parse_rfc3339(text: str) -> datetime:
    """Parse an RFC 3339 date-time (``2025-12-02T14:46:04.518Z``) into an aware datetime.

    Accepts what jsonschema's ``date-time`` format accepts and nothing else;
    fractions beyond microseconds are truncated. Raises ``ValueError`` otherwise.
    """
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
    try:
        return datetime(year, month, day, hour, minute, second, micro, tzinfo=timezone(offset))
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid date-time: {exc}") from None


def _check_rfc3339(text: str) -> str:
    parse_rfc3339(text)
    return text


Rfc3339 = Annotated[
    str,
    AfterValidator(_check_rfc3339),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
"""A string holding an RFC 3339 date-time (JSON Schema ``format: date-time``)."""


def _integral(value: object) -> object:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


Count = Annotated[int, Field(ge=0), BeforeValidator(_integral)]
"""A non-negative integer as JSON Schema counts them: ``10.0`` is 10 (``10.5``, ``"10"`` and ``True`` are not)."""

NonEmptyStr = Annotated[str, StringConstraints(min_length=1)]
"""A string with at least one character."""


class VendorModel(BaseModel):
    """Base of every vendor payload model.

    Strict (``"finished"`` never becomes ``FINISHED``, ``"10"`` never becomes 10)
    and open: fields a vendor adds later are kept, not rejected.
    """

    model_config = ConfigDict(strict=True, extra="allow", frozen=True, defer_build=True)
