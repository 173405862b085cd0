"""Seeds: fresh ones from the OS, derived ones that do not depend on hashing or call order.

Kept free of heavy imports: the pytest plugin uses it at start-up.
"""

from __future__ import annotations

import hashlib
import random
import secrets

from ._checks import check_seed

SEED_BITS = 64
"""Seeds drawn here are below ``2**SEED_BITS``; any non-negative int is accepted."""


def fresh_seed(bits: int = SEED_BITS) -> int:
    """A new seed from the operating system's randomness (never from the global ``random`` state)."""
    return secrets.randbits(bits)


def derive_seed(seed: int, label: str) -> int:
    """A seed for ``label`` under ``seed``: stable across processes, Python versions and platforms."""
    digest = hashlib.sha256(f"{seed}/{label}".encode()).digest()
    return int.from_bytes(digest[: SEED_BITS // 8], "big")


def stream(seed: int, label: str) -> random.Random:
    """An independent ``random.Random`` for one purpose (``label``) under ``seed``.

    One stream per purpose keeps draws apart: fixing one value (say a job id)
    leaves every other drawn value unchanged.
    """
    return random.Random(derive_seed(seed, label))


class Seeded:
    """Base of the objects bound to one seed (``SeededFactory``, ``Sender``): each call without ``seed=``
    draws the next seed from :attr:`seed`, so an object made with the same seed repeats every call exactly."""

    def __init__(self, seed: int | None = None) -> None:
        self.seed: int = fresh_seed() if seed is None else check_seed(seed)
        """The seed every call's seed is drawn from; an object made with it replays them."""
        self._draws = random.Random(self.seed)

    def next_seed(self) -> int:
        """The seed the next call without ``seed=`` will use (drawing it: the call after gets another)."""
        return self._draws.getrandbits(SEED_BITS)

    def pick_seed(self, seed: int | None) -> int:
        """``seed`` when given (checked), else :meth:`next_seed`."""
        return self.next_seed() if seed is None else check_seed(seed)
