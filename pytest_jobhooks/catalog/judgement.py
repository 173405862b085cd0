"""The one rule of judgement: what makes a payload invalid or drift, and what a job's deliveries may do.

Contract mode, the job-state assertions and the recordings all judge by it:

- **invalid**: wrong types, missing required fields, a malformed envelope, an
  unreadable body; and a status its vendor does not document when the vendor's
  list of statuses is closed (a receiver cannot place it in the lifecycle);
- **drift**: fields the vendor's schema does not declare and strings outside a
  documented enum, including an undocumented status of a vendor whose list of
  statuses is open (:attr:`Vendor.open_statuses <pytest_jobhooks.vendors.base.Vendor.open_statuses>`,
  GoFetch's: its doc says "etc."). Drift is warned about and fails only when strict;
- **lifecycle** (per job, in arrival order, at least once): any repeat of an
  earlier delivery of the job (the same payload, or the same message id:
  ``webhook-id`` / ``svix-id`` / ``ce-id``) is a *redelivery* and passes
  wherever it arrives, even after the terminal state; a state the job was
  already seen in passes too (a late delivery); a state never seen before must
  be a legal move from the job's current state. An undocumented status of an
  open vendor is drift, never a lifecycle failure. With ``allow_duplicates=False``
  (the assertions' default) every delivery must instead be a new, legal step.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Literal, Protocol

from .._json import COMPACT, JsonObject
from ..errors import Problem
from ..vendors._validation import validated
from ..vendors.base import AnyVendor, JobEvent
from .drift import Finding, Member

if TYPE_CHECKING:
    from .reading import Reading

__all__ = [
    "MESSAGE_ID_HEADERS",
    "Arrival",
    "JobJudge",
    "closed_status",
    "message_id",
    "open_status",
]

Arrival = Literal["new", "redelivery", "late", "undocumented"]
"""What one delivery is to its job: a new state, a repeat, a state seen before, or an open vendor's unknown status."""

MESSAGE_ID_HEADERS = ("webhook-id", "svix-id", "ce-id")
"""Headers naming a message (Standard Webhooks, Svix, CloudEvents): the same value is the same message."""


def message_id(headers: Mapping[str, str] | None) -> str | None:
    """The message id a delivery's headers carry (case-insensitive mapping expected), or None."""
    if not headers:
        return None
    for name in MESSAGE_ID_HEADERS:
        value = headers.get(name)
        if value:
            return value
    return None


def closed_status(reading: Reading) -> tuple[Problem, ...]:
    """The problem of a payload whose only fault is an undocumented status of a vendor whose statuses are closed.

    Asked once drift explains every other problem: an undocumented enum value
    is drift, but a status a receiver cannot place in a closed lifecycle breaks the payload.
    """
    spec, payload = reading.spec, reading.payload
    if spec is None or payload is None or spec.open_statuses:
        return ()
    status = _status_finding(spec, payload, [f for f in reading.drift if f.kind == "value"])
    if status is None:
        return ()
    found = tuple(problem for problem in reading.problems if problem.path == status.path)
    return found or (Problem(status.path, f"{status.value!r} is not a documented {spec.name} status"),)


def open_status(reading: Reading) -> str | None:
    """The undocumented status a payload of an open-status vendor carries when nothing else breaks, else None."""
    spec, payload = reading.spec, reading.payload
    if reading.valid or spec is None or payload is None or not spec.open_statuses or reading.breaking:
        return None
    found = _status_finding(spec, payload, [f for f in reading.drift if f.kind == "value"])
    return found.value if found is not None else None


def _status_finding(spec: AnyVendor, payload: JsonObject, values: Iterable[Finding]) -> Finding | None:
    """The undocumented value that sits where the vendor's status does: a documented state there reads as that state."""
    known = _status_places.setdefault(spec, {})
    for finding in values:
        place = (finding.parts, _shape(payload))
        found = known.get(place)
        if found is None:
            found = any(_reads_as(spec, payload, finding, state) for state in spec.lifecycle.states)
            if len(known) >= _PLACES:
                known.clear()
            known[place] = found
        if found:
            return finding
    return None


def _reads_as(spec: AnyVendor, payload: JsonObject, finding: Finding, state: str) -> bool:
    verdict = validated(spec, _replaced(payload, finding.parts, state))
    return not isinstance(verdict, tuple) and spec.status(verdict) == state


def _shape(payload: JsonObject) -> tuple[str, ...]:
    # Whether a place holds the status depends on the payload's shape (an envelope or not), not on its values.
    return tuple(payload)


# Per vendor, whether a place (path, top-level keys) holds the status: drifting lines ask it again and again.
_status_places: weakref.WeakKeyDictionary[AnyVendor, dict[tuple[object, ...], bool]] = weakref.WeakKeyDictionary()
_PLACES = 1024


def _replaced(value: object, parts: Sequence[object], new: str) -> JsonObject:
    if not parts:
        return new  # type: ignore[return-value]
    head, rest = parts[0], parts[1:]
    key = head.key if isinstance(head, Member) else head
    if isinstance(value, dict) and isinstance(key, str):
        return {**value, key: _replaced(value.get(key), rest, new)}
    if isinstance(value, list) and isinstance(key, int):
        return [*value[:key], _replaced(value[key], rest, new), *value[key + 1 :]]  # type: ignore[return-value]
    return value  # type: ignore[return-value]


class _Event(JobEvent, Protocol):
    """What the lifecycle rule reads of a delivery, beyond a :class:`JobEvent`: when, and which message."""

    @property
    def time(self) -> datetime | None:
        """The status time the payload states (None if it states none)."""

    @property
    def message_id(self) -> str | None:
        """The delivery's message id (see :data:`MESSAGE_ID_HEADERS`)."""


@dataclass
class JobJudge:
    """Judges one job's deliveries in arrival order by the rule above; :meth:`judge` one, :meth:`finish` at the end.

    ``allow_duplicates=True`` is at-least-once (contract mode); ``False`` wants
    every delivery to be a new, legal step (repeats and late states are problems).
    """

    spec: AnyVendor
    allow_duplicates: bool = True
    accepted: list[_Event] = field(default_factory=list)
    current: _Event | None = None
    terminal: _Event | None = None
    _bodies: dict[str, _Event] = field(default_factory=dict)
    _ids: dict[str, _Event] = field(default_factory=dict)
    _states: set[str] = field(default_factory=set)
    _latest: datetime | None = None

    def judge(self, event: _Event) -> tuple[Arrival, list[str]]:
        """What ``event`` is to the job, and what is wrong with it (empty when it passes)."""
        status = event.status
        assert status is not None
        earlier = self._repeat_of(event)
        if earlier is not None:
            return "redelivery", [] if self.allow_duplicates else [f"duplicate of #{earlier.index} ({earlier.status})"]
        self._remember(event)
        life = self.spec.lifecycle
        if status not in life.states:
            return "undocumented", []  # an open vendor's unknown status: drift, judged as a payload
        current = self.current
        legal = current is None or (self.terminal is None and life.is_legal(current.status or "", status))
        if not legal and self.allow_duplicates and status in self._states:
            return "late", []
        problems: list[str] = []
        if not legal and self.terminal is not None:
            problems.append(
                f"{status} arrived after the terminal state {self.terminal.status} (#{self.terminal.index})"
            )
        elif not legal and current is not None:
            problems.append(f"illegal move {current.status} -> {status}")
        if event.time is not None:
            if self._latest is not None and event.time < self._latest:
                problems.append(f"time went backwards: {event.time.isoformat()} after {self._latest.isoformat()}")
            self._latest = max(self._latest or event.time, event.time)
        if self.spec.history is not None:
            problems += self.spec.history(event, list(self.accepted))
        self.accepted.append(event)
        self._states.add(status)
        if self.terminal is None:
            self.current = event
            if life.is_terminal(status):
                self.terminal = event
        return "new", problems

    def finish(self, *, complete: bool) -> str | None:
        """With ``complete``: the problem of a job that never reached a terminal state, else None."""
        if complete and self.terminal is None and self.current is not None:
            return f"never reached a terminal state (last: {self.current.status})"
        return None

    def _repeat_of(self, event: _Event) -> _Event | None:
        mid = event.message_id
        if mid is not None and mid in self._ids:
            return self._ids[mid]
        earlier = self._bodies.get(_body_key(event.payload))
        current = self.current
        # A payload that says nothing but its status (no time) repeats itself on a legal loop
        # (IN_PROGRESS -> BATCH_WAIT -> IN_PROGRESS): a legal move is the job moving, not a redelivery.
        moving = (
            current is not None
            and self.terminal is None
            and self.spec.lifecycle.is_legal(current.status or "", event.status or "")
        )
        return None if moving else earlier

    def _remember(self, event: _Event) -> None:
        self._bodies.setdefault(_body_key(event.payload), event)
        if event.message_id is not None:
            self._ids.setdefault(event.message_id, event)


def _body_key(payload: JsonObject | None) -> str:
    # Key order and spacing are not the payload: a re-serialised redelivery is still the same payload.
    try:
        return COMPACT.encode(_sorted(payload))
    except (TypeError, ValueError):
        return repr(payload)


def _sorted(value: object) -> object:
    if isinstance(value, dict):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted(item) for item in value]
    return value
