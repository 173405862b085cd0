"""At-least-once chaos: which payloads are sent twice, and in which order everything goes out.

Deterministic under the ``random.Random`` it is given: the same seed, count
and settings give the same plan in every process.
"""

from __future__ import annotations

import random

from .._checks import check_count
from ..errors import ArgumentError

# Redraws of an order that came out unchanged: plenty for any list whose order can change.
_REDRAWS = 1000


def check_chaos(duplicates: float, reorder: bool | int) -> None:
    """Refuse a duplicate probability outside 0..1, or a ``reorder`` that is not a bool or a distance >= 1."""
    if isinstance(duplicates, bool) or not isinstance(duplicates, (int, float)) or not 0 <= duplicates <= 1:
        # A probability: _checks has no bounded-number check, and this message says what the number means.
        raise ArgumentError(
            f"duplicates= is the probability (0 to 1) that a delivery is sent twice, not {duplicates!r}"
        )
    if not isinstance(reorder, bool):
        check_count("reorder=", reorder, minimum=1, what="True, False or the farthest a delivery may move: an int")


def plan(count: int, *, duplicates: float, reorder: bool | int, rng: random.Random) -> list[tuple[int, int]]:
    """The sends, in order, as (index into the payloads, copy number: 0 for the first one sent, then 1).

    Each payload is sent once, and once more with probability ``duplicates``
    (right after the first, unless reordering). ``reorder=True`` sends
    everything in a random order; ``reorder=k`` moves no send more than ``k``
    places. Either way the order of payloads differs from the input's whenever
    such an order exists.
    """
    check_chaos(duplicates, reorder)
    indexes: list[int] = []
    for index in range(count):
        indexes.append(index)
        if duplicates and rng.random() < duplicates:
            indexes.append(index)
    if reorder is not False and len(set(indexes)) > 1:
        indexes = _reordered(indexes, reorder, rng)
    seen: dict[int, int] = {}
    sends: list[tuple[int, int]] = []
    for index in indexes:
        sends.append((index, seen.get(index, 0)))
        seen[index] = seen.get(index, 0) + 1
    return sends


def _reordered(indexes: list[int], reorder: bool | int, rng: random.Random) -> list[int]:
    for _ in range(_REDRAWS):
        if reorder is True:
            candidate = indexes[:]
            rng.shuffle(candidate)
        else:
            # Sorting by position plus a random shift of less than k+1 moves nothing more than k places.
            span = int(reorder) + 1
            keys = [position + rng.random() * span for position in range(len(indexes))]
            candidate = [index for _, index in sorted(zip(keys, indexes, strict=True), key=lambda pair: pair[0])]
        if candidate != indexes:
            return candidate
    return indexes  # pragma: no cover - a changed order exists and each draw finds one with high probability
