"""``trigger`` and ``replay``: send a whole realistic job, or a recording, at a URL; one line per attempt.

``trigger`` builds one job of a vendor with the factories
(:func:`~pytest_jobhooks.lifecycle`) and sends it with the sender
(:func:`~pytest_jobhooks.deliver_all`) as the vendor delivers: its method and
encoding, signed when it signs, retried on its schedule (in virtual time
unless ``--real-time``), with at-least-once chaos on request. ``replay`` is
the command-line twin of :func:`~pytest_jobhooks.replay`. Both exit 0 when
every delivery was answered 2xx in the end, 1 otherwise.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..catalog import read
from ..errors import JobhooksError
from ..factories import lifecycle
from ..recordings.replaying import replay
from ..sender import BatchReport, deliver_all
from ..vendors.base import UnifiedStatus
from ._output import answer_style, console, say

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["replay_files", "trigger"]


def trigger(
    vendor: str,
    to: str,
    *,
    outcome: UnifiedStatus = "succeeded",
    seed: int | None = None,
    secret: str | None = None,
    duplicates: float = 0.0,
    reorder: bool = False,
    real_time: bool = False,
    out: Console | None = None,
) -> int:
    """Send one job of ``vendor`` ending in ``outcome`` to ``to``; 0 when every delivery got a 2xx, else 1."""
    out = out or console()
    try:
        payloads = lifecycle(vendor, outcome=outcome, seed=seed)
        report = deliver_all(
            payloads, to, duplicates=duplicates, reorder=reorder, seed=seed, secret=secret, real_time=real_time
        )
    except JobhooksError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    say(out, (f"trigger {vendor} (seed {report.seed}):", "bold"), (f"{len(payloads)} payload(s) -> {to}", None))
    return _report(out, report)


def replay_files(paths: Sequence[str], to: str, *, secret: str | None = None, out: Console | None = None) -> int:
    """Replay each recording to ``to`` in order; 0 when every line got a 2xx, 1 otherwise, 2 for a bad file."""
    out = out or console()
    status = 0
    for path in paths:
        try:
            report = replay(path, to, secret=secret)
        except JobhooksError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        say(out, (f"replay {path}:", "bold"), (f"{len(report.deliveries)} line(s) -> {to}", None))
        status = max(status, _report(out, report))
    return status


def _report(out: Console, report: BatchReport) -> int:
    """One line per attempt, then a total; the exit status."""
    for delivery in report.deliveries:
        where = f"line {delivery.line}" if delivery.line is not None else f"#{delivery.index}"
        if delivery.copy:
            where += " (duplicate)"
        status = _status_of(delivery.vendor, delivery.payload)
        for attempt in delivery.attempts:
            answer = str(attempt.status) if attempt.status is not None else f"no answer ({attempt.error})"
            say(
                out,
                (where, "dim"),
                (delivery.vendor or "(no vendor)", None),
                (status, None),
                (f"attempt {attempt.number}", None),
                (f"{attempt.request.method} {attempt.request.target}", "bold"),
                (f"-> {answer}", answer_style(attempt.status)),
            )
    failed = sum(not delivery.ok for delivery in report.deliveries)
    total = (
        f"{len(report.deliveries)} delivered" if not failed else f"{failed} of {len(report.deliveries)} not delivered"
    )
    say(out, (total, "green" if not failed else "bold red"), (f"{len(report.attempts)} attempt(s)", None))
    return 1 if failed else 0


def _status_of(vendor: str | None, payload: object) -> str:
    if vendor is None:
        return "-"
    state = read(payload, vendor=vendor).job_state
    return f"{state.status} -> {state.unified}" if state is not None else "(invalid)"
