"""Hypothesis strategies for property-based tests of webhook receivers (needs the ``hypothesis`` extra).

Each strategy draws a seed with ``st.integers`` and hands it to
:mod:`pytest_jobhooks.factories`, so a failing example shrinks towards seed 0,
the simplest path and fewest duplicates, and the payloads stay valid and
realistic throughout. Importing this module imports hypothesis; nothing else in
pytest-jobhooks does.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from hypothesis import strategies as st

from .errors import FactoryError
from .factories import build, lifecycle, outcomes
from .vendors import get_vendor
from .vendors.base import AnyVendor, JsonObject, UnifiedStatus

__all__ = ["ChaoticDeliveries", "deliveries_with_chaos", "lifecycles", "payloads", "seeds"]

_SEED_MAX = 2**64 - 1


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


def lifecycles(vendor: str | AnyVendor, outcome: UnifiedStatus | None = None) -> st.SearchStrategy[list[JsonObject]]:
    """Whole job lifecycles of ``vendor`` ending in ``outcome``, or in any outcome it can reach when None."""
    spec = get_vendor(vendor)
    reachable = outcomes(spec)
    chosen = list(reachable) if outcome is None else [outcome]
    lifecycle(spec, outcome=chosen[0], seed=0)  # no factory, or an outcome it cannot reach, fails here
    return st.tuples(st.sampled_from(chosen), seeds()).map(
        lambda drawn: lifecycle(spec, outcome=drawn[0], seed=drawn[1])
    )


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
