"""jobhooks_serve: the app under test on a real port for one test, Flask (WSGI) or FastAPI (ASGI, with its lifespan)."""

from __future__ import annotations

import pytest

INI = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"

APPS = """
import contextlib

import httpx
from fastapi import FastAPI, Request
from flask import Flask

EVENTS = []


def flask_app():
    app = Flask("receiver")

    @app.post("/webhooks/<vendor>")
    def receive(vendor):
        return {"vendor": vendor, "job": app.json.loads(app.json.dumps(__import__("flask").request.json))["jobId"]}

    return app


def fastapi_app(subscriber):
    @contextlib.asynccontextmanager
    async def lifespan(app):
        EVENTS.append("startup")
        async with httpx.AsyncClient() as client:  # opened at startup, used by every request
            yield {"client": client}
        EVENTS.append("shutdown")

    app = FastAPI(lifespan=lifespan)

    @app.post("/webhooks/telmai")
    async def receive(request: Request):
        payload = await request.json()
        notice = {"job_id": payload["jobId"], "job_status": "delivered"}
        await request.state.client.post(subscriber, json=notice)  # the outgoing webhook
        return {"ok": True}

    return app
"""


def test_jobhooks_serve_serves_flask_and_fastapi_with_its_lifespan(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(
        APPS
        + """
import pytest

TELMAI = {"tenant": "acme", "source": "s", "jobId": "job-3", "status": "FINISHED", "details": "d"}
SERVED = []


def test_flask(jobhooks_serve):
    base = jobhooks_serve(flask_app())
    assert base.startswith("http://127.0.0.1:")
    assert httpx.post(base + "/webhooks/telmai", json=TELMAI).json() == {"vendor": "telmai", "job": "job-3"}


def test_fastapi_sends_its_outgoing_webhook(jobhooks_serve, jobhooks_server):
    base = jobhooks_serve(fastapi_app(jobhooks_server.url_for("/notify")))
    SERVED.append(base)
    assert EVENTS == ["startup"]
    for _ in range(2):  # two requests, one client opened by the lifespan
        assert httpx.post(base + "/webhooks/telmai", json=TELMAI).status_code == 200
    deliveries = jobhooks_server.wait_for(2, path="/notify")
    assert [d.job_id for d in deliveries] == ["job-3", "job-3"]


@pytest.mark.asyncio
async def test_fastapi_from_an_async_test(jobhooks_serve, jobhooks_server):
    base = jobhooks_serve(fastapi_app(jobhooks_server.url_for("/notify")))
    async with httpx.AsyncClient() as client:
        assert (await client.post(base + "/webhooks/telmai", json=TELMAI)).status_code == 200
    [delivery] = await jobhooks_server.wait_for_async(vendor="gofetch", status="delivered")
    assert delivery.path == "/notify"


def test_stopped_at_teardown_with_its_shutdown():
    assert EVENTS == ["startup", "shutdown", "startup", "shutdown"]
    with pytest.raises(httpx.ConnectError):
        httpx.post(SERVED[0] + "/webhooks/telmai", json=TELMAI)
"""
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(passed=4)


def test_a_failing_startup_names_the_apps_exception(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import contextlib

        from fastapi import FastAPI


        @contextlib.asynccontextmanager
        async def lifespan(app):
            raise ConnectionRefusedError("the database is not up")
            yield


        def test_startup_fails(jobhooks_serve):
            jobhooks_serve(FastAPI(lifespan=lifespan))
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E*pytest_jobhooks.errors.ServerError: the ASGI app's lifespan startup failed: "
            "ConnectionRefusedError: the database is not up",
        ]
    )


def test_an_asgi_app_without_lifespan_support_is_served(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx


        async def bare(scope, receive, send):
            assert scope["type"] == "http"  # knows nothing of lifespan
            await send({"type": "http.response.start", "status": 204, "headers": []})
            await send({"type": "http.response.body", "body": b""})


        def test_bare(jobhooks_serve):
            assert httpx.get(jobhooks_serve(bare)).status_code == 204
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_an_asgi_app_without_uvicorn_names_the_extra(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import sys

        from fastapi import FastAPI


        def test_no_uvicorn(jobhooks_serve, monkeypatch):
            monkeypatch.setitem(sys.modules, "uvicorn", None)  # as if not installed
            jobhooks_serve(FastAPI())
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E*pytest_jobhooks.errors.ServerError: serving an ASGI app needs uvicorn, which is not installed: "
            "pip install 'pytest-jobhooks[[]serve]'"
        ]
    )
