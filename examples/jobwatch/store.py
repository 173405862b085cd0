"""The latest state of every job, kept idempotently: duplicates and late deliveries never move a job backwards.

Vendors deliver at least once and in any order. The store ranks states by
their unified status (queued < running < a final state) and keeps, per job,
the furthest one seen: a finished job stays finished whatever arrives after,
and two states of the same rank are ordered by the time the vendor put on
them, when it did.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import Literal

from pytest_jobhooks import JobState

Outcome = Literal["created", "advanced", "duplicate", "ignored"]
"""What a delivery did to the store: a new job, a step forward, nothing new, or a stale state left out."""

FINAL = frozenset({"succeeded", "failed", "cancelled"})
_RANK = {"queued": 0, "running": 1}


class StoreUnavailable(Exception):
    """The store cannot take writes right now (a database outage, say); the receiver answers 503."""


@dataclass(frozen=True)
class JobRecord:
    """What the store knows about one job: its current state, the states it accepted, and how many deliveries came."""

    vendor: str
    job_id: str
    state: JobState
    history: tuple[str, ...]
    deliveries: int = 1

    @property
    def status(self) -> str:
        """The vendor's own status (``FINISHED``, ``DONE``...)."""
        return self.state.status

    @property
    def unified(self) -> str:
        """The unified status: queued, running, succeeded, failed or cancelled."""
        return self.state.unified

    @property
    def finished(self) -> bool:
        """Whether the job reached a final state."""
        return self.state.unified in FINAL


@dataclass(frozen=True)
class Change:
    """What one delivery did: the outcome, the job's record before (None for a new job) and after."""

    outcome: Outcome
    before: JobRecord | None
    after: JobRecord

    @property
    def moved(self) -> bool:
        """Whether the job's unified status changed (what jobwatch's subscriber hears about)."""
        return self.before is None or self.before.unified != self.after.unified


def rank(state: JobState) -> int:
    """How far along a state is: 0 queued, 1 running, 2 final."""
    return _RANK.get(state.unified, 2)


def is_newer(new: JobState, current: JobState) -> bool:
    """Whether ``new`` should replace ``current`` (never once ``current`` is final)."""
    if current.unified in FINAL:
        return False
    if rank(new) != rank(current):
        return rank(new) > rank(current)
    # Same rank (Tamr's RUNNING then STOPPING): only the vendor's own clock can order them.
    return new.time is not None and current.time is not None and new.time > current.time


class JobStore:
    """Thread-safe, in-memory store of :class:`JobRecord` per (vendor, job id).

    A real deployment keeps this in a database; the rules in :meth:`apply` stay the same.
    """

    def __init__(self) -> None:
        self._jobs: dict[tuple[str, str], JobRecord] = {}
        self._lock = threading.Lock()

    def apply(self, state: JobState) -> Change:
        """Record one delivery's state; returns what it changed."""
        key = (state.vendor, state.job_id)
        with self._lock:
            current = self._jobs.get(key)
            if current is None:
                record = JobRecord(state.vendor, state.job_id, state, (state.status,))
                outcome: Outcome = "created"
            elif is_newer(state, current.state):
                record = replace(
                    current, state=state, history=(*current.history, state.status), deliveries=current.deliveries + 1
                )
                outcome = "advanced"
            else:
                record = replace(current, deliveries=current.deliveries + 1)
                outcome = "duplicate" if state == current.state else "ignored"
            self._jobs[key] = record
            return Change(outcome, current, record)

    def get(self, vendor: str, job_id: str) -> JobRecord | None:
        """The record of one job, or None if no delivery for it arrived."""
        with self._lock:
            return self._jobs.get((vendor, job_id))

    def jobs(self) -> list[JobRecord]:
        """Every job's record, in the order the jobs were first seen."""
        with self._lock:
            return list(self._jobs.values())

    def __len__(self) -> int:
        with self._lock:
            return len(self._jobs)
