"""Retry schedules and delivery rules: when a failed delivery is tried again, and how the vendor's sender behaves.

:data:`SVIX_RETRY_SCHEDULE` is Svix's documented one, :data:`INFERRED_RETRY_SCHEDULE`
the one assumed for a vendor that documents retries without a schedule, and
:data:`NO_RETRIES` a single attempt; :func:`default_retry_schedule` picks a
vendor's from its :class:`~pytest_jobhooks.DeliveryStyle`. :class:`DeliveryRules`
say the rest of what the vendor's sender does (:data:`SVIX_DELIVERY_RULES`:
15 s per attempt, each message retried on its own, ``abort-message`` honoured),
picked by :func:`default_delivery_rules` from the same ``retries`` declaration.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from itertools import accumulate
from typing import Literal

from ..errors import DeliveryError
from ..vendors.base import AnyVendor
from ._clock import Delay, format_offset, to_delays

__all__ = [
    "DEFAULT_DELIVERY_RULES",
    "INFERRED_RETRY_SCHEDULE",
    "NO_RETRIES",
    "SVIX_DELIVERY_RULES",
    "SVIX_RETRY_SCHEDULE",
    "Delay",
    "DeliveryRules",
    "Ordering",
    "RetrySchedule",
    "default_delivery_rules",
    "default_retry_schedule",
    "schedule_for",
]

Ordering = Literal["independent", "serial"]
"""How ``deliver_all`` treats retries: each message on its own clock, or one after another."""


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


def default_retry_schedule(vendor: AnyVendor | None) -> RetrySchedule:
    """The schedule ``vendor`` retries on, from its style's ``retries``: Svix's, inferred (Telmai), or none.

    A request no vendor sends (a replayed line of an unknown vendor) has no documented schedule: one attempt.
    """
    if vendor is None:
        return NO_RETRIES
    if vendor.delivery.retries == "svix":
        return SVIX_RETRY_SCHEDULE
    if vendor.delivery.retries == "undocumented":
        return INFERRED_RETRY_SCHEDULE
    return NO_RETRIES


def schedule_for(retry: object, vendor: AnyVendor | None) -> RetrySchedule:
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


@dataclass(frozen=True)
class DeliveryRules:
    """What a vendor's sending service does besides its retry schedule, as documented (``source``).

    ``ordering``: ``"independent"`` retries each message on its own schedule
    while later messages go out (the disorder a real endpoint sees), ``"serial"``
    holds later messages back until the earlier one is delivered or given up.
    ``timeout``: seconds an attempt may take. ``abort_header``: a response
    header (name, value) that stops the message's retries.
    """

    name: str
    ordering: Ordering = "serial"
    timeout: float = 10.0
    abort_header: tuple[str, str] | None = None
    source: str = ""

    def aborts(self, headers: Iterable[tuple[str, str]]) -> bool:
        """Whether a response with ``headers`` asks to stop retrying."""
        if self.abort_header is None:
            return False
        name, value = self.abort_header
        return any(key.lower() == name and item.strip().lower() == value for key, item in headers)


SVIX_DELIVERY_RULES = DeliveryRules(
    "svix",
    ordering="independent",
    timeout=15.0,
    abort_header=("webhook-delivery", "abort-message"),
    source=(
        "Svix docs (Retries): each message is retried on its own schedule, an attempt times out after 15 s, "
        "and an answer carrying 'webhook-delivery: abort-message' stops the message's retries"
    ),
)
"""How Svix sends (Tensorlake delivers through it)."""

DEFAULT_DELIVERY_RULES = DeliveryRules(
    "default",
    source=(
        "undocumented: the vendor says nothing about ordering, timeouts or stopping retries; "
        "messages are sent one after another (ordering='serial'), 10 s per attempt"
    ),
)
"""The rules of a vendor that documents none (GoFetch, Telmai, Tamr): serial, 10 s per attempt."""


def default_delivery_rules(vendor: AnyVendor | None) -> DeliveryRules:
    """The rules ``vendor``'s sender follows, from its style's ``retries``: Svix's, or the default."""
    if vendor is not None and vendor.delivery.retries == "svix":
        return SVIX_DELIVERY_RULES
    return DEFAULT_DELIVERY_RULES
