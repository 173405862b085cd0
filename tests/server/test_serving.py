"""AppServer without pytest: the app under test on a real port, WSGI or ASGI, stopped for good by stop()."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI, Request
from flask import Flask

from pytest_jobhooks.errors import ArgumentError, ServerError
from pytest_jobhooks.server.serving import AppServer, app_kind


def _flask() -> Flask:
    app = Flask("jobs")

    @app.get("/ping")
    def ping() -> dict[str, str]:
        return {"served": "wsgi"}

    return app


def _fastapi(events: list[str]) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, str]]:
        events.append("startup")
        yield {"opened": "at startup"}
        events.append("shutdown")

    app = FastAPI(lifespan=lifespan)

    @app.get("/ping")
    async def ping(request: Request) -> dict[str, str]:
        return {"served": "asgi", "state": request.state.opened}

    return app


def test_a_wsgi_app_is_served_until_stopped() -> None:
    with AppServer(_flask()) as server:
        assert server.kind == "wsgi"
        assert httpx.get(server.url_for("/ping")).json() == {"served": "wsgi"}
        url = server.url_for("/ping")
    with pytest.raises(httpx.ConnectError):
        httpx.get(url)


def test_an_asgi_app_is_served_between_its_startup_and_its_shutdown() -> None:
    events: list[str] = []
    with AppServer(_fastapi(events)) as server:
        assert (server.kind, events) == ("asgi", ["startup"])
        assert httpx.get(server.url_for("/ping")).json() == {"served": "asgi", "state": "at startup"}
        url = server.url_for("/ping")
    assert events == ["startup", "shutdown"]
    with pytest.raises(httpx.ConnectError):
        httpx.get(url)


def test_an_asgi_app_can_be_served_again_after_a_stop() -> None:
    events: list[str] = []
    server = AppServer(_fastapi(events))
    for _ in range(2):
        with server:
            assert httpx.get(server.url_for("/ping")).status_code == 200
    assert events == ["startup", "shutdown"] * 2


def test_app_kind_tells_asgi_from_wsgi() -> None:
    async def bare(scope: object, receive: object, send: object) -> None:
        """An ASGI function."""

    assert [app_kind(_flask()), app_kind(_fastapi([])), app_kind(bare)] == ["wsgi", "asgi", "asgi"]


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ArgumentError, match="app must be a WSGI or ASGI application"):
        AppServer("not an app")
    with pytest.raises(ArgumentError, match="kind must be 'wsgi', 'asgi' or None"):
        AppServer(_flask(), kind="rsgi")  # type: ignore[arg-type]
    with pytest.raises(ServerError, match="is not running"):
        _ = AppServer(_flask()).url
