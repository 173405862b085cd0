"""Replay a recording: deliver again what ``--jobhooks-record`` recorded, to a URL, a capture server or an app.

VCR for webhooks: :func:`replay` reads a recording (see
:class:`~pytest_jobhooks.RecordedDelivery`) and sends each line through the
sender's engine (the one ``deliver`` and ``deliver_all`` use), one after
another in the recorded order; this module only turns recorded lines into
the requests it sends, and the report is the sender's
:class:`~pytest_jobhooks.sender.BatchReport` (each delivery names its ``line``):

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

import os
import random
import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Literal, get_args
from urllib.parse import quote, urlencode

from .._checks import check_choice, check_number, check_seed
from .._json import parse_rfc3339
from .._seeds import fresh_seed
from ..errors import DeliveryError, RecordingError
from ..sender import RetrySchedule
from ..sender._clock import REAL_TIME_LIMIT, Clock, Delay, format_offset
from ..sender._engine import Planned, Planner, check_sending, run, signing_secret
from ..sender._prepare import Prepared, extra_headers, prepare
from ..sender._transports import AppKind, Target, join_url
from ..sender.retry import schedule_for
from ..signing import HeaderPrefix, new_message_id
from ..vendors import get_vendor
from ..vendors.base import AnyVendor, JsonObject
from ._reader import Source, source_label
from ._writer import REDACTED
from .format import RECORD_KEY, RecordedDelivery, read_lines
from .replay_reports import ReplayReport, UnsentLine

__all__ = ["HOP_BY_HOP_HEADERS", "replay"]

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
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 token: what a header name may be
_SIGNING_HEADERS = frozenset(
    f"{prefix}-{part}" for prefix in get_args(HeaderPrefix) for part in ("id", "timestamp", "signature")
)


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
    recording is read first. A line that cannot be sent (not a record, a bare
    payload no vendor sends, a header no HTTP client can send) is left out and
    listed in the report's ``unsent``; the others are sent.
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
    ``seed`` (drawn when None; the report carries it) makes fresh message ids
    and secrets reproducible.

    The :class:`~pytest_jobhooks.recordings.replay_reports.ReplayReport` (a
    :class:`~pytest_jobhooks.sender.BatchReport`) names the recording
    (``source``), how many lines ``side=`` left out (``skipped``) and the lines
    it could not send (``unsent``; ``ok`` is then False); each
    :class:`~pytest_jobhooks.sender.DeliveryReport` its ``line`` and ``record``,
    its ``vendor`` (None when no vendor sends it) and its ``offset``.
    """
    check_choice("side=", side, (None, "captured", "sent"))
    if speed is not None:
        check_number("speed=", speed, unit="times the recorded pace")
    seconds = check_sending(timeout, real_time)
    seed = fresh_seed() if seed is None else check_seed(seed)
    label, records, unsent = _read(source)
    chosen = [(line, record) for line, record in records if _on_side(record, side)]
    gaps = _gaps([record for _, record in chosen], speed)
    waited = sum(gaps, timedelta(0))
    if real_time and waited > REAL_TIME_LIMIT:
        raise DeliveryError(
            f"real_time=True would wait {format_offset(waited)} between the recorded deliveries at speed={speed} "
            f"(limit {format_offset(REAL_TIME_LIMIT)}): pass a higher speed=, or keep virtual time"
        )
    rng = random.Random(seed)
    planner = _planner(chosen, gaps, unsent, secret=secret, vendor=vendor, retry=retry, headers=headers, rng=rng)
    clock = Clock(start=None, anchor=None, real_time=real_time)
    target, reports = run(to, app_kind=app_kind, clock=clock, timeout=seconds, planner=planner)
    skipped = len(records) - len(chosen)
    unsent.sort(key=lambda item: item.line)
    return ReplayReport(
        seed, len(chosen), 0.0, False, tuple(reports), target, source=label, skipped=skipped, unsent=tuple(unsent)
    )


def _planner(
    chosen: list[tuple[int, Record]],
    gaps: list[timedelta],
    unsent: list[UnsentLine],
    *,
    secret: str | bytes | bool | None,
    vendor: str | AnyVendor | None,
    retry: object,
    headers: Mapping[str, str] | None,
    rng: random.Random,
) -> Planner:
    """What turns the chosen lines into sends once the target is open: the replay-specific part."""

    def planner(target: Target, target_secret: str | None) -> list[Planned]:
        # Recorded signatures are replaced only with a secret the receiver can know; else they go as recorded.
        record_key = target_secret if secret is None or secret is True else signing_secret(secret, None, rng)
        sendable: list[tuple[tuple[int, Record], Prepared, timedelta]] = []
        for (line, record), gap in zip(chosen, gaps, strict=True):
            try:
                sendable.append(((line, record), _request(record, target, vendor, headers, record_key), gap))
            except DeliveryError as exc:  # this line only: the rest of the recording is still sent
                unsent.append(UnsentLine(line, str(exc)))
        items = [item for _, item, _ in sendable]
        schedules = [schedule_for(retry, item.vendor) for item in items]
        payload_key = None
        if any(item.signs for (_, record), item, _ in sendable if not _is_recorded(record)):
            payload_key = signing_secret(secret, target_secret, rng)
        planned: list[Planned] = []
        for index, (((line, record), item, gap), schedule) in enumerate(zip(sendable, schedules, strict=True)):
            key = (record_key if _is_recorded(record) else payload_key) if item.signs else None
            msg_id = None
            if key is not None:
                msg_id = _recorded_id(record, item.prefix) or new_message_id(rng)
            if isinstance(record, RecordedDelivery):
                sent = Planned(
                    item, schedule, record.body_bytes(), key, msg_id, index, 0, gap, line, record, record.vendor
                )
            else:
                sent = Planned(item, schedule, record, key, msg_id, index, 0, gap, line, record)
            planned.append(sent)
        return planned

    return planner


def _read(
    source: Source | Iterable[Record] | Iterable[tuple[int, Record]],
) -> tuple[str, list[tuple[int, Record]], list[UnsentLine]]:
    """The recording's label, its records with their line numbers, and the lines that are not records."""
    records: list[tuple[int, Record]] = []
    unsent: list[UnsentLine] = []
    if isinstance(source, (str, os.PathLike)) or hasattr(source, "read"):
        path: Source = source  # type: ignore[assignment]
        label = source_label(path)
        for number, record in read_lines(path, name=label):
            if isinstance(record, RecordingError):
                unsent.append(UnsentLine(number, str(record)))
            else:
                records.append((number, record))
        return label, records, unsent
    if isinstance(source, (bytes, Mapping)) or not isinstance(source, Iterable):
        raise DeliveryError(
            f"replay() reads a recording's path, a binary stream or a list of records, not {type(source).__name__}"
        )
    for number, item in enumerate(source, start=1):
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], int):  # from read_records()
            number, item = item
        if isinstance(item, RecordedDelivery):
            records.append((number, item))
        elif isinstance(item, Mapping):
            data = dict(item)
            if RECORD_KEY not in data:
                records.append((number, data))
                continue
            try:
                records.append((number, RecordedDelivery.from_json(data)))
            except RecordingError as exc:
                unsent.append(UnsentLine(number, str(exc)))
        else:
            raise DeliveryError(f"record #{number}: expected a RecordedDelivery or a payload dict, not {item!r}")
    return "<records>", records, unsent


def _is_recorded(record: Record) -> bool:
    return isinstance(record, RecordedDelivery)


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


def _request(
    record: Record,
    target: Target,
    vendor: str | AnyVendor | None,
    headers: Mapping[str, str] | None,
    key: str | bytes | None,
) -> Prepared:
    """The request a record becomes: a bare payload as its vendor sends it, a recorded one as it was recorded.

    A recorded request's vendor is None when no registered vendor sends it; its
    recorded signature headers are dropped when it is to be signed afresh (a ``key`` is known).
    """
    if not isinstance(record, RecordedDelivery):
        return prepare(record, vendor=vendor, style=None, url=target.base_url, headers=headers)
    url = join_url(target.base_url, quote(record.path, safe=_PATH_SAFE))
    if record.query:
        url += "?" + urlencode(list(record.query.items()), doseq=True)
    recorded = [
        _sendable(name, value)
        for name, value in record.wire_headers().items()
        if name.lower() not in HOP_BY_HOP_HEADERS and record.headers[name] != REDACTED
    ]
    prefix = _signature_prefix(record.headers) if key is not None else None
    if prefix is not None:
        recorded = [(name, value) for name, value in recorded if name.lower() not in _SIGNING_HEADERS]
    return Prepared(
        vendor=_known_vendor(record.vendor),
        style=None,
        method=record.method,
        url=url,
        body=record.body_bytes(),
        headers=tuple(recorded),
        extra_headers=extra_headers(headers),
        signs=prefix is not None,
        prefix=prefix or "svix",
    )


def _sendable(name: str, value: str) -> tuple[str, str]:
    """A recorded header (its wire text: bytes as latin-1) as sent; DeliveryError when HTTP cannot carry it."""
    if not _TOKEN.fullmatch(name):
        raise DeliveryError(f"the recorded header name {name!r} is not an HTTP header name (a token of ASCII letters)")
    if any(char in value for char in "\r\n\0"):
        raise DeliveryError(f"the recorded header {name!r} holds a line break or NUL: {value!r}")
    return name, value


def _recorded_id(record: Record, prefix: HeaderPrefix) -> str | None:
    """The message id a recorded delivery was signed with: the same message, redelivered."""
    if not isinstance(record, RecordedDelivery):
        return None
    found = (value for name, value in record.headers.items() if name.lower() == f"{prefix}-id" and value != REDACTED)
    return next((value.strip() for value in found), None) or None


def _known_vendor(name: str | None) -> AnyVendor | None:
    if name is None:
        return None
    try:
        return get_vendor(name)
    except LookupError:  # recorded with a vendor registered then, not now
        return None


def _signature_prefix(headers: Mapping[str, str]) -> HeaderPrefix | None:
    names = {name.lower() for name in headers}
    if "svix-signature" in names:
        return "svix"
    if "webhook-signature" in names:
        return "webhook"
    return None
