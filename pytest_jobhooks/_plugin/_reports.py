"""The one failure-report hook: each feature's section of a failing test's report, in one place.

The run seed and the test's factory seed, what ``jobhooks_sender`` sent, and
the contract problems of a test that failed on its own; and, at teardown, the
recording of what the test captured and sent (a recording that cannot be
written fails the teardown: deliveries are never lost silently).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

import pytest

from .contract import contract_section, finish_test
from .factories import seed_section
from .sender import sender_section

if TYPE_CHECKING:
    from pluggy import Result


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Result[pytest.TestReport], None]:
    """Record at teardown; add the seed, sender and contract sections to a failing test's report."""
    error = finish_test(item, call)
    outcome = yield
    report = outcome.get_result()
    # Worked out for every call report: it counts the test's deliveries in the contract totals.
    contract = contract_section(item, call)
    if report.failed:
        for section in (seed_section(item), sender_section(item), contract):
            if section is not None:
                report.sections.append(section)
    if error is not None:
        if report.failed:
            report.sections.append(("jobhooks record", error))
        else:
            report.outcome, report.longrepr = "failed", error
