"""What the development-loop tests share: a Flask app on a real port, and the commands run as subprocesses."""

from __future__ import annotations

import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from flask import Flask, request
from werkzeug.serving import BaseWSGIServer, make_server

COMMAND = [sys.executable, "-m", "pytest_jobhooks"]


@dataclass(frozen=True)
class Received:
    """One request the app got: method, path with query, headers in order, the exact body."""

    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


@dataclass
class App:
    """A Flask app recording every request; ``fail`` answers that many requests 500 first."""

    server: BaseWSGIServer
    received: list[Received] = field(default_factory=list)
    fail: int = 0

    @property
    def url(self) -> str:
        """The app's base URL."""
        return f"http://127.0.0.1:{self.server.server_port}"

    def reset(self, *, fail: int = 0) -> None:
        """Forget what arrived; answer the next ``fail`` requests 500."""
        self.received.clear()
        self.fail = fail


def start_app() -> Iterator[App]:
    """The app served by werkzeug's ``make_server`` in a thread, for a ``with`` or a fixture."""
    flask = Flask("devloop-app")
    holder: list[App] = []

    @flask.route("/", defaults={"path": ""}, methods=["GET", "POST", "PUT"])
    @flask.route("/<path:path>", methods=["GET", "POST", "PUT"])
    def hook(path: str) -> tuple[str, int]:
        app = holder[0]
        target = request.full_path.rstrip("?")
        app.received.append(Received(request.method, target, tuple(request.headers.items()), request.get_data()))
        if app.fail:
            app.fail -= 1
            return "app says no", 500
        return "app ok", 200

    server = make_server("127.0.0.1", 0, flask, threaded=True)
    holder.append(App(server))
    thread = threading.Thread(target=server.serve_forever, name="devloop-app", daemon=True)
    thread.start()
    try:
        yield holder[0]
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


class Running:
    """A command running in the background; its output lines read as they come (no sleeping)."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [*COMMAND, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8"
        )
        self.lines: list[str] = []
        self._ended = False
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        with self.process.stdout:
            for line in self.process.stdout:
                self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for_line(self, text: str, timeout: float = 20.0) -> str:
        """The first line (from now on) holding ``text``; fails with every line seen when none comes in time."""
        while True:
            try:
                line = self._queue.get(timeout=timeout)
            except queue.Empty:
                seen = "\n".join(self.lines)
                raise AssertionError(f"no line with {text!r} within {timeout} s; got:\n{seen}") from None
            if line is None:
                self._ended = True
                raise AssertionError(f"the command ended without a line with {text!r}; got:\n" + "\n".join(self.lines))
            self.lines.append(line)
            if text in line:
                return line

    def finish(self, timeout: float = 10.0) -> int:
        """Wait for the command to end, reading the rest of its output; its exit status."""
        status = self.process.wait(timeout)
        while (line := self._queue.get(timeout=timeout)) is not None:
            self.lines.append(line)
        self._ended = True
        return status

    def stop(self) -> None:
        """Kill it if it still runs (a failed test must not leave it behind)."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(5)
        while not self._ended and self._queue.get(timeout=5) is not None:  # the reader closes the pipe at its end
            pass


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """Run a command to its end; its status and output."""
    return subprocess.run([*COMMAND, *args], capture_output=True, text=True, encoding="utf-8", timeout=60)
