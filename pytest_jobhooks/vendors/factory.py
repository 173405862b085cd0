"""How a vendor makes realistic payloads: the contract a vendor module fills in, and small helpers for it.

:mod:`pytest_jobhooks.factories` holds the vendor-independent machinery (seeds,
times, overrides, validation, lifecycle walking, defects); a vendor module only
says what is particular to its payloads through a :class:`VendorFactory`. Every
callable receives an explicit ``random.Random``: nothing here reads the global
random state or the clock, so one seed always gives the same payloads.
"""

from __future__ import annotations

import random
import string
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ..errors import FactoryError
from .base import JsonObject, UnifiedStatus

__all__ = [
    "JobHistory",
    "VendorFactory",
    "bool_option",
    "check_outcome_option",
    "choice_option",
    "int_option",
    "random_token",
    "random_uuid",
]

_ALPHANUMERIC = string.ascii_letters + string.digits


@dataclass(frozen=True)
class JobHistory:
    """What a vendor factory knows when it writes one delivery of a job.

    ``job`` holds what every delivery of the job shares (drawn once by
    :attr:`VendorFactory.job`); ``states`` and ``times`` are the native states the
    job has been in so far and when it entered each, the current one last;
    ``outcome`` is the unified status the job ends in (what a terminal state says);
    ``options`` are the vendor options given (:attr:`VendorFactory.options`), e.g. a payload form.
    """

    job: JsonObject
    states: tuple[str, ...]
    times: tuple[datetime, ...]
    outcome: UnifiedStatus
    options: Mapping[str, object] = field(default_factory=dict)

    @property
    def state(self) -> str:
        """The native state this delivery reports."""
        return self.states[-1]

    @property
    def time(self) -> datetime:
        """When the job entered :attr:`state`."""
        return self.times[-1]

    @property
    def started(self) -> datetime:
        """When the job entered its first state."""
        return self.times[0]

    @property
    def previous(self) -> str | None:
        """The state before this one, or None for the first delivery."""
        return self.states[-2] if len(self.states) > 1 else None


@dataclass(frozen=True)
class VendorFactory:
    """How to make one vendor's realistic payloads and job histories; pass it as ``Vendor(factory=...)``.

    ``job(rng, job_id, start)`` draws what every delivery of one job shares (ids,
    names), using ``job_id`` when it is given. ``payload(rng, history)`` writes the
    delivery for ``history.state``. ``status_path(payload)`` says where the native
    status sits in a payload (used to break it on purpose). ``plan(rng, outcome,
    options)`` lists the native states a job passes through to end in ``outcome``
    (default: the shortest legal path); ``options`` names the keyword options
    ``plan`` understands, with what each means (e.g. Telmai's ``batch_wait_rounds``).
    """

    job: Callable[[random.Random, str | None, datetime], JsonObject]
    payload: Callable[[random.Random, JobHistory], JsonObject]
    status_path: Callable[[JsonObject], tuple[str, ...]]
    plan: Callable[[random.Random, UnifiedStatus, Mapping[str, object]], Sequence[str]] | None = None
    options: Mapping[str, str] = field(default_factory=dict)


def random_uuid(rng: random.Random) -> str:
    """A version 4 UUID drawn from ``rng`` (``uuid.uuid4()`` would read the OS's randomness)."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def random_token(rng: random.Random, length: int, alphabet: str = _ALPHANUMERIC) -> str:
    """``length`` characters drawn from ``alphabet`` (letters and digits by default)."""
    return "".join(rng.choice(alphabet) for _ in range(length))


def bool_option(options: Mapping[str, object], name: str, rng: random.Random, probability: float) -> bool:
    """Option ``name`` if given (it must be a bool), else True with ``probability``.

    The draw happens either way, so setting an option leaves every other drawn value as it was.
    """
    drawn = rng.random() < probability
    if name not in options:
        return drawn
    value = options[name]
    if not isinstance(value, bool):
        raise FactoryError(f"{name} must be True or False, not {value!r}")
    return value


def int_option(options: Mapping[str, object], name: str, rng: random.Random, choices: Sequence[int]) -> int:
    """Option ``name`` if given (it must be an int >= 0), else one of ``choices`` drawn from ``rng``.

    The draw happens either way, so setting an option leaves every other drawn value as it was.
    """
    drawn = rng.choice(choices)
    if name not in options:
        return drawn
    value = options[name]
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FactoryError(f"{name} must be an integer >= 0, not {value!r}")
    return value


def choice_option(options: Mapping[str, object], name: str, choices: Sequence[str]) -> str:
    """Option ``name`` if given (it must be one of ``choices``), else the first choice; nothing is drawn."""
    value = options.get(name, choices[0])
    if not isinstance(value, str) or value not in choices:
        raise FactoryError(f"{name} must be one of {', '.join(map(repr, choices))}, not {value!r}")
    return value


def check_outcome_option(options: Mapping[str, object], name: str, outcome: UnifiedStatus, applies_to: str) -> None:
    """Refuse option ``name`` set to True for an outcome it cannot shape (e.g. a planning failure that succeeds)."""
    if options.get(name) is True and outcome != applies_to:
        raise FactoryError(f"{name}=True only applies to outcome={applies_to!r}, not {outcome!r}")
