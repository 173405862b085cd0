"""Replay a recording: deliver again what ``--jobhooks-record`` recorded, to a URL, a capture server or an app.

VCR for webhooks: :func:`replay` reads a recording (see
:class:`~pytest_jobhooks.RecordedDelivery`) and sends each line through the
sender's core (:mod:`pytest_jobhooks._engine`), one after another in the
recorded order:

- a **recorded delivery** goes out as recorded: method, path (appended to the
  target's URL), query, the exact body bytes and the headers, except
  hop-by-hop ones (``Host``, ``Content-Length``...) and values the recorder
  redacted. A Svix-signed one is signed afresh, with the same message id,
  when a secret is known (``secret=``, or the capture server's): the
  recorded signature has expired, and its secret was never recorded;
- a **bare payload** is delivered as its vendor delivers it, like
  :func:`~pytest_jobhooks.deliver` would.

Nothing is retried unless ``retry=`` says so: a recording of captured
deliveries already holds every retry the receiver saw.
"""

from __future__ import annotations

import math
import os
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, get_args
from urllib.parse import quote, urlencode

from ..errors import DeliveryError
from ..sender import NO_RETRIES, Attempt, RetrySchedule
from ..sender._clock import REAL_TIME_LIMIT, Clock, Delay, check_real_time, format_offset
from ..sender._engine import attempts, schedule_for, signing_secret
from ..sender._prepare import Prepared, _extra_headers, prepare
from ..sender._transport import AppKind, Pairs, Target, join_url, open_target
from ..signing import HeaderPrefix, new_message_id, sign
from ..vendors import get_vendor
from ..vendors._fields import parse_rfc3339
from ..vendors.base import AnyVendor, DeliveryStyle, JsonObject
from . import RECORD_KEY, RecordedDelivery, read_records
from ._reader import Source, source_label
from ._writer import REDACTED

__all__ = ["HOP_BY_HOP_HEADERS", "ReplayReport", "ReplayedDelivery", "replay"]

HOP_BY_HOP_HEADERS = frozenset(
    {
        "connection",
        "content-length",
        "expect",
        "host",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
"""Recorded headers that describe the recorded connection, not the delivery: never replayed (lower case)."""

Side = Literal["captured", "sent"]
Record = RecordedDelivery | JsonObject

_PATH_SAFE = "/!$&'()*+,;=:@"
_SIGNING_HEADERS = frozenset(
    f"{prefix}-{part}" for prefix in get_args(HeaderPrefix) for part in ("id", "timestamp", "signature")
)
_UNSTYLED = DeliveryStyle()  # what a request of no known vendor carries (the engine does not read it)


@dataclass(frozen=True, repr=False)
class ReplayedDelivery:
    """One line of the recording, delivered again: where it was, what it was, and every attempt.

    ``vendor`` is the recorded (or detected, or given) vendor, None when no
    vendor sends it; ``msg_id`` the Svix message id it was signed with (None
    when it went out unsigned or with its recorded signature); ``offset`` when
    it was due, counted from the first line (recorded gaps divided by ``speed``).
    """

    line: int
    record: Record
    vendor: str | None
    schedule: RetrySchedule
    attempts: tuple[Attempt, ...]
    offset: timedelta = timedelta(0)
    msg_id: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the last attempt was answered 2xx."""
        return bool(self.attempts) and self.attempts[-1].ok

    @property
    def status(self) -> int | None:
        """The last attempt's answer (None when it got none)."""
        return self.attempts[-1].status if self.attempts else None

    def describe(self) -> str:
        """Several lines: the recording's line, the vendor and the outcome, then one line per attempt."""
        outcome = "delivered" if self.ok else "not delivered"
        head = (
            f"line {self.line} ({self.vendor or 'no vendor'}) +{format_offset(self.offset)}: {outcome} after "
            f"{len(self.attempts)} of {self.schedule.max_attempts} attempt(s)"
        )
        return "\n".join([head, *(f"  {attempt.describe()}" for attempt in self.attempts)])

    def __repr__(self) -> str:
        return f"<ReplayedDelivery line {self.line} ({self.vendor or 'no vendor'}) -> {self.status}>"


@dataclass(frozen=True, repr=False)
class ReplayReport:
    """What :func:`replay` sent: each line delivered again, in the recorded order, and the lines left out.

    ``skipped`` counts the lines ``side=`` left out.
    """

    source: str
    target: str
    deliveries: tuple[ReplayedDelivery, ...]
    skipped: int = 0

    @property
    def ok(self) -> bool:
        """Whether every line was answered 2xx in the end."""
        return all(delivery.ok for delivery in self.deliveries)

    @property
    def attempts(self) -> list[Attempt]:
        """Every attempt, in the order they went out."""
        return [attempt for delivery in self.deliveries for attempt in delivery.attempts]

    def describe(self) -> str:
        """Several lines: what was replayed where, then each line with its attempts."""
        skipped = f", {self.skipped} left out" if self.skipped else ""
        head = f"replay of {self.source} -> {self.target}: {len(self.deliveries)} delivery(ies){skipped}"
        return "\n".join([head, *(delivery.describe() for delivery in self.deliveries)])

    def __repr__(self) -> str:
        failed = sum(not delivery.ok for delivery in self.deliveries)
        return f"<ReplayReport {self.source} -> {self.target}: {len(self.deliveries)} sent, {failed} failed>"


def replay(
    source: Source | Iterable[Record] | Iterable[tuple[int, Record]],
    to: object,
    *,
    side: Side | None = None,
    secret: str | bytes | bool | None = None,
    vendor: str | AnyVendor | None = None,
    retry: RetrySchedule | Iterable[Delay] | bool | None = False,
    speed: float | None = None,
    real_time: bool = False,
    timeout: float = 10.0,
    headers: Mapping[str, str] | None = None,
    app_kind: AppKind | None = None,
    seed: int | None = None,
) -> ReplayReport:
    """Deliver every line of a recording to ``to`` again, in order; returns a report of every attempt.

    ``source``: a recording's path, ``"-"`` (stdin), a binary stream, or the
    records themselves: :class:`~pytest_jobhooks.RecordedDelivery` objects or
    payload dicts, or the ``(line, record)`` pairs of
    :func:`~pytest_jobhooks.read_records` (to replay some lines only). The whole
    recording is read first: a bad line raises
    :class:`~pytest_jobhooks.RecordingError` before anything is sent.
    ``to``: a URL (recorded paths are appended to it), a
    :class:`~pytest_jobhooks.CaptureServer`, or a WSGI / ASGI app (as for
    :func:`~pytest_jobhooks.deliver`; ``app_kind`` too).

    ``side="captured"`` or ``"sent"`` replays only the deliveries recorded on
    that side (a test that sent to its own capture server recorded both); bare
    payloads and deliveries recorded without a side are then left out too.
    ``secret``: what Svix-signed lines are signed with; by default the capture
    server's, else a recorded delivery keeps its recorded signature headers and
    a bare payload gets a fresh secret; False sends them unsigned or as recorded.
    ``vendor``: the vendor of bare payloads (default: detected per line).
    ``retry``: False (default) sends each line once; None or True retries on
    each vendor's schedule, or give a :class:`~pytest_jobhooks.RetrySchedule` /
    list of delays. ``speed``: None sends one line after another; a number keeps
    the recorded gaps between deliveries, divided by it (``1.0``: as recorded).
    Waits are virtual (reported, not slept) unless ``real_time=True``.
    ``headers`` are added to every request, replacing any of the same name.
    ``seed`` makes fresh message ids and secrets reproducible.
    """
    if side not in (None, "captured", "sent"):
        raise DeliveryError(f"side= must be 'captured', 'sent' or None, not {side!r}")
    if speed is not None and (
        isinstance(speed, bool) or not isinstance(speed, (int, float)) or not math.isfinite(speed) or speed <= 0
    ):
        raise DeliveryError(f"speed= must be a number > 0 (1.0: the recorded pace) or None, not {speed!r}")
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not math.isfinite(timeout) or timeout <= 0:
        raise DeliveryError(f"timeout= must be a number of seconds > 0, not {timeout!r}")
    if not isinstance(real_time, bool):
        raise DeliveryError(f"real_time= must be True or False, not {real_time!r}")
    label, records = _read(source)
    chosen = [(line, record) for line, record in records if _on_side(record, side)]
    gaps = _gaps([record for _, record in chosen], speed)
    waited = sum(gaps, timedelta(0))
    if real_time and waited > REAL_TIME_LIMIT:
        raise DeliveryError(
            f"real_time=True would wait {format_offset(waited)} between the recorded deliveries at speed={speed} "
            f"(limit {format_offset(REAL_TIME_LIMIT)}): pass a higher speed=, or keep virtual time"
        )
    rng = random.Random(seed) if seed is not None else None
    clock = Clock(start=None, anchor=None, real_time=real_time)
    target, target_secret = open_target(to, app_kind=app_kind)
    with target:
        # Recorded signatures are replaced only with a secret the receiver can know; else they go as recorded.
        record_key = target_secret if secret is None or secret is True else signing_secret(secret, None, rng)
        planned = [_plan(record, target, vendor, headers, record_key) for _, record in chosen]
        schedules = [_schedule(retry, spec) for _, spec in planned]
        for schedule in schedules:
            check_real_time(schedule.delays, real_time)
        payload_key = None
        if any(item.signs for item, _ in planned if not isinstance(item, _Recorded)):
            payload_key = signing_secret(secret, target_secret, rng)
        replayed: list[ReplayedDelivery] = []
        for (line, record), (item, spec), schedule, gap in zip(chosen, planned, schedules, gaps, strict=True):
            clock.wait(gap)
            offset = clock.elapsed
            key = (record_key if isinstance(item, _Recorded) else payload_key) if item.signs else None
            msg_id = None
            if key is not None:
                msg_id = item.msg_id if isinstance(item, _Recorded) and item.msg_id else new_message_id(rng)
            made = attempts(target, item, schedule, clock, key, msg_id, float(timeout))
            name = spec.name if spec is not None else _recorded_vendor(record)
            replayed.append(ReplayedDelivery(line, record, name, schedule, made, offset, msg_id))
    skipped = len(records) - len(chosen)
    return ReplayReport(label, target.description, tuple(replayed), skipped)


@dataclass(frozen=True)
class _Recorded(Prepared):
    """A recorded request to send again as it was, signed afresh with the recorded prefix and message id."""

    # A recording may hold deliveries no vendor sends; the engine never reads the vendor of a request.
    vendor: AnyVendor | None  # type: ignore[assignment]
    prefix: HeaderPrefix = "svix"
    msg_id: str | None = None
    resign: bool = False

    @property
    def signs(self) -> bool:
        """Whether each attempt is signed afresh (the recorded delivery was signed)."""
        return self.resign

    def headers_for(self, secret: str | bytes | None, msg_id: str | None, timestamp: datetime | None) -> Pairs:
        """The recorded headers, ``headers=`` over them, then a fresh signature (unless ``headers=`` gives one)."""
        pairs = super().headers_for(None, msg_id, timestamp)
        if not self.resign or secret is None:
            return pairs
        given = {name.lower() for name, _ in self.extra_headers}
        signature = sign(secret, self.body, msg_id=msg_id, timestamp=timestamp, prefix=self.prefix)
        return (*pairs, *((name, value) for name, value in signature.items() if name not in given))


def _read(source: Source | Iterable[Record] | Iterable[tuple[int, Record]]) -> tuple[str, list[tuple[int, Record]]]:
    if isinstance(source, (str, os.PathLike)) or hasattr(source, "read"):
        path: Source = source  # type: ignore[assignment]
        label = source_label(path)
        return label, list(read_records(path, name=label))
    if isinstance(source, (bytes, Mapping)) or not isinstance(source, Iterable):
        raise DeliveryError(
            f"replay() reads a recording's path, a binary stream or a list of records, not {type(source).__name__}"
        )
    records: list[tuple[int, Record]] = []
    for number, item in enumerate(source, start=1):
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], int):  # from read_records()
            number, item = item
        if isinstance(item, RecordedDelivery):
            records.append((number, item))
        elif isinstance(item, Mapping):
            data = dict(item)
            records.append((number, RecordedDelivery.from_json(data) if RECORD_KEY in data else data))
        else:
            raise DeliveryError(f"record #{number}: expected a RecordedDelivery or a payload dict, not {item!r}")
    return "<records>", records


def _on_side(record: Record, side: Side | None) -> bool:
    return side is None or (isinstance(record, RecordedDelivery) and record.side == side)


def _gaps(records: list[Record], speed: float | None) -> list[timedelta]:
    """The wait before each record: none without ``speed``, else the recorded gap divided by ``speed``."""
    gaps = [timedelta(0)] * len(records)
    if speed is None:
        return gaps
    previous: datetime | None = None
    for position, record in enumerate(records):
        if not isinstance(record, RecordedDelivery):
            continue
        moment = parse_rfc3339(record.received_at)
        if previous is not None and moment > previous:
            gaps[position] = (moment - previous) / speed
        previous = moment
    return gaps


def _plan(
    record: Record,
    target: Target,
    vendor: str | AnyVendor | None,
    headers: Mapping[str, str] | None,
    key: str | bytes | None,
) -> tuple[Prepared, AnyVendor | None]:
    """The request a record becomes, and its vendor (None when no registered vendor sends it)."""
    if not isinstance(record, RecordedDelivery):
        item = prepare(record, vendor=vendor, style=None, url=target.base_url, headers=headers)
        return item, item.vendor
    spec = _known_vendor(record.vendor)
    url = join_url(target.base_url, quote(record.path, safe=_PATH_SAFE))
    if record.query:
        url += "?" + urlencode(list(record.query.items()), doseq=True)
    recorded = [
        (name, value)
        for name, value in record.headers.items()
        if name.lower() not in HOP_BY_HOP_HEADERS and value != REDACTED
    ]
    prefix = _signature_prefix(record.headers) if key is not None else None
    msg_id = None
    if prefix is not None:
        msg_id = next((value.strip() for name, value in recorded if name.lower() == f"{prefix}-id"), None) or None
        recorded = [(name, value) for name, value in recorded if name.lower() not in _SIGNING_HEADERS]
    item = _Recorded(
        vendor=spec,
        style=spec.delivery if spec is not None else _UNSTYLED,
        method=record.method,
        url=url,
        body=record.body_bytes(),
        headers=tuple(recorded),
        extra_headers=_extra_headers(headers),
        prefix=prefix or "svix",
        msg_id=msg_id,
        resign=prefix is not None,
    )
    return item, spec


def _known_vendor(name: str | None) -> AnyVendor | None:
    if name is None:
        return None
    try:
        return get_vendor(name)
    except LookupError:  # recorded with a vendor registered then, not now
        return None


def _recorded_vendor(record: Record) -> str | None:
    return record.vendor if isinstance(record, RecordedDelivery) else None


def _signature_prefix(headers: Mapping[str, str]) -> HeaderPrefix | None:
    names = {name.lower() for name in headers}
    if "svix-signature" in names:
        return "svix"
    if "webhook-signature" in names:
        return "webhook"
    return None


def _schedule(retry: object, spec: AnyVendor | None) -> RetrySchedule:
    # A line no vendor sends has no documented schedule: "the vendor's schedule" is then a single attempt.
    if spec is None and (retry is None or retry is True):
        return NO_RETRIES
    return schedule_for(retry, spec)  # type: ignore[arg-type]  # reads the vendor only for retry=None / True
