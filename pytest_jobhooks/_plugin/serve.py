"""pytest wiring of serving the app under test: the ``jobhooks_serve`` fixture.

The serving itself is :class:`pytest_jobhooks.server.serving.AppServer`,
imported when a test first calls the fixture.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Protocol

import pytest

if TYPE_CHECKING:
    from ..server.serving import AppKind, AppServer


class Serve(Protocol):
    """``jobhooks_serve(app, *, kind=None) -> base URL``."""

    def __call__(self, app: object, *, kind: AppKind | None = None) -> str:
        """Serve ``app`` for this test; its base URL (``http://127.0.0.1:<port>``)."""


@pytest.fixture
def jobhooks_serve(jobhooks_listen_address: tuple[str, int]) -> Iterator[Serve]:
    """Serve the app under test on a real port for this test: ``base_url = jobhooks_serve(app)``.

    A WSGI app (Flask) runs on werkzeug, an ASGI app (FastAPI, Starlette) on
    uvicorn (``pip install 'pytest-jobhooks[serve]'``) with its lifespan: the
    call returns once the app's startup completed (a failing one is an error
    naming the app's exception), and the shutdown runs at teardown. Each app
    gets a free port on the jobhooks host, in background threads (an ASGI app
    on an event loop of its own); every one is stopped at teardown, in
    milliseconds. See :class:`~pytest_jobhooks.server.serving.AppServer`.
    """
    from ..server.serving import AppServer

    host, _ = jobhooks_listen_address
    servers: list[AppServer] = []

    def serve(app: object, *, kind: AppKind | None = None) -> str:
        __tracebackhide__ = True
        server = AppServer(app, host, kind=kind)
        server.start()
        servers.append(server)
        return server.url

    yield serve
    for server in reversed(servers):
        server.stop()
