"""Negative tests that mean what they say: every listed defect is invalid, stable by name, and deliverable (issue 12)."""

from __future__ import annotations

import pytest

import pytest_jobhooks as jh
from pytest_jobhooks.catalog import read
from pytest_jobhooks.factories import INVALID_DEFECTS, invalid
from pytest_jobhooks.sender import deliver
from pytest_jobhooks.server import CaptureServer
from pytest_jobhooks.vendors import VENDORS

SEEDS = range(10, 30)  # beyond the seeds the defects were found with, too


def _type_at(payload: object, path: str) -> str:
    """The JSON type at a ``$.a.b`` path of ``payload`` ("absent" when nothing is there)."""
    value = payload
    for key in path.removeprefix("$").lstrip(".").split(".") if path != "$" else ():
        if not isinstance(value, dict) or key not in value:
            return "absent"
        value = value[key]
    return type(value).__name__


def _what_breaks(vendor: str, defect: str, seed: int) -> tuple[object, ...]:
    """Where the payload breaks, the JSON type found there, and any undocumented value written."""
    payload = invalid(vendor, defect, seed=seed)
    reading = read(payload, vendor=vendor)
    assert reading.outcome == "invalid", (vendor, defect, seed, payload)
    # A free-form key (a Tensorlake workflow's function name) is data, not the field: counted by its pattern.
    patterns = {finding.path: finding.pattern for finding in reading.drift}
    where = sorted({(patterns.get(p.path, p.path), _type_at(payload, p.path)) for p in reading.breaking})
    return (*where, *sorted(str(f.value) for f in reading.drift if f.kind == "value"))


@pytest.mark.parametrize("vendor", sorted(VENDORS))
def test_a_defect_breaks_the_same_field_the_same_way_whatever_the_seed(vendor: str) -> None:
    for defect in INVALID_DEFECTS[vendor]:
        broken = {_what_breaks(vendor, defect, seed) for seed in SEEDS}
        assert len(broken) == 1, (defect, broken)  # a status defect writes the same status, not one per seed


def test_foreign_status_is_the_same_status_under_every_seed() -> None:
    assert {invalid("telmai", "foreign-status", seed=seed)["status"] for seed in SEEDS} == {"DONE"}
    assert {invalid("tamr", "unknown-status", seed=seed)["data"]["status"]["state"] for seed in SEEDS} == {"CANCELLED"}


@pytest.mark.parametrize("vendor", sorted(VENDORS))
def test_every_listed_defect_is_deliverable_in_its_vendors_default_form_and_arrives_invalid(vendor: str) -> None:
    with CaptureServer(secret=None) as server:
        for defect in INVALID_DEFECTS[vendor]:
            payload = invalid(vendor, defect, seed=3)
            report = deliver(payload, server, vendor=vendor, retry=[])
            assert report.ok, (defect, report.describe())
            arrived = server.deliveries[-1]
            assert arrived.method == VENDORS[vendor].delivery.method
            assert arrived.reading.outcome == "invalid", (defect, arrived.request)


def test_gofetch_lists_only_defects_a_get_query_string_can_carry() -> None:
    # A wrongly typed value cannot travel in a query string (it would arrive as valid text), and an
    # undocumented status is drift for GoFetch, whose list of statuses is open.
    assert INVALID_DEFECTS["gofetch"] == ("empty", "missing:job_id", "missing:job_status")
    payload = invalid("gofetch", "wrong-type:job_status", seed=1)  # still made on request: a JSON body carries it
    assert read(payload, vendor="gofetch").outcome == "invalid"
    with pytest.raises(jh.FactoryError, match=r"'unknown-status' makes a gofetch payload drift, not invalid"):
        invalid("gofetch", "unknown-status", seed=1)
