"""The inspector's HTML, rendered on the server: the page, each delivery's row and details, each job's timeline.

The live page and the pytest report (``--jobhooks-report``) are the same
markup; the small script (``inspector_static/inspector.js``) only fetches new
rows and timelines rendered here, filters rows and expands them. No build step,
nothing from the network: the report inlines the script and the stylesheet.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from html import escape
from importlib.resources import files

from .inspector_rows import Row, body_view, jobs

STATIC = files(__package__).joinpath("inspector_static")
"""The folder of the inspector's script and stylesheet, shipped in the wheel."""

_WIDTH, _LANE, _LEFT, _TOP = 680, 22, 190, 14


def static_text(name: str) -> str:
    """The text of ``inspector.js`` or ``inspector.css``."""
    return STATIC.joinpath(name).read_text(encoding="utf-8")


def page(
    sections: str,
    *,
    title: str,
    live: dict[str, str] | None = None,
    recording: str | None = None,
    replay: bool = False,
) -> str:
    """The whole page around ``sections`` (from :func:`section`): filters, the script. ``live``: its data attributes.

    Without ``live`` the page stands alone (the report): script and stylesheet inline, no polling.
    """
    if live is None:
        head = f"<style>{static_text('inspector.css')}</style>"
        script = f"<script>{static_text('inspector.js')}</script>"
    else:
        head = f'<link rel="stylesheet" href="{escape(live["static"])}inspector.css">'
        script = f'<script src="{escape(live["static"])}inspector.js"></script>'
    attributes = " ".join(f'data-{name}="{escape(value)}"' for name, value in (live or {}).items())
    download = ""
    if recording is not None:
        download = f' <a id="download" href="{escape(recording)}" download>download the recording</a>'

    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,">'  # no favicon request
        f"<title>{escape(title)}</title>{head}</head>"
        f'<body data-replay="{"on" if replay else "off"}" {attributes}>'
        f'<header><h1>{escape(title)}</h1><span id="count"></span>{download}</header>'
        '<form id="filters">'
        '<label>vendor <select id="f-vendor"><option value="">all</option></select></label>'
        '<label>job <input id="f-job" placeholder="job id contains"></label>'
        '<label>verdict <select id="f-verdict"><option value="">all</option>'
        + "".join(f'<option value="{v}">{v}</option>' for v in ("valid", "drift", "invalid", "signature", "unknown"))
        + "</select></label></form>"
        f"{sections}{script}</body></html>\n"
    )


def section(name: str, rows: Sequence[Row], *, replay: bool = False) -> str:
    """One group of deliveries (a test's, in the report): a heading, the jobs' timelines, the table."""
    heading = f"<h2>{escape(name)}</h2>" if name else ""
    return (
        f'<section class="deliveries">{heading}<div class="timelines">{timelines_html(rows)}</div>'
        "<table><thead><tr>"
        "<th>#</th><th>time</th><th>request</th><th>vendor</th><th>job</th><th>status</th>"
        "<th>signature</th><th>verdict</th><th>answer</th></tr></thead>"
        f"<tbody>{rows_html(rows, replay=replay)}</tbody></table></section>"
    )


def rows_html(rows: Iterable[Row], *, replay: bool) -> str:
    """Each row and its (hidden) details."""
    return "".join(_row(row, replay=replay) for row in rows)


def _row(row: Row, *, replay: bool) -> str:
    reading = row.reading
    status = f"{reading.status} &rarr; {reading.unified}" if reading.status else "&ndash;"
    marks = "".join(
        f' <span class="mark {cls}" title="{escape(text)}">{sign}</span>'
        for cls, sign, text in (("redelivery", "&#8635;", row.redelivery), ("illegal", "&#10007;", row.illegal))
        if text
    )
    answer = str(row.answer) if row.answer is not None else "none"
    data = {"id": str(row.id), "vendor": reading.vendor or "", "job": row.job or "", "verdict": row.verdict}
    attributes = " ".join(f'data-{name}="{escape(value)}"' for name, value in data.items())
    return (
        f'<tr class="row {row.verdict} {row.side}" {attributes}>'
        f"<td>{row.id}</td><td>{_clock(row.time)}</td>"
        f"<td>{escape(row.request.method)} {escape(row.request.target)}</td>"
        f"<td>{escape(reading.vendor or '?')}</td><td>{escape(row.job or '?')}</td><td>{status}{marks}</td>"
        f"<td>{escape(row.signature or '-')}</td><td>{row.verdict}</td><td>{answer}</td></tr>"
        f'<tr class="details" data-for="{row.id}" hidden><td colspan="9">{_details(row, replay=replay)}</td></tr>'
    )


def _details(row: Row, *, replay: bool) -> str:
    kind, text = body_view(row.request.body)
    headers = "".join(
        f"<tr><th>{escape(name)}</th><td>{escape(value)}</td></tr>" for name, value in row.request.headers.raw()
    )
    verdicts = [f"side: {row.side}", f"catalog: {row.verdict}"]
    if row.signature is not None:
        verdicts.append(f"signature {row.signature}" + (f" ({row.signature_note})" if row.signature_note else ""))
    if row.transport_error:
        verdicts.append(f"transport: {row.transport_error}")
    verdicts += [f"problem: {p}" for p in row.problems] + [f"drift: {d}" for d in row.drift]
    verdicts += [text for text in (row.redelivery, row.illegal) if text] + row.notes
    answer_kind, answer_text = body_view(row.answer_body)
    button = (
        f'<button class="replay" type="button" data-id="{row.id}">replay to the forward target</button>'
        '<span class="replayed"></span>'
        if replay and row.side == "captured"
        else ""
    )
    return (
        f'<div class="verdicts"><ul>{"".join(f"<li>{escape(v)}</li>" for v in verdicts)}</ul>{button}</div>'
        f'<table class="headers">{headers}</table>'
        f'<h4>body ({kind})</h4><pre class="body {kind}">{escape(text)}</pre>'
        + (f'<h4>answer ({answer_kind})</h4><pre class="answer">{escape(answer_text)}</pre>' if answer_text else "")
    )


def timelines_html(rows: Iterable[Row]) -> str:
    """One SVG picture per job: its states in arrival order against time, redeliveries and illegal moves marked."""
    return "".join(_timeline(vendor, job, events) for (vendor, job), events in jobs(rows).items())


def _timeline(vendor: str, job: str, events: list[Row]) -> str:
    lanes: list[str] = []
    for event in events:
        if event.reading.status not in lanes:
            lanes.append(event.reading.status or "")
    times = [event.time.timestamp() if event.time else 0.0 for event in events]
    start, span = min(times), (max(times) - min(times)) or 1.0
    height = _TOP * 2 + _LANE * len(lanes)
    parts = [
        f'<svg class="timeline" data-vendor="{escape(vendor)}" data-job="{escape(job)}" width="{_WIDTH}" '
        f'height="{height}" viewBox="0 0 {_WIDTH} {height}" role="img">'
        f"<title>{escape(vendor)} job {escape(job)}</title>"
    ]
    for lane, status in enumerate(lanes):
        y = _TOP + _LANE * lane + _LANE / 2
        shown = status if len(status) <= 28 else status[:27] + "…"
        parts.append(f'<text class="lane" x="4" y="{y + 4:.0f}"><title>{escape(status)}</title>{escape(shown)}</text>')
        parts.append(f'<line class="grid" x1="{_LEFT}" y1="{y:.0f}" x2="{_WIDTH - 10}" y2="{y:.0f}"/>')
    points = []
    for event, moment in zip(events, times, strict=True):
        x = _LEFT + (moment - start) / span * (_WIDTH - _LEFT - 20)
        y = _TOP + _LANE * lanes.index(event.reading.status or "") + _LANE / 2
        points.append((x, y, event))
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in points)
    parts.append(f'<polyline class="path" points="{path}"/>')
    for x, y, event in points:
        cls = "illegal" if event.illegal else "redelivery" if event.redelivery else "state"
        note = event.illegal or event.redelivery or ""
        label = f"#{event.id} {event.reading.status} at {_clock(event.time)}" + (f": {note}" if note else "")
        parts.append(
            f'<g class="tl-point tl-{cls}" data-id="{event.id}"><title>{escape(label)}</title>'
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{7 if cls != "state" else 5}"/>'
            + (f'<text x="{x + 8:.1f}" y="{y - 6:.1f}">{"✗" if event.illegal else "↻"}</text>' if note else "")
            + "</g>"
        )
    parts.append("</svg>")
    return f'<figure class="job"><figcaption>{escape(vendor)} job {escape(job)}</figcaption>{"".join(parts)}</figure>'


def _clock(moment: datetime | None) -> str:
    return moment.strftime("%H:%M:%S.%f")[:-3] if moment is not None else "&ndash;"
