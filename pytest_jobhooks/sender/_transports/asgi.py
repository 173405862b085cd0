"""The ASGI transport: a Starlette / FastAPI (or any ASGI) app called in-process, its lifespan around the calls.

A synchronous ``deliver`` runs the app on a private asyncio loop (one per
:class:`RunningApp`, so a lifespan opened there stays alive between calls);
``deliver_async`` calls it on the running loop, asyncio or trio. A bare app
gets a lifespan for the one sending call; a :class:`RunningApp` (the public
``asgi_app`` handle, or ``jobhooks_sender``'s per-test one) brings its own,
already started.
"""

from __future__ import annotations

import asyncio
from typing import Literal

from ...errors import DeliveryError
from ._asgi_call import Application, call_app
from ._lifespan import Lifespan, running_trio
from .base import IN_PROCESS_BASE, Exchange, Pairs, Target, app_name

__all__ = ["AsgiTarget", "RunningApp", "refuse_running_loop"]

Mode = Literal["sync", "async"]


def refuse_running_loop(what: str) -> None:
    """Refuse a synchronous call made from inside a running event loop: it would block (or deadlock) that loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        if running_trio() is None:
            return
    raise DeliveryError(
        f"{what} from inside a running event loop (an async test) would block it: "
        "use `await deliver_async(...)` / `await deliver_all_async(...)` "
        "(or `await jobhooks_sender.deliver_async(...)`)"
    )


class RunningApp:
    """An ASGI app with its lifespan started: ``sync`` on a private loop, or ``async`` on the loop that started it."""

    def __init__(self, app: Application) -> None:
        if not callable(app):
            raise DeliveryError(f"asgi_app() takes an ASGI app, not {app!r}")
        self.app = app
        self.lifespan = Lifespan(app)
        self.mode: Mode | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.description = f"ASGI app {app_name(app)}"

    def start(self) -> None:
        """Start the lifespan on a private loop, for synchronous deliveries."""
        refuse_running_loop(f"delivering to {self.description}")
        self.mode, self.loop = "sync", asyncio.new_event_loop()
        try:
            self.loop.run_until_complete(self.lifespan.startup())
        except BaseException:
            self._close_loop()
            raise

    def stop(self) -> None:
        """Shut the lifespan down and close the private loop."""
        if self.loop is None:
            return
        try:
            self.loop.run_until_complete(self.lifespan.shutdown())
        finally:
            self._close_loop()

    async def astart(self) -> None:
        """Start the lifespan on the running loop, for ``deliver_async``."""
        self.mode = "async"
        self.loop = _running_asyncio_loop()
        await self.lifespan.startup()

    async def astop(self) -> None:
        """Shut the lifespan down (on the loop it runs on)."""
        await self.lifespan.shutdown()

    def _close_loop(self) -> None:
        loop, self.loop = self.loop, None
        if loop is not None:
            # The lifespan task, when the app ended it badly, is still pending: cancel it before closing.
            for task in asyncio.all_tasks(loop):
                task.cancel()
            loop.run_until_complete(asyncio.sleep(0))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()


def _running_asyncio_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:  # trio
        return None


class AsgiTarget(Target):
    """An ASGI app called in-process: on its private loop (``send``) or on the running loop (``asend``)."""

    def __init__(self, app: Application | RunningApp, *, mode: Mode) -> None:
        self._owned = not isinstance(app, RunningApp)
        self._running = app if isinstance(app, RunningApp) else RunningApp(app)
        self._mode = mode
        self.base_url = IN_PROCESS_BASE
        self.description = self._running.description
        if not self._owned:
            self._check_mode()
        elif mode == "sync":
            self._running.start()

    def _check_mode(self) -> None:
        running = self._running
        if running.mode is None:
            raise DeliveryError(f"the asgi_app() handle of {self.description} is not open: use it in a with block")
        if running.mode != self._mode:
            wanted = "`async with asgi_app(app)`" if self._mode == "async" else "`with asgi_app(app)`"
            raise DeliveryError(
                f"{self.description} was opened for {running.mode} deliveries; "
                f"for {'deliver_async' if self._mode == 'async' else 'deliver'} open it with {wanted}"
            )
        if self._mode == "sync":
            refuse_running_loop(f"delivering to {self.description}")
        elif running.loop is not None and running.loop is not _running_asyncio_loop():
            raise DeliveryError(f"{self.description} was opened on another event loop than this one")

    async def astart(self) -> None:
        """Start the app's lifespan on the running loop (a bare app's, for this call)."""
        if self._owned:
            await self._running.astart()

    def send(self, method: str, url: str, headers: Pairs, body: bytes, *, timeout: float) -> Exchange:
        """Call the app on the private loop its lifespan runs on."""
        loop = self._running.loop
        assert loop is not None  # started in __init__ (or by the handle)
        state = self._running.lifespan.state
        return loop.run_until_complete(
            call_app(self._running.app, method, url, headers, body, timeout=timeout, state=state)
        )

    async def asend(self, method: str, url: str, headers: Pairs, body: bytes, *, timeout: float) -> Exchange:
        """Call the app on the running loop."""
        state = self._running.lifespan.state
        return await call_app(self._running.app, method, url, headers, body, timeout=timeout, state=state)

    def close(self) -> None:
        """Shut down the lifespan this target started (a handle's stays open)."""
        if self._owned:
            self._running.stop()

    async def aclose(self) -> None:
        """Shut down, on the running loop, the lifespan this target started."""
        if self._owned:
            await self._running.astop()
