"""CaptureServer.isolate: URLs of their own for a stretch of deliveries; what comes for an earlier one is kept apart."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from pytest_jobhooks import CaptureServer
from pytest_jobhooks.errors import ArgumentError


def test_deliveries_to_an_earlier_scope_are_late_not_current() -> None:
    with CaptureServer(secret=None) as server:
        server.isolate("first")
        first = server.url_for("/hooks/a")
        assert first == f"http://127.0.0.1:{server.port}/t/1/hooks/a"
        assert server.path_prefix == "/t/1"
        server.isolate("second")
        assert httpx.post(first, json={"late": True}).status_code == 200
        assert httpx.post(server.url_for("/hooks/b"), json={}).status_code == 200
        assert [d.path for d in server.deliveries] == ["/hooks/b"]
        [late] = server.take_late()
        assert (late.label, late.delivery.path, late.delivery.json) == ("first", "/hooks/a", {"late": True})
        assert server.take_late() == []  # taken once


def test_a_late_delivery_does_not_use_the_current_script() -> None:
    with CaptureServer(secret=None) as server:
        server.isolate("first")
        first = server.url
        server.isolate("second").respond(503, times=1)
        assert httpx.post(first, json={}).status_code == 200
        assert httpx.post(server.url, json={}).status_code == 503
        second = server.url_for("/after")
        server.end_isolation()
        assert server.url == f"http://127.0.0.1:{server.port}"
        assert httpx.post(second, json={}).status_code == 200
        assert [(late.label, late.delivery.path) for late in server.take_late()] == [
            ("first", "/"),
            ("second", "/after"),
        ]


def test_isolate_takes_a_str_label() -> None:
    with pytest.raises(ArgumentError, match="label must be a str, not 3"):
        CaptureServer().isolate(3)  # type: ignore[arg-type]


def test_wait_for_async_on_its_own() -> None:
    async def main(server: CaptureServer) -> int:
        async with httpx.AsyncClient() as client:
            sending = asyncio.ensure_future(client.post(server.url, json={"job_id": "b", "job_status": "delivered"}))
            [delivery] = await server.wait_for_async(vendor="gofetch", timeout=10)
            assert delivery.job_id == "b"
            return (await sending).status_code

    with CaptureServer(secret=None) as server:
        assert asyncio.run(main(server)) == 200


def test_wait_for_async_starts_over_on_clear() -> None:
    async def main(server: CaptureServer) -> list[str]:
        httpx.post(server.url_for("/old"), json={})
        waiting = asyncio.ensure_future(server.wait_for_async(2, timeout=10))
        await asyncio.sleep(0)  # let it look once: the old delivery counts
        server.clear()
        async with httpx.AsyncClient() as client:
            for path in ("/new1", "/new2"):
                await client.post(server.url_for(path), json={})
        return [d.path for d in await waiting]

    with CaptureServer(secret=None) as server:
        assert asyncio.run(main(server)) == ["/new1", "/new2"]


def test_a_late_delivery_is_judged_with_the_secret_of_its_own_scope() -> None:
    body = b'{"job_id": "parse_1", "status": "pending", "created_at": "2023-10-01T12:00:00Z"}'  # Tensorlake signs
    with CaptureServer() as server:
        server.isolate("first")
        first, headers = server.url, server.sign(body)
        server.end_isolation()
        server.reset().isolate("second")  # a fresh secret, as the plugin gives each test
        assert httpx.post(first, content=body, headers=headers).status_code == 200
        assert httpx.post(server.url, content=body, headers=headers).status_code == 401  # not this scope's secret
        [late] = server.take_late()
        assert (late.label, late.delivery.signature) == ("first", "valid")
