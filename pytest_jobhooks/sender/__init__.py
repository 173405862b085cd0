"""Send job webhooks the way each vendor does: signed, retried on its schedule, duplicated and reordered on request.

:func:`deliver` sends one payload to a URL, a :class:`~pytest_jobhooks.CaptureServer`
or an in-process WSGI / ASGI app, as its vendor's :class:`~pytest_jobhooks.DeliveryStyle`
says (method, JSON body or query string, Svix signature), and retries on
non-2xx answers, refused connections and timeouts following the vendor's
:class:`RetrySchedule`. Time is virtual unless ``real_time=True``: nothing
sleeps, and the report shows when each attempt was due. :func:`deliver_all`
sends a whole job lifecycle with at-least-once chaos (duplicates, reordering),
deterministically under a seed. Every report holds each attempt's request
exactly as sent, the answer, and the error if there was no answer.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import accumulate
from typing import TYPE_CHECKING, Literal
from urllib.parse import parse_qs, unquote, urlsplit

from .._seeds import fresh_seed
from ..errors import DeliveryError
from ..vendors.base import AnyVendor, DeliveryStyle
from ..wire import Headers
from ._clock import Delay, format_offset, to_delays
from ._prepare import Payload
from ._transport import AppKind

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..signing import Timestamp
    from ._engine import DeliverOptions, SendOptions

__all__ = [
    "INFERRED_RETRY_SCHEDULE",
    "NO_RETRIES",
    "SVIX_RETRY_SCHEDULE",
    "Attempt",
    "BatchReport",
    "DeliveryError",
    "DeliveryReport",
    "RetrySchedule",
    "Sender",
    "SentRequest",
    "default_retry_schedule",
    "deliver",
    "deliver_all",
]


@dataclass(frozen=True, init=False)
class RetrySchedule:
    """When a failed delivery is tried again: the wait before each retry, and where that schedule comes from.

    ``RetrySchedule([5, 300])`` retries 5 s after the first failure and 5 min
    after the second: three attempts in all. Delays are seconds or timedeltas.
    ``inferred`` says the vendor does not document it (``source`` says why it is so).
    """

    delays: tuple[timedelta, ...]
    name: str
    source: str
    inferred: bool

    def __init__(
        self, delays: Iterable[Delay] = (), *, name: str = "custom", source: str = "", inferred: bool = False
    ) -> None:
        object.__setattr__(self, "delays", to_delays(delays))
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "source", source)
        object.__setattr__(self, "inferred", inferred)

    @property
    def max_attempts(self) -> int:
        """The first try plus one retry per delay."""
        return len(self.delays) + 1

    @property
    def offsets(self) -> tuple[timedelta, ...]:
        """When each attempt is due, counted from the first: ``0``, then the running sum of the delays."""
        return tuple(accumulate(self.delays, initial=timedelta(0)))

    def __str__(self) -> str:
        if not self.delays:
            return f"{self.name}: one attempt, no retries"
        return f"{self.name}: immediately, then " + ", ".join(format_offset(delay) for delay in self.delays)


SVIX_RETRY_SCHEDULE = RetrySchedule(
    (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600),
    name="svix",
    source="Svix docs (Retries): immediately, 5 seconds, 5 minutes, 30 minutes, 2 hours, 5 hours, 10 hours, 10 hours",
)
"""Svix's documented schedule (Tensorlake delivers through Svix): 8 attempts over about 28 hours."""

INFERRED_RETRY_SCHEDULE = RetrySchedule(
    (10, 60, 5 * 60),
    name="inferred",
    source="inferred: the vendor documents that it retries on failure, not when; 10 s, 1 min, 5 min is assumed",
    inferred=True,
)
"""The schedule used for a vendor that documents retries without a schedule (Telmai); pass ``retry=`` to change it."""

NO_RETRIES = RetrySchedule((), name="none", source="no retries documented: one attempt")
"""One attempt and no retry: vendors that document none, and ``retry=False``."""


def default_retry_schedule(vendor: AnyVendor) -> RetrySchedule:
    """The schedule ``vendor`` retries on, from its style's ``retries``: Svix's, inferred (Telmai), or none."""
    if vendor.delivery.retries == "svix":
        return SVIX_RETRY_SCHEDULE
    if vendor.delivery.retries == "undocumented":
        return INFERRED_RETRY_SCHEDULE
    return NO_RETRIES


@dataclass(frozen=True)
class SentRequest:
    """An HTTP request exactly as sent: method, absolute URL, headers (in order, as spelled) and body bytes."""

    method: str
    url: str
    headers: Headers
    body: bytes

    @property
    def path(self) -> str:
        """The URL's path, percent-decoded (as :attr:`Delivery.path <pytest_jobhooks.Delivery.path>` reads it)."""
        return unquote(urlsplit(self.url).path) or "/"

    @property
    def query_string(self) -> str:
        """The URL's query string as sent (percent-encoded), without the ``?``."""
        return urlsplit(self.url).query

    @property
    def query(self) -> dict[str, str]:
        """Each query parameter's first value."""
        return {key: values[0] for key, values in parse_qs(self.query_string, keep_blank_values=True).items()}


@dataclass(frozen=True)
class Attempt:
    """One try at a delivery: the request as sent, when, and the answer (or ``error`` when none came).

    ``offset`` is when it was due, counted from the delivery's first attempt,
    and ``scheduled_at`` the same on the sender's clock (virtual unless
    ``real_time=True``); ``sent_at`` is the real time it went out. ``exception``
    holds what an in-process app raised, to re-raise when debugging.
    """

    number: int
    request: SentRequest
    offset: timedelta
    scheduled_at: datetime
    sent_at: datetime
    status: int | None
    response_headers: Headers
    response_body: bytes
    error: str | None
    elapsed: float
    exception: BaseException | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        """Whether the receiver answered 2xx (what every sender counts as delivered)."""
        return self.status is not None and 200 <= self.status < 300

    def describe(self) -> str:
        """One line: number, offset, method, path and answer."""
        answer = str(self.status) if self.status is not None else "no answer"
        error = f" ({self.error})" if self.error else ""
        target = self.request.path + (f"?{self.request.query_string}" if self.request.query_string else "")
        return f"#{self.number} +{format_offset(self.offset)} {self.request.method} {target} -> {answer}{error}"


@dataclass(frozen=True, repr=False)
class DeliveryReport:
    """One payload's delivery: every attempt in order, and whether one was answered 2xx.

    ``index`` is the payload's position in ``deliver_all``'s input and ``copy``
    counts its sends (0 for the first, 1 for a duplicate); ``msg_id`` is the
    Svix message id every attempt and copy share (None when unsigned).
    """

    vendor: str
    payload: Payload
    style: DeliveryStyle
    target: str
    schedule: RetrySchedule
    attempts: tuple[Attempt, ...]
    msg_id: str | None = None
    index: int = 0
    copy: int = 0
    secret: str | bytes | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        """Whether the last attempt was answered 2xx."""
        return bool(self.attempts) and self.attempts[-1].ok

    @property
    def status(self) -> int | None:
        """The last attempt's answer (None when it got none)."""
        return self.attempts[-1].status if self.attempts else None

    @property
    def requests(self) -> list[SentRequest]:
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
        copy = ", duplicate" if self.copy else ""
        outcome = "delivered" if self.ok else "gave up" if self.gave_up else "not delivered"
        return (
            f"{self.vendor} payload #{self.index}{copy} -> {self.target}: {outcome} after "
            f"{len(self.attempts)} of {self.schedule.max_attempts} attempt(s)"
        )

    def __repr__(self) -> str:
        return f"<DeliveryReport {self._summary()}, last answer {self.status}>"


@dataclass(frozen=True, repr=False)
class BatchReport:
    """What :func:`deliver_all` sent, in the order sent, and the seed that replays it.

    ``order`` lists, for each send, the index of its payload in the input;
    ``deliveries`` holds each send's :class:`DeliveryReport` in that order.
    """

    seed: int
    count: int
    duplicates: float
    reorder: bool | int
    deliveries: tuple[DeliveryReport, ...]

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
        """Every attempt of every send, in the order they went out."""
        return [attempt for report in self.deliveries for attempt in report.attempts]

    def describe(self) -> str:
        """Several lines: the plan (seed, order, duplicates), then each send with its attempts."""
        head = (
            f"deliver_all(seed={self.seed}, duplicates={self.duplicates}, reorder={self.reorder}): "
            f"{self.count} payload(s), {len(self.deliveries)} send(s) in order {self.order}"
        )
        return "\n".join([head, *(report.describe() for report in self.deliveries)])

    def __repr__(self) -> str:
        failed = sum(not report.ok for report in self.deliveries)
        return f"<BatchReport seed={self.seed}, {len(self.deliveries)} send(s) in order {self.order}, {failed} failed>"


def deliver(
    payload: Payload,
    to: object,
    *,
    vendor: str | AnyVendor | None = None,
    secret: str | bytes | bool | None = None,
    msg_id: str | None = None,
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
    seed: int | None = None,
) -> DeliveryReport:
    """Send ``payload`` to ``to`` as its vendor does, retrying on failure; returns every attempt.

    ``to``: an ``http(s)://`` URL, a :class:`~pytest_jobhooks.CaptureServer`
    (its URL, and its secret unless ``secret=`` is given), or an in-process app:
    ASGI if it is a coroutine function or has an ``async __call__`` (Starlette,
    FastAPI), else WSGI (Flask); ``app_kind="wsgi"|"asgi"`` overrides. ``path``
    is appended to the URL (an app's base URL is ``http://testserver``).
    ``vendor`` is detected when not given; ``style`` picks another documented
    form (``style="post"``, or ``gofetch_style="post"``: GoFetch's JSON POST instead of its GET).

    A JSON body is compact JSON in the payload's key order (str/bytes are sent
    as they are). Svix-signed styles are signed with ``secret`` (a fresh one
    when none is known, kept in the report; ``secret=False`` sends unsigned)
    afresh for each attempt under one ``msg_id``; each attempt is signed at the
    moment it is sent, or at ``timestamp`` plus its offset when ``timestamp`` is
    given. ``headers`` are added last, replacing any of the same name.

    ``retry``: None for the vendor's :func:`default_retry_schedule`, a
    :class:`RetrySchedule` or a list of delays, False or 0 for none. Non-2xx
    answers, refused connections, timeouts (``timeout`` seconds; an in-process
    WSGI app cannot be interrupted) and exceptions raised by an in-process app
    are retried. Time is virtual (the clock starts at ``start``, default
    ``timestamp`` or now): nothing sleeps unless ``real_time=True``. ``seed``
    makes the message id (and a fresh secret) reproducible.
    """
    from ._engine import send

    rng = random.Random(seed) if seed is not None else None
    reports = send(
        [payload],
        [(0, 0)],
        to,
        msg_ids=None if msg_id is None else [msg_id],
        rng=rng,
        vendor=vendor,
        secret=secret,
        timestamp=timestamp,
        retry=retry,
        timeout=timeout,
        real_time=real_time,
        start=start,
        style=style,
        gofetch_style=gofetch_style,
        path=path,
        headers=headers,
        app_kind=app_kind,
    )
    return reports[0]


def deliver_all(
    payloads: Iterable[Payload],
    to: object,
    *,
    duplicates: float = 0.0,
    reorder: bool | int = False,
    seed: int | None = None,
    **options: Unpack[SendOptions],
) -> BatchReport:
    """Send every payload (say a :func:`~pytest_jobhooks.lifecycle`) with at-least-once chaos; one report for all.

    ``duplicates`` is the probability that a payload is sent a second time
    (right after the first, or anywhere when reordering); both copies share
    their Svix message id, as a redelivery does. ``reorder=True`` sends in a
    random order, ``reorder=k`` moves no send more than ``k`` places; the order
    always differs from the input's when it can. Deterministic under ``seed``
    (drawn when None; the report carries it): plan, message ids and a fresh
    secret repeat exactly. Sends go out one after another; a retry's (virtual)
    wait holds back the sends after it. Other options: see :func:`deliver`.
    """
    from ._engine import send_batch

    return send_batch(payloads, to, duplicates=duplicates, reorder=reorder, seed=seed, options=options)


class Sender:
    """:func:`deliver` and :func:`deliver_all` bound to one seed, keeping everything sent (``jobhooks_sender``).

    A call without ``seed=`` uses the next seed drawn from :attr:`seed`, so a
    sender made with the same seed repeats every message id, fresh secret and
    chaos plan. :attr:`sent` lists each delivery in the order sent.
    """

    def __init__(self, seed: int | None = None) -> None:
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
            raise DeliveryError(f"seed must be an int >= 0 or None, not {seed!r}")
        self.seed: int = fresh_seed() if seed is None else seed
        """The seed every call's seed is drawn from."""
        self.sent: list[DeliveryReport] = []
        """Every delivery made so far (each send of ``deliver_all`` too), in the order sent."""
        self.batches: list[BatchReport] = []
        """The report of each ``deliver_all`` call."""
        self._draws = random.Random(self.seed)

    def __repr__(self) -> str:
        return f"<Sender seed={self.seed}, {len(self.sent)} sent>"

    def next_seed(self) -> int:
        """The seed the next call without ``seed=`` will use (drawing it)."""
        return self._draws.getrandbits(64)

    def deliver(
        self, payload: Payload, to: object, *, seed: int | None = None, **options: Unpack[DeliverOptions]
    ) -> DeliveryReport:
        """:func:`deliver` with this sender's next seed; the report is also added to :attr:`sent`."""
        report = deliver(payload, to, seed=self.next_seed() if seed is None else seed, **options)
        self.sent.append(report)
        return report

    def deliver_all(
        self,
        payloads: Iterable[Payload],
        to: object,
        *,
        duplicates: float = 0.0,
        reorder: bool | int = False,
        seed: int | None = None,
        **options: Unpack[SendOptions],
    ) -> BatchReport:
        """:func:`deliver_all` with this sender's next seed; its sends are also added to :attr:`sent`."""
        chosen = self.next_seed() if seed is None else seed
        report = deliver_all(payloads, to, duplicates=duplicates, reorder=reorder, seed=chosen, **options)
        self.batches.append(report)
        self.sent.extend(report.deliveries)
        return report

    @property
    def attempts(self) -> list[Attempt]:
        """Every attempt made, in the order made."""
        return [attempt for report in self.sent for attempt in report.attempts]

    def describe(self) -> str:
        """The seed and every delivery with its attempts (what a failing test's report shows)."""
        lines = [f"jobhooks_sender: seed={self.seed}, {len(self.sent)} delivery(ies) sent"]
        lines += [report.describe() for report in self.sent]
        return "\n".join(lines)
