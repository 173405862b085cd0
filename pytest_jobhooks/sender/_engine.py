"""The sending engine behind :func:`~pytest_jobhooks.sender.deliver` and ``deliver_all``.

:func:`send` prepares every payload first (so a bad one is refused before
anything goes out), then makes each planned send with its retries through
:func:`attempts`, the core that a later ``replay`` shares: one prepared request,
one target, attempt after attempt until a 2xx or the end of the schedule.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Literal, TypedDict

from .._seeds import derive_seed, fresh_seed
from ..errors import SignatureError
from ..signing import Timestamp, new_message_id, new_secret
from ..vendors.base import AnyVendor, DeliveryStyle
from ..wire import Headers
from . import (
    NO_RETRIES,
    Attempt,
    BatchReport,
    DeliveryError,
    DeliveryReport,
    RetrySchedule,
    SentRequest,
    default_retry_schedule,
)
from ._chaos import check_chaos, plan
from ._clock import Clock, Delay, check_real_time, to_datetime
from ._prepare import Payload, Prepared, prepare
from ._transport import AppKind, Exchange, Target, join_url, open_target


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
    gofetch_style: Literal["get", "post"] | None
    path: str | None
    headers: Mapping[str, str] | None
    app_kind: AppKind | None


class DeliverOptions(SendOptions, total=False):
    """The keyword arguments of :func:`~pytest_jobhooks.sender.deliver` (``deliver_all`` draws message ids itself)."""

    msg_id: str | None


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
    items = list(payloads)
    check_chaos(duplicates, reorder)
    if seed is None:
        seed = fresh_seed()
    elif isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise DeliveryError(f"seed= must be an int >= 0 or None, not {seed!r}")
    # One stream per purpose: changing the chaos settings leaves message ids and secret as they were.
    sends = plan(len(items), duplicates=duplicates, reorder=reorder, rng=random.Random(derive_seed(seed, "plan")))
    ids = random.Random(derive_seed(seed, "msg-id"))
    msg_ids = [new_message_id(ids) for _ in items]
    rng = random.Random(derive_seed(seed, "secret"))
    reports = send(items, sends, to, msg_ids=msg_ids, rng=rng, **options)
    return BatchReport(seed, len(items), float(duplicates), reorder, tuple(reports))


def send(
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
    gofetch_style: Literal["get", "post"] | None = None,
    path: str | None = None,
    headers: Mapping[str, str] | None = None,
    app_kind: AppKind | None = None,
) -> list[DeliveryReport]:
    """Make each of ``sends`` ((payload index, copy number), in order) to ``to``; one report per send."""
    if gofetch_style is not None:
        # The name for GoFetch's choice between its documented GET and its later POST form.
        if gofetch_style not in ("get", "post"):
            raise DeliveryError(f"gofetch_style= must be 'get' or 'post', not {gofetch_style!r}")
        if style is not None and style != gofetch_style:
            raise DeliveryError(f"style={style!r} and gofetch_style={gofetch_style!r} disagree: pass one")
        style = gofetch_style
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not math.isfinite(timeout) or timeout <= 0:
        raise DeliveryError(f"timeout= must be a number of seconds > 0, not {timeout!r}")
    if not isinstance(real_time, bool):
        raise DeliveryError(f"real_time= must be True or False, not {real_time!r}")
    anchor = to_datetime(timestamp, "timestamp")
    clock = Clock(start=to_datetime(start, "start"), anchor=anchor, real_time=real_time)
    target, target_secret = open_target(to, app_kind=app_kind)
    with target:
        url = join_url(target.base_url, path)
        prepared = [prepare(payload, vendor=vendor, style=style, url=url, headers=headers) for payload in payloads]
        schedules = [schedule_for(retry, item.vendor) for item in prepared]
        for schedule in schedules:
            check_real_time(schedule.delays, real_time)
        key = signing_secret(secret, target_secret, rng) if any(item.signs for item in prepared) else None
        reports: list[DeliveryReport] = []
        for index, copy in sends:
            item, schedule = prepared[index], schedules[index]
            signed = item.signs and key is not None
            msg_id = None
            if signed:
                msg_id = msg_ids[index] if msg_ids is not None else new_message_id(rng)
            made = attempts(target, item, schedule, clock, key, msg_id, float(timeout))
            reports.append(
                DeliveryReport(
                    item.vendor.name,
                    payloads[index],
                    item.style,
                    target.description,
                    schedule,
                    made,
                    msg_id=msg_id,
                    index=index,
                    copy=copy,
                    secret=key if signed else None,
                )
            )
        return reports


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
        request=SentRequest(exchange.method, exchange.url, Headers(exchange.headers), exchange.body),
        offset=offset,
        scheduled_at=scheduled_at,
        sent_at=exchange.sent_at,
        status=exchange.status,
        response_headers=Headers(exchange.response_headers),
        response_body=exchange.response_body,
        error=exchange.error,
        elapsed=exchange.elapsed,
        exception=exchange.exception,
    )


def schedule_for(retry: object, vendor: AnyVendor) -> RetrySchedule:
    """What ``retry=`` means for ``vendor``: its default (None, True), none (False, 0), or the schedule given."""
    if retry is None or retry is True:
        return default_retry_schedule(vendor)
    if retry is False or (isinstance(retry, int) and retry == 0):
        return NO_RETRIES
    if isinstance(retry, RetrySchedule):
        return retry
    if isinstance(retry, Iterable) and not isinstance(retry, (str, bytes, Mapping)):
        return RetrySchedule(retry)
    raise DeliveryError(
        "retry= takes a RetrySchedule, a list of delays in seconds, False (no retries) or None "
        f"(the vendor's schedule), not {retry!r}"
    )


def signing_secret(secret: object, target_secret: str | None, rng: random.Random | None) -> str | bytes | None:
    """The secret to sign with: the one given, else the capture server's, else a fresh one; None for False."""
    if secret is False:
        return None
    if secret is None or secret is True:
        return target_secret if target_secret is not None else new_secret(rng)
    if not isinstance(secret, (str, bytes)):
        raise DeliveryError(f"secret= must be a 'whsec_...' str, key bytes, False or None, not {secret!r}")
    from ..signing import _key

    try:
        _key(secret)
    except SignatureError as exc:
        raise DeliveryError(f"secret=: {exc}") from None
    return secret
