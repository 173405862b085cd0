"""The one sending engine behind ``deliver``, ``deliver_all`` and ``replay``: prepare, schedule, attempt, report.

:func:`run` opens the target, asks a *planner* for every send (so a bad
payload or line is refused before anything goes out), checks the schedules,
then makes the sends one after another, each with its retries
(:func:`attempts`: attempt after attempt, signed afresh, until a 2xx or the
end of the schedule), and reports each as a
:class:`~pytest_jobhooks.sender.reports.DeliveryReport`. Payloads are planned
by :func:`send_payloads`; ``replay`` plans recorded lines with the same pieces.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypedDict

from .._checks import check_bool, check_number, check_seed
from .._seeds import derive_seed, fresh_seed
from ..errors import DeliveryError
from ..signing import Timestamp, new_message_id, new_secret, secret_key
from ..vendors.base import AnyVendor, DeliveryStyle
from ..wire import Headers, Request
from ._chaos import check_chaos, plan
from ._clock import Clock, Delay, check_real_time, to_datetime
from ._prepare import Payload, Prepared, prepare
from ._transports import AppKind, Exchange, Target, join_url, open_target
from .reports import Attempt, BatchReport, DeliveryReport
from .retry import RetrySchedule, schedule_for


class SendOptions(TypedDict, total=False):
    """The keyword arguments ``deliver`` and ``deliver_all`` share (see :func:`~pytest_jobhooks.sender.deliver`)."""

    vendor: str | AnyVendor | None
    secret: str | bytes | bool | None
    timestamp: Timestamp | None
    retry: RetrySchedule | Iterable[Delay] | bool | None
    timeout: float
    real_time: bool
    start: datetime | None
    style: str | DeliveryStyle | None
    path: str | None
    headers: Mapping[str, str] | None
    app_kind: AppKind | None


class DeliverOptions(SendOptions, total=False):
    """The keyword arguments of :func:`~pytest_jobhooks.sender.deliver` (``deliver_all`` draws message ids itself)."""

    msg_id: str | None


@dataclass(frozen=True)
class Planned:
    """One send, ready to go: its request, schedule and signing, and what the report says it came from.

    ``secret`` None sends it unsigned (or, for a recorded request, with the
    headers it was recorded with); ``wait`` is how long the clock moves before
    it (a replay's recorded gap); ``vendor`` the vendor reported when the
    request has none (a recorded line's, of a vendor not registered now).
    """

    request: Prepared
    schedule: RetrySchedule
    payload: Payload
    secret: str | bytes | None = None
    msg_id: str | None = None
    index: int = 0
    copy: int = 0
    wait: timedelta = timedelta(0)
    line: int | None = None
    record: object = None
    vendor: str | None = None


Planner = Callable[[Target, str | None], Sequence[Planned]]
"""Given the open target and the secret it brings (a capture server's), every send in order."""


def run(
    to: object, *, app_kind: AppKind | None, clock: Clock, timeout: float, planner: Planner
) -> tuple[str, list[DeliveryReport]]:
    """Open ``to``, plan every send, then make them in order; the target's description and one report per send."""
    target, target_secret = open_target(to, app_kind=app_kind)
    with target:
        planned = planner(target, target_secret)
        for schedule in {id(item.schedule): item.schedule for item in planned}.values():
            check_real_time(schedule.delays, clock.real_time)
        reports: list[DeliveryReport] = []
        for item in planned:
            clock.wait(item.wait)
            offset = clock.elapsed
            made = attempts(target, item.request, item.schedule, clock, item.secret, item.msg_id, timeout)
            vendor = item.request.vendor
            reports.append(
                DeliveryReport(
                    vendor.name if vendor is not None else item.vendor,
                    item.payload,
                    item.request.style,
                    target.description,
                    item.schedule,
                    made,
                    msg_id=item.msg_id,
                    index=item.index,
                    copy=item.copy,
                    secret=item.secret,
                    offset=offset,
                    line=item.line,
                    record=item.record,
                )
            )
        return target.description, reports


def attempts(
    target: Target,
    item: Prepared,
    schedule: RetrySchedule,
    clock: Clock,
    secret: str | bytes | None,
    msg_id: str | None,
    timeout: float,
) -> tuple[Attempt, ...]:
    """One delivery, attempt after attempt (each signed afresh), until a 2xx or the schedule ends."""
    made: list[Attempt] = []
    first = clock.elapsed
    for number, delay in enumerate((timedelta(0), *schedule.delays), start=1):
        clock.wait(delay)
        headers = item.headers_for(secret, msg_id, clock.signing_time())
        exchange = target.send(item.method, item.url, headers, item.body, timeout=timeout)
        made.append(to_attempt(number, exchange, clock.elapsed - first, clock.now))
        if made[-1].ok:
            break
    return tuple(made)


def to_attempt(number: int, exchange: Exchange, offset: timedelta, scheduled_at: datetime) -> Attempt:
    """The public record of one exchange."""
    return Attempt(
        number=number,
        request=Request.from_url(exchange.method, exchange.url, exchange.headers, exchange.body, exchange.sent_at),
        offset=offset,
        scheduled_at=scheduled_at,
        status=exchange.status,
        response_headers=Headers(exchange.response_headers),
        response_body=exchange.response_body,
        error=exchange.error,
        elapsed=exchange.elapsed,
        exception=exchange.exception,
    )


def check_sending(timeout: object, real_time: object) -> float:
    """``timeout`` in seconds, once ``timeout=`` and ``real_time=`` are checked."""
    check_bool("real_time=", real_time)
    return check_number("timeout=", timeout)


def send_batch(
    payloads: Iterable[Payload],
    to: object,
    *,
    duplicates: float,
    reorder: bool | int,
    seed: int | None,
    options: SendOptions,
) -> BatchReport:
    """Plan the sends of ``payloads`` under ``seed`` (drawn when None), make them, report them."""
    if isinstance(payloads, (Mapping, str, bytes)) or not isinstance(payloads, Iterable):
        raise DeliveryError(f"deliver_all() takes a list of payloads, not {type(payloads).__name__}")
    seed = fresh_seed() if seed is None else check_seed(seed)
    items = list(payloads)
    check_chaos(duplicates, reorder)
    # One stream per purpose: changing the chaos settings leaves message ids and secret as they were.
    sends = plan(len(items), duplicates=duplicates, reorder=reorder, rng=random.Random(derive_seed(seed, "plan")))
    ids = random.Random(derive_seed(seed, "msg-id"))
    msg_ids = [new_message_id(ids) for _ in items]
    rng = random.Random(derive_seed(seed, "secret"))
    target, reports = send_payloads(items, sends, to, msg_ids=msg_ids, rng=rng, **options)
    return BatchReport(seed, len(items), float(duplicates), reorder, tuple(reports), target)


def send_payloads(
    payloads: Sequence[Payload],
    sends: Sequence[tuple[int, int]],
    to: object,
    *,
    msg_ids: Sequence[str] | None,
    rng: random.Random | None,
    vendor: str | AnyVendor | None = None,
    secret: str | bytes | bool | None = None,
    timestamp: Timestamp | None = None,
    retry: RetrySchedule | Iterable[Delay] | bool | None = None,
    timeout: float = 10.0,
    real_time: bool = False,
    start: datetime | None = None,
    style: str | DeliveryStyle | None = None,
    path: str | None = None,
    headers: Mapping[str, str] | None = None,
    app_kind: AppKind | None = None,
) -> tuple[str, list[DeliveryReport]]:
    """Make each of ``sends`` ((payload index, copy number), in order) to ``to``; one report per send."""
    seconds = check_sending(timeout, real_time)
    anchor = to_datetime(timestamp, "timestamp")
    clock = Clock(start=to_datetime(start, "start"), anchor=anchor, real_time=real_time)

    def planner(target: Target, target_secret: str | None) -> list[Planned]:
        url = join_url(target.base_url, path)
        prepared = [prepare(payload, vendor=vendor, style=style, url=url, headers=headers) for payload in payloads]
        schedules = [schedule_for(retry, item.vendor) for item in prepared]
        key = signing_secret(secret, target_secret, rng) if any(item.signs for item in prepared) else None
        planned: list[Planned] = []
        for index, copy in sends:
            item = prepared[index]
            signed = key if item.signs else None
            msg_id = None
            if signed is not None:
                msg_id = msg_ids[index] if msg_ids is not None else new_message_id(rng)
            planned.append(Planned(item, schedules[index], payloads[index], signed, msg_id, index, copy))
        return planned

    return run(to, app_kind=app_kind, clock=clock, timeout=seconds, planner=planner)


def signing_secret(secret: object, target_secret: str | None, rng: random.Random | None) -> str | bytes | None:
    """The secret to sign with: the one given, else the capture server's, else a fresh one; None for False."""
    if secret is False:
        return None
    if secret is None or secret is True:
        return target_secret if target_secret is not None else new_secret(rng)
    if not isinstance(secret, (str, bytes)):
        raise DeliveryError(f"secret= must be a 'whsec_...' str, key bytes, False or None, not {secret!r}")
    secret_key(secret, "secret=")
    return secret
