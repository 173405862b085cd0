"""parse_rfc3339's C-level route (datetime.fromisoformat) reads every date-time as the field-by-field parse does."""

from __future__ import annotations

import itertools
from datetime import datetime

import pytest

from pytest_jobhooks import _json
from pytest_jobhooks._json import parse_rfc3339

DATES = ["2024-01-01", "0000-01-01", "0000-02-29", "2023-02-29", "2024-02-29", "9999-12-31", "2024-13-01", "2024-00-10"]
TIMES = ["00:00:00", "23:59:60", "22:59:60", "12:00:60", "24:00:00", "23:60:00", "12:34:56"]
FRACTIONS = ["", ".5", ".123", ".123456", ".1234567", ".999999999", "."]
OFFSETS = ["Z", "z", "+00:00", "-00:00", "+05:30", "-01:00", "+01:00", "+23:59", "+24:00", "+05:60", "-99:00", ""]
SEPARATORS = ["T", "t", " "]


def _outcome(parse: object, text: str) -> object:
    try:
        moment = parse(text)  # type: ignore[operator]
    except ValueError as exc:
        return ("error", str(exc))
    assert isinstance(moment, datetime)
    return (moment, moment.utcoffset(), moment.isoformat())


def test_every_combination_reads_as_the_full_parse_reads_it() -> None:
    judged = 0
    for date, sep, time, fraction, offset in itertools.product(DATES, SEPARATORS, TIMES, FRACTIONS, OFFSETS):
        text = f"{date}{sep}{time}{fraction}{offset}"
        assert _outcome(parse_rfc3339, text) == _outcome(_json._parse, text), text
        judged += 1
    assert judged > 10_000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2016-12-31T23:59:60Z", "2016-12-31T23:59:59.999999+00:00"),  # a leap second: the last microsecond before
        ("0000-01-01T00:00:00Z", "0001-01-01T00:00:00+00:00"),
        ("2024-01-01t00:00:00.5z", "2024-01-01T00:00:00.500000+00:00"),
        ("2024-01-01T00:00:00.1234567+05:30", "2024-01-01T00:00:00.123456+05:30"),
    ],
)
def test_edge_cases(text: str, expected: str) -> None:
    assert parse_rfc3339(text).isoformat() == expected


@pytest.mark.parametrize("text", ["2024-01-01T00:00:00+05:60", "2024-06-30T12:00:60Z", "2024-01-01T00:00:00"])
def test_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"RFC 3339|date-time|offset"):
        parse_rfc3339(text)
