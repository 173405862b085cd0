"""What every bench shares: interleaved rounds, and ratios printed as median and min-max with the machine's load.

Each measurement is a callable returning seconds per operation. :func:`interleave`
runs every one once per round, in turn, for ``rounds`` rounds, so load on the
machine (other processes on the same cores) falls on all of them alike; a ratio
is taken per round, then summarised.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Mapping

Measure = Callable[[], float]


def per_call(function: Callable[[], object], count: int) -> Measure:
    """A measure: seconds per call of ``function``, over ``count`` calls."""

    def measure() -> float:
        started = time.perf_counter()
        for _ in range(count):
            function()
        return (time.perf_counter() - started) / count

    return measure


def interleave(measures: Mapping[str, Measure], rounds: int) -> dict[str, list[float]]:
    """Seconds per operation of each measure, one value per round, the measures run in turn each round."""
    results: dict[str, list[float]] = {name: [] for name in measures}
    for _ in range(rounds):
        for name, measure in measures.items():
            results[name].append(measure())
    return results


def spread(values: list[float], scale: float = 1.0, digits: int = 3) -> str:
    """``median (min-max)`` of ``values`` times ``scale``."""
    low, mid, high = min(values) * scale, statistics.median(values) * scale, max(values) * scale
    return f"{mid:.{digits}f} ({low:.{digits}f}-{high:.{digits}f})"


def ratio(results: dict[str, list[float]], slower: str, faster: str) -> str:
    """How many times ``slower`` takes ``faster``'s time, per round: ``median (min-max)``x."""
    per_round = [a / b for a, b in zip(results[slower], results[faster], strict=True)]
    return spread(per_round, digits=2) + "x"


def load() -> str:
    """The machine's load averages (1, 5, 15 minutes) and its cores: other work skews every figure."""
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"
