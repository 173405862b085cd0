"""Overrides: replace, add or drop fields of generated payloads, at the top level or nested.

A keyword names a top-level field (``tenant="acme"``) or, with ``__`` between
the parts, a nested one (``status__error={...}``, ``statusHistory__0__state=``).
Over several deliveries of one job, an override changes every delivery that
has the field; when none has it, it is added to every delivery that has the
object it belongs in. ``OMIT`` removes a field. In a CloudEvents envelope (Tamr),
the fields the vendor documents are the event's, in ``data``.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable, Mapping
from typing import Final

from .._json import JsonObject, JsonValue
from ..errors import FactoryError

Container = dict[str, JsonValue] | list[JsonValue]


class _Omit:
    """The type of :data:`OMIT`."""

    def __repr__(self) -> str:
        return "OMIT"

    def __reduce__(self) -> str:
        return "OMIT"


OMIT: Final = _Omit()
"""Pass as an override value to remove that field: ``build("telmai", details=OMIT)``."""


def to_json(value: object, where: str) -> JsonValue:
    """A deep copy of ``value`` as JSON data (tuples become lists); FactoryError when JSON cannot hold it."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise FactoryError(f"{where}: {value!r} is not allowed in JSON")
        return value
    if isinstance(value, Mapping):
        out: JsonObject = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise FactoryError(f"{where}: JSON object keys must be strings, not {key!r}")
            out[key] = to_json(item, f"{where}.{key}")
        return out
    if isinstance(value, (list, tuple)):
        return [to_json(item, f"{where}[{index}]") for index, item in enumerate(value)]
    raise FactoryError(
        f"{where}: a {type(value).__name__} is not a JSON value (give a string, number, bool, None, "
        "list or dict; times as RFC 3339 strings)"
    )


def apply_overrides(
    payloads: list[JsonObject],
    overrides: Mapping[str, object],
    *,
    fields: Iterable[str],
    extra: Mapping[str, object] | None = None,
) -> None:
    """Apply keyword ``overrides`` (field names or ``__`` paths) and ``extra`` top-level fields in place.

    ``fields`` are the field names the vendor documents: a top-level name that is
    neither documented nor in any payload is refused (a typo, most likely); send
    an undocumented field through ``extra``.
    """
    documented = set(fields)
    known = documented.union(*payloads, *(_data(payload) or {} for payload in payloads))
    for key, value in overrides.items():
        if key in known:
            path: tuple[str, ...] = (key,)
        else:
            path = tuple(key.split("__"))
            if path[0] not in known or "" in path:
                listing = ", ".join(sorted(known))
                raise FactoryError(
                    f"no field {path[0]!r} to override (fields: {listing}); "
                    f"send an undocumented field with extra={{{path[0]!r}: ...}}"
                )
        # A field the vendor documents is the event's, inside a CloudEvents envelope (Tamr's type=,
        # status__error=); the envelope's own attributes (id=, source=, time=) are set where they are.
        inside = path[0] in documented
        _apply(payloads, path, value, key, inside=inside)
    for key, value in (extra or {}).items():
        if not isinstance(key, str):
            raise FactoryError(f"extra field names must be strings, not {key!r}")
        _apply(payloads, (key,), value, key)


def remove(payload: JsonObject, path: tuple[str, ...]) -> JsonObject:
    """A copy of ``payload`` without the field at ``path``; FactoryError when there is none.

    In a CloudEvents envelope, a path the envelope lacks is looked for in its ``data``.
    """
    out = copy.deepcopy(payload)
    _apply([out], path, OMIT, ".".join(path), inside=_in_data(payload, path))
    return out


def replace(payload: JsonObject, path: tuple[str, ...], value: JsonValue) -> JsonObject:
    """A copy of ``payload`` with the field at ``path`` set to ``value``; FactoryError when it cannot hold it."""
    out = copy.deepcopy(payload)
    _apply([out], path, value, ".".join(path), inside=_in_data(payload, path))
    return out


def lookup(payload: JsonObject, path: tuple[str, ...]) -> JsonValue:
    """The value at ``path``; FactoryError when the payload has none."""
    if _in_data(payload, path):
        payload = _data(payload) or payload
    parent = _resolve(payload, path[:-1])
    if parent is None or not _has(parent, path[-1]):
        raise FactoryError(f"the payload has no field {'.'.join(path)!r}")
    return parent[int(path[-1])] if isinstance(parent, list) else parent[path[-1]]


def _data(payload: JsonObject) -> JsonObject | None:
    """The event inside a CloudEvents envelope (its ``data`` object), or None when ``payload`` is no envelope."""
    data = payload.get("data")
    return data if "specversion" in payload and isinstance(data, dict) else None


def _in_data(payload: JsonObject, path: tuple[str, ...]) -> bool:
    data = _data(payload)
    return data is not None and path[0] not in payload and path[0] in data


def _apply(payloads: list[JsonObject], path: tuple[str, ...], value: object, key: str, *, inside: bool = False) -> None:
    roots = [(_data(payload) or payload) if inside else payload for payload in payloads]
    parents = [parent for parent in (_resolve(root, path[:-1]) for root in roots) if parent is not None]
    if not parents:
        where = ".".join(path[:-1])
        raise FactoryError(f"cannot set {key!r}: no payload has an object or list at {where!r} to hold it")
    last = path[-1]
    holders = [parent for parent in parents if _has(parent, last)]
    if value is OMIT:
        if not holders:
            raise FactoryError(f"cannot omit {key!r}: no payload has it")
        for parent in holders:
            if isinstance(parent, list):
                del parent[int(last)]
            else:
                del parent[last]
        return
    data = to_json(value, key)
    for parent in holders or parents:
        if isinstance(parent, list):
            if not _has(parent, last):
                raise FactoryError(f"cannot set {key!r}: {last!r} is not an index of a list of {len(parent)}")
            parent[int(last)] = copy.deepcopy(data)
        else:
            parent[last] = copy.deepcopy(data)


def _resolve(value: JsonValue, path: tuple[str, ...]) -> Container | None:
    for part in path:
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and _has(value, part):
            value = value[int(part)]
        else:
            return None
    return value if isinstance(value, (dict, list)) else None


def _has(container: Container, part: str) -> bool:
    if isinstance(container, dict):
        return part in container
    try:
        index = int(part)
    except ValueError:
        return False
    return -len(container) <= index < len(container)
