"""The one orchestration of sends and retries, sans I/O: a generator yielding "send this" and "wait this long".

:func:`orchestrate` decides every attempt, on the call's (virtual) clock, and
builds the reports; it never touches a socket or sleeps. :func:`drive` runs it
with a synchronous target and ``time.sleep``, :func:`drive_async` with an
async target and the running loop's sleep (anyio: asyncio or trio), so
``deliver`` and ``deliver_async`` share every rule.

Sends are released by ``ordering``: ``"serial"`` starts each send once the
previous one is delivered or given up (its retries' waits hold later sends
back); ``"independent"`` starts them all at once and retries each on its own
schedule, as Svix does, so a retry arrives after later messages.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from ..wire import Headers, Request
from ._clock import Clock
from ._transports import Exchange, Target
from ._transports.base import now
from .reports import Attempt, DeliveryReport
from .retry import Ordering

if TYPE_CHECKING:
    from ._engine import Planned

__all__ = ["Send", "Steps", "Wait", "drive", "drive_async", "orchestrate"]

LOST = "lost on the way (the delivery plan loses this attempt)"


@dataclass(frozen=True)
class Send:
    """A step: send this request and hand back the :class:`Exchange`."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    timeout: float


@dataclass(frozen=True)
class Wait:
    """A step: really wait this many seconds (``real_time=True`` only)."""

    seconds: float


Steps = Generator["Send | Wait", "Exchange | None", list[DeliveryReport]]


def orchestrate(description: str, planned: Sequence[Planned], clock: Clock, ordering: Ordering) -> Steps:
    """Every attempt of every planned send, in the order they go out; the reports, one per send."""
    queue: list[tuple[timedelta, int, int, int]] = []  # (due, tie-break, send, attempt number)
    made: list[list[Attempt]] = [[] for _ in planned]
    firsts: list[timedelta] = [timedelta(0)] * len(planned)
    aborted = [False] * len(planned)
    counter = 0

    def release(position: int, due: timedelta) -> None:
        nonlocal counter
        heapq.heappush(queue, (due, counter, position, 1))
        counter += 1

    if ordering == "independent":
        due = clock.elapsed
        for position, item in enumerate(planned):
            due += item.wait
            release(position, due)
    elif planned:
        release(0, clock.elapsed + planned[0].wait)
    sequence = 0
    while queue:
        due, _, position, number = heapq.heappop(queue)
        if due > clock.elapsed:
            delay, clock.elapsed = due - clock.elapsed, due
            if clock.real_time:
                yield Wait(delay.total_seconds())
        item = planned[position]
        if number == 1:
            firsts[position] = due
        request = item.request
        headers = request.headers_for(item.secret, item.msg_id, clock.signing_time())
        if number <= item.lost:
            exchange = Exchange(request.method, request.url, headers, request.body, now(), 0.0, error=LOST)
        else:
            answer = yield Send(request.method, request.url, headers, request.body, item.timeout)
            assert answer is not None  # a driver answers every Send
            exchange = answer
        attempt = to_attempt(number, exchange, due - firsts[position], clock, sequence, lost=number <= item.lost)
        sequence += 1
        made[position].append(attempt)
        aborted[position] = not attempt.ok and item.rules.aborts(attempt.response_headers.items())
        if attempt.ok or aborted[position] or number > len(item.schedule.delays):
            if ordering == "serial" and position + 1 < len(planned):
                release(position + 1, clock.elapsed + planned[position + 1].wait)
            continue
        heapq.heappush(queue, (due + item.schedule.delays[number - 1], counter, position, number + 1))
        counter += 1
    return [
        report(description, item, tuple(made[position]), firsts[position], aborted[position])
        for position, item in enumerate(planned)
    ]


def report(
    description: str, item: Planned, made: tuple[Attempt, ...], first: timedelta, aborted: bool
) -> DeliveryReport:
    """The public report of one planned send."""
    vendor = item.request.vendor
    return DeliveryReport(
        vendor.name if vendor is not None else item.vendor,
        item.payload,
        item.request.style,
        description,
        item.schedule,
        made,
        msg_id=item.msg_id,
        index=item.index,
        copy=item.copy,
        secret=item.secret,
        offset=first,
        line=item.line,
        record=item.record,
        aborted=aborted,
        forgery=item.request.forgery,
    )


def to_attempt(
    number: int, exchange: Exchange, offset: timedelta, clock: Clock, sequence: int, *, lost: bool = False
) -> Attempt:
    """The public record of one exchange."""
    return Attempt(
        number=number,
        request=Request.from_url(exchange.method, exchange.url, exchange.headers, exchange.body, exchange.sent_at),
        offset=offset,
        scheduled_at=clock.now,
        status=exchange.status,
        response_headers=Headers(exchange.response_headers),
        response_body=exchange.response_body,
        error=exchange.error,
        elapsed=exchange.elapsed,
        exception=exchange.exception,
        sequence=sequence,
        lost=lost,
    )


def drive(steps: Steps, target: Target) -> list[DeliveryReport]:
    """Run ``steps`` with a synchronous target; real waits sleep the thread."""
    answer: Exchange | None = None
    try:
        while True:
            step = steps.send(answer)
            if isinstance(step, Send):
                answer = target.send(step.method, step.url, step.headers, step.body, timeout=step.timeout)
            else:
                answer = None
                time.sleep(step.seconds)
    except StopIteration as done:
        reports: list[DeliveryReport] = done.value
        return reports


async def drive_async(steps: Steps, target: Target) -> list[DeliveryReport]:
    """Run ``steps`` on the running loop (asyncio or trio); real waits are the loop's sleep, never a block."""
    import anyio

    answer: Exchange | None = None
    try:
        while True:
            step = steps.send(answer)
            if isinstance(step, Send):
                answer = await target.asend(step.method, step.url, step.headers, step.body, timeout=step.timeout)
            else:
                answer = None
                await anyio.sleep(step.seconds)
    except StopIteration as done:
        reports: list[DeliveryReport] = done.value
        return reports
