"""Fake vendor control planes: real HTTP servers that behave as a vendor's API does.

``GoFetchAPI`` (:mod:`pytest_jobhooks.fakes.gofetch`) is GoFetch's job status
webhook API; the ``jobhooks_gofetch_api`` fixture serves one per test.
"""

from __future__ import annotations

from .calls import APICall
from .gofetch import GoFetchAPI

__all__ = ["APICall", "GoFetchAPI"]
