"""Where a delivery goes: a URL (httpx over a socket), or a WSGI / ASGI app called in-process (no socket).

One :class:`Target` per sending call keeps one httpx client (and, for an ASGI
app, one event loop) for all of its requests. One module per transport
(:mod:`.http`, :mod:`.wsgi`, :mod:`.asgi`) behind the small base in :mod:`.base`;
each imports httpx, so :func:`open_target` imports the one it opens.
"""

from __future__ import annotations

import inspect

from ..._checks import check_choice
from ...errors import DeliveryError
from .base import IN_PROCESS_BASE, AppKind, Endpoint, Exchange, Pairs, Target

__all__ = [
    "IN_PROCESS_BASE",
    "AppKind",
    "Endpoint",
    "Exchange",
    "Pairs",
    "Target",
    "is_asgi",
    "join_url",
    "open_target",
]


def open_target(to: object, *, app_kind: AppKind | None = None) -> tuple[Target, str | None]:
    """The :class:`Target` for ``to`` and the signing secret it brings (an :class:`Endpoint`'s), if any.

    ``to`` is an ``http(s)://`` URL, an :class:`Endpoint` (such as a
    :class:`~pytest_jobhooks.CaptureServer`: its ``url`` and ``secret``), or an
    app: ASGI when ``app_kind="asgi"`` or when it (or its ``__call__``) is a
    coroutine function (Starlette and FastAPI apps are), else WSGI.
    """
    check_choice("app_kind=", app_kind, ("wsgi", "asgi", None))
    # Deferred: httpx is imported when something is sent, not when the sender is.
    from .http import HttpTarget, checked_url, is_url

    if is_url(to):  # first: a str is no Endpoint, and isinstance() on a Protocol costs ~50 µs a call
        if app_kind is not None:
            raise DeliveryError(f"app_kind= is for in-process apps, not a URL ({str(to)!r})")
        return HttpTarget(checked_url(str(to))), None
    if isinstance(to, Endpoint) and isinstance(to.url, str):
        if app_kind is not None:
            raise DeliveryError(f"app_kind= is for in-process apps, not a capture server ({type(to).__name__})")
        return HttpTarget(checked_url(to.url)), to.secret
    if not callable(to):
        raise DeliveryError(
            f"cannot deliver to {to!r}: expected an http(s):// URL, a CaptureServer, or a WSGI or ASGI app"
        )
    if (app_kind or ("asgi" if is_asgi(to) else "wsgi")) == "asgi":
        from .asgi import AsgiTarget

        return AsgiTarget(to), None
    from .wsgi import WsgiTarget

    return WsgiTarget(to), None


def is_asgi(app: object) -> bool:
    """Whether ``app`` looks like an ASGI app: a coroutine function, or an object whose ``__call__`` is one."""
    return inspect.iscoroutinefunction(app) or inspect.iscoroutinefunction(type(app).__call__)


def join_url(base: str, path: str | None) -> str:
    """``base`` with ``path`` appended (one ``/`` between them); ``base`` itself when ``path`` is None."""
    if path is None:
        return base
    if not isinstance(path, str):
        raise DeliveryError(f"path must be a str such as '/hooks/telmai', not {path!r}")
    return base.rstrip("/") + "/" + path.lstrip("/")
