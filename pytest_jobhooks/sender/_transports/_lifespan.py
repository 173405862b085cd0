"""An ASGI app's lifespan (startup before the first request, shutdown after the last), on the loop that calls it.

The lifespan runs as a task of its own beside the requests, like a server
runs it: on asyncio a task of the running loop, on trio a system task (no
nursery is needed, so one lifespan can outlive the call that started it and
span every delivery of a test). Messages go through two small channels
(a deque and an anyio event), which work on either. An app that does not support lifespan (it raises, or
returns, before answering ``lifespan.startup``) is called without one, as the
ASGI spec says a server must.
"""

from __future__ import annotations

import asyncio
import sys
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from ...errors import DeliveryError
from ._asgi_call import Application, Message
from .base import app_error, app_name

__all__ = ["Lifespan", "spawn"]

_RETURNED = "jobhooks.app.returned"  # our own message: the app's lifespan call ended

LIFESPAN_TIMEOUT = 10.0
"""Seconds an app's lifespan startup or shutdown may take before the delivery fails."""


def running_trio() -> Any:
    """The trio module when this code runs inside ``trio.run``, else None (trio is never imported here)."""
    trio = sys.modules.get("trio")
    if trio is None:
        return None
    try:
        trio.lowlevel.current_trio_token()
    except RuntimeError:
        return None
    return trio


def spawn(task: Callable[[], Awaitable[None]]) -> None:
    """Run ``task`` beside the caller on the running loop (asyncio or trio), without a task group."""
    trio = running_trio()
    if trio is not None:
        trio.lowlevel.spawn_system_task(task)
        return
    loop = asyncio.get_running_loop()
    handle: asyncio.Task[None] = loop.create_task(task())  # type: ignore[arg-type]
    _TASKS.add(handle)  # a task nobody refers to may be collected mid-run
    handle.add_done_callback(_TASKS.discard)


_TASKS: set[Any] = set()


class _Channel:
    """Messages one way between the server side and the app: ``put`` never blocks, ``get`` waits for one."""

    def __init__(self) -> None:
        self._items: deque[Message] = deque()
        self._ready: Any = None

    def put(self, message: Message) -> None:
        self._items.append(message)
        if self._ready is not None:
            self._ready.set()

    async def get(self) -> Message:
        import anyio

        while not self._items:
            self._ready = anyio.Event()
            await self._ready.wait()
        self._ready = None
        return self._items.popleft()


class Lifespan:
    """The lifespan of one ASGI app: :meth:`startup`, then requests see :attr:`state`, then :meth:`shutdown`."""

    def __init__(self, app: Application) -> None:
        self.app = app
        self.state: dict[str, Any] = {}
        """The lifespan's ``scope["state"]``: what the app put there at startup, copied into each request."""
        self.supported = False
        self.started = False
        self._error: BaseException | None = None
        self._to_app = _Channel()
        self._from_app = _Channel()

    async def startup(self) -> None:
        """Start the app's lifespan and wait for its answer; a failed startup is a :class:`DeliveryError`."""
        self.started = True
        spawn(self._run)
        self._to_app.put({"type": "lifespan.startup"})
        answer = await self._answer("startup")
        if answer["type"] == "lifespan.startup.complete":
            self.supported = True
            return
        if answer["type"] == "lifespan.startup.failed":
            # Starlette sends the message, then re-raises: wait for the exception to name it.
            if (await self._from_app.get())["type"] == _RETURNED and self._error is not None:
                cause = app_error(self._error)
            else:
                cause = "the app gave no exception"
            message = str(answer.get("message", "")).strip()
            detail = f"; lifespan.startup.failed: {message.splitlines()[-1]}" if message else ""
            raise DeliveryError(
                f"the lifespan startup of ASGI app {app_name(self.app)} failed: {cause}{detail}"
            ) from self._error
        # The app ended before answering startup: it does not support lifespan (the spec: go on without it).

    async def _answer(self, phase: str) -> Message:
        import anyio

        with anyio.move_on_after(LIFESPAN_TIMEOUT):
            return await self._from_app.get()
        raise DeliveryError(
            f"the lifespan {phase} of ASGI app {app_name(self.app)} did not finish within {LIFESPAN_TIMEOUT:g} s"
        )

    async def _run(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": self.state}

        async def send(message: Message) -> None:
            self._from_app.put(message)

        try:
            await self.app(scope, self._to_app.get, send)
        except Exception as exc:
            self._error = exc
        finally:
            self._from_app.put({"type": _RETURNED})

    async def shutdown(self) -> None:
        """Ask the app to shut down and wait until it has; a failed shutdown is a :class:`DeliveryError`."""
        if not self.supported:
            return
        self.supported = False
        self._to_app.put({"type": "lifespan.shutdown"})
        answer = await self._answer("shutdown")
        if answer["type"] == "lifespan.shutdown.complete":
            return
        cause = app_error(self._error) if self._error is not None else str(answer.get("message", "")).strip()
        raise DeliveryError(f"the lifespan shutdown of ASGI app {app_name(self.app)} failed: {cause}")
