"""An ASGI app on uvicorn in a background thread: its lifespan around the serving, a stop in milliseconds.

Imported only when an ASGI app is served (it imports uvicorn, the ``serve``
extra). uvicorn's own loop checks for a stop every 0.1 s and sleeps 0.1 s more
while shutting down; here the main loop waits on an event that :meth:`stop`
sets from the test's thread, and the shutdown polls its connections every
couple of milliseconds, so a stop takes milliseconds. Its lifespan runs as
uvicorn runs it (``lifespan="auto"``: an app that does not speak the protocol
still works); a failing startup is a :class:`~pytest_jobhooks.errors.ServerError`
naming the app's exception.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import uvicorn

from ..errors import ServerError
from ._httpd import _listen

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
AsgiApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_GRACE = 1.0  # seconds a stop lets requests in progress finish before cancelling them
_POLL = 0.002


class _Watched:
    """The app, noting why its lifespan startup failed (what uvicorn only logs)."""

    def __init__(self, app: AsgiApp) -> None:
        self.app = app
        self.error: BaseException | None = None
        self.failed_message = ""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message.get("type") == "lifespan.startup.failed":
                self.failed_message = str(message.get("message", ""))
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except BaseException as exc:
            self.error = exc
            raise

    def why(self) -> str:
        """The startup failure as ``Type: message``, as well as it is known."""
        if self.error is not None:
            return f"{type(self.error).__name__}: {self.error}"
        lines = [line for line in self.failed_message.splitlines() if line.strip()]
        return lines[-1].strip() if lines else "the app sent lifespan.startup.failed"


class _Server(uvicorn.Server):
    """uvicorn's server with a main loop woken by :meth:`wake` and a shutdown without fixed sleeps."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()
        self.startup_failed = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            await super().startup(sockets=sockets)
        except SystemExit:  # uvicorn's answer to a failed lifespan startup; serve() then returns
            self.startup_failed = self.should_exit = True

    async def main_loop(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        self.ready.set()
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 10) % 864_000  # every wake-up refreshes the Date header (a tick of 10)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stop.wait(), 1.0)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()  # idle keep-alive ones close now; busy ones after their answer
        loop = asyncio.get_running_loop()
        deadline = loop.time() + _GRACE
        while (self.server_state.connections or self.server_state.tasks) and loop.time() < deadline:
            await asyncio.sleep(_POLL)
        for task in list(self.server_state.tasks):
            task.cancel()
        await self.lifespan.shutdown()

    def wake(self) -> None:
        """Make the main loop see ``should_exit`` now (from any thread)."""
        self.should_exit = True
        if self._loop is not None and self._stop is not None:
            with contextlib.suppress(RuntimeError):  # the loop ended already
                self._loop.call_soon_threadsafe(self._stop.set)


class UvicornServing:
    """An ASGI app served by uvicorn in a thread of its own (with its own event loop); a :class:`Serving`."""

    refused = 0  # uvicorn has no connection cap of ours

    def __init__(self, app: AsgiApp, host: str, port: int, *, name: str, startup_timeout: float) -> None:
        listener = _listen(host, port)
        self._port: int = listener.getsockname()[1]
        self._app = _Watched(app)
        config = uvicorn.Config(
            self._app,
            interface="asgi3",
            lifespan="auto",
            log_config=None,  # leave the test session's logging alone (records still reach pytest's capture)
            log_level="warning",
            access_log=False,
            ws="none",
            loop="asyncio",
        )
        self._server = _Server(config)
        self._crash: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(listener,), name=f"{name}:{self._port}", daemon=True)
        self._thread.start()
        if not self._server.ready.wait(startup_timeout):
            self.stop()
            raise ServerError(f"the ASGI app's lifespan startup did not complete within {startup_timeout:g} s")
        if self._server.startup_failed or self._crash is not None or not self._thread.is_alive():
            self._thread.join()
            if self._server.startup_failed:
                raise ServerError(f"the ASGI app's lifespan startup failed: {self._app.why()}")
            raise ServerError(f"uvicorn could not serve the ASGI app: {self._crash!r}")

    def _run(self, listener: socket.socket) -> None:
        try:
            self._server.run(sockets=[listener])
        except BaseException as exc:  # reported by the thread that started it, not printed
            self._crash = exc
        finally:
            listener.close()
            self._server.ready.set()  # wakes a start() waiting on a server that ended before serving

    @property
    def port(self) -> int:
        """The port it listens on."""
        return self._port

    def stop(self) -> None:
        """Stop accepting, finish or cancel requests in progress, run the lifespan shutdown, join the thread."""
        self._server.wake()
        self._thread.join()
