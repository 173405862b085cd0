"""Async tests with the capture server: wait_for_async under pytest-asyncio and anyio (asyncio, trio); same-loop waits."""

from __future__ import annotations

import pytest

INI = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"

SENDING_TASK = """
import httpx

TELMAI = {"tenant": "acme", "source": "s", "jobId": "job-1", "status": "FINISHED", "details": "d"}


async def post(url):
    async with httpx.AsyncClient() as client:
        return (await client.post(url, json=TELMAI)).status_code
"""


def test_wait_for_async_sees_a_delivery_from_a_task_on_the_same_loop(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(
        SENDING_TASK
        + """
import asyncio

import anyio
import pytest


@pytest.mark.asyncio
async def test_pytest_asyncio(jobhooks_server):
    task = asyncio.create_task(post(jobhooks_server.url_for("/hooks/telmai")))
    [delivery] = await jobhooks_server.wait_for_async(vendor="telmai", status="succeeded", timeout=10)
    assert delivery.path == "/hooks/telmai"
    assert await task == 200


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request):
    return request.param


@pytest.mark.anyio
async def test_anyio(jobhooks_server, anyio_backend):
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(post, jobhooks_server.url_for("/hooks/telmai"))
        [delivery] = await jobhooks_server.wait_for_async(job_id="job-1", timeout=10)
    assert delivery.vendor == "telmai"
"""
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-v")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*test_anyio?asyncio? PASSED*", "*test_anyio?trio? PASSED*"])


def test_wait_for_async_times_out_with_wait_fors_message(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(
        SENDING_TASK
        + """
import pytest


@pytest.mark.asyncio
async def test_times_out(jobhooks_server):
    assert await post(jobhooks_server.url_for("/hooks/telmai")) == 200
    await jobhooks_server.wait_for_async(vendor="tamr", timeout=0.1)
"""
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*AssertionError: waited 0.1 s for 1 delivery matching vendor='tamr'; 0 matched.",
            "*1 delivery arrived:",
            "*  1. POST /hooks/telmai telmai job 'job-1' FINISHED (succeeded) -> 200",
            "*     no match: vendor is 'telmai', not 'tamr'",
        ]
    )


def test_sync_wait_for_on_a_loop_with_the_sender_fails_at_once(pytester: pytest.Pytester) -> None:
    # Were it to block the loop, the task could never send and the wait would end in a 30 s timeout instead.
    pytester.makeini(INI)
    pytester.makepyfile(
        SENDING_TASK
        + """
import asyncio

import anyio
import pytest


@pytest.mark.asyncio
async def test_asyncio(jobhooks_server):
    task = asyncio.create_task(post(jobhooks_server.url))
    try:
        jobhooks_server.wait_for(timeout=30)
    finally:
        await task


@pytest.fixture
def anyio_backend():
    return "trio"


@pytest.mark.anyio
async def test_trio(jobhooks_server):
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(post, jobhooks_server.url)
        jobhooks_server.wait_for(timeout=30)
"""
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=2)
    for library in ("asyncio", "trio"):
        result.stdout.fnmatch_lines(
            [
                f"*AssertionError: wait_for was called from inside a running {library} event loop and would block "
                "it: its * other task*; it failed at once instead. "
                "Use `await server.wait_for_async(...)` (same arguments) instead.",
                "*would have to wait for 1 delivery matching any; 0 matched.",
            ]
        )
    assert "waited 30 s" not in result.stdout.str()


def test_sync_wait_for_timing_out_on_a_loop_says_it_blocked_the_loop(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(
        """
import pytest


@pytest.mark.asyncio
async def test_blocks(jobhooks_server):
    jobhooks_server.wait_for(timeout=0.05)


def test_outside_a_loop(jobhooks_server):
    jobhooks_server.wait_for(timeout=0.05)
"""
    )
    # -rN: no short summary, which repeats whole messages where CI is set (and would count twice below).
    result = pytester.runpytest("-p", "no:cacheprovider", "-rN")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            "*AssertionError: waited 0.05 s for 1 delivery matching any; 0 matched.",
            "*No delivery arrived at *",
            "*wait_for blocked the running asyncio event loop it was called from for the whole wait: *"
            "Use `await server.wait_for_async(...)` (same arguments) instead.",
        ]
    )
    assert result.stdout.str().count("blocked the running") == 1  # not said of the sync test
