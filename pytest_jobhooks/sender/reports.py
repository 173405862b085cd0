"""What sending reports: each attempt, each delivery, each batch; one family for deliver, deliver_all and replay.

An :class:`Attempt` holds the request exactly as sent (a
:class:`~pytest_jobhooks.wire.Request`, the one wire record) and the answer; a
:class:`DeliveryReport` one payload's (or one recorded line's) attempts; a
:class:`BatchReport` every delivery of a ``deliver_all`` or a ``replay`` call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ..vendors.base import DeliveryStyle
from ..wire import Headers, Request
from ._clock import format_offset
from ._prepare import Payload
from .retry import RetrySchedule

if TYPE_CHECKING:
    from ..signing import ForgeryKind
    from .plans import DeliveryPlan

__all__ = ["Attempt", "BatchReport", "DeliveryReport"]


@dataclass(frozen=True)
class Attempt:
    """One try at a delivery: the request as sent, when, and the answer (or ``error`` when none came).

    ``offset`` is when it was due, counted from the delivery's first attempt,
    and ``scheduled_at`` the same on the sender's clock (virtual unless
    ``real_time=True``); ``sent_at`` is the real time it went out
    (``request.time``). ``exception`` holds what an in-process app raised, to
    re-raise when debugging. ``sequence`` is its place among every attempt of
    the call (the order the receiver saw them); ``lost`` marks an attempt a
    :class:`~pytest_jobhooks.sender.DeliveryPlan` lost on the way (never sent).
    """

    number: int
    request: Request
    offset: timedelta
    scheduled_at: datetime
    status: int | None
    response_headers: Headers
    response_body: bytes
    error: str | None
    elapsed: float
    exception: BaseException | None = field(default=None, repr=False, compare=False)
    sequence: int = 0
    lost: bool = False

    @property
    def sent_at(self) -> datetime:
        """The real time the attempt went out: its request's time."""
        moment = self.request.time
        assert moment is not None  # the engine stamps every request it sends
        return moment

    @property
    def ok(self) -> bool:
        """Whether the receiver answered 2xx and nothing went wrong (an in-process app raised nothing, even after)."""
        return self.status is not None and 200 <= self.status < 300 and self.error is None

    def describe(self) -> str:
        """One line: number, offset, method, path and answer."""
        answer = str(self.status) if self.status is not None else "no answer"
        error = f" ({self.error})" if self.error else ""
        request = self.request
        return f"#{self.number} +{format_offset(self.offset)} {request.method} {request.target} -> {answer}{error}"


@dataclass(frozen=True, repr=False)
class DeliveryReport:
    """One delivery: what was sent where, every attempt in order, and whether one was answered 2xx.

    ``vendor`` is the vendor whose delivery it is (None for a replayed line no
    registered vendor sends); ``payload`` what was delivered (for a replayed
    recorded delivery, its exact body); ``style`` the delivery form used (None
    when a recorded request went out as recorded). ``index`` is the payload's
    position in the input and ``copy`` counts its sends (0 for the first, 1
    for a duplicate); ``msg_id`` is the Svix message id every attempt and copy
    share (None when unsigned). ``offset`` is when its first attempt was due,
    counted from the call's first one (earlier retries, a replay's recorded
    gaps). A replayed delivery says where it came from: the recording's
    ``line`` and the ``record`` read there (a recorded delivery or a payload).
    ``aborted``: the receiver asked to stop retrying (Svix's
    ``webhook-delivery: abort-message``); ``forgery``: the kind of forged
    signature it carried (``deliver(forgery=...)``), None for a real one.
    """

    vendor: str | None
    payload: Payload
    style: DeliveryStyle | None
    target: str
    schedule: RetrySchedule
    attempts: tuple[Attempt, ...]
    msg_id: str | None = None
    index: int = 0
    copy: int = 0
    secret: str | bytes | None = field(default=None, repr=False)
    offset: timedelta = timedelta(0)
    line: int | None = None
    record: object = field(default=None, repr=False)
    aborted: bool = False
    forgery: ForgeryKind | None = None

    @property
    def ok(self) -> bool:
        """Whether the last attempt was answered 2xx."""
        return bool(self.attempts) and self.attempts[-1].ok

    @property
    def status(self) -> int | None:
        """The last attempt's answer (None when it got none)."""
        return self.attempts[-1].status if self.attempts else None

    @property
    def requests(self) -> list[Request]:
        """Each attempt's request as sent, in order."""
        return [attempt.request for attempt in self.attempts]

    @property
    def gave_up(self) -> bool:
        """Whether every attempt the schedule allows failed."""
        return not self.ok and len(self.attempts) >= self.schedule.max_attempts

    def describe(self) -> str:
        """Several lines: what was delivered where, the outcome, then one line per attempt."""
        head = f"{self._summary()} ({self.schedule})"
        return "\n".join([head, *(f"  {attempt.describe()}" for attempt in self.attempts)])

    def _summary(self) -> str:
        if self.line is not None:
            what = f"line {self.line} ({self.vendor or 'no vendor'})"
        else:
            what = f"{self.vendor} payload #{self.index}" + (", duplicate" if self.copy else "")
        when = f" +{format_offset(self.offset)}" if self.offset else ""
        outcome = "delivered" if self.ok else "gave up" if self.gave_up else "not delivered"
        if self.aborted:
            outcome = "retries stopped by the receiver (webhook-delivery: abort-message)"
        if self.forgery:
            what += f" with a forged signature ({self.forgery})"
        return (
            f"{what}{when} -> {self.target}: {outcome} after "
            f"{len(self.attempts)} of {self.schedule.max_attempts} attempt(s)"
        )

    def __repr__(self) -> str:
        return f"<DeliveryReport {self._summary()}, last answer {self.status}>"


@dataclass(frozen=True, repr=False)
class BatchReport:
    """What :func:`~pytest_jobhooks.deliver_all` or :func:`~pytest_jobhooks.replay` sent, in the order sent.

    ``seed`` replays it; ``count`` is how many payloads (or recorded lines)
    were to be sent; ``deliveries`` holds each send's :class:`DeliveryReport`
    in sending order. A replay's batch names its ``source`` (the recording)
    and how many lines ``side=`` left out (``skipped``); ``source`` is None
    for ``deliver_all``, whose ``plan`` is the :class:`~pytest_jobhooks.sender.DeliveryPlan` it executed.
    """

    seed: int
    count: int
    duplicates: float
    reorder: bool | int
    deliveries: tuple[DeliveryReport, ...]
    target: str = ""
    source: str | None = None
    skipped: int = 0
    plan: DeliveryPlan | None = None

    @property
    def order(self) -> list[int]:
        """The payload index of each send, in sending order."""
        return [report.index for report in self.deliveries]

    @property
    def duplicated(self) -> list[int]:
        """The indexes of the payloads sent more than once."""
        return sorted({report.index for report in self.deliveries if report.copy})

    @property
    def reordered(self) -> bool:
        """Whether payloads went out in another order than given."""
        return self.order != sorted(self.order)

    @property
    def ok(self) -> bool:
        """Whether every send was answered 2xx in the end."""
        return all(report.ok for report in self.deliveries)

    @property
    def attempts(self) -> list[Attempt]:
        """Every attempt of every send, in the order they went out (what the receiver saw, lost ones included)."""
        made = [attempt for report in self.deliveries for attempt in report.attempts]
        return sorted(made, key=lambda attempt: attempt.sequence)

    @property
    def arrivals(self) -> list[tuple[DeliveryReport, Attempt]]:
        """Each attempt that reached the receiver, in arrival order, with the delivery it belongs to."""
        pairs = [(report, attempt) for report in self.deliveries for attempt in report.attempts if not attempt.lost]
        return sorted(pairs, key=lambda pair: pair[1].sequence)

    def describe(self) -> str:
        """Several lines: the plan (seed, order, duplicates; or what was replayed), then each send and its attempts."""
        if self.source is not None:
            skipped = f", {self.skipped} left out" if self.skipped else ""
            sent = f"{len(self.deliveries)} line(s) sent{skipped}"
            head = f"replay(seed={self.seed}) of {self.source} -> {self.target}: {sent}"
        else:
            head = (
                f"deliver_all(seed={self.seed}, duplicates={self.duplicates}, reorder={self.reorder}): "
                f"{self.count} payload(s), {len(self.deliveries)} send(s) in order {self.order}"
            )
            if self.plan is not None:
                head += f"; plan: {self.plan}"
        return "\n".join([head, *(report.describe() for report in self.deliveries)])

    def __repr__(self) -> str:
        failed = sum(not report.ok for report in self.deliveries)
        if self.source is not None:
            return (
                f"<BatchReport replay of {self.source} -> {self.target}: {len(self.deliveries)} sent, {failed} failed>"
            )
        return f"<BatchReport seed={self.seed}, {len(self.deliveries)} send(s) in order {self.order}, {failed} failed>"
