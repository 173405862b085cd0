"""jobwatch on FastAPI (ASGI): the same routes and answers as the Flask app, through the same service.

Serve it with any ASGI server (``uvicorn --factory`` on a function calling
:func:`create_app` with your settings); the tests call it in-process.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from .notify import Notifier
from .service import JSON_VENDORS, WebhookService
from .store import JobStore


def create_app(*, secret: str, store: JobStore | None = None, notifier: Notifier | None = None) -> FastAPI:
    """The FastAPI app: ``POST /webhooks/<vendor>`` for JSON vendors, ``GET``/``POST /webhooks/gofetch``.

    Arguments as for :func:`jobwatch.flask_app.create_app`.
    """
    service = WebhookService(secret=secret, store=store if store is not None else JobStore(), notifier=notifier)
    app = FastAPI(title="jobwatch")
    app.state.jobwatch = service

    def route(vendor: str) -> Callable[[Request], Awaitable[JSONResponse]]:
        async def receive(request: Request) -> JSONResponse:
            body = await request.body()  # the exact bytes: the signature covers them
            query: dict[str, list[str]] = {}
            for name, value in request.query_params.multi_items():
                query.setdefault(name, []).append(value)
            # The service blocks (store lock, notifier's HTTP call): keep it off the event loop.
            answer = await run_in_threadpool(service.receive, vendor, body, dict(request.headers), query)
            return JSONResponse(answer.body, status_code=answer.status)

        return receive

    for vendor in JSON_VENDORS:
        app.add_api_route(f"/webhooks/{vendor}", route(vendor), methods=["POST"], name=f"webhook_{vendor}")
    app.add_api_route("/webhooks/gofetch", route("gofetch"), methods=["GET", "POST"], name="webhook_gofetch")
    return app
