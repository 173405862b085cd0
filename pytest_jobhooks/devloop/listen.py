"""``python -m pytest_jobhooks listen``: a standalone capture server printing one line per delivery.

It serves the live inspector at ``/_jobhooks/``; ``--forward-to`` makes it a
transparent proxy to the app under development (see :mod:`.forward`),
``--record DIR`` appends every delivery to ``DIR/listen.jobhooks.jsonl`` in the
recording format, ``--secret`` checks signatures (one secret, or one per
vendor as ``VENDOR=whsec_...``). Ctrl-C stops it within a second and prints
a summary per vendor: deliveries, jobs, invalid payloads, drift, illegal moves.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from ..errors import RecordingError, ServerError, SignatureError
from ..recordings import Recorder
from ..recordings.writer import RECORDING_SUFFIX
from ..server import CaptureServer
from ..server.inspector_rows import JobTracker, Row, delivery_row
from ..signing import verify
from ._output import answer_style, console, say, verdict_style
from .forward import Forwarder

if TYPE_CHECKING:
    from rich.console import Console

    from ..deliveries import Delivery

__all__ = ["RECORDING_NAME", "ListenOptions", "VendorTally", "listen"]

RECORDING_NAME = f"listen{RECORDING_SUFFIX}"  # collected by the default pattern, as pytest's recordings are
"""The file ``--record DIR`` appends to, in ``DIR``."""

_POLL = 0.25  # seconds between looks when nothing arrives: Ctrl-C is seen well within a second


@dataclass(frozen=True)
class ListenOptions:
    """What ``listen`` was asked for (already checked by the argument parser)."""

    host: str = "127.0.0.1"
    port: int = 0
    forward_to: str | None = None
    record: Path | None = None
    secret: str | None = None
    vendor_secrets: Mapping[str, str] = field(default_factory=dict)
    respond: int = 200


@dataclass
class VendorTally:
    """One vendor's counts in the summary."""

    deliveries: int = 0
    jobs: set[str] = field(default_factory=set)
    invalid: int = 0
    drift: int = 0
    illegal: int = 0

    def line(self, vendor: str) -> str:
        """``telmai: 4 deliveries, 1 job(s), 0 invalid, 0 drift, 0 illegal move(s)``."""
        return (
            f"  {vendor}: {self.deliveries} deliveries, {len(self.jobs)} job(s), {self.invalid} invalid, "
            f"{self.drift} drift, {self.illegal} illegal move(s)"
        )


def listen(options: ListenOptions, out: Console | None = None) -> int:
    """Serve until interrupted (Ctrl-C, SIGTERM); 0 after a clean stop, 2 when it cannot listen or record."""
    out = out or console()
    server = CaptureServer(options.host, options.port, secret=options.secret, reject_status=None)
    forwarder = Forwarder(options.forward_to) if options.forward_to else None
    if forwarder is not None:
        server.answer_with(forwarder)
        server.inspector.replay = forwarder.replay
    else:
        server.respond(options.respond)
    recorder = None
    if options.record is not None:
        try:
            options.record.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            print(f"error: --record: cannot create {options.record}: {exc.strerror}", file=sys.stderr)
            return 2
        recorder = Recorder(options.record / RECORDING_NAME)
        server.inspector.recording = recorder.path
    try:
        server.start()
    except ServerError as exc:
        print(f"error: cannot listen: {exc}", file=sys.stderr)
        return 2
    # Our own handlers: a shell that started us in the background may have left SIGINT ignored.
    previous = {signum: signal.signal(signum, _interrupt) for signum in (signal.SIGINT, signal.SIGTERM)}
    session = _Session(server, options, out, forwarder, recorder)
    try:
        say(out, ("listening on", None), (server.url, "bold"), ("inspector:", None), (server.inspector_url, "bold"))
        if forwarder is not None:
            say(out, ("forwarding to", None), (forwarder.url, "bold"))
        session.serve()
    except RecordingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        server.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if recorder is not None:
            recorder.close()
    total = sum(tally.deliveries for tally in session.tallies.values())
    say(out, (f"stopped: {total} deliveries", "bold"))
    for vendor, tally in sorted(session.tallies.items()):
        out.print(tally.line(vendor), markup=False, highlight=False)
    out.file.flush()
    return 0


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@dataclass
class _Session:
    """One run of ``listen``: what it serves with, and what it has seen."""

    server: CaptureServer
    options: ListenOptions
    out: Console
    forwarder: Forwarder | None
    recorder: Recorder | None
    tallies: dict[str, VendorTally] = field(default_factory=dict)
    tracker: JobTracker = field(default_factory=JobTracker)
    after: int = 0

    def serve(self) -> None:
        """Show each delivery as it arrives, until interrupted."""
        try:
            while True:
                self.take(_POLL)
        except KeyboardInterrupt:
            self.take(0.0)  # what arrived while stopping is still shown, recorded and counted

    def take(self, timeout: float) -> None:
        """Show, record and count the deliveries that arrived since the last look (waiting up to ``timeout``)."""
        arrived, fresh = self.server.inspector.wait(self.after, timeout)
        first, self.after = arrived - len(fresh), arrived
        for index, delivery in enumerate(fresh):
            row = self.tracker.add(delivery_row(delivery, first + index + 1))
            _vendor_signature(row, delivery, self.options.vendor_secrets)
            if self.recorder is not None:
                self.recorder.record_captured([delivery])
            _tally(self.tallies, row)
            forwarded = self.forwarder.result(delivery.request).describe() if self.forwarder is not None else None
            _print(self.out, row, forwarded)


def _vendor_signature(row: Row, delivery: Delivery, secrets: Mapping[str, str]) -> None:
    """With ``--secret VENDOR=whsec_...``: that vendor's deliveries are judged with its own secret."""
    secret = secrets.get(delivery.vendor or "")
    if secret is None:
        return
    try:
        verify(secret, delivery.body, delivery.headers)
    except SignatureError as exc:
        row.signature, row.signature_note = "invalid", f"{exc.reason}: {exc}"
    except Exception as exc:  # whatever the svix library raises is a verdict here, not a crash
        row.signature, row.signature_note = "invalid", f"{type(exc).__name__}: {exc}"
    else:
        row.signature, row.signature_note = "valid", None


def _tally(tallies: dict[str, VendorTally], row: Row) -> None:
    tally = tallies.setdefault(row.reading.vendor or "(no vendor)", VendorTally())
    tally.deliveries += 1
    if row.job is not None:
        tally.jobs.add(row.job)
    tally.invalid += row.verdict == "invalid"
    tally.drift += row.verdict == "drift"
    tally.illegal += row.illegal is not None


def _print(out: Console, row: Row, forwarded: str | None) -> None:
    reading = row.reading
    moment = row.time.strftime("%H:%M:%S.%f")[:-3] if row.time else "-"
    status = f"{reading.status} -> {reading.unified}" if reading.status else "(no state)"
    findings = row.problems[:1] + ([f"+{len(row.problems) - 1} more"] if len(row.problems) > 1 else [])
    if row.drift:
        findings.append(f"drift: {len(row.drift)}")
    findings += [text for text in (row.redelivery, row.illegal) if text]
    answer = f"-> {row.answer}" if row.answer is not None else "-> no answer"
    parts: list[tuple[str, str | None]] = [
        (moment, "dim"),
        (f"{row.request.method} {row.request.target}", "bold"),
        (reading.vendor or "(no vendor)", None),
        (f"job {row.job or '?'}", None),
        (status, None),
        (f"signature {row.signature or '-'}", "red" if row.signature in ("invalid", "missing") else None),
        (row.verdict, verdict_style(row.verdict)),
    ]
    if findings:
        parts.append(("; ".join(findings), "yellow"))
    parts.append((answer, answer_style(row.answer)))
    if forwarded is not None:
        parts.append((forwarded, None))
    say(out, *parts)
