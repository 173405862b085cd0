"""In-process delivery to a FastAPI app: ours vs httpx's ASGITransport, Starlette's TestClient and a direct call.

Goals (issue #15): ``await deliver_async(p, app)`` >= 1.0x
``httpx.AsyncClient(transport=httpx.ASGITransport(app))`` (a client made per
delivery, as ``deliver_async`` opens a target per call), and the sync path
``deliver(p, app)`` >= 3x Starlette's ``TestClient`` (one per delivery, used
as a context manager so that the lifespan runs, as ours does). A bare app
gets a lifespan per call, which ``ASGITransport`` never runs: the row with an
``asgi_app`` handle (one lifespan for the round) is the like-for-like figure. The direct
ASGI call (a hand-built scope, no lifespan) is the floor. Each figure is the
median, and min-max, of interleaved rounds, per delivery; the load average
is printed with them. Usage:

    python bench/bench_asgi.py [--rounds 7] [--n 300]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import httpx
from fastapi import FastAPI, Request
from starlette.testclient import TestClient

from pytest_jobhooks import deliver, deliver_async, lifecycle
from pytest_jobhooks.sender import asgi_app
from pytest_jobhooks.sender._transports._asgi_call import call_app

app = FastAPI()


@app.post("/")
async def hook(request: Request) -> dict[str, bool]:
    await request.body()
    return {"ok": True}


PAYLOAD = lifecycle("telmai", seed=1)[0]
BODY = httpx.Request("POST", "http://testserver/", json=PAYLOAD).content


def ours_sync(n: int) -> None:
    for _ in range(n):
        assert deliver(PAYLOAD, app, retry=False).ok


def testclient(n: int) -> None:
    for _ in range(n):
        with TestClient(app) as client:
            assert client.post("/", content=BODY, headers={"content-type": "application/json"}).status_code == 200


async def ours_async(n: int) -> None:
    for _ in range(n):
        assert (await deliver_async(PAYLOAD, app, retry=False)).ok


async def ours_async_held(n: int) -> None:
    async with asgi_app(app) as target:  # one lifespan for all: the per-delivery cost alone
        for _ in range(n):
            assert (await deliver_async(PAYLOAD, target, retry=False)).ok


async def asyncclient(n: int) -> None:
    for _ in range(n):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            response = await client.post("/", content=BODY, headers={"content-type": "application/json"})
            assert response.status_code == 200


async def direct(n: int) -> None:
    headers = (("content-type", "application/json"),)
    for _ in range(n):
        exchange = await call_app(app, "POST", "http://testserver/", headers, BODY, timeout=10, state={})
        assert exchange.status == 200


def timed(run: Callable[[int], Any], n: int) -> float:
    started = time.perf_counter()
    result = run(n)
    if asyncio.iscoroutine(result):
        asyncio.run(result)
    return (time.perf_counter() - started) / n * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--n", type=int, default=300)
    args = parser.parse_args()
    runs: dict[str, Callable[[int], Any]] = {
        "deliver(p, app)": ours_sync,
        "TestClient (with lifespan)": testclient,
        "await deliver_async(p, app)": ours_async,
        "deliver_async(p, asgi_app handle)": ours_async_held,
        "AsyncClient(ASGITransport)": asyncclient,
        "direct ASGI call": direct,
    }
    for run in runs.values():
        timed(run, 20)  # warm up: imports, first-use caches
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(args.rounds):
        for name, run in runs.items():
            times[name].append(timed(run, args.n))
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {args.rounds} rounds x {args.n}")
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, values in times.items():
        print(f"{name:32} {medians[name]:.3f} ms  (min {min(values):.3f}, max {max(values):.3f})")
    sync = medians["TestClient (with lifespan)"] / medians["deliver(p, app)"]
    print(f"sync:  deliver is {sync:.2f}x TestClient (goal >= 3x)")
    ratio = medians["AsyncClient(ASGITransport)"] / medians["await deliver_async(p, app)"]
    print(f"async: deliver_async is {ratio:.2f}x AsyncClient(ASGITransport) (goal >= 1.0x)")
    held = medians["AsyncClient(ASGITransport)"] / medians["deliver_async(p, asgi_app handle)"]
    print(f"async, lifespan held open (AsyncClient runs none): {held:.2f}x AsyncClient(ASGITransport)")
    floor = medians["await deliver_async(p, app)"] / medians["direct ASGI call"]
    print(f"floor: deliver_async is {floor:.1f}x the direct call")


if __name__ == "__main__":
    main()
