"""Send job webhooks the way each vendor does: signed, retried on its schedule, duplicated and reordered on request.

:func:`deliver` sends one payload to a URL, a :class:`~pytest_jobhooks.CaptureServer`
(any :class:`Endpoint`) or an in-process WSGI / ASGI app, as its vendor's
:class:`~pytest_jobhooks.DeliveryStyle` says (method, JSON body or query string,
Svix signature), and retries on non-2xx answers, refused connections and
timeouts following the vendor's :class:`RetrySchedule`. Time is virtual unless
``real_time=True``: nothing sleeps, and the report shows when each attempt was
due. :func:`deliver_all` sends a whole job lifecycle with at-least-once chaos
(duplicates, reordering), deterministically under a seed. Every report
(:mod:`~pytest_jobhooks.sender.reports`) holds each attempt's request exactly
as sent, the answer, and the error if there was no answer.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import TYPE_CHECKING

from .._checks import check_seed
from .._seeds import Seeded
from ..errors import DeliveryError
from ._engine import send_batch, send_payloads
from ._prepare import Payload
from ._transports.base import Endpoint
from .reports import Attempt, BatchReport, DeliveryReport
from .retry import INFERRED_RETRY_SCHEDULE, NO_RETRIES, SVIX_RETRY_SCHEDULE, RetrySchedule, default_retry_schedule

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._engine import DeliverOptions, SendOptions

__all__ = [
    "INFERRED_RETRY_SCHEDULE",
    "NO_RETRIES",
    "SVIX_RETRY_SCHEDULE",
    "Attempt",
    "BatchReport",
    "DeliveryError",
    "DeliveryReport",
    "Endpoint",
    "RetrySchedule",
    "Sender",
    "default_retry_schedule",
    "deliver",
    "deliver_all",
]


def deliver(
    payload: Payload,
    to: object,
    *,
    msg_id: str | None = None,
    seed: int | None = None,
    **options: Unpack[SendOptions],
) -> DeliveryReport:
    """Send ``payload`` to ``to`` as its vendor does, retrying on failure; returns every attempt.

    Options (:class:`~pytest_jobhooks.sender._engine.SendOptions`, shared with
    :func:`deliver_all`): ``vendor``, ``secret``, ``timestamp``, ``retry``,
    ``timeout`` (10.0), ``real_time`` (False), ``start``, ``style``, ``path``,
    ``headers``, ``app_kind``; each None unless said.

    ``to``: an ``http(s)://`` URL, an :class:`Endpoint` such as a
    :class:`~pytest_jobhooks.CaptureServer` (its URL, and its secret unless
    ``secret=`` is given), or an in-process app: ASGI if it is a coroutine
    function or has an ``async __call__`` (Starlette, FastAPI), else WSGI
    (Flask); ``app_kind="wsgi"|"asgi"`` overrides. ``path`` is appended to the
    URL (an app's base URL is ``http://testserver``). ``vendor`` is detected
    when not given; ``style`` picks another of its documented delivery forms by
    method or encoding (``style="post"``: GoFetch's JSON POST instead of its
    GET), or is a :class:`~pytest_jobhooks.DeliveryStyle` used as given.

    A JSON body is compact JSON in the payload's key order (str/bytes are sent
    as they are). Svix-signed styles are signed with ``secret`` (a fresh one
    when none is known, kept in the report; ``secret=False`` sends unsigned)
    afresh for each attempt under one ``msg_id``; each attempt is signed at the
    moment it is sent, or at ``timestamp`` plus its offset when ``timestamp`` is
    given. ``headers`` are added last, replacing any of the same name.

    ``retry``: None for the vendor's :func:`default_retry_schedule`, a
    :class:`RetrySchedule` or a list of delays, False or 0 for none. Non-2xx
    answers, refused connections, timeouts (``timeout`` seconds for the whole
    attempt over a socket: connect, send, the answer's head and body, however
    slowly it drips in; an in-process WSGI app cannot be interrupted) and exceptions raised by an in-process app
    are retried. Time is virtual (the clock starts at ``start``, default
    ``timestamp`` or now): nothing sleeps unless ``real_time=True``. ``seed``
    makes the message id (and a fresh secret) reproducible.
    """
    rng = random.Random(check_seed(seed)) if seed is not None else None
    msg_ids = None if msg_id is None else [msg_id]
    _, reports = send_payloads([payload], [(0, 0)], to, msg_ids=msg_ids, rng=rng, **options)
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
    return send_batch(payloads, to, duplicates=duplicates, reorder=reorder, seed=seed, options=options)


class Sender(Seeded):
    """:func:`deliver` and :func:`deliver_all` bound to one seed, keeping everything sent (``jobhooks_sender``).

    A call without ``seed=`` uses the next seed drawn from :attr:`seed`, so a
    sender made with the same seed repeats every message id, fresh secret and
    chaos plan. :attr:`sent` lists each delivery in the order sent.
    """

    def __init__(self, seed: int | None = None) -> None:
        super().__init__(seed)
        self.sent: list[DeliveryReport] = []
        """Every delivery made so far (each send of ``deliver_all`` too), in the order sent."""
        self.batches: list[BatchReport] = []
        """The report of each ``deliver_all`` call."""

    def __repr__(self) -> str:
        return f"<Sender seed={self.seed}, {len(self.sent)} sent>"

    def deliver(
        self, payload: Payload, to: object, *, seed: int | None = None, **options: Unpack[DeliverOptions]
    ) -> DeliveryReport:
        """:func:`deliver` with this sender's next seed; the report is also added to :attr:`sent`."""
        report = deliver(payload, to, seed=self.pick_seed(seed), **options)
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
        chosen = self.pick_seed(seed)
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
