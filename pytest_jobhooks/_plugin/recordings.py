"""pytest wiring of recorded payloads: recording files become test items under ``--jobhooks``; drift in the summary.

The checking itself lives in :mod:`pytest_jobhooks.recordings` (imported when
the first recording runs: it loads the vendor catalog). Under pytest-xdist each
worker's totals and drift reach the controller through :mod:`._xdist`.

What ``--jobhooks-record`` writes (the option lives with contract mode, which
sees the same deliveries) is decided here: the file's name, ``DIR/<worker>.jobhooks.jsonl``,
matches the default collection pattern, and :func:`record_test` writes a
test's lines (none for ``@pytest.mark.jobhooks(record=False)``; a negative
test's invalid payloads marked, see :mod:`pytest_jobhooks.recordings.negative`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .._json import JsonObject
from ._xdist import collect_from_workers
from .options import GROUP, contract_mode, setting, strict_mode
from .server import CONTRACT, RECORD

if TYPE_CHECKING:
    from ..deliveries import Delivery
    from ..recordings import RecordingReport, RecordingSummary
    from ..recordings.writer import Recorder
    from ..sender import DeliveryReport

DEFAULT_PATTERNS = ["*.jobhooks.jsonl", "*.jobhooks.json"]
"""Which files are recordings unless ini ``jobhooks_recordings`` says otherwise."""

_SUMMARY = pytest.StashKey["RecordingSummary"]()
_WORKER_KEY = "jobhooks_recordings"


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--jobhooks-vendor`` (ini ``jobhooks_vendor``) and ini ``jobhooks_recordings``."""
    group = parser.getgroup(GROUP)
    group.addoption(
        "--jobhooks-vendor",
        default=None,
        metavar="NAME",
        help="read every recorded payload as this vendor's instead of detecting it per line (ini: jobhooks_vendor)",
    )
    parser.addini("jobhooks_vendor", default="", help="the vendor of every recorded payload (as --jobhooks-vendor)")
    parser.addini(
        "jobhooks_recordings",
        type="linelist",
        default=DEFAULT_PATTERNS,
        help="glob patterns of recorded payload files collected under --jobhooks "
        "(default: *.jobhooks.jsonl *.jobhooks.json)",
    )


def recording_name(worker: str) -> str:
    """The file ``--jobhooks-record`` writes for a worker (``main``, ``gw0``...): ``main.jobhooks.jsonl``."""
    return f"{worker}.jobhooks.jsonl"  # recordings.writer.RECORDING_SUFFIX (a test checks), without importing it


def record_test(
    item: pytest.Item, recorder: Recorder, captured: list[Delivery], sent: list[DeliveryReport]
) -> tuple[int, int]:
    """Append what one test captured and sent, in time order; (captured lines, sent lines) written.

    Nothing for a test marked ``@pytest.mark.jobhooks(record=False)`` (the closest marker wins).
    """
    markers = [marker.kwargs for marker in item.iter_markers("jobhooks")]
    wanted = next((kwargs[RECORD] for kwargs in markers if RECORD in kwargs), True)
    if wanted not in (True, False):
        raise pytest.UsageError(f"@pytest.mark.jobhooks(record=...) takes True or False, not {wanted!r}")
    if not wanted:
        return 0, 0
    from ..recordings.negative import records_of_test

    on_purpose = next((kwargs[CONTRACT] for kwargs in markers if CONTRACT in kwargs), True) is False
    records = records_of_test(captured, sent, test=item.nodeid, on_purpose=on_purpose)
    recorder.write(records)
    lines = sum(record.side == "sent" for record in records)
    return len(records) - lines, lines


def fixed_vendor(config: pytest.Config) -> str | None:
    """The vendor named by ``--jobhooks-vendor`` or ini ``jobhooks_vendor`` (the command line wins), if any."""
    return setting(config, "jobhooks_vendor", str.strip, None) or None


def pytest_configure(config: pytest.Config) -> None:
    """Reject an unknown ``--jobhooks-vendor`` before anything runs; have xdist workers hand their totals over."""
    collect_from_workers(config, _WORKER_KEY, lambda: _worker_totals(config), lambda data: _merge(config, data))
    name = fixed_vendor(config)
    if name is not None:
        from ..errors import UnknownVendorError
        from ..vendors import get_vendor

        try:
            get_vendor(name)
        except UnknownVendorError as exc:
            raise pytest.UsageError(f"--jobhooks-vendor / jobhooks_vendor: {exc}") from None


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> RecordingFile | None:
    """Collect a file matching ``jobhooks_recordings`` as one test item, in contract mode only."""
    config = parent.config
    if not contract_mode(config):
        return None
    patterns = config.getini("jobhooks_recordings")
    if any(file_path.match(pattern) for pattern in patterns):
        return RecordingFile.from_parent(parent, path=file_path)
    return None


class RecordingFile(pytest.File):
    """A recorded payload file: one item checks every line."""

    def collect(self) -> list[RecordingItem]:
        """The file's single item."""
        return [RecordingItem.from_parent(self, name="payloads")]


class RecordingFailure(Exception):
    """Raised by a recording item that has bad lines; carries the report for the failure message."""

    def __init__(self, report: RecordingReport) -> None:
        self.report = report
        super().__init__(report.summary())


class RecordingItem(pytest.Item):
    """Checks one recording: fails listing each bad line as ``file:line: vendor: JSON-path: message``."""

    def runtest(self) -> None:
        """Check the file (read at run time, so a bad file never breaks collection)."""
        from ..recordings import RecordingChecker

        config = self.config
        checker = RecordingChecker(fixed_vendor(config), strict=strict_mode(config))
        report = checker.check(self.path, name=self.nodeid.split("::")[0])
        _summary(config).add(report)
        if not report.ok:
            raise RecordingFailure(report)

    def repr_failure(  # type: ignore[override]
        self, excinfo: pytest.ExceptionInfo[BaseException], style: str | None = None
    ) -> str | object:
        """The report's message for bad lines; a traceback only for anything unexpected."""
        if isinstance(excinfo.value, RecordingFailure):
            return excinfo.value.report.failure()
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        """Where the item comes from, as shown in reports."""
        return self.path, None, f"recorded payloads {self.path.name}"


def _summary(config: pytest.Config) -> RecordingSummary:
    summary = config.stash.get(_SUMMARY, None)
    if summary is None:
        from ..recordings import RecordingSummary

        summary = config.stash[_SUMMARY] = RecordingSummary()
    return summary


def _worker_totals(config: pytest.Config) -> JsonObject | None:
    summary = config.stash.get(_SUMMARY, None)
    return summary.to_json() if summary is not None else None


def _merge(config: pytest.Config, data: JsonObject) -> None:
    from ..recordings import RecordingSummary

    _summary(config).merge(RecordingSummary.from_json(data))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """The ``jobhooks recordings`` section: totals, empty files, drift per vendor, path and value."""
    summary = config.stash.get(_SUMMARY, None)
    if summary is None or not summary.files:
        return
    terminalreporter.write_sep("=", "jobhooks recordings")
    for line in summary.lines(strict=strict_mode(config), switch="--jobhooks-strict"):
        terminalreporter.write_line(line)
