"""The live web inspector: every delivery a capture server received, at ``/_jobhooks/`` on the server itself.

A table of deliveries that updates while it is open (the page polls for new
rows, rendered here), filters by vendor, job and verdict, each row expanding
to its headers, body and every verdict; a timeline picture per job; a replay
button when whoever runs the server gives a :attr:`Inspector.replay` callback
(``python -m pytest_jobhooks listen --forward-to`` does); a link to download
the recording when there is one. Requests under ``/_jobhooks/`` are answered
here and never recorded as deliveries. Open it from a test with
``jobhooks_server.inspector_url``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from ..deliveries import Delivery, Response
from ._inspector_html import page, rows_html, section, static_text, timelines_html
from ._wsgi import send_response
from .inspector_rows import Row, annotate, delivery_row

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from ._receiver import Receiver

__all__ = ["INSPECTOR_PATH", "Inspector", "Replay", "section", "static_page"]

INSPECTOR_PATH = "/_jobhooks/"
"""Where a capture server serves its inspector; requests under it are not deliveries."""

Replay = Callable[[Delivery], str]
"""Sends a delivery again (to the forward target) and says how it went, in one line."""

_TYPES = {"js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8"}
_STATIC = frozenset({"inspector.js", "inspector.css"})


class Inspector:
    """The inspector of one capture server: a WSGI app for the paths under :data:`INSPECTOR_PATH`.

    ``replay`` (None: no replay button) is called with a delivery when its
    button is pressed; ``recording`` (None: no download link) is the file
    offered for download; ``title`` heads the page.
    """

    def __init__(self, receiver: Receiver) -> None:
        self._receiver = receiver
        self.replay: Replay | None = None
        self.recording: Path | None = None
        self.title = "jobhooks inspector"

    def rows(self) -> list[Row]:
        """Every delivery held, as annotated rows (numbered by arrival, from 1)."""
        first, held = self._held()
        return annotate([delivery_row(delivery, first + index + 1) for index, delivery in enumerate(held)])

    def wait(self, after: int, timeout: float) -> tuple[int, list[Delivery]]:
        """The deliveries that arrived after the first ``after`` (waiting up to ``timeout`` s for one); the new count.

        ``after`` counts every delivery since the server was made (0 at first).
        """
        receiver = self._receiver
        _, arrived, fresh = receiver.arrivals(after, receiver.generation, time.monotonic() + timeout)
        return arrived, fresh

    def _held(self) -> tuple[int, list[Delivery]]:
        """How many deliveries arrived before the oldest one held, and those held."""
        receiver = self._receiver
        with receiver.changed:  # one look: the numbering matches what is held
            held = receiver.deliveries()
            return receiver.arrived() - len(held), held

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Answer one request under :data:`INSPECTOR_PATH`."""
        path = environ.get("PATH_INFO", "")[len(INSPECTOR_PATH) :]
        method = environ["REQUEST_METHOD"]
        if path == "" and method in ("GET", "HEAD"):
            response = self._page()
        elif path.startswith("static/") and path[7:] in _STATIC:
            name = path[7:]
            response = _answer(200, static_text(name), _TYPES[name.rsplit(".", 1)[1]])
        elif path == "api/rows":
            response = self._updates(environ.get("QUERY_STRING", ""))
        elif path.startswith("api/replay/") and method == "POST":
            response = self._replay(path[len("api/replay/") :])
        elif path == "recording" and self.recording is not None:
            response = self._download(self.recording)
        else:
            response = _answer(404, f"no inspector page {path!r}\n", "text/plain; charset=utf-8")
        return send_response(response, environ, start_response)

    def _page(self) -> Response:
        rows = self.rows()
        live = {"static": f"{INSPECTOR_PATH}static/", "api": f"{INSPECTOR_PATH}api/", "after": str(_last(rows))}
        recording = f"{INSPECTOR_PATH}recording" if self.recording is not None else None
        replay = self.replay is not None
        text = page(section("", rows, replay=replay), title=self.title, live=live, recording=recording, replay=replay)
        return _answer(200, text, "text/html; charset=utf-8")

    def _updates(self, query: str) -> Response:
        after = 0
        for part in query.split("&"):
            name, _, value = part.partition("=")
            if name == "after" and value.isascii() and value.isdigit():
                after = int(value)
        first, held = self._held()
        if first + len(held) <= after:  # nothing new: the usual poll costs no reading at all
            return _json(200, {"after": after, "count": len(held), "rows": "", "timelines": None})
        rows = self.rows()
        fresh = [row for row in rows if row.id > after]
        data = {
            "after": max(after, _last(rows)),
            "count": len(rows),
            "rows": rows_html(fresh, replay=self.replay is not None),
            "timelines": timelines_html(rows) if fresh else None,
        }
        return _answer(200, json.dumps(data), "application/json")

    def _replay(self, number: str) -> Response:
        replay = self.replay
        first, held = self._held()
        index = int(number) - first - 1 if number.isascii() and number.isdigit() else -1
        if replay is None or not 0 <= index < len(held):
            return _json(404, {"ok": False, "message": f"no delivery #{number} to replay"})
        delivery = held[index]
        try:
            message = replay(delivery)
        except Exception as exc:  # the callback's failure is the button's answer, not the server's
            return _json(502, {"ok": False, "message": f"{type(exc).__name__}: {exc}"})
        return _json(200, {"ok": True, "message": message})

    def _download(self, recording: Path) -> Response:
        try:
            data = recording.read_bytes()
        except OSError as exc:
            return _answer(404, f"cannot read {recording}: {exc.strerror}\n", "text/plain; charset=utf-8")
        disposition = f'attachment; filename="{recording.name}"'
        return Response(200, data, {"Content-Type": "application/x-ndjson", "Content-Disposition": disposition})


def static_page(sections: Iterable[str], *, title: str) -> str:
    """One self-contained page of ``sections`` (each from :func:`section`): script and stylesheet inline, offline.

    What ``--jobhooks-report=FILE.html`` writes: rows expand and filter as on the live page; nothing is polled.
    """
    return page("".join(sections), title=title)


def _last(rows: list[Row]) -> int:
    return rows[-1].id if rows else 0


def _answer(status: int, text: str, content_type: str) -> Response:
    return Response(status, text.encode("utf-8"), {"Content-Type": content_type, "Cache-Control": "no-store"})


def _json(status: int, value: dict[str, object]) -> Response:
    return _answer(status, json.dumps(value), "application/json")
