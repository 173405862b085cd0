"""An ASGI app held open with its lifespan, so that several sending calls share one startup and one shutdown.

``with asgi_app(app) as target:`` (for ``deliver`` / ``deliver_all``) or
``async with asgi_app(app) as target:`` (for ``deliver_async`` /
``deliver_all_async``) runs the app's lifespan startup on entry and its
shutdown on exit, like Starlette's ``TestClient`` context or asgi-lifespan's
``LifespanManager``; every delivery to ``target`` in between sees the state
the startup opened. A bare app given to ``deliver`` gets a lifespan for that
one call instead.
"""

from __future__ import annotations

from typing import Any

from ._transports.asgi import RunningApp

__all__ = ["AsgiApp", "asgi_app"]


class AsgiApp(RunningApp):
    """An ASGI app whose lifespan runs while the ``with`` / ``async with`` block is open; deliver to it as to the app.

    A startup that fails raises :class:`~pytest_jobhooks.DeliveryError` naming
    the app's exception; an app without lifespan support is called without one.
    """

    @property
    def state(self) -> dict[str, Any]:
        """The lifespan state: what the app's startup stored in ``scope["state"]``."""
        return self.lifespan.state

    def __enter__(self) -> AsgiApp:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    async def __aenter__(self) -> AsgiApp:
        await self.astart()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.astop()

    def __repr__(self) -> str:
        return f"<AsgiApp {self.description}, {self.mode or 'not open'}>"


def asgi_app(app: Any) -> AsgiApp:
    """``app`` held open with its lifespan: ``with asgi_app(app) as target`` or ``async with``; see :class:`AsgiApp`."""
    return AsgiApp(app)
