"""How long serving an app for one test costs: AppServer's start and stop, against uvicorn's own, in the same run.

For an ASGI app (a FastAPI app with a lifespan) it times ``AppServer(app)``
start and stop next to a plain ``uvicorn.Server`` run in a thread (started when
``server.started`` is set, stopped with ``should_exit``, which uvicorn checks
every 0.1 s and follows with a fixed 0.1 s sleep); for a WSGI app (Flask),
``AppServer`` next to werkzeug's ``make_server`` + ``serve_forever`` (its
``shutdown()`` waits for the next 0.5 s poll). Prints the medians and the ratios. Usage:

    python bench/bench_serve.py [--runs 15]
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import statistics
import threading
import time
from collections.abc import AsyncIterator, Callable

import httpx
import uvicorn
from fastapi import FastAPI
from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server

from pytest_jobhooks.server.serving import AppServer


def fastapi_app() -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield

    app = FastAPI(lifespan=lifespan)

    @app.get("/")
    async def root() -> dict[str, bool]:
        return {"ok": True}

    return app


def flask_app() -> Flask:
    app = Flask("bench")
    app.get("/")(lambda: {"ok": True})
    return app


def ours(app: object) -> tuple[float, float]:
    started = time.perf_counter()
    server = AppServer(app).start()
    ready = time.perf_counter()
    httpx.get(server.url).raise_for_status()
    stopping = time.perf_counter()
    server.stop()
    return ready - started, time.perf_counter() - stopping


def plain_uvicorn(app: object) -> tuple[float, float]:
    started = time.perf_counter()
    listener = socket.create_server(("127.0.0.1", 0))
    config = uvicorn.Config(app, lifespan="on", log_config=None, log_level="warning", ws="none", loop="asyncio")  # type: ignore[arg-type]
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    while not server.started:  # uvicorn offers no event to wait on
        time.sleep(0.001)
    ready = time.perf_counter()
    httpx.get(f"http://127.0.0.1:{listener.getsockname()[1]}/").raise_for_status()
    stopping = time.perf_counter()
    server.should_exit = True
    thread.join()
    return ready - started, time.perf_counter() - stopping


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args: object) -> None:
        pass


def plain_werkzeug(app: object) -> tuple[float, float]:
    started = time.perf_counter()
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)  # type: ignore[arg-type]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    ready = time.perf_counter()
    httpx.get(f"http://127.0.0.1:{server.server_port}/").raise_for_status()
    stopping = time.perf_counter()
    server.shutdown()
    thread.join()
    server.server_close()
    return ready - started, time.perf_counter() - stopping


def measure(run: Callable[[object], tuple[float, float]], make: Callable[[], object], runs: int) -> tuple[float, float]:
    times = [run(make()) for _ in range(runs)]
    return statistics.median(t[0] for t in times), statistics.median(t[1] for t in times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    for kind, make, peer_name, peer in (
        ("ASGI (FastAPI)", fastapi_app, "uvicorn.Server", plain_uvicorn),
        ("WSGI (Flask)", flask_app, "werkzeug make_server", plain_werkzeug),
    ):
        mine, theirs = measure(ours, make, runs), measure(peer, make, runs)
        print(f"{kind}: median of {runs} runs, start / stop in ms")
        print(f"  AppServer             {mine[0] * 1000:8.1f} / {mine[1] * 1000:8.1f}")
        print(f"  {peer_name:<21} {theirs[0] * 1000:8.1f} / {theirs[1] * 1000:8.1f}")
        print(f"  stop: AppServer takes {mine[1] / theirs[1]:.3f}x the time of {peer_name}")


if __name__ == "__main__":
    main()
