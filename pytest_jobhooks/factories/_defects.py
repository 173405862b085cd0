"""Named defects: valid payloads broken on purpose, each one checked to make an invalid payload.

Invalid is the catalog's one rule (:mod:`pytest_jobhooks.catalog.judgement`):
an undocumented status of a vendor whose statuses are open (GoFetch) is drift,
not invalid, so no status defect is listed for it. Which defects a vendor lists
is found by trial, not declared: a defect is listed when the default payloads of
the first ``_TRIAL_SEEDS`` seeds, broken so, are all invalid, and stay invalid
once carried in the vendor's default delivery form (a query string carries only
text: a GoFetch ``wrong-type:`` defect would arrive as valid text, so it is not
listed). So a listed defect breaks the payload of any seed, on the wire too.

A defect is stable by name: the seed changes ids and times, never which field
breaks or how (a status defect always writes the same status).
"""

from __future__ import annotations

import json
import random
import weakref
from collections.abc import Iterator, Mapping
from urllib.parse import urlencode

from .._json import JsonObject, JsonValue
from .._seeds import stream
from ..catalog import read, validate_payload
from ..errors import FactoryError
from ..vendors import VENDORS, get_vendor
from ..vendors.base import AnyVendor
from ._jobs import generate
from ._overrides import lookup, remove, replace

STATUS_DEFECTS = ("unknown-status", "foreign-status")
_TRIAL_SEEDS = 16
# Statuses a job system could plausibly send that no built-in vendor documents.
_UNDOCUMENTED = ("cancelled", "paused", "expired", "archived", "timed_out", "not_a_status")

_defects: weakref.WeakKeyDictionary[AnyVendor, tuple[str, ...]] = weakref.WeakKeyDictionary()


def defects_of(spec: AnyVendor) -> tuple[str, ...]:
    """Every named defect making any default payload of ``spec`` invalid, in its delivery form, in a stable order."""
    found = _defects.get(spec)
    if found is None:
        found = _defects[spec] = _find_defects(spec)
    return found


def break_payload(spec: AnyVendor, defect: str, *, seed: int, status: str | None) -> JsonObject:
    """The default payload of that seed and status with ``defect``; FactoryError if it would not be invalid."""
    if not isinstance(defect, str):
        raise FactoryError(f"a defect is a string such as 'missing:<field>', not {defect!r}")
    broken = _broken(spec, defect, seed, status)
    outcome = read(broken, vendor=spec).outcome
    if outcome == "valid":
        raise FactoryError(f"{defect!r} leaves a valid {spec.name} payload (is that field optional?)")
    if outcome == "drift":
        why = "its list of statuses is open" if spec.open_statuses else "the value is only undocumented"
        raise FactoryError(f"{defect!r} makes a {spec.name} payload drift, not invalid ({why})")
    return broken


def _broken(spec: AnyVendor, defect: str, seed: int, status: str | None) -> JsonObject:
    if defect == "empty":
        return {}
    return _apply(spec, defect, _base(spec, seed, status), stream(seed, f"{spec.name}/defect"))


def travels(spec: AnyVendor, payload: JsonObject) -> bool:
    """Whether ``payload`` arrives as it is, and invalid, in the vendor's default delivery form.

    A JSON body carries any JSON object. A query string carries only text: a
    payload with a non-string value cannot be sent so (it would arrive as other text).
    """
    if spec.delivery.encoding != "query":
        return True
    if not all(isinstance(value, str) for value in payload.values()):
        return False
    return read(urlencode(payload), vendor=spec).outcome == "invalid"


def _base(spec: AnyVendor, seed: int, status: str | None) -> JsonObject:
    payloads, _ = generate(spec, seed=seed, status=status)
    return payloads[0]


def _apply(spec: AnyVendor, defect: str, payload: JsonObject, rng: random.Random) -> JsonObject:
    kind, colon, field = defect.partition(":")
    if colon and field and kind in ("missing", "wrong-type"):
        path = (field,) if field in payload else tuple(field.split("."))
        if kind == "missing":
            return remove(payload, path)
        return replace(payload, path, wrong_type(lookup(payload, path), rng))
    if defect in STATUS_DEFECTS:
        where = _status_path(spec, payload)
        if where is None:
            raise FactoryError(f"{defect!r}: cannot tell where a {spec.name} payload holds its status")
        choices = _undocumented(spec) if defect == "unknown-status" else _foreign_statuses(spec)
        if not choices:
            raise FactoryError(f"{defect!r}: no other registered vendor has a status {spec.name} lacks")
        return replace(payload, where, choices[0])  # the same status whatever the seed: stable by name
    listing = ", ".join(defects_of(spec))
    raise FactoryError(
        f"unknown defect {defect!r}; {spec.name} defects: {listing} (or missing:/wrong-type: with any field path)"
    )


def wrong_type(value: JsonValue, rng: random.Random) -> JsonValue:
    """A value of another JSON type, as a buggy sender would write it (a number as text, an object as JSON text)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return int(value) if value.isascii() and value.isdigit() else rng.randint(1, 999_999)
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return 0


def _find_defects(spec: AnyVendor) -> tuple[str, ...]:
    first = _base(spec, 0, None)
    names = [name for name in first if all(name in _base(spec, seed, None) for seed in range(_TRIAL_SEEDS))]
    candidates = ["empty", *(f"missing:{n}" for n in names), *(f"wrong-type:{n}" for n in names)]
    if _status_path(spec, first) is not None:
        candidates += STATUS_DEFECTS
    return tuple(defect for defect in candidates if _always_invalid(spec, defect))


def _always_invalid(spec: AnyVendor, defect: str) -> bool:
    for seed in range(_TRIAL_SEEDS):
        try:
            broken = _broken(spec, defect, seed, None)
        except FactoryError:  # no foreign status to use, or no status to replace
            return False
        if read(broken, vendor=spec).outcome != "invalid" or not travels(spec, broken):
            return False
    return True


def _status_path(spec: AnyVendor, payload: JsonObject) -> tuple[str, ...] | None:
    if spec.factory is not None:
        return spec.factory.status_path(payload)
    status = spec.status(validate_payload(spec, payload))
    return next(_paths_to(payload, status), None)


def _paths_to(value: JsonValue, wanted: str, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    if value == wanted:
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _paths_to(item, wanted, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths_to(item, wanted, (*path, str(index)))


def _undocumented(spec: AnyVendor) -> list[str]:
    known = {state for vendor in (spec, *VENDORS.values()) for state in vendor.lifecycle.states}
    shout = all(state.isupper() for state in spec.lifecycle.states)
    styled = (status.upper() if shout else status for status in _UNDOCUMENTED)
    return [status for status in styled if status not in known]


def _foreign_statuses(spec: AnyVendor) -> list[str]:
    own = set(spec.lifecycle.states)
    others = {state for vendor in VENDORS.values() if vendor is not spec for state in vendor.lifecycle.states}
    return sorted(others - own)


class DefectTable(Mapping[str, tuple[str, ...]]):
    """Vendor name -> the named defects :func:`~pytest_jobhooks.factories.invalid` applies (computed on first use)."""

    def __getitem__(self, name: str) -> tuple[str, ...]:
        return defects_of(get_vendor(name))

    def __contains__(self, name: object) -> bool:
        return name in VENDORS

    def __iter__(self) -> Iterator[str]:
        return iter(list(VENDORS))

    def __len__(self) -> int:
        return len(VENDORS)

    def __repr__(self) -> str:
        return f"<INVALID_DEFECTS of {', '.join(VENDORS)}>"
