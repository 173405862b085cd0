"""The WSGI transport: a Flask (or any WSGI) app called in-process through httpx, no socket."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from ._httpx import SyncTarget, client
from .base import IN_PROCESS_BASE

__all__ = ["WsgiTarget", "app_error", "app_name"]


def app_error(exc: BaseException) -> str:
    """What an exception raised by an in-process app means, for the report."""
    return f"the app raised {type(exc).__name__}: {exc}"


def app_name(app: object) -> str:
    """How a report names an app: a function's qualified name, else its class (and Flask's import name)."""
    qualname = getattr(app, "__qualname__", None)
    if isinstance(qualname, str):  # a function
        return qualname
    name = getattr(app, "name", None)  # Flask's import name
    return type(app).__qualname__ + (f" {name!r}" if isinstance(name, str) else "")


class WsgiTarget(SyncTarget):
    """A WSGI app, called in this very thread (so ``timeout=`` cannot interrupt it)."""

    def __init__(self, app: Callable[..., Any]) -> None:
        made = client(transport=httpx.WSGITransport(app=app), base_url=IN_PROCESS_BASE)
        super().__init__(made, IN_PROCESS_BASE, f"WSGI app {app_name(app)}")

    def unexpected(self, exc: Exception) -> str:
        """The app raised ``exc``."""
        return app_error(exc)
