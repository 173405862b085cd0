"""Argument checks, written once: one message style and one error type for every public entry point.

In the manner of hypothesis' ``internal/validation.py``: each check names the
argument as the caller spells it (``timeout=``), says what it takes, and shows
what it got. They raise :class:`~pytest_jobhooks.errors.ArgumentError`.
"""

from __future__ import annotations

import math
from collections.abc import Collection

from .errors import ArgumentError

__all__ = ["check_bool", "check_choice", "check_count", "check_number", "check_port", "check_seed"]


def check_number(
    name: str, value: object, *, minimum: float = 0.0, inclusive: bool = False, unit: str = "seconds"
) -> float:
    """``value`` as a float when it is a finite real number above ``minimum`` (or equal, if ``inclusive``)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or (value < minimum if inclusive else value <= minimum)
    ):
        bound = f"{'>=' if inclusive else '>'} {minimum:g}"
        raise ArgumentError(f"{name} must be a number of {unit} {bound}, not {value!r}")
    return float(value)


def check_count(name: str, value: object, *, minimum: int = 0, what: str = "an int") -> int:
    """``value`` when it is an int (not a bool) of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ArgumentError(f"{name} must be {what} >= {minimum}, not {value!r}")
    return value


def check_seed(value: object, name: str = "seed") -> int:
    """A seed: any int >= 0 (the one message every entry point that takes a seed gives)."""
    return check_count(name, value, what="an int")


def check_port(value: object, name: str = "port") -> int:
    """A TCP port, 0 meaning "any free one"."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 65535:
        raise ArgumentError(f"{name} must be an int from 0 to 65535, not {value!r}")
    return value


def check_bool(name: str, value: object) -> bool:
    """``value`` when it is True or False."""
    if not isinstance(value, bool):
        raise ArgumentError(f"{name} must be True or False, not {value!r}")
    return value


def check_choice(name: str, value: object, choices: Collection[object]) -> object:
    """``value`` when it is one of ``choices``."""
    if value not in choices:
        allowed = ", ".join(repr(choice) for choice in choices)
        raise ArgumentError(f"{name} must be one of {allowed}, not {value!r}")
    return value
