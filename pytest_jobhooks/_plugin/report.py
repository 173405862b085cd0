"""pytest wiring of ``--jobhooks-report=FILE.html``: the inspector's page over every delivery of the run, by test.

When a test ends, what its ``jobhooks_server`` captured and every attempt its
``jobhooks_sender`` made are rendered as one section (the inspector's table
and timelines); the sections are written, in test order, to one static HTML
file when the session ends, for CI to keep as an artefact. Under pytest-xdist
each worker renders its tests and hands the sections to the controller
(:mod:`._xdist`), which writes the file. Nothing is imported before a test has
something to show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .._json import JsonObject
from ._xdist import collect_from_workers
from .options import GROUP, setting
from .sender import SENDER
from .server import TEST_SERVER

_INI = "jobhooks_report"
_STATE = pytest.StashKey["_Report"]()
_WORKER_KEY = "jobhooks_report"
_TITLE = "jobhooks report"


@dataclass
class _Report:
    """Where the report goes, and the section of each test that captured or sent something."""

    path: Path
    sections: dict[str, str] = field(default_factory=dict)
    deliveries: int = 0
    error: str | None = None


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--jobhooks-report=FILE.html`` and its ini twin ``jobhooks_report``."""
    group = parser.getgroup(GROUP)
    group.addoption(
        "--jobhooks-report",
        dest=_INI,
        default=None,
        metavar="FILE.html",
        help="write every delivery captured and sent in the run, by test, to one HTML page (ini: jobhooks_report)",
    )
    parser.addini(_INI, "write every delivery of the run to this HTML page (as --jobhooks-report)")


def pytest_configure(config: pytest.Config) -> None:
    """Resolve the report's path (relative to where pytest started, or to the rootdir from the ini file)."""
    given = setting(config, _INI, _file, None)
    if given is None:
        return
    base = config.invocation_params.dir if config.getoption(_INI) is not None else config.rootpath
    state = config.stash[_STATE] = _Report(base / given)
    collect_from_workers(config, _WORKER_KEY, lambda: _worker_sections(state), lambda data: _merge(state, data))


def _file(text: str) -> str:
    if not text.strip():
        raise ValueError("a file name")
    return text.strip()


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    """Once the test's fixtures are torn down: render what it captured and sent as its section."""
    state = item.config.stash.get(_STATE, None)
    if state is None:
        return
    server = item.stash.get(TEST_SERVER, None)
    sender = item.stash.get(SENDER, None)
    captured = server.deliveries if server is not None else []
    sent = [attempt for report in sender.sent for attempt in report.attempts] if sender is not None else []
    if not captured and not sent:
        return
    from ..server.inspector import section
    from ..server.inspector_rows import annotate, delivery_row, sent_row

    rows = [delivery_row(delivery, number) for number, delivery in enumerate(captured, start=1)]
    rows += [
        sent_row(attempt.request, number, answer=attempt.status, body=attempt.response_body, error=attempt.error)
        for number, attempt in enumerate(sent, start=len(rows) + 1)
    ]
    rows.sort(key=lambda row: (row.time is None, row.time))
    state.sections[item.nodeid] = section(item.nodeid, annotate(rows))
    state.deliveries += len(rows)


def _worker_sections(state: _Report) -> JsonObject | None:
    if not state.sections:
        return None
    return {"sections": dict(state.sections), "deliveries": state.deliveries}


def _merge(state: _Report, data: JsonObject) -> None:
    sections = data.get("sections")
    if isinstance(sections, dict):
        state.sections.update({str(k): str(v) for k, v in sections.items()})
    deliveries = data.get("deliveries")
    state.deliveries += deliveries if isinstance(deliveries, int) else 0


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """On the controller (or without pytest-xdist): write the page."""
    config = session.config
    state = config.stash.get(_STATE, None)
    if state is None or hasattr(config, "workerinput"):
        return
    from ..server.inspector import static_page

    empty = '<p class="empty">No test captured or sent a delivery.</p>'
    sections = [state.sections[name] for name in sorted(state.sections)] or [empty]
    try:
        state.path.parent.mkdir(parents=True, exist_ok=True)
        state.path.write_text(static_page(sections, title=_TITLE), encoding="utf-8")
    except OSError as exc:  # said in the summary, and the run fails: a report asked for is never lost silently
        state.error = f"cannot write {str(state.path)!r}: {exc.strerror or type(exc).__name__}"
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """Say where the report is."""
    state = config.stash.get(_STATE, None)
    if state is None or hasattr(config, "workerinput"):
        return
    if state.error is not None:
        terminalreporter.write_line(f"jobhooks report: {state.error}", red=True)
    else:
        tests = len(state.sections)
        terminalreporter.write_line(f"jobhooks report: {state.path} ({state.deliveries} deliveries, {tests} test(s))")
