"""Load the library and its heavy dependencies once, before any in-process pytester run.

pytester restores ``sys.modules`` after each in-process run, so anything first
imported inside one is imported again in the next (slow, and it would leave two
copies of classes such as ``Vendor`` in play). Importing them here keeps one copy.
"""

from __future__ import annotations

import flask  # noqa: F401

# httpx maps httpcore's exception classes once; httpcore first imported inside a pytester run would be
# unloaded after it, and a later timeout would then escape as a stale httpcore class.
import httpcore  # noqa: F401
import httpx  # noqa: F401
import hypothesis  # noqa: F401
import jsonschema  # noqa: F401
import starlette.applications  # noqa: F401
import svix.webhooks  # noqa: F401

import pytest_jobhooks as jh
import pytest_jobhooks.strategies

for _name in jh.__all__:
    getattr(jh, _name)
