"""pytest wiring of contract mode and recording: ``--jobhooks`` checks, ``--jobhooks-record=DIR``, their summary.

In contract mode every delivery a test's capture servers received
(``jobhooks_server``, and servers made with ``make_jobhooks_server``) and every
payload its ``jobhooks_sender`` sent is checked when the test's call ends (see
:mod:`pytest_jobhooks._contract`); a violation fails the test with the
problems and a timeline. ``@pytest.mark.jobhooks(contract=False)`` opts a
test, class or module out; ``contract="schema"`` checks payloads only.

With ``--jobhooks-record=DIR`` the same deliveries are appended, once the
test's fixtures are torn down, to ``DIR/<worker>.jobhooks.jsonl`` (``main``
without pytest-xdist). Under xdist the directory and the totals cross through
:mod:`._xdist`; failure sections are added by :mod:`._reports`. What an extra
server received during a test is :meth:`CaptureServer.since
<pytest_jobhooks.server.CaptureServer.since>` the previous test's end. Tests
that capture and send nothing cost a stash lookup; nothing heavy is imported
before a test has something to check or record.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .._json import JsonObject
from ._xdist import collect_from_workers, from_controller, send_to_workers, worker_id
from .options import GROUP, contract_mode, setting, strict_mode
from .recordings import record_test, recording_name
from .sender import SENDER
from .server import CONTRACT, EXTRA_SERVERS, TEST_SERVER

if TYPE_CHECKING:
    from ..contract import CapturedStream, ContractCheck, ContractSummary, Mode
    from ..deliveries import Delivery
    from ..recordings.writer import Recorder
    from ..server import CaptureServer

_OPTION = "--jobhooks-record"
_INI = "jobhooks_record"
_WORKER_KEY = "jobhooks_contract"
_STATE = pytest.StashKey["_State"]()
_CHECK = pytest.StashKey["ContractCheck | None"]()
_FAILED = pytest.StashKey[bool]()


@dataclass
class _State:
    """One process's contract mode switch, recording file and totals."""

    contract: bool
    record_to: Path | None
    recording: Path | None
    strict: bool = False  # --jobhooks-strict: drift fails a test too
    recorder: Recorder | None = None
    summary: ContractSummary | None = None
    # Each extra server's mark at the previous test's end: what arrived after it, arrived during this test.
    marks: dict[CaptureServer, object] = field(default_factory=dict)

    def totals(self) -> ContractSummary:
        """The totals, created on first use."""
        if self.summary is None:
            from ..contract import ContractSummary

            self.summary = ContractSummary()
        return self.summary


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--jobhooks-record=DIR`` and its ini twin ``jobhooks_record``."""
    group = parser.getgroup(GROUP)
    group.addoption(
        _OPTION,
        dest=_INI,
        metavar="DIR",
        default=None,
        help="append every delivery captured by jobhooks capture servers or sent by jobhooks_sender to "
        "DIR/<worker>.jobhooks.jsonl, secrets redacted (ini: jobhooks_record)",
    )
    parser.addini(
        _INI, default="", help="directory to record deliveries in, relative to rootdir (as --jobhooks-record)"
    )


def pytest_configure(config: pytest.Config) -> None:
    """Settle contract mode and the recording directory (it must be writable: else ``UsageError``)."""
    directory = _record_directory(config)
    recording = None
    if directory is not None:
        _check_directory(directory)
        recording = directory / recording_name(worker_id(config))
    state = config.stash[_STATE] = _State(contract_mode(config), directory, recording, strict_mode(config))
    send_to_workers(config, _INI, str(directory) if directory is not None else "")
    collect_from_workers(config, _WORKER_KEY, lambda: _worker_totals(state), lambda data: _merge(state, data))


def _record_directory(config: pytest.Config) -> Path | None:
    handed = from_controller(config, _INI)
    if isinstance(handed, str):  # on an xdist worker: the controller resolved it
        return Path(handed) if handed else None
    given = setting(config, _INI, _directory, None)
    if given is None:
        return None
    # Relative to where pytest was started when given on the command line, to the rootdir in the ini file.
    from_command_line = config.getoption(_INI) is not None
    return (config.invocation_params.dir if from_command_line else config.rootpath) / given


def _directory(text: str) -> str:
    if not text.strip():
        raise ValueError("a directory")
    return text.strip()


def _check_directory(directory: Path) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        message = f"{_OPTION} / {_INI}: cannot record deliveries in {str(directory)!r}: {reason}"
        raise pytest.UsageError(message) from None


def _worker_totals(state: _State) -> JsonObject | None:
    return state.summary.to_json() if state.summary is not None else None  # type: ignore[return-value]


def _merge(state: _State, data: JsonObject) -> None:
    from ..contract import ContractSummary

    state.totals().merge(ContractSummary.from_json(data))


@pytest.hookimpl(trylast=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    """Once the test function has returned: fail the test on a contract violation (contract mode only)."""
    state = item.config.stash.get(_STATE, None)
    if state is None or not state.contract:
        return
    problem = _problem(item, state)
    if problem is not None:
        item.stash[_FAILED] = True
        pytest.fail(problem, pytrace=False)


def finish_test(item: pytest.Item, call: pytest.CallInfo[None]) -> str | None:
    """Before the teardown report: record what the test captured and sent; why recording failed, if it did."""
    state = item.config.stash.get(_STATE, None)
    if state is None or call.when != "teardown" or not (state.contract or state.recording is not None):
        return None
    return _finish(item, state)


def contract_section(item: pytest.Item, call: pytest.CallInfo[None]) -> tuple[str, str] | None:
    """The call report's ``jobhooks contract`` section of a test that failed on its own and broke the contract too."""
    state = item.config.stash.get(_STATE, None)
    if state is None or call.when != "call" or not state.contract or item.stash.get(_FAILED, False):
        return None
    # The test's call raised before pytest_runtest_call could check: count its deliveries, show any problem.
    problem = _problem(item, state)
    return ("jobhooks contract", problem) if problem is not None else None


def _problem(item: pytest.Item, state: _State) -> str | None:
    """What is wrong with what the test captured and sent (or with its marker), if anything."""
    try:
        check = _check(item, state)
    except _BadMarker as exc:
        return str(exc)
    return check.message() if check is not None and not check.ok else None


class _BadMarker(Exception):
    """A ``contract=`` value the marker does not take."""


def _mode(item: pytest.Item) -> Mode | None:
    """The closest ``jobhooks`` marker's ``contract=``: "full" (default), "schema", or None (opted out)."""
    for marker in item.iter_markers("jobhooks"):
        if CONTRACT not in marker.kwargs:
            continue
        value = marker.kwargs[CONTRACT]
        if value is True:
            return "full"
        if value is False:
            return None
        if value == "schema":
            return "schema"
        raise _BadMarker(f"@pytest.mark.jobhooks(contract=...) takes True, False or 'schema', not {value!r}")
    return "full"


def _check(item: pytest.Item, state: _State) -> ContractCheck | None:
    """Check what the test captured and sent so far, once (the result is kept on the item)."""
    if _CHECK in item.stash:
        return item.stash[_CHECK]
    item.stash[_CHECK] = None
    captured = _captured(item, state, commit=False)
    sender = item.stash.get(SENDER, None)
    sent = sender.sent if sender is not None else []
    if not captured and not sent:
        return None
    mode = _mode(item)
    if mode is None:
        state.totals().opted_out += 1
        return None
    from ..contract import check_test

    check = check_test(captured, sent, sender.batches if sender is not None else [], mode=mode, strict=state.strict)
    state.totals().add(check, item.nodeid)
    item.stash[_CHECK] = check
    return check


def _captured(item: pytest.Item, state: _State, *, commit: bool) -> list[CapturedStream]:
    """The streams of deliveries the test's servers received: its ``jobhooks_server``'s, and each extra server's."""
    servers: list[tuple[str, CaptureServer, list[Delivery]]] = []
    server = item.stash.get(TEST_SERVER, None)
    if server is not None:
        servers.append(("jobhooks_server", server, server.deliveries))
    for extra in item.config.stash.get(EXTRA_SERVERS, ()):
        servers.append(("make_jobhooks_server", extra, _arrived(extra, state.marks, commit=commit)))
    if not any(deliveries for _, _, deliveries in servers):
        return []
    from ..contract import CapturedStream

    streams = []
    for name, each, deliveries in servers:
        if deliveries:
            url = each.url if each.is_running else None
            streams.append(CapturedStream(f"{name} {url or '(stopped)'}", url, deliveries))
    return streams


def _arrived(server: CaptureServer, marks: dict[CaptureServer, object], *, commit: bool) -> list[Delivery]:
    """What ``server`` received since the end of the previous test (everything, before its first test ended)."""
    mark = marks.get(server)
    if commit:
        marks[server] = server.mark()
    return server.deliveries if mark is None else server.since(mark)


def _finish(item: pytest.Item, state: _State) -> str | None:
    """At the end of the test: move the extra servers' marks on, and record; an error message if recording failed."""
    captured = _captured(item, state, commit=True)
    if state.recording is None:
        return None
    sender = item.stash.get(SENDER, None)
    sent = sender.sent if sender is not None else []
    if not captured and not sent:
        return None
    from ..errors import RecordingError

    recorder = state.recorder
    if recorder is None:
        from ..recordings.writer import Recorder

        recorder = state.recorder = Recorder(state.recording)
    try:
        lines, attempts = record_test(item, recorder, [d for stream in captured for d in stream.deliveries], sent)
    except RecordingError as exc:
        return f"jobhooks: {exc}"
    state.totals().note_recording(str(state.recording), lines, attempts)
    return None


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """The ``jobhooks contract`` section: per vendor, the deliveries, jobs, invalid payloads and illegal moves."""
    state = config.stash.get(_STATE, None)
    if state is None or not (state.contract or state.recording is not None):
        return
    terminalreporter.write_sep("=", "jobhooks contract")
    recording = None
    if state.record_to is not None:
        recording = str(state.record_to / recording_name("<worker>") if _distributed(config) else state.recording)
    for line in state.totals().lines(contract=state.contract, recording=recording, strict=state.strict):
        terminalreporter.write_line(line)


def _distributed(config: pytest.Config) -> bool:
    """Whether this is the controller of pytest-xdist workers (they, not it, write the recordings)."""
    return config.pluginmanager.hasplugin("dsession")


def pytest_unconfigure(config: pytest.Config) -> None:
    """Close the recording file."""
    state = config.stash.get(_STATE, None)
    if state is not None and state.recorder is not None:
        state.recorder.close()
