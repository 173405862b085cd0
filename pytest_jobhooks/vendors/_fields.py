"""Field types and the base model shared by the vendor modules.

Times stay strings in the models (the payload as sent, byte for byte) and are
checked against RFC 3339 exactly as jsonschema's ``date-time`` format does, so
the pydantic model and the JSON Schema give the same verdict.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, WithJsonSchema

from .._json import parse_rfc3339


def _check_rfc3339(text: str) -> str:
    parse_rfc3339(text)
    return text


RFC3339_PATTERN = (
    r"^[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])[Tt](?:[01][0-9]|2[0-3]):[0-5][0-9]:(?:[0-5][0-9]|60)"
    r"(?:\.[0-9]+)?(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])$"
)
"""The shape of an RFC 3339 date-time, as a JSON Schema ``pattern`` beside ``format: date-time``.

Validators treat ``format`` as an annotation by default (draft 2020-12); the
pattern holds everywhere. Days of the month and leap seconds are left to the format."""

Rfc3339 = Annotated[
    str,
    AfterValidator(_check_rfc3339),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": RFC3339_PATTERN}),
]
"""A string holding an RFC 3339 date-time (JSON Schema ``format: date-time`` and a ``pattern``)."""


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
