"""The sender to in-process apps: Flask (WSGI) and Starlette (ASGI) receive every lifecycle byte for byte, no socket."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from flask import Flask, request
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from svix.webhooks import Webhook

from pytest_jobhooks.errors import ArgumentError
from pytest_jobhooks.factories import lifecycle, outcomes
from pytest_jobhooks.sender import DeliveryError, deliver, deliver_all
from pytest_jobhooks.signing import new_secret
from pytest_jobhooks.vendors import VENDORS
from pytest_jobhooks.wire import Request as WireRequest

BUILTIN = ["telmai", "tamr", "tensorlake", "tensorlake-workflow", "gofetch"]
LIFECYCLES = [
    pytest.param(vendor, outcome, id=f"{vendor}:{outcome}") for vendor in BUILTIN for outcome in outcomes(vendor)
]
SECRET = new_secret()
TELMAI = {"tenant": "acme", "source": "src-1", "jobId": "job-7", "status": "FINISHED", "details": "done"}
TENSORLAKE = {"job_id": "parse_1", "status": "pending", "created_at": "2023-10-01T12:00:00Z"}

Received = dict[str, Any]


def flask_receiver(received: list[Received]) -> Flask:
    app = Flask("receiver")

    @app.route("/hooks/<vendor>", methods=["GET", "POST"])
    def hook(vendor: str) -> tuple[dict[str, object], int]:
        body = request.get_data()
        headers = dict(request.headers.items())
        verified = None
        if "svix-signature" in request.headers:
            Webhook(SECRET).verify(body, headers)  # the official library accepts what was sent
            verified = True
        received.append(
            {
                "method": request.method,
                "path": request.path,
                "query": request.query_string.decode(),
                "headers": headers,
                "body": body,
                "verified": verified,
            }
        )
        return {"ok": vendor}, 200

    return app


def starlette_receiver(received: list[Received]) -> Starlette:
    async def hook(req: Request) -> Response:
        body = await req.body()
        verified = None
        if "svix-signature" in req.headers:
            Webhook(SECRET).verify(body, dict(req.headers))
            verified = True
        received.append(
            {
                "method": req.method,
                "path": req.url.path,
                "query": req.scope["query_string"].decode(),
                "headers": [(name.decode(), value.decode()) for name, value in req.headers.raw],
                "body": body,
                "verified": verified,
            }
        )
        return JSONResponse({"ok": req.path_params["vendor"]})

    return Starlette(routes=[Route("/hooks/{vendor}", hook, methods=["GET", "POST"])])


def assert_received_as_sent(requests: list[WireRequest], received: list[Received], *, asgi: bool) -> None:
    assert len(received) == len(requests)
    for sent, got in zip(requests, received, strict=True):
        assert (got["method"], got["path"], got["query"], got["body"]) == (
            sent.method,
            sent.path,
            sent.query_string,
            sent.body,
        )
        if asgi:  # ASGI hands over the raw header list: lower-cased names, in order
            assert got["headers"] == [(name.lower(), value) for name, value in sent.headers.raw()]
        else:  # WSGI's environ keeps neither case nor order
            assert {k.lower(): v for k, v in got["headers"].items()} == {k.lower(): v for k, v in sent.headers.items()}


@pytest.mark.parametrize(("vendor", "outcome"), LIFECYCLES)
@pytest.mark.parametrize("kind", ["wsgi", "asgi"])
def test_every_lifecycle_reaches_an_in_process_app(vendor: str, outcome: str, kind: str) -> None:
    received: list[Received] = []
    app = flask_receiver(received) if kind == "wsgi" else starlette_receiver(received)
    payloads = lifecycle(vendor, outcome=outcome, seed=11)  # type: ignore[arg-type]
    batch = deliver_all(payloads, app, path=f"/hooks/{vendor}", secret=SECRET, seed=2)
    assert batch.ok
    assert_received_as_sent([a.request for a in batch.attempts], received, asgi=kind == "asgi")
    signs = VENDORS[vendor].delivery.signing is not None
    for report, payload, got in zip(batch.deliveries, payloads, received, strict=True):
        assert got["verified"] is (True if signs else None)
        assert report.attempts[0].request.headers["Host"] == "testserver"
        assert json.loads(report.attempts[0].response_body) == {"ok": vendor}
        if VENDORS[vendor].delivery.encoding == "json":
            assert got["body"] == json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        else:
            assert got["body"] == b""
            assert got["query"].startswith("job_id=")
    assert report.target == ("WSGI app Flask 'receiver'" if kind == "wsgi" else "ASGI app Starlette")


def test_app_kind_is_detected() -> None:
    from pytest_jobhooks.sender._transports import is_asgi

    async def asgi_function(scope: object, receive: object, send: object) -> None: ...

    def wsgi_function(environ: object, start_response: object) -> list[bytes]:
        return []

    assert is_asgi(starlette_receiver([]))
    assert is_asgi(asgi_function)
    assert not is_asgi(flask_receiver([]))
    assert not is_asgi(wsgi_function)


def test_app_kind_override_for_an_asgi_app_that_hides_behind_a_sync_call() -> None:
    inner = starlette_receiver(received := [])

    class Wrapper:  # a sync __call__ that returns the app's coroutine
        def __call__(self, scope: Any, receive: Any, send: Any) -> Awaitable[None]:
            return inner(scope, receive, send)

    report = deliver(TELMAI, Wrapper(), path="/hooks/telmai", app_kind="asgi")
    assert report.ok
    assert len(received) == 1
    with pytest.raises(ArgumentError, match="app_kind= must be one of 'wsgi', 'asgi', None, not 'rsgi'"):
        deliver(TELMAI, Wrapper(), app_kind="rsgi")  # type: ignore[arg-type]


def test_a_wsgi_app_that_raises_is_a_failed_attempt_and_retried() -> None:
    calls: list[int] = []

    def app(environ: Any, start_response: Callable[..., Any]) -> list[bytes]:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database down")
        start_response("204 No Content", [])
        return []

    report = deliver(TELMAI, app, retry=[2])
    first, second = report.attempts
    assert (first.status, first.error) == (None, "the app raised RuntimeError: database down")
    assert isinstance(first.exception, RuntimeError)
    assert second.status == 204
    assert report.ok


def test_an_asgi_app_that_raises_before_answering_gets_no_status() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        raise KeyError("job")

    report = deliver(TELMAI, app, retry=False)
    [attempt] = report.attempts
    assert attempt.status is None
    assert attempt.error == "the app raised KeyError: 'job'"
    assert isinstance(attempt.exception, KeyError)


def test_starlette_answers_500_for_an_exception_and_the_exception_is_kept() -> None:
    async def hook(req: Request) -> Response:
        raise ValueError("bad job")

    app = Starlette(routes=[Route("/", hook, methods=["POST"])])
    report = deliver(TELMAI, app, retry=False)
    [attempt] = report.attempts
    assert attempt.status == 500
    assert attempt.error == "the app raised ValueError: bad job"
    assert isinstance(attempt.exception, ValueError)


def test_an_asgi_app_that_never_answers_times_out() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        assert scope["type"] == "http"  # no lifespan support
        await asyncio.Event().wait()  # never set: the app hangs

    report = deliver(TENSORLAKE, app, timeout=0.05, retry=[1], secret=SECRET)
    assert [a.error for a in report.attempts] == ["timeout: no answer within 0.05 s"] * 2
    assert report.gave_up


def test_asgi_target_refuses_a_running_event_loop() -> None:
    app = starlette_receiver([])

    async def inside_a_loop() -> None:
        deliver(TELMAI, app)

    with pytest.raises(
        DeliveryError, match=r"from inside a running event loop .* would block it: use `await deliver_async"
    ):
        asyncio.run(inside_a_loop())


def test_asgi_target_works_from_a_thread_of_an_async_test() -> None:
    received: list[Received] = []
    app = starlette_receiver(received)

    async def inside_a_loop() -> bool:
        report = await asyncio.to_thread(deliver, TELMAI, app, path="/hooks/telmai")
        return report.ok

    assert asyncio.run(inside_a_loop())
    assert len(received) == 1


def test_one_event_loop_serves_a_whole_batch() -> None:
    loops: list[asyncio.AbstractEventLoop] = []  # the loops themselves: ids of dead ones could be reused

    async def app(scope: Any, receive: Any, send: Any) -> None:
        assert scope["type"] == "http"  # no lifespan support
        loops.append(asyncio.get_running_loop())
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    batch = deliver_all([TELMAI] * 3, app, seed=1)
    assert batch.ok
    assert len(loops) == 3
    assert loops[0] is loops[1] is loops[2]
    assert loops[0].is_closed()
