"""The one sending engine behind ``deliver``, ``deliver_all``, their async twins and ``replay``: plan, then run.

:func:`run` (sync) and :func:`arun` (on the running loop) open the target,
ask a *planner* for every send (so a bad payload or line is refused before
anything goes out), check the schedules, then hand the sends to the one
orchestration (:func:`~pytest_jobhooks.sender._steps.orchestrate`: attempts,
retries, ordering, reports) through a sync or an async driver. Payloads are
planned by :func:`plan_payloads`; ``replay`` plans recorded lines with the same pieces.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TypedDict

from .._checks import check_bool, check_choice, check_number, check_seed
from .._seeds import derive_seed, fresh_seed
from ..errors import DeliveryError
from ..signing import ForgeryKind, Timestamp, new_message_id, new_secret, secret_key
from ..vendors.base import AnyVendor, DeliveryStyle
from ._chaos import check_chaos
from ._clock import Clock, Delay, check_real_time, to_datetime
from ._prepare import Payload, Prepared, prepare
from ._steps import drive, drive_async, orchestrate
from ._transports import AppKind, Target, join_url, open_async_target, open_target
from .plans import DeliveryPlan
from .reports import BatchReport, DeliveryReport
from .retry import DEFAULT_DELIVERY_RULES, DeliveryRules, Ordering, RetrySchedule, default_delivery_rules, schedule_for


class SendOptions(TypedDict, total=False):
    """The keyword arguments ``deliver`` and ``deliver_all`` share (see :func:`~pytest_jobhooks.sender.deliver`)."""

    vendor: str | AnyVendor | None
    secret: str | bytes | bool | None
    timestamp: Timestamp | None
    retry: RetrySchedule | Iterable[Delay] | bool | None
    timeout: float | None
    real_time: bool
    start: datetime | None
    style: str | DeliveryStyle | None
    path: str | None
    headers: Mapping[str, str] | None
    forgery: ForgeryKind | None
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
    timeout: float = 10.0
    rules: DeliveryRules = DEFAULT_DELIVERY_RULES
    lost: int = 0


Planner = Callable[[Target, str | None], Sequence[Planned]]
"""Given the open target and the secret it brings (a capture server's), every send in order."""


def run(
    to: object,
    *,
    app_kind: AppKind | None,
    clock: Clock,
    timeout: float | None,
    planner: Planner,
    ordering: Ordering | None = None,
) -> tuple[str, list[DeliveryReport]]:
    """Open ``to``, plan every send, then make them; the target's description and one report per send."""
    target, target_secret = open_target(to, app_kind=app_kind)
    with target:
        planned, chosen = _ready(planner(target, target_secret), clock, timeout, ordering)
        return target.description, drive(orchestrate(target.description, planned, clock, chosen), target)


async def arun(
    to: object,
    *,
    app_kind: AppKind | None,
    clock: Clock,
    timeout: float | None,
    planner: Planner,
    ordering: Ordering | None = None,
) -> tuple[str, list[DeliveryReport]]:
    """:func:`run` on the running event loop: the same plan and orchestration, an async driver."""
    target, target_secret = await open_async_target(to, app_kind=app_kind)
    try:
        planned, chosen = _ready(planner(target, target_secret), clock, timeout, ordering)
        reports = await drive_async(orchestrate(target.description, planned, clock, chosen), target)
    finally:
        await target.aclose()
    return target.description, reports


def _ready(
    planned: Sequence[Planned], clock: Clock, timeout: float | None, ordering: Ordering | None
) -> tuple[list[Planned], Ordering]:
    """The sends with their attempt timeout settled, and the ordering they go out in, once checked."""
    for schedule in {id(item.schedule): item.schedule for item in planned}.values():
        check_real_time(schedule.delays, clock.real_time)
    check_choice("ordering=", ordering, ("independent", "serial", None))
    settled = [replace(item, timeout=item.rules.timeout if timeout is None else timeout) for item in planned]
    if ordering is None:
        # Each vendor's own way; a batch mixing vendors goes serial unless all of them send independently.
        independent = bool(planned) and all(item.rules.ordering == "independent" for item in planned)
        ordering = "independent" if independent else "serial"
    return settled, ordering


def check_sending(timeout: object, real_time: object) -> float | None:
    """``timeout`` in seconds (None: each vendor's own), once ``timeout=`` and ``real_time=`` are checked."""
    check_bool("real_time=", real_time)
    return None if timeout is None else check_number("timeout=", timeout)


def batch_plan(
    payloads: Iterable[Payload], *, duplicates: float, reorder: bool | int, plan: DeliveryPlan | None, seed: int | None
) -> tuple[list[Payload], DeliveryPlan, int]:
    """The payloads as a list, the plan to send them by (``plan``, or one drawn under the seed), and the seed."""
    if isinstance(payloads, (Mapping, str, bytes)) or not isinstance(payloads, Iterable):
        raise DeliveryError(f"deliver_all() takes a list of payloads, not {type(payloads).__name__}")
    seed = fresh_seed() if seed is None else check_seed(seed)
    items = list(payloads)
    check_chaos(duplicates, reorder)
    if plan is None:
        plan = DeliveryPlan.random(len(items), duplicates=duplicates, reorder=reorder, seed=seed)
    elif not isinstance(plan, DeliveryPlan):
        raise DeliveryError(f"plan= takes a DeliveryPlan, not {plan!r}")
    elif duplicates or reorder is not False:
        raise DeliveryError("plan= already says what is duplicated and reordered: leave duplicates= and reorder= out")
    plan.check(len(items))
    return items, plan, seed


def batch_report(
    items: Sequence[Payload],
    plan: DeliveryPlan,
    seed: int,
    duplicates: float,
    reorder: bool | int,
    sent: tuple[str, list[DeliveryReport]],
) -> BatchReport:
    """The report of one ``deliver_all`` call."""
    target, reports = sent
    return BatchReport(seed, len(items), float(duplicates), reorder, tuple(reports), target, plan=plan)


def batch_ids(seed: int, count: int) -> tuple[list[str], random.Random]:
    """The message ids of ``count`` payloads and the stream of a fresh secret, under ``seed``."""
    # One stream per purpose: changing the chaos settings leaves message ids and secret as they were.
    ids = random.Random(derive_seed(seed, "msg-id"))
    return [new_message_id(ids) for _ in range(count)], random.Random(derive_seed(seed, "secret"))


def plan_payloads(
    payloads: Sequence[Payload],
    plan: DeliveryPlan,
    *,
    msg_ids: Sequence[str] | None,
    rng: random.Random | None,
    vendor: str | AnyVendor | None = None,
    secret: str | bytes | bool | None = None,
    timestamp: Timestamp | None = None,
    retry: RetrySchedule | Iterable[Delay] | bool | None = None,
    timeout: float | None = None,
    real_time: bool = False,
    start: datetime | None = None,
    style: str | DeliveryStyle | None = None,
    path: str | None = None,
    headers: Mapping[str, str] | None = None,
    forgery: ForgeryKind | None = None,
    app_kind: AppKind | None = None,
) -> tuple[Clock, float | None, Planner, AppKind | None]:
    """The clock, attempt timeout and planner of sending ``payloads`` by ``plan`` (the engine's run takes them)."""
    seconds = check_sending(timeout, real_time)
    anchor = to_datetime(timestamp, "timestamp")
    clock = Clock(start=to_datetime(start, "start"), anchor=anchor, real_time=real_time)

    def planner(target: Target, target_secret: str | None) -> list[Planned]:
        url = join_url(target.base_url, path)
        prepared = [
            prepare(payload, vendor=vendor, style=style, url=url, headers=headers, forgery=forgery)
            for payload in payloads
        ]
        schedules = [schedule_for(retry, item.vendor) for item in prepared]
        signs = any(item.signs or item.forgery for item in prepared)
        key = signing_secret(secret, target_secret, rng) if signs else None
        planned: list[Planned] = []
        for send in plan.sends:
            item = prepared[send.index]
            signed = key if item.signs else None
            msg_id = None
            if signed is not None or item.forgery:
                msg_id = msg_ids[send.index] if msg_ids is not None else new_message_id(rng)
            if item.forgery:
                signed = key if key is not None else new_secret(rng)  # what the forgery is made against
            rules = default_delivery_rules(item.vendor)
            planned.append(
                Planned(item, schedules[send.index], payloads[send.index], signed, msg_id, send.index, send.copy,
                        rules=rules, lost=send.lost)
            )  # fmt: skip
        return planned

    return clock, seconds, planner, app_kind


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
