"""What every transport shares: the :class:`Target` base, the :class:`Exchange` it returns, and the names they use.

Kept free of httpx: the transports that need it (:mod:`.http`, :mod:`.wsgi`,
:mod:`.asgi`) import it when a target is opened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cache
from typing import Literal, Protocol, runtime_checkable

__all__ = [
    "IN_PROCESS_BASE",
    "AppKind",
    "Endpoint",
    "Exchange",
    "Pairs",
    "Target",
    "app_error",
    "app_name",
    "now",
    "user_agent",
]

AppKind = Literal["wsgi", "asgi"]
"""How an in-process app is called: ``"wsgi"`` (Flask, Django...) or ``"asgi"`` (Starlette, FastAPI...)."""

Pairs = tuple[tuple[str, str], ...]
"""Headers as (name, value) pairs, in order and letter case as sent."""

IN_PROCESS_BASE = "http://testserver"
"""The base URL of requests to an in-process app (its ``Host`` header is ``testserver``)."""


@runtime_checkable
class Endpoint(Protocol):
    """A receiver that says where it listens and what it verifies signatures with.

    ``deliver(payload, to)`` sends to ``to.url`` and, unless ``secret=`` is
    given, signs with ``to.secret`` (None: the receiver checks no signature).
    A :class:`~pytest_jobhooks.CaptureServer` offers exactly these two
    attributes; so can any object of a test's own.
    """

    @property
    def url(self) -> str:
        """The receiver's base URL (``http://127.0.0.1:41234``)."""
        ...

    @property
    def secret(self) -> str | None:
        """The signing secret the receiver verifies with, or None."""
        ...


@dataclass(frozen=True)
class Exchange:
    """One request as sent and what came back (or why nothing did)."""

    method: str
    url: str
    headers: Pairs
    body: bytes
    sent_at: datetime
    elapsed: float
    status: int | None = None
    response_headers: Pairs = ()
    response_body: bytes = b""
    error: str | None = None
    exception: BaseException | None = None


class Target:
    """An open destination: sends requests until :meth:`close` (also a context manager).

    :meth:`send` never raises for what can go wrong on the wire or in the app:
    a timeout, a refused connection or an exception raised by an in-process app
    becomes an :class:`Exchange` with ``error`` set (a failed attempt).
    """

    description: str
    base_url: str

    def send(self, method: str, url: str, headers: Pairs, body: bytes, *, timeout: float) -> Exchange:
        """Send one request (``url`` is absolute) and return what happened."""
        raise NotImplementedError

    async def asend(self, method: str, url: str, headers: Pairs, body: bytes, *, timeout: float) -> Exchange:
        """:meth:`send` on the running event loop (the targets ``deliver_async`` opens)."""
        raise NotImplementedError

    async def astart(self) -> None:
        """Get ready on the running loop before the first :meth:`asend` (an ASGI app's lifespan startup)."""

    def close(self) -> None:
        """Release connections (and the event loop of an ASGI target)."""

    async def aclose(self) -> None:
        """:meth:`close` on the running loop."""
        self.close()

    def __enter__(self) -> Target:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def now() -> datetime:
    """The current time, UTC (when an exchange went out)."""
    return datetime.now(timezone.utc)


@cache
def user_agent() -> str:
    """The ``User-Agent`` every delivery carries unless ``headers=`` replaces it."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"pytest-jobhooks/{version('pytest-jobhooks')}"
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "pytest-jobhooks"


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
