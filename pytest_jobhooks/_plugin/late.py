"""Late deliveries: sent to a test's URLs, arriving after it ended; reported for that test, never shown to a later one.

``jobhooks_server`` gives each test URLs of its own (:meth:`CaptureServer.isolate
<pytest_jobhooks.CaptureServer.isolate>` with the test's node id) and ends them
at teardown, so what arrives for them later is kept apart by the server. It is
collected when the next test takes the server and when the session ends, and
shown in a ``jobhooks late deliveries`` section naming the test each was sent
for. In contract mode each is checked (its payload: a lone late delivery has
no lifecycle to judge) unless its test opted out; one that breaks the contract
fails the run (exit status 1) without failing any test. Under pytest-xdist the
workers' lists reach the controller through :mod:`._xdist`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest

from .._json import JsonObject
from ._xdist import collect_from_workers
from .options import contract_mode

if TYPE_CHECKING:
    from ..deliveries import Delivery
    from ..server import CaptureServer

_WORKER_KEY = "jobhooks_late"
_STATE = pytest.StashKey["_Late"]()


@dataclass(frozen=True)
class _Entry:
    test: str
    delivery: str
    problem: str | None


@dataclass
class _Late:
    contract: bool
    servers: list[CaptureServer] = field(default_factory=list)
    opted_out: set[str] = field(default_factory=set)  # tests with @pytest.mark.jobhooks(contract=False)
    entries: list[_Entry] = field(default_factory=list)

    def collect(self) -> None:
        """Take what arrived late at each server since the last look."""
        for server in self.servers:
            late = server.take_late()
            if late:
                self.entries.extend(self._entry(each.label, each.delivery) for each in late)

    def _entry(self, test: str, delivery: Delivery) -> _Entry:
        problem = None
        if self.contract and test not in self.opted_out:
            from ..contract import CapturedStream, check_test

            check = check_test(
                [CapturedStream(f"jobhooks_server (late, for {test})", None, [delivery])], [], [], mode="schema"
            )
            problem = None if check.ok else check.message()
        return _Entry(test, delivery.describe(), problem)


def pytest_configure(config: pytest.Config) -> None:
    """Set up the list, and have xdist workers hand theirs to the controller."""
    state = config.stash[_STATE] = _Late(contract_mode(config))
    collect_from_workers(config, _WORKER_KEY, lambda: _report(state), lambda data: _merge(state, data))


def watch(config: pytest.Config, server: CaptureServer) -> None:
    """Collect ``server``'s late deliveries from now on."""
    state = config.stash[_STATE]
    if server not in state.servers:
        state.servers.append(server)


def begin_test(item: pytest.Item, server: CaptureServer, opted_out: bool) -> None:
    """Before a test takes ``server``: collect what came late for earlier tests, then give it URLs of its own."""
    state = item.config.stash[_STATE]
    state.collect()
    if opted_out:
        state.opted_out.add(item.nodeid)
    server.isolate(item.nodeid)


def _report(state: _Late) -> JsonObject | None:
    state.collect()
    if not state.entries:
        return None
    return {"entries": [{"test": e.test, "delivery": e.delivery, "problem": e.problem} for e in state.entries]}


def _merge(state: _Late, data: JsonObject) -> None:
    entries = data.get("entries")
    for each in entries if isinstance(entries, list) else []:
        if isinstance(each, dict):
            problem = each.get("problem")
            state.entries.append(
                _Entry(str(each.get("test")), str(each.get("delivery")), problem if isinstance(problem, str) else None)
            )


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """Collect the last late deliveries; a late one that breaks the contract fails the run (not on a worker)."""
    state = session.config.stash.get(_STATE, None)
    if state is None:
        return
    state.collect()
    on_worker = hasattr(session.config, "workeroutput")
    if not on_worker and any(entry.problem for entry in state.entries) and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """The ``jobhooks late deliveries`` section: each one, the test it was sent for, and any contract problem."""
    state = config.stash.get(_STATE, None)
    if state is None or not state.entries:
        return
    terminalreporter.write_sep("=", "jobhooks late deliveries")
    broken = sum(1 for entry in state.entries if entry.problem)
    noun = "delivery" if len(state.entries) == 1 else "deliveries"
    counted = ""
    if state.contract:
        verb = "breaks" if broken == 1 else "break"
        counted = f"; {broken} {verb} the contract, which fails the run" if broken else "; none breaks the contract"
    terminalreporter.write_line(
        f"{len(state.entries)} {noun} arrived after the test they were sent for had ended "
        f"(shown to no later test){counted}:"
    )
    for entry in state.entries:
        terminalreporter.write_line(f"  {entry.test}: {entry.delivery}")
        if entry.problem:
            for line in entry.problem.splitlines():
                terminalreporter.write_line(f"      {line}")
