"""Seeds: fresh ones from the OS, derived ones that do not depend on hashing or call order.

Kept free of heavy imports: the pytest plugin uses it at start-up.
"""

from __future__ import annotations

import hashlib
import random
import secrets

from .errors import FactoryError

SEED_BITS = 64
"""Seeds drawn here are below ``2**SEED_BITS``; any non-negative int is accepted."""


def fresh_seed(bits: int = SEED_BITS) -> int:
    """A new seed from the operating system's randomness (never from the global ``random`` state)."""
    return secrets.randbits(bits)


def check_seed(seed: object) -> int:
    """``seed`` if it is a non-negative int, else :class:`~pytest_jobhooks.errors.FactoryError`."""
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise FactoryError(f"a seed must be an integer >= 0, not {seed!r}")
    return seed


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
