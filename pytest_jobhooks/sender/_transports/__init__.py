"""Where a delivery goes: a URL (over a socket), or a WSGI / ASGI app called in-process (no socket).

One :class:`Target` per sending call serves all of its requests:
:func:`open_target` opens the synchronous ones (``deliver``),
:func:`open_async_target` those driven from the running loop
(``deliver_async``). One module per transport (:mod:`.http`, :mod:`.wsgi`,
:mod:`.asgi`, :mod:`.async_http`) behind the small base in :mod:`.base`; each
is imported when a target of its kind is opened.
"""

from __future__ import annotations

import inspect

from ..._checks import check_choice
from ...errors import DeliveryError
from .asgi import RunningApp
from .base import IN_PROCESS_BASE, AppKind, Endpoint, Exchange, Pairs, Target

__all__ = [
    "IN_PROCESS_BASE",
    "AppKind",
    "Endpoint",
    "Exchange",
    "Pairs",
    "RunningApp",
    "Target",
    "is_asgi",
    "join_url",
    "open_async_target",
    "open_target",
]


def open_target(to: object, *, app_kind: AppKind | None = None) -> tuple[Target, str | None]:
    """The :class:`Target` for ``to`` and the signing secret it brings (an :class:`Endpoint`'s), if any.

    ``to`` is an ``http(s)://`` URL, an :class:`Endpoint` (such as a
    :class:`~pytest_jobhooks.CaptureServer`: its ``url`` and ``secret``), or an
    app: ASGI when ``app_kind="asgi"`` or when it (or its ``__call__``) is a
    coroutine function (Starlette and FastAPI apps are), else WSGI; or a
    :class:`RunningApp` (an ASGI app whose lifespan is already running).
    """
    url, secret, kind = _classify(to, app_kind)
    if url is not None:
        # Deferred: the HTTP client is imported when something is sent, not when the sender is.
        from ._sameloop import refuse_same_loop
        from .http import HttpTarget

        refuse_same_loop(url)
        return HttpTarget(url), secret
    if kind == "asgi":
        from .asgi import AsgiTarget

        return AsgiTarget(to, mode="sync"), None  # type: ignore[arg-type]
    from .wsgi import WsgiTarget

    return WsgiTarget(to), None  # type: ignore[arg-type]


async def open_async_target(to: object, *, app_kind: AppKind | None = None) -> tuple[Target, str | None]:
    """:func:`open_target` for ``deliver_async``: the target's ``asend`` runs on the running loop, started."""
    url, secret, kind = _classify(to, app_kind)
    target: Target
    if url is not None:
        from .async_http import AsyncHttpTarget

        target = AsyncHttpTarget(url)
    elif kind == "asgi":
        from .asgi import AsgiTarget

        target = AsgiTarget(to, mode="async")  # type: ignore[arg-type]
    else:
        from .async_http import ThreadedTarget
        from .wsgi import WsgiTarget

        target = ThreadedTarget(WsgiTarget(to))  # type: ignore[arg-type]
    await target.astart()
    return target, secret


def _classify(to: object, app_kind: AppKind | None) -> tuple[str | None, str | None, AppKind]:
    """``to`` as (checked URL or None, the secret it brings, the kind of app when it is one)."""
    check_choice("app_kind=", app_kind, ("wsgi", "asgi", None))
    if isinstance(to, RunningApp):
        return None, None, "asgi"
    from .http import checked_url, is_url

    if is_url(to):  # first: a str is no Endpoint, and isinstance() on a Protocol costs ~50 µs a call
        if app_kind is not None:
            raise DeliveryError(f"app_kind= is for in-process apps, not a URL ({str(to)!r})")
        return checked_url(str(to)), None, "wsgi"
    if isinstance(to, Endpoint) and isinstance(to.url, str):
        if app_kind is not None:
            raise DeliveryError(f"app_kind= is for in-process apps, not a capture server ({type(to).__name__})")
        return checked_url(to.url), to.secret, "wsgi"
    if not callable(to):
        raise DeliveryError(
            f"cannot deliver to {to!r}: expected an http(s):// URL, a CaptureServer, or a WSGI or ASGI app"
        )
    return None, None, app_kind or ("asgi" if is_asgi(to) else "wsgi")


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
