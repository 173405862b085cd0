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
import warnings
from collections.abc import Iterable
from typing import TYPE_CHECKING

from .._checks import check_seed
from .._seeds import Seeded
from ..errors import DeliveryError
from ._engine import arun, batch_ids, batch_plan, batch_report, plan_payloads, run
from ._prepare import Payload
from ._transports import RunningApp, is_asgi
from ._transports.base import Endpoint
from .apps import AsgiApp, asgi_app
from .plans import DeliveryPlan, PlannedSend
from .reports import Attempt, BatchReport, DeliveryReport
from .retry import (
    DEFAULT_DELIVERY_RULES,
    INFERRED_RETRY_SCHEDULE,
    NO_RETRIES,
    SVIX_DELIVERY_RULES,
    SVIX_RETRY_SCHEDULE,
    DeliveryRules,
    Ordering,
    RetrySchedule,
    default_delivery_rules,
    default_retry_schedule,
)

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._engine import DeliverOptions, SendOptions

__all__ = [
    "DEFAULT_DELIVERY_RULES",
    "INFERRED_RETRY_SCHEDULE",
    "NO_RETRIES",
    "SVIX_DELIVERY_RULES",
    "SVIX_RETRY_SCHEDULE",
    "AsgiApp",
    "Attempt",
    "BatchReport",
    "DeliveryError",
    "DeliveryPlan",
    "DeliveryReport",
    "DeliveryRules",
    "Endpoint",
    "Ordering",
    "PlannedSend",
    "RetrySchedule",
    "Sender",
    "asgi_app",
    "default_delivery_rules",
    "default_retry_schedule",
    "deliver",
    "deliver_all",
    "deliver_all_async",
    "deliver_async",
]


def _one(payload: Payload, msg_id: str | None, seed: int | None, options: SendOptions) -> tuple[object, ...]:
    rng = random.Random(check_seed(seed)) if seed is not None else None
    msg_ids = None if msg_id is None else [msg_id]
    return plan_payloads([payload], DeliveryPlan.in_order(1), msg_ids=msg_ids, rng=rng, **options)


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
    :func:`deliver_all` and the async twins): ``vendor``, ``secret``,
    ``timestamp``, ``retry``, ``timeout``, ``real_time`` (False), ``start``,
    ``style``, ``path``, ``headers``, ``forgery``, ``app_kind``; each None unless said.

    ``to``: an ``http(s)://`` URL, an :class:`Endpoint` such as a
    :class:`~pytest_jobhooks.CaptureServer` (its URL, and its secret unless
    ``secret=`` is given), or an in-process app: ASGI if it is a coroutine
    function or has an ``async __call__`` (Starlette, FastAPI), else WSGI
    (Flask); ``app_kind="wsgi"|"asgi"`` overrides. A bare ASGI app runs its
    lifespan around this one call (startup first, shutdown after the last
    retry); an :func:`asgi_app` handle keeps one lifespan across calls.
    ``path`` is appended to the URL (an app's base URL is ``http://testserver``).
    ``vendor`` is detected when not given; ``style`` picks another of its
    documented delivery forms by method or encoding (``style="post"``:
    GoFetch's JSON POST instead of its GET), or is a
    :class:`~pytest_jobhooks.DeliveryStyle` used as given. An empty payload
    (``""``) is deliverable with ``vendor=``: an empty body, or a GET with no query.

    A JSON body is compact JSON in the payload's key order (str/bytes are sent
    as they are). Svix-signed styles are signed with ``secret`` (a fresh one
    when none is known, kept in the report; ``secret=False`` sends unsigned)
    afresh for each attempt under one ``msg_id``; each attempt is signed at the
    moment it is sent, or at ``timestamp`` plus its offset when ``timestamp`` is
    given. ``forgery`` (one of :data:`~pytest_jobhooks.signing.FORGERIES`)
    sends a forged signature of that kind *instead of* the real one, for
    negative tests. ``headers`` are added last, replacing any of the same name.

    ``retry``: None for the vendor's :func:`default_retry_schedule`, a
    :class:`RetrySchedule` or a list of delays, False or 0 for none. Non-2xx
    answers, refused connections, timeouts (``timeout`` seconds for the whole
    attempt over a socket; default the vendor's :class:`DeliveryRules`: 15 s
    for Svix-delivered vendors, 10 s otherwise) and exceptions raised by an
    in-process app (even after it answered, in a background task) are retried;
    a Svix-delivered vendor stops retrying when the answer carries
    ``webhook-delivery: abort-message``. Time is virtual (the clock starts at
    ``start``, default ``timestamp`` or now): nothing sleeps unless
    ``real_time=True``. ``seed`` makes the message id (and a fresh secret) reproducible.

    Called from inside a running event loop, it refuses an ASGI app and a URL
    served on that same loop (it would deadlock): use :func:`deliver_async`.
    """
    clock, seconds, planner, app_kind = _one(payload, msg_id, seed, options)
    _, reports = run(to, app_kind=app_kind, clock=clock, timeout=seconds, planner=planner)  # type: ignore[arg-type]
    return reports[0]


async def deliver_async(
    payload: Payload,
    to: object,
    *,
    msg_id: str | None = None,
    seed: int | None = None,
    **options: Unpack[SendOptions],
) -> DeliveryReport:
    """:func:`deliver` on the running event loop (asyncio or trio): same options, same report.

    An ASGI app is called on this loop (its lifespan too); a URL is reached
    with ``httpx.AsyncClient``; a WSGI app runs in a worker thread. Retries in
    virtual time never wait; ``real_time=True`` waits with the loop's sleep.
    """
    clock, seconds, planner, app_kind = _one(payload, msg_id, seed, options)
    _, reports = await arun(to, app_kind=app_kind, clock=clock, timeout=seconds, planner=planner)  # type: ignore[arg-type]
    return reports[0]


def deliver_all(
    payloads: Iterable[Payload],
    to: object,
    *,
    duplicates: float = 0.0,
    reorder: bool | int = False,
    plan: DeliveryPlan | None = None,
    ordering: Ordering | None = None,
    seed: int | None = None,
    **options: Unpack[SendOptions],
) -> BatchReport:
    """Send every payload (say a :func:`~pytest_jobhooks.lifecycle`) with at-least-once chaos; one report for all.

    The chaos is a :class:`DeliveryPlan`: pass one as ``plan=`` (a hypothesis
    strategy, :func:`pytest_jobhooks.strategies.delivery_plans`, draws them),
    or let ``duplicates`` / ``reorder`` draw one under the seed: ``duplicates``
    is the probability that a payload is sent a second time (right after the
    first, or anywhere when reordering), both copies sharing their Svix message
    id as a redelivery does; ``reorder=True`` sends in a random order,
    ``reorder=k`` moves no send more than ``k`` places (the order always
    differs from the input's when it can). The report carries the plan and
    the seed (drawn when None): plan, message ids and a fresh secret repeat exactly.

    ``ordering``: ``"independent"`` retries each message on its own schedule
    without holding later ones back, so a failed message's retry arrives after
    the messages sent after it (Svix's behaviour, the default for
    Svix-delivered vendors: with a first answer 500, a Tensorlake endpoint sees
    ``pending`` (500), ``successful``, then the ``pending`` retry);
    ``"serial"`` waits until each message is delivered or given up before
    sending the next (the default for vendors that document nothing). Other
    options: see :func:`deliver`.
    """
    items, chosen, seed = batch_plan(payloads, duplicates=duplicates, reorder=reorder, plan=plan, seed=seed)
    msg_ids, rng = batch_ids(seed, len(items))
    clock, seconds, planner, app_kind = plan_payloads(items, chosen, msg_ids=msg_ids, rng=rng, **options)
    sent = run(to, app_kind=app_kind, clock=clock, timeout=seconds, planner=planner, ordering=ordering)
    return batch_report(items, chosen, seed, duplicates, reorder, sent)


async def deliver_all_async(
    payloads: Iterable[Payload],
    to: object,
    *,
    duplicates: float = 0.0,
    reorder: bool | int = False,
    plan: DeliveryPlan | None = None,
    ordering: Ordering | None = None,
    seed: int | None = None,
    **options: Unpack[SendOptions],
) -> BatchReport:
    """:func:`deliver_all` on the running event loop (see :func:`deliver_async`): same options, same report."""
    items, chosen, seed = batch_plan(payloads, duplicates=duplicates, reorder=reorder, plan=plan, seed=seed)
    msg_ids, rng = batch_ids(seed, len(items))
    clock, seconds, planner, app_kind = plan_payloads(items, chosen, msg_ids=msg_ids, rng=rng, **options)
    sent = await arun(to, app_kind=app_kind, clock=clock, timeout=seconds, planner=planner, ordering=ordering)
    return batch_report(items, chosen, seed, duplicates, reorder, sent)


class Sender(Seeded):
    """The sending functions bound to one seed, keeping everything sent (``jobhooks_sender``).

    A call without ``seed=`` uses the next seed drawn from :attr:`seed`, so a
    sender made with the same seed repeats every message id, fresh secret and
    chaos plan. :attr:`sent` lists each delivery in the order sent. A bare ASGI
    app gets one lifespan for all of this sender's deliveries to it (one for
    the sync methods, one on the loop for the async ones), shut down by
    :meth:`close` / :meth:`aclose` (the fixture calls them at the end of the test).
    """

    def __init__(self, seed: int | None = None) -> None:
        super().__init__(seed)
        self.sent: list[DeliveryReport] = []
        """Every delivery made so far (each send of ``deliver_all`` too), in the order sent."""
        self.batches: list[BatchReport] = []
        """The report of each ``deliver_all`` call."""
        self._apps: dict[tuple[int, str], RunningApp] = {}

    def __repr__(self) -> str:
        return f"<Sender seed={self.seed}, {len(self.sent)} sent>"

    @staticmethod
    def _is_bare_asgi(to: object, options: SendOptions) -> bool:
        if isinstance(to, (RunningApp, str, Endpoint)) or not callable(to):
            return False
        kind = options.get("app_kind")
        return kind == "asgi" or (kind is None and is_asgi(to))

    def _sync_target(self, to: object, options: SendOptions) -> object:
        if not self._is_bare_asgi(to, options):
            return to
        held = self._apps.get((id(to), "sync"))
        if held is None:
            held = RunningApp(to)  # type: ignore[arg-type]
            held.start()
            self._apps[(id(to), "sync")] = held
        return held

    async def _async_target(self, to: object, options: SendOptions) -> object:
        if not self._is_bare_asgi(to, options):
            return to
        held = self._apps.get((id(to), "async"))
        if held is None:
            held = RunningApp(to)  # type: ignore[arg-type]
            await held.astart()
            self._apps[(id(to), "async")] = held
        return held

    def deliver(
        self, payload: Payload, to: object, *, seed: int | None = None, **options: Unpack[DeliverOptions]
    ) -> DeliveryReport:
        """:func:`deliver` with this sender's next seed; the report is also added to :attr:`sent`."""
        report = deliver(payload, self._sync_target(to, options), seed=self.pick_seed(seed), **options)
        self.sent.append(report)
        return report

    async def deliver_async(
        self, payload: Payload, to: object, *, seed: int | None = None, **options: Unpack[DeliverOptions]
    ) -> DeliveryReport:
        """:func:`deliver_async` with this sender's next seed; the report is also added to :attr:`sent`."""
        target = await self._async_target(to, options)
        report = await deliver_async(payload, target, seed=self.pick_seed(seed), **options)
        self.sent.append(report)
        return report

    def deliver_all(
        self,
        payloads: Iterable[Payload],
        to: object,
        *,
        duplicates: float = 0.0,
        reorder: bool | int = False,
        plan: DeliveryPlan | None = None,
        ordering: Ordering | None = None,
        seed: int | None = None,
        **options: Unpack[SendOptions],
    ) -> BatchReport:
        """:func:`deliver_all` with this sender's next seed; its sends are also added to :attr:`sent`."""
        chosen = self.pick_seed(seed)
        target = self._sync_target(to, options)
        report = deliver_all(
            payloads, target, duplicates=duplicates, reorder=reorder, plan=plan, ordering=ordering, seed=chosen,
            **options,
        )  # fmt: skip
        return self._keep(report)

    async def deliver_all_async(
        self,
        payloads: Iterable[Payload],
        to: object,
        *,
        duplicates: float = 0.0,
        reorder: bool | int = False,
        plan: DeliveryPlan | None = None,
        ordering: Ordering | None = None,
        seed: int | None = None,
        **options: Unpack[SendOptions],
    ) -> BatchReport:
        """:func:`deliver_all_async` with this sender's next seed; its sends are also added to :attr:`sent`."""
        chosen = self.pick_seed(seed)
        target = await self._async_target(to, options)
        report = await deliver_all_async(
            payloads, target, duplicates=duplicates, reorder=reorder, plan=plan, ordering=ordering, seed=chosen,
            **options,
        )  # fmt: skip
        return self._keep(report)

    def _keep(self, report: BatchReport) -> BatchReport:
        self.batches.append(report)
        self.sent.extend(report.deliveries)
        return report

    async def aclose(self) -> None:
        """Shut down, on the running loop, the lifespans of the apps the async methods delivered to."""
        for key in [key for key in self._apps if key[1] == "async"]:
            await self._apps.pop(key).astop()

    def close(self) -> None:
        """Shut down the lifespans still open: the sync methods' (and async ones whose asyncio loop is idle)."""
        for key in list(self._apps):
            running = self._apps.pop(key)
            if running.mode == "sync":
                running.stop()
            elif running.loop is not None and not running.loop.is_closed() and not running.loop.is_running():
                running.loop.run_until_complete(running.astop())
            else:
                warnings.warn(
                    f"jobhooks_sender could not shut down the lifespan of {running.description}: its event loop "
                    "has ended (call `await jobhooks_sender.aclose()` at the end of the test)",
                    stacklevel=2,
                )

    @property
    def attempts(self) -> list[Attempt]:
        """Every attempt made, in the order made."""
        return [attempt for report in self.sent for attempt in report.attempts]

    def describe(self) -> str:
        """The seed and every delivery with its attempts (what a failing test's report shows)."""
        lines = [f"jobhooks_sender: seed={self.seed}, {len(self.sent)} delivery(ies) sent"]
        lines += [report.describe() for report in self.sent]
        return "\n".join(lines)
