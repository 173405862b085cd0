"""Find drift: fields a payload carries that its vendor's schema does not declare, and undocumented enum values.

The schema is compiled once per vendor into a small tree of what each object
declares (following ``$ref``, ``anyOf`` / ``oneOf``, ``items`` and
``additionalProperties``), so walking a payload costs little more than
looking at its keys. Conditional rules (``allOf`` / ``if`` / ``then``) are not
followed: they restrict values, they do not declare fields or enums.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal, Union

from .._json import json_path
from ..vendors.base import AnyVendor

__all__ = ["Check", "Finding", "Member", "Node", "Part", "find_drift", "new_fields_check", "shape_of"]

Part = str | int
"""One step of a path: an object key or an array index."""


@dataclass(frozen=True)
class Member:
    """A key of an object whose keys are data (``additionalProperties`` with a schema), not declared names."""

    key: str


@dataclass(frozen=True)
class Finding:
    """Drift found at one place of a payload: ``parts`` lead there from the root."""

    kind: Literal["field", "value"]
    parts: tuple[Part | Member, ...]
    value: str | None = None

    @property
    def path(self) -> str:
        """Where it is, as a JSON path: ``$.statusHistory[1].retries``."""
        return json_path(part.key if isinstance(part, Member) else part for part in self.parts)

    @property
    def pattern(self) -> str:
        """:attr:`path` with array indices and free-form keys as ``[*]``: ``$.statusHistory[*].retries``."""
        return "$" + "".join(json_path([part])[1:] if isinstance(part, str) else "[*]" for part in self.parts)

    @property
    def message(self) -> str:
        """What it is: ``undocumented field (drift)`` or ``undocumented value 'X' (drift)``."""
        return "undocumented field (drift)" if self.kind == "field" else f"undocumented value {self.value!r} (drift)"

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class Node:
    """A compiled schema. As such, one that declares nothing to measure drift against (``_ANY`` takes any string)."""


_ANY = Node()
_SCALAR = Node()  # null, booleans, numbers and constants: no fields, no enum
_CHOICES = 1024  # payload shapes remembered per union, then forgotten


@dataclass(eq=False)
class _Object(Node):
    properties: dict[str, Node] = field(default_factory=dict)
    members: Node | None = None  # the schema of undeclared keys, when additionalProperties is one
    open: bool = True  # undeclared keys are allowed (and so are drift)
    # For payloads known valid: the declared names, and the members that may hold objects.
    declared: frozenset[str] = frozenset()
    nested: tuple[tuple[str, Node], ...] = ()


@dataclass(eq=False)
class _Array(Node):
    items: Node


@dataclass(eq=False)
class _Choice(Node):
    """A value that may take several shapes (anyOf / oneOf / enum / type)."""

    objects: tuple[_Object, ...] = ()
    arrays: tuple[_Array, ...] = ()
    enum: frozenset[str] | None = None  # documented strings; None when any string is accepted or none is listed
    any_string: bool = False


_shapes: weakref.WeakKeyDictionary[AnyVendor, Node] = weakref.WeakKeyDictionary()


def shape_of(vendor: AnyVendor) -> Node:
    """The compiled schema of ``vendor`` (built once per vendor object)."""
    node = _shapes.get(vendor)
    if node is None:
        from .schemas import load_schema

        schema = load_schema(vendor)
        defs = schema.get("$defs")
        node = _Compiler(defs if isinstance(defs, dict) else {}).compile(schema)
        _shapes[vendor] = node
    return node


def find_drift(node: Node, value: object) -> list[Finding]:
    """Every undeclared field and undocumented enum value in ``value`` (empty for most payloads)."""
    out: list[Finding] = []
    _walk(node, value, (), out)
    return out


Check = Callable[[object, "_Path", list[Finding]], None]
"""Appends the undeclared fields of a valid payload (under a path) to a list."""

_Path = Union[tuple["_Path", "Part | Member"], None]  # noqa: UP007 - a linked path: (parent, key), cheap to extend


def new_fields_check(node: Node) -> Check:
    """A function finding the undeclared fields of a payload already known to be valid.

    Valid means no value can be undocumented, so only field names are looked
    at: one set comparison per object, visiting only members that may hold
    objects. Built once per vendor; much faster than :func:`find_drift`.
    """
    check = _build(node, {})
    return check if check is not None else _nothing


def _nothing(value: object, path: _Path, out: list[Finding]) -> None:
    return None


def _flat(path: _Path, key: Part | Member) -> tuple[Part | Member, ...]:
    parts = [key]
    while path is not None:
        path, step = path
        parts.append(step)
    return tuple(reversed(parts))


def _build(node: Node, built: dict[int, Check]) -> Check | None:
    if isinstance(node, _Choice):
        return _build_choice(node, built)
    if isinstance(node, _Array):
        inner = _build(node.items, built)
        if inner is None:
            return None

        def check_array(value: object, path: _Path, out: list[Finding]) -> None:
            if type(value) is list:
                for index, item in enumerate(value):
                    inner(item, (path, index), out)

        return check_array
    if isinstance(node, _Object):
        return _build_object(node, built)
    return None


def _build_object(node: _Object, built: dict[int, Check]) -> Check:
    if id(node) in built:
        return built[id(node)]
    # A schema may refer to itself: children built meanwhile call through this slot.
    slot: list[Check] = []
    built[id(node)] = lambda value, path, out: slot[0](value, path, out)
    declared = node.declared
    open_ = node.open and node.members is None
    nested = tuple((key, check) for key, child in node.nested if (check := _build(child, built)) is not None)
    members = _build(node.members, built) if node.members is not None else None

    def check_object(value: object, path: _Path, out: list[Finding]) -> None:
        if type(value) is not dict:
            return
        if open_ and not declared.issuperset(value):
            out.extend(Finding("field", _flat(path, key)) for key in value if key not in declared)
        for key, check in nested:
            item = value.get(key)
            if item is not None:
                check(item, (path, key), out)
        if members is not None:
            for key, item in value.items():
                if key not in declared:
                    members(item, (path, Member(key)), out)

    slot.append(check_object)
    built[id(node)] = check_object
    return check_object


def _build_choice(node: _Choice, built: dict[int, Check]) -> Check | None:
    objects = [(o, check) for o in node.objects if (check := _build(o, built)) is not None]
    arrays = [check for a in node.arrays if (check := _build(a, built)) is not None]
    if not objects and not arrays:
        return None

    branches = tuple(o for o, _ in objects)
    checks = {id(o): check for o, check in objects}
    chosen: dict[tuple[str, ...], Check] = {}  # by key tuple: choosing costs more than remembering

    def check_choice(value: object, path: _Path, out: list[Finding]) -> None:
        kind = type(value)
        if kind is dict and objects:
            if len(objects) == 1:
                objects[0][1](value, path, out)
                return
            keys: tuple[str, ...] = tuple(value)  # type: ignore[arg-type]
            check = chosen.get(keys)
            if check is None:
                if len(chosen) >= _CHOICES:
                    chosen.clear()
                check = chosen[keys] = checks[id(_best_object(branches, value))]  # type: ignore[arg-type]
            check(value, path, out)
        elif kind is list and arrays:
            arrays[0](value, path, out)

    return check_choice


def _walk(node: Node, value: object, parts: tuple[Part | Member, ...], out: list[Finding]) -> None:
    kind = type(node)
    if kind is _Choice:
        assert isinstance(node, _Choice)
        if type(value) is str:
            if node.enum is not None and not node.any_string and value not in node.enum:
                out.append(Finding("value", parts, value))
            return
        if type(value) is dict:
            node = _best_object(node.objects, value) if node.objects else _ANY
        elif type(value) is list:
            node = node.arrays[0] if node.arrays else _ANY
        else:
            return
        kind = type(node)
    if kind is _Object:
        assert isinstance(node, _Object)
        if type(value) is not dict:
            return
        properties = node.properties
        for key, item in value.items():
            child = properties.get(key)
            if child is None:
                if node.members is not None:
                    if node.members is not _ANY:
                        _walk(node.members, item, (*parts, Member(key)), out)
                elif node.open:
                    out.append(Finding("field", (*parts, key)))
            elif child is not _ANY:
                _walk(child, item, (*parts, key), out)
    elif kind is _Array:
        assert isinstance(node, _Array)
        if type(value) is list and node.items is not _ANY:
            for index, item in enumerate(value):
                _walk(node.items, item, (*parts, index), out)


def _best_object(objects: tuple[_Object, ...], value: Mapping[str, object]) -> _Object:
    if len(objects) == 1:
        return objects[0]
    # The branch that declares most of the payload's keys is the one it was meant for.
    return max(objects, key=lambda o: len(o.declared.intersection(value)))


class _Compiler:
    def __init__(self, defs: Mapping[str, object]) -> None:
        self.defs = defs
        self.done: dict[str, Node] = {}

    def compile(self, schema: object) -> Node:
        if not isinstance(schema, dict):
            return _ANY
        ref = schema.get("$ref")
        if isinstance(ref, str):
            return self._ref(ref)
        if _is_object(schema):
            node = _Object()
            self._fill(node, schema)
            return node
        kind = schema.get("type")
        if kind == "array":
            items = self.compile(schema.get("items"))
            return _ANY if items is _ANY else _Array(items)
        branches = schema.get("anyOf") or schema.get("oneOf")
        if branches is None and "then" in schema and "else" in schema:
            branches = [schema["then"], schema["else"]]  # one shape or the other (Tamr: an event, or the bare job)
        if isinstance(branches, list):
            return self._choice([self.compile(b) for b in branches])
        enum = schema.get("enum")
        if isinstance(enum, list) and any(isinstance(v, str) for v in enum):
            return _Choice(enum=frozenset(v for v in enum if isinstance(v, str)))
        all_of = schema.get("allOf")
        if isinstance(all_of, list) and len(all_of) == 1:
            return self.compile(all_of[0])
        if "const" in schema or kind in ("null", "boolean", "number", "integer"):
            return _SCALAR
        return _ANY

    def _ref(self, ref: str) -> Node:
        name = ref.removeprefix("#/$defs/")
        if name in self.done:
            return self.done[name]
        target = self.defs.get(name) if name != ref else None
        if isinstance(target, dict) and _is_object(target) and "$ref" not in target:
            # Registered before its fields are compiled, so a schema that refers to itself makes a cycle.
            node = self.done[name] = _Object()
            self._fill(node, target)
            return node
        self.done[name] = _ANY  # a cycle through anything but an object stops here
        compiled = self.done[name] = self.compile(target)
        return compiled

    def _fill(self, node: _Object, schema: dict[str, object]) -> None:
        properties = schema.get("properties")
        declared = properties if isinstance(properties, dict) else {}
        node.properties = {str(k): self.compile(v) for k, v in declared.items()}
        extra = schema.get("additionalProperties", True)
        node.open = extra is not False
        if isinstance(extra, dict):
            node.members = self.compile(extra)
        node.declared = frozenset(node.properties)
        node.nested = tuple((k, child) for k, child in node.properties.items() if _may_hold_objects(child))

    def _choice(self, nodes: list[Node]) -> Node:
        choices = [n for n in nodes if isinstance(n, _Choice)]
        objects = tuple(n for n in nodes if isinstance(n, _Object)) + tuple(o for c in choices for o in c.objects)
        arrays = tuple(n for n in nodes if isinstance(n, _Array)) + tuple(a for c in choices for a in c.arrays)
        enums = [c.enum for c in choices if c.enum is not None]
        if not (objects or arrays or enums):
            return _ANY
        any_string = any(n is _ANY for n in nodes) or any(c.any_string for c in choices)
        return _Choice(objects, arrays, frozenset().union(*enums) if enums else None, any_string)


def _may_hold_objects(node: Node) -> bool:
    if isinstance(node, _Choice):
        return bool(node.objects or node.arrays)
    return isinstance(node, (_Object, _Array))


def _is_object(schema: Mapping[str, object]) -> bool:
    return "properties" in schema or schema.get("type") == "object"
