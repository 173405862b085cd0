"""Job-state assertions: check a stream of deliveries against a vendor's lifecycle and an expected sequence.

Every failure raises ``AssertionError`` with expected vs actual and a
:func:`timeline` of what arrived, and hides this module's frames from pytest's
traceback so the user's own line is what pytest shows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from .._checks import check_bool
from .._json import JsonObject
from ..catalog.drift import Finding
from ..catalog.judgement import Arrival, JobJudge, message_id, open_status
from ..catalog.reading import Outcome, Reading, read
from ..errors import ArgumentError
from ..vendors import get_vendor
from ..wire import Request

__all__ = [
    "Observation",
    "assert_job_sequence",
    "assert_valid_lifecycle",
    "lifecycle_violations",
    "observe",
    "schema_violations",
    "timeline",
]


@dataclass
class Observation:
    """One delivery as the assertions see it: where it stands in arrival order and what it says.

    ``problems`` collects what is wrong with it: what makes the payload invalid,
    and lifecycle violations. ``outcome`` is the payload's verdict (``valid``,
    ``drift`` or ``invalid``) and ``drift`` what it carries that the vendor does
    not document (failing only when strict). ``status`` is also an open-status
    vendor's undocumented status (``unified`` is then None). ``arrival`` says what
    the delivery was to its job (a new state, a redelivery, a late state...; see
    :mod:`pytest_jobhooks.catalog.judgement`), once judged by :func:`lifecycle_violations`.
    """

    index: int
    vendor: str | None
    job_id: str | None
    status: str | None
    unified: str | None
    time: datetime | None = None
    arrived: datetime | None = None
    payload: JsonObject | None = None
    problems: list[str] = field(default_factory=list)
    outcome: Outcome = "valid"
    drift: tuple[Finding, ...] = ()
    message_id: str | None = None
    arrival: Arrival | None = None

    @classmethod
    def of(
        cls, index: int, reading: Reading, arrived: datetime | None = None, message_id: str | None = None
    ) -> Observation:
        """The observation of the ``index``-th item, read as ``reading`` (``message_id``: its delivery's)."""
        state = reading.job_state
        verdict = reading.outcome
        return cls(
            index,
            reading.vendor,
            reading.job_id,
            reading.status or open_status(reading),
            reading.unified,
            state.time if state is not None else None,
            arrived,
            reading.payload,
            [str(problem) for problem in reading.breaking] if verdict == "invalid" else [],
            verdict,
            reading.drift,  # an invalid payload may drift too: shown beside what breaks it
            message_id,
        )


def observe(items: object, *, vendor: str | None = None) -> list[Observation]:
    """Turn a capture server, a list of deliveries or a list of payloads into :class:`Observation` objects.

    Items may be :class:`~pytest_jobhooks.wire.Request` objects, anything holding
    one as ``.request`` (captured ``Delivery`` objects, recorded deliveries, whose
    ``.vendor`` is a hint), the sender's reports (their ``.payload`` and ``.vendor``),
    or payload mappings, JSON text or bytes; each is read by :func:`pytest_jobhooks.catalog.read`
    (as ``vendor`` when given).
    """
    records = getattr(items, "deliveries", items)
    if isinstance(records, (Mapping, str, bytes)) or not isinstance(records, Iterable):
        raise ArgumentError(
            f"expected a capture server or a list of deliveries or payloads, got {type(records).__name__}"
        )
    if vendor is not None:
        get_vendor(vendor)  # an unknown name is a usage error, whatever the items
    return [Observation.of(i, *_reading(item, vendor)) for i, item in enumerate(records, start=1)]


def _reading(item: object, vendor: str | None) -> tuple[Reading, datetime | None, str | None]:
    if isinstance(item, Request):
        return read(item, vendor=vendor), item.time, message_id(item.headers)
    request = getattr(item, "request", None)
    if isinstance(request, Request):
        known = getattr(item, "reading", None)
        # A captured delivery already read itself (cached): reusing it keeps server and assertions in agreement.
        if isinstance(known, Reading) and (vendor is None or known.vendor == vendor):
            return known, request.time, message_id(request.headers)
        hint = vendor or getattr(item, "vendor", None)
        return read(request, vendor=hint if isinstance(hint, str) else None), request.time, message_id(request.headers)
    if hasattr(item, "payload") and hasattr(item, "attempts"):
        # What the sender returns (a DeliveryReport, e.g. from jobhooks_sender.sent): the payload it sent.
        hint = vendor or getattr(item, "vendor", None)
        msg_id = getattr(item, "msg_id", None)
        reading = read(getattr(item, "payload", None), vendor=hint if isinstance(hint, str) else None)
        return reading, None, msg_id if isinstance(msg_id, str) else None
    return read(item, vendor=vendor), None, None


def lifecycle_violations(
    items: object,
    *,
    vendor: str | None = None,
    complete: bool = True,
    allow_duplicates: bool = False,
    strict: bool = False,
) -> tuple[list[Observation], list[str]]:
    """Check every job in ``items`` against its vendor's lifecycle, without raising.

    Returns the observations (each with its own problems filled in) and the list
    of all problems as readable lines (with ``strict``, drift too). See
    :func:`assert_valid_lifecycle` for the rules.
    """
    check_bool("complete", complete)
    check_bool("allow_duplicates", allow_duplicates)
    observations, found = _payload_problems(items, vendor, strict)
    for (name, _job), events in _by_job(observations).items():
        judge = JobJudge(get_vendor(name), allow_duplicates=allow_duplicates)
        for obs in events:
            obs.arrival, problems = judge.judge(obs)
            for problem in problems:
                obs.problems.append(problem)
                found.append((obs.index, _problem_line(obs, problem)))
        last = judge.finish(complete=complete)
        if last is not None and judge.current is not None:
            obs = next(o for o in events if o is judge.current)
            obs.problems.append(last)
            found.append((obs.index, _problem_line(obs, last)))
    return observations, [line for _, line in sorted(found, key=lambda item: item[0])]


def schema_violations(
    items: object, *, vendor: str | None = None, strict: bool = False
) -> tuple[list[Observation], list[str]]:
    """Read every item in ``items`` without raising, and without looking at the order they came in.

    Returns the observations and, as readable lines, what is wrong with each
    unreadable or invalid payload, and with ``strict`` each drift (the first half of
    :func:`lifecycle_violations`).
    """
    observations, found = _payload_problems(items, vendor, strict)
    return observations, [line for _, line in found]


def _payload_problems(
    items: object, vendor: str | None, strict: bool
) -> tuple[list[Observation], list[tuple[int, str]]]:
    check_bool("strict", strict)
    observations = observe(items, vendor=vendor)
    found = [(obs.index, _problem_line(obs, problem)) for obs in observations for problem in obs.problems]
    if strict:
        found += [(obs.index, _problem_line(obs, str(finding))) for obs in observations for finding in obs.drift]
        found.sort(key=lambda item: item[0])
    return observations, found


def _problem_line(obs: Observation, problem: str) -> str:
    return f"#{obs.index} {obs.vendor or '?'} job {obs.job_id or '?'}: {problem}"


def _by_job(observations: Iterable[Observation]) -> dict[tuple[str, str], list[Observation]]:
    jobs: dict[tuple[str, str], list[Observation]] = {}
    for obs in observations:
        if obs.vendor and obs.job_id and obs.status:
            jobs.setdefault((obs.vendor, obs.job_id), []).append(obs)
    return jobs


def timeline(items: object, *, vendor: str | None = None) -> str:
    """A readable table of what arrived: arrival, vendor, job, native -> unified status, problems.

    ``items`` may be a capture server, a list of deliveries or payloads, or
    observations already checked by :func:`lifecycle_violations`.
    """
    if isinstance(items, list) and items and all(isinstance(i, Observation) for i in items):
        observations: list[Observation] = items
    else:
        observations = observe(items, vendor=vendor)
    if not observations:
        return "  (nothing arrived)"
    first = next((o.arrived for o in observations if o.arrived is not None), None)
    rows = [("#", "arrival", "vendor", "job", "status", "problems")]
    for obs in observations:
        arrival = f"+{(obs.arrived - first).total_seconds():.3f}s" if obs.arrived and first else "-"
        status = f"{obs.status} -> {obs.unified or '?'}" if obs.status else "(invalid)"
        notes = [*obs.problems, *(str(finding) for finding in obs.drift)]
        if obs.arrival in ("redelivery", "late"):
            notes.insert(0, f"({obs.arrival})")
        rows.append((str(obs.index), arrival, obs.vendor or "?", obs.job_id or "?", status, "; ".join(notes)))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = [
        "  " + "  ".join(cell.ljust(w) for cell, w in zip(row[:5], widths, strict=True)) + "  " + row[5] for row in rows
    ]
    return "\n".join(line.rstrip() for line in lines)


def assert_job_sequence(
    items: object,
    expected: Sequence[str],
    *,
    job_id: str | None = None,
    vendor: str | None = None,
    unified: bool = False,
) -> None:
    """Assert the statuses of one job, in arrival order, equal ``expected``.

    ``expected`` holds native statuses (``["PENDING", "RUNNING", "DONE"]``), or
    unified ones with ``unified=True`` (``["queued", "running", "succeeded"]``).
    Without ``job_id`` the items must concern exactly one job. Deliveries that
    could not be read are not statuses: they show in the timeline of a failure.
    """
    __tracebackhide__ = True
    check_bool("unified", unified)
    if isinstance(expected, (str, bytes)) or not isinstance(expected, Sequence):
        raise ArgumentError(f"expected must be a list of statuses, not {expected!r}")
    observations = observe(items, vendor=vendor)
    mine = [o for o in observations if o.status and (vendor is None or o.vendor == vendor)]
    jobs = sorted({o.job_id for o in mine if o.job_id})
    if job_id is None and len(jobs) > 1:
        raise AssertionError(
            f"the deliveries concern {len(jobs)} jobs ({', '.join(jobs)}); pass job_id=\n{timeline(observations)}"
        )
    target = job_id if job_id is not None else (jobs[0] if jobs else None)
    actual = [(o.unified if unified else o.status) for o in mine if o.job_id == target]
    if actual == list(expected):
        return
    kind = "unified statuses" if unified else "statuses"
    lines = [
        f"job {target!r}: {kind} differ",
        f"  expected: {list(expected)!r}",
        f"  actual:   {actual!r}",
    ]
    for i, (want, got) in enumerate(zip(expected, actual, strict=False)):
        if want != got:
            lines.append(f"  first difference at position {i}: expected {want!r}, got {got!r}")
            break
    else:
        shorter, longer = ("actual", "expected") if len(actual) < len(expected) else ("expected", "actual")
        lines.append(f"  {shorter} stops after {min(len(actual), len(expected))}; {longer} goes on")
    raise AssertionError("\n".join([*lines, "timeline:", timeline(observations)]))


def assert_valid_lifecycle(
    items: object,
    *,
    vendor: str | None = None,
    complete: bool = True,
    allow_duplicates: bool = False,
    strict: bool = False,
) -> None:
    """Assert every job in ``items`` follows its vendor's lifecycle.

    Per job id: no payload is invalid (drift fails only with ``strict``), every
    new state is a legal move from the job's current one and nothing new follows
    its terminal state, status times never go backwards, what a payload says
    of the job's past agrees with the events seen before (the vendor's
    ``history`` check, e.g. of a status history the payload carries), and (with ``complete``)
    the job reached a terminal state. With ``allow_duplicates`` deliveries are
    judged at least once, as contract mode does: a repeat of any earlier
    delivery of the job (same payload or message id) and a state the job was
    already in pass wherever they arrive; without it, each is a problem.
    An open-status vendor's undocumented status is drift, never a lifecycle
    failure (the rule: :mod:`pytest_jobhooks.catalog.judgement`).
    """
    __tracebackhide__ = True
    observations, problems = lifecycle_violations(
        items, vendor=vendor, complete=complete, allow_duplicates=allow_duplicates, strict=strict
    )
    if not observations:
        raise AssertionError("no deliveries to check")
    if problems:
        listing = "\n".join(f"  {p}" for p in problems)
        raise AssertionError(f"{len(problems)} lifecycle violation(s):\n{listing}\ntimeline:\n{timeline(observations)}")
