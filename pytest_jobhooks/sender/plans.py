"""Delivery plans: the at-least-once chaos of ``deliver_all`` as a value (which sends, in which order, what is lost).

A :class:`DeliveryPlan` lists the sends in the order they go out, each naming
the payload it carries and how many of its first attempts are lost on the way
(the sender sees no answer and retries on the vendor's schedule). ``deliver_all(
payloads, to, plan=...)`` executes it exactly; ``duplicates=`` / ``reorder=``
draw one under the seed; :func:`pytest_jobhooks.strategies.delivery_plans`
generates them for hypothesis, shrinking towards :meth:`DeliveryPlan.in_order`.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass

from .._checks import check_count
from ..errors import ArgumentError
from ._chaos import plan as draw_plan

__all__ = ["DeliveryPlan", "PlannedSend"]


@dataclass(frozen=True)
class PlannedSend:
    """One send of a plan: payload ``index``, its ``copy`` number (0 first, then 1, 2...), ``lost`` first attempts."""

    index: int
    copy: int = 0
    lost: int = 0

    def __str__(self) -> str:
        text = str(self.index) + "'" * self.copy
        return text + (f"(lost {self.lost})" if self.lost else "")


@dataclass(frozen=True, init=False)
class DeliveryPlan:
    """The sends of a ``deliver_all`` call, in sending order: ``DeliveryPlan([0, 2, 1, 1], lost={0: 1})``.

    ``sends`` takes payload indexes (a repeated index is a duplicate: the same
    message sent again, sharing its message id) or :class:`PlannedSend`
    values; ``lost`` maps a position in ``sends`` to how many of that send's
    first attempts never reach the receiver. Frozen and printable:
    ``str(plan)`` is ``0 2 1 1'`` with ``'`` marking duplicates.
    """

    sends: tuple[PlannedSend, ...]

    def __init__(self, sends: Iterable[int | PlannedSend], *, lost: dict[int, int] | None = None) -> None:
        if isinstance(sends, (str, bytes)) or not isinstance(sends, Iterable):
            raise ArgumentError(f"DeliveryPlan() takes a list of payload indexes, not {sends!r}")
        seen: dict[int, int] = {}
        made: list[PlannedSend] = []
        for position, send in enumerate(sends):
            if isinstance(send, PlannedSend):
                index, losses = send.index, send.lost
            else:
                index, losses = send, 0
            check_count("a DeliveryPlan's payload index", index, minimum=0)
            losses = (lost or {}).get(position, losses)
            check_count("a DeliveryPlan's lost attempts", losses, minimum=0)
            made.append(PlannedSend(index, seen.get(index, 0), losses))
            seen[index] = seen.get(index, 0) + 1
        object.__setattr__(self, "sends", tuple(made))

    @classmethod
    def in_order(cls, count: int) -> DeliveryPlan:
        """Each of ``count`` payloads once, in order, nothing lost: what a perfect network delivers."""
        check_count("count", count, minimum=0)
        return cls(range(count))

    @classmethod
    def random(cls, count: int, *, duplicates: float = 0.0, reorder: bool | int = False, seed: int = 0) -> DeliveryPlan:
        """A plan drawn as ``deliver_all(duplicates=, reorder=, seed=)`` draws one (see :func:`deliver_all`)."""
        from .._seeds import derive_seed

        rng = random.Random(derive_seed(seed, "plan"))
        return cls(index for index, _ in draw_plan(count, duplicates=duplicates, reorder=reorder, rng=rng))

    @property
    def order(self) -> list[int]:
        """The payload index of each send, in sending order."""
        return [send.index for send in self.sends]

    @property
    def in_order_plain(self) -> bool:
        """Whether this is the plain plan: every payload once, in order, nothing lost."""
        return self.order == list(range(len(self.sends))) and not any(send.lost for send in self.sends)

    def check(self, count: int) -> None:
        """Refuse a plan that names a payload beyond the ``count`` given or leaves one out."""
        for send in self.sends:
            if send.index >= count:
                raise ArgumentError(f"plan= sends payload #{send.index}, but only {count} payload(s) were given")
        missing = sorted(set(range(count)) - {send.index for send in self.sends})
        if missing:
            raise ArgumentError(
                f"plan= never sends payload(s) {missing}: at-least-once delivery sends each payload at least once"
            )

    def __str__(self) -> str:
        return " ".join(str(send) for send in self.sends) or "(no sends)"

    def __repr__(self) -> str:
        lost = {position: send.lost for position, send in enumerate(self.sends) if send.lost}
        extra = f", lost={lost}" if lost else ""
        return f"DeliveryPlan({self.order}{extra})"
