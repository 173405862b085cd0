"""What ``CaptureServer.wait_for`` waits for, how a wait proceeds, and the message it fails with when nothing comes."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..deliveries import Delivery

if TYPE_CHECKING:
    from ._receiver import Receiver


@dataclass(frozen=True)
class Criteria:
    """Which deliveries count: every given criterion must hold (``status`` may be native or unified)."""

    vendor: str | None = None
    job_id: str | None = None
    status: str | None = None
    path: str | None = None
    predicate: Callable[[Delivery], bool] | None = None

    def mismatches(self, delivery: Delivery) -> list[str]:
        """Why ``delivery`` does not count (empty when it does)."""
        reasons: list[str] = []
        if self.path is not None and delivery.path != self.path:
            reasons.append(f"path is {delivery.path!r}, not {self.path!r}")
        if self.vendor is not None and delivery.vendor != self.vendor:
            reasons.append(f"vendor is {delivery.vendor!r}, not {self.vendor!r}")
        if self.job_id is not None and delivery.job_id != self.job_id:
            reasons.append(f"job id is {delivery.job_id!r}{_why_none(delivery)}, not {self.job_id!r}")
        if self.status is not None and self.status not in (delivery.status, delivery.unified):
            shown = f"{delivery.status!r} ({delivery.unified})" if delivery.status else f"None{_why_none(delivery)}"
            reasons.append(f"status is {shown}, not {self.status!r}")
        # The predicate only sees deliveries that pass the rest: it may assume their shape.
        if not reasons and self.predicate is not None and not self.predicate(delivery):
            reasons.append(f"predicate {getattr(self.predicate, '__name__', repr(self.predicate))} returned false")
        return reasons

    def describe(self) -> str:
        """The criteria as ``name=value`` pairs, or ``any`` when there are none."""
        given = [
            f"{name}={value!r}"
            for name, value in (
                ("vendor", self.vendor),
                ("job_id", self.job_id),
                ("status", self.status),
                ("path", self.path),
            )
            if value is not None
        ]
        if self.predicate is not None:
            given.append(f"predicate={getattr(self.predicate, '__name__', repr(self.predicate))}")
        return ", ".join(given) or "any"


def timeout_message(
    *,
    count: int,
    criteria: Criteria,
    timeout: float,
    url: str,
    deliveries: Sequence[Delivery],
    rejections: Sequence[str],
    note: str | None = None,
    waited: bool = True,
) -> str:
    """The failure of a ``wait_for``: what was expected, what arrived, and why each did not count."""
    verdicts = [criteria.mismatches(delivery) for delivery in deliveries]
    matched = sum(1 for reasons in verdicts if not reasons)
    noun = "delivery" if count == 1 else "deliveries"
    lines = [
        f"{f'waited {timeout:g} s' if waited else 'would have to wait'} for {count} {noun} matching "
        f"{criteria.describe()}; {matched} matched.",
    ]
    if not deliveries:
        lines.append(f"No delivery arrived at {url} (is the sender pointed at it?).")
    else:
        arrived = "delivery" if len(deliveries) == 1 else "deliveries"
        lines.append(f"{len(deliveries)} {arrived} arrived:")
        for number, (delivery, reasons) in enumerate(zip(deliveries, verdicts, strict=True), start=1):
            lines.append(f"  {number}. {delivery.describe()}")
            lines.append(f"     {'matched' if not reasons else 'no match: ' + '; '.join(reasons)}")
    if rejections:
        lines.append(f"{len(rejections)} request(s) turned away before they could be recorded:")
        lines.extend(f"  - {message}" for message in rejections)
    if note is not None:
        # A wait that did not happen says why first; a timeout, after what arrived.
        lines.insert(0 if not waited else len(lines), note)
    return "\n".join(lines)


def _why_none(delivery: Delivery) -> str:
    if delivery.job_state is not None or not delivery.problems:
        return ""
    return f" [{delivery.problems[0]}]"


class Wait:
    """One ``wait_for`` in progress: the deliveries that matched so far, across looks at the receiver's arrivals.

    Shared by the blocking :meth:`~pytest_jobhooks.CaptureServer.wait_for` and
    :meth:`~pytest_jobhooks.CaptureServer.wait_for_async`, so both count, restart
    on ``clear()`` and time out the same way.
    """

    def __init__(self, receiver: Receiver, count: int, criteria: Criteria, timeout: float) -> None:
        self.receiver = receiver
        self.count = count
        self.criteria = criteria
        self.timeout = timeout
        self.deadline = time.monotonic() + timeout
        self.expired = False
        self._generation, self._seen = -1, 0
        self._matched: list[Delivery] = []

    def look(self, until: float) -> list[Delivery] | None:
        """The matches once ``count`` have arrived, waiting for news until ``until`` (monotonic); None if not yet.

        Sets :attr:`expired` once nothing new arrived and the deadline has passed.
        """
        current, self._seen, fresh = self.receiver.arrivals(self._seen, self._generation, until)
        if current != self._generation:  # first look, or clear() was called meanwhile
            self._generation, self._matched = current, []
        self._matched.extend(delivery for delivery in fresh if not self.criteria.mismatches(delivery))
        if len(self._matched) >= self.count:
            return self._matched[: self.count]
        self.expired = not fresh and time.monotonic() >= self.deadline
        return None
