"""An integer too long for ``repr()`` (over 4,300 digits) is a payload problem, never a plain ValueError (issue 14, defect 13)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from pytest_jobhooks.catalog import detect_vendor, job_state, read, validate_payload
from pytest_jobhooks.errors import PayloadValidationError
from pytest_jobhooks.vendors import VENDORS

HUGE = 10**5000  # str() / repr() raise ValueError past sys.get_int_max_str_digits() (4,300)


def paths(value: Any, prefix: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    if prefix:
        yield prefix
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        yield from paths(item, (*prefix, key))


def with_huge(example: dict[str, Any], path: tuple[str | int, ...]) -> dict[str, Any]:
    payload = copy.deepcopy(example)
    here: Any = payload
    for key in path[:-1]:
        here = here[key]
    here[path[-1]] = HUGE
    return payload


CASES = [
    pytest.param(name, with_huge(example, path), id=f"{name}:{label}:{'.'.join(map(str, path))}")
    for name, vendor in VENDORS.items()
    for label, example in list(vendor.examples.items())[:1]
    for path in paths(example)
]


@pytest.mark.parametrize(("vendor", "payload"), CASES)
def test_a_huge_integer_anywhere_is_a_problem_or_accepted(vendor: str, payload: dict[str, Any]) -> None:
    for judge in (validate_payload, job_state):
        try:
            judge(vendor, payload)
        except PayloadValidationError as exc:
            message = str(exc)  # worded without printing the number
            assert len(message) < 2000
    reading = read(payload)
    assert all(len(problem.message) < 300 for problem in reading.problems)
    detect_vendor(payload)


def test_the_problem_names_the_number_by_its_size() -> None:
    payload = {**VENDORS["telmai"].examples["FINISHED.doc"], "status": HUGE}
    with pytest.raises(PayloadValidationError) as info:
        job_state("telmai", payload)
    assert "$.status: <an integer of about 5001 digits> is not of type 'string'" in str(info.value)
    assert read(payload).problems


def test_a_huge_integer_where_the_schema_allows_anything_is_accepted() -> None:
    payload = {**VENDORS["telmai"].examples["FINISHED.doc"], "rows": HUGE}
    assert job_state("telmai", payload).status == "FINISHED"
