"""Hypothesis strategies for property-based tests of webhook receivers (needs the ``hypothesis`` extra).

Each strategy draws a seed with ``st.integers`` and hands it to
:mod:`pytest_jobhooks.factories`, so a failing example shrinks towards seed 0,
the simplest path and fewest duplicates, and the payloads stay valid and
realistic throughout. Importing this module imports hypothesis; nothing else in
pytest-jobhooks does.

:func:`lifecycles` gives every example a fresh job id (never one an earlier
example used, even while shrinking), so a receiver's state and contract mode
judge each example's job on its own; :func:`delivery_plans` draws the chaos of
``deliver_all(payloads, to, plan=...)`` as a
:class:`~pytest_jobhooks.sender.DeliveryPlan`, shrinking towards the plain
in-order plan. (``deliveries_with_chaos`` is deprecated: it returned an
already-shuffled list that ``deliver_all`` cannot take as a plan.)
"""

from __future__ import annotations

import copy
import itertools
import os
from dataclasses import dataclass

from hypothesis import strategies as st

from .errors import FactoryError
from .factories import build, lifecycle, outcomes
from .sender import DeliveryPlan, PlannedSend
from .vendors import get_vendor
from .vendors.base import AnyVendor, JsonObject, UnifiedStatus

__all__ = ["ChaoticDeliveries", "deliveries_with_chaos", "delivery_plans", "lifecycles", "payloads", "seeds"]

_SEED_MAX = 2**64 - 1
_JOBS = itertools.count(1)


def _fresh_job_id(vendor: AnyVendor, seed: int) -> str:
    """A job id no other example of this process has used: the drawn shape, a new identity."""
    drawn = lifecycle(vendor, seed=seed)[0]
    base = next((str(value) for key, value in drawn.items() if "job" in key.lower() and isinstance(value, str)), "job")
    return f"{base}-x{os.getpid()}-{next(_JOBS)}"


def seeds() -> st.SearchStrategy[int]:
    """Seeds for :mod:`pytest_jobhooks.factories` (shrinking towards 0)."""
    return st.integers(min_value=0, max_value=_SEED_MAX)


def payloads(vendor: str | AnyVendor, status: str | None = None) -> st.SearchStrategy[JsonObject]:
    """Valid payloads of ``vendor`` in native ``status``, or in any of its statuses and outcomes when None."""
    spec = get_vendor(vendor)
    life = spec.lifecycle
    if status is not None:
        build(spec, status=status, seed=0)  # an unknown status fails here, not in the first example
    wanted = [status] if status is not None else list(life.states)
    # A terminal status that can mean several outcomes (Tamr's DONE) is drawn with each of them.
    targets = [
        (state, outcome if life.is_terminal(state) else None)
        for state in wanted
        for outcome in (life.unified[state] if life.is_terminal(state) else (None,))
    ]
    if spec.factory is None:
        targets = [target for target in targets if _has_example(spec, *target)]
        if not targets:
            raise FactoryError(f"{spec.name} has no factory and no documented example to draw payloads from")
    return st.tuples(st.sampled_from(targets), seeds()).map(
        lambda drawn: build(spec, status=drawn[0][0], outcome=drawn[0][1], seed=drawn[1])
    )


def lifecycles(
    vendor: str | AnyVendor, outcome: UnifiedStatus | None = None, *, fresh_ids: bool = True
) -> st.SearchStrategy[list[JsonObject]]:
    """Whole job lifecycles of ``vendor`` ending in ``outcome``, or in any outcome it can reach when None.

    With ``fresh_ids`` (the default) each example's job has a job id no earlier
    example had, so examples never share a job in the receiver or in contract
    mode; ``fresh_ids=False`` keeps the seed's own id (repeating across examples).
    """
    spec = get_vendor(vendor)
    reachable = outcomes(spec)
    chosen = list(reachable) if outcome is None else [outcome]
    lifecycle(spec, outcome=chosen[0], seed=0)  # no factory, or an outcome it cannot reach, fails here

    def made(drawn: tuple[UnifiedStatus, int]) -> list[JsonObject]:
        job_id = _fresh_job_id(spec, drawn[1]) if fresh_ids else None
        return lifecycle(spec, outcome=drawn[0], seed=drawn[1], job_id=job_id)

    return st.tuples(st.sampled_from(chosen), seeds()).map(made)


def delivery_plans(
    count: int, *, max_duplicates: int = 3, reorder: bool = True, max_lost: int = 1
) -> st.SearchStrategy[DeliveryPlan]:
    """Plans for ``deliver_all(payloads, to, plan=...)`` over ``count`` payloads: duplicates, order, lost attempts.

    Every payload is sent at least once; up to ``max_duplicates`` extra sends,
    any order when ``reorder``, and up to ``max_lost`` lost first attempts per
    send (retried on the vendor's schedule). Shrinks towards
    :meth:`DeliveryPlan.in_order` (no duplicates, input order, nothing lost).
    """
    for name, value in (("count", count), ("max_duplicates", max_duplicates), ("max_lost", max_lost)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise FactoryError(f"{name} must be an integer >= 0, not {value!r}")

    @st.composite
    def plans(draw: st.DrawFn) -> DeliveryPlan:
        extra = draw(st.lists(st.integers(min_value=0, max_value=max(count - 1, 0)), max_size=max_duplicates))
        order = sorted([*range(count), *(extra if count else [])])
        if reorder:
            order = draw(st.permutations(order))
        lost = draw(st.lists(st.integers(min_value=0, max_value=max_lost), min_size=len(order), max_size=len(order)))
        return DeliveryPlan(PlannedSend(index, lost=losses) for index, losses in zip(order, lost, strict=True))

    return plans()


@dataclass(frozen=True)
class ChaoticDeliveries:
    """A job's lifecycle as sent, and the deliveries as a receiver gets them: duplicated and out of order.

    ``deliveries[i]`` is a copy of ``lifecycle[order[i]]``; every lifecycle entry
    arrives at least once. A receiver that handles them well ends up where
    ``lifecycle[-1]`` says the job is.
    """

    lifecycle: list[JsonObject]
    deliveries: list[JsonObject]
    order: tuple[int, ...]

    @property
    def plan(self) -> DeliveryPlan:
        """The same chaos as a plan ``deliver_all(self.lifecycle, to, plan=...)`` executes."""
        return DeliveryPlan(self.order)

    @property
    def final(self) -> JsonObject:
        """The last delivery the vendor sent: where the job really ends up."""
        return self.lifecycle[-1]


def deliveries_with_chaos(
    vendor: str | AnyVendor,
    outcome: UnifiedStatus | None = None,
    *,
    max_duplicates: int = 3,
    reorder: bool = True,
) -> st.SearchStrategy[ChaoticDeliveries]:
    """A lifecycle (see :func:`lifecycles`) delivered with up to ``max_duplicates`` retries, reordered if ``reorder``.

    Shrinks towards the lifecycle in order without duplicates. Without
    ``reorder``, a duplicate follows its original (a retry that arrives late).

    Deprecated: draw ``lifecycles(vendor)`` and ``delivery_plans(len(life))``
    and send them with ``deliver_all(life, to, plan=plan)``; the result's
    :attr:`ChaoticDeliveries.plan` is the same chaos as a plan.
    """
    if isinstance(max_duplicates, bool) or not isinstance(max_duplicates, int) or max_duplicates < 0:
        raise FactoryError(f"max_duplicates must be an integer >= 0, not {max_duplicates!r}")
    jobs = lifecycles(vendor, outcome)

    @st.composite
    def chaos(draw: st.DrawFn) -> ChaoticDeliveries:
        life = draw(jobs)
        extra = draw(st.lists(st.integers(min_value=0, max_value=len(life) - 1), max_size=max_duplicates))
        order = sorted([*range(len(life)), *extra])
        if reorder:
            order = draw(st.permutations(order))
        return ChaoticDeliveries(life, [copy.deepcopy(life[index]) for index in order], tuple(order))

    return chaos()


def _has_example(spec: AnyVendor, status: str, outcome: UnifiedStatus | None) -> bool:
    try:
        build(spec, status=status, outcome=outcome, seed=0)
    except FactoryError:
        return False
    return True
