"""Walking a job through its lifecycle: which states, when, and the delivery of each (no overrides here).

Each kind of draw has its own seeded stream (plan, times, job, one per
delivery), so a delivery built on its own (``build(status=...)``) equals the
same delivery of the whole lifecycle under the same seed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from itertools import pairwise

from .._json import JsonObject
from .._seeds import stream
from ..catalog import validate_payload
from ..errors import FactoryError, PayloadValidationError, Problem, VendorDefinitionError
from ..vendors.base import UNIFIED_STATUSES, AnyVendor, Lifecycle, UnifiedStatus
from ..vendors.factory import JobHistory, VendorFactory
from ._overrides import to_json

BASE_TIME = datetime(2025, 1, 1, tzinfo=timezone.utc)
"""Jobs start at this instant plus a drawn offset of up to a year, unless ``start`` is given."""

_START_SPREAD_MS = 365 * 24 * 3_600_000
_GAP_MS = (250, 20 * 60_000)


def outcomes(spec: AnyVendor) -> tuple[UnifiedStatus, ...]:
    """The unified statuses a job of ``spec`` can end in, in :data:`UNIFIED_STATUSES` order."""
    life = spec.lifecycle
    return tuple(u for u in UNIFIED_STATUSES if any(u in life.unified[s] for s in life.terminal))


def target(spec: AnyVendor, status: str | None, outcome: str | None) -> tuple[str | None, UnifiedStatus]:
    """Check a requested native status and unified outcome; returns them with the outcome filled in."""
    life = spec.lifecycle
    reachable = outcomes(spec)
    if outcome is not None and outcome not in UNIFIED_STATUSES:
        raise FactoryError(f"unknown outcome {outcome!r}; outcomes are unified statuses: {', '.join(reachable)}")
    if status is not None and status not in life.states:
        raise FactoryError(f"{spec.name} has no status {status!r}; its statuses are {', '.join(life.states)}")
    if status is not None and life.is_terminal(status):
        meanings = life.unified[status]
        if outcome is None:
            return status, "succeeded" if "succeeded" in meanings else meanings[0]
        if outcome not in meanings:
            raise FactoryError(f"{spec.name} status {status!r} means {' or '.join(meanings)}, not {outcome!r}")
        return status, outcome
    if outcome is None:
        return status, "succeeded" if "succeeded" in reachable else reachable[0]
    if outcome not in reachable:
        raise FactoryError(f"{spec.name} jobs cannot end {outcome!r}; they end {', '.join(reachable)}")
    return status, outcome


@dataclass(frozen=True)
class Job:
    """One generated job: its path through the lifecycle, the time of each state and what all deliveries share."""

    spec: AnyVendor
    factory: VendorFactory
    seed: int
    states: tuple[str, ...]
    times: tuple[datetime, ...]
    outcome: UnifiedStatus
    shared: JsonObject
    options: Mapping[str, object]

    def delivery(self, index: int) -> JsonObject:
        """The payload sent when the job entered ``states[index]`` (a fresh object on every call)."""
        history = JobHistory(self.shared, self.states[: index + 1], self.times[: index + 1], self.outcome, self.options)
        payload = self.factory.payload(stream(self.seed, f"{self.spec.name}/delivery/{index}"), history)
        try:
            data = to_json(payload, "$")
        except FactoryError as exc:
            raise VendorDefinitionError(f"{self.spec.name} factory wrote a payload JSON cannot hold: {exc}") from None
        if not isinstance(data, dict):
            raise VendorDefinitionError(f"{self.spec.name} factory wrote {type(payload).__name__}, not a JSON object")
        return data


def generate(
    spec: AnyVendor,
    *,
    seed: int,
    status: str | None = None,
    outcome: str | None = None,
    options: Mapping[str, object] | None = None,
    job_id: str | None = None,
    start: datetime | None = None,
    whole: bool = False,
) -> tuple[list[JsonObject], tuple[str, ...]]:
    """The deliveries of one job (all of them, or only the last) and their native states.

    Neither overrides nor validation happen here. A vendor without a factory
    gives one of its documented examples, and cannot give a whole lifecycle.
    """
    status, final = target(spec, status, outcome)
    factory = spec.factory
    if factory is None:
        if whole:
            raise FactoryError(f"{spec.name} has no factory (Vendor(factory=...)): it cannot make whole lifecycles")
        if job_id is not None or start is not None:
            raise FactoryError(f"{spec.name} has no factory (Vendor(factory=...)): job_id= and start= need one")
        payload, native = example(spec, seed=seed, status=status, outcome=final)
        return [payload], (native,)
    job = start_job(
        spec, factory, seed=seed, status=status, outcome=final, options=options or {}, job_id=job_id, start=start
    )
    indexes = range(len(job.states)) if whole else range(len(job.states) - 1, len(job.states))
    return [job.delivery(index) for index in indexes], job.states[indexes.start :]


def start_job(
    spec: AnyVendor,
    factory: VendorFactory,
    *,
    seed: int,
    status: str | None,
    outcome: UnifiedStatus,
    options: Mapping[str, object],
    job_id: str | None,
    start: datetime | None,
) -> Job:
    """Plan a job that ends in ``outcome`` (cut at ``status`` when given) and draw its times and shared values."""
    if job_id is not None and (not isinstance(job_id, str) or not job_id):
        raise FactoryError(f"job_id must be a non-empty string, not {job_id!r}")
    if start is not None and (not isinstance(start, datetime) or start.utcoffset() is None):
        raise FactoryError(f"start must be a timezone-aware datetime, not {start!r}")
    states = _plan(spec, factory, seed, outcome, options)
    if status is not None and states[-1] != status:
        if status in states:
            states = states[: states.index(status) + 1]
        else:
            states = _shortest(spec.lifecycle, lambda state: state == status) or ()
            if not states:
                raise FactoryError(f"{spec.name} status {status!r} cannot be reached from {_initial(spec.lifecycle)}")
    clock = stream(seed, f"{spec.name}/times")
    offset = timedelta(milliseconds=clock.randrange(_START_SPREAD_MS))
    times = [start if start is not None else BASE_TIME + offset]
    for _ in states[1:]:
        times.append(times[-1] + timedelta(milliseconds=clock.randint(*_GAP_MS)))
    shared = factory.job(stream(seed, f"{spec.name}/job"), job_id, times[0])
    return Job(spec, factory, seed, tuple(states), tuple(times), outcome, shared, options)


def check_valid(spec: AnyVendor, payloads: Sequence[JsonObject], states: Sequence[str]) -> None:
    """Validate every payload; problems in one of several deliveries say which one."""
    for index, (payload, state) in enumerate(zip(payloads, states, strict=True)):
        try:
            validate_payload(spec, payload)
        except PayloadValidationError as exc:
            if len(payloads) == 1:
                raise
            note = f" (delivery {index + 1} of {len(payloads)}, {state})"
            raise PayloadValidationError(spec.name, [Problem(p.path, p.message + note) for p in exc.errors]) from None


def example(spec: AnyVendor, *, seed: int, status: str | None, outcome: UnifiedStatus) -> tuple[JsonObject, str]:
    """A documented example in that status and outcome (for a vendor without a factory), chosen by the seed.

    Returns the example (a fresh copy) and its native status.
    """
    life = spec.lifecycle
    matches = []
    for name in sorted(spec.examples):
        state = spec.state_of(validate_payload(spec, spec.examples[name]))
        wanted = state.status == status if status is not None else life.is_terminal(state.status)
        if wanted and (not life.is_terminal(state.status) or state.unified == outcome):
            matches.append((name, state.status))
    if not matches:
        what = f"status {status!r}" if status is not None else f"a terminal status meaning {outcome!r}"
        raise FactoryError(
            f"{spec.name} has no factory (Vendor(factory=...)) and no documented example in {what} to fall back to"
        )
    name, native = stream(seed, f"{spec.name}/example").choice(matches)
    data = to_json(spec.examples[name], "$")
    assert isinstance(data, dict)
    return data, native


def _plan(
    spec: AnyVendor, factory: VendorFactory, seed: int, outcome: UnifiedStatus, options: Mapping[str, object]
) -> tuple[str, ...]:
    life = spec.lifecycle
    if factory.plan is not None:
        states = tuple(factory.plan(stream(seed, f"{spec.name}/plan"), outcome, options))
    else:
        states = _shortest(life, lambda s: life.is_terminal(s) and outcome in life.unified[s]) or ()
    problems = []
    if not states or states[0] not in life.initial:
        problems.append(f"does not start in {_initial(life)}")
    problems += [f"moves {a} -> {b}" for a, b in pairwise(states) if not life.is_legal(a, b)]
    if states and (not life.is_terminal(states[-1]) or outcome not in life.unified[states[-1]]):
        problems.append(f"does not end in a terminal state meaning {outcome!r}")
    if problems:
        path = " -> ".join(states)
        raise VendorDefinitionError(f"{spec.name} factory planned an illegal path [{path}]: {'; '.join(problems)}")
    return states


def _shortest(life: Lifecycle, is_goal: Callable[[str], bool]) -> tuple[str, ...] | None:
    """The shortest legal path from an initial state to a goal; ties go to the earlier state in ``life.states``."""
    order = {state: index for index, state in enumerate(life.states)}
    queue: deque[tuple[str, ...]] = deque((state,) for state in sorted(life.initial, key=order.__getitem__))
    seen = set(life.initial)
    while queue:
        path = queue.popleft()
        if is_goal(path[-1]):
            return path
        for following in sorted(life.transitions[path[-1]], key=order.__getitem__):
            if following not in seen:
                seen.add(following)
                queue.append((*path, following))
    return None


def _initial(life: Lifecycle) -> str:
    return " or ".join(state for state in life.states if state in life.initial)
