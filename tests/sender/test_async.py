"""deliver_async and the ASGI lifespan, run by pytester under pytest-asyncio and anyio (asyncio and trio)."""

from __future__ import annotations

import pytest

RUNNERS = {
    "pytest-asyncio": ("@pytest.mark.asyncio", ""),
    "anyio-asyncio": ("@pytest.mark.anyio", "@pytest.fixture\ndef anyio_backend():\n    return 'asyncio'\n"),
    "anyio-trio": ("@pytest.mark.anyio", "@pytest.fixture\ndef anyio_backend():\n    return 'trio'\n"),
}

APPS = """
import contextlib

import anyio
import pytest
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.responses import JSONResponse
from starlette.routing import Route

from pytest_jobhooks import DeliveryError, deliver, deliver_async, lifecycle

EVENTS = []
PAYLOADS = lifecycle("telmai", seed=1)


@contextlib.asynccontextmanager
async def lifespan(app):
    EVENTS.append("startup")
    yield {"client": object()}
    EVENTS.append("shutdown")


async def hook(request):
    await request.body()
    return JSONResponse({"client": id(request.state.client)})


app = Starlette(routes=[Route("/", hook, methods=["POST"])], lifespan=lifespan)


@contextlib.asynccontextmanager
async def broken(app):
    raise RuntimeError("no database")
    yield


broken_app = Starlette(routes=[Route("/", hook, methods=["POST"])], lifespan=broken)


def explode():
    raise ValueError("the job was lost")


async def later(request):
    await request.body()
    return JSONResponse({}, background=BackgroundTask(explode))


background_app = Starlette(routes=[Route("/", later, methods=["POST"])])
"""

TESTS = """
{mark}
async def test_one_lifespan_spans_the_test(jobhooks_sender):
    one = await jobhooks_sender.deliver_async(PAYLOADS[0], app)
    two = await jobhooks_sender.deliver_async(PAYLOADS[-1], app)
    assert one.ok and two.ok, one.describe() + two.describe()
    assert one.attempts[0].response_body == two.attempts[0].response_body
    assert EVENTS == ["startup"]


def test_the_lifespan_was_shut_down_at_the_end_of_the_test():
    assert EVENTS == ["startup", "shutdown"]


{mark}
async def test_a_failing_startup_names_the_exception():
    with pytest.raises(DeliveryError, match="lifespan startup .* failed: the app raised RuntimeError: no database"):
        await deliver_async(PAYLOADS[0], broken_app)


{mark}
async def test_an_exception_after_the_response_is_not_ok():
    report = await deliver_async(PAYLOADS[0], background_app, retry=False)
    assert report.status == 200
    assert not report.ok
    assert "ValueError: the job was lost after answering 200" in report.describe()


{mark}
async def test_a_sync_deliver_to_a_server_on_this_loop_fails_at_once():
    async def handle(stream):
        await stream.aclose()

    listener = await anyio.create_tcp_listener(local_host="127.0.0.1")
    port = listener.extra(anyio.abc.SocketAttribute.local_port)
    async with listener, anyio.create_task_group() as tasks:
        tasks.start_soon(listener.serve, handle)
        for _ in range(5):  # checkpoints, not a timed wait: the serving task reaches accept()
            await anyio.sleep(0)
        with pytest.raises(DeliveryError, match="would deadlock.*deliver_async"):
            deliver(PAYLOADS[0], f"http://127.0.0.1:{{port}}/", retry=False, timeout=3)
        tasks.cancel_scope.cancel()


{mark}
async def test_a_sync_deliver_to_an_asgi_app_points_to_deliver_async():
    with pytest.raises(DeliveryError, match="deliver_async"):
        deliver(PAYLOADS[0], app)
"""


@pytest.mark.parametrize("runner", list(RUNNERS))
def test_async_deliveries_and_lifespan(pytester: pytest.Pytester, runner: str) -> None:
    mark, conftest = RUNNERS[runner]
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makeconftest("import pytest\n" + conftest)
    pytester.makepyfile(test_async=APPS + TESTS.format(mark=mark))
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(passed=6)
