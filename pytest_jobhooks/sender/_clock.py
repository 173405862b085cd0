"""Retry delays and the sender's clock: virtual by default (nothing sleeps), real on request.

The clock of one ``deliver`` / ``deliver_all`` call starts at ``start`` (default:
the ``timestamp`` given, else now) and moves only when the next attempt is due
(the orchestration in :mod:`._steps` moves it; a driver really waits only with
``real_time=True``), so the scheduled time never goes backwards.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone

from .._checks import check_number
from ..errors import DeliveryError

Delay = float | int | timedelta
"""A wait before a retry: seconds, or a ``timedelta``."""

REAL_TIME_LIMIT = timedelta(minutes=10)
"""The longest total wait ``real_time=True`` accepts: longer schedules would hang a test run."""


def to_delays(values: Iterable[Delay]) -> tuple[timedelta, ...]:
    """``values`` as timedeltas; each must be a finite number of seconds >= 0 (or a timedelta >= 0)."""
    delays: list[timedelta] = []
    for value in values:
        seconds = value.total_seconds() if isinstance(value, timedelta) else value
        check_number("a retry delay", seconds, minimum=0, inclusive=True, unit="seconds (or a timedelta)")
        delays.append(value if isinstance(value, timedelta) else timedelta(seconds=value))
    return tuple(delays)


def to_datetime(value: datetime | float | None, name: str) -> datetime | None:
    """An aware UTC datetime from a datetime or Unix seconds (None stays None); a naive datetime is refused."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise DeliveryError(f"{name}= must be timezone-aware (e.g. datetime.now(timezone.utc)), not {value!r}")
        return value.astimezone(timezone.utc)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value >= 0:
        return datetime.fromtimestamp(value, timezone.utc)
    raise DeliveryError(f"{name}= must be a datetime or Unix seconds, not {value!r}")


class Clock:
    """The time of one sending call: where it started, how far retries have moved it, how to sign.

    ``anchor`` (the ``timestamp=`` given) pins signature timestamps to the
    clock: each attempt is signed at ``anchor`` plus the time the clock has
    moved. Without it each attempt is signed at the real moment it is sent,
    which is what a receiver checking timestamps against its own clock accepts.
    """

    def __init__(self, *, start: datetime | None, anchor: datetime | None, real_time: bool) -> None:
        self.origin = start or anchor or datetime.now(timezone.utc)
        self.anchor = anchor
        self.real_time = real_time
        self.elapsed = timedelta(0)

    @property
    def now(self) -> datetime:
        """The clock's current (virtual) time."""
        return self.origin + self.elapsed

    def signing_time(self) -> datetime:
        """The timestamp an attempt sent now is signed with."""
        if self.anchor is not None:
            return self.anchor + self.elapsed
        return datetime.now(timezone.utc)


def check_real_time(delays: tuple[timedelta, ...], real_time: bool) -> None:
    """Refuse a real-time schedule that would wait longer than :data:`REAL_TIME_LIMIT` in all."""
    total = sum(delays, timedelta(0))
    if real_time and total > REAL_TIME_LIMIT:
        raise DeliveryError(
            f"real_time=True would wait {format_offset(total)} for this retry schedule (limit "
            f"{format_offset(REAL_TIME_LIMIT)}): pass a short one, e.g. retry=[0.01, 0.01], or keep virtual time"
        )


def format_offset(delta: timedelta) -> str:
    """A duration for humans: ``0s``, ``5s``, ``5m05s``, ``2h35m05s``, ``0.25s``."""
    seconds = delta.total_seconds()
    if seconds < 60 and seconds != int(seconds):
        return f"{seconds:g}s"
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m{secs:02d}s"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"
